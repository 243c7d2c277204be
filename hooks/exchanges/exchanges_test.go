package exchanges_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"peerbase/hooks/exchanges"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

var (
	template   string
	ids        = map[string]string{}
	tokens     = map[string]string{}
	fileTokens = map[string]string{}
	fileName   string
)

func TestMain(m *testing.M) {
	testapp.Main(m, &template, seed)
}

func seed(app core.App) error {
	if err := testapp.CreateUsers(app, ids, tokens, "owner", "requester", "other"); err != nil {
		return err
	}
	for _, n := range []string{"owner", "requester", "other"} {
		u, err := app.FindRecordById(schema.Users, ids[n])
		if err != nil {
			return err
		}
		if fileTokens[n], err = u.NewFileToken(); err != nil {
			return err
		}
	}
	file, err := filesystem.NewFileFromBytes([]byte("%PDF-1.4 pattern"), "pattern.pdf")
	if err != nil {
		return err
	}
	rent, err := testapp.CreateRecord(app, schema.Offers, map[string]any{
		schema.OfferTitle: "Camping van", schema.FieldOwner: ids["owner"], schema.FieldKind: schema.KindRent,
		schema.FieldStatus: schema.StatusActive, schema.OfferFiles: []*filesystem.File{file},
	})
	if err != nil {
		return err
	}
	ids["rent"] = rent.Id
	fileName = rent.GetStringSlice(schema.OfferFiles)[0]

	sell, err := testapp.CreateRecord(app, schema.Offers, map[string]any{
		schema.OfferTitle: "Old bike", schema.FieldOwner: ids["owner"], schema.FieldKind: schema.KindSell,
		schema.FieldStatus: schema.StatusActive,
	})
	if err != nil {
		return err
	}
	ids["sell"] = sell.Id
	sellFree, err := testapp.CreateRecord(app, schema.Offers, map[string]any{
		schema.OfferTitle: "Old lamp", schema.FieldOwner: ids["owner"], schema.FieldKind: schema.KindSell,
		schema.FieldStatus: schema.StatusActive,
	})
	if err != nil {
		return err
	}
	ids["sellFree"] = sellFree.Id

	mk := func(key, offer, start, end string) (*core.Record, error) {
		r, err := testapp.CreateRecord(app, schema.Exchanges, map[string]any{
			schema.ExchangeOffer: offer, schema.ExchangeRequester: ids["requester"],
			schema.ExchangeStart: start, schema.ExchangeEnd: end,
		})
		if err == nil {
			ids[key] = r.Id
		}
		return r, err
	}
	booked, err := mk("booked", ids["rent"], "2027-01-01 10:00:00.000Z", "2027-01-05 10:00:00.000Z")
	if err != nil {
		return err
	}
	if _, err := mk("free", ids["rent"], "2027-01-10 10:00:00.000Z", "2027-01-15 10:00:00.000Z"); err != nil {
		return err
	}
	// requested before the booking was accepted: a request for booked days is refused
	if _, err := mk("overlap", ids["rent"], "2027-01-03 10:00:00.000Z", "2027-01-08 10:00:00.000Z"); err != nil {
		return err
	}
	booked.Set(schema.ExchangeState, schema.StateAccepted)
	if err := app.Save(booked); err != nil {
		return err
	}
	if _, err := mk("sell2", ids["sell"], "", ""); err != nil {
		return err
	}
	handed, err := mk("handed", ids["sell"], "", "")
	if err != nil {
		return err
	}
	for _, s := range []string{schema.StateAccepted, schema.StateHandedOver} {
		handed.Set(schema.ExchangeState, s)
		if err := app.Save(handed); err != nil {
			return err
		}
	}
	return nil
}

// factory clones the template for each scenario.
var factory = testapp.Factory(&template)

func auth(name string) map[string]string { return map[string]string{"Authorization": tokens[name]} }

