package exchanges

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
	"peerbase/hooks/threads"
	"peerbase/hooks/trust"
)

// An exchange finishes the job of its offer and its thread: a thing sold,
// given or swapped is reserved while promised and closed once it changed
// hands, and every move is written into the exchange's thread, in the
// transaction of the move, as a system message both sides see.

// threadOf returns the thread an exchange's moves are written into: its
// own, or else the requester's thread about the offer, opened if there is
// none (a block doesn't stop that: see trust.SystemWrite), which then
// becomes the exchange's thread. It is nil only when the exchange has no
// thread and its offer is gone.
func threadOf(ctx context.Context, tx core.App, x *core.Record) (*core.Record, error) {
	if id := x.GetString(schema.ExchangeThread); id != "" {
		if thread, err := tx.FindRecordById(schema.Threads, id); err == nil {
			return thread, nil
		}
	}
	offer := x.GetString(schema.ExchangeOffer)
	if offer == "" {
		return nil, nil
	}
	requester := x.GetString(schema.ExchangeRequester)
	thread, err := tx.FindFirstRecordByFilter(schema.Threads, "offer = {:offer} && peer = {:peer}",
		dbx.Params{"offer": offer, "peer": requester})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("failed to look for the requester's thread: %w", err)
	}
	if err != nil {
		c, cerr := tx.FindCachedCollectionByNameOrId(schema.Threads)
		if cerr != nil {
			return nil, fmt.Errorf("failed to find the threads collection: %w", cerr)
		}
		thread = core.NewRecord(c)
		thread.Set(schema.ThreadOffer, offer)
		thread.Set(schema.ThreadPeer, requester)
		if ctx == nil {
			ctx = context.Background()
		}
		if err := tx.SaveWithContext(trust.SystemWrite(ctx), thread); err != nil {
			return nil, fmt.Errorf("failed to open the requester's thread for exchange %s: %w", x.Id, err)
		}
	}
	x.Set(schema.ExchangeThread, thread.Id)
	return thread, nil
}

// recordMove tells the parties of a move (hooks/notify) and writes its
// system message into thread (none when there is no thread).
func recordMove(tx core.App, thread *core.Record, x *core.Record, from, to, by string) error {
	if err := notifyMove(tx, x, from, to, by); err != nil {
		return err
	}
	if thread == nil {
		return nil
	}
	return threads.PostSystem(tx, thread, threads.Event{Exchange: x.Id, From: from, To: to, By: by})
}

// lastMover is who made the move from→to, from the entry the move added to
// the history; a save that left none was the server's.
func lastMover(x *core.Record, from, to string) string {
	var history []HistoryEntry
	_ = x.UnmarshalJSONField(schema.ExchangeHistory, &history)
	if n := len(history); n > 0 && history[n-1].From == from && history[n-1].To == to && history[n-1].By != "" {
		return history[n-1].By
	}
	return BySystem
}

// changesHands reports whether an offer of this kind goes to one person
// for good (sell, give, swap): its offer is reserved, then closed.
func changesHands(kind string) bool {
	return kind == schema.KindSell || kind == schema.KindGive || kind == schema.KindSwap
}

// settleOffer moves the offer of a sale, gift or swap with its exchange:
// accepted reserves an active offer; completed closes an active or
// reserved one; cancelled or declined makes it active again only when
// this exchange held it, it is still reserved and no other exchange holds
// it. A hidden (moderated) or closed offer is never reopened, nor a draft
// published.
func settleOffer(tx core.App, kind string, x *core.Record, from, to string) error {
	if !changesHands(kind) {
		return nil
	}
	offer, err := tx.FindRecordById(schema.Offers, x.GetString(schema.ExchangeOffer))
	if err != nil {
		return nil // the offer was deleted
	}
	status := offer.GetString(schema.FieldStatus)
	next := status
	switch {
	case to == schema.StateAccepted && status == schema.StatusActive:
		next = schema.StatusReserved
	case to == schema.StateCompleted && (status == schema.StatusActive || status == schema.StatusReserved):
		next = schema.StatusClosed
	case (to == schema.StateCancelled || to == schema.StateDeclined) && Holds(from) && status == schema.StatusReserved:
		n, err := tx.CountRecords(schema.Exchanges,
			dbx.HashExp{schema.ExchangeOffer: offer.Id}, dbx.Not(dbx.HashExp{"id": x.Id}),
			dbx.In(schema.ExchangeState, schema.StateAccepted, schema.StateHandedOver, schema.StateCompleted, schema.StateDisputed))
		if err != nil {
			return fmt.Errorf("failed to look for other exchanges holding offer %s: %w", offer.Id, err)
		}
		if n == 0 {
			next = schema.StatusActive
		}
	}
	if next == status {
		return nil
	}
	offer.Set(schema.FieldStatus, next)
	if err := tx.Save(offer); err != nil {
		return fmt.Errorf("failed to mark offer %s %s: %w", offer.Id, next, err)
	}
	return nil
}

// resolveDispute lets a superuser settle a disputed exchange (completed or
// cancelled) only with a resolution note, and records the resolution in
// moderation_log in the transaction of the move.
func resolveDispute(e *core.RecordRequestEvent, from, to string) error {
	if strings.TrimSpace(e.Record.GetString(schema.ExchangeResolutionNote)) == "" {
		return e.BadRequestError("Failed to update record.", fieldErr(schema.ExchangeResolutionNote, "validation_required",
			"Write how the dispute was settled (resolution_note) to resolve it."))
	}
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := e.Next(); err != nil {
			return err
		}
		c, err := tx.FindCachedCollectionByNameOrId(schema.ModerationLog)
		if err != nil {
			return fmt.Errorf("failed to find the moderation log: %w", err)
		}
		entry := core.NewRecord(c)
		entry.Set(schema.ModAction, "resolve")
		entry.Set(schema.ModTargetColl, schema.Exchanges)
		entry.Set(schema.ModTargetID, e.Record.Id)
		entry.Set(schema.ModActor, e.Auth.Email())
		entry.Set(schema.ModNote, e.Record.GetString(schema.ExchangeResolutionNote))
		entry.Set(schema.ModData, map[string]any{"from": from, "to": to,
			"owner": e.Record.GetString(schema.ExchangeOwner), "requester": e.Record.GetString(schema.ExchangeRequester)})
		if err := tx.Save(entry); err != nil {
			return fmt.Errorf("failed to log the resolution of exchange %s: %w", e.Record.Id, err)
		}
		return nil
	})
}
