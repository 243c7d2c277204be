package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Makes push_deliveries a delivery log that outlives its subscription: a 410
// deletes the subscription, and the row that says "gone" must stay. The
// subscription relation becomes optional and no longer cascades (the push
// hooks empty it when the subscription goes); each row names its recipient
// (a user id as text: the log is not the person's data and must not hold up
// an account deletion), its notification type and the push service's host,
// so the dashboard shows who got what where. Adds the "skipped" status (the
// person was looking at the thread). No new index: each one is paid on
// every row the outbox writes and updates, while the hourly prune and the
// dashboard's filters can scan.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.PushDeliveries)
		if err != nil {
			return err
		}
		if f, ok := c.Fields.GetByName(schema.DeliverySubscription).(*core.RelationField); ok {
			f.Required = false
			f.CascadeDelete = false
		}
		if f, ok := c.Fields.GetByName(schema.DeliveryStatus).(*core.SelectField); ok {
			f.Values = schema.PushDeliveryStatuses
		}
		c.Fields.Add(
			&core.TextField{Name: schema.DeliveryRecipient, Max: 32, Help: "the user id the push is for"},
			&core.TextField{Name: schema.DeliveryType, Max: 32, Presentable: true, Help: "message, or the notification type"},
			&core.TextField{Name: schema.DeliveryEndpointHost, Max: 255, Help: "the push service the subscription points at"},
		)
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.PushDeliveries)
		if err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("DELETE FROM push_deliveries WHERE subscription = '' OR status = 'skipped'").Execute(); err != nil {
			return err
		}
		if f, ok := c.Fields.GetByName(schema.DeliverySubscription).(*core.RelationField); ok {
			f.Required = true
			f.CascadeDelete = true
		}
		if f, ok := c.Fields.GetByName(schema.DeliveryStatus).(*core.SelectField); ok {
			f.Values = schema.PushDeliveryStatues
		}
		c.Fields.RemoveByName(schema.DeliveryRecipient)
		c.Fields.RemoveByName(schema.DeliveryType)
		c.Fields.RemoveByName(schema.DeliveryEndpointHost)
		return app.Save(c)
	})
}
