package push_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/notify"
	"peerbase/hooks/push"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// TestKeyRoute: the public key is generated on first start, kept 0600 in
// the data dir, answered to anyone, and the same after a restart; keys
// from the environment are answered instead.
func TestKeyRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	var got map[string]string
	if status := e.do("", http.MethodGet, "/api/peerbase/push/key", nil, &got); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	k, err := push.LoadKeys(e.app.DataDir())
	if err != nil || got["publicKey"] != k.Public || len(got["publicKey"]) != 87 {
		t.Fatalf("got %v, file %v %v", got, k.Public, err)
	}
	fi, err := os.Stat(filepath.Join(e.app.DataDir(), push.KeysFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keys file mode: %v %v", fi, err)
	}

	envKeys, _ := push.GenerateKeys()
	e2 := newEnv(t, true, func(c *push.Config) { c.Keys = envKeys })
	if status := e2.do("bob", http.MethodGet, "/api/peerbase/push/key", nil, &got); status != http.StatusOK || got["publicKey"] != envKeys.Public {
		t.Fatalf("env keys: %d %v", status, got)
	}
}

// TestRotateKeys: rotation makes a new pair, answers it, and removes every
// subscription (their log stays); it is refused for keys from the
// environment.
func TestRotateKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true, func(c *push.Config) { c.Deliver = false })
	old, _ := push.LoadKeys(e.app.DataDir())
	e.subscribe("bob", "/rot/1", newDevice(t))
	e.subscribe("ann", "/rot/2", newDevice(t))
	e.message("ann", "hello") // one pending row for bob
	k, n, err := push.RotateKeys(e.app, push.Config{})
	if err != nil || n != 2 || k == old {
		t.Fatalf("rotate: %v %d %v", k, n, err)
	}
	var got map[string]string
	e.do("", http.MethodGet, "/api/peerbase/push/key", nil, &got)
	if got["publicKey"] != k.Public {
		t.Fatalf("the route answers %s", got["publicKey"])
	}
	if subs, _ := e.app.CountRecords(schema.PushSubscriptions); subs != 0 {
		t.Fatalf("%d subscriptions left", subs)
	}
	rows := e.deliveries(nil)
	if len(rows) != 1 || rows[0].Status != schema.DeliveryGone || rows[0].Subscription != "" {
		t.Fatalf("the log: %+v", rows)
	}
	if _, _, err := push.RotateKeys(e.app, push.Config{Keys: k}); err == nil {
		t.Fatal("keys from the environment were rotated")
	}
}

