package swaps

import (
	"fmt"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/exchanges"
	"peerbase/hooks/schema"
	"peerbase/hooks/trust"
)

// checkCycle checks, through tx, that every offer of the legs is still an
// active swap offer of the person who gives it, and that nobody in the
// swap blocked anyone else in it (either way); the error names the problem.
func checkCycle(tx core.App, legs []Leg) error {
	for _, l := range legs {
		offer, err := tx.FindRecordById(schema.Offers, l.Offer)
		if err != nil {
			return fieldErr(schema.SwapOffers, "validation_offer_gone", "An offer of this swap has been deleted: the swap can't go ahead.")
		}
		title := offer.GetString(schema.OfferTitle)
		switch {
		case offer.GetString(schema.FieldOwner) != l.Person:
			return fieldErr(schema.SwapOffers, "validation_offer_owner", fmt.Sprintf("“%s” no longer belongs to the person who offered it.", title))
		case offer.GetString(schema.FieldStatus) != schema.StatusActive:
			return fieldErr(schema.SwapOffers, "validation_offer_unavailable",
				fmt.Sprintf("“%s” is no longer available (it is %s).", title, offer.GetString(schema.FieldStatus)))
		case offer.GetString(schema.FieldKind) != schema.KindSwap:
			return fieldErr(schema.SwapOffers, "validation_offer_not_swap", fmt.Sprintf("“%s” is no longer offered as a swap.", title))
		}
	}
	for i, a := range legs {
		for _, b := range legs[i+1:] {
			blocked, err := trust.IsBlocked(tx, a.Person, b.Person)
			if err != nil {
				return err
			}
			if blocked {
				return fieldErr(schema.SwapParticipants, "validation_blocked", "Someone in this swap has blocked someone else in it: it can't go ahead.")
			}
		}
	}
	return nil
}

// openLegs makes each leg an exchange (offer: the giver's, requester: the
// person it goes to), born requested and accepted by its giver at once, so
// the exchanges hooks reserve each offer and refuse one already promised.
func openLegs(tx core.App, swap *core.Record, legs []Leg) error {
	c, err := tx.FindCachedCollectionByNameOrId(schema.Exchanges)
	if err != nil {
		return err
	}
	for i, l := range legs {
		x := core.NewRecord(c)
		x.Set(schema.ExchangeOffer, l.Offer)
		x.Set(schema.ExchangeRequester, l.To)
		x.Set(schema.ExchangeSwap, swap.Id)
		if err := tx.Save(x); err != nil {
			return fmt.Errorf("failed to open leg %d of the swap: %w", i+1, err)
		}
		// reload: the move is checked against what is stored
		if x, err = tx.FindRecordById(schema.Exchanges, x.Id); err != nil {
			return err
		}
		if err := moveLeg(tx, x, schema.StateAccepted, l.Person, "swap agreed"); err != nil {
			return fmt.Errorf("failed to accept leg %d of the swap: %w", i+1, err)
		}
		legs[i].Exchange = x.Id
	}
	return nil
}

// moveLeg moves one leg's exchange through the model hooks (which check
// the move, reserve or free the offer and write the thread's message).
func moveLeg(tx core.App, x *core.Record, to, by, reason string) error {
	from := x.GetString(schema.ExchangeState)
	var history []exchanges.HistoryEntry
	_ = x.UnmarshalJSONField(schema.ExchangeHistory, &history)
	x.Set(schema.ExchangeState, to)
	x.Set(schema.ExchangeHistory, append(history, exchanges.HistoryEntry{From: from, To: to, By: by, At: types.NowDateTime(), Reason: reason}))
	return tx.Save(x)
}

// legExchanges loads the exchanges of a swap's legs.
func legExchanges(tx core.App, swapID string) ([]*core.Record, error) {
	xs, err := tx.FindAllRecords(schema.Exchanges, dbx.HashExp{schema.ExchangeSwap: swapID})
	if err != nil {
		return nil, fmt.Errorf("failed to load the swap's exchanges: %w", err)
	}
	return xs, nil
}

// underWay reports whether a leg's exchange has gone past its acceptance:
// something changed hands (or is disputed), so the swap can't be undone.
func underWay(state string) bool {
	return !slices.Contains([]string{schema.StateRequested, schema.StateAccepted, schema.StateDeclined, schema.StateCancelled}, state)
}

// ending says how a swap ends: its new state, the action and who took it,
// and why when nobody asked for it. A person's or a moderator's step
// (strict) is refused once a leg has been handed over; the server's own
// (an account deleted, a leg cancelled, a proposal expired) ends what it
// can and leaves the legs under way to their exchanges.
type ending struct {
	to, action, by, reason string
	strict                 bool
}

