package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates push_deliveries: the durable Web Push outbox and its delivery log.
// Superusers only.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.PushDeliveries)
		if err := addRelations(app, c,
			&relationSpec{name: schema.DeliverySubscription, target: schema.PushSubscriptions, required: true, cascade: true},
		); err != nil {
			return err
		}
		c.Fields.Add(
			&core.SelectField{Name: schema.DeliveryStatus, Required: true, MaxSelect: 1, Values: schema.PushDeliveryStatues, Presentable: true},
			&core.TextField{Name: schema.DeliveryTopic, Max: 32, Pattern: `^[A-Za-z0-9_-]*$`},
			&core.SelectField{Name: schema.DeliveryUrgency, MaxSelect: 1, Values: schema.PushUrgencies},
			&core.NumberField{Name: schema.DeliveryTTL, Min: float(0), OnlyInt: true},
			&core.NumberField{Name: schema.DeliveryAttempts, Min: float(0), OnlyInt: true},
			&core.DateField{Name: schema.DeliveryNextAttempt},
			&core.TextField{Name: schema.DeliveryLastError, Max: 1000},
			&core.JSONField{Name: schema.DeliveryPayload, MaxSize: 4 << 10},
		)
		addTimestamps(c)
		c.AddIndex("idx_push_deliveries_due", false, "status, next_attempt_at", "")
		c.AddIndex("idx_push_deliveries_subscription", false, "subscription", "")
		return app.Save(c)
	}, dropCollection(schema.PushDeliveries))
}
