// Package social holds people's profiles and the ties between them. It
// validates what a profile says about its owner (time zone, quiet hours);
// keeps follower and following counts on users; ends follows both ways
// when one person blocks the other; serves the following feed (the newest
// offers of the people one follows, GET /api/peerbase/following) and tells
// followers of a followed person's new offer through a bounded worker;
// keeps favourites (saved offers) and tells their person when a saved
// offer's price drops, when it is about to close and when it closes; and
// credits the owner of the offer a derived offer builds on, tells them, and
// freezes a published offer's origin. POST
// /api/peerbase/offers/{id}/custom-request asks an offer's owner for a
// custom version in the thread on that offer.
package social

import (
	"fmt"
	"time"
	_ "time/tzdata" // time zones resolve on machines without a zoneinfo database

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"peerbase/hooks/schema"
)

// Config configures the social capability.
type Config struct {
	// ClosingWarning is how long before a saved offer's expiry its
	// favourites' people are told it is about to close.
	ClosingWarning time.Duration
	// FanoutPage is how many followers are told of a new offer in one
	// transaction.
	FanoutPage int
	// PollInterval is how often the follower worker looks for offers
	// nobody woke it for (those left by a crash or another process).
	PollInterval time.Duration
}

// DefaultConfig returns the social defaults.
func DefaultConfig() Config {
	return Config{ClosingWarning: 24 * time.Hour, FanoutPage: 200, PollInterval: time.Minute}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.ClosingWarning <= 0 || c.FanoutPage < 1 || c.PollInterval <= 0 {
		return fmt.Errorf("social: ClosingWarning, FanoutPage and PollInterval must be positive, got %+v", c)
	}
	return nil
}

// Register binds the social hooks, routes, worker and job.
func Register(app core.App, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	app.OnRecordValidate(schema.Users).BindFunc(func(e *core.RecordEvent) error {
		if errs := ValidateProfile(e.Record.GetString(schema.UserTimezone),
			e.Record.GetString(schema.UserQuietStart), e.Record.GetString(schema.UserQuietEnd)); len(errs) > 0 {
			return errs
		}
		return e.Next()
	})

	app.OnRecordCreateRequest(schema.Favourites).BindFunc(refuseClosingWarned)
	w := newWorker(app, cfg)
	bindFollows(app)
	app.OnRecordCreate(schema.Offers).Bind(&hook.Handler[*core.RecordEvent]{Id: "peerbaseSocialOfferCreate", Func: onOfferSave})
	app.OnRecordUpdate(schema.Offers).Bind(&hook.Handler[*core.RecordEvent]{Id: "peerbaseSocialOfferUpdate", Func: onOfferSave})
	app.OnRecordAfterCreateSuccess(schema.Offers).BindFunc(w.nudgeOn)
	app.OnRecordAfterUpdateSuccess(schema.Offers).BindFunc(w.nudgeOn)

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "peerbaseSocialStart",
		Func: func(se *core.ServeEvent) error {
			w.start()
			g := se.Router.Group("/api/peerbase")
			g.GET("/following", feedRoute).Bind(apis.RequireAuth(schema.Users))
			g.POST("/offers/{id}/custom-request", customRequest).Bind(apis.RequireAuth(schema.Users))
			return se.Next()
		},
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		w.shutdown()
		return e.Next()
	})
	app.Cron().MustAdd("peerbaseSocialClosingSoon", "*/15 * * * *", func() {
		if n, err := WarnClosingSoon(app, cfg.ClosingWarning, time.Now()); err != nil {
			app.Logger().Error("social: failed to warn of saved offers about to close", "error", err)
		} else if n > 0 {
			app.Logger().Info("social: warned of saved offers about to close", "count", n)
		}
	})
	return nil
}

// ValidateProfile checks that a time zone is a known IANA name and that
// quiet hours are given as a pair (the fields' patterns check the format).
func ValidateProfile(timezone, quietStart, quietEnd string) validation.Errors {
	errs := validation.Errors{}
	if timezone != "" {
		if _, err := time.LoadLocation(timezone); err != nil || timezone == "Local" {
			errs[schema.UserTimezone] = validation.NewError("validation_unknown_timezone", "Unknown time zone: use an IANA name such as Europe/Paris.")
		}
	}
	if (quietStart == "") != (quietEnd == "") {
		field := schema.UserQuietEnd
		if quietStart == "" {
			field = schema.UserQuietStart
		}
		errs[field] = validation.NewError("validation_quiet_hours_pair", "Quiet hours need both a start and an end.")
	}
	return errs
}

// inTx runs e.Next() and then after in one transaction, giving e.App back
// afterwards: left pointing at the finished transaction, PocketBase's
// after-success hooks (realtime among them) would silently do nothing.
func inTx(e *core.RecordEvent, after func(tx core.App) error) error {
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := e.Next(); err != nil {
			return err
		}
		return after(tx)
	})
}
