package social_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"

	"peerbase/hooks/schema"
)

// TestDerivedOffers: a derived offer credits the origin's owner (expand
// shows the origin and its owner, also once the origin is closed, and the
// credit outlives the origin), tells them once it is published, lets them
// list the offers derived from theirs, and never changes or drops its
// origin once published.
func TestDerivedOffers(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	origin := s.offer(t, "ana", "Wooden castle kit", schema.StatusActive, nil)
	other := s.offer(t, "dan", "Tin soldiers", schema.StatusActive, nil)
	anaDraft := s.offer(t, "ana", "Castle, second edition", schema.StatusDraft, nil)
	const offers = "/api/collections/offers/records"
	told := func() int { return len(notifications(t, s.app, "ana", schema.NotifyDerived)) }

	// deriving from what one can't see is a 400, as if it didn't exist
	for _, from := range []string{anaDraft, "nosuchoffer0001"} {
		status, out := s.do(t, tokens["ben"], http.MethodPost, offers, map[string]any{schema.FieldOwner: ids["ben"],
			schema.OfferTitle: "Remix", schema.FieldKind: schema.KindSell, schema.FieldStatus: schema.StatusActive, schema.OfferDerivedFrom: from})
		if status != 400 || fieldCode(out, schema.OfferDerivedFrom) != "validation_missing_offer" {
			t.Errorf("deriving from %s: %d %v, want a 400 validation_missing_offer", from, status, out)
		}
	}
	// the credit is the server's to write
	status, out := s.do(t, tokens["ben"], http.MethodPost, offers, map[string]any{schema.FieldOwner: ids["ben"],
		schema.OfferTitle: "Remix", schema.FieldKind: schema.KindSell, schema.FieldStatus: schema.StatusActive,
		schema.OfferDerivedFrom: origin, schema.OfferDerivedFromOwner: ids["dan"]})
	if status != 400 || fieldCode(out, schema.OfferDerivedFromOwner) != "validation_computed_field" {
		t.Errorf("sending derived_from_owner: %d %v, want a 400 naming it", status, out)
	}
	if told() != 0 {
		t.Fatalf("refused offers told ana")
	}

	// published derived: credited and told
	derived := s.offer(t, "ben", "Castle with a dragon tower", schema.StatusActive, map[string]any{schema.OfferDerivedFrom: origin})
	rec, err := s.app.FindRecordById(schema.Offers, derived)
	if err != nil {
		t.Fatal(err)
	}
	if rec.GetString(schema.OfferDerivedFromOwner) != ids["ana"] {
		t.Fatalf("derived_from_owner = %q, want ana", rec.GetString(schema.OfferDerivedFromOwner))
	}
	if told() != 1 {
		t.Fatalf("ana told %d times of ben's derived offer, want 1", told())
	}
	n := notifications(t, s.app, "ana", schema.NotifyDerived)[0]
	if n.GetString(schema.NotificationTitle) != "ben built on your Wooden castle kit" || n.GetString(schema.NotificationLink) != "/offers/"+derived {
		t.Errorf("ana told %q, link %q", n.GetString(schema.NotificationTitle), n.GetString(schema.NotificationLink))
	}

	// a draft derived offer may change or drop its origin (the credit
	// follows), and tells when published
	draft := s.offer(t, "cleo", "Castle in pink", schema.StatusDraft, map[string]any{schema.OfferDerivedFrom: other})
	s.must(t, 200, tokens["cleo"], http.MethodPatch, offers+"/"+draft, map[string]any{schema.OfferDerivedFrom: ""})
	if r, _ := s.app.FindRecordById(schema.Offers, draft); r.GetString(schema.OfferDerivedFromOwner) != "" {
		t.Errorf("a draft without origin still credits %q", r.GetString(schema.OfferDerivedFromOwner))
	}
	s.must(t, 200, tokens["cleo"], http.MethodPatch, offers+"/"+draft, map[string]any{schema.OfferDerivedFrom: origin})
	if told() != 1 {
		t.Fatalf("a draft told ana")
	}
	s.must(t, 200, tokens["cleo"], http.MethodPatch, offers+"/"+draft, map[string]any{schema.FieldStatus: schema.StatusActive})
	if told() != 2 {
		t.Fatalf("publishing cleo's derived draft told ana %d times in all, want 2", told())
	}
	if len(notifications(t, s.app, "dan", schema.NotifyDerived)) != 0 {
		t.Errorf("dan, the draft's first origin, was told")
	}
	// deriving from one's own offer tells nobody
	s.offer(t, "ana", "Castle, deluxe", schema.StatusActive, map[string]any{schema.OfferDerivedFrom: origin})
	if told() != 2 {
		t.Errorf("ana was told of her own derived offer")
	}
	// an offer published without an origin may still credit one
	late := s.offer(t, "eve", "Castle moat", schema.StatusActive, nil)
	s.must(t, 200, tokens["eve"], http.MethodPatch, offers+"/"+late, map[string]any{schema.OfferDerivedFrom: origin})
	if r, _ := s.app.FindRecordById(schema.Offers, late); r.GetString(schema.OfferDerivedFromOwner) != ids["ana"] || told() != 3 {
		t.Errorf("an origin added after publishing: credit %q, ana told %d times in all (want 3)", r.GetString(schema.OfferDerivedFromOwner), told())
	}

	// once published, the origin can't change or go, not even via a draft
	for _, body := range []map[string]any{{schema.OfferDerivedFrom: other}, {schema.OfferDerivedFrom: ""},
		{schema.FieldStatus: schema.StatusDraft, schema.OfferDerivedFrom: other}} {
		status, out := s.do(t, tokens["ben"], http.MethodPatch, offers+"/"+derived, body)
		if status != 400 || fieldCode(out, schema.OfferDerivedFrom) != "validation_immutable" {
			t.Errorf("PATCH %v: %d %v, want a 400 validation_immutable", body, status, out)
		}
	}
	s.must(t, 200, tokens["ben"], http.MethodPatch, offers+"/"+derived, map[string]any{schema.FieldStatus: schema.StatusDraft})
	status, out = s.do(t, tokens["ben"], http.MethodPatch, offers+"/"+derived, map[string]any{schema.OfferDerivedFrom: ""})
	if status != 400 || fieldCode(out, schema.OfferDerivedFrom) != "validation_immutable" {
		t.Errorf("dropping the origin of a published offer back in draft: %d %v", status, out)
	}
	s.must(t, 200, tokens["ben"], http.MethodPatch, offers+"/"+derived, map[string]any{schema.FieldStatus: schema.StatusActive})
	if told() != 3 {
		t.Errorf("republishing told ana again")
	}
	// ... on every write path: a superuser too
	if status, _ := s.do(t, adminToken, http.MethodPatch, offers+"/"+derived, map[string]any{schema.OfferDerivedFrom: other}); status != 400 {
		t.Errorf("a superuser changed a published origin: %d", status)
	}

	// ana lists the offers derived from hers, as anyone would see them
	for _, who := range []string{"ana", "eve"} {
		out := s.must(t, 200, tokens[who], http.MethodGet, offers+"?sort=created&filter="+urlQuery("derived_from_owner = '"+ids["ana"]+"'"), nil)
		got := idsOf(out)
		if len(got) != 4 || got[0] != derived || got[1] != draft || got[3] != late {
			t.Errorf("offers derived from ana's, as %s: %v", who, got)
		}
	}

	// the origin closes: the derived offer still shows it and its owner
	s.must(t, 200, tokens["ana"], http.MethodPatch, offers+"/"+origin, map[string]any{schema.FieldStatus: schema.StatusClosed})
	check := func(wantOrigin bool) {
		t.Helper()
		out := s.must(t, 200, tokens["eve"], http.MethodGet, offers+"/"+derived+"?expand="+urlQuery("derived_from.owner,derived_from_owner"), nil)
		exp := expandOf(out)
		credit, _ := exp[schema.OfferDerivedFromOwner].(map[string]any)
		if credit["id"] != ids["ana"] || credit["name"] != "ana" {
			t.Errorf("the credit expands to %v", credit)
		}
		o, _ := exp[schema.OfferDerivedFrom].(map[string]any)
		if !wantOrigin {
			if o != nil {
				t.Errorf("a gone origin expands to %v", o)
			}
			return
		}
		if o["id"] != origin || o[schema.FieldStatus] != schema.StatusClosed {
			t.Errorf("the closed origin expands to %v", o)
		}
		if owner, _ := expandOf(o)["owner"].(map[string]any); owner["id"] != ids["ana"] {
			t.Errorf("the closed origin's owner expands to %v", owner)
		}
	}
	check(true)
	// the origin is deleted: its relation goes, the credit stays
	s.must(t, 204, tokens["ana"], http.MethodDelete, offers+"/"+origin, nil)
	rec, err = s.app.FindRecordById(schema.Offers, derived)
	if err != nil {
		t.Fatal(err)
	}
	if rec.GetString(schema.OfferDerivedFrom) != "" || rec.GetString(schema.OfferDerivedFromOwner) != ids["ana"] {
		t.Errorf("after the origin's deletion: derived_from %q, derived_from_owner %q", rec.GetString(schema.OfferDerivedFrom),
			rec.GetString(schema.OfferDerivedFromOwner))
	}
	check(false)
	// ... and is never replaced by another origin's
	status, out = s.do(t, tokens["ben"], http.MethodPatch, offers+"/"+derived, map[string]any{schema.OfferDerivedFrom: other})
	if status != 400 || fieldCode(out, schema.OfferDerivedFrom) != "validation_immutable" {
		t.Errorf("pointing a credited offer at another origin: %d %v", status, out)
	}
	if n := count(t, s.app, schema.Offers, "derived_from_owner = {:a}", dbx.Params{"a": ids["ana"]}); n != 4 {
		t.Errorf("%d offers still credit ana, want 4", n)
	}
}
