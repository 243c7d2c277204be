package swaps_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// handOver moves one leg (by its giver's name) through the exchanges API as
// any exchange: the receiver says it was handed over, then both confirm.
func (w *world) handOver(swap, giver string) {
	w.t.Helper()
	_, legs := w.legs(swap)
	x := legs[giver]
	if x == nil {
		w.t.Fatalf("no leg given by %s", giver)
	}
	url := "/api/collections/exchanges/records/" + x.Id
	receiver := names[x.GetString(schema.ExchangeRequester)]
	w.must(200, http.MethodPatch, url, receiver, map[string]any{"state": schema.StateHandedOver})
	w.must(200, http.MethodPatch, url, giver, map[string]any{"state": schema.StateCompleted})
	w.must(200, http.MethodPatch, url, receiver, map[string]any{"state": schema.StateCompleted})
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// TestTwoWaySwap: ana and ben each want what the other offers. ana proposes
// from her match, ben accepts, each offer is reserved for the other, both
// legs are handed over and confirmed like exchanges, and the swap
// completes with the last one.
func TestTwoWaySwap(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	keyboard := w.offer("ana", "Yamaha keyboard", "board game")
	game := w.offer("ben", "Pandemic board game", "keyboard")

	p := w.must(200, http.MethodPost, "/api/peerbase/swaps", "ana", map[string]any{"match": w.match("ana")})
	swap := p.body["id"].(string)
	eq(t, "proposed state", p.body["state"], schema.SwapStateProposed)
	legs := p.body["legs"].([]any)
	eq(t, "legs", len(legs), 2)
	first := legs[0].(map[string]any)
	for _, l := range legs {
		l := l.(map[string]any)
		switch l["person"] {
		case ids["ana"]:
			eq(t, "ana's leg", fmt.Sprint(l["offer"], " to ", l["to"], " accepted ", l["accepted_at"] != ""), fmt.Sprint(keyboard, " to ", ids["ben"], " accepted true"))
		case ids["ben"]:
			eq(t, "ben's leg", fmt.Sprint(l["offer"], " to ", l["to"], " accepted ", l["accepted_at"] != ""), fmt.Sprint(game, " to ", ids["ana"], " accepted false"))
		default:
			t.Fatalf("leg of a stranger: %v", l)
		}
	}
	_ = first
	eq(t, "ben told of the proposal", w.told("ben", swap), []string{"ana proposes a swap"})
	eq(t, "the proposer is not told", len(w.told("ana", swap)), 0)
	// ben sees the whole swap
	v := w.must(200, http.MethodGet, "/api/collections/swaps/records/"+swap, "ben", nil)
	eq(t, "ben's view", v.body["state"], schema.SwapStateProposed)
	eq(t, "offers before acceptance", w.offerStatuses(keyboard, game), "Yamaha keyboard:active, Pandemic board game:active")

	// ana accepted by proposing
	r := w.act("ana", swap, "accept")
	eq(t, "ana accepts twice", fmt.Sprint(r.status, " ", r.code("state")), "400 validation_already_accepted")

	a := w.accepted("ben", swap)
	eq(t, "state after everyone accepted", a.body["state"], schema.SwapStateAccepted)
	got, _ := w.legs(swap)
	eq(t, "legs", got, "ana>ben:accepted ben>ana:accepted")
	eq(t, "offers reserved", w.offerStatuses(keyboard, game), "Yamaha keyboard:reserved, Pandemic board game:reserved")
	for _, l := range a.body["legs"].([]any) {
		if l.(map[string]any)["exchange"] == "" {
			t.Fatalf("a leg has no exchange: %v", a.body["legs"])
		}
	}
	eq(t, "ana told", w.told("ana", swap), []string{"Swap agreed"})
	eq(t, "ben told", w.told("ben", swap), []string{"Swap agreed", "ana proposes a swap"})
	// the legs' own requests and acceptances are the swap's agreement: not told twice
	for _, p := range []string{"ana", "ben"} {
		n, err := w.app.CountRecords(schema.Notifications, dbx.HashExp{schema.NotificationUser: ids[p], schema.NotificationType: schema.NotifyExchange})
		if err != nil || n != 0 {
			t.Errorf("%s got %d exchange notifications of the legs (%v)", p, n, err)
		}
	}

	w.handOver(swap, "ana")
	eq(t, "state with one leg done", w.swapState(swap), schema.SwapStateAccepted)
	w.handOver(swap, "ben")
	got, _ = w.legs(swap)
	eq(t, "legs", got, "ana>ben:completed ben>ana:completed")
	eq(t, "state", w.swapState(swap), schema.SwapStateCompleted)
	eq(t, "offers closed", w.offerStatuses(keyboard, game), "Yamaha keyboard:closed, Pandemic board game:closed")
	eq(t, "ana told", w.told("ana", swap), []string{"Swap agreed", "Swap completed"})
	eq(t, "ben told", w.told("ben", swap), []string{"Swap agreed", "Swap completed", "ana proposes a swap"})

	// a completed swap can't be cancelled or answered any more
	r = w.act("ben", swap, "cancel")
	eq(t, "cancel a completed swap", fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_completed")
}

// threeWay publishes frank's guitar (wants a tent), hugo's novels (wants a
// guitar) and gina's tent (wants novels): frank → hugo → gina → frank.
func threeWay(w *world) (guitar, novels, tent string) {
	w.t.Helper()
	guitar = w.offer("frank", "Acoustic guitar", "tent")
	novels = w.offer("hugo", "Crime novels", "guitar")
	tent = w.offer("gina", "Family tent", "crime novels")
	return
}

// TestThreeWaySwap: gina proposes the cycle, frank and hugo accept; each
// leg goes to the person who wanted that thing, and the swap completes
// when the third leg does.
func TestThreeWaySwap(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	guitar, novels, tent := threeWay(w)
	swap := w.proposed("gina", w.match("gina"))
	for _, p := range []string{"frank", "hugo"} {
		eq(t, p+" told", w.told(p, swap), []string{"gina proposes a swap"})
	}
	eq(t, "after frank", w.accepted("frank", swap).body["state"], schema.SwapStateProposed)
	got, _ := w.legs(swap)
	eq(t, "no legs before everyone accepted", got, "")
	eq(t, "after hugo", w.accepted("hugo", swap).body["state"], schema.SwapStateAccepted)
	got, _ = w.legs(swap)
	eq(t, "each thing goes to who wanted it", got, "frank>hugo:accepted gina>frank:accepted hugo>gina:accepted")
	eq(t, "offers reserved", w.offerStatuses(guitar, novels, tent), "Acoustic guitar:reserved, Crime novels:reserved, Family tent:reserved")
	// each leg's receiver may see the thread of its exchange: a normal exchange
	_, legs := w.legs(swap)
	for giver, x := range legs {
		if x.GetString(schema.ExchangeThread) == "" {
			t.Fatalf("%s's leg has no thread", giver)
		}
	}
	for _, giver := range []string{"frank", "hugo", "gina"} {
		w.handOver(swap, giver)
	}
	eq(t, "state", w.swapState(swap), schema.SwapStateCompleted)
	eq(t, "offers closed", w.offerStatuses(guitar, novels, tent), "Acoustic guitar:closed, Crime novels:closed, Family tent:closed")
	for _, p := range []string{"frank", "hugo", "gina"} {
		if told := w.told(p, swap); !slices.Contains(told, "Swap completed") || !slices.Contains(told, "Swap agreed") {
			t.Fatalf("%s told %v", p, told)
		}
	}
}

// TestDecline: in a three-way swap frank accepts and hugo declines: the swap
// is declined, nobody can accept it any more, no exchange was made, every
// offer is free, and the others are told.
func TestDecline(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	guitar, novels, tent := threeWay(w)
	swap := w.proposed("gina", w.match("gina"))
	w.accepted("frank", swap)
	eq(t, "declined", w.must(200, http.MethodPost, "/api/peerbase/swaps/"+swap+"/decline", "hugo", nil).body["state"], schema.SwapStateDeclined)
	r := w.act("hugo", swap, "accept")
	eq(t, "accept after the decline", fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_declined")
	got, _ := w.legs(swap)
	eq(t, "legs", got, "")
	eq(t, "offers free", w.offerStatuses(guitar, novels, tent), "Acoustic guitar:active, Crime novels:active, Family tent:active")
	eq(t, "gina told", w.told("gina", swap), []string{"hugo declined the swap"})
	eq(t, "frank told", w.told("frank", swap), []string{"gina proposes a swap", "hugo declined the swap"})
	eq(t, "hugo told", w.told("hugo", swap), []string{"gina proposes a swap"})
	// the cycle may be proposed again
	w.must(200, http.MethodPost, "/api/peerbase/swaps", "frank", map[string]any{"match": w.match("frank")})
}

// TestCancel: an agreed swap is cancelled before any hand-over: both legs
// are cancelled and both offers are free again. Once a leg has been handed
// over, neither the swap nor the other leg can be cancelled.
func TestCancel(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	keyboard := w.offer("ana", "Yamaha keyboard", "board game")
	game := w.offer("ben", "Pandemic board game", "keyboard")
	match := w.match("ben")
	swap := w.proposed("ben", match)

	// a second proposal of the same cycle, by the other person
	r := w.propose("ana", w.match("ana"))
	eq(t, "second proposal", fmt.Sprint(r.status, " ", r.code("match")), "400 validation_swap_exists")

	w.accepted("ana", swap)
	eq(t, "offers reserved", w.offerStatuses(keyboard, game), "Yamaha keyboard:reserved, Pandemic board game:reserved")
	c := w.must(200, http.MethodPost, "/api/peerbase/swaps/"+swap+"/cancel", "ana", nil)
	eq(t, "cancelled", c.body["state"], schema.SwapStateCancelled)
	got, _ := w.legs(swap)
	eq(t, "legs", got, "ana>ben:cancelled ben>ana:cancelled")
	eq(t, "offers free", w.offerStatuses(keyboard, game), "Yamaha keyboard:active, Pandemic board game:active")
	eq(t, "ben told", w.told("ben", swap), []string{"Swap agreed", "Swap cancelled"})
	eq(t, "ana told", w.told("ana", swap), []string{"Swap agreed", "ben proposes a swap"})

	// again, and this time ana hands her keyboard over first
	swap = w.proposed("ben", match)
	w.accepted("ana", swap)
	_, legs := w.legs(swap)
	w.must(200, http.MethodPatch, "/api/collections/exchanges/records/"+legs["ana"].Id, "ben", map[string]any{"state": schema.StateHandedOver})
	r = w.act("ben", swap, "cancel")
	eq(t, "cancel after a hand-over", fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_under_way")
	r = w.do(http.MethodPatch, "/api/collections/exchanges/records/"+legs["ben"].Id, "ben", map[string]any{"state": schema.StateCancelled})
	eq(t, "cancel the other leg after a hand-over", fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_under_way")
	got, _ = w.legs(swap)
	eq(t, "legs", got, "ana>ben:handed_over ben>ana:accepted")
	eq(t, "state", w.swapState(swap), schema.SwapStateAccepted)
	r = w.do(http.MethodPatch, "/api/collections/exchanges/records/"+legs["ana"].Id, "ben", map[string]any{"swap": ""})
	eq(t, "a leg's swap is the server's", fmt.Sprint(r.status, " ", r.code("swap")), "400 validation_computed_field")
}

// TestCancelALeg: cancelling one leg through the exchanges API before any
// hand-over cancels the whole swap and frees the other offer too.
func TestCancelALeg(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	keyboard := w.offer("ana", "Yamaha keyboard", "board game")
	game := w.offer("ben", "Pandemic board game", "keyboard")
	swap := w.proposed("ana", w.match("ana"))
	w.accepted("ben", swap)
	_, legs := w.legs(swap)
	w.must(200, http.MethodPatch, "/api/collections/exchanges/records/"+legs["ben"].Id, "ana", map[string]any{"state": schema.StateCancelled})
	got, _ := w.legs(swap)
	eq(t, "legs", got, "ana>ben:cancelled ben>ana:cancelled")
	eq(t, "state", w.swapState(swap), schema.SwapStateCancelled)
	eq(t, "offers free", w.offerStatuses(keyboard, game), "Yamaha keyboard:active, Pandemic board game:active")
	eq(t, "ben told", w.told("ben", swap), []string{"Swap agreed", "Swap cancelled", "ana proposes a swap"})
}

// TestRefusals: strangers see and do nothing; a match that isn't yours or
// isn't a swap proposes nothing; a stale cycle is refused with a 400 that
// names the problem, at the proposal and at the last acceptance.
func TestRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	guitar, novels, _ := threeWay(w)
	match := w.match("gina")

	r := w.propose("eve", match)
	eq(t, "a stranger proposes someone's swap", r.status, 404)
	r = w.propose("frank", match)
	eq(t, "a participant proposes with someone else's match", r.status, 404)
	r = w.do(http.MethodPost, "/api/peerbase/swaps", "", map[string]any{"match": match})
	eq(t, "anonymous", r.status, 401)
	r = w.propose("gina", "")
	eq(t, "no match", fmt.Sprint(r.status, " ", r.code("match")), "400 validation_required")

	swap := w.proposed("gina", match)
	for _, action := range []string{"accept", "decline", "cancel"} {
		r = w.act("eve", swap, action)
		eq(t, "a stranger's "+action, r.status, 404)
	}
	r = w.do(http.MethodGet, "/api/collections/swaps/records/"+swap, "eve", nil)
	eq(t, "a stranger's view", r.status, 404)
	r = w.must(200, http.MethodGet, "/api/collections/swaps/records", "eve", nil)
	eq(t, "a stranger's list", r.body["totalItems"], 0)

	// hugo's novels are closed meanwhile: the last acceptance is refused
	w.accepted("frank", swap)
	w.must(200, http.MethodPatch, "/api/collections/offers/records/"+novels, "hugo", map[string]any{"status": schema.StatusClosed})
	r = w.act("hugo", swap, "accept")
	eq(t, "stale at the last acceptance", fmt.Sprint(r.status, " ", r.code("offers")), "400 validation_offer_unavailable")
	if !strings.Contains(r.raw, "“Crime novels” is no longer available (it is closed)") {
		t.Fatalf("the error doesn't name the offer: %s", r.raw)
	}
	eq(t, "still proposed", w.swapState(swap), schema.SwapStateProposed)
	got, _ := w.legs(swap)
	eq(t, "no legs", got, "")
	w.must(200, http.MethodPost, "/api/peerbase/swaps/"+swap+"/cancel", "gina", nil)

	// a fresh proposal of the stale cycle is refused the same way
	r = w.propose("frank", w.match("frank"))
	eq(t, "stale at the proposal", fmt.Sprint(r.status, " ", r.code("offers")), "400 validation_offer_unavailable")
	if !strings.Contains(r.raw, "Crime novels") {
		t.Fatalf("the error doesn't name the offer: %s", r.raw)
	}

	// reopened, but frank has blocked hugo since
	w.must(200, http.MethodPatch, "/api/collections/offers/records/"+novels, "hugo", map[string]any{"status": schema.StatusActive})
	w.must(200, http.MethodPost, "/api/collections/blocks/records", "frank", map[string]any{"blocker": ids["frank"], "blocked": ids["hugo"]})
	r = w.propose("gina", match)
	eq(t, "a block in the cycle", fmt.Sprint(r.status, " ", r.code("participants")), "400 validation_blocked")

	// a want match is not a swap; an unknown match is nobody's
	want, err := testapp.CreateRecord(w.app, schema.Wants, map[string]any{schema.FieldOwner: ids["gina"],
		schema.WantQuery: "guitar", schema.WantActive: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := testapp.CreateRecord(w.app, schema.Matches, map[string]any{schema.MatchRecipient: ids["gina"],
		schema.FieldKind: schema.MatchKindWant, schema.MatchWant: want.Id, schema.MatchOffer: guitar, schema.MatchScore: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	r = w.propose("gina", m.Id)
	eq(t, "a want match", fmt.Sprint(r.status, " ", r.code("match")), "400 validation_not_swap")
	r = w.propose("gina", "nosuchmatch1234")
	eq(t, "an unknown match", r.status, 404)
}

// TestAccountDeletion: a person who deletes their account leaves no swap
// waiting on them: an agreed two-way swap is cancelled (both legs, both
// offers free again) and a proposed three-way one too; the others are told.
func TestAccountDeletion(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	keyboard := w.offer("ana", "Yamaha keyboard", "board game")
	w.offer("ben", "Pandemic board game", "keyboard")
	two := w.proposed("ana", w.match("ana"))
	w.accepted("ben", two)
	guitar, _, tent := threeWay(w)
	three := w.proposed("gina", w.match("gina"))

	w.must(204, http.MethodDelete, "/api/collections/users/records/"+ids["ben"], "ben", nil)
	w.must(204, http.MethodDelete, "/api/collections/users/records/"+ids["hugo"], "hugo", nil)

	eq(t, "the agreed swap", w.swapState(two), schema.SwapStateCancelled)
	eq(t, "ana's offer", w.offerStatuses(keyboard), "Yamaha keyboard:active")
	legs, _ := w.legs(two)
	if strings.Count(legs, ":cancelled") != 2 {
		t.Fatalf("legs after the deletion: %s", legs)
	}
	eq(t, "ana told", w.told("ana", two), []string{"Swap agreed", "Swap cancelled"})
	eq(t, "the proposed swap", w.swapState(three), schema.SwapStateCancelled)
	eq(t, "offers of the proposed swap", w.offerStatuses(guitar, tent), "Acoustic guitar:active, Family tent:active")
	eq(t, "gina told", w.told("gina", three), []string{"Swap cancelled"})
	if p := w.record(schema.Swaps, three).GetStringSlice(schema.SwapParticipants); len(p) != 2 {
		t.Fatalf("participants after hugo left: %v", p)
	}
}

// TestSwapReachesSync: a swap is in the catch-up sync of its participants
// (and only theirs), like every record they are party to.
func TestSwapReachesSync(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cursors := map[string]string{}
	for _, p := range []string{"ben", "eve"} {
		cursors[p] = w.must(200, http.MethodGet, "/api/peerbase/sync", p, nil).body["cursor"].(string)
	}
	w.offer("ana", "Yamaha keyboard", "board game")
	w.offer("ben", "Pandemic board game", "keyboard")
	swap := w.proposed("ana", w.match("ana"))
	has := func(who string) bool {
		r := w.must(200, http.MethodGet, "/api/peerbase/sync?limit=500&since="+cursors[who], who, nil)
		for _, it := range r.body["items"].([]any) {
			it := it.(map[string]any)
			if it["collection"] == schema.Swaps && it["id"] == swap {
				return true
			}
		}
		return false
	}
	if !has("ben") {
		t.Fatal("the swap is not in ben's sync")
	}
	if has("eve") {
		t.Fatal("the swap is in a stranger's sync")
	}
}
