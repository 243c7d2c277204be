package matching_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/matching"
	"peerbase/hooks/schema"
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
	wantIDs  = map[string]string{}
)

// The fixture: ana offers things; everyone else saved wants. dan blocked
// ana, ana blocked eve.
func TestMain(m *testing.M) {
	testapp.Main(m, &template, func(app core.App) error {
		if err := testapp.CreateUsers(app, ids, tokens, "ana", "ben", "chloe", "dan", "eve", "frank", "gina", "hugo", "ivan", "jules"); err != nil {
			return err
		}
		for _, slug := range []string{"tools", "power-tools", "books", "camping"} {
			c, err := app.FindFirstRecordByData(schema.Categories, schema.CategorySlug, slug)
			if err != nil {
				return err
			}
			cats[slug] = c.Id
		}
		for _, b := range [][2]string{{"dan", "ana"}, {"ana", "eve"}} {
			if _, err := testapp.CreateRecord(app, schema.Blocks, map[string]any{
				schema.BlockBlocker: ids[b[0]], schema.BlockBlocked: ids[b[1]]}); err != nil {
				return err
			}
		}
		wants := []struct {
			name, owner, query, category string
			kinds                        []string
			maxPrice                     float64
			currency                     string
			at                           *types.GeoPoint
			radius                       float64
			active                       bool
		}{
			{"ben-drill", "ben", "drill", "tools", nil, 0, "", ptr(lyonPlus(0)), 10, true},
			{"chloe-lend", "chloe", "drill", "", []string{schema.KindLend}, 0, "", nil, 0, true},
			{"chloe-makita", "chloe", "makita", "", nil, 0, "", nil, 0, true},
			{"dan-drill", "dan", "drill", "", nil, 0, "", nil, 0, true},
			{"eve-drill", "eve", "drill", "", nil, 0, "", nil, 0, true},
			{"ana-drill", "ana", "drill", "", nil, 0, "", nil, 0, true},
			{"frank-paris", "frank", "drill", "", nil, 0, "", &types.GeoPoint{Lat: 48.8566, Lon: 2.3522}, 20, true},
			{"gina-cheap", "gina", "perceuse", "power-tools", nil, 20, "EUR", nil, 0, true},
			{"hugo-cheaper", "hugo", "drill", "", nil, 10, "EUR", nil, 0, true},
			{"ivan-pounds", "ivan", "drill", "", nil, 100, "GBP", nil, 0, true},
			{"jules-inactive", "jules", "drill", "", nil, 0, "", nil, 0, false},
			{"jules-books", "jules", "drill", "books", nil, 0, "", nil, 0, true},
		}
		for _, w := range wants {
			data := map[string]any{
				schema.FieldOwner: ids[w.owner], schema.WantQuery: w.query, schema.WantKinds: w.kinds,
				schema.WantMaxPrice: w.maxPrice, schema.WantCurrency: w.currency, schema.WantRadiusKm: w.radius,
				schema.WantActive: w.active, schema.WantAlert: "instant",
			}
			if w.category != "" {
				data[schema.FieldCategory] = cats[w.category]
			}
			if w.at != nil {
				data[schema.FieldLocation] = *w.at
			}
			r, err := testapp.CreateRecord(app, schema.Wants, data)
			if err != nil {
				return err
			}
			wantIDs[w.name] = r.Id
		}
		return nil
	})
}

func ptr[T any](v T) *T { return &v }

// drillOffer is ana's offer that the fixture's wants are written around.
func drillOffer(status string) map[string]any {
	return map[string]any{
		schema.FieldOwner: ids["ana"], schema.OfferTitle: "Perceuse Bosch (drill)", schema.FieldKind: schema.KindSell,
		schema.FieldStatus: status, schema.FieldCategory: cats["power-tools"], schema.OfferPrice: 15,
		schema.OfferCurrency: "EUR", schema.FieldLocation: lyonPlus(3),
		schema.OfferDescription: "Bosch PSB 500, with a case.",
	}
}

func offerBody(status string) string {
	b, _ := json.Marshal(drillOffer(status))
	return string(b)
}

