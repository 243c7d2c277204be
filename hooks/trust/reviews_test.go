package trust_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
	"peerbase/hooks/trust"
	"peerbase/internal/testapp"
)

var (
	template string
	ids      = map[string]string{}
	tokens   = map[string]string{}
)

func TestMain(m *testing.M) {
	testapp.Main(m, &template, func(app core.App) error {
		if err := testapp.CreateUsers(app, ids, tokens, "owner", "requester", "stranger"); err != nil {
			return err
		}
		mod, err := testapp.CreateSuperuser(app, "mod@test.peerbase.local")
		if err != nil {
			return err
		}
		if tokens["mod"], err = mod.NewAuthToken(); err != nil {
			return err
		}
		offer, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.OfferTitle: "Lamp",
			schema.FieldOwner: ids["owner"], schema.FieldKind: schema.KindSell, schema.FieldStatus: schema.StatusActive})
		if err != nil {
			return err
		}
		for _, key := range []string{"done", "open"} {
			ex, err := testapp.CreateRecord(app, schema.Exchanges, map[string]any{
				schema.ExchangeOffer: offer.Id, schema.ExchangeRequester: ids["requester"]})
			if err != nil {
				return err
			}
			ids[key] = ex.Id
		}
		for _, state := range []string{schema.StateAccepted, schema.StateHandedOver, schema.StateCompleted} {
			ex, err := app.FindRecordById(schema.Exchanges, ids["done"])
			if err != nil {
				return err
			}
			ex.Set(schema.ExchangeState, state)
			if err := app.Save(ex); err != nil {
				return err
			}
		}
		return nil
	})
}

var factory = testapp.Factory(&template)

func auth(who string) map[string]string { return map[string]string{"Authorization": tokens[who]} }

// replyID is the id of the requester's review in the reply scenarios.
const replyID = "replyreview0001"