// end ends a swap as how says and frees every offer: the swap is saved
// first (by save, or tx.Save when nil), so the leg hooks see it ended, then
// each leg not yet handed over is cancelled, then the participants are
// told (all but the one who did it).
func end(tx core.App, swap *core.Record, how ending, save func() error) error {
	xs, err := legExchanges(tx, swap.Id)
	if err != nil {
		return err
	}
	if how.strict {
		for _, x := range xs {
			if underWay(x.GetString(schema.ExchangeState)) {
				return fieldErr(schema.SwapState, "validation_swap_under_way",
					"A leg of this swap has been handed over already: it can't be cancelled any more. Settle it in its exchange.")
			}
		}
	}
	swap.Set(schema.SwapState, how.to)
	addHistory(swap, HistoryEntry{Action: how.action, State: how.to, By: how.by, At: types.NowDateTime(), Reason: how.reason})
	if save == nil {
		save = func() error { return tx.Save(swap) }
	}
	if err := save(); err != nil {
		return fmt.Errorf("failed to save the swap: %w", err)
	}
	for _, x := range xs {
		if st := x.GetString(schema.ExchangeState); st == schema.StateAccepted || st == schema.StateRequested {
			why := "swap " + how.to
			if how.reason != "" {
				why += ": " + how.reason
			}
			if err := moveLeg(tx, x, schema.StateCancelled, how.by, why); err != nil {
				return fmt.Errorf("failed to cancel a leg of the swap: %w", err)
			}
		}
	}
	key := keyCancelled
	switch {
	case how.to == schema.SwapStateDeclined:
		key = keyDeclined
	case how.to == schema.SwapStateExpired:
		key = keyExpired
	case how.by == ByModerator:
		key = keyModeratorCancelled
	}
	return tell(tx, swap, key, how.by)
}

// guardLegCancel refuses, to a party using the records API, to cancel one
// leg of a swap whose other leg has been handed over already: the other
// side gave their part and is owed this one. Before any hand-over,
// cancelling a leg cancels the whole swap (see onLegUpdate).
func guardLegCancel(e *core.RecordRequestEvent) error {
	swapID := e.Record.GetString(schema.ExchangeSwap)
	if swapID == "" || e.HasSuperuserAuth() || e.Record.GetString(schema.ExchangeState) != schema.StateCancelled {
		return e.Next()
	}
	xs, err := legExchanges(e.App, swapID)
	if err != nil {
		return err
	}
	for _, x := range xs {
		if x.Id != e.Record.Id && underWay(x.GetString(schema.ExchangeState)) {
			return e.BadRequestError("Failed to update record.", vErr(schema.ExchangeState, "validation_swap_under_way",
				"Another leg of this swap has been handed over already: this one can't be cancelled. Dispute it if something is wrong."))
		}
	}
	return e.Next()
}

// onLegUpdate follows a swap's legs on every write path, in the leg's
// transaction: a leg cancelled (by a party, a moderator or an account
// deletion) while the swap is agreed cancels the swap and frees the other
// offers; the last leg to complete completes the swap.
func onLegUpdate(e *core.RecordEvent) error {
	swapID := e.Record.GetString(schema.ExchangeSwap)
	if swapID == "" {
		return e.Next()
	}
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		stored, err := tx.FindRecordById(schema.Exchanges, e.Record.Id)
		if err != nil {
			return fmt.Errorf("failed to load the stored leg: %w", err)
		}
		from, to := stored.GetString(schema.ExchangeState), e.Record.GetString(schema.ExchangeState)
		if err := e.Next(); err != nil {
			return err
		}
		if from == to || (to != schema.StateCancelled && to != schema.StateDeclined && to != schema.StateCompleted) {
			return nil
		}
		swap, err := tx.FindRecordById(schema.Swaps, swapID)
		if err != nil || swap.GetString(schema.SwapState) != schema.SwapStateAccepted {
			return nil // deleted by a superuser, or ended already (this is its own cancellation)
		}
		if to != schema.StateCompleted {
			by := lastMover(e.Record)
			return end(tx, swap, ending{to: schema.SwapStateCancelled, action: ActionCancel, by: by, reason: "a leg was cancelled"}, nil)
		}
		left, err := tx.CountRecords(schema.Exchanges, dbx.HashExp{schema.ExchangeSwap: swapID},
			dbx.Not(dbx.HashExp{schema.ExchangeState: schema.StateCompleted}))
		if err != nil {
			return fmt.Errorf("failed to count the swap's open legs: %w", err)
		}
		if left > 0 {
			return nil
		}
		swap.Set(schema.SwapState, schema.SwapStateCompleted)
		addHistory(swap, HistoryEntry{Action: ActionComplete, State: schema.SwapStateCompleted, By: BySystem,
			At: types.NowDateTime(), Reason: "every leg completed"})
		if err := tx.Save(swap); err != nil {
			return fmt.Errorf("failed to complete the swap: %w", err)
		}
		return tell(tx, swap, keyCompleted, "")
	})
}

// lastMover is who made an exchange's latest move, from its history.
func lastMover(x *core.Record) string {
	var history []exchanges.HistoryEntry
	_ = x.UnmarshalJSONField(schema.ExchangeHistory, &history)
	if n := len(history); n > 0 && history[n-1].By != "" {
		return history[n-1].By
	}
	return BySystem
}

// onUserDelete ends, in the deletion's transaction, the open swaps of a
// person whose account goes: nobody is left to give their offer or to
// receive the one coming to them. PocketBase then takes them out of
// every swap's participants.
func onUserDelete(e *core.RecordEvent) error {
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		open, err := tx.FindAllRecords(schema.Swaps,
			dbx.In(schema.SwapState, schema.SwapStateProposed, schema.SwapStateAccepted),
			dbx.NewExp("EXISTS (SELECT 1 FROM json_each([["+schema.SwapParticipants+"]]) AS p WHERE p.value = {:user})",
				dbx.Params{"user": e.Record.Id}))
		if err != nil {
			return fmt.Errorf("failed to find the person's open swaps: %w", err)
		}
		for _, s := range open {
			if err := end(tx, s, ending{to: schema.SwapStateCancelled, action: ActionCancel, by: BySystem, reason: "account deleted"}, nil); err != nil {
				return err
			}
		}
		return e.Next()
	})
}
