package ledger_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks"
	"peerbase/hooks/ledger"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

var (
	template string
	ids      = map[string]string{}
	tokens   = map[string]string{}
)

func TestMain(m *testing.M) {
	testapp.Main(m, &template, func(app core.App) error {
		return testapp.CreateUsers(app, ids, tokens, "alice", "bob", "carol", "owner")
	})
}

// world is one test app (ledger on unless said) served over real HTTP on
// loopback, with a superuser, the rate limiter off.
type world struct {
	t     *testing.T
	app   *tests.TestApp
	srv   *httptest.Server
	super string
}

func newWorld(t *testing.T, cfg ledger.Config) *world {
	t.Helper()
	app, err := tests.NewTestApp(template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	c := hooks.DefaultConfig()
	c.Ledger = cfg
	if err := hooks.Register(app, c); err != nil {
		t.Fatal(err)
	}
	settings := app.Settings()
	settings.RateLimits.Enabled = false
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	su, err := testapp.CreateSuperuser(app, "mod@test.peerbase.local")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testapp.Handler(t, app))
	t.Cleanup(srv.Close)
	return &world{t: t, app: app, srv: srv, super: testapp.Token(t, su)}
}

// token is the auth header of a fixture user, "mod" for the superuser, ""
// for anonymous.
func (w *world) token(who string) string {
	switch who {
	case "mod":
		return w.super
	case "":
		return ""
	}
	return tokens[who]
}

// do sends a JSON request as who and returns the status and raw answer.
func (w *world) do(t testing.TB, method, url, who string, body any) (int, string) {
	t.Helper()
	var b io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		b = strings.NewReader(string(raw))
	}
	req, err := http.NewRequest(method, w.srv.URL+url, b)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tok := w.token(who); tok != "" {
		req.Header.Set("Authorization", tok)
	}
	res, err := w.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(raw)
}

// grant gives who amount credits on the model path.
func (w *world) grant(who string, amount int) *core.Record {
	w.t.Helper()
	r, err := testapp.CreateRecord(w.app, schema.LedgerEntries, map[string]any{
		schema.LedgerAccount: ids[who], schema.LedgerCounterparty: ids[who], schema.LedgerAmount: amount,
		schema.LedgerKind: schema.LedgerKindGrant,
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// balance is who's balance as the ledger sums it.
func (w *world) balance(t testing.TB, who string) int {
	t.Helper()
	b, err := ledger.Balance(w.app, ids[who])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// entries counts the stored entries.
func (w *world) entries(t testing.TB) int {
	t.Helper()
	n, err := w.app.CountRecords(schema.LedgerEntries)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func decode(t testing.TB, raw string) map[string]any {
	t.Helper()
	out := map[string]any{}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return out
}

const (
	transferURL = "/api/peerbase/ledger/transfer"
	grantURL    = "/api/peerbase/ledger/grant"
	balanceURL  = "/api/peerbase/ledger/balance"
	entriesURL  = "/api/collections/ledger_entries/records"
)
