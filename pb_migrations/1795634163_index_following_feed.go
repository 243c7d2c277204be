package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Indexes the following feed (GET /api/peerbase/following): the visible
// offers of one owner, newest first, read from the index alone, so a page
// for a person who follows thousands costs one short index range per
// followed person instead of a scan of offers. Creates the plain table
// (not a collection: nobody reads it through the API) of offers whose
// followers the social worker has not all told yet, written in the offer's
// own transaction and resumed at start.
func init() {
	m.Register(func(app core.App) error {
		offers, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		offers.AddIndex("idx_offers_feed", false, "owner, created, id", "status NOT IN ('draft', 'hidden')")
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
		return app.Save(offers)
	})
}
