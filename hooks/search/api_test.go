package search_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
	"peerbase/hooks/search"
	"peerbase/internal/testapp"
)

// Lyon, and points east of it at a given distance (1° of longitude is
// about 77.7 km at this latitude).
const lyonLat, lyonLon = 45.76, 4.84

func lyonPlus(km float64) types.GeoPoint { return types.GeoPoint{Lat: lyonLat, Lon: lyonLon + km/77.7} }

var (
	template string
	ids      = map[string]string{}
	tokens   = map[string]string{}
	cats     = map[string]string{}
	offerIDs = map[string]string{}
	wantIDs  = map[string]string{}
	suToken  string
)

type offerFixture struct {
	name, owner, title, desc, kind, status, category string
	tags                                             []string
	price                                            float64
	at                                               *types.GeoPoint
	expires                                          string
}

// The fixture: ben searches; ana offers most things; dan blocked ben; ben
// blocked eve. Offers differ in one thing each.
var offerFixtures = []offerFixture{
	{name: "title", owner: "ana", title: "Vélo de course", desc: "Bon état, pneus neufs.", kind: "sell", price: 100, at: ptr(lyonPlus(1))},
	{name: "desc", owner: "ana", title: "Casque rouge", desc: "Parfait pour le velo en ville.", kind: "give", price: 0, at: ptr(lyonPlus(2))},
	{name: "drill", owner: "ana", title: "Perceuse Bosch", desc: "Avec sa mallette.", tags: []string{"drill", "bosch"}, kind: "lend", price: 5, category: "power-tools", at: ptr(lyonPlus(3))},
	{name: "electric", owner: "ana", title: "Velo electrique", desc: "Batterie neuve.", kind: "rent", price: 20, at: ptr(lyonPlus(5))},
	{name: "paris", owner: "ana", title: "Vélo pliant", desc: "À Paris.", kind: "sell", price: 60, at: &types.GeoPoint{Lat: 48.8566, Lon: 2.3522}},
	{name: "noplace", owner: "ana", title: "Vélo sans lieu", desc: "Livraison possible.", kind: "sell", price: 40},
	{name: "draft", owner: "ana", title: "Vélo brouillon", kind: "sell", status: "draft", price: 1, at: ptr(lyonPlus(1))},
	{name: "hidden", owner: "ana", title: "Vélo caché", kind: "sell", status: "hidden", price: 1, at: ptr(lyonPlus(1))},
	{name: "reserved", owner: "ana", title: "Vélo réservé", kind: "sell", status: "reserved", price: 1, at: ptr(lyonPlus(1))},
	{name: "closed", owner: "ana", title: "Vélo vendu", kind: "sell", status: "closed", price: 1, at: ptr(lyonPlus(1))},
	{name: "expired", owner: "ana", title: "Vélo périmé", kind: "sell", price: 1, at: ptr(lyonPlus(1)), expires: "2020-01-01 00:00:00.000Z"},
	{name: "dan", owner: "dan", title: "Vélo de dan", kind: "sell", price: 1, at: ptr(lyonPlus(1))},
	{name: "eve", owner: "eve", title: "Vélo de eve", kind: "sell", price: 1, at: ptr(lyonPlus(1))},
	{name: "future", owner: "ana", title: "Tente quatre places", desc: "Camping.", kind: "rent", price: 15, at: ptr(lyonPlus(4)), expires: "2099-01-01 00:00:00.000Z"},
}

func ptr[T any](v T) *T { return &v }

func offerData(f offerFixture) map[string]any {
	status := f.status
	if status == "" {
		status = schema.StatusActive
	}
	data := map[string]any{
		schema.FieldOwner: ids[f.owner], schema.OfferTitle: f.title, schema.OfferDescription: f.desc,
		schema.FieldKind: f.kind, schema.FieldStatus: status, schema.OfferPrice: f.price, schema.OfferCurrency: "EUR",
	}
	if f.tags != nil {
		data[schema.OfferTags] = f.tags
	}
	if f.category != "" {
		data[schema.FieldCategory] = cats[f.category]
	}
	if f.at != nil {
		data[schema.FieldLocation] = *f.at
	}
	if f.expires != "" {
		data[schema.OfferExpiresAt] = f.expires
	}
	return data
}

