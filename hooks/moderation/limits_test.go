package moderation_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"peerbase/hooks/moderation"
	"peerbase/hooks/schema"
)

// An account younger than a day creates at most the limit's offers an
// hour, whatever address it claims; an older account isn't held to it.
func TestNewAccountLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	limit := moderation.DefaultConfig().NewAccountLimits[schema.Offers].Max
	post := func(who string, i int) int {
		code, _ := e.call(http.MethodPost, "/api/collections/offers/records", who, map[string]any{
			schema.FieldOwner: ids[who], schema.OfferTitle: fmt.Sprint("Offer ", i), schema.FieldKind: schema.KindGive,
			schema.FieldStatus: schema.StatusActive}, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
		return code
	}
	// refused input doesn't count
	if code, _ := e.call(http.MethodPost, "/api/collections/offers/records", "r4", map[string]any{
		schema.FieldOwner: ids["r4"], schema.OfferTitle: "x", schema.FieldKind: schema.KindGive}); code != 400 {
		t.Fatalf("bad offer: %d", code)
	}
	for i := range limit {
		if code := post("r4", i); code != 200 {
			t.Fatalf("offer %d of a new account: %d", i+1, code)
		}
	}
	if code := post("r4", limit); code != 429 {
		t.Fatalf("offer %d of a new account within the hour: %d, want 429", limit+1, code)
	}
	// an hour later the window has passed
	e.now = e.now.Add(time.Hour)
	if code := post("r4", limit+1); code != 200 {
		t.Fatalf("an hour later: %d", code)
	}
	// reports and threads have their own counters
	if code, body := e.report("r4", schema.Offers, ids["offer"]); code != 200 {
		t.Fatalf("a report after the offers: %d %v", code, body)
	}

	// sam's account is older than a day: no such limit
	if _, err := e.app.DB().Update(schema.Users, dbx.Params{schema.FieldCreated: "2020-01-01 00:00:00.000Z"},
		dbx.HashExp{"id": ids["sam"]}).Execute(); err != nil {
		t.Fatal(err)
	}
	for i := range limit + 2 {
		if code := post("sam", i); code != 200 {
			t.Fatalf("offer %d of an old account: %d", i+1, code)
		}
	}
}

// A client's own X-Forwarded-For does not get around the shipped limits,
// keyed by address: without a trusted proxy the header is ignored, and
// behind one the address comes only from the configured header (the
// proxy's rightmost entry).
func TestSpoofedForwardingHeader(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		headers []string // trusted proxy headers
		real    func(i int) []string
		other   []string // another real client, behind the same proxy
	}{
		{"no proxy", nil, func(i int) []string {
			return []string{"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1)}
		}, nil},
		{"behind a proxy setting X-Real-IP", []string{"X-Real-IP"}, func(i int) []string {
			return []string{"X-Real-IP", "192.0.2.7", "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1)}
		}, []string{"X-Real-IP", "192.0.2.8"}},
		{"behind a proxy appending to X-Forwarded-For", []string{"X-Forwarded-For"}, func(i int) []string {
			return []string{"X-Forwarded-For", fmt.Sprintf("198.51.100.%d, 192.0.2.7", i+1)}
		}, []string{"X-Forwarded-For", "192.0.2.8"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			s := e.app.Settings()
			s.TrustedProxy.Headers = c.headers
			if err := e.app.Save(s); err != nil {
				t.Fatal(err)
			}
			signIn := func(i int) int {
				code, _ := e.call(http.MethodPost, "/api/collections/users/auth-with-password", "",
					map[string]any{"identity": "sam@test.peerbase.local", "password": "wrong-password"}, c.real(i)...)
				return code
			}
			for i := range 10 { // the shipped *:auth rule: 10 a minute
				if code := signIn(i); code != 400 {
					t.Fatalf("attempt %d: %d", i+1, code)
				}
			}
			if code := signIn(10); code != 429 {
				t.Fatalf("11th attempt with a new forwarded address: %d, want 429", code)
			}
			if c.other != nil {
				code, _ := e.call(http.MethodPost, "/api/collections/users/auth-with-password", "",
					map[string]any{"identity": "sam@test.peerbase.local", "password": "wrong-password"}, c.other...)
				if code != 400 {
					t.Fatalf("another client behind the proxy: %d, want 400 (its own limit)", code)
				}
			}
		})
	}
}
