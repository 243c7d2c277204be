// Package threads keeps private threads consistent: a thread's owner comes
// from its offer, every message updates its thread's preview and each side's
// unread count in the same transaction, a participant marks a thread read,
// an author may retract a message for a few minutes after sending it, and
// the server writes system messages (an exchange's moves) that nobody
// retracts.
package threads

import (
	"fmt"
	"net/http"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// Config configures the threads capability.
type Config struct {
	// RetractWindow is how long after sending the author may retract a message.
	RetractWindow time.Duration
	// PreviewLength is the length in runes of a thread's last_message preview.
	PreviewLength int
}

// DefaultConfig returns the threads defaults.
func DefaultConfig() Config {
	return Config{RetractWindow: 5 * time.Minute, PreviewLength: 140}
}

// Side is the role of a user in a thread.
type Side string

// The two sides of a thread; SideNone is anyone else.
const (
	SideNone  Side = ""
	SideOwner Side = "owner"
	SidePeer  Side = "peer"
)

// SideOf tells which side of the thread userID is on.
func SideOf(thread *core.Record, userID string) Side {
	switch {
	case userID == "":
		return SideNone
	case thread.GetString(schema.ThreadOwner) == userID:
		return SideOwner
	case thread.GetString(schema.ThreadPeer) == userID:
		return SidePeer
	}
	return SideNone
}

func (s Side) readAtField() string {
	if s == SideOwner {
		return schema.ThreadOwnerReadAt
	}
	return schema.ThreadPeerReadAt
}

func (s Side) unreadField() string {
	if s == SideOwner {
		return schema.ThreadOwnerUnread
	}
	return schema.ThreadPeerUnread
}

func (s Side) other() Side {
	if s == SideOwner {
		return SidePeer
	}
	return SideOwner
}

type service struct {
	cfg Config
}

// Register binds the threads hooks and routes.
func Register(app core.App, cfg Config) error {
	if cfg.PreviewLength <= 1 {
		return fmt.Errorf("threads: PreviewLength must be above 1, got %d", cfg.PreviewLength)
	}
	s := &service{cfg: cfg}

	app.OnRecordCreate(schema.Threads).BindFunc(s.setThreadOwner)
	app.OnRecordCreate(schema.Messages).BindFunc(s.onMessageCreate)

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/peerbase")
		g.POST("/threads/{id}/read", s.markRead).Bind(apis.RequireAuth(schema.Users))
		g.POST("/messages/{id}/retract", s.retract).Bind(apis.RequireAuth(schema.Users))
		return se.Next()
	})
	return nil
}

// setThreadOwner sets the owner of a new thread from its offer, on every
// write path, so that nobody can claim to own someone else's conversation.
func (s *service) setThreadOwner(e *core.RecordEvent) error {
	offer, err := e.App.FindRecordById(schema.Offers, e.Record.GetString(schema.ThreadOffer))
	if err != nil {
		return validation.Errors{schema.ThreadOffer: validation.NewError("validation_missing_offer", "The offer doesn't exist.")}
	}
	owner := offer.GetString(schema.FieldOwner)
	if owner == e.Record.GetString(schema.ThreadPeer) {
		return validation.Errors{schema.ThreadOffer: validation.NewError("validation_own_offer", "You can't open a thread on your own offer.")}
	}
	e.Record.Set(schema.ThreadOwner, owner)
	return e.Next()
}

// onMessageCreate checks that a message says something, then saves it and
// updates its thread in one transaction: the preview and unread counts can
// never disagree with the messages.
func (s *service) onMessageCreate(e *core.RecordEvent) error {
	hasFiles := len(e.Record.GetUnsavedFiles(schema.MessageAttachments)) > 0 ||
		len(e.Record.GetStringSlice(schema.MessageAttachments)) > 0
	system := e.Record.GetString(schema.MessageKind) == schema.MessageKindSystem
	if !system {
		// only server code sets the kind: the create rule and the trust
		// hooks refuse it from a client
		e.Record.Set(schema.MessageKind, schema.MessageKindUser)
		e.Record.Set(schema.MessageEvent, nil)
	}
	if !system && Preview(e.Record.GetString(schema.MessageBody), hasFiles, s.cfg.PreviewLength) == "" {
		return validation.Errors{schema.MessageBody: validation.NewError("validation_empty_message", "Write a message or attach a file.")}
	}

	// the after-success hooks (realtime among them) run on e.App once the
	// transaction is over: give them back the app, not the finished tx
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := e.Next(); err != nil {
			return err
		}
		return s.touchThread(tx, e.Record, hasFiles)
	})
}