// TestRotateKeysRunningSender: a server that is delivering signs with the
// new pair right after a rotation in its process (never with a JWT kept
// from the old one).
func TestRotateKeysRunningSender(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	old := e.rcv.vapid
	e.subscribe("bob", "/rot/a", newDevice(t))
	e.message("ann", "before")
	first := e.rcv.waitFor(10*time.Second, "the push before the rotation", func(gs []got) bool { return len(gs) == 1 })
	if first[0].Err != nil || first[0].Key != old {
		t.Fatalf("before: %v k=%s", first[0].Err, first[0].Key)
	}
	k, _, err := push.RotateKeys(e.app, push.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e.rcv.mu.Lock()
	e.rcv.vapid = k.Public
	e.rcv.mu.Unlock()
	e.subscribe("bob", "/rot/b", newDevice(t))
	e.message("ann", "after")
	gs := e.rcv.waitFor(10*time.Second, "the push after the rotation", func(gs []got) bool { return len(gs) == 2 })
	if g := gs[1]; g.Path != "/rot/b" || g.Err != nil || g.Key != k.Public || g.Token == first[0].Token {
		t.Fatalf("after: %s %v k=%s (want %s)", g.Path, g.Err, g.Key, k.Public)
	}
}

// TestSubscriptionValidation: through the records API, loopback names and
// addresses, non-https endpoints and malformed keys get a field-level 400
// and nothing is stored; the allowed host:port is accepted over http.
func TestSubscriptionValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	d := newDevice(t)
	other := "http://127.0.0.1:1/x"
	if strings.HasSuffix(e.rcv.hostPort(), ":1") {
		other = "http://127.0.0.1:2/x"
	}
	cases := []struct {
		name, endpoint, p256dh, auth, field, code string
	}{
		{"localhost", "https://localhost/push", d.P256dh, d.AuthKey, "endpoint", "validation_push_endpoint"},
		{"localhost with port", "https://localhost:8443/push", d.P256dh, d.AuthKey, "endpoint", "validation_push_endpoint"},
		{"a .localhost name", "https://push.app.localhost/x", d.P256dh, d.AuthKey, "endpoint", "validation_push_endpoint"},
		{"127.0.0.1", "https://127.0.0.1/push", d.P256dh, d.AuthKey, "endpoint", "validation_push_endpoint"},
		{"127.1.2.3", "https://127.1.2.3:9443/push", d.P256dh, d.AuthKey, "endpoint", "validation_push_endpoint"},
		{"::1", "https://[::1]/push", d.P256dh, d.AuthKey, "endpoint", "validation_push_endpoint"},
		{"mapped loopback", "https://[::ffff:127.0.0.1]/push", d.P256dh, d.AuthKey, "endpoint", "validation_push_endpoint"},
		{"0.0.0.0", "https://0.0.0.0/push", d.P256dh, d.AuthKey, "endpoint", "validation_push_endpoint"},
		{"loopback on another port", other, d.P256dh, d.AuthKey, "endpoint", "validation_push_endpoint"},
		{"http", "http://push.example.com/x", d.P256dh, d.AuthKey, "endpoint", "validation_push_endpoint"},
		{"credentials", "https://u:p@push.example.com/x", d.P256dh, d.AuthKey, "endpoint", "validation_push_endpoint"},
		{"short p256dh", e.rcv.srv.URL + "/v1", d.P256dh[:40], d.AuthKey, "p256dh", "validation_push_p256dh"},
		{"compressed p256dh", e.rcv.srv.URL + "/v2", b64(append([]byte{3}, d.pub[1:33]...)), d.AuthKey, "p256dh", "validation_push_p256dh"},
		{"p256dh off the curve", e.rcv.srv.URL + "/v3", b64(append([]byte{4}, make([]byte, 64)...)), d.AuthKey, "p256dh", "validation_push_p256dh"},
		{"auth of 8 bytes", e.rcv.srv.URL + "/v4", d.P256dh, b64(make([]byte, 8)), "auth", "validation_push_auth"},
		{"auth not base64", e.rcv.srv.URL + "/v5", d.P256dh, "not*base64*at*all*", "auth", "validation_push_auth"},
	}
	for _, c := range cases {
		var res struct {
			Data map[string]struct {
				Code string `json:"code"`
			} `json:"data"`
		}
		status := e.do("bob", http.MethodPost, recordsURL(schema.PushSubscriptions), map[string]any{
			schema.SubUser: ids["bob"], schema.SubEndpoint: c.endpoint, schema.SubP256dh: c.p256dh, schema.SubAuth: c.auth}, &res)
		if status != http.StatusBadRequest || res.Data[c.field].Code != c.code {
			t.Errorf("%s: %d %+v", c.name, status, res)
		}
	}
	if n, _ := e.app.CountRecords(schema.PushSubscriptions); n != 0 {
		t.Fatalf("%d refused subscriptions stored", n)
	}
	e.subscribe("bob", "/allowed", d) // the receiver: loopback, allowed, over http
	// the same checks hold on the model path (hooks, superusers, imports)
	c, _ := e.app.FindCollectionByNameOrId(schema.PushSubscriptions)
	r := core.NewRecord(c)
	r.Set(schema.SubUser, ids["bob"])
	r.Set(schema.SubEndpoint, "https://169.254.169.254/latest/meta-data")
	r.Set(schema.SubP256dh, d.P256dh)
	r.Set(schema.SubAuth, d.AuthKey)
	if err := e.app.Save(r); err == nil || !strings.Contains(err.Error(), "link-local") {
		t.Fatalf("the model path: %v", err)
	}
}

// TestSubscriptionOnePerEndpoint: subscribing again replaces the record
// and keeps its pending deliveries; an endpoint registered by another
// account moves to the caller in one transaction, the old account's
// pending pushes are dropped, and the answer says nothing of it.
func TestSubscriptionOnePerEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	e.setUser("bob", map[string]any{schema.UserTimezone: "UTC", schema.UserQuietStart: hm(time.Now().UTC().Add(-2 * time.Hour)),
		schema.UserQuietEnd: hm(time.Now().UTC().Add(2 * time.Hour))})
	d := newDevice(t)
	first := e.subscribe("bob", "/shared", d)
	e.message("ann", "while you sleep")
	rows := e.deliveries(nil)
	if len(rows) != 1 || rows[0].Status != schema.DeliveryPending || rows[0].Subscription != first {
		t.Fatalf("before: %+v", rows)
	}
	d2 := newDevice(t) // the browser renewed its keys
	second := e.subscribe("bob", "/shared", d2)
	var list struct {
		Items []map[string]any `json:"items"`
	}
	e.do("bob", http.MethodGet, recordsURL(schema.PushSubscriptions), nil, &list)
	if second == first || len(list.Items) != 1 || list.Items[0]["id"] != second || list.Items[0][schema.SubP256dh] != d2.P256dh {
		t.Fatalf("bob's list: %+v", list.Items)
	}
	if rows := e.deliveries(nil); len(rows) != 1 || rows[0].Status != schema.DeliveryPending || rows[0].Subscription != second {
		t.Fatalf("the pending push did not follow: %+v", rows)
	}

	var created map[string]any
	status := e.do("cat", http.MethodPost, recordsURL(schema.PushSubscriptions), map[string]any{
		schema.SubUser: ids["cat"], schema.SubEndpoint: e.rcv.srv.URL + "/shared", schema.SubP256dh: d2.P256dh,
		schema.SubAuth: d2.AuthKey}, &created)
	if status != http.StatusOK || created[schema.SubUser] != ids["cat"] || created["id"] == second {
		t.Fatalf("cat's subscribe: %d %v", status, created)
	}
	for k := range created {
		if !strings.Contains(" id collectionId collectionName user endpoint p256dh auth user_agent last_success_at failures created updated ", " "+k+" ") {
			t.Errorf("the answer has %q", k)
		}
	}
	e.do("bob", http.MethodGet, recordsURL(schema.PushSubscriptions), nil, &list)
	if len(list.Items) != 0 {
		t.Fatalf("bob still lists %+v", list.Items)
	}
	if rows := e.deliveries(nil); len(rows) != 1 || rows[0].Status != schema.DeliveryFailed || rows[0].Subscription != "" ||
		!strings.Contains(rows[0].LastError, "moved") {
		t.Fatalf("bob's pending push after the move: %+v", rows)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(e.rcv.all()); n != 0 {
		t.Fatalf("the device got %d of bob's pushes", n)
	}
}

