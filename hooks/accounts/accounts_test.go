package accounts_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/accounts"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// placeholderOf returns the one placeholder a deletion made.
func placeholderOf(t testing.TB, app core.App) *core.Record {
	t.Helper()
	ps, err := app.FindAllRecords(schema.Users, dbx.HashExp{schema.UserDeleted: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("%d placeholders, want 1", len(ps))
	}
	return ps[0]
}

func mustFind(t testing.TB, app core.App, collection, key string) *core.Record {
	t.Helper()
	r, err := app.FindRecordById(collection, ids[key])
	if err != nil {
		t.Fatalf("%s %s is gone: %v", collection, key, err)
	}
	return r
}

func mustBeGone(t testing.TB, app core.App, collection string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, err := app.FindRecordById(collection, ids[k]); err == nil {
			t.Errorf("%s %s is still there", collection, k)
		}
	}
}

// checkAliceGone checks what deleting Alice leaves: her shared history under
// one placeholder, her own data gone, everyone else's untouched.
func checkAliceGone(t testing.TB, app core.App) {
	t.Helper()
	mustBeGone(t, app, schema.Users, "alice")
	p := placeholderOf(t, app)
	if p.GetString(schema.UserName) != "Deleted user" || !strings.HasSuffix(p.Email(), "@deleted.invalid") || p.Verified() {
		t.Errorf("placeholder: name %q, email %q, verified %v", p.GetString(schema.UserName), p.Email(), p.Verified())
	}
	if p.GetFloat(schema.UserRatingAvg) != 4 || p.GetInt(schema.UserRatingCount) != 2 {
		t.Errorf("placeholder rating %v/%d, want Alice's 4/2", p.GetFloat(schema.UserRatingAvg), p.GetInt(schema.UserRatingCount))
	}

	// offers: the one others have history about is kept, closed; the rest go
	shared := mustFind(t, app, schema.Offers, "aliceShared")
	if shared.GetString(schema.FieldOwner) != p.Id || shared.GetString(schema.FieldStatus) != schema.StatusClosed {
		t.Errorf("shared offer: owner %q status %q", shared.GetString(schema.FieldOwner), shared.GetString(schema.FieldStatus))
	}
	mustBeGone(t, app, schema.Offers, "aliceLonely", "aliceDraft")
	mustFind(t, app, schema.Offers, "bobOffer")

	// threads keep two distinct participants
	if t1 := mustFind(t, app, schema.Threads, "t1"); t1.GetString(schema.ThreadOwner) != p.Id || t1.GetString(schema.ThreadPeer) != ids["bob"] ||
		t1.GetString(schema.ThreadLastMessage) != "Message deleted" {
		t.Errorf("t1: owner %q peer %q preview %q", t1.GetString(schema.ThreadOwner), t1.GetString(schema.ThreadPeer), t1.GetString(schema.ThreadLastMessage))
	}
	if t2 := mustFind(t, app, schema.Threads, "t2"); t2.GetString(schema.ThreadOwner) != ids["bob"] || t2.GetString(schema.ThreadPeer) != p.Id ||
		t2.GetString(schema.ThreadLastMessage) != "They're yours" {
		t.Errorf("t2: owner %q peer %q preview %q", t2.GetString(schema.ThreadOwner), t2.GetString(schema.ThreadPeer), t2.GetString(schema.ThreadLastMessage))
	}

	// her messages are emptied and marked deleted, their files removed; Bob's stay
	fsys, err := app.NewFilesystem()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	for _, k := range []string{"m2", "m3"} {
		m := mustFind(t, app, schema.Messages, k)
		if m.GetString(schema.MessageAuthor) != p.Id || m.GetString(schema.MessageBody) != "" || !m.GetBool(schema.MessageDeleted) ||
			len(m.GetStringSlice(schema.MessageAttachments)) != 0 {
			t.Errorf("Alice's message %s after deletion: %v", k, m.FieldsData())
		}
		files, err := fsys.List(m.BaseFilesPath() + "/")
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 0 {
			t.Errorf("message %s still has %d stored files", k, len(files))
		}
	}
	for k, body := range map[string]string{"m1": "Can you fix my bike?", "m4": "They're yours"} {
		if m := mustFind(t, app, schema.Messages, k); m.GetString(schema.MessageBody) != body || m.GetBool(schema.MessageDeleted) {
			t.Errorf("Bob's message %s changed: %v", k, m.FieldsData())
		}
	}

	// exchanges keep both sides; the history names the placeholder, not Alice
	for k, side := range map[string]string{"ex1": schema.ExchangeOwner, "ex2": schema.ExchangeRequester, "ex3": schema.ExchangeOwner} {
		ex := mustFind(t, app, schema.Exchanges, k)
		if ex.GetString(side) != p.Id || ex.GetString(schema.ExchangeState) != schema.StateCompleted {
			t.Errorf("%s: %s %q state %q", k, side, ex.GetString(side), ex.GetString(schema.ExchangeState))
		}
		if strings.Contains(ex.GetString(schema.ExchangeHistory), ids["alice"]) {
			t.Errorf("%s history still names Alice: %s", k, ex.GetString(schema.ExchangeHistory))
		}
	}

	// open exchanges end at once, so nobody waits for a person who is gone:
	// Carol's request is declined, Alice's accepted booking of Bob's ladder cancelled
	for k, want := range map[string][2]string{"ex4": {schema.ExchangeOwner, schema.StateDeclined},
		"ex5": {schema.ExchangeRequester, schema.StateCancelled}} {
		ex := mustFind(t, app, schema.Exchanges, k)
		history := ex.GetString(schema.ExchangeHistory)
		if ex.GetString(want[0]) != p.Id || ex.GetString(schema.ExchangeState) != want[1] ||
			!strings.Contains(history, `"reason":"account deleted"`) || strings.Contains(history, ids["alice"]) {
			t.Errorf("%s: %s %q state %q history %s, want %s by the placeholder", k, want[0], ex.GetString(want[0]),
				ex.GetString(schema.ExchangeState), history, want[1])
		}
	}

	// reviews both ways stay, as they were; Bob's rating is unchanged
	for k, want := range map[string][2]string{"r1": {"p", "bob"}, "r2": {"bob", "p"}, "r3": {"p", "bob"}, "r4": {"bob", "p"}, "r5": {"carol", "p"}} {
		r := mustFind(t, app, schema.Reviews, k)
		id := func(who string) string {
			if who == "p" {
				return p.Id
			}
			return ids[who]
		}
		if r.GetString(schema.ReviewAuthor) != id(want[0]) || r.GetString(schema.ReviewSubject) != id(want[1]) {
			t.Errorf("%s: author %q subject %q", k, r.GetString(schema.ReviewAuthor), r.GetString(schema.ReviewSubject))
		}
		if r.GetBool(schema.ReviewPublished) != (k != "r5") {
			t.Errorf("%s published = %v", k, r.GetBool(schema.ReviewPublished))
		}
	}
	bob := mustFind(t, app, schema.Users, "bob")
	if bob.GetFloat(schema.UserRatingAvg) != 3 || bob.GetInt(schema.UserRatingCount) != 2 {
		t.Errorf("Bob's rating %v/%d, want 3/2", bob.GetFloat(schema.UserRatingAvg), bob.GetInt(schema.UserRatingCount))
	}

	// reports: hers stay for moderation under the placeholder; those about her messages stay
	if r := mustFind(t, app, schema.Reports, "aliceReport"); r.GetString(schema.ReportReporter) != p.Id {
		t.Errorf("Alice's report: reporter %q", r.GetString(schema.ReportReporter))
	}
	mustFind(t, app, schema.Reports, "bobReport")

	// her private data is gone; other people's stays
	mustBeGone(t, app, schema.Wants, "aliceWant")
	mustBeGone(t, app, schema.Matches, "aliceMatch")
	mustBeGone(t, app, schema.Follows, "aliceFollowsCarol", "carolFollowsAlice")
	mustBeGone(t, app, schema.Blocks, "aliceBlocksDave", "bobBlocksAlice")
	mustBeGone(t, app, schema.PushSubscriptions, "aliceSub")
	mustFind(t, app, schema.Follows, "bobFollowsCarol")
	mustFind(t, app, schema.PushSubscriptions, "bobSub")
	if n, err := app.CountRecords(schema.Notifications, dbx.HashExp{schema.NotificationUser: p.Id}); err != nil || n != 0 {
		t.Errorf("%d notifications for the placeholder (%v)", n, err)
	}

	// and no relation anywhere still names her
	for _, r := range append([]accounts.Relation{accounts.OfferOwner}, append(accounts.SharedRelations, accounts.PrivateRelations...)...) {
		n, err := app.CountRecords(r.Collection, dbx.HashExp{r.Field: ids["alice"]})
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			t.Errorf("%d %s still name Alice", n, r)
		}
	}
}

