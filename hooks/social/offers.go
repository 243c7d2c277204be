package social

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

// published reports whether an offer with this status has been shown to
// others (anything but a draft: a hidden offer was published, then
// moderated).
func published(status string) bool { return status != "" && status != schema.StatusDraft }

// onOfferSave runs on every write path of offers. Before the save it
// credits the origin's owner and refuses to change a published offer's
// origin; in the save's transaction it queues the followers' job of a
// newly active offer and tells the origin's owner and the people who saved
// the offer what concerns them.
func onOfferSave(e *core.RecordEvent) error {
	r := e.Record
	isNew := r.IsNew()
	var orig *core.Record
	if !isNew {
		orig = r.Original()
	}
	origin := r.GetString(schema.OfferDerivedFrom)
	originChanged := isNew || orig.GetString(schema.OfferDerivedFrom) != origin
	status := r.GetString(schema.FieldStatus)
	// published_at, set once, remembers that others have seen the offer
	// even if it went back to draft since
	wasPublished := !isNew && !orig.GetDateTime(schema.OfferPublishedAt).IsZero()
	firstPublished := !wasPublished && published(status)
	if firstPublished && r.GetDateTime(schema.OfferPublishedAt).IsZero() {
		r.Set(schema.OfferPublishedAt, types.NowDateTime())
	}

	if originChanged && wasPublished {
		immutable := validation.Errors{schema.OfferDerivedFrom: validation.NewError("validation_immutable",
			"A published offer's origin can't be changed or removed.")}
		switch prev := orig.GetString(schema.OfferDerivedFrom); {
		case prev != "":
			// the origin being deleted unsets the relation: that is not
			// the derived offer hiding it (derived_from_owner keeps the
			// credit)
			_, err := e.App.FindRecordById(schema.Offers, prev)
			if err == nil {
				return immutable
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("failed to load the origin offer: %w", err)
			}
		case orig.GetString(schema.OfferDerivedFromOwner) != "":
			// the credit of a deleted origin is not replaced by another
			return immutable
		}
	}
	var originRec *core.Record
	if origin != "" {
		o, err := e.App.FindRecordById(schema.Offers, origin)
		if err == nil {
			originRec = o
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("failed to load the origin offer: %w", err)
		}
	}
	// a draft's credit follows its origin; a published offer's only
	// changes when an origin is first added (its deleted origin's stays)
	if originChanged && (origin != "" || !wasPublished) {
		credit := ""
		if originRec != nil {
			credit = originRec.GetString(schema.FieldOwner)
		}
		r.Set(schema.OfferDerivedFromOwner, credit)
	}

	// followers hear of an offer the first time it is published, active
	newlyActive := firstPublished && status == schema.StatusActive
	// the origin's owner hears of a derived offer once it is published
	// with its origin (created so, published from a draft, or an origin
	// added to a published offer), never of their own
	tellOrigin := originRec != nil && published(status) && (firstPublished || (originChanged && wasPublished)) &&
		originRec.GetString(schema.FieldOwner) != r.GetString(schema.FieldOwner)
	var priceDrop, closed bool
	if !isNew {
		priceDrop = status == schema.StatusActive && r.GetFloat(schema.OfferPrice) < orig.GetFloat(schema.OfferPrice)
		closed = status == schema.StatusClosed && orig.GetString(schema.FieldStatus) != schema.StatusClosed
	}
	if !newlyActive && !tellOrigin && !priceDrop && !closed {
		return e.Next()
	}
	return inTx(e, func(tx core.App) error {
		if newlyActive {
			if err := enqueueFollowJob(tx, r.Id, r.GetString(schema.FieldOwner)); err != nil {
				return err
			}
		}
		if tellOrigin {
			if err := tellOriginOwner(tx, r, originRec); err != nil {
				return err
			}
		}
		switch {
		case priceDrop:
			return tellSavers(tx, r, msgPriceDrop, map[string]string{
				"price": formatPrice(r.GetFloat(schema.OfferPrice)), "old": formatPrice(orig.GetFloat(schema.OfferPrice)),
				"currency": r.GetString(schema.OfferCurrency)}, "price_drop")
		case closed:
			return tellSavers(tx, r, msgClosed, nil, "closed")
		}
		return nil
	})
}

