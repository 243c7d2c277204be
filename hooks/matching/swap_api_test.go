package matching_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/matching"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// swapOffer saves an active swap offer of owner through the model path.
func swapOffer(t testing.TB, app core.App, owner, title, wantsInReturn string) *core.Record {
	t.Helper()
	r, err := testapp.CreateRecord(app, schema.Offers, map[string]any{
		schema.FieldOwner: ids[owner], schema.OfferTitle: title, schema.FieldKind: schema.KindSwap,
		schema.FieldStatus: schema.StatusActive, schema.OfferWantsInReturn: wantsInReturn,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// swapMatches returns, per recipient name, their swap matches as
// "kind offer-title" strings.
func swapMatches(t testing.TB, app core.App) map[string][]string {
	t.Helper()
	waitDrained(t, app)
	recs, err := app.FindAllRecords(schema.Matches, dbx.NewExp("kind != 'want'"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for n, id := range ids {
		names[id] = n
	}
	out := map[string][]string{}
	for _, r := range recs {
		offer, err := app.FindRecordById(schema.Offers, r.GetString(schema.MatchOffer))
		if err != nil {
			t.Fatal(err)
		}
		var cycle []map[string]string
		if err := json.Unmarshal([]byte(r.GetString(schema.MatchCycle)), &cycle); err != nil {
			t.Fatalf("cycle %s: %v", r.GetString(schema.MatchCycle), err)
		}
		n := names[r.GetString(schema.MatchRecipient)]
		out[n] = append(out[n], fmt.Sprintf("%s %s (%d in cycle)", r.GetString(schema.FieldKind), offer.GetString(schema.OfferTitle), len(cycle)))
	}
	for _, l := range out {
		slices.Sort(l)
	}
	return out
}

func TestSwapMatches(t *testing.T) {
	t.Parallel()
	var cycleOffer string
	scenarios := []tests.ApiScenario{
		{
			// ana and ben swap both ways; frank -> hugo -> gina -> frank is a
			// three-way cycle completed by gina's offer through the API.
			// Decoys: ivan wants what nobody gives; dan would swap with ana
			// but blocked her.
			Name: "two-way and three-way swaps are told to everyone in them", Method: http.MethodPost,
			URL:     "/api/collections/offers/records",
			Headers: map[string]string{"Authorization": tokens["gina"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				swapOffer(t, app, "ana", "Yamaha keyboard", "pandemic")
				swapOffer(t, app, "dan", "Pandemic, the board game", "keyboard")
				swapOffer(t, app, "ivan", "Camping tent for two", "violin")
				swapOffer(t, app, "frank", "Acoustic guitar", "tent")
				swapOffer(t, app, "hugo", "Crime novels", "guitar")
				swapOffer(t, app, "ben", "Pandemic board game", "keyboard")
			},
			Body: strings.NewReader(fmt.Sprintf(`{"owner":%q,"title":"Family tent","kind":"swap","status":"active",`+
				`"wants_in_return":"crime novels"}`, ids["gina"])),
			ExpectedStatus: 200, ExpectedContent: []string{`"wants_in_return":"crime novels"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				got := swapMatches(t, app)
				want := map[string][]string{
					"ana":   {"swap-2 Pandemic board game (2 in cycle)"},
					"ben":   {"swap-2 Yamaha keyboard (2 in cycle)"},
					"frank": {"swap-3 Family tent (3 in cycle)"},
					"hugo":  {"swap-3 Acoustic guitar (3 in cycle)"},
					"gina":  {"swap-3 Crime novels (3 in cycle)"},
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("swap matches:\n%v\nwant\n%v", got, want)
				}
			},
		},
		{
			// the default --swap-radius is 50 km: ana in Lyon and ben in
			// Paris don't swap; chloe, 20 km from ana, and hugo, without a
			// location, do
			Name: "swaps stay within the swap radius", Method: http.MethodPost,
			URL:     "/api/collections/offers/records",
			Headers: map[string]string{"Authorization": tokens["ana"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				for _, o := range []struct {
					owner, title string
					at           *types.GeoPoint
				}{
					{"ben", "Pandemic board game (Paris)", &types.GeoPoint{Lat: 48.8566, Lon: 2.3522}},
					{"chloe", "Pandemic board game (near Lyon)", ptr(lyonPlus(20))},
					{"hugo", "Pandemic board game (no place)", nil},
				} {
					data := map[string]any{
						schema.FieldOwner: ids[o.owner], schema.OfferTitle: o.title, schema.FieldKind: schema.KindSwap,
						schema.FieldStatus: schema.StatusActive, schema.OfferWantsInReturn: "keyboard",
					}
					if o.at != nil {
						data[schema.FieldLocation] = *o.at
					}
					if _, err := testapp.CreateRecord(app, schema.Offers, data); err != nil {
						t.Fatal(err)
					}
				}
			},
			Body: strings.NewReader(fmt.Sprintf(`{"owner":%q,"title":"Yamaha keyboard","kind":"swap","status":"active",`+
				`"wants_in_return":"pandemic","location":{"lat":%v,"lon":%v}}`, ids["ana"], lyonLat, lyonLon)),
			ExpectedStatus: 200, ExpectedContent: []string{`"title":"Yamaha keyboard"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				got := swapMatches(t, app)
				want := map[string][]string{
					"ana":   {"swap-2 Pandemic board game (near Lyon) (2 in cycle)", "swap-2 Pandemic board game (no place) (2 in cycle)"},
					"chloe": {"swap-2 Yamaha keyboard (2 in cycle)"},
					"hugo":  {"swap-2 Yamaha keyboard (2 in cycle)"},
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("swap matches:\n%v\nwant\n%v", got, want)
				}
			},
		},
		{
			Name: "a cycle is told once, whichever of its offers changes", Method: http.MethodPatch,
			Headers: map[string]string{"Authorization": tokens["frank"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				cycleOffer = swapOffer(t, app, "frank", "Acoustic guitar", "tent").Id
				swapOffer(t, app, "hugo", "Crime novels", "guitar")
				swapOffer(t, app, "gina", "Family tent", "crime novels")
				if n := len(swapMatches(t, app)); n != 3 {
					t.Fatalf("%d people told of the cycle, want 3", n)
				}
			},
			Body:           strings.NewReader(`{"title":"Acoustic guitar with its case","wants_in_return":"Tents"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"title":"Acoustic guitar with its case"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if n, _ := app.CountRecords(schema.Matches); n != 3 {
					t.Fatalf("%d matches after an edit, want the same 3", n)
				}
				// the edited offer still completes the cycle: the swap index
				// finds it again, and the cycle key keeps it from being told twice
				offer, err := app.FindRecordById(schema.Offers, cycleOffer)
				if err != nil {
					t.Fatal(err)
				}
				tent, err := app.FindFirstRecordByData(schema.Offers, schema.OfferTitle, "Family tent")
				if err != nil {
					t.Fatal(err)
				}
				if alts := matching.SwapOfferFromRecord(offer).Wants; len(alts) != 1 || !func() bool {
					_, ok := alts[0].Match(matching.SwapOfferFromRecord(tent).Gives)
					return ok
				}() {
					t.Fatal("after the edit, frank no longer wants gina's tent: the test proves nothing")
				}
				if offer.GetString(schema.OfferTitle) != "Acoustic guitar with its case" {
					t.Fatal("the edit was not saved")
				}
			},
		},
	}
	for i, s := range scenarios {
		s.TestAppFactory = factory
		if i == 2 {
			url := &s.URL
			before := s.BeforeTestFunc
			s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				before(t, app, e)
				*url = "/api/collections/offers/records/" + cycleOffer
			}
		}
		s.Test(t)
	}
}
