package swaps_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"

	"peerbase/hooks/schema"
)

// agreed makes ana's keyboard and ben's game an agreed two-way swap
// through the API and returns it with the offers.
func (w *world) agreed() (swap, keyboard, game string) {
	w.t.Helper()
	keyboard = w.offer("ana", "Yamaha keyboard", "board game")
	game = w.offer("ben", "Pandemic board game", "keyboard")
	swap = w.proposed("ana", w.match("ana"))
	w.accepted("ben", swap)
	return swap, keyboard, game
}

// TestSuperuserWrites: a superuser's records API writes (the dashboard's,
// a script's, a batch's) can't make a swap inconsistent: creating one is a
// 400 that points to the routes, so is any state change but cancelling an
// open swap, and so is a change of its cycle, people, offers, legs or
// history; a cancel frees the offers and cancels the legs exactly as a
// participant's does, and is refused once a leg has been handed over. An
// open swap can't be deleted; an ended one can, its legs left.
func TestSuperuserWrites(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	swap, keyboard, game := w.agreed()
	url := "/api/collections/swaps/records/" + swap
	before := w.record(schema.Swaps, swap)

	r := w.do(http.MethodDelete, url, "super", nil)
	eq(t, "delete agreed", fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_open")

	r = w.do(http.MethodPost, "/api/collections/swaps/records", "super", map[string]any{
		"cycle_key": "x", "participants": []string{ids["eve"], ids["dan"]}, "state": "proposed"})
	eq(t, "create", fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_routes_only")
	n, err := w.app.CountRecords(schema.Swaps)
	eq(t, "swaps after the create", fmt.Sprint(n, " ", err), "2 <nil>") // the fixture's and this one

	for _, to := range []string{schema.SwapStateCompleted, schema.SwapStateProposed, schema.SwapStateDeclined, schema.SwapStateExpired} {
		r = w.do(http.MethodPatch, url, "super", map[string]any{"state": to})
		eq(t, "to "+to, fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_routes_only")
	}
	for field, value := range map[string]any{
		"legs": []any{}, "participants": []string{ids["ana"], ids["eve"]}, "offers": []string{keyboard},
		"history": []any{}, "cycle_key": "other",
	} {
		r = w.do(http.MethodPatch, url, "super", map[string]any{field: value})
		eq(t, "a change of "+field, fmt.Sprint(r.status, " ", r.code(field)), "400 validation_swap_server_field")
	}
	r = w.do(http.MethodPost, "/api/batch", "super", map[string]any{"requests": []any{
		map[string]any{"method": "PATCH", "url": url, "body": map[string]any{"state": schema.SwapStateCompleted}}}})
	eq(t, "in a batch", r.status, 400)
	after := w.record(schema.Swaps, swap)
	eq(t, "the swap after the refusals", after.GetString(schema.SwapState)+" "+after.GetString(schema.SwapLegs),
		before.GetString(schema.SwapState)+" "+before.GetString(schema.SwapLegs))
	legs, _ := w.legs(swap)
	eq(t, "legs", legs, "ana>ben:accepted ben>ana:accepted")
	eq(t, "offers", w.offerStatuses(keyboard, game), "Yamaha keyboard:reserved, Pandemic board game:reserved")

	// the dashboard sends the whole record back: only the state changed
	body := w.must(200, http.MethodGet, url, "super", nil).body
	for _, f := range []string{"id", "collectionId", "collectionName", "created", "updated"} {
		delete(body, f)
	}
	body["state"] = schema.SwapStateCancelled
	c := w.must(200, http.MethodPatch, url, "super", body)
	eq(t, "cancelled", c.body["state"], schema.SwapStateCancelled)
	legs, _ = w.legs(swap)
	eq(t, "legs", legs, "ana>ben:cancelled ben>ana:cancelled")
	eq(t, "offers free", w.offerStatuses(keyboard, game), "Yamaha keyboard:active, Pandemic board game:active")
	eq(t, "ana told", w.told("ana", swap), []string{"Swap agreed", "Swap cancelled by a moderator"})
	eq(t, "ben told", w.told("ben", swap), []string{"Swap agreed", "Swap cancelled by a moderator", "ana proposes a swap"})
	hist := c.body["history"].([]any)
	last := hist[len(hist)-1].(map[string]any)
	eq(t, "history", fmt.Sprint(last["action"], " ", last["state"], " ", last["by"]), "cancel cancelled moderator")
	// an ended swap may be deleted; its legs (exchanges) stay
	w.must(204, http.MethodDelete, url, "super", nil)
	if _, err := w.app.FindRecordById(schema.Swaps, swap); err == nil {
		t.Fatal("the cancelled swap is still there")
	}
	if n, _ := w.app.CountRecords(schema.Exchanges, dbx.HashExp{schema.ExchangeState: schema.StateCancelled}); n < 2 {
		t.Errorf("the cancelled swap's legs went with it: %d cancelled exchanges left", n)
	}

	// once a leg has been handed over, a moderator settles it in the exchanges
	swap = w.proposed("ana", w.match("ana"))
	r = w.do(http.MethodDelete, "/api/collections/swaps/records/"+swap, "super", nil)
	eq(t, "delete proposed", fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_open")
	eq(t, "state after the delete", w.swapState(swap), schema.SwapStateProposed)
	w.accepted("ben", swap)
	_, byOwner := w.legs(swap)
	w.must(200, http.MethodPatch, "/api/collections/exchanges/records/"+byOwner["ana"].Id, "ben", map[string]any{"state": schema.StateHandedOver})
	r = w.do(http.MethodPatch, "/api/collections/swaps/records/"+swap, "super", map[string]any{"state": schema.SwapStateCancelled})
	eq(t, "cancel under way", fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_under_way")
	legs, _ = w.legs(swap)
	eq(t, "legs", legs, "ana>ben:handed_over ben>ana:accepted")
	eq(t, "state", w.swapState(swap), schema.SwapStateAccepted)
	// nor deleted while it is open
	r = w.do(http.MethodDelete, "/api/collections/swaps/records/"+swap, "super", nil)
	eq(t, "delete under way", fmt.Sprint(r.status, " ", r.code("state")), "400 validation_swap_open")
	eq(t, "state after the delete", w.swapState(swap), schema.SwapStateAccepted)
}
