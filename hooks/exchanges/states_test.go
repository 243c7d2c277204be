package exchanges

import (
	"testing"

	"peerbase/hooks/schema"
)

func TestCheckMove(t *testing.T) {
	t.Parallel()

	cases := []struct {
		kind, from, to string
		role           Role
		ok             bool
	}{
		{schema.KindLend, schema.StateRequested, schema.StateAccepted, RoleOwner, true},
		{schema.KindLend, schema.StateRequested, schema.StateAccepted, RoleRequester, false},
		{schema.KindLend, schema.StateRequested, schema.StateDeclined, RoleOwner, true},
		{schema.KindLend, schema.StateRequested, schema.StateCancelled, RoleRequester, true},
		{schema.KindLend, schema.StateRequested, schema.StateCancelled, RoleOwner, false},
		{schema.KindLend, schema.StateRequested, schema.StateCompleted, RoleOwner, false},
		{schema.KindLend, schema.StateAccepted, schema.StateHandedOver, RoleRequester, true},
		{schema.KindLend, schema.StateAccepted, schema.StateHandedOver, RoleOwner, false}, // the receiver says so
		{schema.KindRent, schema.StateHandedOver, schema.StateReturned, RoleOwner, true},
		{schema.KindRent, schema.StateHandedOver, schema.StateReturned, RoleRequester, false}, // the owner says so
		{"", schema.StateHandedOver, schema.StateReturned, RoleOwner, true},                   // the offer was deleted
		{"", schema.StateHandedOver, schema.StateCompleted, RoleOwner, true},
		{schema.KindSell, schema.StateCompleted, schema.StateDisputed, RoleRequester, true},
		{schema.KindSell, schema.StateCompleted, schema.StateDisputed, RoleOwner, true},
		{schema.KindSell, schema.StateCompleted, schema.StateCancelled, RoleOwner, false},
		{schema.KindRent, schema.StateHandedOver, schema.StateCompleted, RoleOwner, false},
		{schema.KindSell, schema.StateHandedOver, schema.StateCompleted, RoleRequester, true},
		{schema.KindSell, schema.StateHandedOver, schema.StateReturned, RoleRequester, false},
		{schema.KindRent, schema.StateReturned, schema.StateCompleted, RoleOwner, true},
		{schema.KindGive, schema.StateAccepted, schema.StateDisputed, RoleRequester, true},
		{schema.KindGive, schema.StateDisputed, schema.StateCompleted, RoleOwner, false},
		{schema.KindGive, schema.StateDisputed, schema.StateCompleted, RoleModerator, true},
		{schema.KindGive, schema.StateCompleted, schema.StateRequested, RoleModerator, false},
		{schema.KindGive, schema.StateDeclined, schema.StateAccepted, RoleOwner, false},
		{schema.KindGive, schema.StateAccepted, schema.StateAccepted, RoleNone, true},
		{schema.KindSwap, schema.StateAccepted, schema.StateCancelled, RoleNone, false},
	}
	for _, c := range cases {
		err := CheckMove(c.kind, c.from, c.to, c.role)
		if (err == nil) != c.ok {
			t.Errorf("CheckMove(%s, %s→%s, %s) = %v, want ok=%v", c.kind, c.from, c.to, c.role, err, c.ok)
		}
	}
}

func TestOccupies(t *testing.T) {
	t.Parallel()
	for _, s := range schema.ExchangeStates {
		want := s == schema.StateAccepted || s == schema.StateHandedOver || s == schema.StateReturned
		if Occupies(s) != want {
			t.Errorf("Occupies(%s) = %v", s, !want)
		}
	}
}

func TestNeedsBothAndHolds(t *testing.T) {
	t.Parallel()
	for _, from := range schema.ExchangeStates {
		for _, to := range schema.ExchangeStates {
			want := to == schema.StateCompleted && (from == schema.StateHandedOver || from == schema.StateReturned)
			if NeedsBoth(from, to) != want {
				t.Errorf("NeedsBoth(%s, %s) = %v", from, to, !want)
			}
		}
		want := from == schema.StateAccepted || from == schema.StateHandedOver || from == schema.StateReturned || from == schema.StateDisputed
		if Holds(from) != want {
			t.Errorf("Holds(%s) = %v", from, !want)
		}
	}
}
