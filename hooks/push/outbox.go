package push

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
	"peerbase/hooks/threads"
)

func init() {
	notify.Define("push.message", map[string]notify.Text{
		"en": {Title: "New message from {name}", Body: "{text}"},
		"fr": {Title: "Nouveau message de {name}", Body: "{text}"},
	})
	notify.Define("push.attachment", map[string]notify.Text{
		"en": {Title: "Attachment", Body: "📎 Attachment"},
		"fr": {Title: "Pièce jointe", Body: "📎 Pièce jointe"},
	})
}

// Payload is the JSON a device gets (decrypted by its service worker).
type Payload struct {
	ID     string         `json:"id"`
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Body   string         `json:"body,omitempty"`
	URL    string         `json:"url,omitempty"`
	Source Source         `json:"source"`
	Data   map[string]any `json:"data,omitempty"`
}

// Source names the record a push is about.
type Source struct {
	Collection string `json:"collection"`
	ID         string `json:"id"`
}

// Event is one thing a person is told, before it becomes a delivery per
// device.
type Event struct {
	User   string
	Type   string
	Title  string
	Body   string
	URL    string
	Source Source
	Data   map[string]any // data["thread"]: no push while its person watches it
}

// delivery is what differs between the rows of one fan-out.
type delivery struct {
	id, subscription, host string
}

// fanout is what the rows of one fan-out share: the payload is
// {"id":"<row id>" followed by rest.
type fanout struct {
	recipient, typ, rest, topic, urgency string
	ttl                                  int
	next                                 time.Time
}

// dateString formats t as PocketBase stores dates.
func dateString(t time.Time) string {
	return t.UTC().Format(types.DefaultDateLayout)
}

// Enqueue writes one pending delivery of ev per subscription of its person
// through app (pass the transaction of the event: the rows exist exactly
// when the event does), unless the person is gone or turned ev.Type off.
// Quiet hours set when the rows become due. It returns how many rows were
// written.
func Enqueue(app core.App, ev Event, now time.Time) (int, error) {
	user, err := app.FindRecordById(schema.Users, ev.User)
	if err != nil || user.GetBool(schema.UserDeleted) {
		return 0, nil
	}
	if !Wants([]byte(user.GetString(schema.UserNotify)), ev.Type) {
		return 0, nil
	}
	var subs []struct {
		ID       string `db:"id"`
		Endpoint string `db:"endpoint"`
	}
	err = app.DB().Select("id", "endpoint").From(schema.PushSubscriptions).
		Where(dbx.HashExp{schema.SubUser: ev.User}).OrderBy("created").All(&subs)
	if err != nil {
		return 0, fmt.Errorf("failed to list the push subscriptions: %w", err)
	}
	if len(subs) == 0 {
		return 0, nil
	}
	kind := KindOf(ev.Type)
	due := now
	if !kind.Urgent {
		if end := QuietUntil(now, user.GetString(schema.UserTimezone), user.GetString(schema.UserQuietStart),
			user.GetString(schema.UserQuietEnd)); !end.IsZero() {
			due = end
		}
	}
	p := Payload{Type: ev.Type, Title: ev.Title, Body: ev.Body, URL: ev.URL, Source: ev.Source, Data: ev.Data}
	p.Title, p.Body = clip(p.Title, 200), clip(p.Body, 300)
	// the body without its id, marshalled once: each row splices its own id in
	rest, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	rest = rest[len(`{"id":""`):]
	if len(rest)+len(`{"id":"`)+15+1 > MaxPayload {
		return 0, fmt.Errorf("push: a %s payload of %d bytes is too large", ev.Type, len(rest)+24)
	}
	rows := make([]delivery, 0, len(subs))
	for _, s := range subs {
		rows = append(rows, delivery{id: core.GenerateDefaultRandomId(), subscription: s.ID, host: endpointHost(s.Endpoint)})
	}
	shared := fanout{recipient: ev.User, typ: ev.Type, rest: string(rest), topic: kind.Topic(ev.Data),
		urgency: kind.Urgency, ttl: int(kind.TTL / time.Second), next: due}
	if err := insertDeliveries(app, shared, rows, now); err != nil {
		return 0, err
	}
	return len(rows), nil
}

func endpointHost(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	return clip(u.Host, 255)
}

// insertBatch keeps one INSERT well under SQLite's limit of bound
// parameters.
const insertBatch = 500

