package search_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
	"peerbase/hooks/search"
	"peerbase/internal/testapp"
)

func body(v map[string]any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func (s *server) createOffer(t *testing.T, token string, data map[string]any) string {
	t.Helper()
	code, raw := s.do(t, "POST", "/api/collections/offers/records", token, body(data))
	if code != 200 {
		t.Fatalf("create offer: %d %s", code, raw)
	}
	var rec struct{ ID string }
	_ = json.Unmarshal(raw, &rec)
	return rec.ID
}

// TestKeptInSync: every write path of offers, wants and category names
// moves the index in the same transaction.
func TestKeptInSync(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	// created through the API: found at once
	id := s.createOffer(t, tokens["ana"], map[string]any{
		schema.FieldOwner: ids["ana"], schema.OfferTitle: "Trottinette électrique", schema.FieldKind: "sell",
		schema.FieldStatus: "active", schema.OfferPrice: 80, schema.FieldLocation: lyonPlus(1)})
	if got := names(s.offers(t, vals("q", "trottinette"))); !slices.Equal(got, []string{id}) {
		t.Fatalf("created: %v", got)
	}
	// renamed through the API: the new words only
	if code, raw := s.do(t, "PATCH", "/api/collections/offers/records/"+id, tokens["ana"], `{"title":"Patinette"}`); code != 200 {
		t.Fatalf("update: %d %s", code, raw)
	}
	if got := names(s.offers(t, vals("q", "trottinette"))); len(got) != 0 {
		t.Fatalf("old words still found: %v", got)
	}
	if got := names(s.offers(t, vals("q", "patinette"))); !slices.Equal(got, []string{id}) {
		t.Fatalf("new words not found: %v", got)
	}
	// moved: the place follows
	if code, raw := s.do(t, "PATCH", "/api/collections/offers/records/"+id, tokens["ana"],
		`{"location":{"lat":48.8566,"lon":2.3522}}`); code != 200 {
		t.Fatalf("move: %d %s", code, raw)
	}
	if got := names(s.offers(t, vals("q", "patinette", "near", "48.85,2.35", "radius", "5"))); !slices.Equal(got, []string{id}) {
		t.Fatalf("moved offer not found at its new place: %v", got)
	}
	// closed by its owner: gone; active again: back
	for _, tc := range []struct {
		status string
		found  bool
	}{{"closed", false}, {"active", true}, {"draft", false}} {
		if code, raw := s.do(t, "PATCH", "/api/collections/offers/records/"+id, tokens["ana"], `{"status":"`+tc.status+`"}`); code != 200 {
			t.Fatalf("status %s: %d %s", tc.status, code, raw)
		}
		if got := names(s.offers(t, vals("q", "patinette"))); (len(got) == 1) != tc.found {
			t.Fatalf("status %s: %v", tc.status, got)
		}
	}
	// hidden by a superuser through the model path (moderation): gone
	r, err := s.app.FindRecordById(schema.Offers, offerIDs["title"])
	if err != nil {
		t.Fatal(err)
	}
	r.Set(schema.FieldStatus, schema.StatusHidden)
	if err := s.app.Save(r); err != nil {
		t.Fatal(err)
	}
	if got := names(s.offers(t, vals("q", "course"))); len(got) != 0 {
		t.Fatalf("hidden offer found: %v", got)
	}
	// deleted: gone, and no document left behind
	if code, raw := s.do(t, "DELETE", "/api/collections/offers/records/"+offerIDs["electric"], tokens["ana"], ""); code != 204 {
		t.Fatalf("delete: %d %s", code, raw)
	}
	if got := names(s.offers(t, vals("q", "electrique"))); len(got) != 0 {
		t.Fatalf("deleted offer found: %v", got)
	}
	// a category renamed by an admin: its offers answer to the new name,
	// its subcategories' offers too
	tools, err := s.app.FindRecordById(schema.Categories, cats["tools"])
	if err != nil {
		t.Fatal(err)
	}
	tools.Set(schema.CategoryName, "Bricolage")
	if err := s.app.Save(tools); err != nil {
		t.Fatal(err)
	}
	if got := names(s.offers(t, vals("q", "bricolage"))); !slices.Equal(got, []string{"drill"}) {
		t.Fatalf("renamed category: %v", got)
	}
	// nothing is stale after all that: the start-up check would not rebuild
	if why, err := search.Stale(s.app); err != nil || why != "" {
		t.Fatalf("stale after writes through the hooks: %q %v", why, err)
	}
	// a failed write leaves the index as it was
	if code, _ := s.do(t, "PATCH", "/api/collections/offers/records/"+offerIDs["drill"], tokens["ana"], `{"title":"x"}`); code != 400 {
		t.Fatalf("invalid update: %d", code)
	}
	if got := names(s.offers(t, vals("q", "perceuse"))); !slices.Equal(got, []string{"drill"}) {
		t.Fatalf("after a failed update: %v", got)
	}
	// deleting the owner's account takes their offers out of the index
	ana, _ := s.app.FindRecordById(schema.Users, ids["ana"])
	if err := s.app.Delete(ana); err != nil {
		t.Fatal(err)
	}
	if got := names(s.offers(t, vals("q", "perceuse"))); len(got) != 0 {
		t.Fatalf("a deleted person's offer found: %v", got)
	}
	if why, err := search.Stale(s.app); err != nil || why != "" {
		t.Fatalf("stale after an account deletion: %q %v", why, err)
	}
}

// TestReindex: records written behind the hooks' back (a restored backup, a
// script) make the index stale; a rebuild finds them, and the server start
// rebuilds by itself.
func TestReindex(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	now := types.NowDateTime().String()
	_, err := app.DB().Insert(schema.Offers, dbx.Params{
		"id": "behindtheback01", schema.FieldOwner: ids["ben"], schema.OfferTitle: "Kayak gonflable", schema.FieldKind: "sell",
		schema.FieldStatus: "active", schema.OfferPrice: 50, schema.FieldLocation: `{"lat":45.76,"lon":4.85}`,
		schema.OfferTags: "[]", schema.OfferPhotoMeta: "{}", "created": now, "updated": now,
	}).Execute()
	if err != nil {
		t.Fatal(err)
	}
	why, err := search.Stale(app)
	if err != nil || why == "" {
		t.Fatalf("not stale after a write behind the hooks: %q %v", why, err)
	}
	// serving checks and rebuilds
	s := &server{app: app}
	srvApp := newServerFor(t, app)
	s.url = srvApp
	if got := names(s.search(t, "/api/peerbase/offers/search", tokens["ana"], vals("q", "kayak"))); !slices.Equal(got, []string{"behindtheback01"}) {
		t.Fatalf("after the start-up rebuild: %v", got)
	}
	if why, err := search.Stale(app); err != nil || why != "" {
		t.Fatalf("stale after the rebuild: %q %v", why, err)
	}
	// a dropped table is recreated and refilled
	if _, err := app.DB().NewQuery("DROP TABLE " + schema.SearchOffersFTS).Execute(); err != nil {
		t.Fatal(err)
	}
	if why, _ := search.Stale(app); why == "" {
		t.Fatal("a missing table is not stale")
	}
	n, err := search.Rebuild(app, nil)
	if err != nil || n != 8 { // 7 live offers of the fixture + the kayak; public active wants: 3
		// (counted below)
		if err != nil {
			t.Fatal(err)
		}
	}
	live, _ := app.CountRecords(schema.Offers, dbx.HashExp{schema.FieldStatus: "active"})
	wants, _ := app.CountRecords(schema.Wants, dbx.HashExp{schema.WantPublic: true, schema.WantActive: true})
	if n != int(live+wants) {
		t.Fatalf("rebuilt %d records, want %d", n, live+wants)
	}
	if got := names(s.search(t, "/api/peerbase/offers/search", tokens["ana"], vals("q", "kayak"))); !slices.Equal(got, []string{"behindtheback01"}) {
		t.Fatalf("after reindex: %v", got)
	}
}

// TestPaginationWithInserts: pages by every sort neither repeat nor skip
// while offers are added between them, including ones that would rank
// first.
func TestPaginationWithInserts(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	noRateLimits(t, s.app)
	for i := range 23 {
		s.createOffer(t, tokens["ana"], map[string]any{
			schema.FieldOwner: ids["ana"], schema.OfferTitle: fmt.Sprintf("Lot numero %d", i), schema.FieldKind: "sell",
			schema.OfferDescription: "lot", schema.FieldStatus: "active", schema.OfferPrice: i % 5,
			schema.FieldLocation: lyonPlus(float64(i%7) + 0.5)})
	}
	near := fmt.Sprintf("%f,%f", lyonLat, lyonLon)
	for _, sort := range []string{"relevance", "distance", "newest", "price"} {
		query := vals("q", "lot", "sort", sort, "near", near, "limit", "4")
		first := s.offers(t, vals("q", "lot", "sort", sort, "near", near, "limit", "100"))
		want := sorted(names(first))
		if len(want) < 23 {
			t.Fatalf("sort=%s: %d items", sort, len(want))
		}
		var got []string
		p := s.offers(t, query)
		var mu sync.Mutex
		for round := 0; ; round++ {
			got = append(got, names(p)...)
			if p.Next == "" {
				break
			}
			// offers that would come first by every order: a title and
			// description hit, at the point itself, free, new; added
			// concurrently with the next page's request
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				mu.Lock()
				defer mu.Unlock()
				s.createOffer(t, tokens["ana"], map[string]any{
					schema.FieldOwner: ids["ana"], schema.OfferTitle: fmt.Sprintf("Lot lot %s %d", sort, round), schema.FieldKind: "sell",
					schema.OfferDescription: "lot", schema.FieldStatus: "active", schema.OfferPrice: 0,
					schema.FieldLocation: types.GeoPoint{Lat: lyonLat, Lon: lyonLon}})
			}()
			query.Set("after", p.Next)
			p = s.offers(t, query)
			wg.Wait()
		}
		if !slices.Equal(sorted(got), want) {
			t.Errorf("sort=%s: paged %d items %v, the first page saw %d %v", sort, len(got), got, len(want), want)
		}
		seen := map[string]bool{}
		for _, id := range got {
			if seen[id] {
				t.Errorf("sort=%s: %s repeated", sort, id)
			}
			seen[id] = true
		}
		// the pages are in the order of one full page
		if !slices.Equal(got, names(first)) {
			t.Errorf("sort=%s: pages %v, one page %v", sort, got, names(first))
		}
	}
}

