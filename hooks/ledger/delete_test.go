package ledger_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"peerbase/hooks/ledger"
	"peerbase/hooks/schema"
)

// TestAccountDeletionKeepsTheBooks: when a person deletes their account,
// their side of every entry moves to the placeholder (the one change an
// entry allows), so the other side's balance and history stay whole.
func TestAccountDeletionKeepsTheBooks(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ledger.Config{Enabled: true})
	w.grant("alice", 30)
	if st, raw := w.do(t, http.MethodPost, transferURL, "alice", map[string]any{"to": ids["bob"], "amount": 12}); st != 200 {
		t.Fatal(st, raw)
	}
	if st, raw := w.do(t, http.MethodPost, transferURL, "bob", map[string]any{"to": ids["alice"], "amount": 2}); st != 200 {
		t.Fatal(st, raw)
	}
	if st, raw := w.do(t, http.MethodDelete, "/api/collections/users/records/"+ids["bob"], "bob", nil); st != 204 {
		t.Fatalf("delete bob: %d %s", st, raw)
	}
	if b := w.balance(t, "alice"); b != 20 {
		t.Errorf("alice's balance %d after bob left, want 20", b)
	}
	if n, err := w.app.CountRecords(schema.LedgerEntries, dbx.Or(dbx.HashExp{schema.LedgerAccount: ids["bob"]}, dbx.HashExp{schema.LedgerCounterparty: ids["bob"]})); err != nil || n != 0 {
		t.Errorf("%d entries still name bob (%v)", n, err)
	}
	if n := w.entries(t); n != 5 {
		t.Errorf("%d entries, want 5", n)
	}
	if st, raw := w.do(t, http.MethodGet, entriesURL, "alice", nil); st != 200 || !strings.Contains(raw, `"totalItems":5`) {
		t.Errorf("alice's entries: %d %s", st, raw)
	}
}

// TestEntriesInSyncAndExport: a transfer reaches both parties' catch-up
// sync (nobody else's), and each person's export holds their own side.
func TestEntriesInSyncAndExport(t *testing.T) {
	t.Parallel()
	w := newWorld(t, ledger.Config{Enabled: true})
	w.grant("alice", 9)
	cursors := map[string]string{}
	for _, who := range []string{"alice", "bob", "carol"} {
		st, raw := w.do(t, http.MethodGet, "/api/peerbase/sync", who, nil)
		if st != 200 {
			t.Fatal(st, raw)
		}
		cursors[who] = decode(t, raw)["cursor"].(string)
	}
	if st, raw := w.do(t, http.MethodPost, transferURL, "alice", map[string]any{"to": ids["bob"], "amount": 4}); st != 200 {
		t.Fatal(st, raw)
	}
	for who, want := range map[string]int{"alice": 2, "bob": 2, "carol": 0} {
		st, raw := w.do(t, http.MethodGet, "/api/peerbase/sync?since="+cursors[who], who, nil)
		if n := strings.Count(raw, `"collection":"ledger_entries"`); st != 200 || n != want {
			t.Errorf("%s's sync: %d entries, want %d: %d %s", who, n, want, st, raw)
		}
	}
	st, raw := w.do(t, http.MethodGet, "/api/peerbase/me/export", "bob", nil)
	if st != 200 || !strings.Contains(raw, `"ledger_entries":[{`) || strings.Count(raw, `"kind":"transfer"`) != 1 {
		t.Errorf("bob's export: %d %s", st, raw)
	}
}

// TestAccountDeletionWithAHold: a requester (or an owner) who deletes their
// account while a credit price is held leaves the books whole: the account
// goes, and every entry that named them names the placeholder.
func TestAccountDeletionWithAHold(t *testing.T) {
	t.Parallel()
	for _, leaver := range []string{"alice", "owner"} {
		t.Run(leaver, func(t *testing.T) {
			w := newWorld(t, ledger.Config{Enabled: true})
			w.grant("alice", 10)
			x := w.requested(t, 10)
			w.mustPatch(t, x, "owner", map[string]any{"state": schema.StateAccepted})
			if st, raw := w.do(t, http.MethodDelete, "/api/collections/users/records/"+ids[leaver], leaver, nil); st != 204 {
				t.Fatalf("delete %s: %d %s", leaver, st, raw)
			}
			n, err := w.app.CountRecords(schema.LedgerEntries, dbx.Or(dbx.HashExp{schema.LedgerAccount: ids[leaver]}, dbx.HashExp{schema.LedgerCounterparty: ids[leaver]}))
			if err != nil || n != 0 {
				t.Errorf("%d entries still name %s (%v)", n, leaver, err)
			}
			if leaver == "owner" {
				// the exchange can't happen any more: alice has her credit back
				if b := w.balance(t, "alice"); b != 10 {
					t.Errorf("alice's balance %d, want 10 (state %s)", b, w.state(t, x))
				}
			}
		})
	}
}
