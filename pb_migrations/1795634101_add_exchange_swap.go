package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Adds exchanges.swap: the swap an exchange is one leg of, written by the
// swaps hooks only (empty for an ordinary exchange). An exchange outlives a
// swap a superuser deletes.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Exchanges)
		if err != nil {
			return err
		}
		if err := addRelations(app, c, &relationSpec{name: schema.ExchangeSwap, target: schema.Swaps}); err != nil {
			return err
		}
		c.AddIndex("idx_exchanges_swap", false, schema.ExchangeSwap, schema.ExchangeSwap+" != ''")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Exchanges)
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_exchanges_swap")
		c.Fields.RemoveByName(schema.ExchangeSwap)
		return app.Save(c)
	})
}
