package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates notifications: a person's notification centre. Every capability
// that tells a person something (a match, an exchange move, a moderation
// decision, an expiry warning, a digest, a followed person's new offer)
// writes one record for them through hooks/notify, in the transaction of
// the event; push is one delivery of it. Only hooks create them; their
// person reads them, marks them read and may delete them; nothing else of a
// notification is client-writable.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Notifications)
		own := `@request.auth.id != "" && user = @request.auth.id`
		c.ListRule = rule(own)
		c.ViewRule = rule(own)
		c.CreateRule = nil
		c.UpdateRule = rule(own + ` && @request.body.user:isset = false && @request.body.type:isset = false` +
			` && @request.body.title:isset = false && @request.body.text:isset = false` +
			` && @request.body.link:isset = false && @request.body.data:isset = false`)
		c.DeleteRule = rule(own)
		if err := addRelations(app, c,
			&relationSpec{name: schema.NotificationUser, target: schema.Users, required: true, cascade: true},
		); err != nil {
			return err
		}
		c.Fields.Add(
			&core.SelectField{Name: schema.NotificationType, Required: true, MaxSelect: 1, Values: schema.NotificationTypes},
			&core.TextField{Name: schema.NotificationTitle, Required: true, Max: 200, Presentable: true},
			&core.TextField{Name: schema.NotificationText, Max: 1000},
			&core.TextField{Name: schema.NotificationLink, Max: 500, Help: "the app path to open, such as /offers/{id}"},
			&core.JSONField{Name: schema.NotificationData, MaxSize: 4096, Help: "the ids the notification is about, such as {\"offer\": \"...\"}"},
			&core.BoolField{Name: schema.NotificationRead},
		)
		addTimestamps(c)
		c.AddIndex("idx_notifications_user_created", false, "user, created", "")
		c.AddIndex("idx_notifications_user_read", false, "user, `read`", "")
		return app.Save(c)
	}, dropCollection(schema.Notifications))
}
