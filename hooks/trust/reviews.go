package trust

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// Reviews are written blind: each party of a completed exchange reviews
// the other, and a review stays hidden until the other side has written
// theirs or the window has closed, so nobody adjusts their review to the
// one they received. Publishing updates the subject's rating.

// prepareReview sets who a new review is about (the other party) and
// checks the exchange, on every write path.
func prepareReview(e *core.RecordEvent) error {
	ex, err := e.App.FindRecordById(schema.Exchanges, e.Record.GetString(schema.ReviewExchange))
	if err != nil {
		return validation.Errors{schema.ReviewExchange: validation.NewError("validation_missing_exchange", "The exchange doesn't exist.")}
	}
	author := e.Record.GetString(schema.ReviewAuthor)
	switch author {
	case ex.GetString(schema.ExchangeOwner):
		e.Record.Set(schema.ReviewSubject, ex.GetString(schema.ExchangeRequester))
	case ex.GetString(schema.ExchangeRequester):
		e.Record.Set(schema.ReviewSubject, ex.GetString(schema.ExchangeOwner))
	default:
		return validation.Errors{schema.ReviewAuthor: validation.NewError("validation_not_party", "Only the two parties of an exchange review it.")}
	}
	if ex.GetString(schema.ExchangeState) != schema.StateCompleted {
		return validation.Errors{schema.ReviewExchange: validation.NewError("validation_not_completed", "Only a completed exchange can be reviewed.")}
	}
	e.Record.Set(schema.ReviewPublished, false)

	// the other side's review and this one are published together, in the
	// same transaction as this one's insert
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := e.Next(); err != nil {
			return err
		}
		other, err := tx.FindFirstRecordByFilter(schema.Reviews, "exchange = {:ex} && author = {:subject}",
			dbx.Params{"ex": ex.Id, "subject": e.Record.GetString(schema.ReviewSubject)})
		if err != nil {
			return nil // the other side hasn't written yet
		}
		return publish(tx, e.Record, other)
	})
}

// publish makes reviews visible and refreshes their subjects' ratings.
func publish(app core.App, reviews ...*core.Record) error {
	for _, r := range reviews {
		if r.GetBool(schema.ReviewPublished) {
			continue
		}
		r.Set(schema.ReviewPublished, true)
		if err := app.Save(r); err != nil {
			return fmt.Errorf("failed to publish review %s: %w", r.Id, err)
		}
		if err := refreshRating(app, r.GetString(schema.ReviewSubject)); err != nil {
			return err
		}
	}
	return nil
}

// refreshRating recomputes a person's rating from their published reviews.
func refreshRating(app core.App, userID string) error {
	var row struct {
		Avg   float64 `db:"avg"`
		Count int     `db:"count"`
	}
	err := app.RecordQuery(schema.Reviews).
		Select("COALESCE(AVG([[rating]]), 0) AS avg", "COUNT(*) AS count").
		AndWhere(dbx.HashExp{schema.ReviewSubject: userID, schema.ReviewPublished: true}).
		One(&row)
	if err != nil {
		return fmt.Errorf("failed to compute the rating of %s: %w", userID, err)
	}
	user, err := app.FindRecordById(schema.Users, userID)
	if err != nil {
		return fmt.Errorf("failed to load the reviewed user: %w", err)
	}
	user.Set(schema.UserRatingAvg, float64(int(row.Avg*100+0.5))/100)
	user.Set(schema.UserRatingCount, row.Count)
	return app.Save(user)
}

// PublishDue publishes the reviews whose window has closed by now: the other
// side had window to write theirs and did not. It returns how many.
func PublishDue(app core.App, window time.Duration, now time.Time) (int, error) {
	cutoff, err := types.ParseDateTime(now.Add(-window))
	if err != nil {
		return 0, err
	}
	due, err := app.FindRecordsByFilter(schema.Reviews, "published = false && created <= {:cutoff}", "created", 500, 0,
		dbx.Params{"cutoff": cutoff.String()})
	if err != nil {
		return 0, fmt.Errorf("failed to find the reviews due: %w", err)
	}
	for _, r := range due {
		if err := app.RunInTransaction(func(tx core.App) error { return publish(tx, r) }); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// keepPublishedReview holds a published review still, on every write
// path: its rating, text and exchange never change and it is never
// unpublished; the reviewed person may add one public reply, once (a
// second one, or an edit of the first, is refused).
func keepPublishedReview(e *core.RecordEvent) error {
	orig := e.Record.Original()
	if !orig.GetBool(schema.ReviewPublished) {
		return e.Next()
	}
	errs := validation.Errors{}
	for _, f := range []string{schema.ReviewRating, schema.ReviewText, schema.ReviewExchange} {
		if e.Record.GetString(f) != orig.GetString(f) {
			errs[f] = validation.NewError("validation_review_published", "A published review can't change.")
		}
	}
	if !e.Record.GetBool(schema.ReviewPublished) {
		errs[schema.ReviewPublished] = validation.NewError("validation_review_published", "A published review stays published.")
	}
	if prev := orig.GetString(schema.ReviewReply); prev != "" && e.Record.GetString(schema.ReviewReply) != prev {
		errs[schema.ReviewReply] = validation.NewError("validation_already_replied", "This review already has its reply.")
	}
	if len(errs) > 0 {
		return errs
	}
	return e.Next()
}
