package hooks_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// How long a test waits for an event that must come, and how long it keeps
// listening for events that must not.
const (
	eventTimeout = 3 * time.Second
	quietPeriod  = 700 * time.Millisecond
)

// server serves a clone of the template over real HTTP, with the router
// built the way PocketBase serves it (OnServe triggered, so our routes and
// middlewares are bound).
type server struct {
	app *tests.TestApp
	srv *httptest.Server
}

func startServer(t *testing.T) *server {
	t.Helper()
	app, err := testapp.Open(template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup) // after the server's close below: cleanups run last-in first-out
	s := &server{app: app, srv: httptest.NewServer(testapp.Handler(t, app))}
	t.Cleanup(s.srv.Close) // waits for the handlers: every SSE client is closed by then
	return s
}

// do sends a JSON request as actor and decodes a JSON answer into out (if set).
func (s *server) do(ctx context.Context, actor, method, path string, body any, out any) (int, error) {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.srv.URL+path, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers(actor) {
		req.Header.Set(k, v)
	}
	res, err := s.srv.Client().Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.StatusCode, fmt.Errorf("failed to decode %s: %w", raw, err)
		}
	}
	return res.StatusCode, nil
}

// sseEvent is one server-sent event.
type sseEvent struct {
	topic string
	data  []byte
}

// recordEvent is the data of a record event.
type recordEvent struct {
	Action string         `json:"action"`
	Record map[string]any `json:"record"`
}

func (e sseEvent) record() (recordEvent, error) {
	var re recordEvent
	err := json.Unmarshal(e.data, &re)
	return re, err
}

// sseClient is one realtime connection (GET /api/realtime).
type sseClient struct {
	name     string
	clientID string
	events   chan sseEvent
	cancel   context.CancelFunc
	done     chan struct{}
}

// connect opens a realtime connection for actor and waits for PB_CONNECT.
func (s *server) connect(t *testing.T, ctx context.Context, actor string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.srv.URL+"/api/realtime", nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	res, err := s.srv.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	c := &sseClient{name: actor, events: make(chan sseEvent, 256), cancel: cancel, done: make(chan struct{})}
	go c.read(ctx, res.Body)
	t.Cleanup(c.close)

	select {
	case ev, ok := <-c.events:
		var connect struct {
			ClientID string `json:"clientId"`
		}
		if !ok || ev.topic != "PB_CONNECT" || json.Unmarshal(ev.data, &connect) != nil || connect.ClientID == "" {
			t.Fatalf("%s: expected PB_CONNECT, got %q %s", actor, ev.topic, ev.data)
		}
		c.clientID = connect.ClientID
	case <-time.After(eventTimeout):
		t.Fatalf("%s: no PB_CONNECT", actor)
	}
	return c
}

// read parses the event stream until the connection ends.
func (c *sseClient) read(ctx context.Context, body io.ReadCloser) {
	defer close(c.done)
	defer close(c.events)
	defer body.Close()
	r := bufio.NewReader(body)
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if ev.topic != "" {
				select {
				case c.events <- ev:
				case <-ctx.Done():
					return
				}
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, "event:"):
			ev.topic = strings.TrimPrefix(line, "event:")
		case strings.HasPrefix(line, "data:"):
			ev.data = append(ev.data, strings.TrimPrefix(line, "data:")...)
		}
	}
}

// close ends the connection and waits for its reader.
func (c *sseClient) close() {
	c.cancel()
	<-c.done
}

// subscribe sets the client's subscriptions with actor's credentials.
func (s *server) subscribe(t *testing.T, ctx context.Context, c *sseClient, actor string, topics ...string) {
	t.Helper()
	status, err := s.do(ctx, actor, http.MethodPost, "/api/realtime",
		map[string]any{"clientId": c.clientID, "subscriptions": topics}, nil)
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("%s: subscribe to %v: status %d, error %v", c.name, topics, status, err)
	}
}

// collect gathers c's events until done says it has what it waits for, or
// the timeout passes.
func (c *sseClient) collect(timeout time.Duration, got []sseEvent, done func([]sseEvent) bool) []sseEvent {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for done == nil || !done(got) {
		select {
		case ev, ok := <-c.events:
			if !ok {
				return got
			}
			got = append(got, ev)
		case <-deadline.C:
			return got
		}
	}
	return got
}

// has reports whether events hold an event on topic about record id with action.
func has(events []sseEvent, topic, action, id string) bool {
	return slices.ContainsFunc(events, func(e sseEvent) bool {
		re, err := e.record()
		return err == nil && e.topic == topic && re.Action == action && re.Record["id"] == id
	})
}

// find returns the record of the first event on topic about id.
func find(events []sseEvent, topic, id string) map[string]any {
	for _, e := range events {
		if re, err := e.record(); err == nil && e.topic == topic && re.Record["id"] == id {
			return re.Record
		}
	}
	return nil
}

