package moderation_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"peerbase/hooks/moderation"
	"peerbase/hooks/schema"
)

// runExpiry runs the registered cron job once, at the env's clock.
func (e *env) runExpiry() {
	e.t.Helper()
	for _, j := range e.app.Cron().Jobs() {
		if j.Id() == moderation.ExpiryJobID {
			j.Run()
			return
		}
	}
	e.t.Fatal("no expiry job registered")
}

// expiryNotes counts olga's expiry notifications about the offers ids.
func (e *env) expiryNotes(ids ...string) int {
	e.t.Helper()
	n := 0
	for _, r := range e.notifications("olga", schema.NotifyExpiry) {
		var data map[string]any
		_ = r.UnmarshalJSONField(schema.NotificationData, &data)
		if id, _ := data["offer"].(string); slices.Contains(ids, id) {
			n++
		}
	}
	return n
}

// newOffer posts an offer as olga through the API and returns its id.
func (e *env) newOffer(title, status string) string {
	e.t.Helper()
	code, body := e.call(http.MethodPost, "/api/collections/offers/records", "olga", map[string]any{
		schema.FieldOwner: ids["olga"], schema.OfferTitle: title, schema.FieldKind: schema.KindLend, schema.FieldStatus: status})
	if code != 200 {
		e.t.Fatalf("new offer: %d %v", code, body)
	}
	return body["id"].(string)
}

// Offers expire after the lifetime: the owner is told a few days before
// (once), the cron closes them at expiry and marks them expired, a reserved
// offer is left alone, and renewal by the owner reopens an expired one.
func TestExpiryAndRenewal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	start := e.now
	day := 24 * time.Hour
	id := e.newOffer("Ladder", schema.StatusActive)
	reserved := e.newOffer("Tent", schema.StatusActive)
	expires := e.record(schema.Offers, id).GetDateTime(schema.OfferExpiresAt).Time()
	if d := expires.Sub(start); d < 60*day-time.Minute || d > 60*day+time.Minute {
		t.Fatalf("a new offer expires in %v, want 60 days", d)
	}
	// an owner can't pick a date beyond the cap
	code, _ := e.call(http.MethodPatch, "/api/collections/offers/records/"+id, "olga",
		map[string]any{schema.OfferExpiresAt: start.Add(5 * 365 * day).UTC().Format(time.RFC3339)})
	if code != 200 {
		t.Fatalf("patch: %d", code)
	}
	if got := e.record(schema.Offers, id).GetDateTime(schema.OfferExpiresAt).Time(); got.Sub(start) > 366*day {
		t.Fatalf("expiry set to %v", got)
	}
	e.call(http.MethodPatch, "/api/collections/offers/records/"+id, "olga",
		map[string]any{schema.OfferExpiresAt: expires.UTC().Format(time.RFC3339Nano)})
	r := e.record(schema.Offers, reserved)
	r.Set(schema.FieldStatus, schema.StatusReserved)
	if err := e.app.Save(r); err != nil {
		t.Fatal(err)
	}

	e.now = start.Add(50 * day)
	e.runExpiry()
	if n := e.expiryNotes(id, reserved); n != 0 {
		t.Fatalf("warned %d times 10 days before", n)
	}
	e.now = start.Add(58 * day)
	e.runExpiry()
	e.runExpiry()
	if n := e.expiryNotes(id, reserved); n != 1 {
		t.Fatalf("warned %d times 2 days before, want once (the reserved offer isn't warned)", n)
	}
	if e.record(schema.Offers, id).GetDateTime(schema.OfferExpiryWarnedAt).IsZero() {
		t.Error("the warning isn't remembered")
	}

	e.now = start.Add(60*day + time.Hour)
	e.runExpiry()
	o := e.record(schema.Offers, id)
	if o.GetString(schema.FieldStatus) != schema.StatusClosed || !o.GetBool(schema.OfferExpired) {
		t.Fatalf("after expiry: status %q expired %v", o.GetString(schema.FieldStatus), o.GetBool(schema.OfferExpired))
	}
	if s := e.record(schema.Offers, reserved).GetString(schema.FieldStatus); s != schema.StatusReserved {
		t.Fatalf("the reserved offer became %q", s)
	}
	if n := e.expiryNotes(id, reserved); n != 2 {
		t.Fatalf("%d expiry notifications, want the warning and the expiry", n)
	}
	// the nearby list shows active offers only: the expired one is gone
	code, body := e.call(http.MethodGet, "/api/collections/offers/records?filter=status='active'", "sam", nil)
	if code != 200 {
		t.Fatal(code)
	}
	for _, it := range body["items"].([]any) {
		if it.(map[string]any)["id"] == id {
			t.Error("an expired offer is listed as active")
		}
	}

	// renewal: strangers refused (403 when they can see it, 404 otherwise)
	renew := "/api/peerbase/offers/" + id + "/renew"
	for who, want := range map[string]int{"": 401, "sam": 403} {
		if code, body := e.call(http.MethodPost, renew, who, nil); code != want {
			t.Errorf("renewal by %q: %d %v, want %d", who, code, body, want)
		}
	}
	draft := e.newOffer("Draft", schema.StatusDraft)
	if code, _ := e.call(http.MethodPost, "/api/peerbase/offers/"+draft+"/renew", "sam", nil); code != 404 {
		t.Errorf("renewal of someone's draft: %d, want 404", code)
	}
	if code, body := e.call(http.MethodPost, "/api/peerbase/offers/"+draft+"/renew", "olga", nil); code != 400 || body["data"] == nil {
		t.Errorf("renewal of a draft: %d %v", code, body)
	}
	code, body = e.call(http.MethodPost, renew, "olga", nil)
	if code != 200 || body["status"] != schema.StatusActive || body[schema.OfferExpired] != false {
		t.Fatalf("renewal: %d %v", code, body)
	}
	got := e.record(schema.Offers, id).GetDateTime(schema.OfferExpiresAt).Time()
	if d := got.Sub(e.now); d < 60*day-time.Minute || d > 60*day+time.Minute {
		t.Fatalf("renewed until %v, want 60 days from now", got)
	}
	// renewing an active offer extends it
	e.now = e.now.Add(30 * day)
	if code, _ := e.call(http.MethodPost, renew, "olga", nil); code != 200 {
		t.Fatal(code)
	}
	if got2 := e.record(schema.Offers, id).GetDateTime(schema.OfferExpiresAt).Time(); !got2.After(got) {
		t.Fatalf("renewal didn't extend: %v then %v", got, got2)
	}
}
