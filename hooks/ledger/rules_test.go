package ledger_test

import (
	"net/http"
	"strings"
	"testing"

	"peerbase/hooks/ledger"
	"peerbase/hooks/schema"
)

// TestLedgerOff: without --ledger the routes are 404 and nothing, superusers
// included, writes an entry or a credit price.
func TestLedgerOff(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ledger.Config{})
	for _, c := range []struct{ method, url, who string }{
		{http.MethodPost, transferURL, "alice"},
		{http.MethodGet, balanceURL, "alice"},
		{http.MethodPost, grantURL, "mod"},
	} {
		if st, raw := w.do(t, c.method, c.url, c.who, map[string]any{"to": ids["bob"], "amount": 1}); st != http.StatusNotFound {
			t.Errorf("%s %s: %d %s", c.method, c.url, st, raw)
		}
	}
	st, raw := w.do(t, http.MethodPost, entriesURL, "mod", map[string]any{
		"account": ids["alice"], "counterparty": ids["alice"], "amount": 5, "kind": "grant"})
	if st != http.StatusBadRequest || !strings.Contains(raw, "validation_ledger_off") {
		t.Errorf("superuser create: %d %s", st, raw)
	}
	offer := w.offer(t)
	st, raw = w.do(t, http.MethodPost, "/api/collections/exchanges/records", "alice", map[string]any{
		"offer": offer, "requester": ids["alice"], "credit_price": 3})
	if st != http.StatusBadRequest || !strings.Contains(raw, `"credit_price":{"code":"validation_ledger_off"`) {
		t.Errorf("credit price: %d %s", st, raw)
	}
	if n := w.entries(t); n != 0 {
		t.Errorf("%d entries with the ledger off", n)
	}
	if st, raw := w.do(t, http.MethodGet, "/api/collections/users/records/"+ids["alice"], "alice", nil); st != 200 || strings.Contains(raw, `"balance"`) {
		t.Errorf("own profile with the ledger off: %d %s", st, raw)
	}
}

// offer creates an active sell offer of "owner".
func (w *world) offer(t testing.TB) string {
	t.Helper()
	st, raw := w.do(t, http.MethodPost, "/api/collections/offers/records", "owner", map[string]any{
		schema.OfferTitle: "Lessons", schema.FieldOwner: ids["owner"], schema.FieldKind: schema.KindSell,
		schema.FieldStatus: schema.StatusActive, schema.OfferPriceUnit: "item",
	})
	if st != 200 {
		t.Fatalf("offer: %d %s", st, raw)
	}
	return decode(t, raw)["id"].(string)
}