// deleted is how many records deleting Alice deletes: herself, 2 offers, her
// want, her match, 2 follows, 2 blocks, her push subscription, and the 4
// notifications the fixture's exchanges and match wrote for her. (The seed
// leaves no match job waiting: the matching worker would race the count.)
const deleted = 14

// created is how many records deleting Alice creates: the placeholder that
// keeps her shared history, the system messages of the 2 exchanges her
// leaving cancels, and the notifications telling their other side.
const created = 5

func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	aliceURL := "/api/collections/users/records/" + ids["alice"]
	stillThere := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		mustFind(t, app, schema.Users, "alice")
		mustFind(t, app, schema.Offers, "aliceLonely")
		mustFind(t, app, schema.Threads, "t1")
		if ps, _ := app.FindAllRecords(schema.Users, dbx.HashExp{schema.UserDeleted: true}); len(ps) != 0 {
			t.Errorf("a refused deletion left %d placeholders", len(ps))
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "attack: Bob deletes Alice", Method: http.MethodDelete, URL: aliceURL, Headers: authHeader("bob"),
			TestAppFactory: factory, ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
			ExpectedEvents: map[string]int{"*": 0, "OnRecordDeleteRequest": 0}, AfterTestFunc: stillThere,
		},
		{
			Name: "attack: a stranger deletes Alice", Method: http.MethodDelete, URL: aliceURL, Headers: authHeader("dave"),
			TestAppFactory: factory, ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
			ExpectedEvents: map[string]int{"*": 0}, AfterTestFunc: stillThere,
		},
		{
			Name: "attack: anonymous deletes Alice", Method: http.MethodDelete, URL: aliceURL,
			TestAppFactory: factory, ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
			ExpectedEvents: map[string]int{"*": 0}, AfterTestFunc: stillThere,
		},
		{
			Name: "Alice deletes herself: her history with Bob stays for Bob", Method: http.MethodDelete, URL: aliceURL,
			Headers: authHeader("alice"), TestAppFactory: factory, ExpectedStatus: 204,
			ExpectedEvents: map[string]int{"OnRecordDeleteRequest": 1, "OnRecordCreate": created, "OnRecordAfterDeleteSuccess": deleted},
			AfterTestFunc:  func(t testing.TB, app *tests.TestApp, res *http.Response) { checkAliceGone(t, app) },
		},
		{
			Name: "a superuser deletes Alice in the dashboard: the same", Method: http.MethodDelete, URL: aliceURL,
			Headers: authHeader("admin"), TestAppFactory: factory, ExpectedStatus: 204,
			ExpectedEvents: map[string]int{"OnRecordDeleteRequest": 1, "OnRecordCreate": created, "OnRecordAfterDeleteSuccess": deleted},
			AfterTestFunc:  func(t testing.TB, app *tests.TestApp, res *http.Response) { checkAliceGone(t, app) },
		},
		{
			Name: "Alice deletes herself in a batch request: the same", Method: http.MethodPost, URL: "/api/batch",
			Headers: authHeader("alice"), TestAppFactory: factory,
			Body: strings.NewReader(`{"requests":[{"method":"DELETE","url":"` + aliceURL + `"}]}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				app.Settings().Batch.Enabled = true
				app.Settings().Batch.MaxRequests = 10
				// the shipped timeout (30 s, pb_migrations/1795700202) is left as
				// it is: clients get it
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"status":204`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) { checkAliceGone(t, app) },
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// TestAfterDeletion looks, through the API, at what Bob and everyone else
// see once Alice has deleted her account, and tries to use what is left of
// her.
func TestAfterDeletion(t *testing.T) {
	t.Parallel()
	ghostEmail := "ghost@test.peerbase.local"
	// knowGhost gives the placeholder an address and password the attacker
	// knows, to show that even then it can't sign in
	knowGhost := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		p := placeholderOf(t, app)
		p.SetEmail(ghostEmail)
		p.SetPassword(testapp.Password)
		if err := app.Save(p); err != nil {
			t.Fatal(err)
		}
	}
	signIn := func(email string) *strings.Reader {
		return strings.NewReader(`{"identity":"` + email + `","password":"` + testapp.Password + `"}`)
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "Bob still lists his three threads with her (and his with Carol)", Method: http.MethodGet, URL: "/api/collections/threads/records?expand=owner,peer",
			Headers: authHeader("bob"), ExpectedStatus: 200,
			// t1, t2, the ladder's (opened by Alice's booking) and t3
			ExpectedContent:    []string{`"totalItems":4`, ids["t1"], ids["t2"], ids["t3"], `"last_message":"Exchange cancelled"`, `"name":"Deleted user"`, `"deleted":true`, `"last_message":"Message deleted"`},
			NotExpectedContent: []string{"@deleted.invalid", "3 rue Alice"},
		},
		{
			Name: "Bob reads the messages: hers shown as deleted, his as they were", Method: http.MethodGet,
			URL:     "/api/collections/messages/records?sort=created&filter=" + urlFilter("thread='"+ids["t1"]+"'"),
			Headers: authHeader("bob"), ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":3`, "Can you fix my bike?", `"body":""`, `"deleted":true`, `"attachments":[]`,
				`"kind":"system"`, `"event":{"exchange":"` + ids["ex1"] + `","from":"","to":"requested","by":"` + ids["bob"] + `"}`},
			NotExpectedContent: []string{"3 rue Alice", "map"},
		},
		{
			Name: "Bob still lists his exchanges with her", Method: http.MethodGet, URL: "/api/collections/exchanges/records",
			Headers: authHeader("bob"), ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":3`, ids["ex1"], ids["ex2"], ids["ex5"], `"state":"completed"`},
		},
		{
			Name: "Bob still sees the reviews both ways", Method: http.MethodGet,
			URL:     "/api/collections/reviews/records?filter=" + urlFilter("exchange='"+ids["ex1"]+"' || exchange='"+ids["ex2"]+"'"),
			Headers: authHeader("bob"), ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":4`, "Bob was punctual", "Alice fixed it well", "The books were damp", "Alice came late"},
		},
		{
			Name: "Bob's rating is unchanged", Method: http.MethodGet, URL: "/api/collections/users/records/" + ids["bob"],
			Headers: authHeader("carol"), ExpectedStatus: 200,
			ExpectedContent: []string{`"rating_avg":3`, `"rating_count":2`},
		},
		{
			Name: "Bob can still mark the thread read", Method: http.MethodPost, URL: "/api/peerbase/threads/" + ids["t1"] + "/read",
			Headers: authHeader("bob"), ExpectedStatus: 200, ExpectedContent: []string{`"owner_unread"`},
		},
		{
			Name: "attack: Bob writes to the deleted person", Method: http.MethodPost, URL: "/api/collections/messages/records",
			Headers: authHeader("bob"), Body: strings.NewReader(`{"thread":"` + ids["t1"] + `","author":"` + ids["bob"] + `","body":"Are you there?"}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"thread":{"code":"validation_deleted_user"`},
		},
		{
			Name: "legitimate: Bob still writes to Carol", Method: http.MethodPost, URL: "/api/collections/messages/records",
			Headers: authHeader("bob"), Body: strings.NewReader(`{"thread":"` + ids["t3"] + `","author":"` + ids["bob"] + `","body":"Still want the books?"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"body":"Still want the books?"`},
		},
		{
			Name: "legitimate: Bob follows Dave", Method: http.MethodPost, URL: "/api/collections/follows/records",
			Headers: authHeader("bob"), Body: strings.NewReader(`{"follower":"` + ids["bob"] + `","followee":"` + ids["dave"] + `"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"followee":"` + ids["dave"] + `"`},
		},
		{
			Name: "the placeholder is left out of users lists", Method: http.MethodGet, URL: "/api/collections/users/records",
			Headers: authHeader("bob"), ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":3`}, NotExpectedContent: []string{"Deleted user", `"deleted":true`},
		},
		{
			Name: "attack: filtering users on deleted finds no placeholder", Method: http.MethodGet,
			URL:     "/api/collections/users/records?filter=" + urlFilter("deleted=true"),
			Headers: authHeader("bob"), ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name: "attack: Alice's token no longer works", Method: http.MethodPost, URL: "/api/collections/users/auth-refresh",
			Headers: authHeader("alice"), ExpectedStatus: 401, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "attack: Alice's token reads nothing of hers", Method: http.MethodGet, URL: "/api/peerbase/me/export",
			Headers: authHeader("alice"), ExpectedStatus: 401, NotExpectedContent: []string{"vintage radio"},
		},
		{
			Name: "attack: Alice's password no longer signs in", Method: http.MethodPost, URL: "/api/collections/users/auth-with-password",
			Body: signIn("alice@test.peerbase.local"), ExpectedStatus: 400, NotExpectedContent: []string{`"token"`},
		},
		{
			Name: "attack: the placeholder never signs in, even with a known password", Method: http.MethodPost,
			URL: "/api/collections/users/auth-with-password", Body: signIn(ghostEmail), BeforeTestFunc: knowGhost,
			ExpectedStatus: 403, ExpectedContent: []string{"requirements to authenticate"}, NotExpectedContent: []string{`"token"`},
		},
	}
	// the placeholder's id is known only once Alice is deleted: these
	// scenarios fill their request in BeforeTestFunc (it runs before the
	// request is built)
	refresh := &tests.ApiScenario{
		Name: "attack: a placeholder's token can't be refreshed", Method: http.MethodPost, URL: "/api/collections/users/auth-refresh",
		Headers: map[string]string{}, ExpectedStatus: 403, NotExpectedContent: []string{`"token"`},
	}
	refresh.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		// no token is ever issued to a placeholder: mint one to show that refreshing it is refused too
		refresh.Headers["Authorization"] = testapp.Token(t, placeholderOf(t, app))
	}
	deleteGhost := &tests.ApiScenario{
		Name: "attack: a superuser deleting the placeholder is refused while it holds history", Method: http.MethodDelete,
		Headers: authHeader("admin"), ExpectedStatus: 400, ExpectedContent: []string{`"data":{}`},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) { checkAliceGone(t, app) },
	}
	deleteGhost.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		deleteGhost.URL = "/api/collections/users/records/" + placeholderOf(t, app).Id
	}
	for _, s := range scenarios {
		s.TestAppFactory = deletedFactory
		s.Test(t)
	}
	followGhost := &tests.ApiScenario{
		Name: "attack: Bob follows the placeholder", Method: http.MethodPost, URL: "/api/collections/follows/records",
		Headers: authHeader("bob"), ExpectedStatus: 400, ExpectedContent: []string{`"followee":{"code":"validation_deleted_user"`},
	}
	followGhost.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		followGhost.Body = strings.NewReader(`{"follower":"` + ids["bob"] + `","followee":"` + placeholderOf(t, app).Id + `"}`)
	}
	for _, s := range []*tests.ApiScenario{refresh, deleteGhost, followGhost} {
		s.TestAppFactory = deletedFactory
		s.Test(t)
	}
}

