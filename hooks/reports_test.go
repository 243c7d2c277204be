package hooks_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
)

// TestReportsKeepASnapshot: a report keeps the reported record as the
// reporter saw it, opens with status "open", and can only name something the
// reporter can see (no probing of private records through reports).
func TestReportsKeepASnapshot(t *testing.T) {
	t.Parallel()
	report := func(collection, key string) map[string]any {
		return map[string]any{schema.ReportReporter: ids[stranger], schema.ReportTargetColl: collection,
			schema.ReportTargetID: ids[key], schema.ReportReason: "scam", schema.ReportNote: "asks for payment upfront"}
	}
	reportsAre := func(n int) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			got, err := countRecords(app, schema.Reports)
			if err != nil {
				t.Fatal(err)
			}
			if got != n {
				t.Fatalf("%d reports, want %d", got, n)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "a visible offer is reported with its snapshot", Method: http.MethodPost, URL: recordsURL(schema.Reports),
			Headers: headers(stranger), Body: jsonBody(report(schema.Offers, fxOffer)),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"status":"open"`, `"snapshot":{`, `"title":"` + titleOffer + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				reportsAre(2)(t, app, res)
				// the snapshot outlives an edit of the offer
				offer, _ := app.FindRecordById(schema.Offers, ids[fxOffer])
				offer.Set(schema.OfferTitle, "Edited after the report")
				if err := app.Save(offer); err != nil {
					t.Fatal(err)
				}
				r, err := app.FindFirstRecordByData(schema.Reports, schema.ReportReporter, ids[stranger])
				if err != nil {
					t.Fatal(err)
				}
				var snap map[string]any
				if err := r.UnmarshalJSONField(schema.ReportSnapshot, &snap); err != nil || snap[schema.OfferTitle] != titleOffer {
					t.Fatalf("snapshot = %v (%v)", snap, err)
				}
			},
		},
		{
			Name: "a message of someone else's thread can't be reported (nor probed)", Method: http.MethodPost,
			URL: recordsURL(schema.Reports), Headers: headers(stranger), Body: jsonBody(report(schema.Messages, fxMessage)),
			ExpectedStatus: 400, ExpectedContent: []string{fieldErr(schema.ReportTargetID, "validation_missing_target")},
			NotExpectedContent: []string{bodyMessage}, AfterTestFunc: reportsAre(1),
		},
		{
			Name: "nor someone's draft", Method: http.MethodPost, URL: recordsURL(schema.Reports), Headers: headers(stranger),
			Body: jsonBody(report(schema.Offers, fxDraft)), ExpectedStatus: 400,
			ExpectedContent:    []string{fieldErr(schema.ReportTargetID, "validation_missing_target")},
			NotExpectedContent: []string{titleDraft}, AfterTestFunc: reportsAre(1),
		},
		{
			Name: "the reporter can't set the status or the snapshot", Method: http.MethodPost, URL: recordsURL(schema.Reports),
			Headers: headers(stranger),
			Body: jsonBody(map[string]any{schema.ReportReporter: ids[stranger], schema.ReportTargetColl: schema.Offers,
				schema.ReportTargetID: ids[fxOffer], schema.ReportReason: "spam", schema.ReportStatus: "dismissed",
				schema.ReportSnapshot: map[string]any{"title": "forged"}}),
			ExpectedStatus: 400,
			ExpectedContent: []string{fieldErr(schema.ReportStatus, "validation_computed_field"),
				fieldErr(schema.ReportSnapshot, "validation_computed_field")},
			AfterTestFunc: reportsAre(1),
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}
