package social

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
	"peerbase/hooks/trust"
)

// bindFollows keeps the follow counts on users and ends follows on blocks,
// with model hooks: every write path (API, batch, cascades, our own saves)
// goes through them, in the transaction of the write.
func bindFollows(app core.App) {
	app.OnRecordCreate(schema.Follows).BindFunc(func(e *core.RecordEvent) error {
		blocked, err := trust.IsBlocked(e.App, e.Record.GetString(schema.FollowFollower), e.Record.GetString(schema.FollowFollowee))
		if err != nil {
			return err
		}
		if blocked {
			return validation.Errors{schema.FollowFollowee: validation.NewError("validation_blocked", "You can't follow this person.")}
		}
		return inTx(e, func(tx core.App) error { return recountPair(tx, e.Record) })
	})
	app.OnRecordDelete(schema.Follows).BindFunc(func(e *core.RecordEvent) error {
		return inTx(e, func(tx core.App) error { return recountPair(tx, e.Record) })
	})
	app.OnRecordCreate(schema.Blocks).BindFunc(func(e *core.RecordEvent) error {
		return inTx(e, func(tx core.App) error {
			return EndFollows(tx, e.Record.GetString(schema.BlockBlocker), e.Record.GetString(schema.BlockBlocked))
		})
	})
}

// EndFollows deletes the follows between two people, both ways, through
// app (pass the transaction of the block), so the counts follow.
func EndFollows(app core.App, a, b string) error {
	follows, err := app.FindAllRecords(schema.Follows, dbx.Or(
		dbx.HashExp{schema.FollowFollower: a, schema.FollowFollowee: b},
		dbx.HashExp{schema.FollowFollower: b, schema.FollowFollowee: a},
	))
	if err != nil {
		return fmt.Errorf("failed to find the follows to end: %w", err)
	}
	for _, f := range follows {
		if err := app.Delete(f); err != nil {
			return fmt.Errorf("failed to end follow %s: %w", f.Id, err)
		}
	}
	return nil
}

// recountPair refreshes the counts of both people of a follow.
func recountPair(app core.App, follow *core.Record) error {
	if err := Recount(app, follow.GetString(schema.FollowFollower)); err != nil {
		return err
	}
	return Recount(app, follow.GetString(schema.FollowFollowee))
}

// Recount sets a user's follower and following counts from the follows
// (counted, not incremented, so a count can't drift), saving the user only
// when one changed. A user who is gone (the follow is deleted with them)
// is skipped.
func Recount(app core.App, userID string) error {
	user, err := app.FindRecordById(schema.Users, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("failed to load user %s: %w", userID, err)
	}
	var followers, following int
	if err := app.DB().NewQuery("SELECT "+
		"(SELECT COUNT(*) FROM {{"+schema.Follows+"}} WHERE [["+schema.FollowFollowee+"]] = {:id}), "+
		"(SELECT COUNT(*) FROM {{"+schema.Follows+"}} WHERE [["+schema.FollowFollower+"]] = {:id})").
		Bind(dbx.Params{"id": userID}).Row(&followers, &following); err != nil {
		return fmt.Errorf("failed to count the follows of %s: %w", userID, err)
	}
	if user.GetInt(schema.UserFollowersCount) == followers && user.GetInt(schema.UserFollowingCount) == following {
		return nil
	}
	user.Set(schema.UserFollowersCount, followers)
	user.Set(schema.UserFollowingCount, following)
	// no validation: a profile saved long ago under older rules must not
	// stop someone from following its owner
	if err := app.SaveNoValidate(user); err != nil {
		return fmt.Errorf("failed to save the follow counts of %s: %w", userID, err)
	}
	return nil
}
