package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Marks the messages whose author deleted their account: the message stays
// in the thread (the other side keeps the conversation's shape), its body and
// files are gone, and this flag tells apps to show it as deleted.
func init() {
	m.Register(func(app core.App) error {
		messages, err := app.FindCollectionByNameOrId(schema.Messages)
		if err != nil {
			return err
		}
		messages.Fields.Add(&core.BoolField{Name: schema.MessageDeleted,
			Help: "set when the author deleted their account; body and files are gone; written by hooks"})
		return app.Save(messages)
	}, func(app core.App) error {
		messages, err := app.FindCollectionByNameOrId(schema.Messages)
		if err != nil {
			return err
		}
		messages.Fields.RemoveByName(schema.MessageDeleted)
		return app.Save(messages)
	})
}
