package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates swaps: the agreement that carries out a swap match, holding every
// offer of the cycle. Its participants see all of it (every leg, every
// acceptance, its state); nobody writes it through the records API: the
// swaps routes (hooks/swaps) propose, accept, decline and cancel it, and
// the hooks complete it with its last leg. A cycle has at most one open
// swap (proposed or accepted) at a time.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Swaps)
		party := `@request.auth.id != "" && participants.id ?= @request.auth.id`
		c.ListRule = rule(party)
		c.ViewRule = rule(party)
		c.CreateRule = nil
		c.UpdateRule = nil
		c.DeleteRule = nil
		users, err := collectionID(app, schema.Users)
		if err != nil {
			return err
		}
		offers, err := collectionID(app, schema.Offers)
		if err != nil {
			return err
		}
		c.Fields.Add(
			&core.TextField{Name: schema.SwapCycleKey, Required: true, Max: 200},
			// cascade: a deleted person leaves the list (PocketBase removes
			// their id); the swaps hooks end their open swaps first
			&core.RelationField{Name: schema.SwapParticipants, CollectionId: users, Required: true, CascadeDelete: true,
				MinSelect: 2, MaxSelect: 3},
			&core.RelationField{Name: schema.SwapOffers, CollectionId: offers, MaxSelect: 3, Presentable: true},
			&core.JSONField{Name: schema.SwapLegs, MaxSize: 8 << 10,
				Help: "in cycle order: [{person, offer, to, accepted_at, exchange}]: person gives offer to the person to"},
			&core.SelectField{Name: schema.SwapState, Required: true, MaxSelect: 1, Values: schema.SwapStates},
			&core.JSONField{Name: schema.SwapHistory, MaxSize: 16 << 10, Help: "every state change and acceptance: {from, to, by, at}"},
		)
		addTimestamps(c)
		c.AddIndex("idx_swaps_open_cycle", true, schema.SwapCycleKey,
			"state IN ('"+schema.SwapStateProposed+"', '"+schema.SwapStateAccepted+"')")
		c.AddIndex("idx_swaps_cycle", false, schema.SwapCycleKey+", created", "")
		return app.Save(c)
	}, dropCollection(schema.Swaps))
}
