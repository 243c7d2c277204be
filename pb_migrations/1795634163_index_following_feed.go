package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Indexes the following feed (GET /api/peerbase/following) with two
// partial indexes over the visible offers, both read without the table:
// all of them newest first with their owner (a page is first looked for
// among the newest few hundred), and each owner's newest first (when the
// people followed have published little lately, one short range per
// followed person). Creates the plain table
// (not a collection: nobody reads it through the API) of offers whose
// followers the social worker has not all told yet, written in the offer's
// own transaction and resumed at start.
func init() {
	m.Register(func(app core.App) error {
		offers, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		offers.AddIndex("idx_offers_feed", false, "owner, created, id, status", "status NOT IN ('draft', 'hidden')")
		offers.AddIndex("idx_offers_recent", false, "created, id, owner, status", "status NOT IN ('draft', 'hidden')")
		if err := app.Save(offers); err != nil {
			return err
		}
		_, err = app.DB().NewQuery("CREATE TABLE IF NOT EXISTS {{" + schema.FollowJobsTable + "}} (" +
			"[[offer]] TEXT PRIMARY KEY NOT NULL, [[created]] TEXT NOT NULL DEFAULT '')").Execute()
		return err
	}, func(app core.App) error {
		if _, err := app.DB().NewQuery("DROP TABLE IF EXISTS {{" + schema.FollowJobsTable + "}}").Execute(); err != nil {
			return err
		}
		offers, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		offers.RemoveIndex("idx_offers_feed")
		offers.RemoveIndex("idx_offers_recent")
		return app.Save(offers)
	})
}
