package pb_migrations

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Adds system messages: the exchanges hooks write one into the exchange's
// thread at every transition. kind tells a person's message from the
// server's, event carries what happened ({"exchange", "from", "to", "by"})
// so each app renders it in its reader's language. Both are written by hooks
// only (a client that sends either gets the trust hooks' 400 on computed
// fields, and the threads hooks make every other message a person's).
// Messages sent before are a person's.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Messages)
		if err != nil {
			return err
		}
		c.Fields.Add(
			&core.SelectField{Name: schema.MessageKind, MaxSelect: 1,
				Values: []string{schema.MessageKindUser, schema.MessageKindSystem},
				Help:   "user: a person wrote it; system: the server did (an exchange moved); written by hooks"},
			&core.JSONField{Name: schema.MessageEvent, MaxSize: 1 << 10,
				Help: `system messages: {"exchange","from","to","by"}; written by hooks`},
		)
		if err := app.Save(c); err != nil {
			return err
		}
		_, err = app.DB().Update(schema.Messages, dbx.Params{schema.MessageKind: schema.MessageKindUser},
			dbx.HashExp{schema.MessageKind: ""}).Execute()
		return err
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Messages)
		if err != nil {
			return err
		}
		c.Fields.RemoveByName(schema.MessageKind)
		c.Fields.RemoveByName(schema.MessageEvent)
		return app.Save(c)
	})
}
