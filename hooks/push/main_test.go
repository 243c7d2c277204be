package push_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks"
	"peerbase/hooks/push"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

var (
	template string
	ids      = map[string]string{}
	tokens   = map[string]string{}
)

func TestMain(m *testing.M) {
	testapp.Main(m, &template, func(app core.App) error {
		if err := testapp.CreateUsers(app, ids, tokens, "ann", "bob", "cat"); err != nil {
			return err
		}
		bob, err := app.FindRecordById(schema.Users, ids["bob"])
		if err != nil {
			return err
		}
		bob.Set(schema.UserLocale, "fr-FR")
		if err := app.Save(bob); err != nil {
			return err
		}
		offer, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.OfferTitle: "Drill",
			schema.FieldOwner: ids["ann"], schema.FieldKind: schema.KindLend, schema.FieldStatus: schema.StatusActive})
		if err != nil {
			return err
		}
		ids["offer"] = offer.Id
		thread, err := testapp.CreateRecord(app, schema.Threads, map[string]any{schema.ThreadOffer: offer.Id, schema.ThreadPeer: ids["bob"]})
		if err != nil {
			return err
		}
		ids["thread"] = thread.Id
		for name, mode := range map[string]string{"instantWant": "instant", "dailyWant": "daily"} {
			w, err := testapp.CreateRecord(app, schema.Wants, map[string]any{schema.FieldOwner: ids["bob"],
				schema.WantQuery: "zzunmatched " + mode, schema.WantActive: true, schema.WantAlert: mode})
			if err != nil {
				return err
			}
			ids[name] = w.Id
		}
		admin, err := testapp.CreateSuperuser(app, "admin@test.peerbase.local")
		if err != nil {
			return err
		}
		tokens["admin"], err = admin.NewAuthToken()
		return err
	})
}

// env is a served test app whose pushes go to a loopback receiver.
type env struct {
	t   *testing.T
	app *tests.TestApp
	srv *httptest.Server
	rcv *receiver
}

// fastPush makes retries quick enough for tests.
func fastPush(c *push.Config) {
	c.Deliver = true
	c.Workers = 8
	c.Timeout = 2 * time.Second
	c.MaxAttempts = 3
	c.RetryBase = 50 * time.Millisecond
	c.RetryMax = 200 * time.Millisecond
	c.PollInterval = 50 * time.Millisecond
}

// newEnv clones the template into an app with push on (the receiver's
// host:port allowed) and, when serve is set, serves it (OnServe: the
// worker starts).
func newEnv(t *testing.T, serve bool, tweak ...func(*push.Config)) *env {
	t.Helper()
	rcv := newReceiver(t)
	app, err := tests.NewTestApp(template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	cfg := testapp.Config()
	fastPush(&cfg.Push)
	cfg.Push.AllowHosts = append(cfg.Push.AllowHosts, rcv.hostPort())
	for _, f := range tweak {
		f(&cfg.Push)
	}
	if err := hooks.Register(app, cfg); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, app: app, rcv: rcv}
	if serve {
		e.serve()
	}
	return e
}

// serve triggers OnServe (the worker starts) and serves the router.
func (e *env) serve() {
	e.srv = httptest.NewServer(testapp.Handler(e.t, e.app))
	e.t.Cleanup(e.srv.Close)
	var k map[string]string
	if status := e.do("", http.MethodGet, "/api/peerbase/push/key", nil, &k); status != http.StatusOK || k["publicKey"] == "" {
		e.t.Fatalf("push key: %d %v", status, k)
	}
	e.rcv.vapid = k["publicKey"]
}

// do sends a JSON request as actor ("" for nobody) and decodes the answer.
func (e *env) do(actor, method, path string, body any, out any) int {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	if actor != "" {
		req.Header.Set("Authorization", tokens[actor])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %s", method, path, raw)
		}
	}
	return res.StatusCode
}

func recordsURL(c string) string { return "/api/collections/" + c + "/records" }

// subscribe registers a device at path for actor through the API.
func (e *env) subscribe(actor, path string, d *device, script ...answer) string {
	e.t.Helper()
	var rec map[string]any
	status := e.do(actor, http.MethodPost, recordsURL(schema.PushSubscriptions), map[string]any{
		schema.SubUser: ids[actor], schema.SubEndpoint: e.rcv.endpoint(path, d, script...),
		schema.SubP256dh: d.P256dh, schema.SubAuth: d.AuthKey, schema.SubUserAgent: "test"}, &rec)
	if status != http.StatusOK {
		e.t.Fatalf("%s subscribes %s: %d %v", actor, path, status, rec)
	}
	return rec["id"].(string)
}

