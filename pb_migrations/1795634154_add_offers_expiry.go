package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Expiry of offers (hooks/moderation): expired marks an offer closed because
// its time ran out, so renewal knows it may reopen it; expiry_warned_at
// remembers that its owner was told, so they are told once. Both are
// written by hooks.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		c.Fields.Add(
			&core.BoolField{Name: schema.OfferExpired, Help: "closed because it expired; renewal reopens it; written by hooks"},
			&core.DateField{Name: schema.OfferExpiryWarnedAt, Help: "when the owner was told it expires soon; written by hooks"},
		)
		c.AddIndex("idx_offers_status_expires_at", false, "status, expires_at", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		c.Fields.RemoveByName(schema.OfferExpired)
		c.Fields.RemoveByName(schema.OfferExpiryWarnedAt)
		c.RemoveIndex("idx_offers_status_expires_at")
		return app.Save(c)
	})
}