func TestWantsSearch(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	w := func(q url.Values) []string {
		return names(s.search(t, "/api/peerbase/wants/search", tokens["ben"], q))
	}
	// public and active only; not from dan, who blocked ben
	if got := w(vals("q", "velo")); !slices.Equal(got, []string{"lend", "public"}) {
		t.Fatalf("q=velo: %v", got)
	}
	if got := w(vals("q", "enfant")); !slices.Equal(got, []string{"public"}) {
		t.Fatalf("q=enfant: %v", got)
	}
	// kind: a want without kinds takes any
	if got := w(vals("q", "velo", "kind", "sell")); !slices.Equal(got, []string{"public"}) {
		t.Fatalf("kind=sell: %v", got)
	}
	if got := w(vals("q", "velo", "kind", "lend")); !slices.Equal(got, []string{"lend", "public"}) {
		t.Fatalf("kind=lend: %v", got)
	}
	near := fmt.Sprintf("%f,%f", lyonLat, lyonLon)
	if got := w(vals("near", near, "radius", "5", "sort", "newest")); !slices.Equal(got, []string{"lend", "public"}) {
		t.Fatalf("near: %v", got)
	}
	if got := w(vals("near", "48.85,2.35", "radius", "5")); len(got) != 0 {
		t.Fatalf("near Paris: %v", got)
	}
	// turned private: gone
	r, _ := s.app.FindRecordById(schema.Wants, wantIDs["public"])
	r.Set(schema.WantPublic, false)
	if err := s.app.Save(r); err != nil {
		t.Fatal(err)
	}
	if got := w(vals("q", "enfant")); len(got) != 0 {
		t.Fatalf("private want found: %v", got)
	}
	// the owner's own private want is not a wanted post either
	if got := names(s.search(t, "/api/peerbase/wants/search", tokens["ana"], vals("q", "secret"))); len(got) != 0 {
		t.Fatalf("private want found by its owner: %v", got)
	}
}

