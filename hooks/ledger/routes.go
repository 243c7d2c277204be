package ledger

import (
	"errors"
	"math"
	"strconv"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

// Request fields of the transfer and grant routes.
const (
	fieldTo     = "to"
	fieldAmount = "amount"
	fieldNote   = "note"
)

// maxNote is the longest note a movement keeps.
const maxNote = 500

// movementInput is a checked transfer or grant body.
type movementInput struct {
	to     *core.Record
	amount int
	note   string
}

// parseMovement checks a transfer or grant body: to is an existing,
// not deleted person other than self (self is "" for a grant), amount a
// whole number from 1 to MaxAmount, note a string of at most maxNote
// characters. A bad field is a validation error naming it.
func parseMovement(app core.App, body map[string]any, self string) (movementInput, error) {
	var in movementInput
	to, _ := body[fieldTo].(string)
	switch {
	case to == "":
		return in, fieldErr(fieldTo, "validation_required", "Say whom to send the credits to.")
	case to == self:
		return in, fieldErr(fieldTo, "validation_self", "You can't send credits to yourself.")
	}
	u, err := app.FindRecordById(schema.Users, to)
	if err != nil || u.GetBool(schema.UserDeleted) {
		return in, fieldErr(fieldTo, "validation_unknown_user", "There is no such person.")
	}
	in.to = u
	amount, ok := body[fieldAmount].(float64)
	switch {
	case !ok:
		return in, fieldErr(fieldAmount, "validation_not_a_number", "The amount must be a number.")
	case amount <= 0 || amount != math.Trunc(amount) || amount > MaxAmount:
		return in, fieldErr(fieldAmount, "validation_amount", "The amount must be a whole number from 1 to 1000000000.")
	}
	in.amount = int(amount)
	if v, present := body[fieldNote]; present && v != nil {
		note, ok := v.(string)
		if !ok || len([]rune(note)) > maxNote {
			return in, fieldErr(fieldNote, "validation_note", "The note must be a text of at most 500 characters.")
		}
		in.note = note
	}
	return in, nil
}

// badRequest turns a validation error into PocketBase's 400, and passes
// anything else on (a 500).
func badRequest(msg string, err error) error {
	var ve validation.Errors
	if errors.As(err, &ve) {
		return apis.NewBadRequestError(msg, ve)
	}
	return err
}

// transferRoute is POST /api/peerbase/ledger/transfer {to, amount, note}:
// the caller pays to. It answers the caller's (debit) entry and their new
// balance; a transfer that would take them under the floor is a 400 on
// amount (code validation_insufficient_balance) and writes nothing.
func (s *service) transferRoute(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.Collection().Name != schema.Users {
		return e.ForbiddenError("Only a person can transfer credits.", nil)
	}
	body := map[string]any{}
	if err := e.BindBody(&body); err != nil {
		return e.BadRequestError("Failed to read the transfer.", err)
	}
	in, err := parseMovement(e.App, body, e.Auth.Id)
	if err != nil {
		return badRequest("Failed to transfer.", err)
	}
	var debit *core.Record
	err = e.App.RunInTransaction(func(tx core.App) error {
		d, c, err := Move(tx, Movement{From: e.Auth.Id, To: in.to.Id, Amount: in.amount,
			Kind: schema.LedgerKindTransfer, Note: in.note, Field: fieldAmount}, s.cfg.Floor)
		if err != nil {
			return err
		}
		debit = d
		_, err = notify.Send(tx, notify.Notification{User: in.to.Id, Type: schema.NotifyLedger, Key: "ledger.received",
			Args: map[string]string{"person": e.Auth.GetString(schema.UserName), "amount": strconv.Itoa(in.amount), "note": in.note},
			Link: "/ledger", Data: map[string]any{"entry": c.Id}})
		return err
	})
	if err != nil {
		return badRequest("Failed to transfer.", err)
	}
	balance, err := Balance(e.App, e.Auth.Id)
	if err != nil {
		return err
	}
	if err := apis.EnrichRecord(e, debit); err != nil {
		return err
	}
	return e.JSON(200, map[string]any{"entry": debit, "balance": balance})
}

// grantRoute is POST /api/peerbase/ledger/grant {to, amount, note}
// (superusers only): credit from nowhere, recorded as a grant with the
// superuser's id. Grants are never refused by the floor.
func grantRoute(e *core.RequestEvent) error {
	body := map[string]any{}
	if err := e.BindBody(&body); err != nil {
		return e.BadRequestError("Failed to read the grant.", err)
	}
	in, err := parseMovement(e.App, body, "")
	if err != nil {
		return badRequest("Failed to grant.", err)
	}
	var entry *core.Record
	err = e.App.RunInTransaction(func(tx core.App) error {
		c, err := tx.FindCachedCollectionByNameOrId(schema.LedgerEntries)
		if err != nil {
			return err
		}
		entry = core.NewRecord(c)
		entry.Set(schema.LedgerAccount, in.to.Id)
		entry.Set(schema.LedgerCounterparty, in.to.Id)
		entry.Set(schema.LedgerAmount, in.amount)
		entry.Set(schema.LedgerKind, schema.LedgerKindGrant)
		entry.Set(schema.LedgerNote, in.note)
		entry.Set(schema.LedgerGrantedBy, e.Auth.Id)
		if err := tx.Save(entry); err != nil {
			return err
		}
		return tellGranted(tx, entry)
	})
	if err != nil {
		return badRequest("Failed to grant.", err)
	}
	balance, err := Balance(e.App, in.to.Id)
	if err != nil {
		return err
	}
	return e.JSON(200, map[string]any{"entry": entry, "balance": balance})
}

func tellGranted(tx core.App, entry *core.Record) error {
	_, err := notify.Send(tx, notify.Notification{User: entry.GetString(schema.LedgerAccount), Type: schema.NotifyLedger,
		Key:  "ledger.granted",
		Args: map[string]string{"amount": strconv.Itoa(entry.GetInt(schema.LedgerAmount)), "note": entry.GetString(schema.LedgerNote)},
		Link: "/ledger", Data: map[string]any{"entry": entry.Id}})
	return err
}

// balanceRoute is GET /api/peerbase/ledger/balance: {"balance", "floor",
// "held"} of the caller (held: the credit prices of their accepted
// exchanges, set aside, already out of the balance).
func (s *service) balanceRoute(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.Collection().Name != schema.Users {
		return e.ForbiddenError("Only a person has a balance.", nil)
	}
	balance, err := Balance(e.App, e.Auth.Id)
	if err != nil {
		return err
	}
	held, err := Held(e.App, e.Auth.Id)
	if err != nil {
		return err
	}
	return e.JSON(200, map[string]any{"balance": balance, "floor": s.cfg.Floor, "held": held})
}

// onGrantRequest checks an entry a superuser creates through the records
// API (the create rule lets nobody else): only a grant of a positive amount
// to one person, recorded with the superuser's id; transfers and exchange
// payments go through their own paths, which check the floor.
func onGrantRequest(e *core.RecordRequestEvent) error {
	r := e.Record
	switch {
	case r.GetString(schema.LedgerKind) != schema.LedgerKindGrant:
		return apis.NewBadRequestError("Failed to create record.", fieldErr(schema.LedgerKind, "validation_grant_only",
			"Only a grant can be created here: transfers go through /api/peerbase/ledger/transfer."))
	case r.GetInt(schema.LedgerAmount) <= 0:
		return apis.NewBadRequestError("Failed to create record.", fieldErr(schema.LedgerAmount, "validation_amount",
			"A grant is a whole number from 1 to 1000000000."))
	case r.GetString(schema.LedgerExchange) != "":
		return apis.NewBadRequestError("Failed to create record.", fieldErr(schema.LedgerExchange, "validation_grant_only",
			"A grant is about no exchange."))
	case r.GetString(schema.LedgerCounterparty) != "" && r.GetString(schema.LedgerCounterparty) != r.GetString(schema.LedgerAccount):
		return apis.NewBadRequestError("Failed to create record.", fieldErr(schema.LedgerCounterparty, "validation_grant_only",
			"A grant's counterparty is its account."))
	}
	r.Set(schema.LedgerCounterparty, r.GetString(schema.LedgerAccount))
	r.Set(schema.LedgerPair, "")
	if e.Auth != nil {
		r.Set(schema.LedgerGrantedBy, e.Auth.Id)
	}
	return e.App.RunInTransaction(func(tx core.App) error {
		app := e.App
		e.App = tx
		defer func() { e.App = app }()
		if err := e.Next(); err != nil {
			return err
		}
		return tellGranted(tx, r)
	})
}

// checkPriceAffordable refuses, up front, a request whose credit price the
// requester can't pay now (completion checks again: the price moves then).
func (s *service) checkPriceAffordable(e *core.RecordRequestEvent) error {
	price := e.Record.GetInt(schema.ExchangeCreditPrice)
	if price <= 0 || e.HasSuperuserAuth() {
		return e.Next()
	}
	balance, err := Balance(e.App, e.Record.GetString(schema.ExchangeRequester))
	if err != nil {
		return err
	}
	if balance-price < s.cfg.Floor {
		return apis.NewBadRequestError("Failed to create record.", errBelowFloor(schema.ExchangeCreditPrice, balance, s.cfg.Floor))
	}
	return e.Next()
}

// showBalanceToSelf adds balance to a person's own users record (views,
// lists, expands, realtime and sync are all enriched), never to anyone
// else's.
func showBalanceToSelf(e *core.RecordEnrichEvent) error {
	info := e.RequestInfo
	if info != nil && info.Auth != nil && info.Auth.Id == e.Record.Id && info.Auth.Collection().Name == schema.Users {
		if balance, err := Balance(e.App, e.Record.Id); err == nil {
			e.Record.WithCustomData(true)
			e.Record.Set(schema.UserBalance, balance)
		}
	}
	return e.Next()
}
