package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// The offers that may match a located want without a category are read by
// latitude band (GET /api/peerbase/wants/{id}/offers): an index on the
// latitude inside the location JSON lets SQLite read only the band, not
// every active offer.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		c.AddIndex("idx_offers_status_lat", false, "status, json_extract(location, '$.lat')", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_offers_status_lat")
		return app.Save(c)
	})
}
