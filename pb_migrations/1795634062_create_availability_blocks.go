package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates availability_blocks: the days the owner of a lend or rent offer
// doesn't lend it, [start, end) in whole days of the owner's time zone
// (checked by the exchanges hooks). Whoever can see the offer can read them
// (the same condition as the offers view rule): they say when, never why,
// so there is no reason field. Only the offer's owner writes them, and a
// block can't move to another offer.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.AvailabilityBlocks)
		c.ListRule = rule(`(offer.status != "draft" && offer.status != "hidden") || offer.owner = @request.auth.id`)
		c.ViewRule = c.ListRule
		c.CreateRule = rule(`@request.auth.id != "" && offer.owner = @request.auth.id`)
		c.UpdateRule = rule(`offer.owner = @request.auth.id && @request.body.offer:changed = false`)
		c.DeleteRule = rule(`offer.owner = @request.auth.id`)
		if err := addRelations(app, c,
			&relationSpec{name: schema.AvailabilityOffer, target: schema.Offers, required: true, cascade: true, presentable: true},
		); err != nil {
			return err
		}
		c.Fields.Add(
			&core.DateField{Name: schema.AvailabilityStart, Required: true, Help: "first day blocked: midnight in the owner's time zone"},
			&core.DateField{Name: schema.AvailabilityEnd, Required: true, Help: "first day free again: midnight in the owner's time zone"},
		)
		addTimestamps(c)
		c.AddIndex("idx_availability_blocks_offer_start", false, "offer, start", "")
		return app.Save(c)
	}, dropCollection(schema.AvailabilityBlocks))
}
