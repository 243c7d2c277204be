package trust_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
	"peerbase/hooks/trust"
	"peerbase/internal/testapp"
)

// TestRatingFollowsTheReviewsThatExist: a rating is the aggregate of the
// published reviews that exist, so a review deleted by a moderator, or with
// its exchange, leaves the rating of its subject too. Next to it: nobody but
// a moderator deletes a review, and a deleted unpublished review changes no
// rating.
func TestRatingFollowsTheReviewsThatExist(t *testing.T) {
	t.Parallel()
	const first, second = "ratingreview001", "ratingreview002"
	// two published reviews of the owner (5 and 1) on two exchanges, and one
	// of the requester (4)
	setup := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		review(t, app, "requester", 5, first)
		review(t, app, "owner", 4)
		service, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.OfferTitle: "Repairs",
			schema.FieldOwner: ids["owner"], schema.FieldKind: schema.KindService, schema.FieldStatus: schema.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		clone, err := testapp.CreateRecord(app, schema.Exchanges, map[string]any{
			schema.ExchangeOffer: service.Id, schema.ExchangeRequester: ids["requester"]})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{schema.StateAccepted, schema.StateHandedOver, schema.StateCompleted} {
			clone.Set(schema.ExchangeState, s)
			if err := app.Save(clone); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := testapp.CreateRecord(app, schema.Reviews, map[string]any{"id": second, schema.ReviewExchange: clone.Id,
			schema.ReviewAuthor: ids["requester"], schema.ReviewRating: 1}); err != nil {
			t.Fatal(err)
		}
		window := trust.DefaultConfig().ReviewWindow
		if _, err := trust.PublishDue(app, window, time.Now().Add(window+time.Hour)); err != nil {
			t.Fatal(err)
		}
		if avg, n := userRating(t, app, "owner"); n != 2 || avg != 3 {
			t.Fatalf("owner rated %v over %d before the delete, want 3 over 2", avg, n)
		}
	}
	ratingIs := func(wantAvg float64, wantN int) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if avg, n := userRating(t, app, "owner"); n != wantN || avg != wantAvg {
				t.Fatalf("owner rated %v over %d, want %v over %d", avg, n, wantAvg, wantN)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "a moderator deletes a review: the rating forgets it", Method: http.MethodDelete,
			URL: "/api/collections/reviews/records/" + first, Headers: auth("mod"), BeforeTestFunc: setup,
			ExpectedStatus: 204, AfterTestFunc: ratingIs(1, 1),
		},
		{
			Name: "a moderator deletes an exchange: its reviews and their ratings go", Method: http.MethodDelete,
			URL: "/api/collections/exchanges/records/" + ids["done"], Headers: auth("mod"), BeforeTestFunc: setup,
			ExpectedStatus: 204, AfterTestFunc: ratingIs(1, 1),
		},
		{
			Name: "the subject can't delete a review about them", Method: http.MethodDelete,
			URL: "/api/collections/reviews/records/" + second, Headers: auth("owner"), BeforeTestFunc: setup,
			ExpectedStatus: 403, ExpectedContent: []string{"Only superusers"}, AfterTestFunc: ratingIs(3, 2),
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}