// insertDeliveries writes the rows of one fan-out with multi-row INSERTs:
// a fan-out to many devices is a few statements in the event's
// transaction, not a record save (and its hooks) per row. Only what
// differs per row is bound per row; the payload is assembled by SQLite
// from the row id and the shared rest. push_deliveries is superusers-only
// and has no record hooks of ours, so nothing is skipped by going around
// Save.
func insertDeliveries(app core.App, f fanout, rows []delivery, now time.Time) error {
	stamp := dateString(now)
	for start := 0; start < len(rows); start += insertBatch {
		batch := rows[start:min(start+insertBatch, len(rows))]
		var sb strings.Builder
		sb.WriteString("INSERT INTO {{" + schema.PushDeliveries + "}} ([[id]], [[subscription]], [[endpoint_host]], " +
			"[[recipient]], [[type]], [[payload]], [[topic]], [[urgency]], [[ttl]], [[attempts]], [[next_attempt_at]], " +
			"[[status]], [[last_error]], [[created]], [[updated]]) " +
			"SELECT v.column1, v.column2, v.column3, {:user}, {:type}, '{\"id\":\"' || v.column1 || '\"' || {:rest}, " +
			"{:topic}, {:urgency}, {:ttl}, 0, {:next}, {:pending}, '', {:now}, {:now} FROM (VALUES ")
		params := dbx.Params{"user": f.recipient, "type": f.typ, "rest": f.rest, "topic": f.topic, "urgency": f.urgency,
			"ttl": f.ttl, "next": dateString(f.next), "pending": schema.DeliveryPending, "now": stamp}
		for i, r := range batch {
			if i > 0 {
				sb.WriteByte(',')
			}
			p := "p" + strconv.Itoa(i)
			sb.WriteString("({:" + p + "i}, {:" + p + "s}, {:" + p + "h})")
			params[p+"i"] = r.id
			params[p+"s"] = r.subscription
			params[p+"h"] = r.host
		}
		sb.WriteString(") AS v")
		if _, err := app.DB().NewQuery(sb.String()).Bind(params).Execute(); err != nil {
			return fmt.Errorf("failed to write the push outbox: %w", err)
		}
	}
	return nil
}

// messageEvent is the push of a new message to the other participant of
// its thread, or false when there is none to send (a system message: the
// exchange move it records is told by its own notification).
func messageEvent(app core.App, m *core.Record) (Event, bool, error) {
	if m.GetString(schema.MessageKind) == schema.MessageKindSystem || m.GetBool(schema.MessageRetracted) ||
		m.GetBool(schema.MessageDeleted) {
		return Event{}, false, nil
	}
	thread, err := app.FindRecordById(schema.Threads, m.GetString(schema.MessageThread))
	if err != nil {
		return Event{}, false, fmt.Errorf("failed to find the message's thread: %w", err)
	}
	author := m.GetString(schema.MessageAuthor)
	to := thread.GetString(schema.ThreadOwner)
	if to == author {
		to = thread.GetString(schema.ThreadPeer)
	}
	if to == "" || to == author {
		return Event{}, false, nil
	}
	name := notify.PersonName(app, author)
	recipient, err := app.FindRecordById(schema.Users, to)
	if err != nil {
		return Event{}, false, nil
	}
	lang := recipient.GetString(schema.UserLocale)
	text := threads.Preview(m.GetString(schema.MessageBody), false, 100)
	if text == "" {
		t, err := notify.Render("push.attachment", lang, nil)
		if err != nil {
			return Event{}, false, err
		}
		text = t.Body
	}
	t, err := notify.Render("push.message", lang, map[string]string{"name": clip(name, 60), "text": text})
	if err != nil {
		return Event{}, false, err
	}
	return Event{
		User: to, Type: TypeMessage, Title: t.Title, Body: t.Body, URL: "/threads/" + thread.Id,
		Source: Source{Collection: schema.Messages, ID: m.Id},
		Data:   map[string]any{"thread": thread.Id, "message": m.Id},
	}, true, nil
}

// notificationEvent is the push of a notifications record to its person;
// false for a match of a want that does not alert at once (the daily
// digest tells it).
func notificationEvent(app core.App, n *core.Record) (Event, bool, error) {
	data := map[string]any{}
	if raw := n.GetString(schema.NotificationData); raw != "" && raw != "null" {
		if err := json.Unmarshal([]byte(raw), &data); err != nil {
			data = map[string]any{}
		}
	}
	typ := n.GetString(schema.NotificationType)
	if typ == schema.NotifyMatch {
		if want, _ := data["want"].(string); want != "" {
			if w, err := app.FindRecordById(schema.Wants, want); err == nil {
				if mode := w.GetString(schema.WantAlert); mode != "" && mode != "instant" {
					return Event{}, false, nil
				}
			}
		}
	}
	return Event{
		User: n.GetString(schema.NotificationUser), Type: typ,
		Title: n.GetString(schema.NotificationTitle), Body: n.GetString(schema.NotificationText),
		URL: n.GetString(schema.NotificationLink), Source: Source{Collection: schema.Notifications, ID: n.Id},
		Data: data,
	}, true, nil
}

// clip cuts s to at most n runes, ending with an ellipsis when cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
