package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates messages: immutable once sent, readable by the two participants of
// their thread only; attachments are protected files served to them alone.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Messages)
		c.ListRule = rule("thread.owner = @request.auth.id || thread.peer = @request.auth.id")
		c.ViewRule = c.ListRule
		c.CreateRule = rule(`@request.auth.id != "" && author = @request.auth.id && (thread.owner = @request.auth.id || thread.peer = @request.auth.id)`)

		if err := addRelations(app, c,
			&relationSpec{name: schema.MessageThread, target: schema.Threads, required: true, cascade: true},
			&relationSpec{name: schema.MessageAuthor, target: schema.Users, required: true, cascade: true},
		); err != nil {
			return err
		}
		c.Fields.Add(
			&core.TextField{Name: schema.MessageBody, Max: 4000, Presentable: true},
			&core.FileField{Name: schema.MessageAttachments, MaxSelect: 5, MaxSize: schema.MaxImageBytes, Protected: true,
				MimeTypes: append([]string{"application/pdf"}, schema.ImageMimeTypes...), Thumbs: schema.AttachmentThumbs},
			&core.JSONField{Name: schema.MessageAttachmentMeta, MaxSize: 8 << 10, Help: "per image: width, height, blurhash, color; written by hooks"},
			&core.BoolField{Name: schema.MessageRetracted, Help: "set when the author retracted the message; its body and files are gone"},
		)
		addTimestamps(c)
		c.AddIndex("idx_messages_thread_created", false, "thread, created", "")
		return app.Save(c)
	}, dropCollection(schema.Messages))
}
