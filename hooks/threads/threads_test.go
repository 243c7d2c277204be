package threads_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
	"peerbase/hooks/threads"
	"peerbase/internal/testapp"
)

var template string

// fixture ids, the same in every clone of the template
var ids = map[string]string{}

// tokens of the fixture users: valid in every clone, since the template
// holds the users' token keys
var tokens = map[string]string{}

func TestMain(m *testing.M) {
	testapp.Main(m, &template, func(app core.App) error {
		if err := testapp.CreateUsers(app, ids, tokens, "owner", "peer", "stranger"); err != nil {
			return err
		}
		offer, err := testapp.CreateRecord(app, schema.Offers, map[string]any{
			schema.OfferTitle: "Cordless drill", schema.FieldOwner: ids["owner"],
			schema.FieldKind: schema.KindLend, schema.FieldStatus: schema.StatusActive,
		})
		if err != nil {
			return err
		}
		ids["offer"] = offer.Id
		thread, err := testapp.CreateRecord(app, schema.Threads, map[string]any{
			schema.ThreadOffer: offer.Id, schema.ThreadPeer: ids["peer"],
		})
		if err != nil {
			return err
		}
		ids["thread"] = thread.Id
		for i, who := range []string{"peer", "peer", "owner", "peer"} {
			msg, err := testapp.CreateRecord(app, schema.Messages, map[string]any{
				schema.MessageThread: thread.Id, schema.MessageAuthor: ids[who], schema.MessageBody: fmt.Sprintf("message %d", i),
			})
			if err != nil {
				return err
			}
			ids[fmt.Sprintf("msg%d", i)] = msg.Id
		}
		// msg0 is old: out of the retract window
		_, err = app.DB().NewQuery("UPDATE messages SET created = '2020-01-01 10:00:00.000Z' WHERE id = {:id}").
			Bind(map[string]any{"id": ids["msg0"]}).Execute()
		return err
	})
}

// factory clones the template for each scenario.
var factory = testapp.Factory(&template)

func authHeader(name string) map[string]string {
	return map[string]string{"Authorization": tokens[name]}
}

func TestThreadOwnerComesFromOffer(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	thread, err := app.FindRecordById(schema.Threads, ids["thread"])
	if err != nil {
		t.Fatal(err)
	}
	if got := thread.GetString(schema.ThreadOwner); got != ids["owner"] {
		t.Fatalf("thread owner = %q, want the offer's owner %q", got, ids["owner"])
	}
}

