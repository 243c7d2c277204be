// Package exchanges runs the exchange state machine: who may move an
// exchange and where, completion confirmed by both sides (or by a quiet
// period) and disputable for a while after, its history, rentals that never
// double-book an offer, offers whose history and terms can't be pulled from
// under their exchanges, protected offer files that only the
// counterparty of an accepted exchange may download, offers reserved and
// closed with their exchange, a system message in the thread for every
// move, disputes settled by a superuser with a logged note, and the
// availability of lend and rent offers (blocks, free days, the
// availability route).
package exchanges

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// Config configures the exchanges capability.
type Config struct {
	// CompleteAfter is the quiet period after which an exchange that has been
	// handed over (or returned, for lends and rentals) and not disputed
	// completes by itself, although one side never confirmed.
	CompleteAfter time.Duration
	// DisputeWindow is how long after completion either side may still
	// dispute an exchange.
	DisputeWindow time.Duration
}

// DefaultConfig returns the exchanges defaults.
func DefaultConfig() Config {
	return Config{CompleteAfter: 7 * 24 * time.Hour, DisputeWindow: 7 * 24 * time.Hour}
}

// Who made a move, besides a user id, in a history entry.
const (
	ByModerator = "moderator"
	BySystem    = "system" // the quiet-period job
)

// HistoryEntry is one state change kept in an exchange's history.
type HistoryEntry struct {
	From   string         `json:"from,omitempty"`
	To     string         `json:"to"`
	By     string         `json:"by,omitempty"` // user id, ByModerator or BySystem
	At     types.DateTime `json:"at"`
	Reason string         `json:"reason,omitempty"` // why, when nobody asked for the move
}

// service holds the configuration the hooks need.
type service struct{ cfg Config }

// Register binds the exchanges hooks and the quiet-period job.
func Register(app core.App, cfg Config) error {
	s := &service{cfg: cfg}
	app.OnRecordCreate(schema.Exchanges).BindFunc(onCreate)
	app.OnRecordUpdateRequest(schema.Exchanges).BindFunc(s.onUpdateRequest)
	app.OnRecordUpdate(schema.Exchanges).BindFunc(onUpdate)
	app.OnFileDownloadRequest(schema.Offers).BindFunc(guardOfferFiles)
	registerFiles(app) // after the guard: counts only what it lets through

	app.OnRecordDeleteRequest(schema.Offers).BindFunc(guardOfferDelete)
	app.OnRecordDelete(schema.Offers).BindFunc(onOfferDelete)
	app.OnRecordUpdate(schema.Offers).BindFunc(freezeHeldOfferTerms)

	app.OnRecordCreate(schema.AvailabilityBlocks).BindFunc(onBlockSave)
	app.OnRecordUpdate(schema.AvailabilityBlocks).BindFunc(onBlockSave)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/peerbase/offers/{id}/availability", availability)
		return se.Next()
	})

	if cfg.CompleteAfter > 0 {
		app.Cron().MustAdd("peerbaseExchangesComplete", "*/10 * * * *", func() {
			if n, err := CompleteDue(app, cfg.CompleteAfter, time.Now()); err != nil {
				app.Logger().Error("exchanges: failed to complete the exchanges due", "error", err)
			} else if n > 0 {
				app.Logger().Info("exchanges: completed exchanges after their quiet period", "count", n)
			}
		})
	}
	return nil
}

func fieldErr(field, code, msg string) validation.Errors {
	return validation.Errors{field: validation.NewError(code, msg)}
}

