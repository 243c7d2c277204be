package push

import (
	"context"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// validateSubscription checks a subscription on every write path: an
// endpoint the server may call (Validator: https, no internal address,
// resolved now), a p256dh that is a P-256 point and a 16-byte auth.
func (s *service) validateSubscription(e *core.RecordEvent) error {
	errs := validation.Errors{}
	r := e.Record
	if r.IsNew() || r.Original().GetString(schema.SubEndpoint) != r.GetString(schema.SubEndpoint) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := s.validator.Check(ctx, r.GetString(schema.SubEndpoint))
		cancel()
		if err != nil {
			errs[schema.SubEndpoint] = validation.NewError("validation_push_endpoint", err.Error())
		}
	}
	if err := CheckP256dh(r.GetString(schema.SubP256dh)); err != nil {
		errs[schema.SubP256dh] = validation.NewError("validation_push_p256dh", err.Error())
	}
	if err := CheckAuth(r.GetString(schema.SubAuth)); err != nil {
		errs[schema.SubAuth] = validation.NewError("validation_push_auth", err.Error())
	}
	if len(errs) > 0 {
		return errs
	}
	return e.Next()
}

// replaceSubscription keeps one record per endpoint: a POST of an endpoint
// already registered replaces that record in the same transaction. The
// same person's pending deliveries follow the new record; another
// account's are dropped (the device is no longer theirs). The answer is an
// ordinary create either way, so nobody learns that another account had
// registered the device.
func (s *service) replaceSubscription(e *core.RecordRequestEvent) error {
	endpoint := e.Record.GetString(schema.SubEndpoint)
	if endpoint == "" {
		return e.Next()
	}
	return e.App.RunInTransaction(func(tx core.App) error {
		orig := e.App
		e.App = tx
		defer func() { e.App = orig }()
		old, err := tx.FindFirstRecordByData(schema.PushSubscriptions, schema.SubEndpoint, endpoint)
		if err != nil || old == nil {
			return e.Next()
		}
		if e.Record.Id == "" {
			e.Record.Id = core.GenerateDefaultRandomId()
		}
		now := dateString(time.Now())
		if old.GetString(schema.SubUser) == e.Record.GetString(schema.SubUser) {
			_, err = tx.DB().Update(schema.PushDeliveries,
				dbx.Params{schema.DeliverySubscription: e.Record.Id, schema.FieldUpdated: now},
				dbx.HashExp{schema.DeliveryRecipient: old.GetString(schema.SubUser), schema.DeliverySubscription: old.Id,
					schema.DeliveryStatus: schema.DeliveryPending}).Execute()
		} else {
			_, err = tx.DB().Update(schema.PushDeliveries,
				dbx.Params{schema.DeliveryStatus: schema.DeliveryFailed, schema.DeliveryLastError: "subscription moved to another account",
					schema.FieldUpdated: now},
				dbx.HashExp{schema.DeliveryRecipient: old.GetString(schema.SubUser), schema.DeliverySubscription: old.Id,
					schema.DeliveryStatus: schema.DeliveryPending}).Execute()
		}
		if err != nil {
			return err
		}
		if err := tx.Delete(old); err != nil {
			return err
		}
		return e.Next()
	})
}

// subscriptionDeleted keeps the delivery log of a subscription that goes:
// its rows lose the relation (no per-row cascade) and the pending ones are
// gone with it.
func (s *service) subscriptionDeleted(e *core.RecordEvent) error {
	return e.App.RunInTransaction(func(tx core.App) error {
		orig := e.App
		e.App = tx
		defer func() { e.App = orig }()
		now := dateString(time.Now())
		_, err := tx.DB().NewQuery("UPDATE {{" + schema.PushDeliveries + "}} SET " +
			"[[last_error]] = CASE WHEN [[status]] = {:pending} THEN 'subscription removed' ELSE [[last_error]] END, " +
			"[[status]] = CASE WHEN [[status]] = {:pending} THEN {:gone} ELSE [[status]] END, " +
			"[[subscription]] = '', [[updated]] = {:now} WHERE [[recipient]] = {:user} AND [[subscription]] = {:id}").
			Bind(dbx.Params{"pending": schema.DeliveryPending, "gone": schema.DeliveryGone, "now": now, "id": e.Record.Id,
				"user": e.Record.GetString(schema.SubUser)}).
			Execute()
		if err != nil {
			return err
		}
		return e.Next()
	})
}
