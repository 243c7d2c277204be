package matching

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
	"peerbase/hooks/trust"
)

// Swap match scores: a two-way swap needs two people to agree, a three-way
// one three, so it ranks lower.
const (
	scoreSwap2 = 1.0
	scoreSwap3 = 0.8
)

// CycleEntry is one step of a swap match's cycle: the person and the offer
// they give (to the next person in the list; the last gives to the first).
type CycleEntry struct {
	Person string `json:"person"`
	Offer  string `json:"offer"`
}

// matchSwaps tells every person in each swap cycle that the swap offer rec
// completes, once per cycle.
func (s *service) matchSwaps(rec *core.Record) error {
	o := SwapOfferFromRecord(rec)
	var lookupErr error
	memo := map[[2]string]bool{}
	allowed := func(a, b string) bool {
		if a == b {
			return false
		}
		if a > b {
			a, b = b, a
		}
		ok, seen := memo[[2]string{a, b}]
		if !seen {
			blocked, err := trust.IsBlocked(s.app, a, b)
			if err != nil {
				lookupErr = err
			}
			ok = err == nil && !blocked
			memo[[2]string{a, b}] = ok
		}
		return ok
	}
	cycles := s.swaps.Cycles(o, allowed)
	if lookupErr != nil {
		return lookupErr
	}
	for _, c := range cycles {
		if err := s.tellCycle(c); err != nil {
			return err
		}
	}
	return nil
}

// tellCycle writes one match per person of a cycle, all or none, unless
// they were told already or an offer of it is no longer active.
func (s *service) tellCycle(c Cycle) error {
	key := c.Key()
	n := len(c.Offers)
	ids := make([]any, n)
	cycle := make([]CycleEntry, n)
	for i, o := range c.Offers {
		ids[i] = o.ID
		cycle[i] = CycleEntry{Person: o.Owner, Offer: o.ID}
	}
	live, err := s.app.CountRecords(schema.Offers, dbx.HashExp{"id": ids, schema.FieldStatus: schema.StatusActive})
	if err != nil {
		return fmt.Errorf("failed to check the swap's offers: %w", err)
	}
	if int(live) != n {
		return nil
	}
	matches, err := s.app.FindCollectionByNameOrId(schema.Matches)
	if err != nil {
		return err
	}
	kind, score := schema.MatchKindSwap2, scoreSwap2
	if n == 3 {
		kind, score = schema.MatchKindSwap3, scoreSwap3
	}
	return s.app.RunInTransaction(func(tx core.App) error {
		// in the transaction: writes are serialized, so a worker matching
		// another offer of the same cycle has either told it (and this one
		// sees it) or not begun
		told, err := tx.CountRecords(schema.Matches, dbx.HashExp{schema.MatchCycleKey: key})
		if err != nil {
			return fmt.Errorf("failed to look up the swap's matches: %w", err)
		}
		if told > 0 {
			return nil
		}
		for k, own := range c.Offers {
			gets := c.Offers[(k+n-1)%n]
			m := core.NewRecord(matches)
			m.Set(schema.MatchRecipient, own.Owner)
			m.Set(schema.FieldKind, kind)
			m.Set(schema.MatchOffer, gets.ID)
			m.Set(schema.MatchCycle, cycle)
			m.Set(schema.MatchCycleKey, key)
			m.Set(schema.MatchScore, score)
			m.Set(schema.MatchExplanation, swapText(n, own.Title, gets.Title))
			if err := tx.Save(m); err != nil {
				return fmt.Errorf("failed to save a swap match: %w", err)
			}
		}
		return nil
	})
}

func swapText(n int, give, get string) string {
	if n == 2 {
		return fmt.Sprintf("swap: your “%s” for “%s”", give, get)
	}
	return fmt.Sprintf("%d-way swap: your “%s” goes on, “%s” comes to you", n, give, get)
}