// onCreate fills in what a new exchange takes from its offer (owner, kind
// rules), checks that a lend's or rental's days are free, starts its
// history, and records the request in the requester's thread (opened if
// need be), all in one transaction, on every write path.
func onCreate(e *core.RecordEvent) error {
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		offer, err := tx.FindRecordById(schema.Offers, e.Record.GetString(schema.ExchangeOffer))
		if err != nil {
			return fieldErr(schema.ExchangeOffer, "validation_missing_offer", "The offer doesn't exist.")
		}
		requester := e.Record.GetString(schema.ExchangeRequester)
		if offer.GetString(schema.FieldOwner) == requester {
			return fieldErr(schema.ExchangeOffer, "validation_own_offer", "You can't do this on your own offer.")
		}
		e.Record.Set(schema.ExchangeOwner, offer.GetString(schema.FieldOwner))
		switch e.Record.GetString(schema.ExchangeState) {
		case "":
			e.Record.Set(schema.ExchangeState, schema.StateRequested)
		case schema.StateRequested:
		default:
			// on every path, superusers included: an exchange born accepted
			// would skip the date, collision and reservation checks of the accept
			return fieldErr(schema.ExchangeState, "validation_initial_state", "A new exchange starts as requested.")
		}
		kind := offer.GetString(schema.FieldKind)
		if err := checkDates(kind, e.Record); err != nil {
			return err
		}
		if Returnable(kind) {
			if err := checkFreeDays(tx, offer, e.Record); err != nil {
				return err
			}
		}
		if id := e.Record.GetString(schema.ExchangeThread); id != "" {
			thread, err := tx.FindRecordById(schema.Threads, id)
			if err != nil || thread.GetString(schema.ThreadOffer) != offer.Id || thread.GetString(schema.ThreadPeer) != requester {
				return fieldErr(schema.ExchangeThread, "validation_wrong_thread", "The thread must be the requester's thread about this offer.")
			}
		}
		thread, err := threadOf(e.Context, tx, e.Record)
		if err != nil {
			return err
		}
		now := types.NowDateTime()
		state := e.Record.GetString(schema.ExchangeState)
		e.Record.Set(schema.ExchangeHistory, []HistoryEntry{{To: state, By: requester, At: now}})
		e.Record.Set(schema.ExchangeStateChangedAt, now)
		if err := e.Next(); err != nil {
			return err
		}
		return recordMove(tx, thread, e.Record, "", state, requester)
	})
}

// checkDates requires start and end for lends and rentals, in order.
func checkDates(kind string, r *core.Record) error {
	start, end := r.GetDateTime(schema.ExchangeStart), r.GetDateTime(schema.ExchangeEnd)
	if Returnable(kind) {
		if start.IsZero() {
			return fieldErr(schema.ExchangeStart, "validation_required", "A lend or rental needs a start date.")
		}
		if end.IsZero() {
			return fieldErr(schema.ExchangeEnd, "validation_required", "A lend or rental needs an end date.")
		}
	}
	if !start.IsZero() && !end.IsZero() && !end.After(start) {
		return fieldErr(schema.ExchangeEnd, "validation_end_before_start", "The end must be after the start.")
	}
	return nil
}

// onUpdateRequest checks that the caller may make this move, freezes the
// terms once the exchange has been accepted, turns a party's completion into
// its confirmation (onUpdate completes the exchange once both sides have
// confirmed), keeps disputes of a completed exchange to the dispute window,
// and writes who moved it.
func (s *service) onUpdateRequest(e *core.RecordRequestEvent) error {
	old := e.Record.Original()
	from, to := old.GetString(schema.ExchangeState), e.Record.GetString(schema.ExchangeState)

	role := RoleModerator
	if !e.HasSuperuserAuth() {
		switch e.Auth.Id {
		case old.GetString(schema.ExchangeOwner):
			role = RoleOwner
		case old.GetString(schema.ExchangeRequester):
			role = RoleRequester
		default:
			return e.NotFoundError("", nil)
		}
	}

	kind, err := offerKind(e.App, e.Record)
	if err != nil {
		return err
	}
	if err := CheckMove(kind, from, to, role); err != nil {
		return e.BadRequestError("Failed to update record.", fieldErr(schema.ExchangeState, "validation_invalid_move", err.Error()))
	}
	if role != RoleModerator {
		if f := changedTerm(old, e.Record); f != "" {
			switch {
			case from != schema.StateRequested:
				return e.BadRequestError("Failed to update record.", fieldErr(f, "validation_terms_frozen", "The terms can't change once the exchange is accepted."))
			case from != to:
				// an owner accepting at a price the requester never asked for
				return e.BadRequestError("Failed to update record.", fieldErr(f, "validation_terms_with_move", "Change the terms and answer the request in separate steps."))
			case role != RoleRequester:
				return e.BadRequestError("Failed to update record.", fieldErr(f, "validation_terms_requester_only", "Only the requester changes a request's terms: propose new ones in the thread."))
			}
		}
		if from == schema.StateCompleted && to == schema.StateDisputed {
			completed := old.GetDateTime(schema.ExchangeStateChangedAt)
			if completed.IsZero() || time.Now().After(completed.Time().Add(s.cfg.DisputeWindow)) {
				return e.BadRequestError("Failed to update record.", fieldErr(schema.ExchangeState, "validation_dispute_window_closed",
					"The time to dispute this exchange after its completion is over: report the person instead."))
			}
			if wasDisputed(old) {
				// a moderator settled it: disputing again would reopen the case forever
				return e.BadRequestError("Failed to update record.", fieldErr(schema.ExchangeState, "validation_dispute_settled",
					"A moderator already settled a dispute about this exchange: report the person instead."))
			}
		}
		if NeedsBoth(from, to) {
			if e.Record.GetDateTime(confirmField(role)).IsZero() {
				e.Record.Set(confirmField(role), types.NowDateTime())
			}
			e.Record.Set(schema.ExchangeState, from)
			to = from
		}
	}
	if from != to {
		by := e.Auth.Id
		if role == RoleModerator {
			by = ByModerator
		}
		appendHistory(e.Record, HistoryEntry{From: from, To: to, By: by, At: types.NowDateTime()})
	}
	if role == RoleModerator && from == schema.StateDisputed && from != to {
		return resolveDispute(e, from, to)
	}
	return e.Next()
}

