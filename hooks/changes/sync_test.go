package changes_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/changes"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

const syncURL = "/api/peerbase/sync"

// TestSyncVisibility: from the first cursor, each person gets what
// concerns them, enriched for them, and a stranger gets nothing of others'.
func TestSyncVisibility(t *testing.T) {
	t.Parallel()
	first := changes.EncodeCursor(0)
	superHeaders := map[string]string{}
	scenarios := []tests.ApiScenario{
		{
			Name: "the owner gets the thread, both messages, the exchange, its system message and his notification of it", Method: http.MethodGet,
			URL: syncURL + "?since=" + first, Headers: auth("owner"), TestAppFactory: factory,
			ExpectedStatus: 200, ExpectedContent: []string{`"more":false`},
			ExpectedEvents: map[string]int{"*": 0, "OnRecordEnrich": 6},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				a := decodeAnswer(t, res)
				want := map[string]string{ids["thread"]: schema.Threads, ids["msg0"]: schema.Messages,
					ids["msg1"]: schema.Messages, ids["exchange"]: schema.Exchanges}
				// the exchange request wrote a system message into the thread
				system, err := app.FindAllRecords(schema.Messages, dbx.HashExp{schema.MessageKind: schema.MessageKindSystem})
				if err != nil || len(system) != 1 {
					t.Fatalf("want the request's one system message, got %d (%v)", len(system), err)
				}
				want[system[0].Id] = schema.Messages
				// and told the owner, who did not make the move
				note, err := app.FindFirstRecordByFilter(schema.Notifications, "user = {:u}", dbx.Params{"u": ids["owner"]})
				if err != nil {
					t.Fatalf("the owner was not told of the request: %v", err)
				}
				want[note.Id] = schema.Notifications
				if len(a.Items) != len(want) {
					t.Fatalf("got %d items, want %d: %+v", len(a.Items), len(want), a.Items)
				}
				for i, it := range a.Items {
					if want[it.ID] != it.Collection || it.Record == nil || it.Record["id"] != it.ID {
						t.Errorf("unexpected item %+v", it)
					}
					if i > 0 && it.Seq <= a.Items[i-1].Seq {
						t.Errorf("items out of order: %d after %d", it.Seq, a.Items[i-1].Seq)
					}
				}
				// the thread's latest change (the exchange request's system message, after both
				// messages) is its only item
				if th, _ := a.find(schema.Threads, ids["thread"]); th.Action != schema.ActionUpdate || th.Record["last_message"] != "Exchange requested" {
					t.Errorf("thread item %+v, want its update with the last message", th)
				}
				if a.Cursor != fixtureCursor {
					t.Errorf("cursor %q, want the head %q", a.Cursor, fixtureCursor)
				}
			},
		},
		{
			Name: "a stranger gets nothing of the others' threads", Method: http.MethodGet,
			URL: syncURL + "?since=" + first, Headers: auth("stranger"), TestAppFactory: factory,
			ExpectedStatus: 200, ExpectedContent: []string{`"items":[]`, `"more":false`, `"cursor":"` + fixtureCursor + `"`},
			NotExpectedContent: []string{ids["thread"], ids["msg0"]},
			ExpectedEvents:     map[string]int{"*": 0},
		},
		{
			Name: "no since: the current cursor and no items", Method: http.MethodGet,
			URL: syncURL, Headers: auth("owner"), TestAppFactory: factory,
			ExpectedStatus: 200, ExpectedContent: []string{`"items":[]`, `"more":false`, `"cursor":"` + fixtureCursor + `"`},
			ExpectedEvents: map[string]int{"*": 0},
		},
		{
			Name: "a superuser gets a 403 (the log is per person)", Method: http.MethodGet, URL: syncURL,
			TestAppFactory: factory, Headers: superHeaders, // filled once the superuser exists
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				super, err := testapp.CreateSuperuser(app, "root@test.peerbase.local")
				if err != nil {
					t.Fatal(err)
				}
				superHeaders["Authorization"] = testapp.Token(t, super)
			},
			ExpectedStatus: 403, ExpectedContent: []string{`"status":403`}, ExpectedEvents: map[string]int{"*": 0},
		},
		{
			Name: "a guest gets a 401", Method: http.MethodGet, URL: syncURL + "?since=" + first, TestAppFactory: factory,
			ExpectedStatus: 401, ExpectedContent: []string{`"data":{}`}, ExpectedEvents: map[string]int{"*": 0},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// TestSyncBadInput: a malformed cursor or limit is a 400 naming it.
func TestSyncBadInput(t *testing.T) {
	t.Parallel()
	var scenarios []tests.ApiScenario
	for _, c := range []struct{ query, field string }{
		{"since=garbage!", "since"},
		{"since=" + changes.EncodeCursor(3) + "x", "since"},
		{"since=MTI", "since"}, // base64 of "12": not a cursor of ours
		{"since=" + fixtureCursor + "&limit=abc", "limit"},
		{"since=" + fixtureCursor + "&limit=0", "limit"},
		{"since=" + fixtureCursor + "&limit=-5", "limit"},
		{"limit=1.5", "limit"},
	} {
		scenarios = append(scenarios, tests.ApiScenario{
			Name: c.query, Method: http.MethodGet, URL: syncURL + "?" + c.query, Headers: auth("owner"),
			TestAppFactory: factory, ExpectedStatus: 400,
			ExpectedContent: []string{`"status":400`, `"data":{"` + c.field + `":{"code":"validation_invalid_`},
			ExpectedEvents:  map[string]int{"*": 0},
		})
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// TestSyncGone: a cursor older than the retention, or not of this server,
// is a 410 telling the app to reload; a cursor after the prune still works.
func TestSyncGone(t *testing.T) {
	t.Parallel()
	// every fixture change is 40 days old; one new message comes after
	ageAndPrune := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		if _, err := app.DB().NewQuery("UPDATE change_log SET at = {:at}").
			Bind(dbx.Params{"at": time.Now().Add(-40 * 24 * time.Hour).UTC().Format("2006-01-02 15:04:05.000Z")}).Execute(); err != nil {
			t.Fatal(err)
		}
		if _, err := testapp.CreateRecord(app, schema.Messages, map[string]any{schema.MessageThread: ids["thread"],
			schema.MessageAuthor: ids["peer"], schema.MessageBody: "still there?"}); err != nil {
			t.Fatal(err)
		}
		n, err := changes.Prune(app, time.Now(), 30*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		// the owner's and the peer's rows of the fixtures, but the thread's
		// (moved to the new message's change): five fixture records both
		// see (thread, two messages, the exchange and its system message),
		// and the owner's notification of the request
		if n != 2*5-2+1 {
			t.Errorf("pruned %d rows, want 9", n)
		}
	}
	gone := []string{`"status":410`, `"data":{"since":{"code":"validation_cursor_expired"`, `reload everything`}
	scenarios := []tests.ApiScenario{
		{
			Name: "a cursor from before the pruned changes", Method: http.MethodGet,
			URL: syncURL + "?since=" + changes.EncodeCursor(0), Headers: auth("owner"), TestAppFactory: factory,
			BeforeTestFunc: ageAndPrune, ExpectedStatus: 410, ExpectedContent: gone,
			ExpectedEvents: map[string]int{"*": 0},
		},
		{
			Name: "the cursor of an app that synced after the pruned changes", Method: http.MethodGet,
			URL: syncURL + "?since=" + fixtureCursor, Headers: auth("owner"), TestAppFactory: factory,
			BeforeTestFunc: ageAndPrune, ExpectedStatus: 200,
			ExpectedContent: []string{`"last_message":"still there?"`, `"body":"still there?"`},
			ExpectedEvents:  map[string]int{"*": 0, "OnRecordEnrich": 2},
		},
		{
			// the log keeps a record once, at its latest change: the
			// sequence numbers right after the cursor may have no row left,
			// and the cursor must not be refused for it
			Name: "a cursor just before a record changed twice", Method: http.MethodGet,
			URL: syncURL + "?since=" + fixtureCursor, Headers: auth("peer"), TestAppFactory: factory,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				if _, err := app.DB().NewQuery("UPDATE change_log SET at = '2020-01-01 00:00:00.000Z'").Execute(); err != nil {
					t.Fatal(err)
				}
				thread := mustFind(t, app, schema.Threads, ids["thread"])
				for _, n := range []int{3, 0} {
					thread.Set(schema.ThreadPeerUnread, n)
					if err := app.Save(thread); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := changes.Prune(app, time.Now(), 30*24*time.Hour); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"collection":"threads","action":"update","id":"` + ids["thread"] + `"`},
			ExpectedEvents: map[string]int{"*": 0, "OnRecordEnrich": 1},
		},
		{
			Name: "a cursor from the future (another server, a restored backup)", Method: http.MethodGet,
			URL: syncURL + "?since=" + changes.EncodeCursor(1_000_000), Headers: auth("owner"), TestAppFactory: factory,
			ExpectedStatus: 410, ExpectedContent: []string{`"status":410`, `"code":"validation_cursor_expired"`},
			ExpectedEvents: map[string]int{"*": 0},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// TestSyncReviews: an unpublished review reaches its author only; once
// published, its subject hears of it too.
func TestSyncReviews(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ownerAt, peerAt, strangerAt := s.cursorNow(t, tokens["owner"]), s.cursorNow(t, tokens["peer"]), s.cursorNow(t, tokens["stranger"])

	var peerReview struct{ ID string }
	if _, err := s.do(tokens["peer"], http.MethodPost, "/api/collections/reviews/records", map[string]any{
		"exchange": ids["exchange"], "author": ids["peer"], "rating": 5, "text": "great drill"}, &peerReview); err != nil {
		t.Fatal(err)
	}
	a := s.sync(t, tokens["peer"], peerAt, 0)
	if it, ok := a.find(schema.Reviews, peerReview.ID); !ok || it.Action != schema.ActionCreate || it.Record["published"] != false {
		t.Errorf("author: review item %+v (found %v), want the unpublished review", it, ok)
	}
	peerAt = a.Cursor
	if a := s.sync(t, tokens["owner"], ownerAt, 0); len(a.Items) != 0 {
		t.Errorf("subject before publication: got %+v, want nothing", a.Items)
	}

	var ownerReview struct{ ID string }
	if _, err := s.do(tokens["owner"], http.MethodPost, "/api/collections/reviews/records", map[string]any{
		"exchange": ids["exchange"], "author": ids["owner"], "rating": 4, "text": "on time"}, &ownerReview); err != nil {
		t.Fatal(err)
	}
	a = s.sync(t, tokens["owner"], ownerAt, 0)
	for _, id := range []string{peerReview.ID, ownerReview.ID} {
		if it, ok := a.find(schema.Reviews, id); !ok || it.Record["published"] != true {
			t.Errorf("subject after publication: review %s item %+v (found %v), want it published", id, it, ok)
		}
	}
	a = s.sync(t, tokens["peer"], peerAt, 0)
	if it, ok := a.find(schema.Reviews, peerReview.ID); !ok || it.Action != schema.ActionUpdate || it.Record["published"] != true {
		t.Errorf("author: own review item %+v (found %v), want its publication as an update", it, ok)
	}
	if _, ok := a.find(schema.Reviews, ownerReview.ID); !ok {
		t.Error("the author did not hear of the review about them")
	}
	if a := s.sync(t, tokens["stranger"], strangerAt, 0); len(a.Items) != 0 {
		t.Errorf("stranger: got %+v, want nothing", a.Items)
	}
}

// TestSyncRetractionAndDeletes: a retraction is an update; deletions reach
// every recipient (the log keeps them), cascades included.
func TestSyncRetractionAndDeletes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ownerAt, peerAt := s.cursorNow(t, tokens["owner"]), s.cursorNow(t, tokens["peer"])

	var msg struct{ ID string }
	if _, err := s.do(tokens["peer"], http.MethodPost, "/api/collections/messages/records", map[string]any{
		"thread": ids["thread"], "author": ids["peer"], "body": "wrong thread, sorry"}, &msg); err != nil {
		t.Fatal(err)
	}
	a := s.sync(t, tokens["owner"], ownerAt, 0)
	if it, ok := a.find(schema.Messages, msg.ID); !ok || it.Action != schema.ActionCreate || it.Record["body"] != "wrong thread, sorry" {
		t.Fatalf("new message item %+v (found %v)", it, ok)
	}
	ownerAt = a.Cursor
	if _, err := s.do(tokens["peer"], http.MethodPost, "/api/peerbase/messages/"+msg.ID+"/retract", nil, nil); err != nil {
		t.Fatal(err)
	}
	a = s.sync(t, tokens["owner"], ownerAt, 0)
	if it, ok := a.find(schema.Messages, msg.ID); !ok || it.Action != schema.ActionUpdate ||
		it.Record["retracted"] != true || it.Record["body"] != "" {
		t.Errorf("retracted message item %+v (found %v), want an update with the body gone", it, ok)
	}
	ownerAt = a.Cursor

	// a follow and its deletion reach both people
	strangerAt := s.cursorNow(t, tokens["stranger"])
	var follow struct{ ID string }
	if _, err := s.do(tokens["stranger"], http.MethodPost, "/api/collections/follows/records", map[string]any{
		"follower": ids["stranger"], "followee": ids["owner"]}, &follow); err != nil {
		t.Fatal(err)
	}
	if _, err := s.do(tokens["stranger"], http.MethodDelete, "/api/collections/follows/records/"+follow.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	for who, at := range map[string]string{"owner": ownerAt, "stranger": strangerAt} {
		a := s.sync(t, tokens[who], at, 0)
		if it, ok := a.find(schema.Follows, follow.ID); !ok || it.Action != schema.ActionDelete || it.Record != nil {
			t.Errorf("%s: follow item %+v (found %v), want a delete without a record", who, it, ok)
		}
	}
	if got := recipients(t, s.app, schema.Follows, follow.ID); !slices.Equal(got, sorted(ids["owner"], ids["stranger"])) {
		t.Errorf("the deleted follow's log rows are for %v, want the follower and the followee", got)
	}

	// a thread deleted by a moderator: the thread and each of its messages
	// (deleted in the cascade, after the thread's row) reach both sides
	super, err := testapp.CreateSuperuser(s.app, "mod@test.peerbase.local")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.do(testapp.Token(t, super), http.MethodDelete, "/api/collections/threads/records/"+ids["thread"], nil, nil); err != nil {
		t.Fatal(err)
	}
	for who, at := range map[string]string{"owner": ownerAt, "peer": peerAt} {
		a := s.sync(t, tokens[who], at, 0)
		for _, want := range []struct{ coll, id string }{{schema.Threads, ids["thread"]},
			{schema.Messages, ids["msg0"]}, {schema.Messages, ids["msg1"]}, {schema.Messages, msg.ID}} {
			if it, ok := a.find(want.coll, want.id); !ok || it.Action != schema.ActionDelete || it.Record != nil {
				t.Errorf("%s: %s %s item %+v (found %v), want a delete", who, want.coll, want.id, it, ok)
			}
		}
	}

	// a deleted person's own log goes with them
	if err := s.app.Delete(mustFind(t, s.app, schema.Users, ids["stranger"])); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := s.app.DB().NewQuery("SELECT COUNT(*) FROM change_log WHERE recipient = {:id}").
		Bind(dbx.Params{"id": ids["stranger"]}).Row(&left); err != nil || left != 0 {
		t.Errorf("a deleted user keeps %d log rows (%v)", left, err)
	}
}

// TestSyncAudienceChange: a record moved from one person to another is an
// update for both; the one who lost it gets it as a delete.
func TestSyncAudienceChange(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	match, err := testapp.CreateRecord(s.app, schema.Matches, map[string]any{schema.MatchRecipient: ids["peer"],
		schema.FieldKind: "want", schema.MatchOffer: ids["offer"], schema.MatchScore: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	peerAt, strangerAt := s.cursorNow(t, tokens["peer"]), s.cursorNow(t, tokens["stranger"])
	match.Set(schema.MatchRecipient, ids["stranger"])
	if err := s.app.Save(match); err != nil {
		t.Fatal(err)
	}
	if it, ok := s.sync(t, tokens["peer"], peerAt, 0).find(schema.Matches, match.Id); !ok || it.Action != schema.ActionDelete || it.Record != nil {
		t.Errorf("former recipient: match item %+v (found %v), want a delete", it, ok)
	}
	if it, ok := s.sync(t, tokens["stranger"], strangerAt, 0).find(schema.Matches, match.Id); !ok || it.Action != schema.ActionUpdate || it.Record == nil {
		t.Errorf("new recipient: match item %+v (found %v), want the match", it, ok)
	}
}

func mustFind(t testing.TB, app core.App, coll, id string) *core.Record {
	t.Helper()
	r, err := app.FindRecordById(coll, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// recipients lists, sorted, whose logs hold a row of the record.
func recipients(t testing.TB, app core.App, coll, id string) []string {
	t.Helper()
	var got []string
	if err := app.DB().NewQuery("SELECT recipient FROM change_log WHERE record_collection = {:c} AND record_id = {:id} ORDER BY recipient").
		Bind(dbx.Params{"c": coll, "id": id}).Column(&got); err != nil {
		t.Fatal(err)
	}
	return got
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

// TestPrune: the floor rises to the newest change dropped, never falls, and
// a second prune at the same time drops nothing.
func TestPrune(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	floor := func() int64 {
		var f int64
		if err := app.DB().NewQuery("SELECT floor FROM " + schema.ChangeSeqTable).Row(&f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	now := time.Now()
	if n, err := changes.Prune(app, now, 30*24*time.Hour); err != nil || n != 0 || floor() != 0 {
		t.Fatalf("pruning fresh changes: dropped %d (%v), floor %d; want nothing", n, err, floor())
	}
	head, err := headSeq(app)
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM change_log").Row(&rows); err != nil {
		t.Fatal(err)
	}
	// 31 days later every fixture change is past the retention
	later := now.Add(31 * 24 * time.Hour)
	if n, err := changes.Prune(app, later, 30*24*time.Hour); err != nil || n != rows || floor() != head {
		t.Fatalf("pruning everything: dropped %d of %d (%v), floor %d, want the head %d", n, rows, err, floor(), head)
	}
	if n, err := changes.Prune(app, later, 30*24*time.Hour); err != nil || n != 0 || floor() != head {
		t.Fatalf("pruning again: dropped %d (%v), floor %d", n, err, floor())
	}
}
