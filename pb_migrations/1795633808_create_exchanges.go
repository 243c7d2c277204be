package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates exchanges: an agreement about one offer between its owner (set by
// hook) and a requester. Both parties see it; the exchanges hooks enforce the
// state machine and who may make each move.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Exchanges)
		c.ListRule = rule("owner = @request.auth.id || requester = @request.auth.id")
		c.ViewRule = c.ListRule
		c.CreateRule = rule(`@request.auth.id != "" && requester = @request.auth.id && offer.owner != @request.auth.id && offer.status = "active" && ` +
			`(@request.body.state:isset = false || @request.body.state = "requested")`)
		c.UpdateRule = rule(`(owner = @request.auth.id || requester = @request.auth.id) && ` +
			`@request.body.offer:changed = false && @request.body.requester:changed = false && @request.body.thread:changed = false`)

		if err := addRelations(app, c,
			&relationSpec{name: schema.ExchangeOffer, target: schema.Offers, required: true, cascade: true, presentable: true},
			&relationSpec{name: schema.ExchangeOwner, target: schema.Users, cascade: true},
			&relationSpec{name: schema.ExchangeRequester, target: schema.Users, required: true, cascade: true},
		); err != nil {
			return err
		}
		c.Fields.Add(&core.SelectField{Name: schema.ExchangeState, MaxSelect: 1, Values: schema.ExchangeStates})
		if err := addRelations(app, c, &relationSpec{name: schema.ExchangeThread, target: schema.Threads}); err != nil {
			return err
		}
		c.Fields.Add(
			&core.DateField{Name: schema.ExchangeStart},
			&core.DateField{Name: schema.ExchangeEnd},
			&core.NumberField{Name: schema.ExchangeAgreedPrice, Min: float(0)},
			&core.JSONField{Name: schema.ExchangeHistory, MaxSize: 32 << 10, Help: "every state change: who, from, to, when; written by hooks"},
		)
		addTimestamps(c)
		c.AddIndex("idx_exchanges_offer_state", false, "offer, state", "")
		c.AddIndex("idx_exchanges_owner", false, "owner, created", "")
		c.AddIndex("idx_exchanges_requester", false, "requester, created", "")
		return app.Save(c)
	}, dropCollection(schema.Exchanges))
}
