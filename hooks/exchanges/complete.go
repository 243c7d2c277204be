package exchanges

import (
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// CompleteDue completes the exchanges that have waited quietly in handed
// over (or returned, for lends and rentals) since before now minus quiet:
// nobody disputed them, so the side that never confirmed had its chance.
// Each completion is its own save through the model hooks, so one disputed
// meanwhile is skipped, not overwritten. One whose credit price the ledger
// can't move (see hooks/ledger: only an exchange accepted without a hold)
// is disputed instead, for a moderator to settle. It returns how many it
// completed.
func CompleteDue(app core.App, quiet time.Duration, now time.Time) (int, error) {
	cutoff, err := types.ParseDateTime(now.Add(-quiet))
	if err != nil {
		return 0, err
	}
	due, err := app.FindRecordsByFilter(schema.Exchanges,
		"(state = {:handed} || state = {:returned}) && state_changed_at != '' && state_changed_at <= {:cutoff}",
		schema.ExchangeStateChangedAt, 500, 0,
		dbx.Params{"handed": schema.StateHandedOver, "returned": schema.StateReturned, "cutoff": cutoff.String()})
	if err != nil {
		return 0, fmt.Errorf("failed to find the exchanges due: %w", err)
	}
	n := 0
	var errs []error
	for _, x := range due {
		kind, err := offerKind(app, x)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		from := x.GetString(schema.ExchangeState)
		if CheckMove(kind, from, schema.StateCompleted, RoleModerator) != nil {
			continue // a rental handed over waits for its return
		}
		x.Set(schema.ExchangeState, schema.StateCompleted)
		appendHistory(x, HistoryEntry{From: from, To: schema.StateCompleted, By: BySystem,
			At: types.NowDateTime(), Reason: "quiet period over"})
		if err := app.Save(x); err != nil {
			var ve validation.Errors
			if errors.As(err, &ve) && ve[schema.ExchangeState] != nil {
				continue // disputed or moved meanwhile: no longer due
			}
			if errors.As(err, &ve) && ve[schema.ExchangeCreditPrice] != nil {
				// the ledger refused the payment: only an exchange accepted
				// without its price held (before holds, or while the ledger
				// was off) can get here; retrying would fail every run
				if err := disputeUnpaid(app, x.Id, from); err != nil {
					errs = append(errs, err)
				}
				continue
			}
			errs = append(errs, fmt.Errorf("failed to complete exchange %s: %w", x.Id, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// UnpaidReason is the history reason of an exchange the quiet-period job
// disputed because its requester can't pay its credit price.
const UnpaidReason = "quiet period over, but the requester can't pay the credit price: a moderator settles it"

// disputeUnpaid moves an exchange whose completion the ledger refused to
// disputed, for a moderator to settle (grant the credit and complete it,
// or cancel it), so the job doesn't try again every run; the parties are
// told as of any move.
func disputeUnpaid(app core.App, id, from string) error {
	x, err := app.FindRecordById(schema.Exchanges, id)
	if err != nil || x.GetString(schema.ExchangeState) != from {
		return nil // gone or moved meanwhile
	}
	x.Set(schema.ExchangeState, schema.StateDisputed)
	appendHistory(x, HistoryEntry{From: from, To: schema.StateDisputed, By: BySystem, At: types.NowDateTime(), Reason: UnpaidReason})
	if err := app.Save(x); err != nil {
		return fmt.Errorf("failed to dispute unpaid exchange %s: %w", id, err)
	}
	return nil
}