// TestMessagePush: a new message reaches every device of the other
// participant, in their language, with Urgency high, a day's TTL and the
// thread's Topic; a long message is cut; the author's devices get nothing.
func TestMessagePush(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	d1, d2, da := newDevice(t), newDevice(t), newDevice(t)
	s1 := e.subscribe("bob", "/bob/phone", d1)
	e.subscribe("bob", "/bob/laptop", d2)
	e.subscribe("ann", "/ann/phone", da)
	long := strings.Repeat("Bonjour, la perceuse est-elle libre samedi ? ", 60)
	msg := e.message("ann", long)
	gs := e.rcv.waitFor(15*time.Second, "two pushes", func(gs []got) bool { return len(gs) >= 2 })
	time.Sleep(100 * time.Millisecond)
	gs = e.rcv.all()
	if len(gs) != 2 {
		t.Fatalf("%d pushes: %+v", len(gs), gs)
	}
	rows := e.waitRows("sent", nil, allStatus(schema.DeliverySent, 2))
	for _, g := range gs {
		if g.Err != nil {
			t.Fatalf("%s: %v", g.Path, g.Err)
		}
		if !strings.HasPrefix(g.Path, "/bob/") || g.Urgency != "high" || g.TTL != "86400" || g.Topic != "t-"+ids["thread"] {
			t.Errorf("%s: Urgency %q TTL %q Topic %q", g.Path, g.Urgency, g.TTL, g.Topic)
		}
		p := g.Payload
		if p["type"] != "message" || p["title"] != "Nouveau message de ann" || p["url"] != "/threads/"+ids["thread"] {
			t.Errorf("payload %v", p)
		}
		body, _ := p["body"].(string)
		if !strings.HasPrefix(body, "Bonjour, la perceuse") || len([]rune(body)) > 100 || !strings.HasSuffix(body, "…") {
			t.Errorf("body %q", body)
		}
		src, _ := p["source"].(map[string]any)
		data, _ := p["data"].(map[string]any)
		if src["collection"] != "messages" || src["id"] != msg || data["thread"] != ids["thread"] || data["message"] != msg {
			t.Errorf("source %v data %v", src, data)
		}
		if g.BodyLen > 1024 {
			t.Errorf("a %d-byte push", g.BodyLen)
		}
		found := false
		for _, r := range rows {
			found = found || r.ID == p["id"]
		}
		if !found {
			t.Errorf("payload id %v is no delivery", p["id"])
		}
	}
	if rows[0].Recipient != ids["bob"] || rows[0].Type != "message" || rows[0].Host != e.rcv.hostPort() || rows[0].Attempts != 1 {
		t.Errorf("the log row: %+v", rows[0])
	}
	sub, _ := e.app.FindRecordById(schema.PushSubscriptions, s1)
	if sub.GetDateTime(schema.SubLastSuccessAt).IsZero() {
		t.Error("last_success_at not set")
	}
}

