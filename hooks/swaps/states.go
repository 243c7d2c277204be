package swaps

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// CycleEntry is one step of a swap match's cycle, as hooks/matching writes
// it: the person and the offer they give to the next person in the list
// (the last gives to the first).
type CycleEntry struct {
	Person string `json:"person"`
	Offer  string `json:"offer"`
}

// Leg is one hand-over of a swap: Person gives Offer to To. AcceptedAt is
// when Person accepted the swap; Exchange is the exchange that carries the
// leg out once everyone has.
type Leg struct {
	Person     string         `json:"person"`
	Offer      string         `json:"offer"`
	To         string         `json:"to"`
	AcceptedAt types.DateTime `json:"accepted_at"`
	Exchange   string         `json:"exchange"`
}

// HistoryEntry is one step of a swap: who did what (propose, accept,
// decline, cancel, complete, expire), the state it left the swap in, when, and why
// when nobody asked for it.
type HistoryEntry struct {
	Action string         `json:"action"`
	State  string         `json:"state"`
	By     string         `json:"by,omitempty"`
	At     types.DateTime `json:"at"`
	Reason string         `json:"reason,omitempty"`
}

// Actions a participant takes on a swap.
const (
	ActionPropose  = "propose"
	ActionAccept   = "accept"
	ActionDecline  = "decline"
	ActionCancel   = "cancel"
	ActionComplete = "complete"
	// ActionExpire is the server's: a proposal nobody finished accepting in
	// time (Config.ProposalTTL).
	ActionExpire = "expire"
)

// BySystem names the server in a history entry (a leg completed, an account
// deleted).
const BySystem = "system"

// ByModerator names a superuser in a history entry (a swap cancelled
// through the records API or the dashboard).
const ByModerator = "moderator"

// LegsFromCycle turns a swap match's cycle into its legs: each person gives
// their offer to the next one, the last to the first. A cycle has two or
// three people, each once, with distinct offers.
func LegsFromCycle(cycle []CycleEntry) ([]Leg, error) {
	n := len(cycle)
	if n < 2 || n > 3 {
		return nil, fmt.Errorf("a swap has two or three people, this cycle has %d", n)
	}
	legs := make([]Leg, n)
	var people, offers []string
	for i, c := range cycle {
		if c.Person == "" || c.Offer == "" {
			return nil, fmt.Errorf("step %d of the cycle has no person or no offer", i+1)
		}
		if slices.Contains(people, c.Person) || slices.Contains(offers, c.Offer) {
			return nil, fmt.Errorf("the cycle names a person or an offer twice")
		}
		people, offers = append(people, c.Person), append(offers, c.Offer)
		legs[i] = Leg{Person: c.Person, Offer: c.Offer, To: cycle[(i+1)%n].Person}
	}
	return legs, nil
}

// ParseCycle reads a match's cycle JSON.
func ParseCycle(raw string) ([]CycleEntry, error) {
	var cycle []CycleEntry
	if err := json.Unmarshal([]byte(raw), &cycle); err != nil {
		return nil, fmt.Errorf("the match's cycle can't be read: %w", err)
	}
	return cycle, nil
}

// LegOf returns the index of person's leg (the one where they give), or -1.
func LegOf(legs []Leg, person string) int {
	return slices.IndexFunc(legs, func(l Leg) bool { return l.Person == person })
}

// AllAccepted reports whether every participant has accepted.
func AllAccepted(legs []Leg) bool {
	for _, l := range legs {
		if l.AcceptedAt.IsZero() {
			return false
		}
	}
	return len(legs) > 0
}

// CheckAction returns nil when a participant may take action on a swap in
// state, and otherwise an error a person can read. Accepting and declining
// answer a proposal; cancelling also undoes an agreed swap, as long as no
// leg was handed over (the caller checks the legs).
func CheckAction(state, action string) error {
	switch action {
	case ActionAccept, ActionDecline:
		if state == schema.SwapStateProposed {
			return nil
		}
	case ActionCancel:
		if state == schema.SwapStateProposed || state == schema.SwapStateAccepted {
			return nil
		}
	default:
		return fmt.Errorf("unknown action %q", action)
	}
	if state == schema.SwapStateAccepted {
		return fmt.Errorf("everyone has accepted this swap already: you can only cancel it now")
	}
	return fmt.Errorf("this swap is %s: it can't be changed any more", state)
}

// Open reports whether a swap in state still holds its cycle: no other
// swap of the same cycle may be proposed meanwhile.
func Open(state string) bool {
	return state == schema.SwapStateProposed || state == schema.SwapStateAccepted
}
