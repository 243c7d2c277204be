package exchanges_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/exchanges"
	"peerbase/hooks/schema"
	"peerbase/hooks/threads"
	"peerbase/internal/testapp"
)

// Issue 7, part 3: exchanges finish the job. Each test plays the moves
// through the HTTP API on one app served on loopback, attacks next to the
// legitimate path.

// events returns the events of the system messages in thread, oldest first.
func (w *world) events(t testing.TB, thread string) []threads.Event {
	t.Helper()
	msgs, err := w.app.FindRecordsByFilter(schema.Messages, "thread = {:t} && kind = 'system'", "created,id", 0, 0,
		dbx.Params{"t": thread})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]threads.Event, len(msgs))
	for i, m := range msgs {
		if err := m.UnmarshalJSONField(schema.MessageEvent, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// lastEventIs checks the last system message of the exchange's thread.
func (w *world) lastEventIs(x, from, to, by string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, _ *tests.TestApp, _ *http.Response) {
		t.Helper()
		thread := w.record(t, schema.Exchanges, x).GetString(schema.ExchangeThread)
		evs := w.events(t, thread)
		want := threads.Event{Exchange: x, From: from, To: to, By: by}
		if len(evs) == 0 || evs[len(evs)-1] != want {
			t.Fatalf("system messages of thread %s: %+v, want the last %+v", thread, evs, want)
		}
	}
}

// offerIs checks an offer's stored status.
func (w *world) offerIs(id, status string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, _ *tests.TestApp, _ *http.Response) {
		t.Helper()
		if got := w.record(t, schema.Offers, id).GetString(schema.FieldStatus); got != status {
			t.Fatalf("offer status = %s, want %s", got, status)
		}
	}
}

// urlQuery escapes a filter for a query string.
func urlQuery(s string) string { return url.QueryEscape(s) }

