package swaps_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// TestSwapRules: a swap is its participants' only (list, view, expand);
// nobody but a superuser writes one through the records API (the routes
// do); a leg's swap is the server's to set.
func TestSwapRules(t *testing.T) {
	t.Parallel()
	coll := "/api/collections/swaps/records"
	one := coll + "/" + seeded["swap"]
	auth := func(who string) map[string]string {
		switch who {
		case "":
			return nil
		case "super":
			return map[string]string{"Authorization": superTok}
		}
		return map[string]string{"Authorization": tokens[who]}
	}
	body := func() *strings.Reader {
		return strings.NewReader(`{"cycle_key":"x","participants":["` + ids["eve"] + `","` + ids["dan"] + `"],"state":"proposed"}`)
	}
	var scenarios []tests.ApiScenario
	add := func(name, method, url, who string, status int, content, notContent []string, withBody bool) {
		if status == 403 {
			content = append(content, "Only superusers can perform this action.")
		}
		s := tests.ApiScenario{Name: name, Method: method, URL: url, Headers: auth(who), ExpectedStatus: status,
			ExpectedContent: content, NotExpectedContent: notContent, TestAppFactory: testapp.Factory(&template)}
		if withBody {
			s.Body = body()
		}
		scenarios = append(scenarios, s)
	}
	id := `"id":"` + seeded["swap"] + `"`
	// list
	add("list: anonymous", http.MethodGet, coll, "", 200, []string{`"totalItems":0`}, []string{id}, false)
	add("list: stranger", http.MethodGet, coll, "eve", 200, []string{`"totalItems":0`}, []string{id}, false)
	add("list: participant", http.MethodGet, coll, "ben", 200, []string{`"totalItems":1`, id, `"legs":[`}, nil, false)
	add("list: superuser", http.MethodGet, coll, "super", 200, []string{id}, nil, false)
	// view
	add("view: anonymous", http.MethodGet, one, "", 404, nil, []string{id}, false)
	add("view: stranger", http.MethodGet, one, "eve", 404, nil, []string{id}, false)
	add("view: participant", http.MethodGet, one, "ana", 200, []string{id, `"state":"proposed"`}, nil, false)
	add("view: superuser", http.MethodGet, one, "super", 200, []string{id}, nil, false)
	// create
	add("create: anonymous", http.MethodPost, coll, "", 403, nil, nil, true)
	add("create: stranger", http.MethodPost, coll, "eve", 403, nil, nil, true)
	add("create: participant", http.MethodPost, coll, "ana", 403, nil, nil, true)
	// a swap made by hand would have no match, legs or reserved offers behind it
	add("create: superuser", http.MethodPost, coll, "super", 400, []string{`"state":{"code":"validation_swap_routes_only"`}, nil, true)
	// update
	for _, who := range []string{"", "eve", "ana"} {
		scenarios = append(scenarios, tests.ApiScenario{Name: "update: " + who, Method: http.MethodPatch, URL: one, Headers: auth(who),
			Body: strings.NewReader(`{"state":"completed"}`), ExpectedStatus: 403,
			ExpectedContent: []string{"Only superusers can perform this action."}, TestAppFactory: testapp.Factory(&template),
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if s, _ := app.FindRecordById(schema.Swaps, seeded["swap"]); s.GetString(schema.SwapState) != schema.SwapStateProposed {
					t.Fatalf("the swap was changed to %s", s.GetString(schema.SwapState))
				}
			}})
	}
	// a superuser's cancel is carried out as a participant's: its leg is cancelled too
	scenarios = append(scenarios, tests.ApiScenario{Name: "update: superuser", Method: http.MethodPatch, URL: one, Headers: auth("super"),
		Body: strings.NewReader(`{"state":"cancelled"}`), ExpectedStatus: 200, ExpectedContent: []string{`"state":"cancelled"`},
		TestAppFactory: testapp.Factory(&template),
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if leg, err := app.FindRecordById(schema.Exchanges, seeded["leg"]); err != nil || leg.GetString(schema.ExchangeState) != schema.StateCancelled {
				t.Fatalf("the leg after the swap's cancel: %v %v", leg, err)
			}
		}})
	// delete
	for _, who := range []string{"", "eve", "ana"} {
		add("delete: "+who, http.MethodDelete, one, who, 403, nil, nil, false)
	}
	// an open swap can't be deleted: it would leave its people untold and
	// its legs without it; cancelled first, it can
	scenarios = append(scenarios, tests.ApiScenario{Name: "delete: superuser, open", Method: http.MethodDelete, URL: one, Headers: auth("super"),
		ExpectedStatus: 400, ExpectedContent: []string{`"state":{"code":"validation_swap_open"`, `"message":"Failed to delete record."`},
		TestAppFactory: testapp.Factory(&template),
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if s, err := app.FindRecordById(schema.Swaps, seeded["swap"]); err != nil || s.GetString(schema.SwapState) != schema.SwapStateProposed {
				t.Fatalf("the swap after the refused delete: %v %v", s, err)
			}
			if leg, err := app.FindRecordById(schema.Exchanges, seeded["leg"]); err != nil || leg.GetString(schema.ExchangeSwap) != seeded["swap"] {
				t.Fatalf("the leg after the refused delete: %v %v", leg, err)
			}
		}})
	scenarios = append(scenarios, tests.ApiScenario{Name: "delete: superuser, ended", Method: http.MethodDelete, URL: one, Headers: auth("super"),
		ExpectedStatus: 204, TestAppFactory: testapp.Factory(&template),
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			s, err := app.FindRecordById(schema.Swaps, seeded["swap"])
			if err != nil {
				t.Fatal(err)
			}
			s.Set(schema.SwapState, schema.SwapStateCancelled)
			if err := app.Save(s); err != nil {
				t.Fatal(err)
			}
		},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			// the leg outlives the swap, without it
			leg, err := app.FindRecordById(schema.Exchanges, seeded["leg"])
			if err != nil || leg.GetString(schema.ExchangeSwap) != "" {
				t.Fatalf("leg after the swap's deletion: %v %v", leg, err)
			}
		}})
	// expand
	ex := "?expand=participants,offers"
	benName := `"name":"ben"`
	add("expand: anonymous", http.MethodGet, coll+ex, "", 200, []string{`"totalItems":0`}, []string{benName}, false)
	add("expand: stranger", http.MethodGet, coll+ex, "eve", 200, []string{`"totalItems":0`}, []string{benName}, false)
	add("expand: participant", http.MethodGet, one+ex, "ana", 200, []string{`"expand":{`, benName, `"title":"Fixture anaDraft"`}, nil, false)
	add("expand: superuser", http.MethodGet, one+ex, "super", 200, []string{benName, `"title":"Fixture benDraft"`}, nil, false)
	leg := "/api/collections/exchanges/records/" + seeded["leg"] + "?expand=swap"
	add("expand a leg's swap: stranger", http.MethodGet, leg, "eve", 404, nil, []string{id}, false)
	add("expand a leg's swap: participant", http.MethodGet, leg, "ben", 200, []string{`"expand":{"swap":{`, id}, nil, false)
	add("expand a leg's swap: superuser", http.MethodGet, leg, "super", 200, []string{`"expand":{"swap":{`, id}, nil, false)
	scenarios = append(scenarios, tests.ApiScenario{Name: "an exchange can't be made a leg by a client", Method: http.MethodPost,
		URL: "/api/collections/exchanges/records", Headers: auth("ben"),
		Body: strings.NewReader(`{"offer":"` + seeded["anaDraft"] + `","requester":"` + ids["ben"] + `","swap":"` + seeded["swap"] + `"}`),
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			offer, err := app.FindRecordById(schema.Offers, seeded["anaDraft"])
			if err != nil {
				t.Fatal(err)
			}
			offer.Set(schema.FieldStatus, schema.StatusActive)
			if err := app.Save(offer); err != nil {
				t.Fatal(err)
			}
		},
		ExpectedStatus: 400, ExpectedContent: []string{`"swap":{"code":"validation_computed_field"`}, TestAppFactory: testapp.Factory(&template),
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if n, _ := app.CountRecords(schema.Exchanges); n != 1 {
				t.Fatalf("%d exchanges, want the fixture's 1", n)
			}
		}})
	for _, s := range scenarios {
		s.Test(t)
	}
}
