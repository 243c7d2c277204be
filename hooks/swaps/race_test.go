package swaps_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"

	"peerbase/hooks/schema"
)

// request is one call of a race: who posts what where.
type request struct {
	who, path string
	body      any
}

// race sends every request at the same moment and returns the answers in
// the same order.
func (w *world) race(reqs ...request) []reply {
	w.t.Helper()
	out := make([]reply, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = w.do(http.MethodPost, r.path, r.who, r.body)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestRaceLastAcceptVersusDecline: in a three-way swap that frank has
// accepted, hugo's last acceptance and frank's change of mind (decline)
// arrive at once, round after round. Exactly one wins; the loser gets a
// 400 saying what the winner made of the swap, and the database agrees:
// legs and reserved offers exist exactly when the swap was accepted.
func TestRaceLastAcceptVersusDecline(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	guitar, novels, tent := threeWay(w)
	match := w.match("gina")
	wins := map[string]int{}
	for round := 0; round < 8; round++ {
		swap := w.proposed("gina", match)
		w.accepted("frank", swap)
		got := w.race(
			request{"hugo", "/api/peerbase/swaps/" + swap + "/accept", nil},
			request{"frank", "/api/peerbase/swaps/" + swap + "/decline", nil},
		)
		accept, decline := got[0], got[1]
		state := w.swapState(swap)
		legs, _ := w.legs(swap)
		switch {
		case accept.status == 200 && decline.status == 400:
			wins["accept"]++
			eq(t, "loser's error", decline.code("state"), "validation_swap_accepted")
			eq(t, "state", state, schema.SwapStateAccepted)
			eq(t, "legs", legs, "frank>hugo:accepted gina>frank:accepted hugo>gina:accepted")
			eq(t, "offers", w.offerStatuses(guitar, novels, tent), "Acoustic guitar:reserved, Crime novels:reserved, Family tent:reserved")
			w.must(200, http.MethodPost, "/api/peerbase/swaps/"+swap+"/cancel", "frank", nil)
		case decline.status == 200 && accept.status == 400:
			wins["decline"]++
			eq(t, "loser's error", accept.code("state"), "validation_swap_declined")
			eq(t, "state", state, schema.SwapStateDeclined)
			eq(t, "legs", legs, "")
		default:
			t.Fatalf("round %d: accept %d %s, decline %d %s", round, accept.status, accept.raw, decline.status, decline.raw)
		}
		eq(t, "offers after the round", w.offerStatuses(guitar, novels, tent), "Acoustic guitar:active, Crime novels:active, Family tent:active")
	}
	t.Logf("wins: %v", wins)
}

// TestRaceAcceptsAndProposals: everyone accepts a three-way swap at once
// (all succeed, one set of legs is made), and the two people of a two-way
// cycle propose it at once (one swap; the other is told it exists).
func TestRaceAcceptsAndProposals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	threeWay(w)
	swap := w.proposed("gina", w.match("gina"))
	got := w.race(
		request{"hugo", "/api/peerbase/swaps/" + swap + "/accept", nil},
		request{"frank", "/api/peerbase/swaps/" + swap + "/accept", nil},
	)
	states := map[string]int{}
	for _, r := range got {
		if r.status != 200 {
			t.Fatalf("an acceptance failed: %d %s", r.status, r.raw)
		}
		states[fmt.Sprint(r.body["state"])]++
	}
	eq(t, "answers", states, map[string]int{schema.SwapStateAccepted: 1, schema.SwapStateProposed: 1})
	legs, _ := w.legs(swap)
	eq(t, "legs", legs, "frank>hugo:accepted gina>frank:accepted hugo>gina:accepted")

	w.offer("ana", "Yamaha keyboard", "board game")
	w.offer("ben", "Pandemic board game", "keyboard")
	anaMatch, benMatch := w.match("ana"), w.match("ben")
	for round := 0; round < 5; round++ {
		got = w.race(
			request{"ana", "/api/peerbase/swaps", map[string]any{"match": anaMatch}},
			request{"ben", "/api/peerbase/swaps", map[string]any{"match": benMatch}},
		)
		winner := -1
		for i, r := range got {
			switch {
			case r.status == 200 && winner < 0:
				winner = i
			case r.status == 400:
				eq(t, "loser's error", r.code("match"), "validation_swap_exists")
			default:
				t.Fatalf("round %d: %d %s and %d %s", round, got[0].status, got[0].raw, got[1].status, got[1].raw)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody won: %s, %s", round, got[0].raw, got[1].raw)
		}
		open, err := w.app.CountRecords(schema.Swaps, dbx.HashExp{schema.SwapState: schema.SwapStateProposed,
			schema.SwapCycleKey: got[winner].body["cycle_key"]})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "open swaps", open, 1)
		w.must(200, http.MethodPost, "/api/peerbase/swaps/"+got[winner].body["id"].(string)+"/cancel", "ana", nil)
	}

	// ben sends his acceptance twice at once (a double tap): one agrees the
	// swap, the other is told it is agreed already; one set of legs
	swap = w.proposed("ana", anaMatch)
	got = w.race(
		request{"ben", "/api/peerbase/swaps/" + swap + "/accept", nil},
		request{"ben", "/api/peerbase/swaps/" + swap + "/accept", nil},
	)
	codes := []string{fmt.Sprint(got[0].status, got[0].code("state")), fmt.Sprint(got[1].status, got[1].code("state"))}
	slices.Sort(codes)
	eq(t, "double tap", codes, []string{"200", "400validation_swap_accepted"})
	legs, _ = w.legs(swap)
	eq(t, "legs", legs, "ana>ben:accepted ben>ana:accepted")
}