// TestEntryRules: who sees and writes ledger entries through the records
// API: the two parties see them (lists, views, expands), nobody else
// (superusers aside); only a superuser creates one, and only a grant; nobody
// updates or deletes one.
func TestEntryRules(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ledger.Config{Enabled: true})
	w.grant("alice", 100)
	st, raw := w.do(t, http.MethodPost, transferURL, "alice", map[string]any{"to": ids["bob"], "amount": 10, "note": "soup"})
	if st != 200 {
		t.Fatalf("transfer: %d %s", st, raw)
	}
	debit := decode(t, raw)["entry"].(map[string]any)["id"].(string)
	if b := decode(t, raw)["balance"]; b != float64(90) {
		t.Errorf("balance after transfer: %v", b)
	}
	one := entriesURL + "/" + debit

	t.Run("list", func(t *testing.T) {
		for who, want := range map[string]string{"": `"totalItems":0`, "carol": `"totalItems":0`,
			"alice": `"totalItems":3`, "bob": `"totalItems":2`, "mod": `"totalItems":3`} {
			if st, raw := w.do(t, http.MethodGet, entriesURL, who, nil); st != 200 || !strings.Contains(raw, want) {
				t.Errorf("%q: %d %s", who, st, raw)
			}
		}
	})
	t.Run("view", func(t *testing.T) {
		for who, want := range map[string]int{"": 404, "carol": 404, "alice": 200, "bob": 200, "mod": 200} {
			if st, raw := w.do(t, http.MethodGet, one, who, nil); st != want {
				t.Errorf("%q: %d %s", who, st, raw)
			}
		}
	})
	t.Run("expand", func(t *testing.T) {
		// a party sees both people; their own record carries their balance, the other's never
		st, raw := w.do(t, http.MethodGet, one+"?expand=account,counterparty", "bob", nil)
		if st != 200 || !strings.Contains(raw, `"counterparty":{`) || !strings.Contains(raw, `"balance":10`) || strings.Contains(raw, `"balance":90`) {
			t.Errorf("bob: %d %s", st, raw)
		}
		for _, who := range []string{"", "carol"} {
			if st, raw := w.do(t, http.MethodGet, entriesURL+"?expand=account,counterparty", who, nil); st != 200 || strings.Contains(raw, ids["alice"]) {
				t.Errorf("%q: %d %s", who, st, raw)
			}
		}
	})
	t.Run("create", func(t *testing.T) {
		forged := map[string]any{"account": ids["bob"], "counterparty": ids["alice"], "amount": 500, "kind": "transfer"}
		for _, who := range []string{"", "carol", "alice", "bob"} {
			if st, raw := w.do(t, http.MethodPost, entriesURL, who, forged); st != 403 && st != 400 {
				t.Errorf("%q: %d %s", who, st, raw)
			}
		}
		if st, raw := w.do(t, http.MethodPost, entriesURL, "mod", forged); st != 400 || !strings.Contains(raw, `"kind":{"code":"validation_grant_only"`) {
			t.Errorf("superuser transfer: %d %s", st, raw)
		}
		if st, raw := w.do(t, http.MethodPost, entriesURL, "mod", map[string]any{"account": ids["bob"], "amount": -5, "kind": "grant"}); st != 400 || !strings.Contains(raw, `"amount"`) {
			t.Errorf("superuser negative grant: %d %s", st, raw)
		}
		st, raw := w.do(t, http.MethodPost, entriesURL, "mod", map[string]any{"account": ids["bob"], "amount": 7, "kind": "grant", "note": "welcome"})
		if st != 200 || !strings.Contains(raw, `"counterparty":"`+ids["bob"]) || strings.Contains(raw, `"granted_by":""`) {
			t.Errorf("superuser grant: %d %s", st, raw)
		}
		if b := w.balance(t, "bob"); b != 17 {
			t.Errorf("bob's balance %d after a grant of 7, want 17", b)
		}
	})
	t.Run("update", func(t *testing.T) {
		for _, who := range []string{"", "carol", "alice", "bob"} {
			if st, raw := w.do(t, http.MethodPatch, one, who, map[string]any{"amount": 1}); st != 403 && st != 404 {
				t.Errorf("%q: %d %s", who, st, raw)
			}
		}
		if st, raw := w.do(t, http.MethodPatch, one, "mod", map[string]any{"amount": 1}); st != 400 || !strings.Contains(raw, `"amount":{"code":"validation_immutable"`) {
			t.Errorf("superuser: %d %s", st, raw)
		}
	})
	t.Run("delete", func(t *testing.T) {
		for _, who := range []string{"", "carol", "alice", "bob", "mod"} {
			if st, raw := w.do(t, http.MethodDelete, one, who, nil); st == 204 || st == 200 {
				t.Errorf("%q deleted an entry: %d %s", who, st, raw)
			}
		}
	})
	if n := w.entries(t); n != 4 {
		t.Errorf("%d entries, want 4 (two grants, the transfer's two)", n)
	}
	if a, b := w.balance(t, "alice"), w.balance(t, "bob"); a != 90 || b != 17 {
		t.Errorf("balances alice %d bob %d, want 90 and 17", a, b)
	}
}