func formatPrice(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// tellOriginOwner tells the owner of origin that derived builds on it.
func tellOriginOwner(app core.App, derived, origin *core.Record) error {
	name := notify.PersonName(app, derived.GetString(schema.FieldOwner))
	_, err := notify.Send(app, notify.Notification{
		User: origin.GetString(schema.FieldOwner), Type: schema.NotifyDerived, Key: msgDerived,
		Args: map[string]string{"name": name, "title": derived.GetString(schema.OfferTitle), "origin": origin.GetString(schema.OfferTitle)},
		Link: "/offers/" + derived.Id,
		Data: map[string]any{"offer": derived.Id, "origin": origin.Id, "owner": derived.GetString(schema.FieldOwner)},
	})
	return err
}

// tellSavers tells everyone who saved offer (but its owner) message key.
func tellSavers(app core.App, offer *core.Record, key string, args map[string]string, event string) error {
	var people []string
	err := app.DB().Select(schema.FavouriteOwner).From(schema.Favourites).
		Where(dbx.HashExp{schema.FavouriteOffer: offer.Id}).
		AndWhere(dbx.Not(dbx.HashExp{schema.FavouriteOwner: offer.GetString(schema.FieldOwner)})).Column(&people)
	if err != nil {
		return fmt.Errorf("failed to find who saved offer %s: %w", offer.Id, err)
	}
	all := map[string]string{"title": offer.GetString(schema.OfferTitle)}
	for k, v := range args {
		all[k] = v
	}
	for _, p := range people {
		if _, err := notify.Send(app, notify.Notification{
			User: p, Type: schema.NotifyFavourite, Key: key, Args: all, Link: "/offers/" + offer.Id,
			Data: map[string]any{"offer": offer.Id, "event": event},
		}); err != nil {
			return err
		}
	}
	return nil
}

// WarnClosingSoon tells the people who saved an active offer that expires
// within warning of now that it is about to close, once per expiry (a
// renewed offer warns again), and returns how many were told.
func WarnClosingSoon(app core.App, warning time.Duration, now time.Time) (int, error) {
	var rows []struct {
		Favourite string `db:"favourite"`
		Person    string `db:"person"`
		Offer     string `db:"offer"`
		Title     string `db:"title"`
		Expires   string `db:"expires"`
	}
	err := app.DB().NewQuery("SELECT fav.[[id]] AS favourite, fav.[[owner]] AS person, o.[[id]] AS offer, " +
		"o.[[title]] AS title, o.[[expires_at]] AS expires " +
		"FROM {{" + schema.Offers + "}} o JOIN {{" + schema.Favourites + "}} fav ON fav.[[offer]] = o.[[id]] " +
		"WHERE o.[[expires_at]] > {:now} AND o.[[expires_at]] <= {:until} " +
		"AND o.[[status]] = 'active' AND fav.[[owner]] != o.[[owner]] AND fav.[[closing_warned]] != o.[[expires_at]] " +
		"ORDER BY o.[[expires_at]] LIMIT 5000").
		Bind(dbx.Params{"now": dbDate(now), "until": dbDate(now.Add(warning))}).All(&rows)
	if err != nil {
		return 0, fmt.Errorf("failed to find the saved offers about to close: %w", err)
	}
	told := 0
	for _, row := range rows {
		err := app.RunInTransaction(func(tx core.App) error {
			date := row.Expires
			if d, err := types.ParseDateTime(row.Expires); err == nil {
				date = d.Time().UTC().Format("2 Jan 2006 15:04 UTC")
			}
			if _, err := notify.Send(tx, notify.Notification{
				User: row.Person, Type: schema.NotifyFavourite, Key: msgClosingSoon,
				Args: map[string]string{"title": row.Title, "date": date}, Link: "/offers/" + row.Offer,
				Data: map[string]any{"offer": row.Offer, "event": "closing_soon", "expires_at": row.Expires},
			}); err != nil {
				return err
			}
			_, err := tx.DB().Update(schema.Favourites, dbx.Params{schema.FavouriteClosingWarned: row.Expires},
				dbx.HashExp{"id": row.Favourite}).Execute()
			return err
		})
		if err != nil {
			return told, fmt.Errorf("failed to warn %s of offer %s closing: %w", row.Person, row.Offer, err)
		}
		told++
	}
	return told, nil
}

// dbDate is t as PocketBase stores dates.
func dbDate(t time.Time) string {
	d, _ := types.ParseDateTime(t)
	return d.String()
}
