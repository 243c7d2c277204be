package swaps

import (
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

func TestLegsFromCycle(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cycle []CycleEntry
		want  string // "person:offer>to ..." or "error"
	}{
		{[]CycleEntry{{"a", "oa"}, {"b", "ob"}}, "a:oa>b b:ob>a"},
		{[]CycleEntry{{"a", "oa"}, {"b", "ob"}, {"c", "oc"}}, "a:oa>b b:ob>c c:oc>a"},
		{[]CycleEntry{{"a", "oa"}}, "error"},
		{nil, "error"},
		{[]CycleEntry{{"a", "oa"}, {"b", "ob"}, {"c", "oc"}, {"d", "od"}}, "error"},
		{[]CycleEntry{{"a", "oa"}, {"a", "ob"}}, "error"},
		{[]CycleEntry{{"a", "oa"}, {"b", "oa"}}, "error"},
		{[]CycleEntry{{"a", "oa"}, {"b", ""}}, "error"},
		{[]CycleEntry{{"", "oa"}, {"b", "ob"}}, "error"},
	}
	for _, c := range cases {
		legs, err := LegsFromCycle(c.cycle)
		got := "error"
		if err == nil {
			got = ""
			for i, l := range legs {
				if i > 0 {
					got += " "
				}
				got += fmt.Sprintf("%s:%s>%s", l.Person, l.Offer, l.To)
			}
		}
		if got != c.want {
			t.Errorf("LegsFromCycle(%v) = %q (%v), want %q", c.cycle, got, err, c.want)
		}
	}
}

func TestParseCycle(t *testing.T) {
	t.Parallel()
	c, err := ParseCycle(`[{"person":"a","offer":"oa"},{"person":"b","offer":"ob"}]`)
	if err != nil || len(c) != 2 || c[1] != (CycleEntry{"b", "ob"}) {
		t.Fatalf("ParseCycle = %v, %v", c, err)
	}
	if _, err := ParseCycle(`{"person":"a"}`); err == nil {
		t.Fatal("an object parsed as a cycle")
	}
}

func TestCheckAction(t *testing.T) {
	t.Parallel()
	allowed := map[string][]string{
		schema.SwapStateProposed:  {ActionAccept, ActionDecline, ActionCancel},
		schema.SwapStateAccepted:  {ActionCancel},
		schema.SwapStateDeclined:  nil,
		schema.SwapStateCancelled: nil,
		schema.SwapStateCompleted: nil,
	}
	for _, state := range schema.SwapStates {
		for _, action := range []string{ActionAccept, ActionDecline, ActionCancel, "steal"} {
			want := false
			for _, a := range allowed[state] {
				want = want || a == action
			}
			if err := CheckAction(state, action); (err == nil) != want {
				t.Errorf("CheckAction(%s, %s) = %v, want allowed %v", state, action, err, want)
			}
		}
		if Open(state) != (state == schema.SwapStateProposed || state == schema.SwapStateAccepted) {
			t.Errorf("Open(%s) = %v", state, Open(state))
		}
	}
}

func TestAcceptance(t *testing.T) {
	t.Parallel()
	legs := []Leg{{Person: "a"}, {Person: "b"}, {Person: "c"}}
	if AllAccepted(nil) || AllAccepted(legs) {
		t.Fatal("nobody accepted yet")
	}
	if LegOf(legs, "b") != 1 || LegOf(legs, "z") != -1 {
		t.Fatal("LegOf")
	}
	for i := range legs {
		if AllAccepted(legs) {
			t.Fatalf("all accepted after %d of 3", i)
		}
		legs[i].AcceptedAt = types.NowDateTime()
	}
	if !AllAccepted(legs) {
		t.Fatal("everyone accepted")
	}
}