// drain adds to got the events c has received so far, without waiting.
func (c *sseClient) drain(got []sseEvent) []sseEvent {
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				return got
			}
			got = append(got, ev)
		default:
			return got
		}
	}
}

func topics(events []sseEvent) []string {
	out := make([]string, 0, len(events))
	for _, e := range events {
		out = append(out, fmt.Sprintf("%s %s", e.topic, e.data))
	}
	return out
}

// checkGoroutines fails t if goroutines started after baseline are still
// running once everything is closed. It runs in Cleanup, after the server
// and clients (registered later) are closed.
func checkGoroutines(t *testing.T) {
	t.Helper()
	baseline := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(3 * time.Second)
		for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > baseline {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines leaked:\n%s", n-baseline, buf[:runtime.Stack(buf, true)])
		}
	})
}

// TestRealtimeMessageReachesOnlyParticipants sends a message through the
// API while the two participants and a stranger are connected over SSE:
// only the participants receive it and the thread's update, whatever the
// stranger subscribes to, collection-wide or to the very records.
//
// Not parallel: the goroutine check needs the package's other tests paused.
func TestRealtimeMessageReachesOnlyParticipants(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := startServer(t)

	ownerC := s.connect(t, ctx, owner)
	peerC := s.connect(t, ctx, peer)
	strangerC := s.connect(t, ctx, stranger)
	s.subscribe(t, ctx, ownerC, owner, "messages", "threads")
	s.subscribe(t, ctx, peerC, peer, "messages", "threads")
	s.subscribe(t, ctx, strangerC, stranger, "messages", "threads", "messages/*", "threads/*",
		"messages/"+ids[fxMessage], "threads/"+ids[fxThread], "users/"+ids[stranger])

	// peer writes: both participants get the message and the thread's new preview
	const text = "Realtime: can I pick it up tonight?"
	var msg map[string]any
	status, err := s.do(ctx, peer, http.MethodPost, recordsURL(schema.Messages), map[string]any{
		schema.MessageThread: ids[fxThread], schema.MessageAuthor: ids[peer], schema.MessageBody: text}, &msg)
	if err != nil || status != http.StatusOK {
		t.Fatalf("peer's message: status %d, error %v", status, err)
	}
	msgID, _ := msg["id"].(string)
	gotBoth := func(evs []sseEvent) bool {
		return has(evs, "messages", "create", msgID) && has(evs, "threads", "update", ids[fxThread])
	}
	for _, c := range []*sseClient{ownerC, peerC} {
		evs := c.collect(eventTimeout, nil, gotBoth)
		if !gotBoth(evs) {
			t.Errorf("%s did not get the message and the thread update; got %v", c.name, topics(evs))
		}
		if got := find(evs, "messages", msgID); got[schema.MessageBody] != text || got[schema.MessageAuthor] != ids[peer] {
			t.Errorf("%s got the message %v", c.name, got)
		}
		if got := find(evs, "threads", ids[fxThread]); got[schema.ThreadLastMessage] != text {
			t.Errorf("%s got the thread %v", c.name, got)
		}
	}

	// peer retracts the fixture message: the stranger's record-level
	// subscription to it gets nothing either
	status, err = s.do(ctx, peer, http.MethodPost, "/api/peerbase/messages/"+ids[fxMessage]+"/retract", nil, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("retract: status %d, error %v", status, err)
	}
	gotRetract := func(evs []sseEvent) bool { return has(evs, "messages", "update", ids[fxMessage]) }
	for _, c := range []*sseClient{ownerC, peerC} {
		if evs := c.collect(eventTimeout, nil, gotRetract); !gotRetract(evs) {
			t.Errorf("%s did not get the retraction; got %v", c.name, topics(evs))
		}
	}

	// control: the stranger's connection works, it gets its own profile's
	// update; and nothing else, after a while to let strays arrive
	status, err = s.do(ctx, stranger, http.MethodPatch, recordURL(schema.Users, stranger),
		map[string]any{schema.UserBio: "just browsing"}, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("stranger's profile: status %d, error %v", status, err)
	}
	userTopic := "users/" + ids[stranger]
	evs := strangerC.collect(eventTimeout, nil, func(evs []sseEvent) bool {
		return has(evs, userTopic, "update", ids[stranger])
	})
	time.Sleep(quietPeriod)
	evs = strangerC.drain(evs)
	if len(evs) != 1 || !has(evs, userTopic, "update", ids[stranger]) {
		t.Errorf("the stranger must get its own profile update only; got %v", topics(evs))
	}
}

