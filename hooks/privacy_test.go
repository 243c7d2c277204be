package hooks_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
)

// TestPrivateUserFields: a person's location, locale, time zone, preferences
// and quiet hours are theirs alone. Others can neither read them nor probe
// them through a filter or a sort (directly or through a relation), while
// the user reads and writes them through the ordinary records API.
func TestPrivateUserFields(t *testing.T) {
	t.Parallel()
	q := url.QueryEscape
	unchangedTZ := func(who string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			u, err := app.FindRecordById(schema.Users, ids[who])
			if err != nil {
				t.Fatal(err)
			}
			if got := u.GetString(schema.UserTimezone); got != userTimezone[who] {
				t.Fatalf("%s's time zone = %q", who, got)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "a stranger can't narrow users down by location", Method: http.MethodGet,
			URL:     recordsURL(schema.Users) + "?filter=" + q("location.lat > 41 && location.lat < 41.2"),
			Headers: headers(stranger), ExpectedStatus: 400, NotExpectedContent: []string{ids[owner]},
		},
		{
			Name: "nor by time zone", Method: http.MethodGet,
			URL:     recordsURL(schema.Users) + "?filter=" + q(`timezone = "Europe/Paris"`),
			Headers: headers(stranger), ExpectedStatus: 400, NotExpectedContent: []string{ids[owner]},
		},
		{
			Name: "nor sort by it", Method: http.MethodGet, URL: recordsURL(schema.Users) + "?sort=location",
			Headers: headers(stranger), ExpectedStatus: 400, NotExpectedContent: []string{ids[owner]},
		},
		{
			Name: "anonymous can't probe an offer owner's location through the relation", Method: http.MethodGet,
			URL:            recordsURL(schema.Offers) + "?filter=" + q("owner.location.lat > 41 && owner.location.lat < 41.2"),
			ExpectedStatus: 400, NotExpectedContent: []string{titleOffer},
		},
		{
			Name: "nor through a back-relation", Method: http.MethodGet,
			URL:     recordsURL(schema.Offers) + "?filter=" + q(`owner.follows_via_followee.follower.timezone = "America/Toronto"`),
			Headers: headers(stranger), ExpectedStatus: 400, NotExpectedContent: []string{titleOffer},
		},
		{
			Name: "the user reads their own settings", Method: http.MethodGet, URL: recordURL(schema.Users, owner),
			Headers: headers(owner), ExpectedStatus: 200,
			ExpectedContent: []string{`"timezone":"Europe/Paris"`, `"lat":41.1111`},
		},
		{
			Name: "others see the profile without them", Method: http.MethodGet, URL: recordURL(schema.Users, owner),
			Headers: headers(peer), ExpectedStatus: 200, ExpectedContent: []string{idOf(owner)},
			NotExpectedContent: []string{"Europe/Paris", "41.1111", `"timezone"`, `"location"`, `"quiet_start"`},
		},
		{
			Name: "the user writes their own settings through the records API", Method: http.MethodPatch,
			URL: recordURL(schema.Users, owner), Headers: headers(owner),
			Body:           jsonBody(map[string]any{schema.UserTimezone: "Asia/Seoul", schema.FieldLocation: map[string]any{"lon": 2.35, "lat": 48.85}}),
			ExpectedStatus: 200, ExpectedContent: []string{`"timezone":"Asia/Seoul"`, `"lat":48.85`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				u, _ := app.FindRecordById(schema.Users, ids[owner])
				if u.GetString(schema.UserTimezone) != "Asia/Seoul" {
					t.Fatalf("time zone = %q", u.GetString(schema.UserTimezone))
				}
			},
		},
		{
			Name: "nobody else writes them", Method: http.MethodPatch, URL: recordURL(schema.Users, owner), Headers: headers(peer),
			Body: jsonBody(map[string]any{schema.UserTimezone: "Asia/Seoul"}), ExpectedStatus: 404,
			ExpectedContent: []string{`"data":{}`}, AfterTestFunc: unchangedTZ(owner),
		},
		{
			Name: "settings given at sign-up are kept", Method: http.MethodPost, URL: recordsURL(schema.Users),
			Body: jsonBody(map[string]any{"email": "newcomer@test.peerbase.local", "password": "newcomer-password-1",
				"passwordConfirm": "newcomer-password-1", schema.UserTimezone: "Europe/Lisbon"}),
			ExpectedStatus: 200, NotExpectedContent: []string{"Europe/Lisbon"}, // not signed in: not shown back
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				u, err := app.FindAuthRecordByEmail(schema.Users, "newcomer@test.peerbase.local")
				if err != nil || u.GetString(schema.UserTimezone) != "Europe/Lisbon" {
					t.Fatalf("newcomer: %v %v", u, err)
				}
			},
		},
		{
			Name: "a superuser filters on them", Method: http.MethodGet,
			URL:     recordsURL(schema.Users) + "?filter=" + q(`timezone = "Europe/Paris"`),
			Headers: headers(admin), ExpectedStatus: 200, ExpectedContent: []string{totalItems(1), idOf(owner)},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}
