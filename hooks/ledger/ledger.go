// Package ledger is the optional credit ledger, for communities that
// exchange time or points instead of money: every account's balance is the
// sum of its immutable entries in ledger_entries; a transfer writes the
// payer's and the payee's entries in one write transaction that checks the
// payer's balance inside it, so that concurrent transfers can never take a
// balance under the floor; an exchange's credit price moves from requester
// to owner on completion, exactly once, having been held from the
// requester's balance since the exchange was accepted (so a completion
// never fails for lack of credit); a superuser may grant credit. It is
// off unless the server runs with --ledger: then its routes answer 404 and
// nothing, superusers included, can write an entry.
package ledger

import (
	"fmt"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

// Config configures the ledger.
type Config struct {
	// Enabled turns the ledger on (--ledger).
	Enabled bool
	// Floor is the lowest balance an account may reach through a transfer or
	// an exchange's credit price (--ledger-floor); a time bank may allow a
	// small negative one. Grants are never refused.
	Floor int
}

// DefaultConfig returns the ledger's defaults: off, floor 0.
func DefaultConfig() Config { return Config{} }

// MaxAmount bounds one movement, far above any sane balance, so that sums
// stay exact in SQLite's integers and JSON's numbers.
const MaxAmount = 1_000_000_000

func init() {
	notify.Define("ledger.received", map[string]notify.Text{
		"en": {Title: "You received {amount} credits", Body: "{person} sent you {amount} credits. {note}"},
		"fr": {Title: "Vous avez reçu {amount} crédits", Body: "{person} vous a envoyé {amount} crédits. {note}"},
	})
	notify.Define("ledger.granted", map[string]notify.Text{
		"en": {Title: "You were granted {amount} credits", Body: "{note}"},
		"fr": {Title: "{amount} crédits vous ont été accordés", Body: "{note}"},
	})
}

// service holds the configuration the hooks and routes need.
type service struct{ cfg Config }

// Register binds the ledger's hooks and routes when cfg.Enabled, and
// otherwise only the hooks that keep it empty and exchanges free of credit
// prices.
func Register(app core.App, cfg Config) error {
	if !cfg.Enabled {
		app.OnRecordCreate(schema.LedgerEntries).BindFunc(func(e *core.RecordEvent) error {
			return fieldErr(schema.LedgerKind, "validation_ledger_off", "The credit ledger is off on this server.")
		})
		refusePrice := func(e *core.RecordEvent) error {
			if e.Record.GetInt(schema.ExchangeCreditPrice) != 0 && e.Record.GetInt(schema.ExchangeCreditPrice) != e.Record.Original().GetInt(schema.ExchangeCreditPrice) {
				return fieldErr(schema.ExchangeCreditPrice, "validation_ledger_off", "The credit ledger is off on this server.")
			}
			return e.Next()
		}
		app.OnRecordCreate(schema.Exchanges).BindFunc(refusePrice)
		app.OnRecordUpdate(schema.Exchanges).BindFunc(refusePrice)
		return nil
	}
	s := &service{cfg: cfg}
	app.OnRecordCreateRequest(schema.LedgerEntries).BindFunc(onGrantRequest)
	app.OnRecordUpdate(schema.LedgerEntries).BindFunc(keepImmutable)
	app.OnRecordDelete(schema.LedgerEntries).BindFunc(func(e *core.RecordEvent) error {
		return fieldErr(schema.LedgerAmount, "validation_immutable", "A ledger entry can't be deleted: record a movement the other way.")
	})
	app.OnRecordCreateRequest(schema.Exchanges).BindFunc(s.checkPriceAffordable)
	app.OnRecordUpdate(schema.Exchanges).BindFunc(s.settleCredit)
	app.OnRecordEnrich(schema.Users).BindFunc(showBalanceToSelf)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/peerbase/ledger")
		g.POST("/transfer", s.transferRoute).Bind(apis.RequireAuth(schema.Users))
		g.POST("/grant", grantRoute).Bind(apis.RequireSuperuserAuth())
		g.GET("/balance", s.balanceRoute).Bind(apis.RequireAuth(schema.Users))
		return se.Next()
	})
	return nil
}

func fieldErr(field, code, msg string) validation.Errors {
	return validation.Errors{field: validation.NewError(code, msg)}
}

// Balance is the sum of account's entries.
func Balance(app core.App, account string) (int, error) {
	var out struct {
		Sum int `db:"s"`
	}
	err := app.DB().Select("COALESCE(SUM(amount), 0) AS s").From(schema.LedgerEntries).
		Where(dbx.HashExp{schema.LedgerAccount: account}).One(&out)
	if err != nil {
		return 0, fmt.Errorf("failed to sum the ledger of %s: %w", account, err)
	}
	return out.Sum, nil
}

// ErrBelowFloor is the field error of a movement that would take the payer
// under the floor.
func errBelowFloor(field string, balance, floor int) validation.Errors {
	return fieldErr(field, "validation_insufficient_balance",
		fmt.Sprintf("The balance (%d) can't go below %d.", balance, floor))
}

// Movement is one payment between two accounts.
type Movement struct {
	From, To string
	Amount   int
	Kind     string // schema.LedgerKindTransfer or schema.LedgerKindExchange
	Exchange string
	Note     string
	// Field names the request field a refusal is about.
	Field string
}

// Move writes m's two entries through tx, after checking in that same
// transaction that the payer stays at or above floor. Call it inside a
// write transaction (app.RunInTransaction): SQLite serialises them, so the
// balance it reads is the one the entries land on.
func Move(tx core.App, m Movement, floor int) (debit, credit *core.Record, err error) {
	if m.Amount <= 0 || m.Amount > MaxAmount {
		return nil, nil, fieldErr(m.Field, "validation_amount", "The amount must be a whole number from 1 to 1000000000.")
	}
	balance, err := Balance(tx, m.From)
	if err != nil {
		return nil, nil, err
	}
	if balance-m.Amount < floor {
		return nil, nil, errBelowFloor(m.Field, balance, floor)
	}
	pair := newPair()
	if debit, err = writeEntry(tx, m.From, m.To, -m.Amount, m.Kind, m.Exchange, pair, m.Note); err != nil {
		return nil, nil, err
	}
	if credit, err = writeEntry(tx, m.To, m.From, m.Amount, m.Kind, m.Exchange, pair, m.Note); err != nil {
		return nil, nil, err
	}
	return debit, credit, nil
}

// keepImmutable refuses every change of an entry but the one account
// deletion makes: its side moving to the deleted person's placeholder.
func keepImmutable(e *core.RecordEvent) error {
	old := e.Record.Original()
	for _, f := range e.Record.Collection().Fields {
		name := f.GetName()
		if name == schema.FieldUpdated || fmt.Sprint(old.Get(name)) == fmt.Sprint(e.Record.Get(name)) {
			continue
		}
		if name == schema.LedgerAccount || name == schema.LedgerCounterparty {
			if u, err := e.App.FindRecordById(schema.Users, e.Record.GetString(name)); err == nil && u.GetBool(schema.UserDeleted) {
				continue
			}
		}
		return fieldErr(name, "validation_immutable", "A ledger entry can't change: record a movement the other way.")
	}
	return e.Next()
}
