package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates wants: a saved search and a public "wanted" post in one. Private
// wants are the owner's only; public and active ones are readable by all.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Wants)
		c.ListRule = rule(`(public = true && active = true) || owner = @request.auth.id`)
		c.ViewRule = c.ListRule
		c.CreateRule = rule(`@request.auth.id != "" && owner = @request.auth.id`)
		c.UpdateRule = rule(`owner = @request.auth.id && @request.body.owner:changed = false`)
		c.DeleteRule = rule("owner = @request.auth.id")

		c.Fields.Add(&core.TextField{Name: schema.WantQuery, Max: 200, Presentable: true})
		if err := addRelations(app, c,
			&relationSpec{name: schema.FieldOwner, target: schema.Users, required: true, cascade: true},
			&relationSpec{name: schema.FieldCategory, target: schema.Categories},
		); err != nil {
			return err
		}
		c.Fields.Add(
			&core.SelectField{Name: schema.WantKinds, MaxSelect: len(schema.OfferKinds), Values: schema.OfferKinds},
			&core.NumberField{Name: schema.WantMaxPrice, Min: float(0)},
			&core.GeoPointField{Name: schema.FieldLocation},
			&core.NumberField{Name: schema.WantRadiusKm, Min: float(0), Max: float(500)},
			&core.BoolField{Name: schema.WantPublic},
			&core.BoolField{Name: schema.WantActive},
			&core.SelectField{Name: schema.WantAlert, MaxSelect: 1, Values: schema.AlertModes},
		)
		addTimestamps(c)
		c.AddIndex("idx_wants_owner", false, "owner, created", "")
		c.AddIndex("idx_wants_active_category", false, "active, category", "")
		return app.Save(c)
	}, dropCollection(schema.Wants))
}