// TestSystemMessages: every move lands in the thread as a system message
// that both sides read, that carries its event, that no client can forge or
// retract, and that a block doesn't stop.
func TestSystemMessages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	give := w.offer(schema.KindGive)
	var x, thread, sysMsg string

	w.run(tests.ApiScenario{
		Name: "a request without a thread opens the requester's and says so there", Method: http.MethodPost,
		URL: "/api/collections/exchanges/records", Headers: w.as("requester"),
		Body:           body(map[string]any{schema.ExchangeOffer: give, schema.ExchangeRequester: ids["requester"]}),
		ExpectedStatus: 200, ExpectedContent: []string{`"state":"requested"`},
		AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
			var got map[string]any
			if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			x, _ = got["id"].(string)
			thread, _ = got[schema.ExchangeThread].(string)
			if thread == "" {
				t.Fatal("the exchange has no thread")
			}
			th := w.record(t, schema.Threads, thread)
			if th.GetString(schema.ThreadPeer) != ids["requester"] || th.GetString(schema.ThreadOffer) != give {
				t.Errorf("thread: %v", th.FieldsData())
			}
			// the requester made the move: news to the owner only
			if th.GetString(schema.ThreadLastMessage) != "Exchange requested" || th.GetInt(schema.ThreadOwnerUnread) != 1 ||
				th.GetInt(schema.ThreadPeerUnread) != 0 {
				t.Errorf("thread preview %q, unread owner %d peer %d", th.GetString(schema.ThreadLastMessage),
					th.GetInt(schema.ThreadOwnerUnread), th.GetInt(schema.ThreadPeerUnread))
			}
			w.lastEventIs(x, "", schema.StateRequested, ids["requester"])(t, nil, nil)
			m, err := w.app.FindFirstRecordByFilter(schema.Messages, "thread = {:t} && kind = 'system'", dbx.Params{"t": thread})
			if err != nil {
				t.Fatal(err)
			}
			sysMsg = m.Id
		},
	})
	for _, who := range []string{"owner", "requester"} {
		w.run(tests.ApiScenario{
			Name: "the " + who + " reads the system message with its event", Method: http.MethodGet,
			URL: "/api/collections/messages/records?filter=" + urlQuery("thread='"+thread+"'"), Headers: w.as(who),
			ExpectedStatus: 200, ExpectedContent: []string{`"kind":"system"`, `"body":""`,
				`"event":{"exchange":"` + x + `","from":"","to":"requested","by":"` + ids["requester"] + `"}`},
		})
	}
	w.run(
		tests.ApiScenario{
			Name: "a stranger doesn't", Method: http.MethodGet,
			URL: "/api/collections/messages/records?filter=" + urlQuery("thread='"+thread+"'"), Headers: w.as("other"),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`},
		},
		tests.ApiScenario{
			Name: "attack: a participant forges a system message", Method: http.MethodPost, URL: "/api/collections/messages/records",
			Headers: w.as("requester"), Body: body(map[string]any{schema.MessageThread: thread, schema.MessageAuthor: ids["requester"],
				schema.MessageKind: schema.MessageKindSystem, schema.MessageBody: "The owner accepted"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"kind":{"code":"validation_computed_field"`},
		},
		tests.ApiScenario{
			Name: "attack: a participant forges an event", Method: http.MethodPost, URL: "/api/collections/messages/records",
			Headers: w.as("requester"), Body: body(map[string]any{schema.MessageThread: thread, schema.MessageAuthor: ids["requester"],
				schema.MessageBody: "ok", schema.MessageEvent: map[string]any{"exchange": x, "from": "requested", "to": "accepted", "by": ids["owner"]}}),
			ExpectedStatus: 400, ExpectedContent: []string{`"event":{"code":"validation_computed_field"`},
		},
		tests.ApiScenario{
			Name: "a participant's own message is a person's", Method: http.MethodPost, URL: "/api/collections/messages/records",
			Headers: w.as("requester"), Body: body(map[string]any{schema.MessageThread: thread, schema.MessageAuthor: ids["requester"],
				schema.MessageBody: "When can I pick it up?"}),
			ExpectedStatus: 200, ExpectedContent: []string{`"kind":"user"`, `"event":null`},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, _ *http.Response) {
				if n := len(w.events(t, thread)); n != 1 {
					t.Errorf("%d system messages, want 1", n)
				}
			},
		},
		tests.ApiScenario{
			Name: "the owner accepts: the gift is reserved and the thread says who accepted", Method: http.MethodPatch,
			URL: recordURL(schema.Exchanges, x), Headers: w.as("owner"), Body: body(map[string]any{schema.ExchangeState: schema.StateAccepted}),
			ExpectedStatus: 200, ExpectedContent: []string{`"state":"accepted"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				w.lastEventIs(x, schema.StateRequested, schema.StateAccepted, ids["owner"])(t, app, res)
				w.offerIs(give, schema.StatusReserved)(t, app, res)
				th := w.record(t, schema.Threads, thread)
				if th.GetString(schema.ThreadLastMessage) != "Exchange accepted" || th.GetInt(schema.ThreadOwnerUnread) != 0 ||
					th.GetInt(schema.ThreadPeerUnread) != 1 {
					t.Errorf("thread preview %q, unread owner %d peer %d", th.GetString(schema.ThreadLastMessage),
						th.GetInt(schema.ThreadOwnerUnread), th.GetInt(schema.ThreadPeerUnread))
				}
			},
		},
	)
	w.run(
		tests.ApiScenario{
			Name: "attack: the author of a system message retracts it", Method: http.MethodPost,
			URL: "/api/peerbase/messages/" + lastSystemMessage(t, w, thread) + "/retract", Headers: w.as("owner"),
			ExpectedStatus: 400, ExpectedContent: []string{"can't be retracted"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				w.lastEventIs(x, schema.StateRequested, schema.StateAccepted, ids["owner"])(t, app, res)
				if m := w.record(t, schema.Messages, sysMsg); m.GetBool(schema.MessageRetracted) {
					t.Error("the request's system message was retracted")
				}
			},
		},
		tests.ApiScenario{
			Name: "attack: nor anyone else", Method: http.MethodPost,
			URL: "/api/peerbase/messages/" + sysMsg + "/retract", Headers: w.as("requester"),
			ExpectedStatus: 400, ExpectedContent: []string{"can't be retracted"},
		},
		tests.ApiScenario{
			Name: "the owner blocks the requester", Method: http.MethodPost, URL: "/api/collections/blocks/records",
			Headers: w.as("owner"), Body: body(map[string]any{schema.BlockBlocker: ids["owner"], schema.BlockBlocked: ids["requester"]}),
			ExpectedStatus: 200,
		},
		tests.ApiScenario{
			Name: "attack: after the block the requester can't write", Method: http.MethodPost, URL: "/api/collections/messages/records",
			Headers: w.as("requester"), Body: body(map[string]any{schema.MessageThread: thread, schema.MessageAuthor: ids["requester"],
				schema.MessageBody: "Why?"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"thread":{"code":"validation_blocked"`},
		},
		tests.ApiScenario{
			Name: "but the requester still cancels, and the cancel is written in the thread", Method: http.MethodPatch,
			URL: recordURL(schema.Exchanges, x), Headers: w.as("requester"), Body: body(map[string]any{schema.ExchangeState: schema.StateCancelled}),
			ExpectedStatus: 200, ExpectedContent: []string{`"state":"cancelled"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				w.lastEventIs(x, schema.StateAccepted, schema.StateCancelled, ids["requester"])(t, app, res)
				w.offerIs(give, schema.StatusActive)(t, app, res)
				if n := len(w.events(t, thread)); n != 3 {
					t.Errorf("%d system messages, want 3 (requested, accepted, cancelled)", n)
				}
			},
		},
	)
}

// lastSystemMessage is the id of the newest system message in thread.
func lastSystemMessage(t testing.TB, w *world, thread string) string {
	t.Helper()
	msgs, err := w.app.FindRecordsByFilter(schema.Messages, "thread = {:t} && kind = 'system'", "-created,-id", 1, 0, dbx.Params{"t": thread})
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no system message in %s: %v", thread, err)
	}
	return msgs[0].Id
}

// TestSystemMessagesOfMovesNobodyMade: a moderator's move and the
// quiet-period completion are written too, as news to both sides, and a
// legacy exchange without a thread gets the requester's thread even after a
// block.
func TestSystemMessagesOfMovesNobodyMade(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sale := w.exchange(w.offer(schema.KindSell), "requester", "", schema.StateAccepted)
	// an exchange from before threads were opened for requests
	legacy := w.exchange(w.offer(schema.KindGive), "other", "")
	r := w.record(t, schema.Exchanges, legacy)
	old := r.GetString(schema.ExchangeThread)
	if _, err := w.app.DB().Update(schema.Exchanges, dbx.Params{schema.ExchangeThread: ""}, dbx.HashExp{"id": legacy}).Execute(); err != nil {
		t.Fatal(err)
	}
	th := w.record(t, schema.Threads, old)
	if err := w.app.Delete(th); err != nil {
		t.Fatal(err)
	}
	if _, err := testapp.CreateRecord(w.app, schema.Blocks, map[string]any{schema.BlockBlocker: ids["other"], schema.BlockBlocked: ids["owner"]}); err != nil {
		t.Fatal(err)
	}

	w.run(
		tests.ApiScenario{
			Name: "the requester hands over and confirms", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, sale),
			Headers: w.as("requester"), Body: body(map[string]any{schema.ExchangeState: schema.StateHandedOver}),
			ExpectedStatus: 200, AfterTestFunc: w.lastEventIs(sale, schema.StateAccepted, schema.StateHandedOver, ids["requester"]),
		},
		tests.ApiScenario{
			Name: "the quiet period completes it: by system, news to both", Method: http.MethodGet, URL: recordURL(schema.Exchanges, sale),
			Headers: w.as("requester"), ExpectedStatus: 200,
			BeforeTestFunc: func(t testing.TB, _ *tests.TestApp, _ *core.ServeEvent) {
				before := w.record(t, schema.Threads, w.record(t, schema.Exchanges, sale).GetString(schema.ExchangeThread))
				quiet := exchanges.DefaultConfig().CompleteAfter
				// the template's handed-over sale is due too
				if n, err := exchanges.CompleteDue(w.app, quiet, time.Now().Add(quiet+time.Hour)); err != nil || n != 2 {
					t.Fatalf("completed %d: %v", n, err)
				}
				after := w.record(t, schema.Threads, before.Id)
				if after.GetInt(schema.ThreadOwnerUnread) != before.GetInt(schema.ThreadOwnerUnread)+1 ||
					after.GetInt(schema.ThreadPeerUnread) != before.GetInt(schema.ThreadPeerUnread)+1 {
					t.Errorf("unread owner %d→%d peer %d→%d, want one more each", before.GetInt(schema.ThreadOwnerUnread),
						after.GetInt(schema.ThreadOwnerUnread), before.GetInt(schema.ThreadPeerUnread), after.GetInt(schema.ThreadPeerUnread))
				}
			},
			ExpectedContent: []string{`"state":"completed"`},
			AfterTestFunc:   w.lastEventIs(sale, schema.StateHandedOver, schema.StateCompleted, exchanges.BySystem),
		},
		tests.ApiScenario{
			Name: "a moderator's move is the moderator's", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, legacy),
			Headers: w.as("mod"), Body: body(map[string]any{schema.ExchangeState: schema.StateDeclined}),
			ExpectedStatus: 200,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				x := w.record(t, schema.Exchanges, legacy)
				thread := x.GetString(schema.ExchangeThread)
				if thread == "" || thread == old {
					t.Fatalf("the legacy exchange's thread is %q", thread)
				}
				w.lastEventIs(legacy, schema.StateRequested, schema.StateDeclined, exchanges.ByModerator)(t, app, res)
				th := w.record(t, schema.Threads, thread)
				if th.GetString(schema.ThreadPeer) != ids["other"] || th.GetInt(schema.ThreadOwnerUnread) != 1 || th.GetInt(schema.ThreadPeerUnread) != 1 {
					t.Errorf("opened thread: %v", th.FieldsData())
				}
			},
		},
	)
}

// TestOfferFollowsItsExchange: reserved on accept, closed on completion,
// active again only when the exchange that reserved it ends, never
// un-hidden.
func TestOfferFollowsItsExchange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sell := w.offer(schema.KindSell)
	first := w.exchange(sell, "requester", "")
	second := w.exchange(sell, "other", "")
	hidden := w.offer(schema.KindGive)
	gift := w.exchange(hidden, "requester", "")
	swap := w.offer(schema.KindSwap)
	swapped := w.exchange(swap, "requester", "", schema.StateAccepted, schema.StateHandedOver)
	rent := w.offer(schema.KindRent)
	rental := w.exchange(rent, "requester", "2027-06-01 10:00:00.000Z")

	state := func(name, who, x, to string, status int, after func(testing.TB, *tests.TestApp, *http.Response), content ...string) tests.ApiScenario {
		return tests.ApiScenario{Name: name, Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x), Headers: w.as(who),
			Body: body(map[string]any{schema.ExchangeState: to}), ExpectedStatus: status, ExpectedContent: content, AfterTestFunc: after}
	}
	w.run(
		state("accepting a sale reserves the offer", "owner", first, schema.StateAccepted, 200, w.offerIs(sell, schema.StatusReserved)),
		state("attack: the second request can't be accepted too", "owner", second, schema.StateAccepted, 400, w.offerIs(sell, schema.StatusReserved),
			`"state":{"code":"validation_already_promised"`),
		state("declining the other request leaves it reserved: that one never held it", "owner", second, schema.StateDeclined, 200,
			w.offerIs(sell, schema.StatusReserved)),
		state("cancelling the one that reserved it frees it", "requester", first, schema.StateCancelled, 200, w.offerIs(sell, schema.StatusActive)),

		state("a gift is reserved", "owner", gift, schema.StateAccepted, 200, w.offerIs(hidden, schema.StatusReserved)),
		tests.ApiScenario{Name: "a moderator hides it", Method: http.MethodPatch, URL: recordURL(schema.Offers, hidden), Headers: w.as("mod"),
			Body: body(map[string]any{schema.FieldStatus: schema.StatusHidden}), ExpectedStatus: 200},
		state("attack: cancelling doesn't un-hide the moderated offer", "owner", gift, schema.StateCancelled, 200, w.offerIs(hidden, schema.StatusHidden)),

		state("one side's completion doesn't close it", "requester", swapped, schema.StateCompleted, 200, w.offerIs(swap, schema.StatusReserved)),
		state("both sides' completion closes the swap", "owner", swapped, schema.StateCompleted, 200, w.offerIs(swap, schema.StatusClosed),
			`"state":"completed"`),
		state("a rental doesn't reserve its offer: other dates stay bookable", "owner", rental, schema.StateAccepted, 200,
			w.offerIs(rent, schema.StatusActive)),
	)
}

// TestDisputeResolution: a superuser settles a dispute only with a note
// that the parties can neither write nor read, and the resolution is in
// moderation_log.
func TestDisputeResolution(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sell := w.offer(schema.KindSell)
	x := w.exchange(sell, "requester", "", schema.StateAccepted)
	const note = "Both sides agree the bike never changed hands."

	logged := func(t testing.TB, _ *tests.TestApp, _ *http.Response) {
		entries, err := w.app.FindAllRecords(schema.ModerationLog, dbx.HashExp{schema.ModTargetColl: schema.Exchanges, schema.ModTargetID: x})
		if err != nil || len(entries) != 1 {
			t.Fatalf("%d moderation_log entries: %v", len(entries), err)
		}
		e := entries[0]
		var data map[string]any
		_ = e.UnmarshalJSONField(schema.ModData, &data)
		if e.GetString(schema.ModAction) != "resolve" || e.GetString(schema.ModNote) != note ||
			e.GetString(schema.ModActor) != "mod@test.peerbase.local" || data["from"] != schema.StateDisputed || data["to"] != schema.StateCancelled {
			t.Errorf("moderation_log entry: %v", e.FieldsData())
		}
	}
	noLog := func(t testing.TB, _ *tests.TestApp, _ *http.Response) {
		if n, err := w.app.CountRecords(schema.ModerationLog); err != nil || n != 0 {
			t.Fatalf("%d moderation_log entries: %v", n, err)
		}
	}
	w.run(
		tests.ApiScenario{Name: "the requester disputes", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x), Headers: w.as("requester"),
			Body: body(map[string]any{schema.ExchangeState: schema.StateDisputed}), ExpectedStatus: 200},
		tests.ApiScenario{Name: "attack: a party writes the resolution note", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x),
			Headers: w.as("owner"), Body: body(map[string]any{schema.ExchangeResolutionNote: "I win"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"resolution_note":{"code":"validation_computed_field"`}, AfterTestFunc: noLog},
		tests.ApiScenario{Name: "attack: a party resolves the dispute", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x),
			Headers: w.as("owner"), Body: body(map[string]any{schema.ExchangeState: schema.StateCompleted}),
			ExpectedStatus: 400, ExpectedContent: []string{`"state":{"code":"validation_invalid_move"`}, AfterTestFunc: noLog},
		tests.ApiScenario{Name: "a superuser can't resolve without a note", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x),
			Headers: w.as("mod"), Body: body(map[string]any{schema.ExchangeState: schema.StateCancelled}),
			ExpectedStatus: 400, ExpectedContent: []string{`"resolution_note":{"code":"validation_required"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				noLog(t, app, res)
				stateIs := w.record(t, schema.Exchanges, x).GetString(schema.ExchangeState)
				if stateIs != schema.StateDisputed {
					t.Errorf("state %s", stateIs)
				}
			}},
		tests.ApiScenario{Name: "a superuser resolves it with a note: logged, written in the thread, the offer freed",
			Method: http.MethodPatch, URL: recordURL(schema.Exchanges, x), Headers: w.as("mod"),
			Body:           body(map[string]any{schema.ExchangeState: schema.StateCancelled, schema.ExchangeResolutionNote: note}),
			ExpectedStatus: 200, ExpectedContent: []string{`"state":"cancelled"`, `"resolution_note":"` + note + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				logged(t, app, res)
				w.lastEventIs(x, schema.StateDisputed, schema.StateCancelled, exchanges.ByModerator)(t, app, res)
				w.offerIs(sell, schema.StatusActive)(t, app, res)
			}},
		tests.ApiScenario{Name: "the parties never see the note", Method: http.MethodGet, URL: recordURL(schema.Exchanges, x),
			Headers: w.as("requester"), ExpectedStatus: 200, ExpectedContent: []string{`"state":"cancelled"`},
			NotExpectedContent: []string{"resolution_note", note}},
		tests.ApiScenario{Name: "nor in lists", Method: http.MethodGet, URL: "/api/collections/exchanges/records",
			Headers: w.as("owner"), ExpectedStatus: 200, NotExpectedContent: []string{"resolution_note", note}},
	)
}

