package ledger_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"

	"peerbase/hooks/ledger"
	"peerbase/hooks/schema"
)

// TestTransferBadInput: each bad transfer is a 400 naming its field (or the
// auth error) and writes nothing.
func TestTransferBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ledger.Config{Enabled: true})
	w.grant("alice", 20)
	before := w.entries(t)
	for _, c := range []struct {
		name   string
		who    string
		body   map[string]any
		status int
		want   string
	}{
		{"anonymous", "", map[string]any{"to": ids["bob"], "amount": 1}, 401, ""},
		{"superuser has no balance", "mod", map[string]any{"to": ids["bob"], "amount": 1}, 403, ""},
		{"zero", "alice", map[string]any{"to": ids["bob"], "amount": 0}, 400, `"amount":{"code":"validation_amount"`},
		{"negative", "alice", map[string]any{"to": ids["bob"], "amount": -3}, 400, `"amount":{"code":"validation_amount"`},
		{"fraction", "alice", map[string]any{"to": ids["bob"], "amount": 1.5}, 400, `"amount":{"code":"validation_amount"`},
		{"string", "alice", map[string]any{"to": ids["bob"], "amount": "5"}, 400, `"amount":{"code":"validation_not_a_number"`},
		{"missing amount", "alice", map[string]any{"to": ids["bob"]}, 400, `"amount":{"code":"validation_not_a_number"`},
		{"too big", "alice", map[string]any{"to": ids["bob"], "amount": 2e9}, 400, `"amount":{"code":"validation_amount"`},
		{"to self", "alice", map[string]any{"to": ids["alice"], "amount": 1}, 400, `"to":{"code":"validation_self"`},
		{"to unknown", "alice", map[string]any{"to": "nosuchuser12345", "amount": 1}, 400, `"to":{"code":"validation_unknown_user"`},
		{"to missing", "alice", map[string]any{"amount": 1}, 400, `"to":{"code":"validation_required"`},
		{"to not a string", "alice", map[string]any{"to": 5, "amount": 1}, 400, `"to":{"code":"validation_required"`},
		{"note too long", "alice", map[string]any{"to": ids["bob"], "amount": 1, "note": strings.Repeat("x", 501)}, 400, `"note":{"code":"validation_note"`},
		{"over the floor", "alice", map[string]any{"to": ids["bob"], "amount": 21}, 400, `"amount":{"code":"validation_insufficient_balance"`},
		{"nothing to give", "carol", map[string]any{"to": ids["bob"], "amount": 1}, 400, `"amount":{"code":"validation_insufficient_balance"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, raw := w.do(t, http.MethodPost, transferURL, c.who, c.body)
			if st != c.status || !strings.Contains(raw, c.want) {
				t.Errorf("%d %s, want %d with %s", st, raw, c.status, c.want)
			}
		})
	}
	if n := w.entries(t); n != before {
		t.Errorf("%d entries written by refused transfers", n-before)
	}
	// the exact balance goes
	if st, raw := w.do(t, http.MethodPost, transferURL, "alice", map[string]any{"to": ids["bob"], "amount": 20}); st != 200 {
		t.Errorf("whole balance: %d %s", st, raw)
	}
	// grants: superusers only, never refused by the floor
	if st, raw := w.do(t, http.MethodPost, grantURL, "alice", map[string]any{"to": ids["alice"], "amount": 5}); st != 403 && st != 401 {
		t.Errorf("grant by a person: %d %s", st, raw)
	}
	if st, raw := w.do(t, http.MethodPost, grantURL, "mod", map[string]any{"to": ids["carol"], "amount": 0}); st != 400 || !strings.Contains(raw, `"amount"`) {
		t.Errorf("grant of 0: %d %s", st, raw)
	}
	st, raw := w.do(t, http.MethodPost, grantURL, "mod", map[string]any{"to": ids["carol"], "amount": 5, "note": "welcome"})
	if st != 200 || !strings.Contains(raw, `"kind":"grant"`) || !strings.Contains(raw, `"balance":5`) {
		t.Errorf("grant: %d %s", st, raw)
	}
	n, err := w.app.CountRecords(schema.Notifications, dbx.HashExp{schema.NotificationUser: ids["carol"], schema.NotificationType: schema.NotifyLedger})
	if err != nil || n != 1 {
		t.Errorf("carol was told of %d grants (%v), want 1", n, err)
	}
}

// TestNegativeFloor: a time bank may let balances go a little under zero.
func TestNegativeFloor(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ledger.Config{Enabled: true, Floor: -5})
	if st, raw := w.do(t, http.MethodPost, transferURL, "alice", map[string]any{"to": ids["bob"], "amount": 6}); st != 400 || !strings.Contains(raw, "validation_insufficient_balance") {
		t.Errorf("6 from 0 with floor -5: %d %s", st, raw)
	}
	if st, raw := w.do(t, http.MethodPost, transferURL, "alice", map[string]any{"to": ids["bob"], "amount": 5}); st != 200 || !strings.Contains(raw, `"balance":-5`) {
		t.Errorf("5 from 0 with floor -5: %d %s", st, raw)
	}
	if st, raw := w.do(t, http.MethodGet, balanceURL, "alice", nil); st != 200 || !strings.Contains(raw, `"balance":-5`) || !strings.Contains(raw, `"floor":-5`) {
		t.Errorf("balance: %d %s", st, raw)
	}
}

// TestBalanceShownToSelfOnly: the balance route and the profile show a
// person their own balance; nobody else's profile carries one.
func TestBalanceShownToSelfOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ledger.Config{Enabled: true})
	w.grant("alice", 42)
	if st, raw := w.do(t, http.MethodGet, balanceURL, "", nil); st != 401 {
		t.Errorf("anonymous balance: %d %s", st, raw)
	}
	if st, raw := w.do(t, http.MethodGet, balanceURL, "alice", nil); st != 200 || !strings.Contains(raw, `"balance":42`) {
		t.Errorf("balance: %d %s", st, raw)
	}
	alice := "/api/collections/users/records/" + ids["alice"]
	if st, raw := w.do(t, http.MethodGet, alice, "alice", nil); st != 200 || !strings.Contains(raw, `"balance":42`) {
		t.Errorf("own profile: %d %s", st, raw)
	}
	for _, who := range []string{"", "bob"} {
		if _, raw := w.do(t, http.MethodGet, alice, who, nil); strings.Contains(raw, `"balance"`) {
			t.Errorf("%q sees alice's balance: %s", who, raw)
		}
		if _, raw := w.do(t, http.MethodGet, "/api/collections/users/records", who, nil); strings.Contains(raw, `"balance":42`) {
			t.Errorf("%q sees alice's balance in the list: %s", who, raw)
		}
	}
	// alice's own record in her sync carries it too, like every enriched answer
	if st, raw := w.do(t, http.MethodGet, "/api/collections/users/records?filter=id='"+ids["alice"]+"'", "alice", nil); st != 200 || !strings.Contains(raw, `"balance":42`) {
		t.Errorf("own record in a list: %d %s", st, raw)
	}
}

// TestConcurrentTransfersNeverOverdraw: 60 rounds of 10 concurrent
// transfers over real HTTP from one account that can pay only some of
// them. After each round no balance is under the floor, exactly the
// affordable transfers won, every loser got the documented 400
// (amount: validation_insufficient_balance), and the entries add up.
func TestConcurrentTransfersNeverOverdraw(t *testing.T) {
	t.Parallel()
	for _, floor := range []int{0, -4} {
		t.Run(fmt.Sprintf("floor %d", floor), func(t *testing.T) {
			w := newWorld(t, ledger.Config{Enabled: true, Floor: floor})
			const rounds, senders, amount, fund = 60, 10, 3, 10
			targets := []string{"bob", "carol", "owner"}
			for round := range rounds {
				// bring alice to exactly fund: (fund - floor) / amount transfers fit
				if b := w.balance(t, "alice"); b < fund {
					w.grant("alice", fund-b)
				}
				fits := (fund - floor) / amount
				var wg sync.WaitGroup
				var mu sync.Mutex
				won, lost := 0, 0
				start := make(chan struct{})
				for i := range senders {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						st, raw := w.do(t, http.MethodPost, transferURL, "alice",
							map[string]any{"to": ids[targets[i%len(targets)]], "amount": amount})
						mu.Lock()
						defer mu.Unlock()
						switch {
						case st == 200:
							won++
						case st == 400 && strings.Contains(raw, `"amount":{"code":"validation_insufficient_balance"`):
							lost++
						default:
							t.Errorf("round %d: %d %s", round, st, raw)
						}
					}()
				}
				close(start)
				wg.Wait()
				if won != fits || lost != senders-fits {
					t.Fatalf("round %d: %d won and %d lost, want %d and %d", round, won, lost, fits, senders-fits)
				}
				w.checkBooks(t, round, floor)
			}
		})
	}
}

// checkBooks checks that no balance is under floor and that the entries
// add up: each pair sums to zero, and the balances sum to the grants.
func (w *world) checkBooks(t *testing.T, round, floor int) {
	t.Helper()
	var under []struct {
		Account string `db:"account"`
		Sum     int    `db:"s"`
	}
	if err := w.app.DB().NewQuery("SELECT account, SUM(amount) AS s FROM ledger_entries GROUP BY account HAVING s < {:floor}").
		Bind(dbx.Params{"floor": floor}).All(&under); err != nil {
		t.Fatal(err)
	}
	if len(under) > 0 {
		t.Fatalf("round %d: balances under the floor %d: %v", round, floor, under)
	}
	var unbalanced []struct {
		Pair string `db:"pair"`
	}
	if err := w.app.DB().NewQuery("SELECT pair FROM ledger_entries WHERE pair != '' GROUP BY pair HAVING SUM(amount) != 0 OR COUNT(*) != 2").
		All(&unbalanced); err != nil {
		t.Fatal(err)
	}
	if len(unbalanced) > 0 {
		t.Fatalf("round %d: pairs that don't add up: %v", round, unbalanced)
	}
	var totals struct {
		All    int `db:"a"`
		Grants int `db:"g"`
	}
	if err := w.app.DB().NewQuery("SELECT COALESCE(SUM(amount), 0) AS a, COALESCE(SUM(CASE WHEN kind = 'grant' THEN amount END), 0) AS g FROM ledger_entries").
		One(&totals); err != nil {
		t.Fatal(err)
	}
	if totals.All != totals.Grants {
		t.Fatalf("round %d: the balances sum to %d, the grants to %d", round, totals.All, totals.Grants)
	}
}
