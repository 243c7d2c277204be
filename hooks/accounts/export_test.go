package accounts_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/accounts"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// TestExport: a person downloads their own data, and only theirs: the other
// people in it appear as id and name, their private fields, emails, blind
// reviews and blocks of the person stay out.
func TestExport(t *testing.T) {
	t.Parallel()
	const url = "/api/peerbase/me/export"
	scenarios := []tests.ApiScenario{
		{
			Name: "attack: anonymous gets a 401", Method: http.MethodGet, URL: url,
			ExpectedStatus: 401, ExpectedContent: []string{`"data":{}`}, NotExpectedContent: []string{"vintage radio"},
			ExpectedEvents: map[string]int{"*": 0},
		},
		{
			Name: "attack: a superuser token is not a person's (403, no one's data)", Method: http.MethodGet, URL: url,
			Headers: authHeader("admin"), ExpectedStatus: 403, NotExpectedContent: []string{"vintage radio"},
		},
		{
			Name: "Bob's export holds Bob's data and none of Alice's private data", Method: http.MethodGet, URL: url,
			Headers: authHeader("bob"), ExpectedStatus: 200,
			ExpectedContent:    []string{"bob@test.peerbase.local", "America/Bogota", "Bob's books", "Can you fix my bike?"},
			NotExpectedContent: []string{"alice@test.peerbase.local", "Europe/Paris", "vintage radio", "Carol's unpublished words"},
		},
		{
			Name: "Alice downloads her data", Method: http.MethodGet, URL: url, Headers: authHeader("alice"),
			ExpectedStatus: 200,
			ExpectedContent: []string{
				// her profile with its private fields
				`"email":"alice@test.peerbase.local"`, `"timezone":"Europe/Paris"`, `"location":{`,
				// what she made and what concerns her
				"Bike repairs by Alice", "Alice's lamp", "Alice's draft", "vintage radio", ids["aliceMatch"],
				"Yes, come to 3 rue Alice", "Can you fix my bike?", "I'd love the books", "They're yours",
				ids["ex1"], ids["ex2"], ids["ex3"], "Bob was punctual", "Alice fixed it well", ids["aliceReport"],
				ids["aliceBlocksDave"], ids["aliceFollowsCarol"], ids["carolFollowsAlice"], "https://push.example.test/alice",
				`"name":"bob"`,
			},
			NotExpectedContent: []string{
				// others' private data: emails, time zones, locales, blind reviews, who blocked her, their reports and subscriptions
				"bob@test.peerbase.local", "carol@test.peerbase.local", "America/Bogota", "es-CO",
				"Carol's unpublished words", ids["bobBlocksAlice"], "Bob's note about Alice", "https://push.example.test/bob",
				`"password"`, `"tokenKey"`,
			},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				want := `attachment; filename="peerbase-export-` + ids["alice"] + `.json"`
				if got := res.Header.Get("Content-Disposition"); got != want {
					t.Errorf("Content-Disposition = %q, want %q", got, want)
				}
				if got := res.Header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control = %q", got)
				}
				body, err := io.ReadAll(res.Body)
				if err != nil {
					t.Fatal(err)
				}
				var doc accounts.Export
				if err := json.Unmarshal(body, &doc); err != nil {
					t.Fatalf("the export is not the documented JSON: %v", err)
				}
				counts := map[string][2]int{
					"offers":             {len(doc.Offers), 3},
					"wants":              {len(doc.Wants), 1},
					"matches":            {len(doc.Matches), 1},
					"threads":            {len(doc.Threads), 4},   // t1, t2, and the two her requests opened
					"exchanges":          {len(doc.Exchanges), 5}, // ex1–ex5: she is a party to each
					"reviews_written":    {len(doc.ReviewsWritten), 2},
					"reviews_received":   {len(doc.ReviewsReceived), 2},
					"reports":            {len(doc.Reports), 1},
					"blocks":             {len(doc.Blocks), 1},
					"following":          {len(doc.Following), 1},
					"followers":          {len(doc.Followers), 1},
					"push_subscriptions": {len(doc.PushSubscriptions), 1},
					"people":             {len(doc.People), 3}, // bob, carol, dave
				}
				// what she was told: her notifications, all of them, nobody else's
				told, err := app.CountRecords(schema.Notifications, dbx.HashExp{schema.NotificationUser: ids["alice"]})
				if err != nil {
					t.Fatal(err)
				}
				counts["notifications"] = [2]int{len(doc.Notifications), int(told)}
				if told == 0 {
					t.Error("the fixture's exchanges told alice nothing")
				}
				for _, n := range doc.Notifications {
					if n[schema.NotificationUser] != ids["alice"] {
						t.Errorf("someone else's notification in the export: %v", n)
					}
				}
				for what, c := range counts {
					if c[0] != c[1] {
						t.Errorf("%d %s, want %d", c[0], what, c[1])
					}
				}
				for _, th := range doc.Threads {
					people := 0
					for _, m := range th.Messages {
						if m[schema.MessageKind] != schema.MessageKindSystem {
							people++
						}
					}
					want := 0
					if th.Thread["id"] == ids["t1"] || th.Thread["id"] == ids["t2"] {
						want = 2
					}
					if people != want || len(th.Messages) == people {
						t.Errorf("thread %v has %d messages of people (want %d) in %d", th.Thread["id"], people, want, len(th.Messages))
					}
				}
				for _, p := range doc.People {
					if p.ID == ids["alice"] || p.Name == "" {
						t.Errorf("people: %+v", p)
					}
				}
				if doc.Format != accounts.ExportFormat || doc.Profile["id"] != ids["alice"] {
					t.Errorf("format %q, profile id %v", doc.Format, doc.Profile["id"])
				}
			},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}

// TestExportHasSwaps: a person's swaps are in their export, and not in the
// export of someone outside them.
func TestExportHasSwaps(t *testing.T) {
	t.Parallel()
	app := factory(t)
	swap, err := testapp.CreateRecord(app, schema.Swaps, map[string]any{schema.SwapCycleKey: "export-test",
		schema.SwapState: schema.SwapStateProposed, schema.SwapParticipants: []string{ids["alice"], ids["bob"]},
		schema.SwapOffers: []string{ids["aliceShared"], ids["bobOffer"]}})
	if err != nil {
		t.Fatal(err)
	}
	for who, want := range map[string]int{"alice": 1, "bob": 1, "carol": 0} {
		doc, err := accounts.BuildExport(app, ids[who])
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Swaps) != want || (want == 1 && doc.Swaps[0]["id"] != swap.Id) {
			t.Errorf("%s's export has swaps %v, want %d", who, doc.Swaps, want)
		}
	}
}