func review(t testing.TB, app core.App, author string, rating int, id ...string) *core.Record {
	t.Helper()
	data := map[string]any{schema.ReviewExchange: ids["done"],
		schema.ReviewAuthor: ids[author], schema.ReviewRating: rating, schema.ReviewText: "fine"}
	if len(id) > 0 {
		data["id"] = id[0]
	}
	r, err := testapp.CreateRecord(app, schema.Reviews, data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func userRating(t testing.TB, app core.App, who string) (float64, int) {
	t.Helper()
	u, err := app.FindRecordById(schema.Users, ids[who])
	if err != nil {
		t.Fatal(err)
	}
	return u.GetFloat(schema.UserRatingAvg), u.GetInt(schema.UserRatingCount)
}

func TestReviewsArePublishedBlind(t *testing.T) {
	t.Parallel()
	url := "/api/collections/reviews/records"
	scenarios := []tests.ApiScenario{
		{
			Name: "the first review is about the other party and stays hidden", Method: http.MethodPost, URL: url,
			Body:    strings.NewReader(`{"exchange":"` + ids["done"] + `","author":"` + ids["requester"] + `","rating":5,"text":"great"}`),
			Headers: auth("requester"), ExpectedStatus: 200,
			ExpectedContent: []string{`"subject":"` + ids["owner"] + `"`, `"published":false`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if avg, n := userRating(t, app, "owner"); n != 0 || avg != 0 {
					t.Fatalf("owner rated %v (%d) before publication", avg, n)
				}
			},
		},
		{
			Name: "the second review publishes both, with the ratings", Method: http.MethodPost, URL: url,
			Body:    strings.NewReader(`{"exchange":"` + ids["done"] + `","author":"` + ids["owner"] + `","rating":3,"text":"late"}`),
			Headers: auth("owner"),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				review(t, app, "requester", 5)
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"subject":"` + ids["requester"] + `"`, `"published":true`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				all, _ := app.FindAllRecords(schema.Reviews)
				for _, r := range all {
					if !r.GetBool(schema.ReviewPublished) {
						t.Errorf("review by %s not published", r.GetString(schema.ReviewAuthor))
					}
				}
				if avg, n := userRating(t, app, "owner"); avg != 5 || n != 1 {
					t.Errorf("owner's rating = %v (%d), want 5 (1)", avg, n)
				}
				if avg, n := userRating(t, app, "requester"); avg != 3 || n != 1 {
					t.Errorf("requester's rating = %v (%d), want 3 (1)", avg, n)
				}
			},
		},
		{
			Name: "an exchange that isn't completed can't be reviewed", Method: http.MethodPost, URL: url,
			Body:    strings.NewReader(`{"exchange":"` + ids["open"] + `","author":"` + ids["requester"] + `","rating":1}`),
			Headers: auth("requester"), ExpectedStatus: 400,
			ExpectedContent: []string{`"exchange":{"code":"validation_not_completed"`},
		},
		{
			Name: "nobody writes the subject or publishes by hand", Method: http.MethodPost, URL: url,
			Body: strings.NewReader(`{"exchange":"` + ids["done"] + `","author":"` + ids["requester"] +
				`","rating":5,"subject":"` + ids["stranger"] + `","published":true}`),
			Headers: auth("requester"), ExpectedStatus: 400,
			ExpectedContent: []string{`"subject":{"code":"validation_computed_field"`, `"published":{"code":"validation_computed_field"`},
		},
		{
			Name: "the subject can't reply before the review is published", Method: http.MethodPatch,
			URL: url + "/" + replyID, Headers: auth("owner"), Body: strings.NewReader(`{"reply":"thank you"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				review(t, app, "requester", 4, replyID)
			},
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "the subject replies once it is published", Method: http.MethodPatch,
			URL: url + "/" + replyID, Headers: auth("owner"), Body: strings.NewReader(`{"reply":"thank you"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				review(t, app, "requester", 4, replyID)
				review(t, app, "owner", 4)
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"reply":"thank you"`, `"published":true`},
		},
		{
			Name: "a second reply is refused", Method: http.MethodPatch,
			URL: url + "/" + replyID, Headers: auth("owner"), Body: strings.NewReader(`{"reply":"second thoughts"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				r := review(t, app, "requester", 4, replyID)
				review(t, app, "owner", 4)
				r, _ = app.FindRecordById(schema.Reviews, r.Id)
				r.Set(schema.ReviewReply, "thank you")
				if err := app.Save(r); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus: 400, ExpectedContent: []string{`"reply":{"code":"validation_already_replied"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if r, _ := app.FindRecordById(schema.Reviews, replyID); r.GetString(schema.ReviewReply) != "thank you" {
					t.Errorf("reply = %q, want the first one", r.GetString(schema.ReviewReply))
				}
			},
		},
		{
			Name: "not even a superuser rewrites a published review", Method: http.MethodPatch,
			URL: url + "/" + replyID, Headers: auth("mod"), Body: strings.NewReader(`{"rating":1,"text":"changed"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				review(t, app, "requester", 4, replyID)
				review(t, app, "owner", 4)
			},
			ExpectedStatus: 400, ExpectedContent: []string{`"rating":{"code":"validation_review_published"`,
				`"text":{"code":"validation_review_published"`},
		},
		{
			Name: "the author can't rewrite a published review", Method: http.MethodPatch,
			URL: url + "/" + replyID, Headers: auth("requester"), Body: strings.NewReader(`{"rating":1}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				review(t, app, "requester", 4, replyID)
				review(t, app, "owner", 4)
			},
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

func TestPublishDue(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	r := review(t, app, "requester", 2)
	window := 14 * 24 * time.Hour

	n, err := trust.PublishDue(app, window, time.Now())
	if err != nil || n != 0 {
		t.Fatalf("before the window closed: %d, %v", n, err)
	}
	n, err = trust.PublishDue(app, window, time.Now().Add(window+time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("after the window closed: %d, %v", n, err)
	}
	r, _ = app.FindRecordById(schema.Reviews, r.Id)
	if !r.GetBool(schema.ReviewPublished) {
		t.Fatal("not published")
	}
	if avg, count := userRating(t, app, "owner"); avg != 2 || count != 1 {
		t.Fatalf("owner's rating = %v (%d)", avg, count)
	}
	if n, _ := trust.PublishDue(app, window, time.Now().Add(window+time.Hour)); n != 0 {
		t.Fatalf("published again: %d", n)
	}
}
