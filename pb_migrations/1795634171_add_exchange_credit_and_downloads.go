package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Adds to exchanges the credit price (set by the requester with the other
// terms, moved by the ledger on completion) and the download count of a
// digital exchange (written by hooks only).
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Exchanges)
		if err != nil {
			return err
		}
		c.Fields.Add(
			&core.NumberField{Name: schema.ExchangeCreditPrice, OnlyInt: true, Min: float(0), Max: float(1e9),
				Help: "credits the requester pays the owner on completion (with --ledger)"},
			&core.NumberField{Name: schema.ExchangeDownloads, OnlyInt: true, Min: float(0),
				Help: "how many times the requester downloaded the offer's files"},
		)
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Exchanges)
		if err != nil {
			return err
		}
		c.Fields.RemoveByName(schema.ExchangeCreditPrice)
		c.Fields.RemoveByName(schema.ExchangeDownloads)
		return app.Save(c)
	})
}