// waitDrained waits until the worker has emptied match_jobs: matches are
// written after the request, by design.
func waitDrained(t testing.TB, app core.App) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := app.CountRecords(schema.MatchJobs)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			var errs []string
			_ = app.DB().Select("last_error").From(schema.MatchJobs).Column(&errs)
			t.Fatalf("%d match jobs still pending: %q", n, errs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recipients returns who has a match for offer, sorted by name, with their
// match records.
func recipients(t testing.TB, app core.App, offerID string) ([]string, map[string]*core.Record) {
	t.Helper()
	recs, err := app.FindAllRecords(schema.Matches, dbx.HashExp{schema.MatchOffer: offerID})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for n, id := range ids {
		names[id] = n
	}
	var out []string
	by := map[string]*core.Record{}
	for _, r := range recs {
		n := names[r.GetString(schema.MatchRecipient)]
		out = append(out, n)
		by[n] = r
	}
	slices.Sort(out)
	return out, by
}

func lastOffer(t testing.TB, app core.App) *core.Record {
	t.Helper()
	recs, err := app.FindRecordsByFilter(schema.Offers, "", "-created", 1, 0)
	if err != nil || len(recs) == 0 {
		t.Fatalf("no offer: %v", err)
	}
	return recs[0]
}

func factory(t testing.TB) *tests.TestApp { return testapp.FromTemplate(t, template) }

func expectRecipients(t testing.TB, app core.App, offerID string, want ...string) map[string]*core.Record {
	t.Helper()
	waitDrained(t, app)
	got, by := recipients(t, app, offerID)
	if !slices.Equal(got, want) {
		t.Fatalf("matches went to %v, want %v", got, want)
	}
	return by
}

func TestNewOfferAlerts(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			// ben: words, category above, 3 km within 10; gina: French word,
			// 15 € under 20 €. Not: chloe (lend only, makita), dan (blocked
			// ana), eve (blocked by ana), ana (her own), frank (Paris),
			// hugo (10 € limit), ivan (pounds), jules (inactive, books)
			Name: "an active offer alerts exactly the wants it matches", Method: http.MethodPost,
			URL: "/api/collections/offers/records", Body: strings.NewReader(offerBody(schema.StatusActive)),
			Headers:        map[string]string{"Authorization": tokens["ana"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"title":"Perceuse Bosch (drill)"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				by := expectRecipients(t, app, lastOffer(t, app).Id, "ben", "gina")
				ben := by["ben"]
				if ben.GetString(schema.FieldKind) != "want" || ben.GetString(schema.MatchWant) != wantIDs["ben-drill"] ||
					ben.GetFloat(schema.MatchScore) <= 0 || ben.GetBool(schema.MatchSeen) || ben.GetBool(schema.MatchDismissed) {
					t.Errorf("ben's match: %v", ben.PublicExport())
				}
				if why := ben.GetString(schema.MatchExplanation); why != "3 km away, words: drill" {
					t.Errorf("ben's explanation: %q", why)
				}
				if why := by["gina"].GetString(schema.MatchExplanation); why != "words: perceuse, under your 20 € limit" {
					t.Errorf("gina's explanation: %q", why)
				}
			},
		},
		{
			// the same offer: ben's want is hidden by moderation, gina is
			// suspended; neither is matched (gina again once it ends)
			Name: "hidden wants and suspended people's wants are not matched", Method: http.MethodPost,
			URL: "/api/collections/offers/records", Body: strings.NewReader(offerBody(schema.StatusActive)),
			Headers: map[string]string{"Authorization": tokens["ana"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				w, err := app.FindRecordById(schema.Wants, wantIDs["ben-drill"])
				if err != nil {
					t.Fatal(err)
				}
				w.Set(schema.WantHidden, true)
				if err := app.Save(w); err != nil {
					t.Fatal(err)
				}
				gina, err := app.FindRecordById(schema.Users, ids["gina"])
				if err != nil {
					t.Fatal(err)
				}
				gina.Set(schema.UserSuspendedUntil, time.Now().Add(time.Hour))
				if err := app.Save(gina); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"title":"Perceuse Bosch (drill)"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				offer := lastOffer(t, app)
				expectRecipients(t, app, offer.Id)
				gina, err := app.FindRecordById(schema.Users, ids["gina"])
				if err != nil {
					t.Fatal(err)
				}
				gina.Set(schema.UserSuspendedUntil, time.Now().Add(-time.Minute))
				if err := app.Save(gina); err != nil {
					t.Fatal(err)
				}
				offer.Set(schema.OfferTitle, "Perceuse Bosch (drill), again")
				if err := app.Save(offer); err != nil {
					t.Fatal(err)
				}
				waitDrained(t, app)
				expectRecipients(t, app, offer.Id, "gina")
			},
		},
		{
			Name: "a draft alerts nobody", Method: http.MethodPost,
			URL: "/api/collections/offers/records", Body: strings.NewReader(offerBody(schema.StatusDraft)),
			Headers:        map[string]string{"Authorization": tokens["ana"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"draft"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				expectRecipients(t, app, lastOffer(t, app).Id)
			},
		},
		{
			Name: "an offer the request fails to save leaves no job", Method: http.MethodPost,
			URL:            "/api/collections/offers/records",
			Body:           strings.NewReader(strings.Replace(offerBody(schema.StatusActive), `"currency":"EUR"`, `"currency":"euros"`, 1)),
			Headers:        map[string]string{"Authorization": tokens["ana"]},
			ExpectedStatus: 400, ExpectedContent: []string{`"currency":{"code":"validation_invalid_format"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if n, _ := app.CountRecords(schema.MatchJobs); n != 0 {
					t.Errorf("%d jobs for an offer that does not exist", n)
				}
				if n, _ := app.CountRecords(schema.Matches); n != 0 {
					t.Errorf("%d matches", n)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

// saveOffer saves ana's drill offer through the model path (the hooks run)
// with changes, and waits for its matches.
func saveOffer(t testing.TB, app core.App, status string, mod map[string]any) *core.Record {
	t.Helper()
	data := drillOffer(status)
	for k, v := range mod {
		data[k] = v
	}
	r, err := testapp.CreateRecord(app, schema.Offers, data)
	if err != nil {
		t.Fatal(err)
	}
	waitDrained(t, app)
	return r
}

func TestOfferChangesAlertOnce(t *testing.T) {
	t.Parallel()
	var offerID string
	scenarios := []tests.ApiScenario{
		{
			Name: "publishing a draft alerts", Method: http.MethodPatch,
			Body:    strings.NewReader(`{"status":"active"}`),
			Headers: map[string]string{"Authorization": tokens["ana"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				offerID = saveOffer(t, app, schema.StatusDraft, nil).Id
				expectRecipients(t, app, offerID)
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"status":"active"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				expectRecipients(t, app, offerID, "ben", "gina")
			},
		},
		{
			// ben and gina were told already; chloe's "makita" want newly matches
			Name: "an edit alerts the newly matching wants only", Method: http.MethodPatch,
			Body:    strings.NewReader(`{"title":"Perceuse Bosch (drill), not a Makita"}`),
			Headers: map[string]string{"Authorization": tokens["ana"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				offerID = saveOffer(t, app, schema.StatusActive, nil).Id
				expectRecipients(t, app, offerID, "ben", "gina")
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				expectRecipients(t, app, offerID, "ben", "chloe", "gina")
			},
		},
		{
			Name: "an offer moved away from a want tells nobody new", Method: http.MethodPatch,
			Body:    strings.NewReader(`{"location":{"lat":45.76,"lon":5.5}}`),
			Headers: map[string]string{"Authorization": tokens["ana"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				offerID = saveOffer(t, app, schema.StatusDraft, nil).Id
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				expectRecipients(t, app, offerID) // still a draft
			},
		},
		{
			Name: "a reserved offer alerts nobody", Method: http.MethodPatch,
			Body:    strings.NewReader(`{"status":"reserved"}`),
			Headers: map[string]string{"Authorization": tokens["ana"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				offerID = saveOffer(t, app, schema.StatusDraft, nil).Id
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				expectRecipients(t, app, offerID)
			},
		},
	}
	for _, s := range scenarios {
		s.URL = "/api/collections/offers/records/"
		s.TestAppFactory = factory
		url := &s.URL
		before := s.BeforeTestFunc
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			before(t, app, e)
			*url += offerID
		}
		s.Test(t)
	}
}

func TestDismissedMatchStaysDismissed(t *testing.T) {
	t.Parallel()
	var offerID, matchID string
	setup := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		offerID = saveOffer(t, app, schema.StatusActive, nil).Id
		matchID = expectRecipients(t, app, offerID, "ben", "gina")["ben"].Id
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "the recipient dismisses a match; an edit does not bring it back", Method: http.MethodPatch,
			Body: strings.NewReader(`{"dismissed":true}`), Headers: map[string]string{"Authorization": tokens["ben"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"dismissed":true`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				offer, err := app.FindRecordById(schema.Offers, offerID)
				if err != nil {
					t.Fatal(err)
				}
				offer.Set(schema.OfferTitle, "Bosch drill, price lowered")
				offer.Set(schema.OfferPrice, 12)
				if err := app.Save(offer); err != nil {
					t.Fatal(err)
				}
				by := expectRecipients(t, app, offerID, "ben", "gina")
				if by["ben"].Id != matchID || !by["ben"].GetBool(schema.MatchDismissed) {
					t.Errorf("ben's match came back: %v", by["ben"].PublicExport())
				}
			},
		},
		{
			Name: "the recipient cannot delete a match", Method: http.MethodDelete,
			Headers: map[string]string{"Authorization": tokens["ben"]}, ExpectedStatus: 403,
			ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if _, err := app.FindRecordById(schema.Matches, matchID); err != nil {
					t.Errorf("the match was deleted: %v", err)
				}
			},
		},
		{
			Name: "the recipient cannot rewrite a match's score", Method: http.MethodPatch,
			Body: strings.NewReader(`{"score":1}`), Headers: map[string]string{"Authorization": tokens["ben"]},
			ExpectedStatus: 400, ExpectedContent: []string{`"score":{"code":"validation_computed_field"`},
		},
		{
			Name: "someone else cannot dismiss it", Method: http.MethodPatch,
			Body: strings.NewReader(`{"dismissed":true}`), Headers: map[string]string{"Authorization": tokens["gina"]},
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.URL = "/api/collections/matches/records/"
		url := &s.URL
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			setup(t, app, e)
			*url += matchID
		}
		s.Test(t)
	}
}

// TestPendingJobsResumeAtStart: a job written while no worker ran (as
// after a crash between the offer's commit and its matches) is drained
// when the server starts.
func TestPendingJobsResumeAtStart(t *testing.T) {
	t.Parallel()
	var offerID string
	s := tests.ApiScenario{
		Name: "jobs left pending are matched at start", Method: http.MethodGet, URL: "/api/health",
		TestAppFactory: func(t testing.TB) *tests.TestApp {
			app := factory(t)
			// no OnServe yet: the hooks write the job, no worker runs
			r, err := testapp.CreateRecord(app, schema.Offers, drillOffer(schema.StatusActive))
			if err != nil {
				t.Fatal(err)
			}
			offerID = r.Id
			if n, _ := app.CountRecords(schema.MatchJobs); n != 1 {
				t.Fatalf("%d jobs pending, want 1", n)
			}
			if n, _ := app.CountRecords(schema.Matches); n != 0 {
				t.Fatalf("%d matches before the server started", n)
			}
			return app
		},
		ExpectedStatus: 200, ExpectedContent: []string{`"API is healthy."`},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			expectRecipients(t, app, offerID, "ben", "gina")
		},
	}
	s.Test(t)
}