// TestPreferencesQuietHoursAndUrgent: a type turned off in notify_prefs
// writes nothing; during quiet hours a message waits for their end, and an
// exchange transition does not.
func TestPreferencesQuietHoursAndUrgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	e.subscribe("bob", "/prefs", newDevice(t))
	e.setUser("bob", map[string]any{schema.UserNotify: map[string]any{"message": false}})
	e.message("ann", "you will not hear of this")
	if rows := e.deliveries(nil); len(rows) != 0 {
		t.Fatalf("a push for a type turned off: %+v", rows)
	}
	// quiet hours around now, in New York
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Now().In(ny)
	e.setUser("bob", map[string]any{schema.UserNotify: map[string]any{"message": true}, schema.UserTimezone: "America/New_York",
		schema.UserQuietStart: hm(now.Add(-3 * time.Hour)), schema.UserQuietEnd: hm(now.Add(3 * time.Hour))})
	e.message("ann", "see you tomorrow")
	e.notification("bob", schema.NotifyExchange, "Ann accepted your request", map[string]any{"exchange": "x1"})
	gs := e.rcv.waitFor(15*time.Second, "the exchange push", func(gs []got) bool { return len(gs) >= 1 })
	time.Sleep(200 * time.Millisecond)
	gs = e.rcv.all()
	if len(gs) != 1 || gs[0].Payload["type"] != "exchange" || gs[0].Urgency != "high" || gs[0].TTL != "604800" || gs[0].Topic != "" {
		t.Fatalf("pushes during quiet hours: %+v", gs)
	}
	rows := e.deliveries(dbx.HashExp{schema.DeliveryType: "message"})
	if len(rows) != 1 || rows[0].Status != schema.DeliveryPending {
		t.Fatalf("the message push: %+v", rows)
	}
	next, _ := time.Parse("2006-01-02 15:04:05.000Z", rows[0].Next)
	if d := time.Until(next); d < 2*time.Hour || d > 3*time.Hour+time.Minute {
		t.Fatalf("the message push waits %v", d)
	}
}

// TestNotificationsPush: every notifications record becomes a push to its
// person's devices, with its type's urgency, TTL and Topic; a match of a
// want in daily mode waits for the digest.
func TestNotificationsPush(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	e.subscribe("bob", "/notes", newDevice(t))
	n1 := e.notification("bob", schema.NotifyMatch, "A drill near you", map[string]any{"want": ids["instantWant"], "offer": ids["offer"]})
	e.notification("bob", schema.NotifyMatch, "Daily one", map[string]any{"want": ids["dailyWant"], "offer": ids["offer"]})
	e.notification("bob", schema.NotifyFollow, "Ann posted an offer", map[string]any{"offer": ids["offer"]})
	e.notification("ann", schema.NotifyReview, "Nobody's device", nil)
	gs := e.rcv.waitFor(15*time.Second, "two pushes", func(gs []got) bool { return len(gs) >= 2 })
	time.Sleep(200 * time.Millisecond)
	gs = e.rcv.all()
	if len(gs) != 2 {
		t.Fatalf("%d pushes: %+v", len(gs), gs)
	}
	byType := map[string]got{}
	for _, g := range gs {
		if g.Err != nil {
			t.Fatal(g.Err)
		}
		byType[g.Payload["type"].(string)] = g
	}
	m := byType["match"]
	src, _ := m.Payload["source"].(map[string]any)
	if m.Urgency != "normal" || m.TTL != "259200" || m.Topic != "w-"+ids["instantWant"] || m.Payload["title"] != "A drill near you" ||
		m.Payload["body"] != "details" || m.Payload["url"] != "/somewhere" || src["collection"] != "notifications" || src["id"] != n1 {
		t.Errorf("match push: %+v", m)
	}
	if f := byType["follow"]; f.Urgency != "low" || f.TTL != "86400" || f.Topic != "" {
		t.Errorf("follow push: %+v", f)
	}
	if rows := e.deliveries(nil); len(rows) != 2 {
		t.Errorf("rows: %+v", rows)
	}
}

// TestWatchingThreadSkips: a person holding peerbase/threads/{id} gets no
// push for it (decided when it is due); once they let go, they do.
func TestWatchingThreadSkips(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	e.subscribe("bob", "/watch", newDevice(t))
	w := e.watch("bob", "peerbase/threads/"+ids["thread"])
	e.message("ann", "you are looking")
	e.waitRows("skipped", nil, allStatus(schema.DeliverySkipped, 1))
	if n := len(e.rcv.all()); n != 0 {
		t.Fatalf("%d pushes while watching", n)
	}
	// someone else holding the topic changes nothing for bob
	e.watch("cat", "peerbase/threads/"+ids["thread"])
	w.close()
	e.message("ann", "you left")
	e.rcv.waitFor(15*time.Second, "the push after leaving", func(gs []got) bool { return len(gs) == 1 })
}

