package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates ledger_entries: the credit ledger's immutable entries (hooks/ledger
// writes them; it is empty unless the server runs with --ledger). Each entry
// is visible to its two parties only; nobody but a superuser may create one
// (and then only a grant, checked by hook), and nobody updates or deletes one
// (refused by hook on every path, superusers included). Account and
// counterparty are shared history: on account deletion they move to the
// placeholder, so the other side's balance never changes. The unique index
// makes an exchange's credit move once, however many completions race.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.LedgerEntries)
		party := `@request.auth.id != "" && (account = @request.auth.id || counterparty = @request.auth.id)`
		c.ListRule = rule(party)
		c.ViewRule = rule(party)
		c.CreateRule = nil
		c.UpdateRule = nil
		c.DeleteRule = nil
		if err := addRelations(app, c,
			&relationSpec{name: schema.LedgerAccount, target: schema.Users, required: true, presentable: true},
			&relationSpec{name: schema.LedgerCounterparty, target: schema.Users, required: true},
		); err != nil {
			return err
		}
		exchange, err := relation(app, schema.LedgerExchange, schema.Exchanges, false, false)
		if err != nil {
			return err
		}
		c.Fields.Add(
			&core.NumberField{Name: schema.LedgerAmount, Required: true, OnlyInt: true, Min: float(-1e12), Max: float(1e12),
				Help: "signed: negative for the payer, positive for the payee"},
			&core.SelectField{Name: schema.LedgerKind, Required: true, MaxSelect: 1, Values: schema.LedgerKinds},
			exchange,
			&core.TextField{Name: schema.LedgerPair, Max: 32, Help: "the id shared by the two entries of one movement"},
			&core.TextField{Name: schema.LedgerNote, Max: 500},
			&core.TextField{Name: schema.LedgerGrantedBy, Max: 32, Help: "the superuser who granted the credit"},
		)
		addTimestamps(c)
		c.AddIndex("idx_ledger_entries_account", false, "account, amount", "")
		c.AddIndex("idx_ledger_entries_counterparty", false, "counterparty", "")
		c.AddIndex("idx_ledger_entries_exchange_once", true, "exchange, kind, account", "exchange != ''")
		return app.Save(c)
	}, dropCollection(schema.LedgerEntries))
}
