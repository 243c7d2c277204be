package matching_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// rankingFixture adds offers around ben's "drill" want (tools, 10 km of
// Lyon), and two wants with offers that differ only in price or age.
func rankingFixture(t testing.TB, app core.App) (ladderWant, tentWant string) {
	t.Helper()
	offer := func(owner, title, desc, status, category string, km, price float64) *core.Record {
		data := map[string]any{
			schema.FieldOwner: ids[owner], schema.OfferTitle: title, schema.OfferDescription: desc,
			schema.FieldKind: schema.KindLend, schema.FieldStatus: status, schema.FieldCategory: cats[category],
			schema.OfferPrice: price, schema.OfferCurrency: "EUR", schema.FieldLocation: lyonPlus(km),
		}
		r, err := testapp.CreateRecord(app, schema.Offers, data)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// frank blocks ben: frank's offers are not ben's to see as matches
	if _, err := testapp.CreateRecord(app, schema.Blocks, map[string]any{
		schema.BlockBlocker: ids["frank"], schema.BlockBlocked: ids["ben"]}); err != nil {
		t.Fatal(err)
	}
	offer("ana", "Toolbox", "Hammers, saws and a small drill", schema.StatusActive, "tools", 8, 10)
	offer("ana", "Bosch drill", "", schema.StatusActive, "power-tools", 2, 10)
	offer("ana", "Drill in a drawer", "", schema.StatusDraft, "power-tools", 1, 10)
	offer("ben", "My own drill", "", schema.StatusActive, "power-tools", 1, 10)
	offer("frank", "Frank's drill", "", schema.StatusActive, "power-tools", 1, 10)
	offer("chloe", "Drill far away", "", schema.StatusActive, "power-tools", 30, 10)
	offer("chloe", "Garden drill", "", schema.StatusActive, "camping", 1, 10)

	want := func(owner, query string) string {
		r, err := testapp.CreateRecord(app, schema.Wants, map[string]any{
			schema.FieldOwner: ids[owner], schema.WantQuery: query, schema.WantActive: true})
		if err != nil {
			t.Fatal(err)
		}
		return r.Id
	}
	offer("ana", "Ladder, 3 m (dear)", "", schema.StatusActive, "tools", 1, 30)
	offer("ana", "Ladder, 3 m (cheap)", "", schema.StatusActive, "tools", 1, 10)
	waitDrained(t, app)
	ladderWant, tentWant = want("chloe", "ladder"), want("jules", "tent")
	stale := offer("ana", "Tent for 4 (stale)", "", schema.StatusActive, "camping", 1, 10)
	offer("ana", "Tent for 4 (fresh)", "", schema.StatusActive, "camping", 1, 10)
	old := types.NowDateTime().Add(-60 * 24 * time.Hour).String()
	if _, err := app.DB().Update(schema.Offers, dbx.Params{schema.FieldCreated: old}, dbx.HashExp{"id": stale.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	waitDrained(t, app)
	return ladderWant, tentWant
}

type page struct {
	Items []struct {
		ID          string  `json:"id"`
		Title       string  `json:"title"`
		Status      string  `json:"status"`
		Score       float64 `json:"score"`
		Explanation string  `json:"explanation"`
	} `json:"items"`
	Next string `json:"next"`
}

func readPage(t testing.TB, res *http.Response) page {
	t.Helper()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var p page
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return p
}

func titles(p page) []string {
	var out []string
	for _, it := range p.Items {
		out = append(out, it.Title)
	}
	return out
}

func TestWantOffersRoute(t *testing.T) {
	t.Parallel()
	var ladder, tent string
	base := "/api/peerbase/wants/"
	scenarios := []tests.ApiScenario{
		{
			// the exact title hit 1 km away above the description hit 8 km
			// away; not: the draft, ben's own, frank's (blocked), 30 km
			// away, another category
			Name: "the owner gets the matching offers, best first", Method: http.MethodGet,
			URL: base + wantIDs["ben-drill"] + "/offers", Headers: map[string]string{"Authorization": tokens["ben"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"collectionName":"offers"`, `"next":""`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				p := readPage(t, res)
				if got := titles(p); !slices.Equal(got, []string{"Bosch drill", "Toolbox"}) {
					t.Fatalf("offers %v", got)
				}
				if p.Items[0].Score <= p.Items[1].Score || p.Items[0].Explanation != "2 km away, words: drill" ||
					p.Items[1].Explanation != "8 km away, words: drill" || p.Items[0].Status != "active" {
					t.Errorf("items: %+v", p.Items)
				}
			},
		},
		{
			Name: "a cheaper equal offer ranks above a dearer one", Method: http.MethodGet,
			Headers:        map[string]string{"Authorization": tokens["chloe"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"items":[`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if got := titles(readPage(t, res)); !slices.Equal(got, []string{"Ladder, 3 m (cheap)", "Ladder, 3 m (dear)"}) {
					t.Fatalf("offers %v", got)
				}
			},
		},
		{
			Name: "a fresh offer ranks above a stale one", Method: http.MethodGet,
			Headers:        map[string]string{"Authorization": tokens["jules"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"items":[`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if got := titles(readPage(t, res)); !slices.Equal(got, []string{"Tent for 4 (fresh)", "Tent for 4 (stale)"}) {
					t.Fatalf("offers %v", got)
				}
			},
		},
		{
			Name: "pages of one: the first", Method: http.MethodGet,
			URL: base + wantIDs["ben-drill"] + "/offers?limit=1", Headers: map[string]string{"Authorization": tokens["ben"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"title":"Bosch drill"`},
			NotExpectedContent: []string{`"next":""`, `"title":"Toolbox"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if readPage(t, res).Next == "" {
					t.Fatal("no next cursor after the first of two items")
				}
			},
		},
		{
			Name: "pages of one: the second", Method: http.MethodGet,
			Headers:        map[string]string{"Authorization": tokens["ben"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"title":"Toolbox"`, `"next":""`},
			NotExpectedContent: []string{`"title":"Bosch drill"`},
		},
		{
			Name: "someone else's want is not found", Method: http.MethodGet,
			URL: base + wantIDs["ben-drill"] + "/offers", Headers: map[string]string{"Authorization": tokens["chloe"]},
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "anonymous callers must sign in", Method: http.MethodGet,
			URL: base + wantIDs["ben-drill"] + "/offers", ExpectedStatus: 401, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "an unknown want is not found", Method: http.MethodGet,
			URL: base + "nosuchwant00000/offers", Headers: map[string]string{"Authorization": tokens["ben"]},
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "a bad page size", Method: http.MethodGet,
			URL: base + wantIDs["ben-drill"] + "/offers?limit=1000", Headers: map[string]string{"Authorization": tokens["ben"]},
			ExpectedStatus: 400, ExpectedContent: []string{`"limit":{"code":"validation_invalid_limit"`},
		},
		{
			Name: "a bad cursor", Method: http.MethodGet,
			URL: base + wantIDs["ben-drill"] + "/offers?after=bm9waXBl", Headers: map[string]string{"Authorization": tokens["ben"]},
			ExpectedStatus: 400, ExpectedContent: []string{`"after":{"code":"validation_invalid_cursor"`},
		},
		{
			// a want's offers that existed before it: listed, never alerted
			Name: "a new want is answered by the route, not by match records", Method: http.MethodGet,
			Headers:        map[string]string{"Authorization": tokens["chloe"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"title":"Ladder, 3 m (cheap)"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if n, _ := app.CountRecords(schema.Matches, dbx.HashExp{schema.MatchWant: ladder}); n != 0 {
					t.Errorf("%d match records for a want created after its offers", n)
				}
			},
		},
	}
	for i, s := range scenarios {
		s.TestAppFactory = factory
		url := &s.URL
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			ladder, tent = rankingFixture(t, app)
			switch i {
			case 1, 10:
				*url = base + ladder + "/offers"
			case 2:
				*url = base + tent + "/offers"
			case 4:
				// the first page, from this app: a cursor names its offers
				mux, err := e.Router.BuildMux()
				if err != nil {
					t.Fatal(err)
				}
				req := httptest.NewRequest(http.MethodGet, base+wantIDs["ben-drill"]+"/offers?limit=1", nil)
				req.Header.Set("Authorization", tokens["ben"])
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				first := readPage(t, rec.Result())
				if len(first.Items) != 1 || first.Items[0].Title != "Bosch drill" || first.Next == "" {
					t.Fatalf("first page: %+v", first)
				}
				*url = base + wantIDs["ben-drill"] + "/offers?limit=1&after=" + first.Next
			}
		}
		s.Test(t)
	}
}
