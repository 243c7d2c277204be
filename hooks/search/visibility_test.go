package search_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// listed returns the records the records API lists to token ("" for
// nobody) in collection, by id.
func (s *server) listed(t *testing.T, collection, token string) map[string]map[string]any {
	t.Helper()
	code, raw := s.do(t, "GET", "/api/collections/"+collection+"/records?perPage=500&skipTotal=1", token, "")
	if code != 200 {
		t.Fatalf("records API %s: %d %s", collection, code, raw)
	}
	var body struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, it := range body.Items {
		out[it["id"].(string)] = it
	}
	return out
}

// TestVisibilityMatchesRecordsAPI: for every kind of caller (nobody,
// someone, the owner, someone blocked either way, a superuser), search
// lists exactly the live records the records API lists to that caller,
// less those of people blocked either way; a suspended person's offers
// and wants are gone for everyone but superusers, as in the records API.
func TestVisibilityMatchesRecordsAPI(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	// sue has a live offer and a public want, then is suspended
	sue, err := testapp.CreateUser(s.app, "sue")
	if err != nil {
		t.Fatal(err)
	}
	data := offerData(offerFixture{title: "Vélo de sue", kind: "sell", price: 3, at: ptr(lyonPlus(1))})
	data[schema.FieldOwner] = sue.Id
	sueOffer, err := testapp.CreateRecord(s.app, schema.Offers, data)
	if err != nil {
		t.Fatal(err)
	}
	sueWant, err := testapp.CreateRecord(s.app, schema.Wants, map[string]any{
		schema.FieldOwner: sue.Id, schema.WantQuery: "velo de sue", schema.WantPublic: true, schema.WantActive: true,
		schema.WantAlert: "off", schema.FieldLocation: lyonPlus(1), schema.WantRadiusKm: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	sue.Set(schema.UserSuspendedUntil, types.NowDateTime().Add(24*time.Hour))
	if err := s.app.Save(sue); err != nil {
		t.Fatal(err)
	}

	blockedWith := map[string][]string{"ben": {ids["dan"], ids["eve"]}, "dan": {ids["ben"]}, "eve": {ids["ben"]}}
	now := types.NowDateTime().String()
	near := fmt.Sprintf("%f,%f", lyonLat, lyonLon)
	for _, caller := range []string{"", "ben", "ana", "dan", "eve", "superuser"} {
		token := tokens[caller]
		if caller == "superuser" {
			token = suToken
		}
		// offers: the live ones the records API lists, less blocked owners
		var want, wantPlaced []string
		for id, r := range s.listed(t, schema.Offers, token) {
			exp, _ := r[schema.OfferExpiresAt].(string)
			if r[schema.FieldStatus] != schema.StatusActive || (exp != "" && exp <= now) || slices.Contains(blockedWith[caller], r[schema.FieldOwner].(string)) {
				continue
			}
			want = append(want, id)
			if loc, _ := r[schema.FieldLocation].(map[string]any); loc["lat"] != 0.0 || loc["lon"] != 0.0 {
				wantPlaced = append(wantPlaced, id)
			}
		}
		if len(want) < 5 {
			t.Fatalf("caller %q: the records API lists only %v", caller, want)
		}
		for _, tc := range []struct {
			query url.Values
			want  []string
		}{
			{vals("sort", "newest", "limit", "100"), want},
			{vals("sort", "price", "limit", "100"), want},
			{vals("near", near, "sort", "distance", "limit", "100"), wantPlaced},
			{vals("near", near, "radius", "1000", "sort", "newest", "limit", "100"), wantPlaced},
		} {
			got := s.search(t, "/api/peerbase/offers/search", token, tc.query)
			var gotIDs []string
			for _, it := range got.Items {
				gotIDs = append(gotIDs, it["id"].(string))
			}
			if !slices.Equal(sorted(gotIDs), sorted(tc.want)) {
				t.Errorf("caller %q, offers %s: got %v, want %v", caller, tc.query.Encode(), names(got), tc.want)
			}
		}
		// paged two by two, the same items in the same order: a refused
		// candidate (sue's offers are the newest) is skipped, not a page cut
		for _, q := range []url.Values{vals("sort", "newest"), vals("near", near, "sort", "distance"), vals("sort", "price")} {
			q.Set("limit", "100")
			var all []string
			for _, it := range s.search(t, "/api/peerbase/offers/search", token, q).Items {
				all = append(all, it["id"].(string))
			}
			q.Set("limit", "2")
			var paged []string
			for range 50 {
				p := s.search(t, "/api/peerbase/offers/search", token, q)
				for _, it := range p.Items {
					paged = append(paged, it["id"].(string))
				}
				if p.Next == "" {
					break
				}
				q.Set("after", p.Next)
			}
			if !slices.Equal(paged, all) {
				t.Errorf("caller %q, %s by twos: %v, at once: %v", caller, q.Get("sort"), paged, all)
			}
		}
		// the words path too
		got := names(s.search(t, "/api/peerbase/offers/search", token, vals("q", "velo")))
		hasDan, hasEve, hasSue := slices.Contains(got, "dan"), slices.Contains(got, "eve"), slices.Contains(got, sueOffer.Id)
		switch caller {
		case "superuser":
			if !hasDan || !hasEve || !hasSue {
				t.Errorf("superuser, q=velo: %v", got)
			}
		case "ben":
			if hasDan || hasEve || hasSue {
				t.Errorf("ben, q=velo: %v", got)
			}
		case "":
			if !hasDan || !hasEve || hasSue {
				t.Errorf("nobody, q=velo: %v", got)
			}
		}
		for _, hidden := range []string{"draft", "hidden", "reserved", "closed", "expired"} {
			if slices.Contains(got, hidden) {
				t.Errorf("caller %q, q=velo: the %s offer is listed: %v", caller, hidden, got)
			}
		}

		// wants: the live ones the records API lists, less blocked owners
		var wantWants []string
		for id, r := range s.listed(t, schema.Wants, token) {
			if r[schema.WantPublic] != true || r[schema.WantActive] != true || slices.Contains(blockedWith[caller], r[schema.FieldOwner].(string)) {
				continue
			}
			wantWants = append(wantWants, id)
		}
		gotWants := s.search(t, "/api/peerbase/wants/search", token, vals("sort", "newest", "limit", "100"))
		var gotIDs []string
		for _, it := range gotWants.Items {
			gotIDs = append(gotIDs, it["id"].(string))
		}
		if !slices.Equal(sorted(gotIDs), sorted(wantWants)) {
			t.Errorf("caller %q, wants: got %v, want %v", caller, names(gotWants), wantWants)
		}
		if slices.Contains(gotIDs, sueWant.Id) != (caller == "superuser") {
			t.Errorf("caller %q, wants: the suspended person's want: %v", caller, names(gotWants))
		}
	}
}
