package hooks_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
)

// TestBatchRefusalsAreExplained: inside /api/batch a rule refusal gets the
// same field-level explanation as alone (under requests.<i>.response), the
// whole batch is rolled back, and a stranger still learns nothing.
func TestBatchRefusalsAreExplained(t *testing.T) {
	t.Parallel()
	offersUnchanged := func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		n, err := countRecords(app, schema.Offers)
		if err != nil {
			t.Fatal(err)
		}
		if n != 5 {
			t.Fatalf("%d offers, want the fixtures' 5", n)
		}
	}
	newOffer := func(ownerKey string) map[string]any {
		return map[string]any{"method": "POST", "url": "/api/collections/offers/records", "body": map[string]any{
			schema.OfferTitle: "Batch offer", schema.FieldKind: schema.KindGive, schema.FieldStatus: schema.StatusActive,
			schema.FieldOwner: ids[ownerKey]}}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "a foreign owner in the second request", Method: http.MethodPost, URL: "/api/batch", Headers: headers(owner),
			Body:           jsonBody(map[string]any{"requests": []any{newOffer(owner), newOffer(peer)}}),
			ExpectedStatus: 400,
			ExpectedContent: []string{`"requests":{"1":{"code":"batch_request_failed"`,
				`"response":{"data":{"owner":{"code":"validation_not_yours"`},
			AfterTestFunc: offersUnchanged,
		},
		{
			Name: "a stranger's update of someone's offer stays a bare 404", Method: http.MethodPost, URL: "/api/batch",
			Headers: headers(stranger),
			Body: jsonBody(map[string]any{"requests": []any{map[string]any{"method": "PATCH",
				"url": recordURL(schema.Offers, fxOffer), "body": map[string]any{schema.FieldOwner: ids[stranger]}}}}),
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"response":{"data":{},"message":"The requested resource wasn't found.","status":404}`},
			NotExpectedContent: []string{"validation_immutable"},
			AfterTestFunc:      offersUnchanged,
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

// TestShippedBatchSettings: a fresh install's batch API (as the dashboard
// reads it) is on, up to 50 requests, and gives a batch 30 s before it is
// cancelled, not PocketBase's 3 s that cancels a large account's deletion
// on a loaded machine (see pb_migrations/1795700202_raise_batch_timeout.go).
func TestShippedBatchSettings(t *testing.T) {
	t.Parallel()
	s := tests.ApiScenario{
		Name: "the shipped batch settings", Method: http.MethodGet, URL: "/api/settings", Headers: headers(admin),
		ExpectedStatus:  200,
		ExpectedContent: []string{`"batch":{"enabled":true,"maxRequests":50,"timeout":30,`},
		TestAppFactory:  factory,
	}
	s.Test(t)
}
