package trust

import (
	"context"
	"fmt"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// errBlocked is what both sides of a block see when they try to make contact.
var errBlockedMessage = "You can't contact this person."

// IsBlocked reports whether either of two people has blocked the other.
func IsBlocked(app core.App, a, b string) (bool, error) {
	if a == "" || b == "" {
		return false, nil
	}
	n, err := app.CountRecords(schema.Blocks, dbx.Or(
		dbx.HashExp{schema.BlockBlocker: a, schema.BlockBlocked: b},
		dbx.HashExp{schema.BlockBlocker: b, schema.BlockBlocked: a},
	))
	if err != nil {
		return false, fmt.Errorf("failed to look up blocks: %w", err)
	}
	return n > 0, nil
}

// systemWriteKey marks a context whose saves the server makes on nobody's
// behalf (see SystemWrite).
type systemWriteKey struct{}

// SystemWrite returns ctx marked so that a thread saved with it
// (app.SaveWithContext) is not stopped by a block: the exchanges hooks open
// the requester's thread to record an exchange's move there, and a block
// must not keep a cancel from being recorded. Nobody can contact anyone
// through such a thread: its messages are still stopped.
func SystemWrite(ctx context.Context) context.Context {
	return context.WithValue(ctx, systemWriteKey{}, true)
}

// checkOfferContactBlock stops a new thread or exchange request about an
// offer between its owner and the person asking, when one has blocked the
// other, on every write path.
func checkOfferContactBlock(asker string) func(e *core.RecordEvent) error {
	return func(e *core.RecordEvent) error {
		if e.Context != nil && e.Context.Value(systemWriteKey{}) != nil {
			return e.Next()
		}
		offer, err := e.App.FindRecordById(schema.Offers, e.Record.GetString(schema.ThreadOffer))
		if err != nil {
			return e.Next() // the threads and exchanges hooks report the missing offer
		}
		blocked, err := IsBlocked(e.App, offer.GetString(schema.FieldOwner), e.Record.GetString(asker))
		if err != nil {
			return err
		}
		if blocked {
			return validation.Errors{schema.ThreadOffer: validation.NewError("validation_blocked", errBlockedMessage)}
		}
		return e.Next()
	}
}

// checkMessageBlock stops new messages in a thread once either participant
// has blocked the other. A system message (an exchange's move, written by
// the server: no client can create one) is not contact, and goes through.
func checkMessageBlock(e *core.RecordEvent) error {
	if e.Record.GetString(schema.MessageKind) == schema.MessageKindSystem {
		return e.Next()
	}
	thread, err := e.App.FindRecordById(schema.Threads, e.Record.GetString(schema.MessageThread))
	if err != nil {
		return validation.Errors{schema.MessageThread: validation.NewError("validation_missing_thread", "The thread doesn't exist.")}
	}
	blocked, err := IsBlocked(e.App, thread.GetString(schema.ThreadOwner), thread.GetString(schema.ThreadPeer))
	if err != nil {
		return err
	}
	if blocked {
		return validation.Errors{schema.MessageThread: validation.NewError("validation_blocked", errBlockedMessage)}
	}
	return e.Next()
}
