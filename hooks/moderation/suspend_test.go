package moderation_test

import (
	"net/http"
	"testing"
	"time"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// A suspension stops the person at once and hides their offers and wants
// from everyone else by rule, leaves their status alone and their threads
// readable to the other side, and everything comes back when it ends.
func TestSuspension(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	oldToken := tokens["olga"]
	countOffers := func(who string) float64 {
		t.Helper()
		code, body := e.call(http.MethodGet, "/api/collections/offers/records?filter=owner='"+ids["olga"]+"'", who, nil)
		if code != 200 {
			t.Fatalf("list: %d %v", code, body)
		}
		return body["totalItems"].(float64)
	}
	if countOffers("sam") != 1 || !e.visible("sam", schema.Wants, ids["want"]) {
		t.Fatal("fixture: olga's offer and want should be visible")
	}

	// only a superuser suspends; nobody suspends themself away or others
	until := time.Now().Add(2 * time.Second).UTC()
	for _, who := range []string{"olga", "sam"} {
		code, _ := e.call(http.MethodPatch, "/api/collections/users/records/"+ids["olga"], who,
			map[string]any{schema.UserSuspendedUntil: until.Format(time.RFC3339)})
		if code == 200 {
			t.Fatalf("%s set suspended_until", who)
		}
	}
	code, body := e.call(http.MethodPatch, "/api/collections/users/records/"+ids["olga"], "mod",
		map[string]any{schema.UserSuspendedUntil: until.Format(time.RFC3339Nano)})
	if code != 200 {
		t.Fatalf("suspend: %d %v", code, body)
	}
	if _, ok := body[schema.UserSuspendedUntil]; !ok {
		t.Error("a superuser doesn't see suspended_until")
	}
	if code, body := e.call(http.MethodGet, "/api/collections/users/records/"+ids["olga"], "sam", nil); code != 200 || body[schema.UserSuspendedUntil] != nil {
		t.Errorf("others see suspended_until: %d %v", code, body)
	}

	// sign-in refused, the old token dead at once
	code, _ = e.call(http.MethodPost, "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": "olga@test.peerbase.local", "password": testapp.Password})
	if code != 403 { // PocketBase's answer to a failed auth rule
		t.Errorf("a suspended person signed in: %d", code)
	}
	if code, _ := e.call(http.MethodPost, "/api/collections/users/auth-refresh", oldToken, nil); code != 401 {
		t.Errorf("the old token still refreshes: %d", code)
	}
	if code, _ := e.call(http.MethodPost, "/api/collections/offers/records", oldToken, map[string]any{
		schema.FieldOwner: ids["olga"], schema.OfferTitle: "Another", schema.FieldKind: schema.KindGive, schema.FieldStatus: schema.StatusActive}); code == 200 {
		t.Error("the old token posted an offer")
	}
	// a token minted after the suspension (impersonation) doesn't post,
	// message or request either
	fresh := testapp.Token(t, e.record(schema.Users, ids["olga"]))
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/api/collections/offers/records", map[string]any{schema.FieldOwner: ids["olga"], schema.OfferTitle: "Another",
			schema.FieldKind: schema.KindGive, schema.FieldStatus: schema.StatusActive}},
		{"/api/collections/messages/records", map[string]any{schema.MessageThread: ids["thread"],
			schema.MessageAuthor: ids["olga"], schema.MessageBody: "hello"}},
		{"/api/collections/wants/records", map[string]any{schema.FieldOwner: ids["olga"], schema.WantQuery: "drill"}},
	} {
		if code, body := e.call(http.MethodPost, c.path, fresh, c.body); code != 401 {
			t.Errorf("POST %s by a suspended person: %d %v", c.path, code, body)
		}
	}

	// their offers and wants are gone for others, by rule: status untouched
	if countOffers("sam") != 0 || countOffers("") != 0 || e.visible("sam", schema.Offers, ids["offer"]) ||
		e.visible("sam", schema.Wants, ids["want"]) {
		t.Error("a suspended person's offer or want is still visible")
	}
	if s := e.record(schema.Offers, ids["offer"]).GetString(schema.FieldStatus); s != schema.StatusActive {
		t.Errorf("status rewritten to %q", s)
	}
	if countOffers("mod") != 1 {
		t.Error("superusers lost sight of it")
	}
	// the thread and its messages stay readable to the other side
	if !e.visible("sam", schema.Threads, ids["thread"]) || !e.visible("sam", schema.Messages, ids["message"]) {
		t.Error("the other participant lost the thread")
	}

	// the suspension ends: everything is back, sign-in works
	time.Sleep(time.Until(until) + 100*time.Millisecond)
	e.now = time.Now()
	if countOffers("sam") != 1 || !e.visible("sam", schema.Wants, ids["want"]) {
		t.Error("offers and wants didn't come back")
	}
	code, body = e.call(http.MethodPost, "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": "olga@test.peerbase.local", "password": testapp.Password})
	if code != 200 {
		t.Fatalf("sign-in after the suspension: %d %v", code, body)
	}
	tok := body["token"].(string)
	if code, body := e.call(http.MethodPost, "/api/collections/offers/records", tok, map[string]any{
		schema.FieldOwner: ids["olga"], schema.OfferTitle: "Another", schema.FieldKind: schema.KindGive,
		schema.FieldStatus: schema.StatusActive}); code != 200 {
		t.Errorf("posting after the suspension: %d %v", code, body)
	}
}

// A want's matching offers (a custom route) leave out a suspended person's
// offers too, as the offers rule does.
func TestSuspendedOffersLeaveWantMatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	code, body := e.call(http.MethodPost, "/api/collections/wants/records", "sam",
		map[string]any{schema.FieldOwner: ids["sam"], schema.WantQuery: "bike", schema.WantActive: true})
	if code != 200 {
		t.Fatalf("want: %d %v", code, body)
	}
	path := "/api/peerbase/wants/" + body["id"].(string) + "/offers"
	has := func() bool {
		t.Helper()
		code, body := e.call(http.MethodGet, path, "sam", nil)
		if code != 200 {
			t.Fatalf("%s: %d %v", path, code, body)
		}
		for _, it := range body["items"].([]any) {
			if it.(map[string]any)["id"] == ids["offer"] {
				return true
			}
		}
		return false
	}
	if !has() {
		t.Fatal("fixture: olga's bike should match sam's want")
	}
	olga := e.record(schema.Users, ids["olga"])
	olga.Set(schema.UserSuspendedUntil, time.Now().Add(time.Hour))
	if err := e.app.Save(olga); err != nil {
		t.Fatal(err)
	}
	if has() {
		t.Error("a suspended person's offer is still matched")
	}
}
