package threads

import (
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// Event is what a system message says: exchange moved from one state to
// another (From is empty for a new request), by a user id, or by
// "moderator" or "system" (the quiet period). Apps render it in their
// reader's language; the message's body stays empty.
type Event struct {
	Exchange string `json:"exchange"`
	From     string `json:"from"`
	To       string `json:"to"`
	By       string `json:"by"`
}

// SystemPreview is the thread-list preview of a system message: plain
// English, for lists that show previews as they are; apps that know the
// message's kind render its event instead.
func SystemPreview(ev Event) string {
	if ev.From == "" {
		return "Exchange requested"
	}
	return "Exchange " + strings.ReplaceAll(ev.To, "_", " ")
}

// PostSystem writes a system message about ev into thread through app (pass
// the transaction of the move, so the message exists exactly when the move
// does). It is saved on the model path, where the create rule doesn't
// apply and no block stops it. Its author is the participant who moved,
// or the offer's owner for a move neither side made (a moderator's, the
// quiet period's): the relation is required, and apps read who moved from
// the event, not from the author.
func PostSystem(app core.App, thread *core.Record, ev Event) error {
	c, err := app.FindCachedCollectionByNameOrId(schema.Messages)
	if err != nil {
		return fmt.Errorf("failed to find the messages collection: %w", err)
	}
	author := ev.By
	if SideOf(thread, author) == SideNone {
		author = thread.GetString(schema.ThreadOwner)
	}
	msg := core.NewRecord(c)
	msg.Set(schema.MessageThread, thread.Id)
	msg.Set(schema.MessageAuthor, author)
	msg.Set(schema.MessageKind, schema.MessageKindSystem)
	msg.Set(schema.MessageEvent, ev)
	if err := app.Save(msg); err != nil {
		return fmt.Errorf("failed to write the system message of exchange %s: %w", ev.Exchange, err)
	}
	return nil
}
