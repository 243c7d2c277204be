package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// A person may update their own notifications; which fields is the
// computed-fields guard's job (schema.ComputedFields), which answers a 400
// naming the field where the rule's body checks answered a bare 404.
func init() {
	const own = `@request.auth.id != "" && user = @request.auth.id`
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Notifications)
		if err != nil {
			return err
		}
		c.UpdateRule = rule(own)
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Notifications)
		if err != nil {
			return err
		}
		c.UpdateRule = rule(own + ` && @request.body.user:isset = false && @request.body.type:isset = false` +
			` && @request.body.title:isset = false && @request.body.text:isset = false` +
			` && @request.body.link:isset = false && @request.body.data:isset = false`)
		return app.Save(c)
	})
}
