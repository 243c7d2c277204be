package push

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
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

// delivery is one outbox row: its id, device and host, and the fan-out
// (index into the batch's fan-outs) it belongs to.
type delivery struct {
	id, subscription, host string
	fanout                 int
}

// fanout is what the rows of one event share: the payload is
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
	return EnqueueAll(app, []Event{ev}, now)
}

// EnqueueAll is Enqueue for many events at once, with the same rules per
// event: two reads for all of them (their people, those people's
// subscriptions) and one INSERT per insertBatch rows, instead of the reads
// and a statement per event.
func EnqueueAll(app core.App, evs []Event, now time.Time) (int, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	userIDs := make([]string, 0, len(evs))
	for _, ev := range evs {
		if ev.User != "" && !slices.Contains(userIDs, ev.User) {
			userIDs = append(userIDs, ev.User)
		}
	}
	people, err := app.FindRecordsByIds(schema.Users, userIDs)
	if err != nil {
		return 0, fmt.Errorf("failed to load the people to push to: %w", err)
	}
	byID := make(map[string]*core.Record, len(people))
	live := make([]any, 0, len(people))
	for _, u := range people {
		if !u.GetBool(schema.UserDeleted) {
			byID[u.Id] = u
			live = append(live, u.Id)
		}
	}
	if len(live) == 0 {
		return 0, nil
	}
	var subs []struct {
		ID       string `db:"id"`
		User     string `db:"user"`
		Endpoint string `db:"endpoint"`
	}
	err = app.DB().Select("id", schema.SubUser, schema.SubEndpoint).From(schema.PushSubscriptions).
		Where(dbx.In(schema.SubUser, live...)).OrderBy("created", "id").All(&subs)
	if err != nil {
		return 0, fmt.Errorf("failed to list the push subscriptions: %w", err)
	}
	if len(subs) == 0 {
		return 0, nil
	}
	devices := make(map[string][]int, len(live))
	for i, s := range subs {
		devices[s.User] = append(devices[s.User], i)
	}
	var fanouts []fanout
	var rows []delivery
	for _, ev := range evs {
		user := byID[ev.User]
		if user == nil || len(devices[ev.User]) == 0 || !Wants([]byte(user.GetString(schema.UserNotify)), ev.Type) {
			continue
		}
		f, err := fanoutOf(ev, user, now)
		if err != nil {
			return 0, err
		}
		fanouts = append(fanouts, f)
		for _, i := range devices[ev.User] {
			rows = append(rows, delivery{subscription: subs[i].ID, host: endpointHost(subs[i].Endpoint), fanout: len(fanouts) - 1})
		}
	}
	ids := deliveryIDs(len(rows), now)
	for i := range rows {
		rows[i].id = ids[i]
	}
	if err := insertDeliveries(app, fanouts, rows, now); err != nil {
		return 0, err
	}
	return len(rows), nil
}

// fanoutOf is what the rows of ev for user share: its payload without the
// row id, its push options, and when it is due (quiet hours).
func fanoutOf(ev Event, user *core.Record, now time.Time) (fanout, error) {
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
		return fanout{}, err
	}
	rest = rest[len(`{"id":""`):]
	if len(rest)+len(`{"id":"`)+15+1 > MaxPayload {
		return fanout{}, fmt.Errorf("push: a %s payload of %d bytes is too large", ev.Type, len(rest)+24)
	}
	return fanout{recipient: ev.User, typ: ev.Type, rest: string(rest), topic: kind.Topic(ev.Data),
		urgency: kind.Urgency, ttl: int(kind.TTL / time.Second), next: due}, nil
}

func endpointHost(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	return clip(u.Host, 255)
}

// base36 is the alphabet of PocketBase's record ids.
const base36 = "0123456789abcdefghijklmnopqrstuvwxyz"

// deliveryIDs returns n new outbox row ids (15 characters of PocketBase's
// id alphabet) that sort by time: 8 characters of the millisecond, 4
// random ones, then a sequence number within the fan-out (a new random
// part every 36^3 rows). Random ids put each row of a fan-out on a random
// page of the table's id index, so a fan-out to 100 devices in a table of
// 100,000 rows rewrote about 100 index pages; these land together at the
// end of the index. The random part keeps ids of other fan-outs in the
// same millisecond apart.
func deliveryIDs(n int, now time.Time) []string {
	ids := make([]string, n)
	var b [15]byte
	ms := uint64(now.UnixMilli())
	for i := 7; i >= 0; i-- {
		b[i] = base36[ms%36]
		ms /= 36
	}
	const block = 36 * 36 * 36
	for i := range ids {
		seq := i % block
		if seq == 0 {
			copy(b[8:12], security.RandomStringWithAlphabet(4, base36))
		}
		b[12], b[13], b[14] = base36[seq/(36*36)], base36[seq/36%36], base36[seq%36]
		ids[i] = string(b[:])
	}
	return ids
}

// insertBatch keeps one INSERT well under SQLite's limit of bound
// parameters.
const insertBatch = 500