// TestAnswers: 201 sent; 404 and 410 delete the subscription and keep the
// log row (gone, subscription emptied); 413 fails at once; 429 waits its
// Retry-After and then succeeds; 500 is retried up to the limit then
// failed; a redirect is not followed.
func TestAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	subs := map[string]string{}
	for path, script := range map[string][]answer{
		"/a/ok":       nil,
		"/a/404":      {{status: 404}},
		"/a/410":      {{status: 410}},
		"/a/413":      {{status: 413}},
		"/a/429":      {{status: 429, retryAfter: "1"}, {status: 201}},
		"/a/500":      {{status: 500}},
		"/a/redirect": {{status: 308, location: e.rcv.srv.URL + "/a/ok"}},
	} {
		subs[path] = e.subscribe("bob", path, newDevice(t), script...)
	}
	e.message("ann", "to every kind of push service")
	rows := e.waitRows("every row settled", nil, func(rows []deliveryRow) bool {
		if len(rows) != len(subs) {
			return false
		}
		for _, r := range rows {
			if r.Status == schema.DeliveryPending {
				return false
			}
		}
		return true
	})
	bySub := map[string]deliveryRow{}
	gone := map[string]deliveryRow{}
	for _, r := range rows {
		if r.Subscription == "" {
			gone[r.LastError[:3]] = r
		}
		bySub[r.Subscription] = r
	}
	check := func(name string, r deliveryRow, status string, attempts int) {
		if r.Status != status || r.Attempts != attempts {
			t.Errorf("%s: %+v", name, r)
		}
	}
	check("201", bySub[subs["/a/ok"]], schema.DeliverySent, 1)
	check("413", bySub[subs["/a/413"]], schema.DeliveryFailed, 1)
	check("429", bySub[subs["/a/429"]], schema.DeliverySent, 2)
	check("500", bySub[subs["/a/500"]], schema.DeliveryFailed, 3)
	check("redirect", bySub[subs["/a/redirect"]], schema.DeliveryFailed, 1)
	check("404", gone["404"], schema.DeliveryGone, 1)
	check("410", gone["410"], schema.DeliveryGone, 1)
	for _, p := range []string{"/a/404", "/a/410"} {
		if _, err := e.app.FindRecordById(schema.PushSubscriptions, subs[p]); err == nil {
			t.Errorf("%s: the subscription is still there", p)
		}
	}
	if _, err := e.app.FindRecordById(schema.PushSubscriptions, subs["/a/413"]); err != nil {
		t.Error("413 removed the subscription")
	}
	hits := e.rcv.at("/a/429")
	if len(hits) != 2 || hits[1].At.Sub(hits[0].At) < time.Second {
		t.Errorf("429 then retry: %+v", hits)
	}
	if n := len(e.rcv.at("/a/500")); n != 3 {
		t.Errorf("500 tried %d times", n)
	}
	if n := len(e.rcv.at("/a/413")); n != 1 {
		t.Errorf("413 tried %d times", n)
	}
	if n := len(e.rcv.at("/a/ok")); n != 1 {
		t.Errorf("the redirect was followed: /a/ok got %d", n)
	}
	sub500, _ := e.app.FindRecordById(schema.PushSubscriptions, subs["/a/500"])
	if sub500.GetInt(schema.SubFailures) != 3 {
		t.Errorf("500 failures: %d", sub500.GetInt(schema.SubFailures))
	}
}