// wasDisputed reports whether the exchange's history holds a dispute.
func wasDisputed(r *core.Record) bool {
	var history []HistoryEntry
	_ = r.UnmarshalJSONField(schema.ExchangeHistory, &history)
	for _, h := range history {
		if h.To == schema.StateDisputed {
			return true
		}
	}
	return false
}

// confirmField is where a party's confirmation of completion is kept.
func confirmField(role Role) string {
	if role == RoleOwner {
		return schema.ExchangeOwnerConfirmedAt
	}
	return schema.ExchangeRequesterConfirmedAt
}

// changedTerm names the first term (dates, price) that differs between the
// stored exchange and the updated one, or "".
func changedTerm(old, updated *core.Record) string {
	for _, f := range []string{schema.ExchangeStart, schema.ExchangeEnd, schema.ExchangeAgreedPrice, schema.ExchangeCreditPrice} {
		if fmt.Sprint(old.Get(f)) != fmt.Sprint(updated.Get(f)) {
			return f
		}
	}
	return ""
}

// onUpdate holds on every write path, inside the write transaction (writes
// are serialised, so what it reads there is what the move starts from):
// the exchange must still be in the state (and, for a move, have the
// terms) the caller saw, the move must
// exist in the state machine, and an exchange that starts to hold its offer
// must not collide with another: overlapping dates for a lend or a rental,
// any other accepted or completed one for a thing that changes hands once
// (sell, give, swap). Services and experiences take many bookings.
// Confirmations are merged with the stored ones (two sides confirming at
// once each carry only their own), and the save that makes both present
// completes the exchange: exactly one completion, whoever confirmed last.
func onUpdate(e *core.RecordEvent) error {
	// the after-success hooks (realtime among them) run on e.App once the
	// transaction is over: give them back the app, not the finished tx
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		current, err := tx.FindRecordById(schema.Exchanges, e.Record.Id)
		if err != nil {
			return fmt.Errorf("failed to load the stored exchange: %w", err)
		}
		from, to := current.GetString(schema.ExchangeState), e.Record.GetString(schema.ExchangeState)
		if seen := e.Record.Original(); seen.Id != "" {
			if seen.GetString(schema.ExchangeState) != from {
				return fieldErr(schema.ExchangeState, "validation_state_changed",
					fmt.Sprintf("The exchange was moved to %s meanwhile: reload it.", from))
			}
			// a move answers the terms the caller saw, not ones changed since
			if f := changedTerm(seen, current); f != "" && from != to {
				return fieldErr(f, "validation_terms_changed", "The terms changed meanwhile: reload the exchange.")
			}
		}
		kind, err := offerKind(tx, e.Record)
		if err != nil {
			return err
		}
		if from == to && NeedsBoth(from, schema.StateCompleted) && CheckMove(kind, from, schema.StateCompleted, RoleModerator) == nil {
			if by := mergeConfirmations(current, e.Record); by != "" {
				to = schema.StateCompleted
				e.Record.Set(schema.ExchangeState, to)
				appendHistory(e.Record, HistoryEntry{From: from, To: to, By: by, At: types.NowDateTime()})
			}
		}
		if err := CheckMove(kind, from, to, RoleModerator); err != nil {
			return fieldErr(schema.ExchangeState, "validation_invalid_move", err.Error())
		}
		if err := checkDates(kind, e.Record); err != nil {
			return err
		}
		if from != to && Occupies(to) && !Occupies(from) {
			if err := checkCollision(tx, kind, e.Record); err != nil {
				return err
			}
		}
		if from == to {
			if err := e.Next(); err != nil {
				return err
			}
			if by := newConfirmation(current, e.Record); by != "" {
				return notifyMove(tx, e.Record, from, to, by)
			}
			return nil
		}
		e.Record.Set(schema.ExchangeStateChangedAt, types.NowDateTime())
		thread, err := threadOf(e.Context, tx, e.Record)
		if err != nil {
			return err
		}
		if err := e.Next(); err != nil {
			return err
		}
		if err := settleOffer(tx, kind, e.Record, from, to); err != nil {
			return err
		}
		return recordMove(tx, thread, e.Record, from, to, lastMover(e.Record, from, to))
	})
}

