package matching_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks"
	"peerbase/hooks/matching"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// appWithRankBatch is a test app from the template whose ranking route
// reads batch candidate offers at a time.
func appWithRankBatch(t *testing.T, batch int) *tests.TestApp {
	t.Helper()
	app, err := tests.NewTestApp(template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	cfg := hooks.DefaultConfig()
	cfg.Matching.RankBatch = batch
	if err := hooks.Register(app, cfg); err != nil {
		t.Fatal(err)
	}
	return app
}

// insertOffer writes an active offer of ana's with SQL, bypassing the hooks:
// the hooks would match every one of thousands of offers against the
// fixture's wants, and only the ranking route is under test here.
func insertOffer(t *testing.T, app core.App, title, desc, category string, km float64, created time.Time) string {
	t.Helper()
	id := core.GenerateDefaultRandomId()
	at := lyonPlus(km)
	stamp, err := types.ParseDateTime(created)
	if err != nil {
		t.Fatal(err)
	}
	_, err = app.DB().Insert(schema.Offers, dbx.Params{
		"id": id, schema.OfferTitle: title, schema.OfferDescription: desc, schema.FieldOwner: ids["ana"],
		schema.FieldKind: schema.KindLend, schema.FieldStatus: schema.StatusActive, schema.FieldCategory: cats[category],
		schema.OfferPrice: 10, schema.OfferCurrency: "EUR",
		schema.FieldLocation: fmt.Sprintf(`{"lon":%v,"lat":%v}`, at.Lon, at.Lat),
		schema.FieldCreated:  stamp.String(), schema.FieldUpdated: stamp.String(),
	}).Execute()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// rankingWants are four wants of "drill" that the route reads three ways:
// ben's (tools, 10 km around Lyon) and gina's (20 km, any category) by
// latitude band, hugo's (tools, anywhere) by category (tools and the
// categories below it), chloe's (no place, no category) through every
// active offer.
func rankingWants(t *testing.T, app core.App) map[string]string {
	t.Helper()
	gina, err := testapp.CreateRecord(app, schema.Wants, map[string]any{
		schema.FieldOwner: ids["gina"], schema.WantQuery: "drill", schema.WantActive: true,
		schema.FieldLocation: lyonPlus(0), schema.WantRadiusKm: 20})
	if err != nil {
		t.Fatal(err)
	}
	hugo, err := testapp.CreateRecord(app, schema.Wants, map[string]any{
		schema.FieldOwner: ids["hugo"], schema.WantQuery: "drill", schema.WantActive: true,
		schema.FieldCategory: cats["tools"]})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"ben": wantIDs["ben-drill"], "gina": gina.Id, "hugo": hugo.Id, "chloe": wantIDs["chloe-lend"]}
}

func getOffers(t *testing.T, mux http.Handler, who, url string) page {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", tokens[who])
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", url, rec.Code, rec.Body)
	}
	return readPage(t, rec.Result())
}

// The route ranks every candidate, not only the newest: the best offer is
// fourteen days old and 5,001 worse but newer ones (more than the 5,000
// the route once read) were saved after it.
func TestWantOffersRanksOldBestOffer(t *testing.T) {
	t.Parallel()
	app := appWithRankBatch(t, matching.DefaultConfig().RankBatch)
	wants := rankingWants(t, app)
	now := time.Now().UTC()
	insertOffer(t, app, "Bosch drill", "", "tools", 1, now.Add(-14*24*time.Hour))
	err := app.RunInTransaction(func(tx core.App) error {
		for i := range 5001 {
			insertOffer(t, tx, fmt.Sprintf("Toolbox %d", i), "comes with a drill", "power-tools", 8,
				now.Add(-time.Duration(5001-i)*time.Second))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := testapp.Handler(t, app)
	for who, want := range wants {
		p := getOffers(t, mux, who, "/api/peerbase/wants/"+want+"/offers?limit=2")
		if got := titles(p); len(got) != 2 || got[0] != "Bosch drill" || p.Next == "" {
			t.Errorf("%s's first page: %v (next %q)", who, got, p.Next)
		}
	}
}

// Read a few candidates at a time, the route still ranks them all, and its
// cursor pages walk exactly the offers that the matching rule accepts, in
// one order, none twice.
func TestWantOffersPagesEveryCandidate(t *testing.T) {
	t.Parallel()
	app := appWithRankBatch(t, 3)
	wants := rankingWants(t, app)
	now := time.Now().UTC()
	insertOffer(t, app, "Bosch drill", "", "tools", 1, now.Add(-14*24*time.Hour))
	for i := range 40 {
		category := []string{"tools", "power-tools", "camping"}[i%3]
		km := []float64{2, 8, 15, 30}[i%4]
		// a few share a creation time: the keyset's id breaks the tie
		insertOffer(t, app, fmt.Sprintf("Offer %02d", i), "a drill inside", category, km,
			now.Add(-time.Duration(40-i/4)*time.Minute))
	}
	insertOffer(t, app, "Kettle", "no tool at all", "tools", 1, now)
	mux := testapp.Handler(t, app)

	parents := map[string]string{}
	catRecs, err := app.FindAllRecords(schema.Categories)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range catRecs {
		if p := c.GetString(schema.CategoryParent); p != "" {
			parents[c.Id] = p
		}
	}
	offers, err := app.FindAllRecords(schema.Offers, dbx.HashExp{schema.FieldStatus: schema.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	for who, id := range wants {
		rec, err := app.FindRecordById(schema.Wants, id)
		if err != nil {
			t.Fatal(err)
		}
		w := matching.WantFromRecord(rec)
		var expected []string
		for _, o := range offers {
			if w.Accepts(matching.OfferFromRecord(o), parents) {
				expected = append(expected, o.Id)
			}
		}
		if len(expected) < 10 {
			t.Fatalf("%s: only %d offers match, the test needs more", who, len(expected))
		}
		all := getOffers(t, mux, who, "/api/peerbase/wants/"+id+"/offers?limit=100")
		var walked []string
		url := "/api/peerbase/wants/" + id + "/offers?limit=4"
		for range 100 {
			p := getOffers(t, mux, who, url)
			for _, it := range p.Items {
				walked = append(walked, it.ID)
			}
			if p.Next == "" {
				break
			}
			url = "/api/peerbase/wants/" + id + "/offers?limit=4&after=" + p.Next
		}
		var oneGo []string
		for _, it := range all.Items {
			oneGo = append(oneGo, it.ID)
		}
		if !slices.Equal(walked, oneGo) {
			t.Errorf("%s: pages of 4 %v, one page %v", who, walked, oneGo)
		}
		if all.Items[0].Title != "Bosch drill" {
			t.Errorf("%s: first %q", who, all.Items[0].Title)
		}
		for i := 1; i < len(all.Items); i++ {
			if all.Items[i].Score > all.Items[i-1].Score {
				t.Errorf("%s: not ranked at %d: %v > %v", who, i, all.Items[i].Score, all.Items[i-1].Score)
			}
		}
		slices.Sort(expected)
		slices.Sort(oneGo)
		if !slices.Equal(oneGo, expected) {
			t.Errorf("%s: the route lists %d offers, the rule accepts %d", who, len(oneGo), len(expected))
		}
	}
}
