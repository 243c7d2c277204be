package hooks_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/schema"
)

// expandCase is one read with expand and what actor must and must not get.
type expandCase struct {
	url     string
	actor   string
	status  int
	content []string
	absent  []string
	setup   func(t testing.TB, app *tests.TestApp)
}

func (c expandCase) call() call {
	ev := map[string]int{"*": 0}
	switch {
	case c.status == http.StatusOK && isList(c.url):
		ev = map[string]int{"OnRecordsListRequest": 1}
	case c.status == http.StatusOK:
		ev = map[string]int{"OnRecordViewRequest": 1}
	}
	name := strings.NewReplacer("/api/collections/", "", "/records", "", "/", " ").Replace(c.url)
	return call{name: fmt.Sprintf("%s as %s", name, c.actor), actor: c.actor, method: http.MethodGet, url: c.url,
		status: c.status, content: c.content, absent: c.absent, events: ev, setup: c.setup}
}

// isList tells a list URL (…/records?…) from a view URL (…/records/{id}?…).
func isList(url string) bool {
	_, rest, _ := strings.Cut(url, "/records")
	return rest == "" || rest[0] == '?'
}

// TestRulesExpand checks that expand gives nobody a record its rules hide:
// threads and messages only to the participants, draft and hidden offers
// only to their owner, private user fields only to the user, in both
// directions (forward relations and back-relations, nested).
func TestRulesExpand(t *testing.T) {
	t.Parallel()

	tz := func(u string) string { return `"timezone":"` + userTimezone[u] + `"` }
	threadViaOffer := recordURL(schema.Offers, fxOffer) + "?expand=threads_via_offer.messages_via_thread,exchanges_via_offer.thread"

	groups := map[string][]expandCase{}

	// offers expand their owner: a public profile, private settings for self only
	for _, a := range actors {
		exp, notExp := privacy(a, owner)
		groups["offer owner"] = append(groups["offer owner"], expandCase{
			url: recordURL(schema.Offers, fxOffer) + "?expand=owner", actor: a, status: 200,
			content: slices.Concat([]string{`"expand":{"owner":{`, idOf(owner), `"name":"owner"`}, exp), absent: notExp,
		})
	}
	// the list of offers with their owners: nobody sees another's private fields
	for _, a := range []string{anon, stranger, owner} {
		exp, notExp := privacy(a, owner, blocked)
		n := 3
		if a == owner {
			n = 5
		}
		groups["offers list owner"] = append(groups["offers list owner"], expandCase{
			url: recordsURL(schema.Offers) + "?expand=owner", actor: a, status: 200,
			content: slices.Concat([]string{totalItems(n), `"name":"blocked"`}, exp), absent: notExp,
		})
	}

	// messages expand their thread and author: participants only
	for _, a := range actors {
		c := expandCase{url: recordsURL(schema.Messages) + "?expand=thread,author", actor: a, status: 200}
		switch a {
		case anon, stranger:
			c.content = []string{totalItems(0)}
			c.absent = []string{idOf(fxThread), bodyMessage}
		default:
			exp, notExp := privacy(a, peer)
			c.content = slices.Concat([]string{totalItems(1), bodyMessage, `"expand":{`, idOf(fxThread), idOf(peer)}, exp)
			c.absent = notExp
		}
		groups["messages thread"] = append(groups["messages thread"], c)
	}

	// notifications expand their person: only that person lists them
	for _, a := range actors {
		c := expandCase{url: recordsURL(schema.Notifications) + "?expand=user", actor: a, status: 200}
		switch a {
		case anon, stranger:
			c.content = []string{totalItems(0)}
			c.absent = []string{titleNote, titleNote2}
		case admin:
			exp, notExp := privacy(a, owner, peer)
			c.content = slices.Concat([]string{totalItems(2), titleNote, titleNote2, `"expand":{"user":{`}, exp)
			c.absent = notExp
		default:
			mine, theirs := map[string]string{peer: titleNote, owner: titleNote2}[a], map[string]string{peer: titleNote2, owner: titleNote}[a]
			exp, notExp := privacy(a, a)
			c.content = slices.Concat([]string{totalItems(1), mine, `"expand":{"user":{`, idOf(a)}, exp)
			c.absent = append(notExp, theirs)
		}
		groups["notifications user"] = append(groups["notifications user"], c)
	}

	// threads expand their offer and both people
	for _, a := range actors {
		c := expandCase{url: recordsURL(schema.Threads) + "?expand=offer,owner,peer", actor: a, status: 200}
		switch a {
		case anon, stranger:
			c.content = []string{totalItems(0)}
			c.absent = []string{idOf(fxThread), titleOffer}
		default:
			exp, notExp := privacy(a, owner, peer)
			c.content = slices.Concat([]string{totalItems(1), idOf(fxThread), titleOffer}, exp)
			c.absent = notExp
		}
		groups["threads offer"] = append(groups["threads offer"], c)
	}
	// once moderation hides the offer, the peer's thread no longer expands it
	hideOffer := func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		o, err := app.FindRecordById(schema.Offers, ids[fxOffer])
		if err != nil {
			t.Fatal(err)
		}
		o.Set(schema.FieldStatus, schema.StatusHidden)
		if err := app.Save(o); err != nil {
			t.Fatal(err)
		}
	}
	groups["threads hidden offer"] = []expandCase{
		{url: recordsURL(schema.Threads) + "?expand=offer", actor: peer, status: 200, setup: hideOffer,
			content: []string{totalItems(1), idOf(fxThread)}, absent: []string{titleOffer, `"expand":{"`}},
		{url: recordsURL(schema.Threads) + "?expand=offer", actor: owner, status: 200, setup: hideOffer,
			content: []string{totalItems(1), idOf(fxThread), titleOffer}},
	}

	// a thread's messages through the back-relation
	for _, a := range actors {
		c := expandCase{url: recordURL(schema.Threads, fxThread) + "?expand=messages_via_thread", actor: a}
		switch a {
		case anon, stranger:
			c.status = http.StatusNotFound
		default:
			c.status = 200
			c.content = []string{`"messages_via_thread":[`, idOf(fxMessage), bodyMessage}
		}
		groups["thread messages"] = append(groups["thread messages"], c)
	}

	// the reverse: from a public offer, nobody but the participants reaches
	// its threads, their messages, its exchanges or their threads
	for _, a := range actors {
		c := expandCase{url: threadViaOffer, actor: a, status: 200}
		switch a {
		case anon, stranger:
			c.content = []string{idOf(fxOffer), titleOffer}
			c.absent = []string{`"expand":{"`, "threads_via_offer", "exchanges_via_offer", idOf(fxThread),
				idOf(fxMessage), bodyMessage, idOf(fxExchange)}
		default:
			c.content = []string{`"threads_via_offer":[`, `"messages_via_thread":[`, `"exchanges_via_offer":[`,
				idOf(fxThread), idOf(fxMessage), bodyMessage, idOf(fxExchange)}
		}
		groups["offer threads"] = append(groups["offer threads"], c)
	}

	// exchanges expand their thread and its messages: the two parties only
	for _, a := range actors {
		c := expandCase{url: recordsURL(schema.Exchanges) + "?expand=thread.messages_via_thread,offer", actor: a, status: 200}
		switch a {
		case anon, stranger:
			c.content = []string{totalItems(0)}
			c.absent = []string{idOf(fxThread), bodyMessage}
		default:
			c.content = []string{totalItems(2), idOf(fxExchange), idOf(fxThread), bodyMessage, titleOffer, titleOffer2}
		}
		groups["exchanges thread"] = append(groups["exchanges thread"], c)
	}

	// a published review is public, the exchange and thread behind it are not
	for _, a := range actors {
		c := expandCase{url: recordsURL(schema.Reviews) + "?expand=exchange.thread,author", actor: a, status: 200,
			setup: publishReview}
		exp, notExp := privacy(a, peer)
		switch a {
		case anon, stranger:
			c.content = slices.Concat([]string{totalItems(1), textReview, `"expand":{"author":{`}, exp)
			c.absent = slices.Concat([]string{idOf(fxExchange), idOf(fxThread)}, notExp)
		default:
			c.content = slices.Concat([]string{totalItems(1), textReview, idOf(fxExchange), idOf(fxThread)}, exp)
			c.absent = notExp
		}
		groups["reviews exchange"] = append(groups["reviews exchange"], c)
	}

	// a profile's offers and wants through back-relations: drafts, hidden
	// offers and private wants only for their owner
	for _, a := range actors {
		c := expandCase{url: recordURL(schema.Users, owner) + "?expand=offers_via_owner", actor: a, status: 200,
			content: []string{titleOffer, titleOffer2}}
		if a == owner || a == admin {
			c.content = append(c.content, titleDraft, titleHidden)
		} else {
			c.absent = []string{titleDraft, titleHidden}
		}
		groups["user offers"] = append(groups["user offers"], c)

		w := expandCase{url: recordURL(schema.Users, peer) + "?expand=wants_via_owner", actor: a, status: 200,
			content: []string{queryWant}}
		if a == peer || a == admin {
			w.content = append(w.content, queryWantPrivate)
		} else {
			w.absent = []string{queryWantPrivate}
		}
		groups["user wants"] = append(groups["user wants"], w)
	}

	// matches expand their offer and want: a hidden offer stays hidden
	groups["matches offer"] = []expandCase{
		{url: recordsURL(schema.Matches) + "?expand=offer,want", actor: peer, status: 200,
			content: []string{totalItems(2), titleOffer, queryWant}, absent: []string{titleHidden}},
		{url: recordsURL(schema.Matches) + "?expand=offer,want", actor: admin, status: 200,
			content: []string{totalItems(2), titleOffer, queryWant, titleHidden}},
		{url: recordsURL(schema.Matches) + "?expand=offer,want", actor: owner, status: 200,
			content: []string{totalItems(0)}, absent: []string{queryWant}},
	}

	// people expanded from follows, blocks, reports and subscriptions
	followOwner, followOwnerNot := privacy(owner, peer, owner)
	blockExp, blockNot := privacy(owner, blocked)
	reportExp, reportNot := privacy(peer, peer)
	groups["people"] = []expandCase{
		{url: recordsURL(schema.Follows) + "?expand=follower,followee", actor: owner, status: 200,
			content: slices.Concat([]string{totalItems(1), `"name":"peer"`}, followOwner), absent: followOwnerNot},
		{url: recordsURL(schema.Blocks) + "?expand=blocked", actor: owner, status: 200,
			content: slices.Concat([]string{totalItems(1), `"name":"blocked"`}, blockExp), absent: blockNot},
		{url: recordsURL(schema.Blocks) + "?expand=blocked", actor: blocked, status: 200,
			content: []string{totalItems(0)}, absent: []string{`"name":"owner"`}},
		{url: recordsURL(schema.Reports) + "?expand=reporter", actor: peer, status: 200,
			content: slices.Concat([]string{totalItems(1)}, reportExp), absent: reportNot},
		{url: recordsURL(schema.PushSubscriptions) + "?expand=user", actor: stranger, status: 200,
			content: []string{totalItems(0)}, absent: []string{tz(peer)}},
		{url: recordsURL(schema.PushDeliveries) + "?expand=subscription", actor: peer, status: http.StatusForbidden},
		{url: recordsURL(schema.PushDeliveries) + "?expand=subscription", actor: admin, status: 200,
			content: []string{totalItems(1), `"endpoint":"https://push.example.com/fixture-peer"`}},
	}

	for name, cases := range groups {
		calls := make([]call, 0, len(cases))
		for _, c := range cases {
			calls = append(calls, c.call())
		}
		run(t, name, calls)
	}
}
