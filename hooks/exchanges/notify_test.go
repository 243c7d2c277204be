package exchanges_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
)

// notified returns the titles of the exchange notifications of person about
// exchange x, oldest first.
func (w *world) notified(t testing.TB, person, x string) []string {
	t.Helper()
	recs, err := w.app.FindRecordsByFilter(schema.Notifications,
		"user = {:u} && type = 'exchange' && data.exchange = {:x}", "created,id", 0, 0, dbx.Params{"u": ids[person], "x": x})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.GetString(schema.NotificationTitle)
	}
	return out
}

// notifiedAre checks both sides' exchange notifications after a step.
func (w *world) notifiedAre(x *string, owner, requester []string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, _ *tests.TestApp, _ *http.Response) {
		t.Helper()
		for who, want := range map[string][]string{"owner": owner, "requester": requester} {
			got := w.notified(t, who, *x)
			if len(got) != len(want) {
				t.Errorf("%s was told %q, want %q", who, got, want)
				continue
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("%s was told %q, want %q", who, got, want)
				}
			}
		}
	}
}

// TestMovesTellTheOtherSide: every move of an exchange writes a
// notification for the side that did not make it, in that person's
// language, with the exchange to open; one side's confirmation asks the
// other to confirm; a moderator's move tells both.
func TestMovesTellTheOtherSide(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	fr, err := w.app.FindRecordById(schema.Users, ids["requester"])
	if err != nil {
		t.Fatal(err)
	}
	fr.Set(schema.UserLocale, "fr-FR")
	if err := w.app.Save(fr); err != nil {
		t.Fatal(err)
	}
	give := w.offer(schema.KindGive) // "Fixture give"
	var x string
	var requested = []string{"New request for “Fixture give”"}
	w.run(
		tests.ApiScenario{
			Name: "a request tells the owner", Method: http.MethodPost, URL: "/api/collections/exchanges/records",
			Headers:        w.as("requester"),
			Body:           body(map[string]any{schema.ExchangeOffer: give, schema.ExchangeRequester: ids["requester"]}),
			ExpectedStatus: 200,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				r, err := app.FindFirstRecordByFilter(schema.Exchanges, "offer = {:o}", dbx.Params{"o": give})
				if err != nil {
					t.Fatal(err)
				}
				x = r.Id
				w.notifiedAre(&x, requested, nil)(t, app, res)
				n, err := app.FindFirstRecordByFilter(schema.Notifications, "user = {:u} && data.exchange = {:x}",
					dbx.Params{"u": ids["owner"], "x": x})
				if err != nil {
					t.Fatal(err)
				}
				if n.GetString(schema.NotificationLink) != "/exchanges/"+x || n.GetBool(schema.NotificationRead) ||
					n.GetString(schema.NotificationText) == "" {
					t.Errorf("notification: %v", n.FieldsData())
				}
			},
		},
	)
	w.run(
		tests.ApiScenario{
			Name: "the owner accepts: the requester is told in French", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x),
			Headers: w.as("owner"), Body: body(map[string]any{schema.ExchangeState: schema.StateAccepted}), ExpectedStatus: 200,
			AfterTestFunc: w.notifiedAre(&x, requested, []string{"Demande acceptée : « Fixture give »"}),
		},
		tests.ApiScenario{
			Name: "the requester says it was handed over: the owner is told", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x),
			Headers: w.as("requester"), Body: body(map[string]any{schema.ExchangeState: schema.StateHandedOver}), ExpectedStatus: 200,
			AfterTestFunc: w.notifiedAre(&x, append(requested, "Handed over: “Fixture give”"), []string{"Demande acceptée : « Fixture give »"}),
		},
		tests.ApiScenario{
			Name: "the owner confirms completion: the requester is asked to confirm", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x),
			Headers: w.as("owner"), Body: body(map[string]any{schema.ExchangeState: schema.StateCompleted}), ExpectedStatus: 200,
			ExpectedContent: []string{`"state":"handed_over"`},
			AfterTestFunc: w.notifiedAre(&x, append(requested, "Handed over: “Fixture give”"),
				[]string{"Demande acceptée : « Fixture give »", "À confirmer : « Fixture give »"}),
		},
		tests.ApiScenario{
			Name: "confirming twice tells nobody again", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x),
			Headers: w.as("owner"), Body: body(map[string]any{schema.ExchangeState: schema.StateCompleted}), ExpectedStatus: 200,
			AfterTestFunc: w.notifiedAre(&x, append(requested, "Handed over: “Fixture give”"),
				[]string{"Demande acceptée : « Fixture give »", "À confirmer : « Fixture give »"}),
		},
		tests.ApiScenario{
			Name: "the requester confirms: completed, the owner is told", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x),
			Headers: w.as("requester"), Body: body(map[string]any{schema.ExchangeState: schema.StateCompleted}), ExpectedStatus: 200,
			ExpectedContent: []string{`"state":"completed"`},
			AfterTestFunc: w.notifiedAre(&x, append(requested, "Handed over: “Fixture give”", "Exchange completed: “Fixture give”"),
				[]string{"Demande acceptée : « Fixture give »", "À confirmer : « Fixture give »"}),
		},
		tests.ApiScenario{
			Name: "the owner disputes: the requester is told", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x),
			Headers: w.as("owner"), Body: body(map[string]any{schema.ExchangeState: schema.StateDisputed}), ExpectedStatus: 200,
			AfterTestFunc: w.notifiedAre(&x, append(requested, "Handed over: “Fixture give”", "Exchange completed: “Fixture give”"),
				[]string{"Demande acceptée : « Fixture give »", "À confirmer : « Fixture give »", "Échange contesté : « Fixture give »"}),
		},
		tests.ApiScenario{
			Name: "a moderator settles it: both are told", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x),
			Headers: w.as("mod"), Body: body(map[string]any{schema.ExchangeState: schema.StateCompleted, schema.ExchangeResolutionNote: "ok"}),
			ExpectedStatus: 200,
			AfterTestFunc: w.notifiedAre(&x,
				append(requested, "Handed over: “Fixture give”", "Exchange completed: “Fixture give”", "Exchange completed: “Fixture give”"),
				[]string{"Demande acceptée : « Fixture give »", "À confirmer : « Fixture give »", "Échange contesté : « Fixture give »",
					"Échange terminé : « Fixture give »"}),
		},
		tests.ApiScenario{
			Name: "the other side never sees them", Method: http.MethodGet, URL: "/api/collections/notifications/records",
			Headers: w.as("other"), ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`},
		},
	)
}
