package push_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// The migration that indexes the outbox by recipient fills in the recipient
// of rows written before that column was set, from their subscription, and
// leaves a row whose subscription is gone as it was.
func TestRecipientBackfill(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	bobSub := e.subscribe("bob", "/old/1", newDevice(t))
	e.subscribe("ann", "/old/2", newDevice(t))
	e.notification("bob", schema.NotifyExchange, "Ann accepted your request", map[string]any{"exchange": "x1"})
	e.notification("ann", schema.NotifyExchange, "Bob accepted your request", map[string]any{"exchange": "x2"})
	rows := e.deliveries(nil)
	if len(rows) != 2 {
		t.Fatalf("rows: %+v", rows)
	}
	// as an older server wrote them: no recipient; and one whose
	// subscription no longer exists
	if _, err := e.app.DB().NewQuery("UPDATE {{push_deliveries}} SET [[recipient]] = ''").Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.DB().Insert(schema.PushDeliveries, dbx.Params{
		"id": "orphandelivery1", "subscription": "gonesubscripti", "recipient": "", "type": "match",
		"status": schema.DeliveryFailed, "payload": "{}", "created": "2026-01-01 00:00:00.000Z",
		"updated": "2026-01-01 00:00:00.000Z"}).Execute(); err != nil {
		t.Fatal(err)
	}

	var up func(core.App) error
	for _, m := range core.AppMigrations.Items() {
		if strings.HasPrefix(m.File, "1795700300_") {
			up = m.Up
		}
	}
	if up == nil {
		t.Fatal("migration 1795700300 is not registered")
	}
	if err := up(e.app); err != nil {
		t.Fatal(err)
	}

	want := map[string]string{bobSub: ids["bob"], "gonesubscripti": ""}
	for _, r := range e.deliveries(nil) {
		if w, ok := want[r.Subscription]; ok && r.Recipient != w {
			t.Errorf("row %s of subscription %s: recipient %q, want %q", r.ID, r.Subscription, r.Recipient, w)
		}
		if r.Subscription != bobSub && r.Subscription != "gonesubscripti" && r.Recipient != ids["ann"] {
			t.Errorf("ann's row %s: recipient %q", r.ID, r.Recipient)
		}
	}
}