// stateIs checks the stored state of an exchange after a scenario.
func stateIs(key, want string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		r, err := app.FindRecordById(schema.Exchanges, ids[key])
		if err != nil {
			t.Fatal(err)
		}
		if got := r.GetString(schema.ExchangeState); got != want {
			t.Fatalf("state of %s = %q, want %q", key, got, want)
		}
	}
}

func patch(key string) string { return "/api/collections/exchanges/records/" + ids[key] }

func TestExchangeMoves(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{
		{
			Name: "requester can't accept their own request", Method: http.MethodPatch, URL: patch("free"),
			Body: strings.NewReader(`{"state":"accepted"}`), Headers: auth("requester"),
			ExpectedStatus: 400, ExpectedContent: []string{`"state":{"code":"validation_invalid_move"`, "Only the offer's owner"},
			AfterTestFunc: stateIs("free", schema.StateRequested),
		},
		{
			Name: "owner accepts dates that are free", Method: http.MethodPatch, URL: patch("free"),
			Body: strings.NewReader(`{"state":"accepted"}`), Headers: auth("owner"),
			ExpectedStatus: 200, ExpectedContent: []string{`"state":"accepted"`, `"from":"requested"`, `"by":"` + ids["owner"] + `"`},
			AfterTestFunc: stateIs("free", schema.StateAccepted),
		},
		{
			Name: "owner can't accept dates already booked", Method: http.MethodPatch, URL: patch("overlap"),
			Body: strings.NewReader(`{"state":"accepted"}`), Headers: auth("owner"),
			ExpectedStatus: 400, ExpectedContent: []string{`"start":{"code":"validation_double_booking"`},
			AfterTestFunc: stateIs("overlap", schema.StateRequested),
		},
		{
			Name: "terms are frozen after acceptance", Method: http.MethodPatch, URL: patch("booked"),
			Body: strings.NewReader(`{"end":"2027-02-01 10:00:00.000Z"}`), Headers: auth("requester"),
			ExpectedStatus: 400, ExpectedContent: []string{`"end":{"code":"validation_terms_frozen"`},
			AfterTestFunc: stateIs("booked", schema.StateAccepted),
		},
		{
			Name: "a stranger can't move an exchange", Method: http.MethodPatch, URL: patch("free"),
			Body: strings.NewReader(`{"state":"declined"}`), Headers: auth("other"),
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: stateIs("free", schema.StateRequested),
		},
		{
			Name: "a sale is completed, not returned", Method: http.MethodPatch, URL: patch("handed"),
			Body: strings.NewReader(`{"state":"returned"}`), Headers: auth("owner"),
			ExpectedStatus: 400, ExpectedContent: []string{"is completed after the hand-over"},
			AfterTestFunc: stateIs("handed", schema.StateHandedOver),
		},
		{
			Name: "the requester's completion of a sale is only their confirmation", Method: http.MethodPatch, URL: patch("handed"),
			Body: strings.NewReader(`{"state":"completed"}`), Headers: auth("requester"),
			ExpectedStatus: 200, ExpectedContent: []string{`"state":"handed_over"`, `"owner_confirmed_at":""`},
			NotExpectedContent: []string{`"requester_confirmed_at":""`},
			AfterTestFunc:      stateIs("handed", schema.StateHandedOver),
		},
		{
			Name: "a rental needs dates", Method: http.MethodPost, URL: "/api/collections/exchanges/records",
			Body:    strings.NewReader(`{"offer":"` + ids["rent"] + `","requester":"` + ids["requester"] + `"}`),
			Headers: auth("requester"), ExpectedStatus: 400, ExpectedContent: []string{`"start":{"code":"validation_required"`},
			AfterTestFunc: countIs(5),
		},
		{
			Name: "a new exchange can't start accepted", Method: http.MethodPost, URL: "/api/collections/exchanges/records",
			Body:    strings.NewReader(`{"offer":"` + ids["sell"] + `","requester":"` + ids["requester"] + `","state":"accepted"}`),
			Headers: auth("requester"), ExpectedStatus: 400, ExpectedContent: []string{`"state":{"code":"validation_initial_state"`},
			AfterTestFunc: countIs(5),
		},
		{
			Name: "attack: a request on a sale promised to someone else (reserved)", Method: http.MethodPost, URL: "/api/collections/exchanges/records",
			Body:    strings.NewReader(`{"offer":"` + ids["sell"] + `","requester":"` + ids["other"] + `","agreed_price":20}`),
			Headers: auth("other"), ExpectedStatus: 400,
			ExpectedContent: []string{`"offer":{"code":"validation_offer_closed"`},
			AfterTestFunc:   countIs(5),
		},
		{
			Name: "a request on a sale: owner comes from the offer", Method: http.MethodPost, URL: "/api/collections/exchanges/records",
			Body:    strings.NewReader(`{"offer":"` + ids["sellFree"] + `","requester":"` + ids["requester"] + `","agreed_price":20}`),
			Headers: auth("requester"), ExpectedStatus: 200,
			ExpectedContent: []string{`"owner":"` + ids["owner"] + `"`, `"state":"requested"`, `"to":"requested"`},
			AfterTestFunc:   countIs(6),
		},
		{
			Name: "the requester of an accepted rental downloads its files", Method: http.MethodGet,
			URL:            "/api/files/offers/" + ids["rent"] + "/" + fileName + "?token=" + fileTokens["requester"],
			ExpectedStatus: 200, ExpectedContent: []string{"%PDF-1.4 pattern"},
		},
		{
			Name: "the owner downloads the files", Method: http.MethodGet,
			URL:            "/api/files/offers/" + ids["rent"] + "/" + fileName + "?token=" + fileTokens["owner"],
			ExpectedStatus: 200, ExpectedContent: []string{"%PDF-1.4 pattern"},
		},
		{
			Name: "someone who merely sees the offer can't download", Method: http.MethodGet,
			URL:            "/api/files/offers/" + ids["rent"] + "/" + fileName + "?token=" + fileTokens["other"],
			ExpectedStatus: 403, NotExpectedContent: []string{"%PDF"},
		},
		{
			Name: "anonymous can't download", Method: http.MethodGet,
			URL:            "/api/files/offers/" + ids["rent"] + "/" + fileName,
			ExpectedStatus: 403, NotExpectedContent: []string{"%PDF"},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

func countIs(want int64) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		n, err := app.CountRecords(schema.Exchanges)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("%d exchanges, want %d", n, want)
		}
	}
}