func TestMessageUpdatesThread(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{
		{
			Name:   "peer sends a message: preview and owner's unread count move",
			Method: http.MethodPost,
			URL:    "/api/collections/messages/records",
			Body: strings.NewReader(`{"thread":"` + ids["thread"] + `","author":"` + ids["peer"] +
				`","body":"  Is it\n still available?  "}`),
			TestAppFactory:  factory,
			Headers:         authHeader("peer"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"body":"Is it\n still available?"` /* trust trims the ends */},
			ExpectedEvents: map[string]int{
				"*":                          0,
				"OnRecordCreateRequest":      1,
				"OnRecordCreate":             1,
				"OnRecordCreateExecute":      1,
				"OnRecordAfterCreateSuccess": 1,
				"OnRecordValidate":           2,
				"OnRecordUpdate":             1,
				"OnRecordUpdateExecute":      1,
				"OnRecordAfterUpdateSuccess": 1,
				"OnRecordEnrich":             1,
				"OnModelCreate":              1,
				"OnModelCreateExecute":       1,
				"OnModelAfterCreateSuccess":  1,
				"OnModelUpdate":              1,
				"OnModelUpdateExecute":       1,
				"OnModelAfterUpdateSuccess":  1,
				"OnModelValidate":            2,
			},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				thread, err := app.FindRecordById(schema.Threads, ids["thread"])
				if err != nil {
					t.Fatal(err)
				}
				if got := thread.GetString(schema.ThreadLastMessage); got != "Is it still available?" {
					t.Errorf("last_message = %q", got)
				}
				// the fixture left the owner one unread message (message 3)
				if got := thread.GetInt(schema.ThreadOwnerUnread); got != 2 {
					t.Errorf("owner_unread = %d, want 2", got)
				}
				if got := thread.GetInt(schema.ThreadPeerUnread); got != 0 {
					t.Errorf("peer_unread = %d, want 0", got)
				}
				if thread.GetDateTime(schema.ThreadPeerReadAt).IsZero() || thread.GetDateTime(schema.ThreadLastMessageAt).IsZero() {
					t.Errorf("read marker or last_message_at not set: %v", thread.PublicExport())
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// threadField reads one field of the fixture thread after a scenario.
func threadField(t testing.TB, app core.App, field string) any {
	t.Helper()
	thread, err := app.FindRecordById(schema.Threads, ids["thread"])
	if err != nil {
		t.Fatal(err)
	}
	return thread.Get(field)
}

func TestReadAndRetractRoutes(t *testing.T) {
	t.Parallel()

	// the fixture thread: peer wrote 3 messages, owner 1; the last is peer's
	unreadIs := func(field string, want int) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if got := threadField(t, app, field); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s = %v, want %d", field, got, want)
			}
		}
	}
	retractURL := func(key string) string { return "/api/peerbase/messages/" + ids[key] + "/retract" }
	readURL := "/api/peerbase/threads/" + ids["thread"] + "/read"

	scenarios := []tests.ApiScenario{
		{
			Name: "the owner marks the thread read", Method: http.MethodPost, URL: readURL, Headers: authHeader("owner"),
			ExpectedStatus: 200, ExpectedContent: []string{`"owner_unread":0`, `"peer_unread":0`},
			AfterTestFunc: unreadIs(schema.ThreadOwnerUnread, 0),
		},
		{
			Name: "before reading, the owner had one unread message", Method: http.MethodGet,
			URL: "/api/collections/threads/records/" + ids["thread"], Headers: authHeader("owner"),
			ExpectedStatus: 200, ExpectedContent: []string{`"owner_unread":1`, `"last_message":"message 3"`},
		},
		{
			Name: "a stranger can't mark it read", Method: http.MethodPost, URL: readURL, Headers: authHeader("stranger"),
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`}, AfterTestFunc: unreadIs(schema.ThreadOwnerUnread, 1),
		},
		{
			Name: "anonymous can't mark it read", Method: http.MethodPost, URL: readURL,
			ExpectedStatus: 401, ExpectedContent: []string{`"data":{}`},
		},
		{
			Name: "the author retracts their last message", Method: http.MethodPost, URL: retractURL("msg3"), Headers: authHeader("peer"),
			ExpectedStatus: 200, ExpectedContent: []string{`"retracted":true`, `"body":""`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if got := threadField(t, app, schema.ThreadLastMessage); got != threads.RetractedPreview {
					t.Fatalf("last_message = %v", got)
				}
				msg, _ := app.FindRecordById(schema.Messages, ids["msg3"])
				if msg.GetString(schema.MessageBody) != "" || !msg.GetBool(schema.MessageRetracted) {
					t.Fatalf("message = %v", msg.PublicExport())
				}
			},
		},
		{
			Name: "the other participant can't retract it", Method: http.MethodPost, URL: retractURL("msg3"), Headers: authHeader("owner"),
			ExpectedStatus: 404, ExpectedContent: []string{`"data":{}`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				msg, _ := app.FindRecordById(schema.Messages, ids["msg3"])
				if msg.GetBool(schema.MessageRetracted) {
					t.Fatal("retracted by someone else")
				}
			},
		},
		{
			Name: "too late to retract an old message", Method: http.MethodPost, URL: retractURL("msg0"), Headers: authHeader("peer"),
			ExpectedStatus: 400, ExpectedContent: []string{"only within 5m0s"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				msg, _ := app.FindRecordById(schema.Messages, ids["msg0"])
				if msg.GetString(schema.MessageBody) != "message 0" {
					t.Fatal("an old message was emptied")
				}
			},
		},
		{
			Name: "messages can't be edited through the records API", Method: http.MethodPatch,
			URL: "/api/collections/messages/records/" + ids["msg3"], Body: strings.NewReader(`{"body":"edited"}`),
			Headers: authHeader("peer"), ExpectedStatus: 403, ExpectedContent: []string{`"data":{}`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = factory
		s.Test(t)
	}
}
