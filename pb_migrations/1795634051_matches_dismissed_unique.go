package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Matches are told once: a unique (want, offer) index, and a dismissed flag
// instead of deletion (a deleted match would come back with the offer's
// next edit). Only superusers delete matches.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Matches)
		if err != nil {
			return err
		}
		c.Fields.Add(&core.BoolField{Name: schema.MatchDismissed})
		c.DeleteRule = nil
		c.AddIndex("idx_matches_want_offer", true, "want, offer", "want != ''")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Matches)
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_matches_want_offer")
		c.Fields.RemoveByName(schema.MatchDismissed)
		c.DeleteRule = rule("recipient = @request.auth.id")
		return app.Save(c)
	})
}
