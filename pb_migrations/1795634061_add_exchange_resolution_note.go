package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Adds the note with which a superuser settles a disputed exchange. It is
// hidden: PocketBase shows it to superusers only and ignores it in anyone
// else's writes (the trust hooks answer 400 besides); the exchanges hooks
// require it when a superuser resolves a dispute and copy it to
// moderation_log.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Exchanges)
		if err != nil {
			return err
		}
		c.Fields.Add(&core.TextField{Name: schema.ExchangeResolutionNote, Hidden: true, Max: 2000,
			Help: "superusers only: how a dispute was settled; required to resolve one"})
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Exchanges)
		if err != nil {
			return err
		}
		c.Fields.RemoveByName(schema.ExchangeResolutionNote)
		return app.Save(c)
	})
}
