package social_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

var (
	template   string
	ids        = map[string]string{}
	tokens     = map[string]string{}
	adminToken string
)

// The fixture: people with no ties between them, and a superuser. Each test
// makes the follows, offers and favourites it is about.
func TestMain(m *testing.M) {
	dir, err := testapp.BuildTemplate(func(app core.App) error {
		if err := testapp.CreateUsers(app, ids, tokens, "ana", "ben", "cleo", "dan", "eve"); err != nil {
			return err
		}
		id, token = ids["ana"], tokens["ana"]
		admin, err := testapp.CreateSuperuser(app, "admin@test.peerbase.local")
		if err != nil {
			return err
		}
		adminToken, err = admin.NewAuthToken()
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	template = dir
	code := m.Run()
	if feedBench != nil { // kept across the benchmark's runs
		feedBench.app.Cleanup()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// server serves a clone of the template over real HTTP on loopback, the
// router built as PocketBase serves it (our routes and the follower worker
// started), the rate limiter off: tests write many records quickly.
type server struct {
	app *tests.TestApp
	srv *httptest.Server
}

func startServer(t testing.TB) *server {
	t.Helper()
	app := testapp.FromTemplate(t, template)
	app.Settings().RateLimits.Enabled = false
	s := &server{app: app, srv: httptest.NewServer(testapp.Handler(t, app))}
	t.Cleanup(s.srv.Close)
	return s
}

// do sends a JSON request as the user with token ("" anonymous) and
// returns the status and the decoded JSON answer.
func (s *server) do(t testing.TB, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
	}
	return res.StatusCode, out
}

// must is do that fails the test on any status but want.
func (s *server) must(t testing.TB, want int, token, method, path string, body any) map[string]any {
	t.Helper()
	status, out := s.do(t, token, method, path, body)
	if status != want {
		t.Fatalf("%s %s: %d %v, want %d", method, path, status, out, want)
	}
	return out
}

// fieldCode is the code of a field-level error in a PocketBase error answer.
func fieldCode(out map[string]any, field string) string {
	data, _ := out["data"].(map[string]any)
	f, _ := data[field].(map[string]any)
	code, _ := f["code"].(string)
	return code
}

// offer creates an offer through the API as who and returns its id.
func (s *server) offer(t testing.TB, who, title, status string, extra map[string]any) string {
	t.Helper()
	body := map[string]any{schema.FieldOwner: ids[who], schema.OfferTitle: title, schema.FieldKind: schema.KindSell,
		schema.FieldStatus: status, schema.OfferPrice: 20, schema.OfferCurrency: "EUR"}
	for k, v := range extra {
		body[k] = v
	}
	out := s.must(t, 200, tokens[who], http.MethodPost, "/api/collections/offers/records", body)
	return out["id"].(string)
}

// follow makes who follow whom through the API.
func (s *server) follow(t testing.TB, who, whom string) string {
	t.Helper()
	out := s.must(t, 200, tokens[who], http.MethodPost, "/api/collections/follows/records",
		map[string]any{schema.FollowFollower: ids[who], schema.FollowFollowee: ids[whom]})
	return out["id"].(string)
}

// notifications returns who's notifications of type typ, oldest first.
func notifications(t testing.TB, app core.App, who, typ string) []*core.Record {
	t.Helper()
	recs, err := app.FindRecordsByFilter(schema.Notifications, "user = {:u} && type = {:t}", "created,id", 0, 0,
		dbx.Params{"u": ids[who], "t": typ})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// eventually retries check until it passes or a few seconds went by: the
// follower worker writes after the request, by design.
func eventually(t testing.TB, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// count counts a collection's records matching a filter.
func count(t testing.TB, app core.App, collection, filter string, params dbx.Params) int {
	t.Helper()
	recs, err := app.FindRecordsByFilter(collection, filter, "", 0, 0, params)
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

func idsOf(out map[string]any) []string {
	items, _ := out["items"].([]any)
	var got []string
	for _, it := range items {
		got = append(got, it.(map[string]any)["id"].(string))
	}
	return got
}

// urlQuery escapes a query parameter value.
func urlQuery(s string) string { return url.QueryEscape(s) }

// expandOf is the expand of a record in an answer (empty when none).
func expandOf(record map[string]any) map[string]any {
	e, _ := record["expand"].(map[string]any)
	return e
}
