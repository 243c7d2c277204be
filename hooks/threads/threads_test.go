package threads_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
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
		for _, n := range []string{"owner", "peer", "stranger"} {
			u, err := testapp.CreateUser(app, n)
			if err != nil {
				return err
			}
			ids[n] = u.Id
			if tokens[n], err = u.NewAuthToken(); err != nil {
				return err
			}
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
		return nil
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
			ExpectedContent: []string{`"body":"  Is it\n still available?  "`},
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
				if got := thread.GetInt(schema.ThreadOwnerUnread); got != 1 {
					t.Errorf("owner_unread = %d, want 1", got)
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
