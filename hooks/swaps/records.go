package swaps

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// routesHint tells a superuser where a swap's steps are taken.
const routesHint = "A swap is proposed from a swap match (POST /api/peerbase/swaps) and answered by its participants " +
	"(POST /api/peerbase/swaps/{id}/accept, /decline, /cancel); its legs move as exchanges."

// serverFields are a swap's fields that only the swap routes and hooks
// write: the cycle, its people and offers, the legs (acceptances and the
// exchanges that carry them out) and the history.
var serverFields = []string{schema.SwapCycleKey, schema.SwapParticipants, schema.SwapOffers, schema.SwapLegs, schema.SwapHistory}

// refuseCreate answers a swap created through the records API (only a
// superuser may reach it, from the dashboard or a script) with a 400: a
// swap made by hand would have no match behind it, legs that may not fit
// its offers, and offers nobody reserves.
func refuseCreate(e *core.RecordRequestEvent) error {
	return apis.NewBadRequestError("Failed to create record.",
		vErr(schema.SwapState, "validation_swap_routes_only", "A swap can't be created here. "+routesHint))
}

// guardUpdate keeps a superuser's records API update of a swap consistent:
// the fields the server writes can't change, and the only state change is
// cancelling an open swap, carried out as a participant's cancel is (in
// one transaction that rereads the swap, refused once a leg has been
// handed over; every leg not under way cancelled, every offer free, the
// participants told). Anything else is a 400 that points to the routes.
func guardUpdate(e *core.RecordRequestEvent) error {
	old := e.Record.Original()
	for _, f := range serverFields {
		if !sameValue(old.Get(f), e.Record.Get(f)) {
			return apis.NewBadRequestError("Failed to update record.",
				vErr(f, "validation_swap_server_field", fmt.Sprintf("A swap's %s is written by the server only. %s", f, routesHint)))
		}
	}
	from, to := old.GetString(schema.SwapState), e.Record.GetString(schema.SwapState)
	if from == to {
		return e.Next()
	}
	if to != schema.SwapStateCancelled || !Open(from) {
		return apis.NewBadRequestError("Failed to update record.", vErr(schema.SwapState, "validation_swap_routes_only",
			fmt.Sprintf("A swap can't be moved from %s to %s here: a moderator may only cancel a proposed or agreed swap. %s", from, to, routesHint)))
	}
	app := e.App
	defer func() { e.App = app }()
	err := app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		stored, err := tx.FindRecordById(schema.Swaps, e.Record.Id)
		if err != nil {
			return notFound()
		}
		if st := stored.GetString(schema.SwapState); st != from {
			return fieldErr(schema.SwapState, "validation_swap_"+st, fmt.Sprintf("The swap was %s meanwhile: reload it.", st))
		}
		e.Record.Set(schema.SwapHistory, stored.Get(schema.SwapHistory)) // what end appends to
		return end(tx, e.Record, ending{to: schema.SwapStateCancelled, action: ActionCancel, by: ByModerator,
			reason: "cancelled by a moderator", strict: true}, e.Next)
	})
	if err != nil {
		return apiError(err)
	}
	return nil
}

// refuseOpenDelete answers a superuser's delete of an open swap (proposed
// or agreed) with a 400: its participants would not be told, its offers
// would stay reserved and its legs would go on without the swap that ties
// them. A swap that has ended (declined, cancelled, completed, expired)
// may be deleted; its exchanges outlive it.
func refuseOpenDelete(e *core.RecordRequestEvent) error {
	if st := e.Record.GetString(schema.SwapState); Open(st) {
		return apis.NewBadRequestError("Failed to delete record.", vErr(schema.SwapState, "validation_swap_open",
			fmt.Sprintf("A %s swap can't be deleted: cancel it first (set its state to cancelled), so that its participants are told and its offers freed. %s", st, routesHint)))
	}
	return e.Next()
}

// sameValue reports whether two field values are the same, JSON compared
// by meaning (the dashboard sends a JSON field back as it shows it).
func sameValue(a, b any) bool {
	norm := func(v any) any {
		raw, err := json.Marshal(v)
		if err != nil {
			return v
		}
		var out any
		if json.Unmarshal(raw, &out) != nil {
			return v
		}
		// a JSON field holds its text: read that text as JSON too
		if s, ok := out.(string); ok {
			var inner any
			if json.Unmarshal([]byte(s), &inner) == nil {
				return inner
			}
		}
		return out
	}
	na, nb := norm(a), norm(b)
	if sa, ok := na.([]any); ok && len(sa) == 0 {
		na = nil
	}
	if sb, ok := nb.([]any); ok && len(sb) == 0 {
		nb = nil
	}
	return reflect.DeepEqual(na, nb)
}
