package notify_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// post sends a JSON body to the server as token's holder and returns the
// status and the decoded answer.
func post(t *testing.T, srv *httptest.Server, token, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %s", err, raw)
	}
	return res.StatusCode, out
}

// TestMarkRead: a person marks named notifications, or all of them up to a
// moment, read through the route; other people's ids change nothing; bad
// bodies get a 400 naming the field.
func TestMarkRead(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	ids, tokens := map[string]string{}, map[string]string{}
	if err := testapp.CreateUsers(app, ids, tokens, "ana", "bob"); err != nil {
		t.Fatal(err)
	}
	send := func(who string) string {
		t.Helper()
		r, err := notify.Send(app, notify.Notification{User: ids[who], Type: schema.NotifyMatch, Key: "test.hello",
			Args: map[string]string{"name": who}})
		if err != nil {
			t.Fatal(err)
		}
		return r.Id
	}
	a1, a2, a3 := send("ana"), send("ana"), send("ana")
	b1 := send("bob")
	srv := httptest.NewServer(testapp.Handler(t, app))
	defer srv.Close()

	unread := func(who string) int64 {
		n, err := app.CountRecords(schema.Notifications, dbx.HashExp{schema.NotificationUser: ids[who], schema.NotificationRead: false})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	bad := []struct{ name, body, field string }{
		{"nothing", `{}`, "ids"},
		{"both", `{"ids":["` + a1 + `"],"all":true}`, "ids"},
		{"not json", `{"ids":`, "ids"},
		{"ids not a list", `{"ids":"` + a1 + `"}`, "ids"},
		{"too many", `{"ids":[` + strings.Repeat(`"x",`, notify.MaxMarkRead) + `"x"]}`, "ids"},
	}
	for _, c := range bad {
		status, out := post(t, srv, tokens["ana"], "/api/peerbase/notifications/read", c.body)
		data, _ := out["data"].(map[string]any)
		if status != http.StatusBadRequest || data[c.field] == nil {
			t.Errorf("%s: %d %v, want a 400 naming %s", c.name, status, out, c.field)
		}
	}
	if status, _ := post(t, srv, "", "/api/peerbase/notifications/read", `{"all":true}`); status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", status)
	}

	status, out := post(t, srv, tokens["ana"], "/api/peerbase/notifications/read", `{"ids":["`+a1+`","`+b1+`"]}`)
	if status != http.StatusOK || out["updated"] != 1.0 || out["unread"] != 2.0 {
		t.Errorf("mark one (and bob's): %d %v", status, out)
	}
	if unread("bob") != 1 {
		t.Error("ana marked bob's notification read")
	}
	// all, up to a moment: a notification that came after stays unread
	cut := time.Now().UTC()
	time.Sleep(5 * time.Millisecond)
	a4 := send("ana")
	status, out = post(t, srv, tokens["ana"], "/api/peerbase/notifications/read",
		`{"all":true,"before":"`+cut.Format("2006-01-02 15:04:05.000Z")+`"}`)
	if status != http.StatusOK || out["updated"] != 2.0 || out["unread"] != 1.0 {
		t.Errorf("mark all before: %d %v", status, out)
	}
	for id, read := range map[string]bool{a1: true, a2: true, a3: true, a4: false, b1: false} {
		r, err := app.FindRecordById(schema.Notifications, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.GetBool(schema.NotificationRead) != read {
			t.Errorf("%s read = %v, want %v", id, !read, read)
		}
	}
	// a read mark is a change like any other: it moves up in the change
	// log that the person's other devices sync from
	seq := func() int64 {
		var s int64
		err := app.DB().Select("seq").From(schema.ChangeLog).
			Where(dbx.HashExp{"record_id": a4, "recipient": ids["ana"]}).Row(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := seq()
	status, out = post(t, srv, tokens["ana"], "/api/peerbase/notifications/read", `{"all":true}`)
	if status != http.StatusOK || out["updated"] != 1.0 || out["unread"] != 0.0 {
		t.Errorf("mark all: %d %v", status, out)
	}
	if seq() <= before {
		t.Error("marking read left no change for sync")
	}
}

// TestPrune: notifications older than the cutoff go, newer ones stay.
func TestPrune(t *testing.T) {
	t.Parallel()
	app := testapp.New(t)
	ids := map[string]string{}
	if err := testapp.CreateUsers(app, ids, map[string]string{}, "ana"); err != nil {
		t.Fatal(err)
	}
	var old []*core.Record
	for range 3 {
		r, err := notify.Send(app, notify.Notification{User: ids["ana"], Type: schema.NotifyMatch, Key: "test.hello"})
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, r)
	}
	if _, err := app.DB().NewQuery("UPDATE notifications SET created = '2020-01-01 00:00:00.000Z'").Execute(); err != nil {
		t.Fatal(err)
	}
	fresh, err := notify.Send(app, notify.Notification{User: ids["ana"], Type: schema.NotifyMatch, Key: "test.hello"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := notify.Prune(app, time.Now().Add(-24*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("pruned %d, %v; want 3", n, err)
	}
	if _, err := app.FindRecordById(schema.Notifications, fresh.Id); err != nil {
		t.Error("a fresh notification was pruned")
	}
	for _, r := range old {
		if _, err := app.FindRecordById(schema.Notifications, r.Id); err == nil {
			t.Errorf("old notification %s kept", r.Id)
		}
	}
}