func TestHistoryIsKept(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	r, err := app.FindRecordById(schema.Exchanges, ids["handed"])
	if err != nil {
		t.Fatal(err)
	}
	var history []exchanges.HistoryEntry
	if err := r.UnmarshalJSONField(schema.ExchangeHistory, &history); err != nil {
		t.Fatal(err)
	}
	// created requested by the requester; model-path moves are not request
	// moves, so only the creation is in the history
	if len(history) != 1 || history[0].To != schema.StateRequested || history[0].By != ids["requester"] {
		t.Fatalf("history = %+v", history)
	}
}

func TestTermsAndCollisions(t *testing.T) {
	t.Parallel()
	priceIs := func(key string, want float64) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			r, _ := app.FindRecordById(schema.Exchanges, ids[key])
			if got := r.GetFloat(schema.ExchangeAgreedPrice); got != want {
				t.Fatalf("agreed_price = %v, want %v", got, want)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "the owner can't accept at another price", Method: http.MethodPatch, URL: patch("free"),
			Body: strings.NewReader(`{"state":"accepted","agreed_price":999}`), Headers: auth("owner"),
			ExpectedStatus: 400, ExpectedContent: []string{`"agreed_price":{"code":"validation_terms_with_move"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				stateIs("free", schema.StateRequested)(t, app, res)
				priceIs("free", 0)(t, app, res)
			},
		},
		{
			Name: "the owner can't rewrite a request's terms", Method: http.MethodPatch, URL: patch("free"),
			Body: strings.NewReader(`{"agreed_price":999}`), Headers: auth("owner"),
			ExpectedStatus: 400, ExpectedContent: []string{`"agreed_price":{"code":"validation_terms_requester_only"`},
			AfterTestFunc: priceIs("free", 0),
		},
		{
			Name: "the requester adjusts their request", Method: http.MethodPatch, URL: patch("free"),
			Body: strings.NewReader(`{"agreed_price":35}`), Headers: auth("requester"),
			ExpectedStatus: 200, ExpectedContent: []string{`"agreed_price":35`}, AfterTestFunc: priceIs("free", 35),
		},
		{
			Name: "a thing already handed over can't be promised to someone else", Method: http.MethodPatch, URL: patch("sell2"),
			Body: strings.NewReader(`{"state":"accepted"}`), Headers: auth("owner"),
			ExpectedStatus: 400, ExpectedContent: []string{`"state":{"code":"validation_already_promised"`},
			AfterTestFunc: stateIs("sell2", schema.StateRequested),
		},
		{
			Name: "a blocked person can't send an exchange request", Method: http.MethodPost, URL: "/api/collections/exchanges/records",
			Body:    strings.NewReader(`{"offer":"` + ids["sellFree"] + `","requester":"` + ids["other"] + `"}`),
			Headers: auth("other"),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				if _, err := testapp.CreateRecord(app, schema.Blocks, map[string]any{
					schema.BlockBlocker: ids["owner"], schema.BlockBlocked: ids["other"]}); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus: 400, ExpectedContent: []string{`"offer":{"code":"validation_blocked"`},
			AfterTestFunc: countIs(5),
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

// TestStaleMoveIsRefused: two people load the same request; one cancels it,
// then the other's accept (from the state they saw) is refused.
func TestStaleMoveIsRefused(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	a, err := app.FindRecordById(schema.Exchanges, ids["free"])
	if err != nil {
		t.Fatal(err)
	}
	b, err := app.FindRecordById(schema.Exchanges, ids["free"])
	if err != nil {
		t.Fatal(err)
	}
	a.Set(schema.ExchangeState, schema.StateCancelled)
	if err := app.Save(a); err != nil {
		t.Fatal(err)
	}
	b.Set(schema.ExchangeState, schema.StateAccepted)
	err = app.Save(b)
	if err == nil || !strings.Contains(err.Error(), "meanwhile") {
		t.Fatalf("stale accept: %v", err)
	}
	stored, _ := app.FindRecordById(schema.Exchanges, ids["free"])
	if stored.GetString(schema.ExchangeState) != schema.StateCancelled {
		t.Fatalf("state = %s", stored.GetString(schema.ExchangeState))
	}
}

// TestMoveOnChangedTermsIsRefused: the owner loads a request, the requester
// then changes its price, and the owner's accept of what they saw fails.
func TestMoveOnChangedTermsIsRefused(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	seenByOwner, err := app.FindRecordById(schema.Exchanges, ids["free"])
	if err != nil {
		t.Fatal(err)
	}
	edited, err := app.FindRecordById(schema.Exchanges, ids["free"])
	if err != nil {
		t.Fatal(err)
	}
	edited.Set(schema.ExchangeAgreedPrice, 500)
	if err := app.Save(edited); err != nil {
		t.Fatal(err)
	}
	seenByOwner.Set(schema.ExchangeState, schema.StateAccepted)
	err = app.Save(seenByOwner)
	if err == nil || !strings.Contains(err.Error(), "terms changed meanwhile") {
		t.Fatalf("accept on changed terms: %v", err)
	}
	stored, _ := app.FindRecordById(schema.Exchanges, ids["free"])
	if stored.GetString(schema.ExchangeState) != schema.StateRequested {
		t.Fatalf("state = %s", stored.GetString(schema.ExchangeState))
	}
}
