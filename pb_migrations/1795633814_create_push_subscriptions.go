package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates push_subscriptions: the Web Push device registry. Each user creates
// and sees only their own; delivery state is written by the push hooks.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.PushSubscriptions)
		c.ListRule = rule("user = @request.auth.id")
		c.ViewRule = c.ListRule
		c.CreateRule = rule(`@request.auth.id != "" && user = @request.auth.id`)
		c.UpdateRule = rule("user = @request.auth.id && @request.body.user:changed = false")
		c.DeleteRule = c.ListRule

		if err := addRelations(app, c,
			&relationSpec{name: schema.SubUser, target: schema.Users, required: true, cascade: true},
		); err != nil {
			return err
		}
		c.Fields.Add(
			&core.URLField{Name: schema.SubEndpoint, Required: true, Presentable: true},
			&core.TextField{Name: schema.SubP256dh, Required: true, Max: 200, Pattern: `^[A-Za-z0-9_-]+=*$`},
			&core.TextField{Name: schema.SubAuth, Required: true, Max: 64, Pattern: `^[A-Za-z0-9_-]+=*$`},
			&core.TextField{Name: schema.SubUserAgent, Max: 300},
			&core.DateField{Name: schema.SubLastSuccessAt},
			&core.NumberField{Name: schema.SubFailures, Min: float(0), OnlyInt: true},
		)
		addTimestamps(c)
		c.AddIndex("idx_push_subscriptions_endpoint", true, "endpoint", "")
		c.AddIndex("idx_push_subscriptions_user", false, "user", "")
		return app.Save(c)
	}, dropCollection(schema.PushSubscriptions))
}
