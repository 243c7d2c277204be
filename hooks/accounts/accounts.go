// Package accounts deletes a person's account without deleting other
// people's history, and lets a person download their own data first.
//
// Deleting a user (the user themself through the records API, or a superuser
// in the dashboard: every write path, since it is a model hook) runs in the
// delete's own transaction: a fresh placeholder user ("Deleted user", marked
// deleted, unable to sign in) takes the person's side of everything shared
// with someone else — threads, their messages, exchanges, reviews both ways,
// reports — so the other side keeps it; the messages they wrote are emptied
// and marked deleted; their offers that someone has a thread or exchange
// about are kept, closed, under the placeholder, and the others are deleted;
// their private data (wants, matches, follows, blocks, push subscriptions)
// is deleted; then the user row goes. A fresh placeholder per account keeps
// threads between two distinct participants and the unique (offer, peer)
// index intact. Nobody can write to a placeholder (new messages in its
// threads, follows) or sign in as one.
package accounts

import (
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"peerbase/hooks/schema"
)

// Config configures the accounts capability.
type Config struct {
	// PlaceholderName is the name the other side sees in place of a
	// deleted person.
	PlaceholderName string
	// DeletedPreview is a thread's last-message preview when the last
	// message was written by a person who deleted their account.
	DeletedPreview string
}

// DefaultConfig returns the accounts defaults.
func DefaultConfig() Config {
	return Config{PlaceholderName: "Deleted user", DeletedPreview: "Message deleted"}
}

type service struct {
	cfg Config
}

// Register binds the account deletion hook, the guards that keep people
// from writing to a placeholder, and the export route.
func Register(app core.App, cfg Config) error {
	s := &service{cfg: cfg}
	app.OnRecordDelete(schema.Users).Bind(&hook.Handler[*core.RecordEvent]{
		Id:   "peerbaseAccountsDelete",
		Func: s.onDelete,
	})
	app.OnRecordCreate(schema.Messages).BindFunc(refuseMessageToDeleted)
	app.OnRecordCreate(schema.Follows).BindFunc(refuseFollowOfDeleted)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/peerbase/me/export", s.export).Bind(apis.RequireAuth(schema.Users))
		return se.Next()
	})
	return nil
}

// onDelete hands the person's shared history to a placeholder and removes
// their own data, then lets the user row be deleted, all in one
// transaction: either the whole account goes and the history stays, or
// nothing changes.
func (s *service) onDelete(e *core.RecordEvent) error {
	if e.Record.GetBool(schema.UserDeleted) {
		// a placeholder itself: PocketBase refuses the delete while any
		// shared record still names it (required, non-cascading relations)
		return e.Next()
	}
	// the after-success hooks (realtime among them) run on e.App once the
	// transaction is over: give them back the app, not the finished tx
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := s.handOver(tx, e.Record); err != nil {
			return err
		}
		return e.Next()
	})
}
