package pb_migrations

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Keeps threads and exchanges when their offer is deleted: both sides rely on
// them (messages, the state and history of an exchange, the reviews written
// about it), so the offer relation becomes optional and no longer cascades.
// PocketBase then empties it when the offer goes. Threads stay unique per
// offer and peer only while they have an offer: a peer may keep several
// threads whose offers were deleted.
func init() {
	m.Register(func(app core.App) error {
		return keepWithoutOffer(app, false)
	}, func(app core.App) error {
		return keepWithoutOffer(app, true)
	})
}

// keepWithoutOffer sets the offer relation of threads and exchanges to
// optional and non-cascading (down: back to required and cascading).
func keepWithoutOffer(app core.App, down bool) error {
	for _, name := range []string{schema.Threads, schema.Exchanges} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return fmt.Errorf("failed to find %s: %w", name, err)
		}
		f, ok := c.Fields.GetByName(schema.ThreadOffer).(*core.RelationField)
		if !ok {
			return fmt.Errorf("%s has no offer relation", name)
		}
		f.Required, f.CascadeDelete = down, down
		if name == schema.Threads {
			where := "offer != ''"
			if down {
				where = ""
			}
			c.AddIndex("idx_threads_offer_peer", true, "offer, peer", where)
		}
		if err := app.Save(c); err != nil {
			return fmt.Errorf("failed to update %s: %w", name, err)
		}
	}
	return nil
}
