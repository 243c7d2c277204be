package ledger_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"

	"peerbase/hooks/ledger"
	"peerbase/hooks/schema"
)

// request creates alice's request for offer at price over HTTP.
func (w *world) request(t testing.TB, offer string, price int) (int, string) {
	t.Helper()
	return w.do(t, http.MethodPost, "/api/collections/exchanges/records", "alice", map[string]any{
		schema.ExchangeOffer: offer, schema.ExchangeRequester: ids["alice"], schema.ExchangeCreditPrice: price})
}

// move saves an exchange through states on the model path (a moderator's
// edges).
func (w *world) move(t testing.TB, id string, states ...string) {
	t.Helper()
	for _, s := range states {
		r, err := w.app.FindRecordById(schema.Exchanges, id)
		if err != nil {
			t.Fatal(err)
		}
		r.Set(schema.ExchangeState, s)
		if err := w.app.Save(r); err != nil {
			t.Fatalf("move %s to %s: %v", id, s, err)
		}
	}
}

// payments counts the ledger entries of exchange x.
func (w *world) payments(t testing.TB, x string) int {
	t.Helper()
	n, err := w.app.CountRecords(schema.LedgerEntries, dbx.HashExp{schema.LedgerExchange: x, schema.LedgerKind: schema.LedgerKindExchange})
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestExchangeCreditMovesOnce: both sides complete an exchange with a
// credit price at the same moment, over HTTP, round after round: the price
// moves from requester to owner exactly once; a later dispute settled back
// to completed doesn't pay again; a price the requester can't pay is
// refused when asked (and when accepted: see TestCreditHeldFromAccept).
func TestExchangeCreditMovesOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ledger.Config{Enabled: true})
	const price = 15
	var last string
	for round := range 8 {
		w.grant("alice", price)
		alice, owner := w.balance(t, "alice"), w.balance(t, "owner")
		st, raw := w.request(t, w.offer(t), price)
		if st != 200 {
			t.Fatalf("round %d: request: %d %s", round, st, raw)
		}
		x := decode(t, raw)["id"].(string)
		last = x
		w.move(t, x, schema.StateAccepted, schema.StateHandedOver)

		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, who := range []string{"alice", "owner"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				st, raw := w.do(t, http.MethodPatch, "/api/collections/exchanges/records/"+x, who, map[string]any{"state": "completed"})
				if st != 200 && !(st == 400 && strings.Contains(raw, "validation_state_changed")) {
					t.Errorf("round %d: %s: %d %s", round, who, st, raw)
				}
			}()
		}
		close(start)
		wg.Wait()
		stored, err := w.app.FindRecordById(schema.Exchanges, x)
		if err != nil {
			t.Fatal(err)
		}
		if stored.GetString(schema.ExchangeState) != schema.StateCompleted {
			t.Fatalf("round %d: exchange %s", round, stored.GetString(schema.ExchangeState))
		}
		if n := w.payments(t, x); n != 2 {
			t.Errorf("round %d: %d payment entries, want 2", round, n)
		}
		if a, o := w.balance(t, "alice"), w.balance(t, "owner"); a != alice-price || o != owner+price {
			t.Errorf("round %d: alice %d→%d, owner %d→%d", round, alice, a, owner, o)
		}
	}

	t.Run("settled dispute pays once", func(t *testing.T) {
		before := w.balance(t, "owner")
		w.move(t, last, schema.StateDisputed, schema.StateCompleted)
		if n, b := w.payments(t, last), w.balance(t, "owner"); n != 2 || b != before {
			t.Errorf("%d entries, owner %d→%d", n, before, b)
		}
	})

	t.Run("owner can't set the price", func(t *testing.T) {
		w.grant("alice", 5)
		st, raw := w.request(t, w.offer(t), 5)
		if st != 200 {
			t.Fatal(st, raw)
		}
		x := decode(t, raw)["id"].(string)
		st, raw = w.do(t, http.MethodPatch, "/api/collections/exchanges/records/"+x, "owner", map[string]any{"credit_price": 500})
		if st != 400 || !strings.Contains(raw, `"credit_price"`) {
			t.Errorf("%d %s", st, raw)
		}
	})

	t.Run("unaffordable", func(t *testing.T) {
		have := w.balance(t, "alice")
		st, raw := w.request(t, w.offer(t), have+1)
		if st != 400 || !strings.Contains(raw, `"credit_price":{"code":"validation_insufficient_balance"`) {
			t.Errorf("request over balance: %d %s", st, raw)
		}
	})
}
