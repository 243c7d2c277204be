// Package swaps carries out swap matches: any person in a swap-2 or swap-3
// match proposes the swap, every participant accepts (or one declines, or
// one cancels), and once everyone has accepted each leg of the cycle
// becomes an exchange (reserving its offer for the person it goes to) that
// is handed over and confirmed like any exchange; the swap completes with
// its last leg. Cancelling before any hand-over frees every offer. Every
// step runs in one transaction that rereads the swap, so concurrent
// answers end in one state, and each participant is told through
// hooks/notify.
package swaps

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// Config configures the swaps capability; the hand-overs follow the
// exchanges configuration.
type Config struct {
	// ProposalTTL is how long a proposed swap waits for every
	// participant's acceptance before it expires (--swap-expiry; 0: never).
	ProposalTTL time.Duration
}

// DefaultConfig returns the swaps defaults: a proposal expires after a week.
func DefaultConfig() Config { return Config{ProposalTTL: 7 * 24 * time.Hour} }

// ExpireJobID is the cron job that expires the proposals due.
const ExpireJobID = "peerbaseSwapsExpire"

// Register binds the swap routes, the hooks that follow a swap's legs and
// keep a superuser's records API writes consistent, and the expiry job. A
// negative ProposalTTL is refused (it would silently mean never).
func Register(app core.App, cfg Config) error {
	if cfg.ProposalTTL < 0 {
		return fmt.Errorf("swaps: the proposal TTL (--swap-expiry) must be 0 (never) or more, got %s", cfg.ProposalTTL)
	}
	app.OnRecordCreateRequest(schema.Swaps).BindFunc(refuseCreate)
	app.OnRecordUpdateRequest(schema.Swaps).BindFunc(guardUpdate)
	app.OnRecordDeleteRequest(schema.Swaps).BindFunc(refuseOpenDelete)
	app.OnRecordUpdateRequest(schema.Exchanges).BindFunc(guardLegCancel)
	app.OnRecordUpdate(schema.Exchanges).BindFunc(onLegUpdate)
	app.OnRecordDelete(schema.Users).BindFunc(onUserDelete)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/peerbase/swaps")
		g.Bind(apis.RequireAuth(schema.Users))
		g.POST("", propose)
		g.POST("/{id}/accept", answer(ActionAccept))
		g.POST("/{id}/decline", answer(ActionDecline))
		g.POST("/{id}/cancel", answer(ActionCancel))
		return se.Next()
	})
	if cfg.ProposalTTL > 0 {
		app.Cron().MustAdd(ExpireJobID, "*/10 * * * *", func() {
			if n, err := ExpireDue(app, cfg.ProposalTTL, time.Now()); err != nil {
				app.Logger().Error("swaps: failed to expire the proposals due", "error", err)
			} else if n > 0 {
				app.Logger().Info("swaps: expired proposals nobody finished accepting", "count", n)
			}
		})
	}
	return nil
}

func vErr(field, code, msg string) validation.Errors {
	return validation.Errors{field: validation.NewError(code, msg)}
}

func fieldErr(field, code, msg string) *router.ApiError {
	return apis.NewBadRequestError("Failed to carry out the swap.", vErr(field, code, msg))
}

// apiError turns what a transaction returned into the answer: our own API
// errors as they are, a record's validation errors (an exchange refused by
// the exchanges hooks) as a 400.
func apiError(err error) error {
	var ae *router.ApiError
	if errors.As(err, &ae) {
		return ae
	}
	var ve validation.Errors
	if errors.As(err, &ve) {
		return apis.NewBadRequestError("Failed to carry out the swap.", ve)
	}
	return err
}

// notFound is the answer to anyone outside a swap or a match: they learn
// nothing of it, not even that it exists.
func notFound() *router.ApiError {
	return apis.NewNotFoundError("The swap or match doesn't exist.", nil)
}

func readLegs(swap *core.Record) []Leg {
	var legs []Leg
	_ = swap.UnmarshalJSONField(schema.SwapLegs, &legs)
	return legs
}

func addHistory(swap *core.Record, h HistoryEntry) {
	var history []HistoryEntry
	_ = swap.UnmarshalJSONField(schema.SwapHistory, &history)
	swap.Set(schema.SwapHistory, append(history, h))
}