// touchThread records a new message on its thread: preview, time, the
// author's side read and the other side one more unread message.
func (s *service) touchThread(app core.App, msg *core.Record, hasFiles bool) error {
	thread, err := app.FindRecordById(schema.Threads, msg.GetString(schema.MessageThread))
	if err != nil {
		return fmt.Errorf("failed to load the message's thread: %w", err)
	}
	side := SideOf(thread, msg.GetString(schema.MessageAuthor))
	if side == SideNone {
		return validation.Errors{schema.MessageAuthor: validation.NewError("validation_not_participant", "Only the two participants can write in a thread.")}
	}
	sent := msg.GetDateTime(schema.FieldCreated)
	preview := Preview(msg.GetString(schema.MessageBody), hasFiles, s.cfg.PreviewLength)
	if msg.GetString(schema.MessageKind) == schema.MessageKindSystem {
		var ev Event
		_ = msg.UnmarshalJSONField(schema.MessageEvent, &ev)
		preview = SystemPreview(ev)
		// the side that made the move has seen it; a move neither side made
		// (a moderator, the quiet period) is news to both
		side = SideOf(thread, ev.By)
	}
	thread.Set(schema.ThreadLastMessage, preview)
	thread.Set(schema.ThreadLastMessageAt, sent)
	for _, sd := range []Side{SideOwner, SidePeer} {
		if sd == side {
			thread.Set(sd.readAtField(), sent)
			thread.Set(sd.unreadField(), 0)
		} else {
			thread.Set(sd.unreadField(), thread.GetInt(sd.unreadField())+1)
		}
	}
	if err := app.Save(thread); err != nil {
		return fmt.Errorf("failed to update the thread: %w", err)
	}
	return nil
}

// markRead handles POST /api/peerbase/threads/{id}/read: the caller's side of
// the thread is read now. Anyone but a participant gets a 404.
func (s *service) markRead(e *core.RequestEvent) error {
	thread, err := e.App.FindRecordById(schema.Threads, e.Request.PathValue("id"))
	if err != nil {
		return e.NotFoundError("", err)
	}
	side := SideOf(thread, e.Auth.Id)
	if side == SideNone {
		return e.NotFoundError("", nil)
	}
	thread.Set(side.readAtField(), types.NowDateTime())
	thread.Set(side.unreadField(), 0)
	if err := e.App.Save(thread); err != nil {
		return e.BadRequestError("Failed to mark the thread read.", err)
	}
	if err := apis.EnrichRecord(e, thread); err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, thread)
}

// retract handles POST /api/peerbase/messages/{id}/retract: within the
// retract window the author empties a message (body and files); it stays in
// the thread marked retracted, so the conversation keeps its shape.
func (s *service) retract(e *core.RequestEvent) error {
	msg, err := e.App.FindRecordById(schema.Messages, e.Request.PathValue("id"))
	if err != nil || msg.GetString(schema.MessageAuthor) != e.Auth.Id {
		return e.NotFoundError("", err)
	}
	if msg.GetString(schema.MessageKind) == schema.MessageKindSystem {
		return e.BadRequestError("The record of an exchange's moves can't be retracted.", nil)
	}
	if msg.GetBool(schema.MessageRetracted) {
		return e.JSON(http.StatusOK, msg)
	}
	if age := time.Since(msg.GetDateTime(schema.FieldCreated).Time()); age > s.cfg.RetractWindow {
		return e.BadRequestError(fmt.Sprintf("Messages can be retracted only within %s of sending.", s.cfg.RetractWindow), nil)
	}

	err = e.App.RunInTransaction(func(tx core.App) error {
		msg.Set(schema.MessageBody, "")
		msg.Set(schema.MessageAttachments, []string{})
		msg.Set(schema.MessageAttachmentMeta, nil)
		msg.Set(schema.MessageRetracted, true)
		if err := tx.Save(msg); err != nil {
			return err
		}
		thread, err := tx.FindRecordById(schema.Threads, msg.GetString(schema.MessageThread))
		if err != nil {
			return err
		}
		if thread.GetDateTime(schema.ThreadLastMessageAt).Equal(msg.GetDateTime(schema.FieldCreated)) {
			thread.Set(schema.ThreadLastMessage, RetractedPreview)
			return tx.Save(thread)
		}
		return nil
	})
	if err != nil {
		return e.BadRequestError("Failed to retract the message.", err)
	}
	if err := apis.EnrichRecord(e, msg); err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, msg)
}
