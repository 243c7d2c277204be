package ledger

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

// noFloor lets a movement through whatever the payer's balance: the price
// of a held exchange was set aside when it was accepted.
const noFloor = math.MinInt / 2

// Held is how much of account's credit is set aside for their accepted
// exchanges (holds not yet released); it is already out of Balance.
func Held(app core.App, account string) (int, error) {
	var out struct {
		Sum int `db:"s"`
	}
	err := app.DB().Select("COALESCE(SUM(amount), 0) AS s").From(schema.LedgerEntries).
		Where(dbx.HashExp{schema.LedgerAccount: account}).
		AndWhere(dbx.In(schema.LedgerKind, schema.LedgerKindHold, schema.LedgerKindRelease)).One(&out)
	if err != nil {
		return 0, fmt.Errorf("failed to sum the holds of %s: %w", account, err)
	}
	return -out.Sum, nil
}

// hold is an exchange's hold entry, if any, and whether it was released.
type hold struct {
	entry    *core.Record
	released bool
}

// outstanding is the amount the hold still sets aside.
func (h hold) outstanding() int {
	if h.entry == nil || h.released {
		return 0
	}
	return -h.entry.GetInt(schema.LedgerAmount)
}

func findHold(tx core.App, exchange string) (hold, error) {
	var h hold
	entries, err := tx.FindAllRecords(schema.LedgerEntries, dbx.HashExp{schema.LedgerExchange: exchange},
		dbx.In(schema.LedgerKind, schema.LedgerKindHold, schema.LedgerKindRelease))
	if err != nil {
		return h, fmt.Errorf("failed to load the exchange's hold: %w", err)
	}
	for _, r := range entries {
		if r.GetString(schema.LedgerKind) == schema.LedgerKindHold {
			h.entry = r
		} else {
			h.released = true
		}
	}
	return h, nil
}

// newPair is the id the entries of one movement (or a hold and its
// release) share.
func newPair() string {
	return security.RandomStringWithAlphabet(15, "abcdefghijklmnopqrstuvwxyz0123456789")
}

// writeEntry saves one entry of a movement, a hold or a release through tx.
func writeEntry(tx core.App, account, counterparty string, amount int, kind, exchange, pair, note string) (*core.Record, error) {
	c, err := tx.FindCachedCollectionByNameOrId(schema.LedgerEntries)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(c)
	r.Set(schema.LedgerAccount, account)
	r.Set(schema.LedgerCounterparty, counterparty)
	r.Set(schema.LedgerAmount, amount)
	r.Set(schema.LedgerKind, kind)
	r.Set(schema.LedgerExchange, exchange)
	r.Set(schema.LedgerPair, pair)
	r.Set(schema.LedgerNote, note)
	if err := tx.Save(r); err != nil {
		return nil, fmt.Errorf("failed to save the ledger entry: %w", err)
	}
	return r, nil
}

func release(tx core.App, h hold, note string) error {
	e := h.entry
	_, err := writeEntry(tx, e.GetString(schema.LedgerAccount), e.GetString(schema.LedgerCounterparty), -e.GetInt(schema.LedgerAmount),
		schema.LedgerKindRelease, e.GetString(schema.LedgerExchange), e.GetString(schema.LedgerPair), note)
	return err
}