// TestOutboxDurable: rows are written in the transaction of their event
// (a rolled-back message leaves none), and rows written while nothing
// sends are picked up when the worker starts (a restart).
func TestOutboxDurable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	d := newDevice(t)
	c, _ := e.app.FindCollectionByNameOrId(schema.PushSubscriptions)
	sub := core.NewRecord(c)
	sub.Set(schema.SubUser, ids["bob"])
	sub.Set(schema.SubEndpoint, e.rcv.endpoint("/durable", d))
	sub.Set(schema.SubP256dh, d.P256dh)
	sub.Set(schema.SubAuth, d.AuthKey)
	if err := e.app.Save(sub); err != nil {
		t.Fatal(err)
	}
	mc, _ := e.app.FindCollectionByNameOrId(schema.Messages)
	newMessage := func(app core.App, body string) error {
		m := core.NewRecord(mc)
		m.Set(schema.MessageThread, ids["thread"])
		m.Set(schema.MessageAuthor, ids["ann"])
		m.Set(schema.MessageBody, body)
		return app.Save(m)
	}
	errRollback := os.ErrClosed
	err := e.app.RunInTransaction(func(tx core.App) error {
		if err := newMessage(tx, "never committed"); err != nil {
			return err
		}
		if n := len(deliveriesIn(t, tx)); n != 1 {
			t.Errorf("%d rows inside the transaction", n)
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatal(err)
	}
	if rows := e.deliveries(nil); len(rows) != 0 {
		t.Fatalf("rows of a rolled-back message: %+v", rows)
	}
	for i := range 3 {
		if err := newMessage(e.app, "queued "+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(150 * time.Millisecond)
	if rows := e.deliveries(nil); len(rows) != 3 || len(e.rcv.all()) != 0 {
		t.Fatalf("before the start: %d rows, %d pushes", len(rows), len(e.rcv.all()))
	}
	e.serve()
	e.waitRows("sent after the start", nil, allStatus(schema.DeliverySent, 3))
	if n := len(e.rcv.all()); n != 3 {
		t.Fatalf("%d pushes", n)
	}
}

func deliveriesIn(t *testing.T, app core.App) []string {
	var out []string
	if err := app.DB().Select("id").From(schema.PushDeliveries).Column(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFanOutBatched: one event to a person with more devices than one
// INSERT holds writes a row per device and delivers each exactly once.
func TestFanOutBatched(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true, func(c *push.Config) { c.Workers = 16 })
	c, _ := e.app.FindCollectionByNameOrId(schema.PushSubscriptions)
	const n = 700
	d := newDevice(t)
	err := e.app.RunInTransaction(func(tx core.App) error {
		for i := range n {
			r := core.NewRecord(c)
			r.Set(schema.SubUser, ids["bob"])
			r.Set(schema.SubEndpoint, e.rcv.endpoint("/fan/"+strings.Repeat("x", i%3)+strconv.Itoa(i), d))
			r.Set(schema.SubP256dh, d.P256dh)
			r.Set(schema.SubAuth, d.AuthKey)
			if err := tx.Save(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	e.message("ann", "to all of you")
	t1 := time.Now()
	e.waitRows("all sent", nil, allStatus(schema.DeliverySent, n))
	t.Logf("fan-out to %d devices: outbox written in %v, all sent in %v", n, t1.Sub(t0), time.Since(t1))
	seen := map[string]int{}
	for _, g := range e.rcv.all() {
		if g.Err != nil {
			t.Fatal(g.Err)
		}
		seen[g.Payload["id"].(string)]++
	}
	if len(seen) != n {
		t.Fatalf("%d distinct pushes of %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("%s delivered %d times", id, c)
		}
	}
}

// TestUnifiedPush: a UnifiedPush endpoint (ntfy's shape: a topic path and
// ?up=1) is an ordinary Web Push endpoint: accepted and delivered,
// encrypted for the app's keys.
func TestUnifiedPush(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	d := newDevice(t)
	var rec map[string]any
	endpoint := e.rcv.endpoint("/upAbCdEf0123456789?up=1", d)
	status := e.do("bob", http.MethodPost, recordsURL(schema.PushSubscriptions), map[string]any{
		schema.SubUser: ids["bob"], schema.SubEndpoint: endpoint, schema.SubP256dh: d.P256dh, schema.SubAuth: d.AuthKey,
		schema.SubUserAgent: "UnifiedPush/ntfy Android"}, &rec)
	if status != http.StatusOK || rec[schema.SubEndpoint] != endpoint {
		t.Fatalf("%d %v", status, rec)
	}
	e.message("ann", "to the Android app")
	gs := e.rcv.waitFor(15*time.Second, "the UnifiedPush push", func(gs []got) bool { return len(gs) == 1 })
	if gs[0].Err != nil || gs[0].Path != "/upAbCdEf0123456789" || gs[0].Payload["type"] != "message" {
		t.Fatalf("%+v", gs[0])
	}
}

// TestDigest: from the digest hour in the person's zone, once per local
// day, a person with unseen matches of daily wants gets a digest
// notification and its low-urgency push.
func TestDigest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	e.subscribe("bob", "/digest", newDevice(t))
	offer2, err := testapp.CreateRecord(e.app, schema.Offers, map[string]any{schema.OfferTitle: "Ladder",
		schema.FieldOwner: ids["ann"], schema.FieldKind: schema.KindGive, schema.FieldStatus: schema.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range [][2]string{{"dailyWant", ids["offer"]}, {"dailyWant", offer2.Id}, {"instantWant", ids["offer"]}} {
		want, offer := m[0], m[1]
		c, _ := e.app.FindCollectionByNameOrId(schema.Matches)
		m := core.NewRecord(c)
		m.Set(schema.MatchRecipient, ids["bob"])
		m.Set(schema.FieldKind, "want")
		m.Set(schema.MatchWant, ids[want])
		m.Set(schema.MatchOffer, offer)
		if err := e.app.SaveNoValidate(m); err != nil {
			t.Fatal(err)
		}
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Now()
	local := now.In(paris)
	if local.Hour() < 23 {
		if n, err := push.SendDigests(e.app, now, local.Hour()+1); err != nil || n != 0 {
			t.Fatalf("before the hour: %d %v", n, err)
		}
	}
	if n, err := push.SendDigests(e.app, now, local.Hour()); err != nil || n != 1 {
		t.Fatalf("at the hour: %d %v", n, err)
	}
	if n, err := push.SendDigests(e.app, now.Add(time.Minute), local.Hour()); err != nil || n != 0 {
		t.Fatalf("again the same day: %d %v", n, err)
	}
	notes, _ := e.app.FindAllRecords(schema.Notifications, dbx.HashExp{schema.NotificationType: schema.NotifyDigest})
	if len(notes) != 1 || notes[0].GetString(schema.NotificationUser) != ids["bob"] || !strings.Contains(notes[0].GetString(schema.NotificationText), "2") {
		t.Fatalf("digest notifications: %v", notes)
	}
	// the instant want's match was pushed at once (matching writes its
	// notification); the daily want's two come in the one digest
	digests := func(gs []got) []got {
		var out []got
		for _, g := range gs {
			if g.Topic == "digest" {
				out = append(out, g)
			}
		}
		return out
	}
	gs := e.rcv.waitFor(15*time.Second, "the digest push", func(gs []got) bool { return len(digests(gs)) >= 1 })
	if d := digests(gs); len(d) != 1 || d[0].Urgency != "low" || d[0].TTL != "43200" || d[0].Payload["title"] != "Nouvelles offres pour vos recherches" {
		t.Fatalf("digest pushes: %+v", d)
	}
	for _, g := range gs {
		if g.Topic != "digest" && g.Topic != "w-"+ids["instantWant"] {
			t.Errorf("unexpected push: %+v", g)
		}
	}
}

// TestPrune: finished rows older than the retention go; pending ones and
// recent ones stay.
func TestPrune(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true, func(c *push.Config) { c.Deliver = false })
	e.subscribe("bob", "/prune", newDevice(t))
	for range 4 {
		e.message("ann", "row")
	}
	rows := e.deliveries(nil)
	old := time.Now().Add(-30 * 24 * time.Hour).UTC().Format("2006-01-02 15:04:05.000Z")
	for i, status := range []string{schema.DeliverySent, schema.DeliveryFailed, schema.DeliveryPending} {
		if _, err := e.app.DB().Update(schema.PushDeliveries, dbx.Params{"status": status, "updated": old},
			dbx.HashExp{"id": rows[i].ID}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	n, err := push.Prune(e.app, time.Now().Add(-7*24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	if left := e.deliveries(nil); len(left) != 2 {
		t.Fatalf("left %+v", left)
	}
}

// TestDeliveriesSuperusersOnly: the delivery log is for the dashboard.
func TestDeliveriesSuperusersOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	e.subscribe("bob", "/log", newDevice(t))
	e.message("ann", "logged")
	e.waitRows("sent", nil, allStatus(schema.DeliverySent, 1))
	var list struct {
		TotalItems int `json:"totalItems"`
	}
	for _, actor := range []string{"", "bob", "ann"} {
		if status := e.do(actor, http.MethodGet, recordsURL(schema.PushDeliveries), nil, &list); status != http.StatusForbidden {
			t.Errorf("%q lists the log: %d", actor, status)
		}
	}
	if status := e.do("admin", http.MethodGet, recordsURL(schema.PushDeliveries), nil, &list); status != http.StatusOK || list.TotalItems != 1 {
		t.Errorf("admin: %d %+v", status, list)
	}
}

// TestPrefsShapeAndLocaleFallback: notify_prefs is checked (an object of
// known types to booleans) through the API; a person whose locale has no
// texts gets English.
func TestPrefsShapeAndLocaleFallback(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	for _, bad := range []any{map[string]any{"message": "off"}, map[string]any{"nonsense": false}, []any{"message"}} {
		var res struct {
			Data map[string]struct {
				Code string `json:"code"`
			} `json:"data"`
		}
		status := e.do("ann", http.MethodPatch, recordsURL(schema.Users)+"/"+ids["ann"], map[string]any{schema.UserNotify: bad}, &res)
		if status != http.StatusBadRequest || res.Data[schema.UserNotify].Code == "" {
			t.Errorf("notify_prefs %v: %d %+v", bad, status, res)
		}
	}
	if status := e.do("ann", http.MethodPatch, recordsURL(schema.Users)+"/"+ids["ann"], map[string]any{
		schema.UserNotify: map[string]any{"digest": false}, schema.UserLocale: "de-DE"}, nil); status != http.StatusOK {
		t.Fatalf("good prefs: %d", status)
	}
	e.subscribe("ann", "/ann", newDevice(t))
	e.message("bob", "hi")
	gs := e.rcv.waitFor(15*time.Second, "ann's push", func(gs []got) bool { return len(gs) == 1 })
	if gs[0].Err != nil || gs[0].Payload["title"] != "New message from bob" {
		t.Fatalf("%+v", gs[0])
	}
}

// TestDeliveryIDs: outbox ids are PocketBase ids (15 characters of a-z0-9),
// unique, and in the order they were made, later fan-outs after earlier
// ones, also past a fan-out of 36^3 rows.
func TestDeliveryIDs(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 7, 30, 0, 0, time.UTC)
	first := push.DeliveryIDs(50_000, at)
	later := push.DeliveryIDs(3, at.Add(time.Millisecond))
	all := append(append([]string{}, first...), later...)
	seen := map[string]bool{}
	for i, id := range all {
		if len(id) != 15 || strings.Trim(id, "0123456789abcdefghijklmnopqrstuvwxyz") != "" {
			t.Fatalf("id %d: %q", i, id)
		}
		if seen[id] {
			t.Fatalf("id %q twice", id)
		}
		seen[id] = true
	}
	for i := 1; i < len(later); i++ {
		if later[i] <= later[i-1] {
			t.Fatalf("ids out of order: %q then %q", later[i-1], later[i])
		}
	}
	if later[0] <= first[len(first)-1] {
		t.Fatalf("a later fan-out's id %q sorts before an earlier one's %q", later[0], first[len(first)-1])
	}
}

func init() {
	notify.Define("test.batch", map[string]notify.Text{"en": {Title: "Batch", Body: "One of many"}})
}

// TestSendAllPushesInOneGo: notifications written together by
// notify.SendAll get their push rows as each would alone: one per device,
// none for a type the person turned off or a daily want's match, quiet
// hours respected, each payload naming its row and its notification.
func TestSendAllPushesInOneGo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	c, _ := e.app.FindCollectionByNameOrId(schema.PushSubscriptions)
	devices := map[string]int{"bob": 2, "ann": 1, "cat": 1}
	d := newDevice(t)
	for who, n := range devices {
		for i := range n {
			r := core.NewRecord(c)
			r.Set(schema.SubUser, ids[who])
			r.Set(schema.SubEndpoint, e.rcv.endpoint(fmt.Sprintf("/all/%s/%d", who, i), d))
			r.Set(schema.SubP256dh, d.P256dh)
			r.Set(schema.SubAuth, d.AuthKey)
			if err := e.app.Save(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.setUser("ann", map[string]any{schema.UserNotify: map[string]any{schema.NotifyFollow: false}})
	now := time.Now().UTC()
	e.setUser("cat", map[string]any{schema.UserQuietStart: hm(now.Add(-time.Hour)), schema.UserQuietEnd: hm(now.Add(2 * time.Hour))})
	ns := []notify.Notification{
		{User: ids["bob"], Type: schema.NotifyMatch, Key: "test.batch", Data: map[string]any{"want": ids["instantWant"]}},
		{User: ids["bob"], Type: schema.NotifyMatch, Key: "test.batch", Data: map[string]any{"want": ids["dailyWant"]}},
		{User: ids["ann"], Type: schema.NotifyFollow, Key: "test.batch"},
		{User: ids["ann"], Type: schema.NotifyReview, Key: "test.batch"},
		{User: ids["cat"], Type: schema.NotifyReview, Key: "test.batch"},
		{User: "nobody12345678", Type: schema.NotifyReview, Key: "test.batch"},
	}
	recs, err := notify.SendAll(context.Background(), e.app, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 {
		t.Fatalf("%d notifications written, want 5 (not the unknown person's)", len(recs))
	}
	rows := e.deliveries(nil)
	got := map[string]int{}
	for _, r := range rows {
		var p push.Payload
		if err := json.Unmarshal([]byte(r.Payload), &p); err != nil || p.ID != r.ID || p.Source.Collection != schema.Notifications {
			t.Fatalf("row %+v: payload %+v (%v)", r, p, err)
		}
		got[r.Recipient+"/"+r.Type+"/"+p.Source.ID]++
		next, _ := time.Parse("2006-01-02 15:04:05.000Z", r.Next)
		if quiet := time.Until(next) > 30*time.Minute; quiet != (r.Recipient == ids["cat"]) {
			t.Errorf("row for %s due at %s", r.Recipient, r.Next)
		}
	}
	want := map[string]int{
		ids["bob"] + "/match/" + recs[0].Id:  2,
		ids["ann"] + "/review/" + recs[3].Id: 1,
		ids["cat"] + "/review/" + recs[4].Id: 1,
	}
	if !maps.Equal(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
}

// TestDeliveryIndexes: push_deliveries has no index on subscription (its
// ids are random: each outbox row would write a random index page); the
// lookups of a deleted or replaced subscription's rows go through the
// recipient index, which a fan-out's rows share.
func TestDeliveryIndexes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, false)
	var names []string
	if err := e.app.DB().NewQuery("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'push_deliveries' " +
		"ORDER BY name").Column(&names); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(names, " "), "subscription") ||
		!strings.Contains(" "+strings.Join(names, " ")+" ", " idx_push_deliveries_recipient ") {
		t.Fatalf("indexes: %v", names)
	}
	for _, where := range []string{
		"[[recipient]] = {:user} AND [[subscription]] = {:id}",
		"[[recipient]] = {:user} AND [[subscription]] = {:id} AND [[status]] = {:pending}",
	} {
		var plan []struct {
			Detail string `db:"detail"`
		}
		err := e.app.DB().NewQuery("EXPLAIN QUERY PLAN UPDATE {{push_deliveries}} SET [[updated]] = '' WHERE " + where).
			Bind(dbx.Params{"user": "u", "id": "s", "pending": schema.DeliveryPending}).All(&plan)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan) == 0 || !strings.Contains(plan[0].Detail, "USING INDEX idx_push_deliveries_recipient") {
			t.Errorf("%s: %+v", where, plan)
		}
	}
}