// propose creates a swap from one of the caller's swap matches: POST
// /api/peerbase/swaps {"match": id}. The cycle is checked again (offers
// still active and owned by their people, nobody blocked either way), and
// the caller's own acceptance is the proposal.
func propose(e *core.RequestEvent) error {
	var body struct {
		Match string `json:"match"`
	}
	if err := e.BindBody(&body); err != nil {
		return e.BadRequestError("Failed to read the request.", err)
	}
	if body.Match == "" {
		return fieldErr("match", "validation_required", "Give the id of your swap match.")
	}
	me := e.Auth.Id
	var swap *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		match, err := tx.FindRecordById(schema.Matches, body.Match)
		if err != nil || match.GetString(schema.MatchRecipient) != me {
			return notFound()
		}
		if kind := match.GetString(schema.FieldKind); kind != schema.MatchKindSwap2 && kind != schema.MatchKindSwap3 {
			return fieldErr("match", "validation_not_swap", "This match is not a swap.")
		}
		cycle, err := ParseCycle(match.GetString(schema.MatchCycle))
		if err != nil {
			return fieldErr("match", "validation_bad_cycle", err.Error())
		}
		legs, err := LegsFromCycle(cycle)
		if err != nil {
			return fieldErr("match", "validation_bad_cycle", err.Error())
		}
		mine := LegOf(legs, me)
		if mine < 0 {
			return notFound()
		}
		if err := checkCycle(tx, legs); err != nil {
			return err
		}
		key := match.GetString(schema.MatchCycleKey)
		open, err := tx.CountRecords(schema.Swaps, dbx.HashExp{schema.SwapCycleKey: key},
			dbx.In(schema.SwapState, schema.SwapStateProposed, schema.SwapStateAccepted))
		if err != nil {
			return fmt.Errorf("failed to look for open swaps of the cycle: %w", err)
		}
		if open > 0 {
			return fieldErr("match", "validation_swap_exists", "This swap has been proposed already: answer that proposal.")
		}
		c, err := tx.FindCachedCollectionByNameOrId(schema.Swaps)
		if err != nil {
			return err
		}
		now := types.NowDateTime()
		legs[mine].AcceptedAt = now
		swap = core.NewRecord(c)
		people, offers := make([]string, len(legs)), make([]string, len(legs))
		for i, l := range legs {
			people[i], offers[i] = l.Person, l.Offer
		}
		swap.Set(schema.SwapCycleKey, key)
		swap.Set(schema.SwapParticipants, people)
		swap.Set(schema.SwapOffers, offers)
		swap.Set(schema.SwapLegs, legs)
		swap.Set(schema.SwapState, schema.SwapStateProposed)
		swap.Set(schema.SwapHistory, []HistoryEntry{{Action: ActionPropose, State: schema.SwapStateProposed, By: me, At: now}})
		if err := tx.Save(swap); err != nil {
			return fmt.Errorf("failed to save the swap: %w", err)
		}
		return tell(tx, swap, keyProposed, me)
	})
	if err != nil {
		return apiError(err)
	}
	return e.JSON(http.StatusOK, swap)
}

// answer handles accept, decline and cancel by a participant, in one
// transaction that rereads the swap: whoever comes second sees the first
// one's outcome and gets a 400 saying so.
func answer(action string) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		me := e.Auth.Id
		var swap *core.Record
		err := e.App.RunInTransaction(func(tx core.App) error {
			var err error
			swap, err = tx.FindRecordById(schema.Swaps, e.Request.PathValue("id"))
			if err != nil {
				return notFound()
			}
			legs := readLegs(swap)
			mine := LegOf(legs, me)
			if mine < 0 {
				return notFound()
			}
			state := swap.GetString(schema.SwapState)
			if err := CheckAction(state, action); err != nil {
				return fieldErr(schema.SwapState, "validation_swap_"+state, err.Error())
			}
			switch action {
			case ActionAccept:
				return accept(tx, swap, legs, mine)
			case ActionDecline:
				return end(tx, swap, ending{to: schema.SwapStateDeclined, action: ActionDecline, by: me, strict: true}, nil)
			default:
				return end(tx, swap, ending{to: schema.SwapStateCancelled, action: ActionCancel, by: me, strict: true}, nil)
			}
		})
		if err != nil {
			return apiError(err)
		}
		return e.JSON(http.StatusOK, swap)
	}
}

// accept records a participant's acceptance; the last one checks the cycle
// once more and turns every leg into an accepted exchange, which reserves
// each offer for the person it goes to.
func accept(tx core.App, swap *core.Record, legs []Leg, mine int) error {
	me := legs[mine].Person
	if !legs[mine].AcceptedAt.IsZero() {
		return fieldErr(schema.SwapState, "validation_already_accepted", "You have accepted this swap already: the others still have to.")
	}
	now := types.NowDateTime()
	legs[mine].AcceptedAt = now
	state := schema.SwapStateProposed
	if AllAccepted(legs) {
		if err := checkCycle(tx, legs); err != nil {
			return err
		}
		if err := openLegs(tx, swap, legs); err != nil {
			return err
		}
		state = schema.SwapStateAccepted
	}
	swap.Set(schema.SwapLegs, legs)
	swap.Set(schema.SwapState, state)
	addHistory(swap, HistoryEntry{Action: ActionAccept, State: state, By: me, At: now})
	if err := tx.Save(swap); err != nil {
		return fmt.Errorf("failed to save the swap: %w", err)
	}
	if state == schema.SwapStateAccepted {
		return tell(tx, swap, keyAgreed, "")
	}
	return nil
}
