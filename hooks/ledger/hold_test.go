package ledger_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/ledger"
	"peerbase/hooks/schema"
)

// patch moves exchange x over HTTP as who and returns the answer.
func (w *world) patch(t testing.TB, x, who string, body map[string]any) (int, string) {
	t.Helper()
	return w.do(t, http.MethodPatch, "/api/collections/exchanges/records/"+x, who, body)
}

// mustPatch is patch that fails the test unless the answer is a 200.
func (w *world) mustPatch(t testing.TB, x, who string, body map[string]any) {
	t.Helper()
	if st, raw := w.patch(t, x, who, body); st != 200 {
		t.Fatalf("%s moves %s with %v: %d %s", who, x, body, st, raw)
	}
}

// requested makes alice's request at price and returns its id.
func (w *world) requested(t testing.TB, price int) string {
	t.Helper()
	st, raw := w.request(t, w.offer(t), price)
	if st != 200 {
		t.Fatalf("request: %d %s", st, raw)
	}
	return decode(t, raw)["id"].(string)
}

// kinds lists exchange x's entries of account who as kind and amount, sorted.
func (w *world) kinds(t testing.TB, x, who string) string {
	t.Helper()
	recs, err := w.app.FindRecordsByFilter(schema.LedgerEntries, "exchange = {:x} && account = {:a}", "created", 0, 0,
		dbx.Params{"x": x, "a": ids[who]})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%s%+d", r.GetString(schema.LedgerKind), r.GetInt(schema.LedgerAmount)))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// state is exchange x's stored state.
func (w *world) state(t testing.TB, x string) string {
	t.Helper()
	r, err := w.app.FindRecordById(schema.Exchanges, x)
	if err != nil {
		t.Fatal(err)
	}
	return r.GetString(schema.ExchangeState)
}

// runCompletion runs the exchanges' quiet-period job as the scheduler
// would, with exchange x's hand-over moved back past the quiet period.
func (w *world) runCompletion(t testing.TB, x string) {
	t.Helper()
	at, err := types.ParseDateTime(time.Now().Add(-30 * 24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.DB().Update(schema.Exchanges, dbx.Params{schema.ExchangeStateChangedAt: at.String()},
		dbx.HashExp{"id": x}).Execute(); err != nil {
		t.Fatal(err)
	}
	for _, j := range w.app.Cron().Jobs() {
		if j.Id() == "peerbaseExchangesComplete" {
			j.Run()
			return
		}
	}
	t.Fatal("no quiet-period job")
}

func check(t testing.TB, what string, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// TestCreditHeldFromAccept: an exchange's credit price is held from the
// requester's balance when the owner accepts, so that nothing the
// requester does afterwards can make the completion fail: two requests
// that fit alone but not together are both made; the second accept is a 400
// on credit_price that names no balance (the owner doesn't see it) and
// holds nothing; the held credit can't be transferred away; the quiet-period
// job completes the first exchange and pays the owner from the hold; a
// cancelled exchange gives its hold back; a held price can't be changed,
// not even by a superuser.
func TestCreditHeldFromAccept(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ledger.Config{Enabled: true})
	w.grant("alice", 20)
	first, second := w.requested(t, 15), w.requested(t, 15)

	w.mustPatch(t, first, "owner", map[string]any{"state": schema.StateAccepted})
	check(t, "alice's entries", w.kinds(t, first, "alice"), "hold-15")
	check(t, "alice's balance", w.balance(t, "alice"), 5)
	_, raw := w.do(t, http.MethodGet, balanceURL, "alice", nil)
	b := decode(t, raw)
	check(t, "balance route", fmt.Sprint(b["balance"], " ", b["held"], " ", b["floor"]), "5 15 0")

	st, raw := w.patch(t, second, "owner", map[string]any{"state": schema.StateAccepted})
	if st != 400 || !strings.Contains(raw, `"credit_price":{"code":"validation_insufficient_balance"`) ||
		!strings.Contains(raw, "doesn't have the 15 credits") || strings.Contains(raw, "(5)") {
		t.Fatalf("second accept: %d %s", st, raw)
	}
	check(t, "second exchange", w.state(t, second)+" "+w.kinds(t, second, "alice"), "requested ")

	st, raw = w.do(t, http.MethodPost, transferURL, "alice", map[string]any{"to": ids["bob"], "amount": 6})
	if st != 400 || !strings.Contains(raw, "validation_insufficient_balance") {
		t.Fatalf("transfer of held credit: %d %s", st, raw)
	}
	st, raw = w.patch(t, first, "mod", map[string]any{"credit_price": 1})
	if st != 400 || !strings.Contains(raw, `"credit_price":{"code":"validation_credit_held"`) {
		t.Fatalf("a superuser changes a held price: %d %s", st, raw)
	}
	// alice spends what isn't held, then the thing is handed over and the
	// owner never confirms: the quiet period completes it, paid from the hold
	st, _ = w.do(t, http.MethodPost, transferURL, "alice", map[string]any{"to": ids["bob"], "amount": 5})
	check(t, "transfer of the rest", st, 200)
	owner := w.balance(t, "owner")
	w.mustPatch(t, first, "alice", map[string]any{"state": schema.StateHandedOver})
	w.runCompletion(t, first)
	check(t, "first after the quiet period", w.state(t, first), schema.StateCompleted)
	check(t, "alice's entries", w.kinds(t, first, "alice"), "exchange-15 hold-15 release+15")
	check(t, "balances", fmt.Sprint(w.balance(t, "alice"), " ", w.balance(t, "owner")-owner), "0 15")
	held, err := ledger.Held(w.app, ids["alice"])
	check(t, "held", fmt.Sprint(held, " ", err), "0 <nil>")

	// a cancelled acceptance gives the credit back
	w.grant("alice", 15)
	third := w.requested(t, 15)
	w.mustPatch(t, third, "owner", map[string]any{"state": schema.StateAccepted})
	check(t, "balance while held", w.balance(t, "alice"), 0)
	w.mustPatch(t, third, "alice", map[string]any{"state": schema.StateCancelled})
	check(t, "alice's entries", w.kinds(t, third, "alice"), "hold-15 release+15")
	check(t, "balance after the cancel", w.balance(t, "alice"), 15)
}

// TestUnheldCompletionIsDisputed: an exchange accepted without a hold (it
// was accepted before holds existed: its price is written here behind the
// hooks' back) whose requester can't pay by the end of the quiet period is
// not retried for ever: the job moves it to disputed, once, with the reason
// in its history, for a moderator to settle; a completion by the parties
// is a 400 on credit_price; a moderator who grants the credit then settles
// it to completed, and the owner is paid once.
func TestUnheldCompletionIsDisputed(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ledger.Config{Enabled: true})
	x := w.requested(t, 0)
	w.move(t, x, schema.StateAccepted, schema.StateHandedOver)
	if _, err := w.app.DB().Update(schema.Exchanges, dbx.Params{schema.ExchangeCreditPrice: 10}, dbx.HashExp{"id": x}).Execute(); err != nil {
		t.Fatal(err)
	}
	w.mustPatch(t, x, "owner", map[string]any{"state": schema.StateCompleted})
	st, raw := w.patch(t, x, "alice", map[string]any{"state": schema.StateCompleted})
	if st != 400 || !strings.Contains(raw, `"credit_price":{"code":"validation_insufficient_balance"`) || strings.Contains(raw, "balance (") {
		t.Fatalf("alice confirms without the credit: %d %s", st, raw)
	}
	w.runCompletion(t, x)
	check(t, "after the quiet period", w.state(t, x), schema.StateDisputed)
	r, err := w.app.FindRecordById(schema.Exchanges, x)
	if err != nil {
		t.Fatal(err)
	}
	if h := r.GetString(schema.ExchangeHistory); !strings.Contains(h, "can't pay the credit price") {
		t.Fatalf("history: %s", h)
	}
	w.runCompletion(t, x)
	check(t, "a second run", w.state(t, x), schema.StateDisputed)
	check(t, "nothing paid", w.payments(t, x), 0)

	w.grant("alice", 10)
	st, raw = w.patch(t, x, "mod", map[string]any{"state": schema.StateCompleted, "resolution_note": "granted the missing credit"})
	if st != 200 {
		t.Fatalf("settled: %d %s", st, raw)
	}
	check(t, "paid", fmt.Sprint(w.payments(t, x), " ", w.balance(t, "alice"), " ", w.balance(t, "owner")), "2 0 10")
}
