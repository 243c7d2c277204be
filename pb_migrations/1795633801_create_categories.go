package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates categories: a tree (parent), public to read, managed by admins in
// the dashboard.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Categories)
		c.ListRule = rule("")
		c.ViewRule = rule("")

		c.Fields.Add(
			&core.TextField{Name: schema.CategoryName, Required: true, Max: 80, Presentable: true},
			&core.TextField{Name: schema.CategorySlug, Required: true, Max: 80, Pattern: `^[a-z0-9]+(-[a-z0-9]+)*$`},
			&core.TextField{Name: schema.CategoryIcon, Max: 40, Help: "an emoji or an icon name"},
			&core.NumberField{Name: schema.CategorySort, OnlyInt: true},
		)
		addTimestamps(c)
		if err := app.Save(c); err != nil {
			return err
		}

		// self relation: the collection needs an id first
		c.Fields.Add(&core.RelationField{Name: schema.CategoryParent, CollectionId: c.Id, MaxSelect: 1})
		c.AddIndex("idx_categories_slug", true, "slug", "")
		c.AddIndex("idx_categories_parent", false, "parent, sort", "")
		return app.Save(c)
	}, dropCollection(schema.Categories))
}
