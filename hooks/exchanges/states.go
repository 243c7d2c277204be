package exchanges

import (
	"fmt"
	"slices"

	"peerbase/hooks/schema"
)

// Role is who asks for a state change.
type Role int

// The roles that move an exchange.
const (
	RoleNone Role = iota
	RoleOwner
	RoleRequester
	RoleModerator
)

// String names the role for error messages.
func (r Role) String() string {
	switch r {
	case RoleOwner:
		return "the offer's owner"
	case RoleRequester:
		return "the requester"
	case RoleModerator:
		return "a moderator"
	}
	return "nobody"
}

// move is one edge of the state machine and who may take it.
type move struct {
	from, to string
	by       []Role
}

var (
	both  = []Role{RoleOwner, RoleRequester}
	moves = []move{
		{schema.StateRequested, schema.StateAccepted, []Role{RoleOwner}},
		{schema.StateRequested, schema.StateDeclined, []Role{RoleOwner}},
		{schema.StateRequested, schema.StateCancelled, []Role{RoleRequester}},
		// the one who receives the thing says it was handed over
		{schema.StateAccepted, schema.StateHandedOver, []Role{RoleRequester}},
		{schema.StateAccepted, schema.StateCancelled, both},
		{schema.StateAccepted, schema.StateDisputed, both},
		// the owner says it came back: lend and rent only
		{schema.StateHandedOver, schema.StateReturned, []Role{RoleOwner}},
		// everything else; each side confirms, see NeedsBoth
		{schema.StateHandedOver, schema.StateCompleted, both},
		{schema.StateHandedOver, schema.StateDisputed, both},
		{schema.StateReturned, schema.StateCompleted, both},
		{schema.StateReturned, schema.StateDisputed, both},
		// only within the dispute window after completion (checked by the hooks)
		{schema.StateCompleted, schema.StateDisputed, both},
		{schema.StateDisputed, schema.StateCompleted, []Role{RoleModerator}},
		{schema.StateDisputed, schema.StateCancelled, []Role{RoleModerator}},
	}
)

// NeedsBoth reports whether a party's move from one state to another is
// only a confirmation until the other side has confirmed too: completion
// says something about both sides, so one side can't complete alone.
// Moderators and the quiet-period job complete directly.
func NeedsBoth(from, to string) bool {
	return to == schema.StateCompleted && (from == schema.StateHandedOver || from == schema.StateReturned)
}

// Holds reports whether an exchange in this state holds its offer: the
// offer's kind and price unit can't change under it.
func Holds(state string) bool {
	return Occupies(state) || state == schema.StateDisputed
}

// Returnable reports whether things of this offer kind come back to their
// owner (lend, rent): such an exchange passes through returned.
func Returnable(kind string) bool {
	return kind == schema.KindLend || kind == schema.KindRent
}

// Occupies reports whether an exchange in this state holds its dates.
func Occupies(state string) bool {
	return state == schema.StateAccepted || state == schema.StateHandedOver || state == schema.StateReturned
}

// CheckMove returns nil when role may move an exchange of an offer of kind
// from one state to another, and otherwise an error a person can read.
// A moderator may take any edge of the machine. An empty kind (the offer
// was deleted) leaves both ways out of a hand-over open.
func CheckMove(kind, from, to string, role Role) error {
	if from == to {
		return nil
	}
	if from == schema.StateHandedOver && kind != "" {
		if to == schema.StateReturned && !Returnable(kind) {
			return fmt.Errorf("a %s exchange is completed after the hand-over, not returned", kind)
		}
		if to == schema.StateCompleted && Returnable(kind) {
			return fmt.Errorf("a %s exchange must be returned before it is completed", kind)
		}
	}
	for _, m := range moves {
		if m.from != from || m.to != to {
			continue
		}
		if role == RoleModerator || slices.Contains(m.by, role) {
			return nil
		}
		return fmt.Errorf("only %s can move an exchange from %s to %s", m.by[0], from, to)
	}
	return fmt.Errorf("an exchange can't go from %s to %s", from, to)
}