// settleCredit follows an exchange's credit price on every write path, in
// the transaction of the save (which the exchanges hooks wrap in one, so
// what it reads is what the save lands on):
//   - accepted (from requested): the price is held, an entry that takes it
//     out of the requester's balance; if that would take them under the
//     floor the accept is a 400 on credit_price, and nothing moves;
//   - completed: the hold is released and the price moves to the owner in
//     the same transaction, whatever the balance and floor are by then
//     (the credit was set aside), exactly once (a dispute settled back to
//     completed doesn't pay again; a unique index backs it up). An
//     exchange accepted without a hold (before holds existed, or while the
//     ledger was off) pays if the requester can, else the completion is a
//     400 on credit_price (the quiet-period job then disputes it for a
//     moderator to settle, instead of retrying);
//   - cancelled or declined (from accepted, or from a dispute): the hold is
//     released;
//   - while a hold is outstanding, nobody (superusers included) changes
//     the credit price: cancel and request again.
func (s *service) settleCredit(e *core.RecordEvent) error {
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		x := e.Record
		stored, err := tx.FindRecordById(schema.Exchanges, x.Id)
		if err != nil {
			return fmt.Errorf("failed to load the stored exchange: %w", err)
		}
		from, to := stored.GetString(schema.ExchangeState), x.GetString(schema.ExchangeState)
		price := x.GetInt(schema.ExchangeCreditPrice)
		h, err := findHold(tx, x.Id)
		if err != nil {
			return err
		}
		held := h.outstanding()
		if held > 0 && price != held {
			return fieldErr(schema.ExchangeCreditPrice, "validation_credit_held",
				fmt.Sprintf("The credit price (%d) is held since the exchange was accepted: it can't change. Cancel the exchange and request it again.", held))
		}
		if from == to {
			return e.Next()
		}
		owner, requester := x.GetString(schema.ExchangeOwner), x.GetString(schema.ExchangeRequester)
		switch {
		case to == schema.StateAccepted && from == schema.StateRequested && price > 0 && h.entry == nil:
			balance, err := Balance(tx, requester)
			if err != nil {
				return err
			}
			if balance-price < s.cfg.Floor {
				return fieldErr(schema.ExchangeCreditPrice, "validation_insufficient_balance",
					fmt.Sprintf("The requester doesn't have the %d credits this exchange costs: it can't be accepted until they do.", price))
			}
			if err := e.Next(); err != nil {
				return err
			}
			pair := newPair()
			_, err = writeEntry(tx, requester, owner, -price, schema.LedgerKindHold, x.Id, pair, "held until the exchange completes")
			return err
		case to == schema.StateCompleted && price > 0:
			return s.pay(e, tx, stored, h)
		case (to == schema.StateCancelled || to == schema.StateDeclined) && held > 0:
			if err := e.Next(); err != nil {
				return err
			}
			return release(tx, h, "exchange "+to)
		}
		return e.Next()
	})
}

// pay completes an exchange's payment (see settleCredit): once, from the
// hold when there is one.
func (s *service) pay(e *core.RecordEvent, tx core.App, stored *core.Record, h hold) error {
	x := e.Record
	paid, err := tx.CountRecords(schema.LedgerEntries, dbx.HashExp{schema.LedgerExchange: x.Id, schema.LedgerKind: schema.LedgerKindExchange})
	if err != nil {
		return err
	}
	if stored.GetString(schema.ExchangeState) == schema.StateCompleted || paid > 0 {
		return e.Next() // completed before (or paid, then disputed and settled)
	}
	if err := e.Next(); err != nil {
		return err
	}
	price, floor := x.GetInt(schema.ExchangeCreditPrice), s.cfg.Floor
	if held := h.outstanding(); held > 0 {
		if err := release(tx, h, "exchange completed"); err != nil {
			return err
		}
		price, floor = held, noFloor
	}
	owner, requester := x.GetString(schema.ExchangeOwner), x.GetString(schema.ExchangeRequester)
	_, credit, err := Move(tx, Movement{From: requester, To: owner, Amount: price, Kind: schema.LedgerKindExchange,
		Exchange: x.Id, Field: schema.ExchangeCreditPrice}, floor)
	var ve validation.Errors
	if errors.As(err, &ve) && ve[schema.ExchangeCreditPrice] != nil {
		// either side may be completing it: name no balance
		return fieldErr(schema.ExchangeCreditPrice, "validation_insufficient_balance",
			fmt.Sprintf("The requester doesn't have the %d credits this exchange costs (it was accepted before credit was held).", price))
	}
	if err != nil {
		return err
	}
	_, err = notify.Send(tx, notify.Notification{User: owner, Type: schema.NotifyLedger, Key: "ledger.received",
		Args: map[string]string{"person": notify.PersonName(tx, requester), "amount": strconv.Itoa(price)},
		Link: "/exchanges/" + x.Id, Data: map[string]any{"entry": credit.Id, "exchange": x.Id}})
	return err
}