func TestMain(m *testing.M) {
	testapp.Main(m, &template, func(app core.App) error {
		if err := testapp.CreateUsers(app, ids, tokens, "ana", "ben", "dan", "eve"); err != nil {
			return err
		}
		su, err := testapp.CreateSuperuser(app, "root@test.peerbase.local")
		if err != nil {
			return err
		}
		if suToken, err = su.NewAuthToken(); err != nil {
			return err
		}
		for _, slug := range []string{"tools", "power-tools", "books"} {
			c, err := app.FindFirstRecordByData(schema.Categories, schema.CategorySlug, slug)
			if err != nil {
				return err
			}
			cats[slug] = c.Id
		}
		for _, b := range [][2]string{{"dan", "ben"}, {"ben", "eve"}} {
			if _, err := testapp.CreateRecord(app, schema.Blocks, map[string]any{
				schema.BlockBlocker: ids[b[0]], schema.BlockBlocked: ids[b[1]]}); err != nil {
				return err
			}
		}
		for _, f := range offerFixtures {
			r, err := testapp.CreateRecord(app, schema.Offers, offerData(f))
			if err != nil {
				return err
			}
			offerIDs[f.name] = r.Id
			time.Sleep(2 * time.Millisecond) // distinct created times, for newest
		}
		for _, w := range []struct {
			name, owner, query string
			kinds              []string
			public, active     bool
		}{
			{"public", "ana", "Cherche un vélo d'enfant", nil, true, true},
			{"lend", "ana", "velo cargo", []string{"lend"}, true, true},
			{"private", "ana", "velo secret", nil, false, true},
			{"inactive", "ana", "velo ancien", nil, true, false},
			{"dan", "dan", "velo de dan", nil, true, true},
		} {
			r, err := testapp.CreateRecord(app, schema.Wants, map[string]any{
				schema.FieldOwner: ids[w.owner], schema.WantQuery: w.query, schema.WantKinds: w.kinds,
				schema.WantPublic: w.public, schema.WantActive: w.active, schema.WantAlert: "off",
				schema.FieldLocation: lyonPlus(1), schema.WantRadiusKm: 10,
			})
			if err != nil {
				return err
			}
			wantIDs[w.name] = r.Id
		}
		return nil
	})
}

// server is a real app served over HTTP on loopback.
type server struct {
	app core.App
	url string
}

func newServer(t *testing.T) *server {
	t.Helper()
	app := testapp.FromTemplate(t, template)
	return &server{app: app, url: httptestServer(t, testapp.Handler(t, app))}
}