// TestRealtimeExchangeMoveReachesBothParties: when the offer's owner
// accepts an exchange through the API, both parties get the update and
// nobody else does.
//
// Not parallel: the goroutine check needs the package's other tests paused.
func TestRealtimeExchangeMoveReachesBothParties(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := startServer(t)

	clients := map[string]*sseClient{}
	for _, a := range []string{owner, peer, stranger} {
		clients[a] = s.connect(t, ctx, a)
		s.subscribe(t, ctx, clients[a], a, "exchanges", "exchanges/"+ids[fxExchange2])
	}
	status, err := s.do(ctx, owner, http.MethodPatch, recordURL(schema.Exchanges, fxExchange2),
		map[string]any{schema.ExchangeState: schema.StateAccepted}, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("accept: status %d, error %v", status, err)
	}
	accepted := func(evs []sseEvent) bool {
		return has(evs, "exchanges", "update", ids[fxExchange2]) &&
			has(evs, "exchanges/"+ids[fxExchange2], "update", ids[fxExchange2])
	}
	for _, a := range []string{owner, peer} {
		evs := clients[a].collect(eventTimeout, nil, accepted)
		if !accepted(evs) {
			t.Errorf("%s did not get the accepted exchange; got %v", a, topics(evs))
		} else if got := find(evs, "exchanges", ids[fxExchange2]); got[schema.ExchangeState] != schema.StateAccepted {
			t.Errorf("%s got the exchange %v", a, got)
		}
	}
	time.Sleep(quietPeriod)
	if evs := clients[stranger].drain(nil); len(evs) > 0 {
		t.Errorf("the stranger got %v", topics(evs))
	}
}

// TestRealtimeRulesMatrix is the realtime column of the rules matrix: the
// five actors subscribe to every collection and to every fixture record;
// each fixture is then saved, and each actor must receive exactly the
// events the list rule (collection topic) and the view rule (record topic)
// let them see, with no private profile field of anyone else.
//
// Not parallel: the goroutine check needs the package's other tests paused.
func TestRealtimeRulesMatrix(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := startServer(t)

	rows := matrix()
	clients := map[string]*sseClient{}
	for _, a := range actors {
		c := s.connect(t, ctx, a)
		var subs []string
		for _, row := range rows {
			subs = append(subs, row.collection)
			for _, r := range row.records {
				subs = append(subs, row.collection+"/"+ids[r])
			}
		}
		s.subscribe(t, ctx, c, a, subs...)
		clients[a] = c
	}

	// the events each actor must get, as "topic id"
	want := map[string][]string{}
	fixture := map[string]bool{}
	for _, row := range rows {
		views := row.views
		if views == nil {
			views = row.lists
		}
		for _, r := range row.records {
			fixture[ids[r]] = true
			for _, a := range actors {
				if row.superOnly && a != admin {
					continue
				}
				if slices.Contains(row.visible(a, row.lists), r) {
					want[a] = append(want[a], row.collection+" "+ids[r])
				}
				if slices.Contains(row.visible(a, views), r) {
					want[a] = append(want[a], row.collection+"/"+ids[r]+" "+ids[r])
				}
			}
			rec, err := s.app.FindRecordById(row.collection, ids[r])
			if err != nil {
				t.Fatal(err)
			}
			if err := s.app.Save(rec); err != nil {
				t.Fatalf("failed to save %s %s: %v", row.collection, r, err)
			}
		}
	}

	// "topic id" of the update events about fixtures in evs
	received := func(evs []sseEvent) []string {
		var out []string
		for _, e := range evs {
			if re, err := e.record(); err == nil && fixture[fmt.Sprint(re.Record["id"])] && re.Action == "update" {
				out = append(out, e.topic+" "+fmt.Sprint(re.Record["id"]))
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	// wait for what each actor must get, then listen a while for what it must not
	got := map[string][]sseEvent{}
	for _, a := range actors {
		n := len(want[a])
		got[a] = clients[a].collect(eventTimeout, nil, func(evs []sseEvent) bool { return len(received(evs)) >= n })
	}
	time.Sleep(quietPeriod)

	for _, a := range actors {
		evs := clients[a].drain(got[a])
		exp := slices.Clone(want[a])
		slices.Sort(exp)
		if got := received(evs); !slices.Equal(got, exp) {
			t.Errorf("%s: realtime events differ from the rules\n got: %v\nwant: %v", a, got, exp)
		}

		// private profile fields travel to their person and superusers only
		for _, e := range evs {
			re, err := e.record()
			if err != nil || !strings.HasPrefix(e.topic, schema.Users) {
				continue
			}
			for _, u := range users {
				if re.Record["id"] != ids[u] {
					continue
				}
				_, hasTZ := re.Record[schema.UserTimezone]
				if self := a == u || a == admin; hasTZ != self {
					t.Errorf("%s got %s's user event with private fields=%v: %s", a, u, hasTZ, e.data)
				}
			}
		}
	}
}
