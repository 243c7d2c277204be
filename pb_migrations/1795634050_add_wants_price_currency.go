package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Adds the currency (and optional price unit) of a want's max_price: a
// price limit means nothing without them, and matching compares a limit
// only with offers priced in the same currency and unit.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Wants)
		if err != nil {
			return err
		}
		c.Fields.Add(
			&core.TextField{Name: schema.WantCurrency, Pattern: `^[A-Z]{3}$`, Help: "ISO 4217 code of max_price, e.g. EUR"},
			&core.SelectField{Name: schema.WantPriceUnit, MaxSelect: 1, Values: schema.PriceUnits,
				Help: "max_price per item, hour, day or week; empty: any"},
		)
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Wants)
		if err != nil {
			return err
		}
		c.Fields.RemoveByName(schema.WantCurrency)
		c.Fields.RemoveByName(schema.WantPriceUnit)
		return app.Save(c)
	})
}
