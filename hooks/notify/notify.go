// Package notify writes a person's notification centre: one notifications
// record per thing a person is told (a match, an exchange move, a
// moderation decision, an expiry warning, a digest, a followed person's new
// offer). Capabilities call Send inside the transaction of the event, so the
// notification exists exactly when the event does; the record reaches the
// person on peerbase/inbox and the sync route like every record they are
// party to, and the push capability delivers it to their devices.
//
// Texts are written in the recipient's language: each capability declares
// its messages once with Define (English required, other languages
// optional), and Send renders the one for users.locale, falling back to
// English.
package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// Text is one message in one language: a title and a short text, both with
// {name} placeholders filled from Notification.Args.
type Text struct {
	Title string
	Body  string
}

// Languages are the locales messages are written in; English is the
// fallback every message must have.
var Languages = []string{"en", "fr"}

var (
	catalogMu sync.RWMutex
	catalog   = map[string]map[string]Text{}
)

// Define declares the texts of message key, by language. It panics on a
// key defined twice or without English: both are programming errors that
// the first test run finds.
func Define(key string, texts map[string]Text) {
	catalogMu.Lock()
	defer catalogMu.Unlock()
	if _, dup := catalog[key]; dup {
		panic("notify: message " + key + " defined twice")
	}
	if texts["en"].Title == "" {
		panic("notify: message " + key + " has no English title")
	}
	catalog[key] = texts
}

// Render returns message key in lang (a locale such as "fr-CA" or "fr"),
// falling back to English, with args filled in.
func Render(key, lang string, args map[string]string) (Text, error) {
	catalogMu.RLock()
	texts, ok := catalog[key]
	catalogMu.RUnlock()
	if !ok {
		return Text{}, fmt.Errorf("notify: unknown message %q", key)
	}
	t, ok := texts[Language(lang)]
	if !ok {
		t = texts["en"]
	}
	pairs := make([]string, 0, 2*len(args))
	for k, v := range args {
		pairs = append(pairs, "{"+k+"}", v)
	}
	r := strings.NewReplacer(pairs...)
	return Text{Title: clip(r.Replace(t.Title), 200), Body: clip(r.Replace(t.Body), 1000)}, nil
}

// Language returns the supported language of locale ("fr-CA" → "fr"),
// or "en".
func Language(locale string) string {
	lang, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(locale, "_", "-")), "-")
	if slices.Contains(Languages, lang) {
		return lang
	}
	return "en"
}

// Notification is what Send writes: for whom, of which type (one of
// schema.NotificationTypes, also the users.notify_prefs key that turns it
// off), which message with which arguments, the app path to open and the
// ids it is about.
type Notification struct {
	User string
	Type string
	Key  string
	Args map[string]string
	Link string
	Data map[string]any
}

// Send writes n for its person through app (pass the transaction inside
// one) and returns the record. A deleted or unknown person gets nothing
// and no error: their history is what is being told about, not them.
func Send(app core.App, n Notification) (*core.Record, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	user, err := app.FindRecordById(schema.Users, n.User)
	if err != nil || user.GetBool(schema.UserDeleted) {
		return nil, nil
	}
	r, err := newRecord(app, user, n)
	if err != nil {
		return nil, err
	}
	if err := app.Save(r); err != nil {
		return nil, fmt.Errorf("failed to save the notification: %w", err)
	}
	return r, nil
}

// check reports a notification that cannot be sent.
func (n Notification) check() error {
	if n.User == "" {
		return errors.New("notify: a notification needs a user")
	}
	if !slices.Contains(schema.NotificationTypes, n.Type) {
		return fmt.Errorf("notify: unknown notification type %q", n.Type)
	}
	return nil
}

