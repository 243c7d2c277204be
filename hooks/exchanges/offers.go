package exchanges

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// An offer is what its exchanges point at: the people who exchanged
// something over it rely on the offer's history staying and its terms
// holding while an exchange holds it.

// HasHistory reports whether an offer has had an exchange beyond a request:
// one that was accepted at some point, whatever its state now. Such an offer
// is part of someone else's history and can be closed but not deleted.
func HasHistory(app core.App, offerID string) (bool, error) {
	n, err := app.CountRecords(schema.Exchanges,
		dbx.HashExp{schema.ExchangeOffer: offerID},
		dbx.Or(
			dbx.NotIn(schema.ExchangeState, schema.StateRequested, schema.StateDeclined, schema.StateCancelled),
			// cancelled after it was accepted
			dbx.NewExp("EXISTS (SELECT 1 FROM json_each([["+schema.ExchangeHistory+"]]) AS h "+
				"WHERE json_extract(h.value, '$.to') = {:accepted})", dbx.Params{"accepted": schema.StateAccepted}),
		),
	)
	if err != nil {
		return false, fmt.Errorf("failed to look for the exchanges of offer %s: %w", offerID, err)
	}
	return n > 0, nil
}

// guardOfferDelete refuses to let an offer's owner delete an offer that has
// history (see HasHistory): its counterparties keep their evidence, and the
// owner closes it instead. The check and the delete share one transaction,
// so an exchange accepted meanwhile can't slip between them. Superusers
// (moderation) may still delete; the exchanges and threads then stay
// without their offer.
func guardOfferDelete(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next()
	}
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		has, err := HasHistory(tx, e.Record.Id)
		if err != nil {
			return err
		}
		if has {
			return e.BadRequestError("Failed to delete record.", fieldErr(schema.FieldStatus, "validation_offer_has_history",
				"People have exchanged over this offer: close it (status closed) instead of deleting it."))
		}
		return e.Next()
	})
}

// onOfferDelete declines, in the same transaction as the delete and on every
// write path, the requests still waiting on the offer: the requesters see
// why in the history instead of a request nobody can ever answer.
// PocketBase then empties the offer of every exchange and thread about it.
func onOfferDelete(e *core.RecordEvent) error {
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		pending, err := tx.FindAllRecords(schema.Exchanges, dbx.HashExp{
			schema.ExchangeOffer: e.Record.Id, schema.ExchangeState: schema.StateRequested})
		if err != nil {
			return fmt.Errorf("failed to find the requests of the offer: %w", err)
		}
		for _, x := range pending {
			x.Set(schema.ExchangeState, schema.StateDeclined)
			appendHistory(x, HistoryEntry{From: schema.StateRequested, To: schema.StateDeclined,
				By: e.Record.GetString(schema.FieldOwner), At: types.NowDateTime(), Reason: "offer deleted"})
			if err := tx.Save(x); err != nil {
				return fmt.Errorf("failed to decline request %s of the deleted offer: %w", x.Id, err)
			}
		}
		return e.Next()
	})
}

// freezeHeldOfferTerms keeps an offer's kind and price unit while an
// exchange holds it (accepted, handed over, returned, disputed), on every
// write path: flipping a give to a service would let a second request be
// accepted for a thing already promised, and a rent to a service would skip
// the date check. The check reads the stored offer and its exchanges inside
// the write transaction, so an accept can't race it.
func freezeHeldOfferTerms(e *core.RecordEvent) error {
	orig := e.Record.Original()
	if orig.GetString(schema.FieldKind) == e.Record.GetString(schema.FieldKind) &&
		orig.GetString(schema.OfferPriceUnit) == e.Record.GetString(schema.OfferPriceUnit) {
		return e.Next()
	}
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		stored, err := tx.FindRecordById(schema.Offers, e.Record.Id)
		if err != nil {
			return fmt.Errorf("failed to load the stored offer: %w", err)
		}
		var changed []string
		for _, f := range []string{schema.FieldKind, schema.OfferPriceUnit} {
			if stored.GetString(f) != e.Record.GetString(f) {
				changed = append(changed, f)
			}
		}
		if len(changed) > 0 {
			n, err := tx.CountRecords(schema.Exchanges, dbx.HashExp{schema.ExchangeOffer: e.Record.Id},
				dbx.In(schema.ExchangeState, schema.StateAccepted, schema.StateHandedOver, schema.StateReturned, schema.StateDisputed))
			if err != nil {
				return fmt.Errorf("failed to look for the exchanges holding the offer: %w", err)
			}
			if n > 0 {
				return fieldErr(changed[0], "validation_offer_held",
					"An exchange holds this offer: its kind and price unit can't change until that exchange is over.")
			}
		}
		return e.Next()
	})
}
