package swaps_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

var (
	template string
	ids      = map[string]string{}
	tokens   = map[string]string{}
	names    = map[string]string{} // id -> name
	seeded   = map[string]string{} // the rules fixture: swap, its leg, offers
	superTok string
)

// The fixture: people, and for the rules tests one proposed swap between
// ana and ben with an exchange pointing at it (written on the model path;
// the flow tests make their own swaps from matches through the API).
func TestMain(m *testing.M) {
	testapp.Main(m, &template, func(app core.App) error {
		if err := testapp.CreateUsers(app, ids, tokens, "ana", "ben", "cleo", "dan", "eve", "frank", "gina", "hugo"); err != nil {
			return err
		}
		for n, id := range ids {
			names[id] = n
		}
		su, err := testapp.CreateSuperuser(app, "mod@test.peerbase.local")
		if err != nil {
			return err
		}
		if superTok, err = su.NewAuthToken(); err != nil {
			return err
		}
		for _, o := range [][2]string{{"anaDraft", "ana"}, {"benDraft", "ben"}} {
			r, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.FieldOwner: ids[o[1]],
				schema.OfferTitle: "Fixture " + o[0], schema.FieldKind: schema.KindSwap, schema.FieldStatus: schema.StatusDraft})
			if err != nil {
				return err
			}
			seeded[o[0]] = r.Id
		}
		swap, err := testapp.CreateRecord(app, schema.Swaps, map[string]any{
			schema.SwapCycleKey: "fixture", schema.SwapParticipants: []string{ids["ana"], ids["ben"]},
			schema.SwapOffers: []string{seeded["anaDraft"], seeded["benDraft"]},
			schema.SwapLegs: []map[string]any{
				{"person": ids["ana"], "offer": seeded["anaDraft"], "to": ids["ben"]},
				{"person": ids["ben"], "offer": seeded["benDraft"], "to": ids["ana"]}},
			schema.SwapState: schema.SwapStateProposed,
		})
		if err != nil {
			return err
		}
		seeded["swap"] = swap.Id
		leg, err := testapp.CreateRecord(app, schema.Exchanges, map[string]any{
			schema.ExchangeOffer: seeded["anaDraft"], schema.ExchangeRequester: ids["ben"], schema.ExchangeSwap: swap.Id})
		if err != nil {
			return err
		}
		seeded["leg"] = leg.Id
		_, err = app.DB().NewQuery("DELETE FROM " + schema.MatchJobs).Execute()
		return err
	})
}

// world is one test app served over HTTP on loopback, the rate limiter off.
type world struct {
	t   *testing.T
	app *tests.TestApp
	srv *httptest.Server
}

func newWorld(t *testing.T) *world {
	t.Helper()
	app := testapp.FromTemplate(t, template)
	settings := app.Settings()
	settings.RateLimits.Enabled = false
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testapp.Handler(t, app))
	t.Cleanup(srv.Close)
	return &world{t: t, app: app, srv: srv}
}

// reply is an HTTP answer: status and JSON body.
type reply struct {
	status int
	body   map[string]any
	raw    string
}

// code is the field error code of field in a PocketBase error answer.
func (r reply) code(field string) string {
	data, _ := r.body["data"].(map[string]any)
	f, _ := data[field].(map[string]any)
	c, _ := f["code"].(string)
	return c
}

