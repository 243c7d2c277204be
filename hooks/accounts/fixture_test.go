package accounts_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

var template string

// fixture ids and tokens, the same in every clone of the template
var (
	ids    = map[string]string{}
	tokens = map[string]string{}
)

// pdf is a minimal PDF, an attachment messages accept.
var pdf = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

func TestMain(m *testing.M) {
	testapp.Main(m, &template, seed)
}

// factory clones the template for each scenario.
var factory = testapp.Factory(&template)

// deletedFactory clones the template and deletes Alice through the model
// path (the hook every write path runs: the records API, the dashboard),
// for the scenarios that look at what is left afterwards.
func deletedFactory(t testing.TB) *tests.TestApp {
	t.Helper()
	app := factory(t)
	alice, err := app.FindRecordById(schema.Users, ids["alice"])
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Delete(alice); err != nil {
		t.Fatalf("failed to delete Alice: %v", err)
	}
	return app
}

func authHeader(name string) map[string]string {
	return map[string]string{"Authorization": tokens[name]}
}

// seed makes Alice's account and the history she shares with Bob (and a
// little with Carol): the offers, threads, messages, exchanges and reviews
// of both directions, and Alice's private data.
func seed(app core.App) error {
	if err := testapp.CreateUsers(app, ids, tokens, "alice", "bob", "carol", "dave"); err != nil {
		return err
	}
	bob, err := app.FindRecordById(schema.Users, ids["bob"])
	if err != nil {
		return err
	}
	bob.Set(schema.UserTimezone, "America/Bogota")
	bob.Set(schema.UserLocale, "es-CO")
	if err := app.Save(bob); err != nil {
		return err
	}
	admin, err := testapp.CreateSuperuser(app, "admin@test.peerbase.local")
	if err != nil {
		return err
	}
	if tokens["admin"], err = admin.NewAuthToken(); err != nil {
		return err
	}

	type rec struct {
		key, collection string
		data            map[string]any
	}
	steps := []rec{
		{"aliceShared", schema.Offers, map[string]any{schema.FieldOwner: "alice", schema.OfferTitle: "Bike repairs by Alice",
			schema.FieldKind: schema.KindService, schema.FieldStatus: schema.StatusActive}},
		{"aliceLonely", schema.Offers, map[string]any{schema.FieldOwner: "alice", schema.OfferTitle: "Alice's lamp",
			schema.FieldKind: schema.KindSell, schema.FieldStatus: schema.StatusActive}},
		{"aliceDraft", schema.Offers, map[string]any{schema.FieldOwner: "alice", schema.OfferTitle: "Alice's draft",
			schema.FieldKind: schema.KindGive, schema.FieldStatus: schema.StatusDraft}},
		{"bobOffer", schema.Offers, map[string]any{schema.FieldOwner: "bob", schema.OfferTitle: "Bob's books",
			schema.FieldKind: schema.KindGive, schema.FieldStatus: schema.StatusActive}},

		{"t1", schema.Threads, map[string]any{schema.ThreadOffer: "aliceShared", schema.ThreadPeer: "bob"}},
		// each request writes a system message first in its thread; the
		// people's messages come after it
		{"ex1", schema.Exchanges, map[string]any{schema.ExchangeOffer: "aliceShared", schema.ExchangeRequester: "bob", schema.ExchangeThread: "t1"}},
		{"m1", schema.Messages, map[string]any{schema.MessageThread: "t1", schema.MessageAuthor: "bob", schema.MessageBody: "Can you fix my bike?"}},
		{"m2", schema.Messages, map[string]any{schema.MessageThread: "t1", schema.MessageAuthor: "alice", schema.MessageBody: "Yes, come to 3 rue Alice",
			schema.MessageAttachments: "map.pdf"}},
		{"t2", schema.Threads, map[string]any{schema.ThreadOffer: "bobOffer", schema.ThreadPeer: "alice"}},
		{"ex2", schema.Exchanges, map[string]any{schema.ExchangeOffer: "bobOffer", schema.ExchangeRequester: "alice", schema.ExchangeThread: "t2"}},
		{"m3", schema.Messages, map[string]any{schema.MessageThread: "t2", schema.MessageAuthor: "alice", schema.MessageBody: "I'd love the books"}},
		{"m4", schema.Messages, map[string]any{schema.MessageThread: "t2", schema.MessageAuthor: "bob", schema.MessageBody: "They're yours"}},

		{"t3", schema.Threads, map[string]any{schema.ThreadOffer: "bobOffer", schema.ThreadPeer: "carol"}},

		// no thread given: the request opens Carol's thread about the offer
		{"ex3", schema.Exchanges, map[string]any{schema.ExchangeOffer: "aliceShared", schema.ExchangeRequester: "carol"}},

		// open exchanges: Carol's request waits for Alice; Alice's booking of Bob's ladder is accepted
		{"bobLadder", schema.Offers, map[string]any{schema.FieldOwner: "bob", schema.OfferTitle: "Bob's ladder",
			schema.FieldKind: schema.KindLend, schema.FieldStatus: schema.StatusActive}},
		{"ex4", schema.Exchanges, map[string]any{schema.ExchangeOffer: "aliceShared", schema.ExchangeRequester: "carol"}},
		{"ex5", schema.Exchanges, map[string]any{schema.ExchangeOffer: "bobLadder", schema.ExchangeRequester: "alice",
			schema.ExchangeStart: "2027-03-01 10:00:00.000Z", schema.ExchangeEnd: "2027-03-03 10:00:00.000Z"}},
	}
	// values naming a fixture are replaced by its id
	resolve := func(data map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range data {
			if s, ok := v.(string); ok && ids[s] != "" {
				v = ids[s]
			}
			out[k] = v
		}
		return out
	}
	create := func(steps []rec) error {
		for _, s := range steps {
			data := resolve(s.data)
			if name, ok := data[schema.MessageAttachments].(string); ok {
				f, err := fileFromBytes(name)
				if err != nil {
					return err
				}
				data[schema.MessageAttachments] = f
			}
			r, err := testapp.CreateRecord(app, s.collection, data)
			if err != nil {
				return fmt.Errorf("%s: %w", s.key, err)
			}
			ids[s.key] = r.Id
		}
		return nil
	}
	if err := create(steps); err != nil {
		return err
	}
	// the state machine is not what these tests are about: complete the
	// exchanges directly
	for ex, state := range map[string]string{"ex1": schema.StateCompleted, "ex2": schema.StateCompleted,
		"ex3": schema.StateCompleted, "ex5": schema.StateAccepted} {
		if _, err := app.DB().NewQuery("UPDATE exchanges SET state = {:state} WHERE id = {:id}").
			Bind(map[string]any{"id": ids[ex], "state": state}).Execute(); err != nil {
			return err
		}
	}
	if err := create([]rec{
		// ex1 and ex2 are reviewed both ways: published, and they make the ratings
		{"r1", schema.Reviews, map[string]any{schema.ReviewExchange: "ex1", schema.ReviewAuthor: "alice", schema.ReviewRating: 4, schema.ReviewText: "Bob was punctual"}},
		{"r2", schema.Reviews, map[string]any{schema.ReviewExchange: "ex1", schema.ReviewAuthor: "bob", schema.ReviewRating: 5, schema.ReviewText: "Alice fixed it well"}},
		{"r3", schema.Reviews, map[string]any{schema.ReviewExchange: "ex2", schema.ReviewAuthor: "alice", schema.ReviewRating: 2, schema.ReviewText: "The books were damp"}},
		{"r4", schema.Reviews, map[string]any{schema.ReviewExchange: "ex2", schema.ReviewAuthor: "bob", schema.ReviewRating: 3, schema.ReviewText: "Alice came late"}},
		// Carol's review of Alice waits, blind, for Alice's
		{"r5", schema.Reviews, map[string]any{schema.ReviewExchange: "ex3", schema.ReviewAuthor: "carol", schema.ReviewRating: 1, schema.ReviewText: "Carol's unpublished words"}},

		{"aliceWant", schema.Wants, map[string]any{schema.FieldOwner: "alice", schema.WantQuery: "vintage radio", schema.WantActive: true}},
		{"aliceMatch", schema.Matches, map[string]any{schema.MatchRecipient: "alice", schema.FieldKind: "want", schema.MatchWant: "aliceWant", schema.MatchOffer: "bobOffer"}},
		{"aliceFollowsCarol", schema.Follows, map[string]any{schema.FollowFollower: "alice", schema.FollowFollowee: "carol"}},
		{"carolFollowsAlice", schema.Follows, map[string]any{schema.FollowFollower: "carol", schema.FollowFollowee: "alice"}},
		{"bobFollowsCarol", schema.Follows, map[string]any{schema.FollowFollower: "bob", schema.FollowFollowee: "carol"}},
		{"aliceBlocksDave", schema.Blocks, map[string]any{schema.BlockBlocker: "alice", schema.BlockBlocked: "dave"}},
		{"bobBlocksAlice", schema.Blocks, map[string]any{schema.BlockBlocker: "bob", schema.BlockBlocked: "alice"}},
		{"aliceSub", schema.PushSubscriptions, map[string]any{schema.SubUser: "alice", schema.SubEndpoint: "https://push.example.test/alice",
			schema.SubP256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", schema.SubAuth: "tBHItJI5svbpez7KI4CCXg"}},
		{"bobSub", schema.PushSubscriptions, map[string]any{schema.SubUser: "bob", schema.SubEndpoint: "https://push.example.test/bob",
			schema.SubP256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", schema.SubAuth: "tBHItJI5svbpez7KI4CCXg"}},
		{"aliceReport", schema.Reports, map[string]any{schema.ReportReporter: "alice", schema.ReportTargetColl: schema.Messages,
			schema.ReportTargetID: "m1", schema.ReportReason: "spam"}},
		{"bobReport", schema.Reports, map[string]any{schema.ReportReporter: "bob", schema.ReportTargetColl: schema.Messages,
			schema.ReportTargetID: "m2", schema.ReportReason: "harassment", schema.ReportNote: "Bob's note about Alice"}},
	}); err != nil {
		return err
	}
	// matching is not what these tests are about: no job may wait for the
	// matching worker, which would race the counts of what a deletion deletes
	_, err = app.DB().NewQuery("DELETE FROM " + schema.MatchJobs).Execute()
	return err
}

// fileFromBytes is the PDF attachment named name.
func fileFromBytes(name string) (*filesystem.File, error) {
	return filesystem.NewFileFromBytes(pdf, name)
}
