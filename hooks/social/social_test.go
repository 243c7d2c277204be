package social_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
	"peerbase/hooks/social"
	"peerbase/internal/testapp"
)

// id and token are ana's, whose profile the profile tests change.
var id, token string

func TestValidateProfile(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tz, start, end string
		bad            []string
	}{
		{"Europe/Paris", "22:00", "07:00", nil},
		{"", "", "", nil},
		{"America/Argentina/Buenos_Aires", "", "", nil},
		{"Mars/Olympus", "", "", []string{schema.UserTimezone}},
		{"Local", "", "", []string{schema.UserTimezone}},
		{"UTC", "22:00", "", []string{schema.UserQuietEnd}},
		{"UTC", "", "07:00", []string{schema.UserQuietStart}},
	}
	for _, c := range cases {
		errs := social.ValidateProfile(c.tz, c.start, c.end)
		if len(errs) != len(c.bad) {
			t.Errorf("ValidateProfile(%q, %q, %q) = %v, want errors on %v", c.tz, c.start, c.end, errs, c.bad)
			continue
		}
		for _, f := range c.bad {
			if errs[f] == nil {
				t.Errorf("ValidateProfile(%q, %q, %q): no error on %s", c.tz, c.start, c.end, f)
			}
		}
	}
}

func TestProfileUpdateThroughAPI(t *testing.T) {
	t.Parallel()

	unchanged := func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		u, err := app.FindRecordById(schema.Users, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.GetString(schema.UserTimezone) != "Europe/Paris" || u.GetString(schema.UserQuietStart) != "" {
			t.Fatalf("profile changed: %v", u.PublicExport())
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "unknown time zone", Body: strings.NewReader(`{"timezone":"Mars/Olympus"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"timezone":{"code":"validation_unknown_timezone"`},
			AfterTestFunc: unchanged,
		},
		{
			Name: "quiet hours without an end", Body: strings.NewReader(`{"quiet_start":"22:00"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"quiet_end":{"code":"validation_quiet_hours_pair"`},
			AfterTestFunc: unchanged,
		},
		{
			Name: "badly written quiet hours", Body: strings.NewReader(`{"quiet_start":"25:00","quiet_end":"07:00"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"quiet_start":{"code":"validation_invalid_format"`},
			AfterTestFunc: unchanged,
		},
		{
			Name: "a good profile", Body: strings.NewReader(`{"timezone":"Asia/Tokyo","quiet_start":"22:00","quiet_end":"07:00"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"timezone":"Asia/Tokyo"`, `"quiet_start":"22:00"`},
		},
	}
	for _, s := range scenarios {
		s.Method = http.MethodPatch
		s.URL = "/api/collections/users/records/" + id
		s.Headers = map[string]string{"Authorization": token}
		s.TestAppFactory = func(t testing.TB) *tests.TestApp { return testapp.FromTemplate(t, template) }
		s.Test(t)
	}
}
