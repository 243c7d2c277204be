package pb_migrations

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Adds what completing an exchange takes: each side's confirmation that it is
// complete (completion needs both, or a quiet period without a dispute) and
// when the exchange entered its current state (the quiet period and the
// dispute window after completion count from it). Hooks write all three.
// Existing exchanges take their last update as the time of their state.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Exchanges)
		if err != nil {
			return err
		}
		c.Fields.Add(
			&core.DateField{Name: schema.ExchangeOwnerConfirmedAt, Help: "when the owner confirmed completion; written by hooks"},
			&core.DateField{Name: schema.ExchangeRequesterConfirmedAt, Help: "when the requester confirmed completion; written by hooks"},
			&core.DateField{Name: schema.ExchangeStateChangedAt, Help: "when the exchange entered its state; written by hooks"},
		)
		c.AddIndex("idx_exchanges_state_changed", false, "state, state_changed_at", "")
		if err := app.Save(c); err != nil {
			return err
		}
		_, err = app.DB().Update(schema.Exchanges, dbx.Params{schema.ExchangeStateChangedAt: dbx.NewExp("[[updated]]")}, nil).Execute()
		return err
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Exchanges)
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_exchanges_state_changed")
		c.Fields.RemoveByName(schema.ExchangeOwnerConfirmedAt)
		c.Fields.RemoveByName(schema.ExchangeRequesterConfirmedAt)
		c.Fields.RemoveByName(schema.ExchangeStateChangedAt)
		return app.Save(c)
	})
}