// An exchange is born requested on every path: a superuser creating one
// already accepted would skip the accept's date, collision and reservation
// checks.
func TestExchangeIsBornRequested(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sale := w.offer(schema.KindSell)
	url := "/api/collections/" + schema.Exchanges + "/records"
	w.run(
		tests.ApiScenario{Name: "a superuser can't create it accepted", Method: http.MethodPost, URL: url, Headers: w.as("mod"),
			Body:           body(map[string]any{schema.ExchangeOffer: sale, schema.ExchangeRequester: ids["requester"], schema.ExchangeState: schema.StateAccepted}),
			ExpectedStatus: 400, ExpectedContent: []string{`"state":{"code":"validation_initial_state"`}},
		tests.ApiScenario{Name: "a superuser creates a request", Method: http.MethodPost, URL: url, Headers: w.as("mod"),
			Body:           body(map[string]any{schema.ExchangeOffer: sale, schema.ExchangeRequester: ids["requester"]}),
			ExpectedStatus: 200, ExpectedContent: []string{`"state":"requested"`}},
	)
	if n, _ := w.app.CountRecords(schema.Exchanges, dbx.HashExp{schema.ExchangeOffer: sale, schema.ExchangeState: schema.StateAccepted}); n != 0 {
		t.Fatalf("%d accepted exchanges were created", n)
	}
}
