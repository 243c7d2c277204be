package changes_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/changes"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

var template string

// fixture ids and tokens, the same in every clone of the template
var (
	ids    = map[string]string{}
	tokens = map[string]string{}
	// fixtureCursor is the head of the log once the fixtures are written
	fixtureCursor string
)

func TestMain(m *testing.M) {
	testapp.Main(m, &template, func(app core.App) error {
		if err := testapp.CreateUsers(app, ids, tokens, "owner", "peer", "stranger"); err != nil {
			return err
		}
		offer, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.OfferTitle: "Cordless drill",
			schema.FieldOwner: ids["owner"], schema.FieldKind: schema.KindSell, schema.FieldStatus: schema.StatusActive})
		if err != nil {
			return err
		}
		ids["offer"] = offer.Id
		thread, err := testapp.CreateRecord(app, schema.Threads, map[string]any{schema.ThreadOffer: offer.Id, schema.ThreadPeer: ids["peer"]})
		if err != nil {
			return err
		}
		ids["thread"] = thread.Id
		for i, who := range []string{"peer", "owner"} {
			msg, err := testapp.CreateRecord(app, schema.Messages, map[string]any{schema.MessageThread: thread.Id,
				schema.MessageAuthor: ids[who], schema.MessageBody: fmt.Sprintf("message %d", i)})
			if err != nil {
				return err
			}
			ids[fmt.Sprintf("msg%d", i)] = msg.Id
		}
		ex, err := testapp.CreateRecord(app, schema.Exchanges, map[string]any{schema.ExchangeOffer: offer.Id,
			schema.ExchangeRequester: ids["peer"]})
		if err != nil {
			return err
		}
		ids["exchange"] = ex.Id
		// completed without the state machine's steps: the reviews need
		// one, and the steps are not what this package tests
		if _, err := app.DB().NewQuery("UPDATE exchanges SET state = 'completed' WHERE id = {:id}").
			Bind(map[string]any{"id": ex.Id}).Execute(); err != nil {
			return err
		}
		head, err := headSeq(app)
		fixtureCursor = changes.EncodeCursor(head)
		return err
	})
}

var factory = testapp.Factory(&template)

func auth(who string) map[string]string { return map[string]string{"Authorization": tokens[who]} }

func headSeq(app core.App) (int64, error) {
	var seq int64
	err := app.DB().NewQuery("SELECT seq FROM " + schema.ChangeSeqTable).Row(&seq)
	return seq, err
}

// item is a sync item as an app decodes it.
type item struct {
	Seq        int64          `json:"seq"`
	Collection string         `json:"collection"`
	Action     string         `json:"action"`
	ID         string         `json:"id"`
	Record     map[string]any `json:"record"`
}

// answer is a sync answer as an app decodes it.
type answer struct {
	Items  []item `json:"items"`
	Cursor string `json:"cursor"`
	More   bool   `json:"more"`
}

// find returns the item of collection and id, and whether there is one.
func (a answer) find(collection, id string) (item, bool) {
	for _, it := range a.Items {
		if it.Collection == collection && it.ID == id {
			return it, true
		}
	}
	return item{}, false
}

func decodeAnswer(t testing.TB, res *http.Response) answer {
	t.Helper()
	var a answer
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a
}

// server serves a clone of the template over real HTTP on loopback, with
// the router built as PocketBase serves it and the rate limiter off (the
// tests that use it write from many goroutines on purpose).
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

// do sends a JSON request with token and decodes a JSON answer into out.
func (s *server) do(token, method, path string, body, out any) (int, error) {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := s.srv.Client().Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.StatusCode, fmt.Errorf("failed to decode %s: %w", raw, err)
		}
	}
	if res.StatusCode >= 300 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode, nil
}

// sync asks for the changes after since as the user with token, failing
// the test on anything but a 200.
func (s *server) sync(t testing.TB, token, since string, limit int) answer {
	t.Helper()
	a, err := s.trySync(token, since, limit)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// trySync is sync for goroutines other than the test's, which may not
// call t.Fatal.
func (s *server) trySync(token, since string, limit int) (answer, error) {
	q := url.Values{}
	if since != "" {
		q.Set("since", since)
	}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	var a answer
	_, err := s.do(token, http.MethodGet, "/api/peerbase/sync?"+q.Encode(), nil, &a)
	return a, err
}

// cursorNow is the caller's cursor of an app that has just loaded everything.
func (s *server) cursorNow(t testing.TB, token string) string {
	t.Helper()
	a := s.sync(t, token, "", 0)
	if len(a.Items) != 0 || a.More || a.Cursor == "" {
		t.Fatalf("sync without since: got %+v, want a cursor and nothing else", a)
	}
	return a.Cursor
}
