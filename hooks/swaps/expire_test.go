package swaps_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
	"peerbase/hooks/swaps"
)

// backdate moves a swap's proposal back by age, as if it had waited that
// long.
func (w *world) backdate(swap string, age time.Duration) {
	w.t.Helper()
	at, err := types.ParseDateTime(time.Now().Add(-age))
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.app.DB().Update(schema.Swaps, dbx.Params{"created": at.String()}, dbx.HashExp{"id": swap}).Execute(); err != nil {
		w.t.Fatal(err)
	}
}

// runJob runs the cron job id as the scheduler would.
func (w *world) runJob(id string) {
	w.t.Helper()
	for _, j := range w.app.Cron().Jobs() {
		if j.Id() == id {
			j.Run()
			return
		}
	}
	w.t.Fatalf("no cron job %s", id)
}

// TestProposalExpiry: a three-way proposal that only two of its three
// people accepted within the default week expires when the job runs: its
// state is expired, every offer is free, every participant (the proposer
// too) is told, it can't be accepted any more, and the cycle may be
// proposed again. A younger proposal and an agreed swap of the same age
// are left alone.
func TestProposalExpiry(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	guitar, novels, tent := threeWay(w)
	old := w.proposed("gina", w.match("gina"))
	w.accepted("frank", old)
	keyboard := w.offer("ana", "Yamaha keyboard", "board game")
	game := w.offer("ben", "Pandemic board game", "keyboard")
	young := w.proposed("ana", w.match("ana"))
	cleoOffer := w.offer("cleo", "Camping stove", "lantern")
	w.offer("dan", "Storm lantern", "camping stove")
	agreed := w.proposed("dan", w.match("dan"))
	w.accepted("cleo", agreed)

	week := swaps.DefaultConfig().ProposalTTL
	eq(t, "the default", week, 7*24*time.Hour)
	w.backdate(old, week+time.Minute)
	w.backdate(young, week-time.Hour)
	w.backdate(agreed, 2*week)
	w.runJob(swaps.ExpireJobID)

	eq(t, "the old proposal", w.swapState(old), schema.SwapStateExpired)
	eq(t, "its offers", w.offerStatuses(guitar, novels, tent), "Acoustic guitar:active, Crime novels:active, Family tent:active")
	eq(t, "gina told", w.told("gina", old), []string{"Swap expired"})
	eq(t, "frank told", w.told("frank", old), []string{"Swap expired", "gina proposes a swap"})
	eq(t, "hugo told", w.told("hugo", old), []string{"Swap expired", "gina proposes a swap"})
	v := w.must(200, http.MethodGet, "/api/collections/swaps/records/"+old, "hugo", nil)
	hist := v.body["history"].([]any)
	last := hist[len(hist)-1].(map[string]any)
	eq(t, "the history", fmt.Sprint(last["action"], " ", last["state"], " ", last["by"]), "expire expired system")
	r := w.act("hugo", old, "accept")
	eq(t, "accept after the expiry", fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_expired")

	eq(t, "the young proposal", w.swapState(young), schema.SwapStateProposed)
	eq(t, "its offers", w.offerStatuses(keyboard, game), "Yamaha keyboard:active, Pandemic board game:active")
	eq(t, "the agreed swap", w.swapState(agreed), schema.SwapStateAccepted)
	eq(t, "its offer", w.offerStatuses(cleoOffer), "Camping stove:reserved")

	// the cycle is free for a new proposal, and a second run finds nothing
	w.must(200, http.MethodPost, "/api/peerbase/swaps", "hugo", map[string]any{"match": w.match("hugo")})
	n, err := swaps.ExpireDue(w.app, week, time.Now())
	eq(t, "a second run", fmt.Sprint(n, " ", err), "0 <nil>")
}

// TestExpiryRacesAcceptance: the last acceptance and the expiry job run at
// once, round after round: the swap ends either agreed (legs made, offers
// reserved) or expired (no legs, offers free), never both or half.
func TestExpiryRacesAcceptance(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	keyboard := w.offer("ana", "Yamaha keyboard", "board game")
	game := w.offer("ben", "Pandemic board game", "keyboard")
	match := w.match("ana")
	for round := range 4 {
		swap := w.proposed("ana", match)
		w.backdate(swap, 8*24*time.Hour)
		done := make(chan reply)
		go func() { done <- w.do(http.MethodPost, "/api/peerbase/swaps/"+swap+"/accept", "ben", nil) }()
		if _, err := swaps.ExpireDue(w.app, 7*24*time.Hour, time.Now()); err != nil {
			t.Fatal(err)
		}
		r := <-done
		legs, _ := w.legs(swap)
		switch st := w.swapState(swap); st {
		case schema.SwapStateAccepted:
			eq(t, fmt.Sprint("round ", round, " accepted: answer"), r.status, 200)
			eq(t, fmt.Sprint("round ", round, " legs"), legs, "ana>ben:accepted ben>ana:accepted")
			w.must(200, http.MethodPost, "/api/peerbase/swaps/"+swap+"/cancel", "ana", nil)
		case schema.SwapStateExpired:
			eq(t, fmt.Sprint("round ", round, " expired: answer"), fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_expired")
			eq(t, fmt.Sprint("round ", round, " legs"), legs, "")
		default:
			t.Fatalf("round %d: state %s", round, st)
		}
		eq(t, "offers free", w.offerStatuses(keyboard, game), "Yamaha keyboard:active, Pandemic board game:active")
	}
}

// TestNegativeExpiryRefused: --swap-expiry below 0 is refused at start
// (before any hook is bound) rather than taken to mean never; 0 is never.
func TestNegativeExpiryRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	err := swaps.Register(w.app, swaps.Config{ProposalTTL: -time.Second})
	if err == nil || !strings.Contains(err.Error(), "--swap-expiry") || !strings.Contains(err.Error(), "-1s") {
		t.Fatalf("Register with a TTL of -1s: %v, want an error naming --swap-expiry and -1s", err)
	}
}
