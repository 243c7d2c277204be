package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// offerLatExpr is the expression PocketBase's filter builds for
// `location.lat` on offers: an index on the same expression serves a
// records API list that bounds the latitude (the nearby list's box).
const offerLatExpr = `(CASE WHEN json_valid(location) THEN JSON_EXTRACT(location, '$.lat') ` +
	`ELSE JSON_EXTRACT(json_object('pb', location), '$.pb.lat') END)`

// Adds the indexes of the lists apps show through the records API: the
// nearby list (status = "active" && location.lat between two bounds, newest
// first), a person's offers by status (their active ones, newest first),
// and a category's active offers by price. The category and status list
// sorted by created already has idx_offers_category_status_created.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		c.AddIndex("idx_offers_status_lat", false, "status, "+offerLatExpr, "")
		c.AddIndex("idx_offers_owner_status_created", false, "owner, status, created", "")
		c.AddIndex("idx_offers_category_status_price", false, "category, status, price", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Offers)
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_offers_status_lat")
		c.RemoveIndex("idx_offers_owner_status_created")
		c.RemoveIndex("idx_offers_category_status_price")
		return app.Save(c)
	})
}
