package matching_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
)

// told returns the notifications of person, as "type: title".
func told(t testing.TB, app core.App, person string) []string {
	t.Helper()
	recs, err := app.FindRecordsByFilter(schema.Notifications, "user = {:u}", "created,id", 0, 0, dbx.Params{"u": ids[person]})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.GetString(schema.NotificationType)+": "+r.GetString(schema.NotificationTitle))
	}
	return out
}

// TestMatchesTellTheirRecipient: a match of a want that alerts instantly is
// also a notification in its recipient's centre, with its explanation and
// the offer to open; a want in daily or off mode gets the match but no
// notification of it; everyone in a swap is told.
func TestMatchesTellTheirRecipient(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "instant wants are told, daily and off ones are not", Method: http.MethodPost,
			URL: "/api/collections/offers/records", Body: strings.NewReader(offerBody(schema.StatusActive)),
			Headers: map[string]string{"Authorization": tokens["ana"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				w, err := app.FindRecordById(schema.Wants, wantIDs["ben-drill"])
				if err != nil {
					t.Fatal(err)
				}
				w.Set(schema.WantAlert, "daily")
				if err := app.Save(w); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"collectionName":"offers"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				offer := lastOffer(t, app).Id
				expectRecipients(t, app, offer, "ben", "gina")
				if got := told(t, app, "ben"); len(got) != 0 {
					t.Errorf("ben's daily want was told at once: %q", got)
				}
				got := told(t, app, "gina")
				if len(got) != 1 || got[0] != "match: Found for “perceuse”: Perceuse Bosch (drill)" {
					t.Fatalf("gina was told %q", got)
				}
				n, err := app.FindFirstRecordByFilter(schema.Notifications, "user = {:u}", dbx.Params{"u": ids["gina"]})
				if err != nil {
					t.Fatal(err)
				}
				if n.GetString(schema.NotificationText) != "words: perceuse, under your 20 € limit" ||
					n.GetString(schema.NotificationLink) != "/offers/"+offer ||
					!strings.Contains(n.GetString(schema.NotificationData), `"want":"`+wantIDs["gina-cheap"]+`"`) {
					t.Errorf("gina's notification: %v", n.FieldsData())
				}
			},
		},
		{
			Name: "everyone in a swap is told", Method: http.MethodPost,
			URL:     "/api/collections/offers/records",
			Headers: map[string]string{"Authorization": tokens["ben"]},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				swapOffer(t, app, "ana", "Yamaha keyboard", "pandemic")
			},
			Body: strings.NewReader(`{"owner":"` + ids["ben"] + `","title":"Pandemic board game","kind":"swap","status":"active",` +
				`"wants_in_return":"keyboard"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"collectionName":"offers"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				waitDrained(t, app)
				for who, want := range map[string]string{
					"ana": "swap: A swap for your “Yamaha keyboard”",
					"ben": "swap: A swap for your “Pandemic board game”",
				} {
					if got := told(t, app, who); len(got) != 1 || got[0] != want {
						t.Errorf("%s was told %q, want %q", who, got, want)
					}
				}
			},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}