// httptestServer serves h on loopback until the test ends.
func httptestServer(t *testing.T, h http.Handler) string {
	srv := httptestNewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

type page struct {
	Items    []map[string]any `json:"items"`
	Next     string           `json:"next"`
	Estimate *int             `json:"estimate"`
}

// do sends a request as token ("" for nobody) and returns the status and
// body.
func (s *server) do(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

func (s *server) search(t *testing.T, path string, token string, query url.Values) page {
	t.Helper()
	code, raw := s.do(t, "GET", path+"?"+query.Encode(), token, "")
	if code != 200 {
		t.Fatalf("GET %s?%s: %d %s", path, query.Encode(), code, raw)
	}
	var p page
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (s *server) offers(t *testing.T, query url.Values) page {
	t.Helper()
	return s.search(t, "/api/peerbase/offers/search", tokens["ben"], query)
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// names maps a page's items back to fixture names.
func names(p page) []string {
	byID := map[string]string{}
	for n, id := range offerIDs {
		byID[id] = n
	}
	for n, id := range wantIDs {
		byID[id] = n
	}
	out := make([]string, len(p.Items))
	for i, it := range p.Items {
		out[i] = byID[it["id"].(string)]
		if out[i] == "" {
			out[i] = it["id"].(string)
		}
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestRankingAndVisibility(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	got := names(s.offers(t, vals("q", "velo")))
	// title hits first (newest first among equals), then the description hit;
	// never a draft, hidden, reserved, closed or expired offer, nor dan's
	// (he blocked ben) or eve's (ben blocked her)
	want := []string{"noplace", "paris", "electric", "title", "desc"}
	if !slices.Equal(got, want) {
		t.Fatalf("q=velo: got %v, want %v", got, want)
	}
	// the owner's own draft is not a search result either: search lists live offers
	if got := names(s.search(t, "/api/peerbase/offers/search", tokens["ana"], vals("q", "brouillon"))); len(got) != 0 {
		t.Fatalf("draft found by its owner: %v", got)
	}
	// a superuser sees dan's and eve's offers, still no draft
	got = names(s.search(t, "/api/peerbase/offers/search", suToken, vals("q", "velo")))
	if !slices.Contains(got, "dan") || !slices.Contains(got, "eve") || slices.Contains(got, "draft") {
		t.Fatalf("superuser: %v", got)
	}
	// an unexpired offer with an expiry is listed
	if got := names(s.offers(t, vals("q", "tente"))); !slices.Equal(got, []string{"future"}) {
		t.Fatalf("q=tente: %v", got)
	}
	// nobody signed in: what the records API lists to nobody (blocks are
	// between people: dan's and eve's offers are listed)
	got = names(s.search(t, "/api/peerbase/offers/search", "", vals("q", "velo")))
	if want := []string{"eve", "dan", "noplace", "paris", "electric", "title", "desc"}; !slices.Equal(got, want) {
		t.Fatalf("anonymous: got %v, want %v", got, want)
	}
}

func TestAccentsAndPrefix(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"vélo course", []string{"title"}},        // accent in the query, none needed in the offer
		{"VELO electrique", []string{"electric"}}, // none in the query, offer without accent
		{"vélo électrique", []string{"electric"}}, // accent in the query, none in the offer
		{"velo course", []string{"title"}},        // none in the query, accent in the offer
		{"velos course", []string{"title"}},       // plural: the normaliser's stem
		{"perc", []string{"drill"}},               // the last word is a prefix
		{"casque rou", []string{"desc"}},          // only the last word is a prefix...
		{"casq rouge", nil},                       // ...the others are whole words
		{"perc ", nil},                            // a space after it: a whole word
		{"bosch dri", []string{"drill"}},          // tags are searched
		{"power", []string{"drill"}},              // and category names, parents included
		{"outils", nil},
		{"tools", []string{"drill"}},
		{"velo -casque", []string{"noplace", "paris", "electric", "title"}}, // the parser's exclusion
	} {
		if got := names(s.offers(t, vals("q", tc.q))); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("q=%q: got %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestFilters(t *testing.T) {
	t.Parallel()
	checkFilters(t, newServer(t))
}

// TestDensePaths runs the filters and sorts with every box taken as dense:
// the queries walk the records or the words' matches, not the R*Tree.
func TestDensePaths(t *testing.T) {
	defer search.SetDenseBox(1)()
	s := newServer(t)
	checkFilters(t, s)
	checkSorts(t, s)
}

func checkFilters(t *testing.T, s *server) {
	near := fmt.Sprintf("%f,%f", lyonLat, lyonLon)
	for _, tc := range []struct {
		query url.Values
		want  []string
	}{
		{vals("q", "velo", "kind", "give"), []string{"desc"}},
		{vals("q", "velo", "kind", "give,rent"), []string{"electric", "desc"}},
		{vals("category", cats["tools"]), []string{"drill"}}, // subcategories included
		{vals("category", "power-tools"), []string{"drill"}}, // by slug
		{vals("category", cats["books"]), nil},
		{vals("q", "velo", "min_price", "50"), []string{"paris", "title"}},
		{vals("q", "velo", "max_price", "40"), []string{"noplace", "electric", "desc"}},
		{vals("q", "velo", "min_price", "20", "max_price", "60"), []string{"noplace", "paris", "electric"}},
		{vals("q", "velo", "near", near, "radius", "1.5"), []string{"title"}},
		{vals("q", "velo", "near", near, "radius", "10"), []string{"electric", "title", "desc"}},
		{vals("near", near, "radius", "3.5"), []string{"title", "desc", "drill"}}, // sorted by distance by default
		{vals("q", "velo", "near", "48.85,2.35", "radius", "10"), []string{"paris"}},
		{vals("q", "velo", "near", near), []string{"paris", "electric", "title", "desc"}}, // no radius: anywhere, placed ones only
	} {
		if got := names(s.offers(t, tc.query)); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: got %v, want %v", tc.query.Encode(), got, tc.want)
		}
	}
}

func TestSorts(t *testing.T) {
	t.Parallel()
	checkSorts(t, newServer(t))
}

func checkSorts(t *testing.T, s *server) {
	near := fmt.Sprintf("%f,%f", lyonLat, lyonLon)
	for _, tc := range []struct {
		query url.Values
		want  []string
	}{
		{vals("q", "velo", "sort", "relevance"), []string{"noplace", "paris", "electric", "title", "desc"}},
		{vals("q", "velo", "sort", "newest"), []string{"noplace", "paris", "electric", "desc", "title"}},
		{vals("q", "velo", "sort", "price"), []string{"desc", "electric", "noplace", "paris", "title"}},
		{vals("q", "velo", "sort", "distance", "near", near), []string{"title", "desc", "electric", "paris"}},
		{vals("near", near, "sort", "newest", "radius", "4.5"), []string{"future", "drill", "desc", "title"}},
		{vals("near", near, "sort", "price", "radius", "4.5"), []string{"desc", "drill", "future", "title"}},
	} {
		p := s.offers(t, tc.query)
		if got := names(p); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.query.Encode(), got, tc.want)
		}
		if tc.query.Get("near") != "" {
			last := -1.0
			for _, it := range p.Items {
				d, ok := it["distance_km"].(float64)
				if !ok {
					t.Fatalf("%s: no distance_km in %v", tc.query.Encode(), it)
				}
				if tc.query.Get("sort") == "distance" && d < last {
					t.Errorf("%s: distances not ascending: %v", tc.query.Encode(), names(p))
				}
				last = d
			}
		}
	}
	// the distance is right: "title" is 1 km east of the point
	p := s.offers(t, vals("near", near, "radius", "1.5"))
	if d := p.Items[0]["distance_km"].(float64); d < 0.99 || d > 1.01 {
		t.Errorf("distance_km = %v, want about 1", d)
	}
}

func TestRecordShape(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	p := s.offers(t, vals("q", "perceuse", "expand", "owner,category"))
	if len(p.Items) != 1 {
		t.Fatalf("items: %v", p.Items)
	}
	it := p.Items[0]
	for _, k := range []string{"id", "collectionId", "collectionName", "title", "owner", "category", "created", "updated", "distance_km", "highlight"} {
		if _, ok := it[k]; !ok {
			t.Errorf("no %q in %v", k, it)
		}
	}
	if it["collectionName"] != schema.Offers || it["highlight"] != "<mark>Perceuse</mark> Bosch" {
		t.Errorf("shape: %v", it)
	}
	expand, _ := it["expand"].(map[string]any)
	owner, _ := expand["owner"].(map[string]any)
	cat, _ := expand["category"].(map[string]any)
	if owner["id"] != ids["ana"] || cat["id"] != cats["power-tools"] {
		t.Errorf("expand: %v", expand)
	}
	if _, ok := owner["location"]; ok {
		t.Errorf("expand leaks the owner's private location: %v", owner)
	}
	// the highlight of a description hit is cut from the description, escaped
	p = s.offers(t, vals("q", "ville"))
	if len(p.Items) != 1 || p.Items[0]["highlight"] != "Parfait pour le velo en <mark>ville</mark>." {
		t.Errorf("highlight: %v", p.Items)
	}
	// an estimate on request only
	if p := s.offers(t, vals("q", "velo")); p.Estimate != nil {
		t.Errorf("estimate without asking")
	}
	if p := s.offers(t, vals("q", "velo", "estimate", "1", "limit", "2")); p.Estimate == nil || *p.Estimate != 5 {
		t.Errorf("estimate: %v", p.Estimate)
	}
}

func TestMalformedParams(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for _, tc := range []struct{ query, field string }{
		{"near=45.7", "near"},
		{"near=abc,4", "near"},
		{"near=91,4", "near"},
		{"near=45,181", "near"},
		{"near=NaN,4", "near"},
		{"near=45,Inf", "near"},
		{"radius=5", "radius"},
		{"near=45,4&radius=-1", "radius"},
		{"near=45,4&radius=0", "radius"},
		{"near=45,4&radius=x", "radius"},
		{"near=45,4&radius=1e9", "radius"},
		{"kind=sofa", "kind"},
		{"kind=sell,", "kind"},
		{"category=nope", "category"},
		{"min_price=-1", "min_price"},
		{"max_price=cheap", "max_price"},
		{"min_price=10&max_price=5", "max_price"},
		{"sort=cheapest", "sort"},
		{"sort=distance", "sort"},
		{"after=zzz", "after"},
		{"after=eyJzIjoxfQ", "after"},
		{"limit=0", "limit"},
		{"limit=101", "limit"},
		{"limit=ten", "limit"},
		{"estimate=maybe", "estimate"},
		{"q=" + strings.Repeat("a", 201), "q"},
		{"q=a&q=b", "q"},
	} {
		code, raw := s.do(t, "GET", "/api/peerbase/offers/search?"+tc.query, tokens["ben"], "")
		var body struct {
			Data map[string]any `json:"data"`
		}
		_ = json.Unmarshal(raw, &body)
		if code != 400 || body.Data[tc.field] == nil || len(body.Data) != 1 {
			t.Errorf("%s: %d %s, want a 400 naming %s", tc.query, code, raw, tc.field)
		}
	}
	// a cursor of another search is refused
	p := s.offers(t, vals("q", "velo", "limit", "1"))
	code, _ := s.do(t, "GET", "/api/peerbase/offers/search?q=casque&limit=1&after="+p.Next, tokens["ben"], "")
	if code != 400 {
		t.Errorf("a cursor of another search: %d", code)
	}
}

func TestInjection(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	for _, q := range []string{
		`"`, `""`, `velo"`, `"velo`, `velo*`, `*`, `velo**`, `NEAR(velo casque)`, `NEAR(velo casque, 1)`,
		`velo AND casque`, `velo OR casque`, `velo NOT casque`, `-`, `--`, `- -velo`, `title:velo`, `{title}: velo`,
		`^velo`, `velo + casque`, `(velo`, `velo)`, `'; DROP TABLE offers; --`, `' OR 1=1 --`, `" OR "1"="1`,
		`\`, `%`, `_`, `{:q}`, `[[offers.id]]`, "velo\x00casque", `rowid:1`, `velo"*"`, `ü*`, `日本語`,
	} {
		code, raw := s.do(t, "GET", "/api/peerbase/offers/search?q="+url.QueryEscape(q), tokens["ben"], "")
		if code != 200 {
			t.Errorf("q=%q: %d %s", q, code, raw)
		}
	}
	// FTS5 operators are words: "velo OR casque" needs both words (OR is a
	// word, and a stop word), so it finds the helmet only
	if got := names(s.offers(t, vals("q", "velo OR casque"))); !slices.Equal(got, []string{"desc"}) {
		t.Errorf("velo OR casque: %v", got)
	}
	if got := names(s.offers(t, vals("q", `velo" OR "casque`))); !slices.Equal(got, []string{"desc"}) {
		t.Errorf(`velo" OR "casque: %v`, got)
	}
	if got := names(s.offers(t, vals("q", `NEAR(velo casque)`))); len(got) != 0 {
		t.Errorf("NEAR(...) is a word: %v", got)
	}
	// the offers are all still there
	if n, err := s.app.CountRecords(schema.Offers); err != nil || int(n) != len(offerFixtures) {
		t.Fatalf("offers after the attempts: %d %v", n, err)
	}
}

var httptestNewServer = httptest.NewServer