func TestWantsAreKeptInSync(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "a want created through the API is matched at once", Method: http.MethodPost,
			URL:            "/api/collections/wants/records",
			Body:           strings.NewReader(fmt.Sprintf(`{"owner":%q,"query":"perceuse","active":true}`, ids["hugo"])),
			Headers:        map[string]string{"Authorization": tokens["hugo"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				saveOffer(t, app, schema.StatusActive, nil)
				expectRecipients(t, app, lastOffer(t, app).Id, "ben", "gina", "hugo")
			},
		},
		{
			Name: "a deactivated want is no longer matched", Method: http.MethodPatch,
			URL:            "/api/collections/wants/records/" + wantIDs["ben-drill"],
			Body:           strings.NewReader(`{"active":false}`),
			Headers:        map[string]string{"Authorization": tokens["ben"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				saveOffer(t, app, schema.StatusActive, nil)
				expectRecipients(t, app, lastOffer(t, app).Id, "gina")
			},
		},
		{
			Name: "a deleted want is no longer matched", Method: http.MethodDelete,
			URL:            "/api/collections/wants/records/" + wantIDs["gina-cheap"],
			Headers:        map[string]string{"Authorization": tokens["gina"]},
			ExpectedStatus: 204,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				saveOffer(t, app, schema.StatusActive, nil)
				expectRecipients(t, app, lastOffer(t, app).Id, "ben")
			},
		},
		{
			Name: "a want moved away is no longer matched; a limit raised is", Method: http.MethodPatch,
			URL:            "/api/collections/wants/records/" + wantIDs["ben-drill"],
			Body:           strings.NewReader(`{"location":{"lat":48.85,"lon":2.35}}`),
			Headers:        map[string]string{"Authorization": tokens["ben"]},
			ExpectedStatus: 200, ExpectedContent: []string{`"id":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				hugo, err := app.FindRecordById(schema.Wants, wantIDs["hugo-cheaper"])
				if err != nil {
					t.Fatal(err)
				}
				hugo.Set(schema.WantMaxPrice, 15)
				if err := app.Save(hugo); err != nil {
					t.Fatal(err)
				}
				saveOffer(t, app, schema.StatusActive, nil)
				expectRecipients(t, app, lastOffer(t, app).Id, "gina", "hugo")
			},
		},
		{
			Name: "a price limit needs its currency", Method: http.MethodPost,
			URL:            "/api/collections/wants/records",
			Body:           strings.NewReader(fmt.Sprintf(`{"owner":%q,"query":"tent","max_price":30,"active":true}`, ids["hugo"])),
			Headers:        map[string]string{"Authorization": tokens["hugo"]},
			ExpectedStatus: 400, ExpectedContent: []string{`"currency":{"code":"validation_currency_required"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	app := factory(t)
	r, err := matching.Check(app)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) > 0 || r.Wants != len(wantIDs)-1 { // jules' inactive want is not indexed
		t.Fatalf("check of the fixture: %+v", r)
	}
}
