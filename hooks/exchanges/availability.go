package exchanges

import (
	"fmt"
	"net/http"
	"slices"
	"time"
	_ "time/tzdata" // owners' time zones resolve on machines without a zoneinfo database

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// Availability of lend and rent offers is counted in whole days of the
// owner's time zone: a block covers [start, end) between two of the owner's
// midnights, and an exchange occupies every day it touches, from the
// midnight before its start to the midnight at or after its end. Two
// exchanges, or an exchange and a block, collide when they share a day.
// Every check runs inside the write transaction of the save it guards:
// PocketBase serialises write transactions, so an accept and a block racing
// for the same days can't both see them free.

// MaxAvailabilityWindow is the widest from–to range the availability route
// answers.
const MaxAvailabilityWindow = 366 * 24 * time.Hour

// defaultAvailabilityWindow is the range answered when to is not given.
const defaultAvailabilityWindow = 90 * 24 * time.Hour

// ownerLocation is the time zone of an offer's owner (users.timezone), UTC
// when unset or unknown.
func ownerLocation(app core.App, offer *core.Record) *time.Location {
	owner, err := app.FindRecordById(schema.Users, offer.GetString(schema.FieldOwner))
	if err != nil {
		return time.UTC
	}
	loc, err := time.LoadLocation(owner.GetString(schema.UserTimezone))
	if err != nil || owner.GetString(schema.UserTimezone) == "" {
		return time.UTC
	}
	return loc
}

// DayFloor is the midnight in loc at or before t.
func DayFloor(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// DayCeil is the midnight in loc at or after t.
func DayCeil(t time.Time, loc *time.Location) time.Time {
	f := DayFloor(t, loc)
	if f.Equal(t) {
		return f
	}
	l := f.AddDate(0, 0, 1)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// Span is a half-open range of time [Start, End).
type Span struct {
	Start, End time.Time
}

// Merge sorts spans and joins the ones that overlap or touch.
func Merge(spans []Span) []Span {
	slices.SortFunc(spans, func(a, b Span) int { return a.Start.Compare(b.Start) })
	var out []Span
	for _, s := range spans {
		if n := len(out); n > 0 && !s.Start.After(out[n-1].End) {
			if s.End.After(out[n-1].End) {
				out[n-1].End = s.End
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// dbTime formats t as PocketBase stores dates, for comparisons in SQL.
func dbTime(t time.Time) string {
	d, _ := types.ParseDateTime(t.UTC())
	return d.String()
}

// overlapExp matches rows of a [start, end) table that share time with
// [from, to).
func overlapExp(from, to time.Time) dbx.Expression {
	return dbx.NewExp("[[start]] < {:to} AND {:from} < [[end]]", dbx.Params{"from": dbTime(from), "to": dbTime(to)})
}

// checkFreeDays refuses an exchange of a lend or rent offer whose days
// (see above) the owner blocked or another exchange occupies.
func checkFreeDays(tx core.App, offer *core.Record, x *core.Record) error {
	loc := ownerLocation(tx, offer)
	from := DayFloor(x.GetDateTime(schema.ExchangeStart).Time(), loc)
	to := DayCeil(x.GetDateTime(schema.ExchangeEnd).Time(), loc)
	n, err := tx.CountRecords(schema.AvailabilityBlocks, dbx.HashExp{schema.AvailabilityOffer: offer.Id}, overlapExp(from, to))
	if err != nil {
		return fmt.Errorf("failed to check the offer's availability: %w", err)
	}
	if n > 0 {
		return fieldErr(schema.ExchangeStart, "validation_dates_unavailable", "The owner doesn't lend this on some of these days.")
	}
	n, err = tx.CountRecords(schema.Exchanges,
		dbx.HashExp{schema.ExchangeOffer: offer.Id}, dbx.Not(dbx.HashExp{"id": x.Id}),
		dbx.In(schema.ExchangeState, schema.StateAccepted, schema.StateHandedOver, schema.StateReturned),
		overlapExp(from, to))
	if err != nil {
		return fmt.Errorf("failed to check the offer's bookings: %w", err)
	}
	if n > 0 {
		return fieldErr(schema.ExchangeStart, "validation_double_booking", "The offer is already booked for some of these dates.")
	}
	return nil
}

// onBlockSave checks a block on every write path, inside the write
// transaction: a lend or rent offer's, whole days of the owner's time zone,
// end after start, and no day shared with an exchange that occupies the
// offer or with another block (one range per stretch of days, so that
// blocks never race each other either).
func onBlockSave(e *core.RecordEvent) error {
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		offer, err := tx.FindRecordById(schema.Offers, e.Record.GetString(schema.AvailabilityOffer))
		if err != nil {
			return fieldErr(schema.AvailabilityOffer, "validation_missing_offer", "The offer doesn't exist.")
		}
		if !Returnable(offer.GetString(schema.FieldKind)) {
			return fieldErr(schema.AvailabilityOffer, "validation_not_bookable", "Only lend and rent offers have availability.")
		}
		loc := ownerLocation(tx, offer)
		start, end := e.Record.GetDateTime(schema.AvailabilityStart), e.Record.GetDateTime(schema.AvailabilityEnd)
		errs := validation.Errors{}
		for name, d := range map[string]types.DateTime{schema.AvailabilityStart: start, schema.AvailabilityEnd: end} {
			if d.IsZero() {
				continue // PocketBase reports the required field
			}
			if f := DayFloor(d.Time(), loc); !f.Equal(d.Time()) {
				errs[name] = validation.NewError("validation_not_whole_day", fmt.Sprintf(
					"Must be midnight in the owner's time zone (%s), e.g. %s.", loc, dbTime(f)))
			}
		}
		if len(errs) > 0 {
			return errs
		}
		if !start.IsZero() && !end.IsZero() && !end.After(start) {
			return fieldErr(schema.AvailabilityEnd, "validation_end_before_start", "The end must be after the start.")
		}
		if start.IsZero() || end.IsZero() {
			return e.Next()
		}
		n, err := tx.CountRecords(schema.Exchanges, dbx.HashExp{schema.ExchangeOffer: offer.Id},
			dbx.In(schema.ExchangeState, schema.StateAccepted, schema.StateHandedOver, schema.StateReturned),
			overlapExp(start.Time(), end.Time()))
		if err != nil {
			return fmt.Errorf("failed to check the offer's bookings: %w", err)
		}
		if n > 0 {
			return fieldErr(schema.AvailabilityStart, "validation_dates_booked", "The offer is booked on some of these days.")
		}
		n, err = tx.CountRecords(schema.AvailabilityBlocks, dbx.HashExp{schema.AvailabilityOffer: offer.Id},
			dbx.Not(dbx.HashExp{"id": e.Record.Id}), overlapExp(start.Time(), end.Time()))
		if err != nil {
			return fmt.Errorf("failed to check the offer's blocks: %w", err)
		}
		if n > 0 {
			return fieldErr(schema.AvailabilityStart, "validation_block_overlap", "Some of these days are blocked already: change that block instead.")
		}
		return e.Next()
	})
}

// busyRange is one busy range in the availability route's answer.
type busyRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// availability handles GET /api/peerbase/offers/{id}/availability?from=&to=:
// the busy day ranges of an offer (exchanges that occupy it and the owner's
// blocks, merged: neither names nor reasons) within [from, to), widened
// to whole days of the owner's time zone (a plain date, 2027-03-01, is
// that day there). from defaults to today, to to
// 90 days later; a wider window than MaxAvailabilityWindow is refused. An
// offer the caller can't see is a 404.
func availability(e *core.RequestEvent) error {
	offer, err := e.App.FindRecordById(schema.Offers, e.Request.PathValue("id"))
	if err != nil {
		return e.NotFoundError("", err)
	}
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("", err)
	}
	if ok, _ := e.App.CanAccessRecord(offer, info, offer.Collection().ViewRule); !ok {
		return e.NotFoundError("", nil)
	}
	loc := ownerLocation(e.App, offer)
	q := e.Request.URL.Query()
	parse := func(name string, def time.Time) (time.Time, error) {
		raw := q.Get(name)
		if raw == "" {
			return def, nil
		}
		// a plain date is that day where the offer is, not in UTC
		if d, err := time.ParseInLocation(time.DateOnly, raw, loc); err == nil {
			return d, nil
		}
		d, err := types.ParseDateTime(raw)
		if err != nil || d.IsZero() {
			return time.Time{}, validation.Errors{name: validation.NewError("validation_not_a_date",
				`Must be a date, e.g. "2026-05-01" or "2026-05-01 12:00:00.000Z".`)}
		}
		return d.Time(), nil
	}
	from, err := parse("from", time.Now())
	if err != nil {
		return e.BadRequestError("Invalid availability range.", err)
	}
	from = DayFloor(from, loc)
	to, err := parse("to", from.Add(defaultAvailabilityWindow))
	if err != nil {
		return e.BadRequestError("Invalid availability range.", err)
	}
	to = DayCeil(to, loc)
	switch {
	case !to.After(from):
		return e.BadRequestError("Invalid availability range.", fieldErr("to", "validation_to_before_from", "Must be after from."))
	case to.Sub(from) > MaxAvailabilityWindow+25*time.Hour: // a day of slack for DST and rounding
		return e.BadRequestError("Invalid availability range.", fieldErr("to", "validation_range_too_wide",
			fmt.Sprintf("Must be at most %d days after from.", int(MaxAvailabilityWindow.Hours()/24))))
	}

	var spans []Span
	booked, err := e.App.FindAllRecords(schema.Exchanges, dbx.HashExp{schema.ExchangeOffer: offer.Id},
		dbx.In(schema.ExchangeState, schema.StateAccepted, schema.StateHandedOver, schema.StateReturned),
		overlapExp(from, to))
	if err != nil {
		return e.InternalServerError("", fmt.Errorf("failed to load the offer's bookings: %w", err))
	}
	for _, x := range booked {
		spans = append(spans, Span{DayFloor(x.GetDateTime(schema.ExchangeStart).Time(), loc),
			DayCeil(x.GetDateTime(schema.ExchangeEnd).Time(), loc)})
	}
	blocks, err := e.App.FindAllRecords(schema.AvailabilityBlocks, dbx.HashExp{schema.AvailabilityOffer: offer.Id},
		overlapExp(from, to))
	if err != nil {
		return e.InternalServerError("", fmt.Errorf("failed to load the offer's blocks: %w", err))
	}
	for _, b := range blocks {
		spans = append(spans, Span{b.GetDateTime(schema.AvailabilityStart).Time(), b.GetDateTime(schema.AvailabilityEnd).Time()})
	}
	busy := []busyRange{}
	for _, s := range Merge(spans) {
		// clipped to the window: what lies beyond it was not looked at
		if s.Start.Before(from) {
			s.Start = from
		}
		if s.End.After(to) {
			s.End = to
		}
		busy = append(busy, busyRange{dbTime(s.Start), dbTime(s.End)})
	}
	return e.JSON(http.StatusOK, map[string]any{"busy": busy})
}