// newRecord renders n in user's language as a new notifications record.
func newRecord(app core.App, user *core.Record, n Notification) (*core.Record, error) {
	text, err := Render(n.Key, user.GetString(schema.UserLocale), n.Args)
	if err != nil {
		return nil, err
	}
	collection, err := app.FindCachedCollectionByNameOrId(schema.Notifications)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(collection)
	r.Set(schema.NotificationUser, n.User)
	r.Set(schema.NotificationType, n.Type)
	r.Set(schema.NotificationTitle, text.Title)
	r.Set(schema.NotificationText, text.Body)
	r.Set(schema.NotificationLink, n.Link)
	if n.Data != nil {
		r.Set(schema.NotificationData, n.Data)
	}
	return r, nil
}

// batchKey is the context key of a SendAll under way.
type batchKey struct{}

// Batch is a SendAll under way, as the record hooks of the notifications
// it saves see it (InBatch): a hook whose work costs less for many
// notifications at once than one at a time (push writing the outbox rows
// of each) defers it with Defer, and SendAll runs it once, after every
// notification of the batch is saved, in the same transaction.
type Batch struct {
	deferred []deferred
}

type deferred struct {
	id string
	fn func(app core.App, records []*core.Record) error
}

// Defer has fn run once with the batch's saved records when they are all
// saved, through the batch's transaction; later calls with the same id
// (one per record) are no-ops.
func (b *Batch) Defer(id string, fn func(app core.App, records []*core.Record) error) {
	for _, d := range b.deferred {
		if d.id == id {
			return
		}
	}
	b.deferred = append(b.deferred, deferred{id: id, fn: fn})
}

// InBatch returns the Batch of a record event's context when the record
// is saved by SendAll, or nil.
func InBatch(ctx context.Context) *Batch {
	if ctx == nil {
		return nil
	}
	b, _ := ctx.Value(batchKey{}).(*Batch)
	return b
}

// SendAll writes ns like Send, all in one transaction of app (the caller's,
// when app is one), and returns the records written. Each notification is
// saved through its record hooks (the change log, realtime) as Send saves
// it; what is the same for all of them is done once: the people are read in
// one query, and work hooks defer to the Batch (push's outbox rows) runs
// once for all. A deleted or unknown person gets nothing and no error.
func SendAll(ctx context.Context, app core.App, ns []Notification) ([]*core.Record, error) {
	if len(ns) == 0 {
		return nil, nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ids := make([]string, 0, len(ns))
	seen := make(map[string]struct{}, len(ns))
	for _, n := range ns {
		if err := n.check(); err != nil {
			return nil, err
		}
		if _, ok := seen[n.User]; !ok {
			seen[n.User] = struct{}{}
			ids = append(ids, n.User)
		}
	}
	var out []*core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		people, err := tx.FindRecordsByIds(schema.Users, ids)
		if err != nil {
			return fmt.Errorf("failed to load the people to notify: %w", err)
		}
		byID := make(map[string]*core.Record, len(people))
		for _, u := range people {
			if !u.GetBool(schema.UserDeleted) {
				byID[u.Id] = u
			}
		}
		b := &Batch{}
		bctx := context.WithValue(ctx, batchKey{}, b)
		out = make([]*core.Record, 0, len(ns))
		for _, n := range ns {
			user := byID[n.User]
			if user == nil {
				continue
			}
			r, err := newRecord(tx, user, n)
			if err != nil {
				return err
			}
			if err := tx.SaveWithContext(bctx, r); err != nil {
				return fmt.Errorf("failed to save the notification: %w", err)
			}
			out = append(out, r)
		}
		for _, d := range b.deferred {
			if err := d.fn(tx, out); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// clip cuts s to at most n runes, ending with an ellipsis when cut.
func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// Someone stands for a person without a name to show: a deleted or
// unknown account, or one that never gave a name.
const Someone = "Someone"

// PersonName returns the name to show of person id in a notification's
// text, read through app (pass the transaction inside one), or Someone.
func PersonName(app core.App, id string) string {
	u, err := app.FindRecordById(schema.Users, id)
	if err != nil || u.GetBool(schema.UserDeleted) || u.GetString(schema.UserName) == "" {
		return Someone
	}
	return u.GetString(schema.UserName)
}