// insertDeliveries writes the outbox rows of one or more fan-outs with
// multi-row INSERTs: a fan-out to many devices, or the fan-outs of a batch
// of notifications, are a few statements in the event's transaction, not a
// record save (and its hooks) per row. Only what differs per row is bound
// per row, what a fan-out shares once per statement; the payload is
// assembled by SQLite from the row id and the fan-out's rest. OR FAIL, not
// the default ABORT: an ABORT statement that writes many rows keeps a
// statement journal to undo itself, which cost half the CPU of the write
// (SQLite allocates it in 64 KiB chunks that modernc's allocator maps and
// unmaps each time); with FAIL an error still fails the statement, and so
// the caller's transaction, which is all that is needed. push_deliveries
// is superusers-only and has no record hooks of ours, so nothing is skipped
// by going around Save.
func insertDeliveries(app core.App, fanouts []fanout, rows []delivery, now time.Time) error {
	stamp := dateString(now)
	var sb strings.Builder
	for start := 0; start < len(rows); start += insertBatch {
		batch := rows[start:min(start+insertBatch, len(rows))]
		sb.Reset()
		sb.WriteString("INSERT OR FAIL INTO {{" + schema.PushDeliveries + "}} ([[id]], [[subscription]], [[endpoint_host]], " +
			"[[recipient]], [[type]], [[payload]], [[topic]], [[urgency]], [[ttl]], [[attempts]], [[next_attempt_at]], " +
			"[[status]], [[last_error]], [[created]], [[updated]]) " +
			"SELECT v.column1, v.column2, v.column3, f.column2, f.column3, '{\"id\":\"' || v.column1 || '\"' || f.column4, " +
			"f.column5, f.column6, f.column7, 0, f.column8, {:pending}, '', {:now}, {:now} FROM (VALUES ")
		params := dbx.Params{"pending": schema.DeliveryPending, "now": stamp}
		var used []int // the fan-outs of this batch, in order
		for i, r := range batch {
			if i > 0 {
				sb.WriteByte(',')
			}
			if len(used) == 0 || used[len(used)-1] != r.fanout {
				used = append(used, r.fanout)
			}
			p := "r" + strconv.Itoa(i)
			sb.WriteString("({:" + p + "i}, {:" + p + "s}, {:" + p + "h}, " + strconv.Itoa(r.fanout) + ")")
			params[p+"i"] = r.id
			params[p+"s"] = r.subscription
			params[p+"h"] = r.host
		}
		sb.WriteString(") AS v JOIN (VALUES ")
		for i, fi := range used {
			if i > 0 {
				sb.WriteByte(',')
			}
			f := fanouts[fi]
			p := "f" + strconv.Itoa(fi)
			sb.WriteString("(" + strconv.Itoa(fi) + ", {:" + p + "u}, {:" + p + "t}, {:" + p + "r}, {:" + p + "o}, {:" +
				p + "g}, {:" + p + "l}, {:" + p + "n})")
			params[p+"u"], params[p+"t"], params[p+"r"], params[p+"o"] = f.recipient, f.typ, f.rest, f.topic
			params[p+"g"], params[p+"l"], params[p+"n"] = f.urgency, f.ttl, dateString(f.next)
		}
		sb.WriteString(") AS f ON f.column1 = v.column4")
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
	evs, err := notificationEvents(app, []*core.Record{n})
	if err != nil || len(evs) == 0 {
		return Event{}, false, err
	}
	return evs[0], true, nil
}

// EnqueueNotifications writes the deliveries of notifications records
// through app (pass their transaction), as their record hook does one by
// one, for all of them at once, and returns how many rows it wrote.
func EnqueueNotifications(app core.App, records []*core.Record, now time.Time) (int, error) {
	evs, err := notificationEvents(app, records)
	if err != nil {
		return 0, err
	}
	return EnqueueAll(app, evs, now)
}

// notificationEvents are the pushes of notifications records, without
// those of matches of wants that do not alert at once (the daily digest
// tells them), whose alert modes it reads in one query.
func notificationEvents(app core.App, records []*core.Record) ([]Event, error) {
	datas := make([]map[string]any, len(records))
	var wants []any
	for i, n := range records {
		data := map[string]any{}
		if raw := n.GetString(schema.NotificationData); raw != "" && raw != "null" {
			if err := json.Unmarshal([]byte(raw), &data); err != nil {
				data = map[string]any{}
			}
		}
		datas[i] = data
		if want, _ := data["want"].(string); want != "" && n.GetString(schema.NotificationType) == schema.NotifyMatch {
			wants = append(wants, want)
		}
	}
	notInstant := map[string]bool{}
	if len(wants) > 0 {
		var rows []struct {
			ID    string `db:"id"`
			Alert string `db:"alert"`
		}
		err := app.DB().Select("id", schema.WantAlert).From(schema.Wants).Where(dbx.In("id", wants...)).All(&rows)
		if err != nil {
			return nil, fmt.Errorf("failed to read the alert modes of the matched wants: %w", err)
		}
		for _, w := range rows {
			if w.Alert != "" && w.Alert != "instant" {
				notInstant[w.ID] = true
			}
		}
	}
	evs := make([]Event, 0, len(records))
	for i, n := range records {
		typ := n.GetString(schema.NotificationType)
		if want, _ := datas[i]["want"].(string); typ == schema.NotifyMatch && notInstant[want] {
			continue
		}
		evs = append(evs, Event{
			User: n.GetString(schema.NotificationUser), Type: typ,
			Title: n.GetString(schema.NotificationTitle), Body: n.GetString(schema.NotificationText),
			URL: n.GetString(schema.NotificationLink), Source: Source{Collection: schema.Notifications, ID: n.Id},
			Data: datas[i],
		})
	}
	return evs, nil
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
