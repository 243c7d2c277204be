package moderation_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks"
	"peerbase/hooks/moderation"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

var (
	template string
	ids      = map[string]string{}
	tokens   = map[string]string{}
)

// The fixture: olga has an active offer and a public want; r1..r4 may
// report them; sam is a stranger; mod is a superuser. olga and sam share a
// thread about olga's offer.
func TestMain(m *testing.M) {
	testapp.Main(m, &template, func(app core.App) error {
		if err := testapp.CreateUsers(app, ids, tokens, "olga", "r1", "r2", "r3", "r4", "sam"); err != nil {
			return err
		}
		mod, err := testapp.CreateSuperuser(app, "mod@test.peerbase.local")
		if err != nil {
			return err
		}
		if tokens["mod"], err = mod.NewAuthToken(); err != nil {
			return err
		}
		offer, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.OfferTitle: "Red bike",
			schema.FieldOwner: ids["olga"], schema.FieldKind: schema.KindSell, schema.FieldStatus: schema.StatusActive})
		if err != nil {
			return err
		}
		ids["offer"] = offer.Id
		want, err := testapp.CreateRecord(app, schema.Wants, map[string]any{schema.WantQuery: "tent",
			schema.FieldOwner: ids["olga"], schema.WantPublic: true, schema.WantActive: true})
		if err != nil {
			return err
		}
		ids["want"] = want.Id
		thread, err := testapp.CreateRecord(app, schema.Threads, map[string]any{schema.ThreadOffer: offer.Id,
			schema.ThreadPeer: ids["sam"]})
		if err != nil {
			return err
		}
		ids["thread"] = thread.Id
		msg, err := testapp.CreateRecord(app, schema.Messages, map[string]any{schema.MessageThread: thread.Id,
			schema.MessageAuthor: ids["olga"], schema.MessageBody: "still available"})
		if err != nil {
			return err
		}
		ids["message"] = msg.Id
		return nil
	})
}

// env is one test app served over loopback HTTP, with its own clock.
type env struct {
	t   testing.TB
	app *tests.TestApp
	url string
	now time.Time
}

// newEnv clones the template into an app with the moderation config cfg
// changes (the clock is env.now), served on loopback.
func newEnv(t testing.TB, change func(*hooks.Config)) *env {
	t.Helper()
	app, err := tests.NewTestApp(template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	e := &env{t: t, app: app, now: time.Now()}
	cfg := hooks.DefaultConfig()
	cfg.Moderation.Now = func() time.Time { return e.now }
	if change != nil {
		change(&cfg)
	}
	if err := hooks.Register(app, cfg); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testapp.Handler(t, app))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// call sends a JSON request as who (a fixture name, a raw token, or "" for
// anonymous) and returns the status and the decoded answer.
func (e *env) call(method, path, who string, body any, headers ...string) (int, map[string]any) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, e.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	if tok, ok := tokens[who]; ok {
		req.Header.Set("Authorization", tok)
	} else if who != "" {
		req.Header.Set("Authorization", who)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	if len(raw) > 0 && len(out) == 0 {
		out["raw"] = string(raw)
	}
	return res.StatusCode, out
}

// report files a report of a target by who through the API.
func (e *env) report(who, coll, id string) (int, map[string]any) {
	e.t.Helper()
	return e.call(http.MethodPost, "/api/collections/reports/records", who, map[string]any{
		schema.ReportReporter: ids[who], schema.ReportTargetColl: coll, schema.ReportTargetID: id, schema.ReportReason: "spam"})
}

// mustReport files a report and fails unless it was created.
func (e *env) mustReport(who, coll, id string) string {
	e.t.Helper()
	code, body := e.report(who, coll, id)
	if code != 200 {
		e.t.Fatalf("%s reporting %s %s: %d %v", who, coll, id, code, body)
	}
	return body["id"].(string)
}

// visible tells whether who can view a record through the records API.
func (e *env) visible(who, coll, id string) bool {
	e.t.Helper()
	code, _ := e.call(http.MethodGet, "/api/collections/"+coll+"/records/"+id, who, nil)
	return code == 200
}

// record loads a record from the database, failing the test if it's gone.
func (e *env) record(coll, id string) *core.Record {
	e.t.Helper()
	r, err := e.app.FindRecordById(coll, id)
	if err != nil {
		e.t.Fatalf("%s %s: %v", coll, id, err)
	}
	return r
}

// logs returns the moderation_log entries of a target, oldest first.
func (e *env) logs(coll, id string) []*core.Record {
	e.t.Helper()
	recs, err := e.app.FindRecordsByFilter(schema.ModerationLog, "target_collection = {:c} && target_id = {:id}",
		"created,id", 0, 0, dbx.Params{"c": coll, "id": id})
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

// notifications returns the notifications of a user of a type.
func (e *env) notifications(user, typ string) []*core.Record {
	e.t.Helper()
	recs, err := e.app.FindAllRecords(schema.Notifications, dbx.HashExp{schema.NotificationUser: ids[user], schema.NotificationType: typ})
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

// openReports counts the open reports of a target.
func (e *env) openReports(coll, id string) int {
	e.t.Helper()
	n, err := e.app.CountRecords(schema.Reports, dbx.HashExp{schema.ReportTargetColl: coll, schema.ReportTargetID: id,
		schema.ReportStatus: schema.ReportOpen})
	if err != nil {
		e.t.Fatal(err)
	}
	return int(n)
}

var _ = moderation.ActorThreshold
