package moderation

import (
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

// setExpiry gives a new offer its expiry date (OfferLifetime from now)
// unless the owner picked one, caps a picked date at OfferMaxLifetime, and
// clears the expired mark of an offer that moves out of closed.
func (s *service) setExpiry(e *core.RecordEvent) error {
	now := s.now()
	expires := e.Record.GetDateTime(schema.OfferExpiresAt)
	changed := e.Record.IsNew() || expires.String() != e.Record.Original().GetDateTime(schema.OfferExpiresAt).String()
	if e.Record.IsNew() && expires.IsZero() {
		e.Record.Set(schema.OfferExpiresAt, now.Add(s.cfg.OfferLifetime))
	} else if changed && !expires.IsZero() && expires.Time().After(now.Add(s.cfg.OfferMaxLifetime)) {
		e.Record.Set(schema.OfferExpiresAt, now.Add(s.cfg.OfferMaxLifetime))
	}
	if changed && !e.Record.IsNew() {
		e.Record.Set(schema.OfferExpiryWarnedAt, nil) // a new date, a new warning
	}
	if status := e.Record.GetString(schema.FieldStatus); status != schema.StatusClosed &&
		status != e.Record.Original().GetString(schema.FieldStatus) {
		e.Record.Set(schema.OfferExpired, false) // reopened some other way than renewal
	}
	return e.Next()
}

// expireDue tells the owners of active offers that expire within
// ExpiryWarning (once per date), and closes the active offers whose time
// has run out, marking them expired. Reserved offers, in the middle of an
// exchange, are left alone. It returns how many were warned and expired.
func (s *service) expireDue(app core.App) (warned, expired int, err error) {
	now := s.now()
	nowDT, _ := types.ParseDateTime(now)
	soonDT, _ := types.ParseDateTime(now.Add(s.cfg.ExpiryWarning))
	for {
		due, err := app.FindRecordsByFilter(schema.Offers,
			"status = {:active} && expires_at != '' && expires_at <= {:now}", "expires_at", 200, 0,
			dbx.Params{"active": schema.StatusActive, "now": nowDT.String()})
		if err != nil {
			return warned, expired, fmt.Errorf("failed to find the expired offers: %w", err)
		}
		for _, o := range due {
			err := app.RunInTransaction(func(tx core.App) error {
				o.Set(schema.FieldStatus, schema.StatusClosed)
				o.Set(schema.OfferExpired, true)
				if err := tx.Save(o); err != nil {
					return err
				}
				_, err := notify.Send(tx, notify.Notification{User: o.GetString(schema.FieldOwner), Type: schema.NotifyExpiry,
					Key: msgExpired, Args: map[string]string{"title": o.GetString(schema.OfferTitle)},
					Link: "/offers/" + o.Id, Data: map[string]any{"offer": o.Id}})
				return err
			})
			if err != nil {
				return warned, expired, fmt.Errorf("failed to expire offer %s: %w", o.Id, err)
			}
			expired++
		}
		if len(due) < 200 {
			break
		}
	}
	for {
		soon, err := app.FindRecordsByFilter(schema.Offers,
			"status = {:active} && expires_at != '' && expires_at > {:now} && expires_at <= {:soon} && expiry_warned_at = ''",
			"expires_at", 200, 0,
			dbx.Params{"active": schema.StatusActive, "now": nowDT.String(), "soon": soonDT.String()})
		if err != nil {
			return warned, expired, fmt.Errorf("failed to find the offers expiring soon: %w", err)
		}
		for _, o := range soon {
			err := app.RunInTransaction(func(tx core.App) error {
				o.Set(schema.OfferExpiryWarnedAt, now)
				if err := tx.Save(o); err != nil {
					return err
				}
				_, err := notify.Send(tx, notify.Notification{User: o.GetString(schema.FieldOwner), Type: schema.NotifyExpiry,
					Key: msgExpiresSoon, Args: map[string]string{"title": o.GetString(schema.OfferTitle),
						"date": o.GetDateTime(schema.OfferExpiresAt).Time().Format("2006-01-02")},
					Link: "/offers/" + o.Id, Data: map[string]any{"offer": o.Id}})
				return err
			})
			if err != nil {
				return warned, expired, fmt.Errorf("failed to warn about offer %s: %w", o.Id, err)
			}
			warned++
		}
		if len(soon) < 200 {
			break
		}
	}
	return warned, expired, nil
}

// renew handles POST /api/peerbase/offers/{id}/renew: the owner extends an
// active offer, or reopens an expired one, for OfferLifetime from now.
func (s *service) renew(e *core.RequestEvent) error {
	offer, err := e.App.FindRecordById(schema.Offers, e.Request.PathValue("id"))
	if err != nil {
		return e.NotFoundError("There is no such offer.", nil)
	}
	if offer.GetString(schema.FieldOwner) != e.Auth.Id {
		info, _ := e.RequestInfo()
		if ok, _ := e.App.CanAccessRecord(offer, info, offer.Collection().ViewRule); !ok {
			return e.NotFoundError("There is no such offer.", nil)
		}
		return e.ForbiddenError("Only the offer's owner can renew it.", nil)
	}
	status := offer.GetString(schema.FieldStatus)
	isExpired := status == schema.StatusClosed && offer.GetBool(schema.OfferExpired)
	if status != schema.StatusActive && !isExpired {
		return apis.NewBadRequestError("Only an active or expired offer can be renewed.", validation.Errors{
			schema.FieldStatus: validation.NewError("validation_not_renewable", "Only an active or expired offer can be renewed."),
		})
	}
	until := s.now().Add(s.cfg.OfferLifetime)
	if cur := offer.GetDateTime(schema.OfferExpiresAt); !isExpired && cur.Time().After(until) {
		until = cur.Time()
	}
	offer.Set(schema.OfferExpiresAt, until)
	offer.Set(schema.OfferExpiryWarnedAt, nil)
	if isExpired {
		offer.Set(schema.FieldStatus, schema.StatusActive)
		offer.Set(schema.OfferExpired, false)
	}
	if err := e.App.Save(offer); err != nil {
		return e.BadRequestError("Failed to renew the offer.", err)
	}
	if err := apis.EnrichRecord(e, offer); err != nil {
		return e.InternalServerError("Failed to prepare the offer.", err)
	}
	return e.JSON(http.StatusOK, offer)
}
