package search_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"

	"peerbase/hooks/schema"
)

// TestItemsAreTheRecordsAPIs: a search's items, from the item cache or
// read for the caller, are the records API's view of each record for the
// same caller (plus distance_km and highlight), the first search and the
// next (cached) alike, for nobody, another user, the owner and a superuser.
func TestItemsAreTheRecordsAPIs(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for _, who := range []string{"", "ben", "ana", "su"} {
		token := tokens[who]
		if who == "su" {
			token = suToken
		}
		for round := range 2 {
			p := s.search(t, "/api/peerbase/offers/search", token, vals("q", "velo", "near", "45.76,4.84", "radius", "50"))
			if len(p.Items) == 0 {
				t.Fatalf("%q: no items", who)
			}
			for _, it := range p.Items {
				id := it["id"].(string)
				code, raw := s.do(t, "GET", "/api/collections/offers/records/"+id, token, "")
				if code != 200 {
					t.Fatalf("%q: view %s: %d %s", who, id, code, raw)
				}
				var want map[string]any
				if err := json.Unmarshal(raw, &want); err != nil {
					t.Fatal(err)
				}
				got := maps.Clone(it)
				if _, ok := got["distance_km"].(float64); !ok {
					t.Errorf("%q: distance_km %v", who, got["distance_km"])
				}
				if _, ok := got["highlight"].(string); !ok {
					t.Errorf("%q: highlight %v", who, got["highlight"])
				}
				delete(got, "distance_km")
				delete(got, "highlight")
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%q round %d: item %s\n got %v\nwant %v", who, round, id, got, want)
				}
			}
		}
	}
}

// TestItemsFollowWrites: a cached item is never shown after its record
// changed: renamed, the new title; closed, gone; deleted, gone.
func TestItemsFollowWrites(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	id := s.createOffer(t, tokens["ana"], map[string]any{
		schema.FieldOwner: ids["ana"], schema.OfferTitle: "Luge en bois", schema.FieldKind: "lend",
		schema.FieldStatus: "active", schema.OfferPrice: 0, schema.FieldLocation: lyonPlus(1)})
	title := func() []string {
		var out []string
		for _, it := range s.search(t, "/api/peerbase/offers/search", "", vals("near", "45.76,4.84", "radius", "20", "sort", "newest", "limit", "100")).Items {
			if it["id"] == id {
				out = append(out, it["title"].(string))
			}
		}
		return out
	}
	if got := title(); !slices.Equal(got, []string{"Luge en bois"}) {
		t.Fatalf("created: %v", got)
	}
	for i, patch := range []string{`{"title":"Luge en bois massif"}`, `{"price":5}`, `{"title":"Grande luge"}`} {
		if code, raw := s.do(t, "PATCH", "/api/collections/offers/records/"+id, tokens["ana"], patch); code != 200 {
			t.Fatalf("patch: %d %s", code, raw)
		}
		want := []string{"Luge en bois massif", "Luge en bois massif", "Grande luge"}[i]
		if got := title(); !slices.Equal(got, []string{want}) {
			t.Fatalf("after %s: %v", patch, got)
		}
	}
	if code, raw := s.do(t, "PATCH", "/api/collections/offers/records/"+id, tokens["ana"], `{"status":"closed"}`); code != 200 {
		t.Fatalf("close: %d %s", code, raw)
	}
	if got := title(); len(got) != 0 {
		t.Fatalf("closed offer shown: %v", got)
	}
	if code, raw := s.do(t, "PATCH", "/api/collections/offers/records/"+id, tokens["ana"], `{"status":"active"}`); code != 200 {
		t.Fatalf("show: %d %s", code, raw)
	}
	if got := title(); len(got) != 1 {
		t.Fatalf("shown again: %v", got)
	}
	if code, raw := s.do(t, "DELETE", "/api/collections/offers/records/"+id, tokens["ana"], ""); code != 204 {
		t.Fatalf("delete: %d %s", code, raw)
	}
	if got := title(); len(got) != 0 {
		t.Fatalf("deleted offer shown: %v", got)
	}
}

// TestBlocksTakeEffectAtOnce: the block lists kept in memory follow blocks
// made and removed through the API, for both people.
func TestBlocksTakeEffectAtOnce(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	anas := func(who string) int {
		n := 0
		for _, it := range s.search(t, "/api/peerbase/offers/search", tokens[who], vals("q", "velo")).Items {
			if it["owner"] == ids["ana"] {
				n++
			}
		}
		return n
	}
	before := anas("ben")
	if before == 0 || anas("ben") != before {
		t.Fatalf("ana's offers seen by ben: %d", before)
	}
	code, raw := s.do(t, "POST", "/api/collections/blocks/records", tokens["ana"],
		`{"blocker":"`+ids["ana"]+`","blocked":"`+ids["ben"]+`"}`)
	if code != 200 {
		t.Fatalf("block: %d %s", code, raw)
	}
	var block struct{ ID string }
	if err := json.Unmarshal(raw, &block); err != nil {
		t.Fatal(err)
	}
	if n := anas("ben"); n != 0 {
		t.Fatalf("ben still sees %d of ana's offers after her block", n)
	}
	if code, raw := s.do(t, "DELETE", "/api/collections/blocks/records/"+block.ID, tokens["ana"], ""); code != 204 {
		t.Fatalf("unblock: %d %s", code, raw)
	}
	if n := anas("ben"); n != before {
		t.Fatalf("after the unblock ben sees %d of ana's offers, want %d", n, before)
	}
}
