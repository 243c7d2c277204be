package swaps

import (
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// ExpireDue expires the swaps proposed before now minus ttl that not every
// participant has accepted: each in its own transaction that rereads it
// (an acceptance that came meanwhile wins), ended like a decline (any leg
// cancelled, every offer free) and told to every participant. It returns
// how many it expired; the job runs again for more than 500.
func ExpireDue(app core.App, ttl time.Duration, now time.Time) (int, error) {
	cutoff, err := types.ParseDateTime(now.Add(-ttl))
	if err != nil {
		return 0, err
	}
	due, err := app.FindRecordsByFilter(schema.Swaps, "state = {:proposed} && created <= {:cutoff}", "created", 500, 0,
		dbx.Params{"proposed": schema.SwapStateProposed, "cutoff": cutoff.String()})
	if err != nil {
		return 0, fmt.Errorf("failed to find the proposals due: %w", err)
	}
	reason := fmt.Sprintf("not accepted by everyone within %s", ttl)
	n := 0
	var errs []error
	for _, s := range due {
		expired := false
		err := app.RunInTransaction(func(tx core.App) error {
			swap, err := tx.FindRecordById(schema.Swaps, s.Id)
			if err != nil || swap.GetString(schema.SwapState) != schema.SwapStateProposed {
				return nil // deleted, accepted, declined or cancelled meanwhile
			}
			expired = true
			return end(tx, swap, ending{to: schema.SwapStateExpired, action: ActionExpire, by: BySystem, reason: reason}, nil)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("failed to expire swap %s: %w", s.Id, err))
			continue
		}
		if expired {
			n++
		}
	}
	return n, errors.Join(errs...)
}