// do sends a request as who (a name, "super", or "" for anonymous).
func (w *world) do(method, path, who string, body any) reply {
	w.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		r = strings.NewReader(string(raw))
	}
	req, err := http.NewRequest(method, w.srv.URL+path, r)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	switch who {
	case "":
	case "super":
		req.Header.Set("Authorization", superTok)
	default:
		req.Header.Set("Authorization", tokens[who])
	}
	res, err := w.srv.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := reply{status: res.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

// must is do that fails the test unless the answer has status.
func (w *world) must(status int, method, path, who string, body any) reply {
	w.t.Helper()
	r := w.do(method, path, who, body)
	if r.status != status {
		w.t.Fatalf("%s %s as %s: %d %s, want %d", method, path, who, r.status, r.raw, status)
	}
	return r
}

// offer publishes an active swap offer of owner through the API.
func (w *world) offer(owner, title, wantsInReturn string) string {
	w.t.Helper()
	r := w.must(200, http.MethodPost, "/api/collections/offers/records", owner, map[string]any{
		"owner": ids[owner], "title": title, "kind": schema.KindSwap, "status": schema.StatusActive,
		"wants_in_return": wantsInReturn})
	return r.body["id"].(string)
}

// match waits for person's swap match (the matching worker writes it) and
// returns its id.
func (w *world) match(person string) string {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := w.must(200, http.MethodGet, "/api/collections/matches/records?filter="+
			"(kind%3D'swap-2'||kind%3D'swap-3')", person, nil)
		if items, _ := r.body["items"].([]any); len(items) > 0 {
			if len(items) > 1 {
				w.t.Fatalf("%s has %d swap matches, want 1", person, len(items))
			}
			return items[0].(map[string]any)["id"].(string)
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no swap match for %s", person)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *world) propose(who, match string) reply {
	w.t.Helper()
	return w.do(http.MethodPost, "/api/peerbase/swaps", who, map[string]any{"match": match})
}

// proposed proposes the swap of match as who and returns its id.
func (w *world) proposed(who, match string) string {
	w.t.Helper()
	return w.must(200, http.MethodPost, "/api/peerbase/swaps", who, map[string]any{"match": match}).body["id"].(string)
}

// accepted accepts swap as who and returns the answer, failing the test
// unless it is a 200.
func (w *world) accepted(who, swap string) reply {
	w.t.Helper()
	return w.must(200, http.MethodPost, "/api/peerbase/swaps/"+swap+"/accept", who, nil)
}

func (w *world) act(who, swap, action string) reply {
	w.t.Helper()
	return w.do(http.MethodPost, "/api/peerbase/swaps/"+swap+"/"+action, who, nil)
}

func (w *world) record(collection, id string) *core.Record {
	w.t.Helper()
	r, err := w.app.FindRecordById(collection, id)
	if err != nil {
		w.t.Fatalf("%s %s: %v", collection, id, err)
	}
	return r
}

func (w *world) swapState(id string) string {
	w.t.Helper()
	return w.record(schema.Swaps, id).GetString(schema.SwapState)
}

// offerStatuses returns "title:status" for each offer id, in order.
func (w *world) offerStatuses(offers ...string) string {
	w.t.Helper()
	var out []string
	for _, id := range offers {
		o := w.record(schema.Offers, id)
		out = append(out, o.GetString(schema.OfferTitle)+":"+o.GetString(schema.FieldStatus))
	}
	return strings.Join(out, ", ")
}

// legs returns the swap's exchanges as "owner>requester:state" by name,
// sorted by owner name, with the records by owner name.
func (w *world) legs(swap string) (string, map[string]*core.Record) {
	w.t.Helper()
	xs, err := w.app.FindAllRecords(schema.Exchanges, dbx.HashExp{schema.ExchangeSwap: swap})
	if err != nil {
		w.t.Fatal(err)
	}
	byOwner := map[string]*core.Record{}
	var out []string
	for _, x := range xs {
		owner := names[x.GetString(schema.ExchangeOwner)]
		byOwner[owner] = x
		out = append(out, fmt.Sprintf("%s>%s:%s", owner, names[x.GetString(schema.ExchangeRequester)], x.GetString(schema.ExchangeState)))
	}
	slices.Sort(out)
	return strings.Join(out, " "), byOwner
}

// told returns the titles of person's swap notifications about swap, oldest first.
func (w *world) told(person, swap string) []string {
	w.t.Helper()
	recs, err := w.app.FindRecordsByFilter(schema.Notifications, "user = {:u} && type = 'swap' && data.swap = {:s}",
		"created", 0, 0, dbx.Params{"u": ids[person], "s": swap})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.GetString(schema.NotificationTitle))
	}
	slices.Sort(out) // several may share a millisecond
	return out
}
