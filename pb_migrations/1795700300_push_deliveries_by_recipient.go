package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Replaces push_deliveries' index on subscription with one on recipient.
// Subscription ids are random, so a fan-out to 100 devices wrote its 100
// index entries on up to 100 random pages of the index (a quarter of a
// row's write cost); a fan-out's rows share one recipient, and under it
// they sort by row id, after that person's older rows: one or two pages.
// The queries that looked rows up by subscription (a subscription deleted
// or replaced) know the subscription's user and now name it as the
// recipient, reading that person's log only. Rows written before the
// recipient column existed get it from their subscription.
func init() {
	m.Register(func(app core.App) error {
		_, err := app.DB().NewQuery("UPDATE {{" + schema.PushDeliveries + "}} SET [[recipient]] = COALESCE((SELECT s.[[" +
			schema.SubUser + "]] FROM {{" + schema.PushSubscriptions + "}} s WHERE s.[[id]] = {{" + schema.PushDeliveries +
			"}}.[[subscription]]), '') WHERE [[recipient]] = '' AND [[subscription]] != ''").Execute()
		if err != nil {
			return err
		}
		c, err := app.FindCollectionByNameOrId(schema.PushDeliveries)
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_push_deliveries_subscription")
		c.AddIndex("idx_push_deliveries_recipient", false, "recipient", "")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.PushDeliveries)
		if err != nil {
			return err
		}
		c.RemoveIndex("idx_push_deliveries_recipient")
		c.AddIndex("idx_push_deliveries_subscription", false, "subscription", "")
		return app.Save(c)
	})
}
