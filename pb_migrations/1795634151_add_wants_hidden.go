package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Gives wants a moderation flag of their own: a want hidden by moderation
// is seen by its owner only, whatever its public and active flags say (the
// owner can switch those, not this one: hooks write it).
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Wants)
		if err != nil {
			return err
		}
		c.Fields.Add(&core.BoolField{Name: schema.WantHidden, Help: "hidden by moderation; written by hooks"})
		c.ListRule = rule(`(public = true && active = true && hidden = false) || owner = @request.auth.id`)
		c.ViewRule = c.ListRule
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Wants)
		if err != nil {
			return err
		}
		c.Fields.RemoveByName(schema.WantHidden)
		c.ListRule = rule(`(public = true && active = true) || owner = @request.auth.id`)
		c.ViewRule = c.ListRule
		return app.Save(c)
	})
}