// message sends a message as actor in the fixture thread.
func (e *env) message(actor, body string) string {
	e.t.Helper()
	var rec map[string]any
	status := e.do(actor, http.MethodPost, recordsURL(schema.Messages), map[string]any{
		schema.MessageThread: ids["thread"], schema.MessageAuthor: ids[actor], schema.MessageBody: body}, &rec)
	if status != http.StatusOK {
		e.t.Fatalf("%s's message: %d %v", actor, status, rec)
	}
	return rec["id"].(string)
}

// notification creates a notifications record as a superuser through the
// API (what hooks do with notify.Send) and returns its id.
func (e *env) notification(user, typ, title string, data map[string]any) string {
	e.t.Helper()
	var rec map[string]any
	status := e.do("admin", http.MethodPost, recordsURL(schema.Notifications), map[string]any{
		schema.NotificationUser: ids[user], schema.NotificationType: typ, schema.NotificationTitle: title,
		schema.NotificationText: "details", schema.NotificationLink: "/somewhere", schema.NotificationData: data}, &rec)
	if status != http.StatusOK {
		e.t.Fatalf("notification: %d %v", status, rec)
	}
	return rec["id"].(string)
}

// deliveryRow is a push_deliveries row as the tests read it.
type deliveryRow struct {
	ID           string `db:"id"`
	Subscription string `db:"subscription"`
	Recipient    string `db:"recipient"`
	Type         string `db:"type"`
	Status       string `db:"status"`
	Attempts     int    `db:"attempts"`
	Next         string `db:"next_attempt_at"`
	LastError    string `db:"last_error"`
	Topic        string `db:"topic"`
	Urgency      string `db:"urgency"`
	TTL          int    `db:"ttl"`
	Payload      string `db:"payload"`
	Host         string `db:"endpoint_host"`
}

func (e *env) deliveries(where dbx.Expression) []deliveryRow {
	e.t.Helper()
	var rows []deliveryRow
	q := e.app.DB().Select("*").From(schema.PushDeliveries).OrderBy("created", "id")
	if where != nil {
		q.Where(where)
	}
	if err := q.All(&rows); err != nil {
		e.t.Fatal(err)
	}
	return rows
}

// waitRows waits until the rows matching where satisfy cond.
func (e *env) waitRows(what string, where dbx.Expression, cond func([]deliveryRow) bool) []deliveryRow {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows := e.deliveries(where)
		if cond(rows) {
			return rows
		}
		if time.Now().After(deadline) {
			counts := map[string]int{}
			for _, r := range rows {
				counts[r.Status]++
			}
			if len(rows) > 10 {
				rows = rows[:10]
			}
			e.t.Fatalf("timed out waiting for %s: statuses %v, first rows %+v", what, counts, rows)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func allStatus(status string, n int) func([]deliveryRow) bool {
	return func(rows []deliveryRow) bool {
		if len(rows) != n {
			return false
		}
		for _, r := range rows {
			if r.Status != status {
				return false
			}
		}
		return true
	}
}

// setUser writes fields of a user through the model path.
func (e *env) setUser(name string, fields map[string]any) {
	e.t.Helper()
	u, err := e.app.FindRecordById(schema.Users, ids[name])
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range fields {
		u.Set(k, v)
	}
	if err := e.app.Save(u); err != nil {
		e.t.Fatal(err)
	}
}

// sse is a realtime connection holding topics.
type sse struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// watch connects to /api/realtime as actor and subscribes to topics.
func (e *env) watch(actor string, topics ...string) *sse {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/api/realtime", nil)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		cancel()
		e.t.Fatal(err)
	}
	s := &sse{cancel: cancel, done: make(chan struct{})}
	ids := make(chan string, 1)
	go func() {
		defer close(s.done)
		defer res.Body.Close()
		r := bufio.NewReader(res.Body)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if data, ok := strings.CutPrefix(strings.TrimSpace(line), "data:"); ok && strings.Contains(data, "clientId") {
				var c struct {
					ClientID string `json:"clientId"`
				}
				if json.Unmarshal([]byte(data), &c) == nil {
					select {
					case ids <- c.ClientID:
					default:
					}
				}
			}
		}
	}()
	e.t.Cleanup(s.close)
	var clientID string
	select {
	case clientID = <-ids:
	case <-time.After(3 * time.Second):
		e.t.Fatal("no PB_CONNECT")
	}
	if status := e.do(actor, http.MethodPost, "/api/realtime", map[string]any{"clientId": clientID, "subscriptions": topics}, nil); status != http.StatusNoContent {
		e.t.Fatalf("subscribe %v: %d", topics, status)
	}
	return s
}

func (s *sse) close() {
	s.cancel()
	<-s.done
}

func hm(t time.Time) string { return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute()) }