// mergeConfirmations carries the stored confirmations into updated where it
// has none, and when this save brings the second one it returns the id of
// the side that just confirmed (who completes the exchange), else "".
func mergeConfirmations(stored, updated *core.Record) string {
	parties := map[string]string{
		schema.ExchangeOwnerConfirmedAt:     stored.GetString(schema.ExchangeOwner),
		schema.ExchangeRequesterConfirmedAt: stored.GetString(schema.ExchangeRequester),
	}
	newly := ""
	for f, party := range parties {
		switch {
		case updated.GetDateTime(f).IsZero():
			updated.Set(f, stored.Get(f))
		case stored.GetDateTime(f).IsZero():
			newly = party
		}
	}
	if updated.GetDateTime(schema.ExchangeOwnerConfirmedAt).IsZero() || updated.GetDateTime(schema.ExchangeRequesterConfirmedAt).IsZero() {
		return ""
	}
	return newly
}

// checkCollision refuses to let r hold its offer when another exchange
// already does (see onUpdate).
func checkCollision(tx core.App, kind string, r *core.Record) error {
	if r.GetString(schema.ExchangeOffer) == "" {
		return nil // the offer was deleted: nothing left to book twice
	}
	same := []dbx.Expression{
		dbx.HashExp{schema.ExchangeOffer: r.GetString(schema.ExchangeOffer)},
		dbx.Not(dbx.HashExp{"id": r.Id}),
	}
	switch {
	case Returnable(kind):
		offer, err := tx.FindRecordById(schema.Offers, r.GetString(schema.ExchangeOffer))
		if err != nil {
			return fmt.Errorf("failed to load the exchange's offer: %w", err)
		}
		return checkFreeDays(tx, offer, r)
	case kind == schema.KindSell || kind == schema.KindGive || kind == schema.KindSwap:
		n, err := tx.CountRecords(schema.Exchanges, append(same,
			dbx.In(schema.ExchangeState, schema.StateAccepted, schema.StateHandedOver, schema.StateCompleted, schema.StateDisputed),
		)...)
		if err != nil {
			return fmt.Errorf("failed to check the offer's exchanges: %w", err)
		}
		if n > 0 {
			return fieldErr(schema.ExchangeState, "validation_already_promised", "This offer is already promised to someone else.")
		}
	}
	return nil
}

// offerKind is the kind of the exchange's offer, or "" once the offer has
// been deleted (the exchange outlives it).
func offerKind(app core.App, exchange *core.Record) (string, error) {
	id := exchange.GetString(schema.ExchangeOffer)
	if id == "" {
		return "", nil
	}
	offer, err := app.FindRecordById(schema.Offers, id)
	if err != nil {
		return "", fmt.Errorf("failed to load the exchange's offer: %w", err)
	}
	return offer.GetString(schema.FieldKind), nil
}

func appendHistory(r *core.Record, h HistoryEntry) {
	var history []HistoryEntry
	_ = r.UnmarshalJSONField(schema.ExchangeHistory, &history) // a broken history restarts rather than blocks the move
	r.Set(schema.ExchangeHistory, append(history, h))
}

// guardOfferFiles lets only the owner, a superuser, or the requester of an
// accepted (or later) exchange download an offer's protected files. Seeing
// the offer is not enough: the files are what is exchanged.
func guardOfferFiles(e *core.FileDownloadRequestEvent) error {
	if e.FileField.Name != schema.OfferFiles {
		return e.Next()
	}
	// protected files authenticate with a short-lived file token, not the
	// Authorization header
	who, _ := e.App.FindAuthRecordByToken(e.Request.URL.Query().Get("token"), core.TokenTypeFile)
	switch {
	case who == nil:
	case who.IsSuperuser(), who.Id == e.Record.GetString(schema.FieldOwner):
		return e.Next()
	default:
		n, err := e.App.CountRecords(schema.Exchanges,
			dbx.HashExp{schema.ExchangeOffer: e.Record.Id, schema.ExchangeRequester: who.Id},
			dbx.In(schema.ExchangeState, schema.StateAccepted, schema.StateHandedOver, schema.StateReturned, schema.StateCompleted),
		)
		if err == nil && n > 0 {
			return e.Next()
		}
	}
	return e.ForbiddenError("Only the counterparty of an accepted exchange can download this file.", nil)
}
