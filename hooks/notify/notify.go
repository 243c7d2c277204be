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
	if n.User == "" {
		return nil, errors.New("notify: a notification needs a user")
	}
	if !slices.Contains(schema.NotificationTypes, n.Type) {
		return nil, fmt.Errorf("notify: unknown notification type %q", n.Type)
	}
	user, err := app.FindRecordById(schema.Users, n.User)
	if err != nil || user.GetBool(schema.UserDeleted) {
		return nil, nil
	}
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
	if err := app.Save(r); err != nil {
		return nil, fmt.Errorf("failed to save the notification: %w", err)
	}
	return r, nil
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