// TestAntimeridianAndPoles: a circle across the date line or around a pole
// finds what is inside it and nothing else.
func TestAntimeridianAndPoles(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	noRateLimits(t, s.app)
	place := map[string]types.GeoPoint{
		"fiji-east": {Lat: -17, Lon: 179.95}, "fiji-west": {Lat: -17, Lon: -179.95}, "fiji-far": {Lat: -17, Lon: 178},
		"pole-a": {Lat: 89.9, Lon: 10}, "pole-b": {Lat: 89.9, Lon: -170}, "pole-far": {Lat: 85, Lon: 0},
	}
	idOf := map[string]string{}
	for name, at := range place {
		idOf[s.createOffer(t, tokens["ana"], map[string]any{
			schema.FieldOwner: ids["ana"], schema.OfferTitle: "Globe " + name, schema.FieldKind: "give",
			schema.FieldStatus: "active", schema.FieldLocation: at})] = name
	}
	find := func(q url.Values) []string {
		var out []string
		for _, it := range s.offers(t, q).Items {
			out = append(out, idOf[it["id"].(string)])
		}
		return out
	}
	if got := find(vals("q", "globe", "near", "-17,180", "radius", "20", "sort", "distance")); !slices.Equal(sorted(got), []string{"fiji-east", "fiji-west"}) {
		t.Errorf("across the date line: %v", got)
	}
	if got := find(vals("q", "globe", "near", "-17,-179.99", "radius", "20")); !slices.Equal(sorted(got), []string{"fiji-east", "fiji-west"}) {
		t.Errorf("across the date line, from the west: %v", got)
	}
	// the two pole offers are 22 km apart, on opposite meridians
	if got := find(vals("q", "globe", "near", "89.95,100", "radius", "30")); !slices.Equal(sorted(got), []string{"pole-a", "pole-b"}) {
		t.Errorf("around the pole: %v", got)
	}
	if got := find(vals("near", "90,0", "radius", "600", "sort", "distance")); !slices.Equal(got, []string{"pole-a", "pole-b", "pole-far"}) &&
		!slices.Equal(got, []string{"pole-b", "pole-a", "pole-far"}) {
		t.Errorf("from the pole itself: %v", got)
	}
}

// newServerFor serves an existing app (its start-up hooks run now).
func newServerFor(t *testing.T, app core.App) string {
	t.Helper()
	srv := httptestServer(t, testapp.Handler(t, app))
	return srv
}

// noRateLimits turns the shipped rate limiter off, for tests that create
// many offers through the API.
func noRateLimits(t *testing.T, app core.App) {
	t.Helper()
	settings := app.Settings()
	settings.RateLimits.Enabled = false
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
}