// urlFilter escapes a filter for a query string.
func urlFilter(f string) string { return url.QueryEscape(f) }

// TestDeletedIsComputed: nobody makes themself (or a new account) look like
// a placeholder; only the deletion hook marks one.
func TestDeletedIsComputed(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "attack: Dave marks himself deleted", Method: http.MethodPatch, URL: "/api/collections/users/records/" + ids["dave"],
			Headers: authHeader("dave"), Body: strings.NewReader(`{"deleted":true}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"deleted":{`},
		},
		{
			Name: "attack: a sign-up as a placeholder", Method: http.MethodPost, URL: "/api/collections/users/records",
			Body:           strings.NewReader(`{"email":"eve@test.peerbase.local","password":"` + testapp.Password + `","passwordConfirm":"` + testapp.Password + `","name":"Deleted user","deleted":true}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"deleted":{`},
		},
		{
			Name: "legitimate: Dave edits his profile", Method: http.MethodPatch, URL: "/api/collections/users/records/" + ids["dave"],
			Headers: authHeader("dave"), Body: strings.NewReader(`{"bio":"I fix radios"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"bio":"I fix radios"`, `"deleted":false`},
		},
		{
			Name: "attack: Alice writes a message marked deleted", Method: http.MethodPost, URL: "/api/collections/messages/records",
			Headers: authHeader("alice"), Body: strings.NewReader(`{"thread":"` + ids["t1"] + `","author":"` + ids["alice"] + `","body":"hi","deleted":true}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"deleted":{`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}
