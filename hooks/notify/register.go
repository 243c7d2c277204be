package notify

import (
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// Config configures the notification centre.
type Config struct {
	// Retention is how long a notification is kept; older ones are pruned
	// daily (0 keeps them for good).
	Retention time.Duration
}

// DefaultConfig returns the notification centre's defaults.
func DefaultConfig() Config {
	return Config{Retention: 90 * 24 * time.Hour}
}

// MaxMarkRead is how many notifications one mark-read call may name.
const MaxMarkRead = 500

// Register binds the mark-read route and the daily prune.
func Register(app core.App, cfg Config) error {
	if cfg.Retention < 0 {
		return fmt.Errorf("notify: Retention must not be negative, got %s", cfg.Retention)
	}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.POST("/api/peerbase/notifications/read", markRead).Bind(apis.RequireAuth(schema.Users))
		return se.Next()
	})
	if cfg.Retention > 0 {
		app.Cron().MustAdd("peerbaseNotificationsPrune", "17 4 * * *", func() {
			if n, err := Prune(app, time.Now().Add(-cfg.Retention)); err != nil {
				app.Logger().Error("notify: failed to prune old notifications", "error", err)
			} else if n > 0 {
				app.Logger().Info("notify: pruned old notifications", "count", n)
			}
		})
	}
	return nil
}

// markReadBody is the body of POST /api/peerbase/notifications/read: the
// ids to mark read, or all to mark every unread one (up to before, when
// given, so that a notification that arrived after the person looked stays
// unread).
type markReadBody struct {
	IDs    []string       `json:"ids"`
	All    bool           `json:"all"`
	Before types.DateTime `json:"before"`
}

// markRead marks the caller's notifications read and answers
// {"updated": n, "unread": m}. Each is saved through the model, so the
// change reaches the person's other devices (inbox, sync). Ids of other
// people's notifications are ignored as if they did not exist.
func markRead(e *core.RequestEvent) error {
	var body markReadBody
	if err := e.BindBody(&body); err != nil {
		return e.BadRequestError("Invalid body.", validation.Errors{
			"ids": validation.NewError("validation_invalid_body", "Send {\"ids\": [...]} or {\"all\": true}."),
		})
	}
	switch {
	case body.All == (len(body.IDs) > 0):
		return e.BadRequestError("Name the notifications, or all of them.", validation.Errors{
			"ids": validation.NewError("validation_ids_or_all", "Send either ids or \"all\": true."),
		})
	case len(body.IDs) > MaxMarkRead:
		return e.BadRequestError("Too many ids.", validation.Errors{
			"ids": validation.NewError("validation_too_many", fmt.Sprintf("Mark at most %d notifications at once.", MaxMarkRead)),
		})
	}
	cond := dbx.And(dbx.HashExp{schema.NotificationUser: e.Auth.Id, schema.NotificationRead: false})
	if body.All {
		if !body.Before.IsZero() {
			cond = dbx.And(cond, dbx.NewExp("created <= {:before}", dbx.Params{"before": body.Before.String()}))
		}
	} else {
		ids := make([]any, len(body.IDs))
		for i, id := range body.IDs {
			ids[i] = id
		}
		cond = dbx.And(cond, dbx.In("id", ids...))
	}
	updated := 0
	err := e.App.RunInTransaction(func(tx core.App) error {
		recs, err := tx.FindAllRecords(schema.Notifications, cond)
		if err != nil {
			return err
		}
		for _, r := range recs {
			r.Set(schema.NotificationRead, true)
			if err := tx.Save(r); err != nil {
				return fmt.Errorf("failed to mark notification %s read: %w", r.Id, err)
			}
		}
		updated = len(recs)
		return nil
	})
	if err != nil {
		return e.InternalServerError("", err)
	}
	unread, err := e.App.CountRecords(schema.Notifications, dbx.HashExp{schema.NotificationUser: e.Auth.Id, schema.NotificationRead: false})
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, map[string]int64{"updated": int64(updated), "unread": unread})
}

// Prune deletes the notifications created before cutoff, through the model
// (so that apps are told, and push deliveries go with them), in batches, and
// returns how many went.
func Prune(app core.App, cutoff time.Time) (int, error) {
	total := 0
	before, err := types.ParseDateTime(cutoff)
	if err != nil {
		return 0, err
	}
	for {
		recs, err := app.FindRecordsByFilter(schema.Notifications, "created < {:cutoff}", "created", 500, 0,
			dbx.Params{"cutoff": before.String()})
		if err != nil {
			return total, err
		}
		if len(recs) == 0 {
			return total, nil
		}
		err = app.RunInTransaction(func(tx core.App) error {
			for _, r := range recs {
				if err := tx.Delete(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("failed to prune notifications: %w", err)
		}
		total += len(recs)
	}
}
