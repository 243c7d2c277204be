package trust

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// A rating is always the aggregate of the published reviews that exist:
// publishing adds to it (see publish), and deleting a review — by a
// moderator, or by cascade with its exchange — takes it out again.

// refreshRatingOnDelete recomputes the subject's rating in the same
// transaction as the delete of a published review, on every write path.
func refreshRatingOnDelete(e *core.RecordEvent) error {
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := e.Next(); err != nil {
			return err
		}
		if !e.Record.GetBool(schema.ReviewPublished) {
			return nil // never counted
		}
		err := refreshRating(tx, e.Record.GetString(schema.ReviewSubject))
		if errors.Is(err, sql.ErrNoRows) {
			return nil // the subject is being deleted with their reviews
		}
		return err
	})
}
