// Package push delivers what people are told to their devices by Web Push
// (RFC 8030, 8291, 8292), encrypted and signed by Sender (sender.go):
// VAPID keys kept in the data dir or given by the environment, a device
// registry (push_subscriptions, the caller's own, every endpoint checked
// against internal addresses), and a durable outbox (push_deliveries): a
// row per device written in the transaction of the event (a new message,
// a notifications record), sent by a bounded worker pool over one shared
// HTTP client, retried with backoff, picked up again after a restart, and
// kept as a delivery log for a retention period.
//
// Preferences (users.notify_prefs), quiet hours and the thread a person is
// looking at (hooks/realtime) decide what is sent and when. See
// PUSH_CONTRACT.md for what apps and tests rely on.
package push

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

// storeKey is where the app's service lives in app.Store(), for the
// command and tests.
const storeKey = "peerbase.push"

// service is Web Push for one app.
type service struct {
	app       core.App
	cfg       Config
	validator *Validator

	keysMu  sync.Mutex
	keys    Keys
	subject string

	sender *Sender
	// out is set once the worker runs (OnServe); hooks on other goroutines read it
	out     atomic.Pointer[outbox]
	startMu sync.Mutex
}

// Register binds the push hooks, routes, worker and jobs to app.
func Register(app core.App, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	s := &service{app: app, cfg: cfg, validator: NewValidator(cfg.AllowHosts)}
	s.validator.Resolver = cfg.Resolver
	if cfg.Keys != (Keys{}) {
		s.keys, _ = cfg.Keys.Normalize()
	}
	app.Store().Set(storeKey, s)

	// the device registry
	app.OnRecordValidate(schema.PushSubscriptions).BindFunc(s.validateSubscription)
	app.OnRecordCreateRequest(schema.PushSubscriptions).BindFunc(s.replaceSubscription)
	app.OnRecordDelete(schema.PushSubscriptions).Bind(&hook.Handler[*core.RecordEvent]{
		Id: "peerbasePushSubscriptionDelete", Func: s.subscriptionDeleted,
	})

	// the outbox: rows in the transaction of their event, the worker woken
	// once it committed
	app.OnRecordCreate(schema.Messages).Bind(&hook.Handler[*core.RecordEvent]{
		Id: "peerbasePushMessage", Func: s.enqueueOnCreate(messageEvent),
	})
	app.OnRecordCreate(schema.Notifications).Bind(&hook.Handler[*core.RecordEvent]{
		Id: "peerbasePushNotification", Func: s.notificationCreated,
	})
	wake := func(e *core.RecordEvent) error {
		if o := s.out.Load(); o != nil {
			o.nudge()
		}
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess(schema.Messages, schema.Notifications).BindFunc(wake)

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "peerbasePushStart",
		Func: func(se *core.ServeEvent) error {
			if _, err := s.currentKeys(); err != nil {
				return err
			}
			if cfg.Deliver {
				if err := s.start(); err != nil {
					return err
				}
			}
			se.Router.GET("/api/peerbase/push/key", s.keyRoute)
			return se.Next()
		},
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		if o := s.out.Load(); o != nil {
			o.shutdown()
		}
		return e.Next()
	})
	app.Cron().MustAdd("peerbasePushPrune", "13 * * * *", func() {
		if n, err := Prune(app, time.Now().Add(-cfg.Retention)); err != nil {
			app.Logger().Error("push: failed to prune the delivery log", "error", err)
		} else if n > 0 {
			app.Logger().Debug("push: pruned the delivery log", "rows", n)
		}
	})
	app.Cron().MustAdd("peerbasePushDigest", "*/15 * * * *", func() {
		if n, err := SendDigests(app, time.Now(), cfg.DigestHour); err != nil {
			app.Logger().Error("push: failed to send the daily digests", "error", err)
		} else if n > 0 {
			app.Logger().Info("push: daily digests", "people", n)
		}
	})
	return nil
}

// currentKeys returns the VAPID keys: the environment's, or the data
// dir's, generated on first use.
func (s *service) currentKeys() (Keys, error) {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	if s.keys != (Keys{}) {
		return s.keys, nil
	}
	k, err := LoadOrCreateKeys(s.app.DataDir())
	if err != nil {
		return Keys{}, fmt.Errorf("push: %w", err)
	}
	s.keys = k
	return k, nil
}

// subjectFor returns the VAPID subject: the configured one, else the
// application URL when it is https.
func (s *service) subjectFor() string {
	if s.cfg.Subject != "" {
		sub, _ := ParseSubject(s.cfg.Subject)
		return sub
	}
	if u := s.app.Settings().Meta.AppURL; strings.HasPrefix(u, "https://") {
		if sub, err := ParseSubject(u); err == nil {
			return sub
		}
	}
	s.app.Logger().Warn("push: no PEERBASE_VAPID_SUBJECT and no https application URL; using mailto:push@localhost, which some push services refuse")
	return "mailto:push@localhost"
}

// start starts the outbox worker (once).
func (s *service) start() error {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if s.out.Load() != nil {
		return nil
	}
	keys, err := s.currentKeys()
	if err != nil {
		return err
	}
	sender, err := NewSender(NewClient(s.validator, s.cfg.Timeout, s.cfg.Workers), keys, s.subjectFor())
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	s.sender = sender
	o := newOutbox(s)
	o.start()
	s.out.Store(o)
	return nil
}

// Nudge wakes app's outbox worker, for rows written outside a record
// create (the poll finds them within a second anyway).
func Nudge(app core.App) {
	if s, ok := app.Store().Get(storeKey).(*service); ok {
		if o := s.out.Load(); o != nil {
			o.nudge()
		}
	}
}

// keyRoute answers the VAPID public key, for pushManager.subscribe.
func (s *service) keyRoute(e *core.RequestEvent) error {
	k, err := s.currentKeys()
	if err != nil {
		return e.InternalServerError("The push key is not available.", err)
	}
	e.Response.Header().Set("Cache-Control", "no-cache")
	return e.JSON(http.StatusOK, map[string]string{"publicKey": k.Public})
}

// enqueueOnCreate writes the deliveries of a created record's event in
// the record's transaction.
func (s *service) enqueueOnCreate(build func(core.App, *core.Record) (Event, bool, error)) func(e *core.RecordEvent) error {
	return func(e *core.RecordEvent) error {
		return e.App.RunInTransaction(func(tx core.App) error {
			orig := e.App
			e.App = tx
			defer func() { e.App = orig }()
			if err := e.Next(); err != nil {
				return err
			}
			ev, ok, err := build(tx, e.Record)
			if err != nil || !ok {
				return err
			}
			_, err = Enqueue(tx, ev, time.Now())
			return err
		})
	}
}

// notificationCreated writes a new notification's deliveries in its
// transaction; one of many saved by notify.SendAll waits for the others, and
// the deliveries of all are written together (EnqueueNotifications).
func (s *service) notificationCreated(e *core.RecordEvent) error {
	b := notify.InBatch(e.Context)
	if b == nil {
		return s.enqueueOnCreate(notificationEvent)(e)
	}
	if err := e.Next(); err != nil {
		return err
	}
	b.Defer("peerbasePush", func(tx core.App, records []*core.Record) error {
		_, err := EnqueueNotifications(tx, records, time.Now())
		return err
	})
	return nil
}

// Prune deletes the finished deliveries last changed before cutoff, in
// chunks, and returns how many.
func Prune(app core.App, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res, err := app.DB().NewQuery("DELETE FROM {{" + schema.PushDeliveries + "}} WHERE id IN (SELECT id FROM {{" +
			schema.PushDeliveries + "}} WHERE [[status]] != {:pending} AND [[updated]] < {:cutoff} LIMIT 5000)").
			Bind(dbx.Params{"pending": schema.DeliveryPending, "cutoff": dateString(cutoff)}).Execute()
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
		if n < 5000 {
			return total, nil
		}
	}
}

// errPushKeysFromEnv refuses a rotation of keys the environment gives.
var errPushKeysFromEnv = errors.New("the VAPID keys come from PEERBASE_VAPID_PUBLIC_KEY/PRIVATE_KEY: change them there")

// RotateKeys makes a new VAPID pair in app's data dir and deletes every
// push subscription (they were made for the old public key and would be
// refused), keeping their delivery log. It returns the new pair and how
// many subscriptions went.
func RotateKeys(app core.App, cfg Config) (Keys, int, error) {
	if cfg.Keys != (Keys{}) {
		return Keys{}, 0, errPushKeysFromEnv
	}
	k, err := GenerateKeys()
	if err != nil {
		return Keys{}, 0, err
	}
	var n int
	err = app.RunInTransaction(func(tx core.App) error {
		subs, err := tx.FindAllRecords(schema.PushSubscriptions)
		if err != nil {
			return err
		}
		for _, r := range subs {
			if err := tx.Delete(r); err != nil {
				return err
			}
		}
		n = len(subs)
		// the file last: a failure before it leaves the old keys and the
		// subscriptions as they were
		return SaveKeys(app.DataDir(), k)
	})
	if err != nil {
		return Keys{}, 0, err
	}
	if s, ok := app.Store().Get(storeKey).(*service); ok {
		s.keysMu.Lock()
		s.keys = k
		s.keysMu.Unlock()
		// a sender running in this process signs with the new pair; its
		// JWTs signed with the old one are dropped with it
		s.startMu.Lock()
		if s.sender != nil {
			err = s.sender.SetKeys(k)
		}
		s.startMu.Unlock()
		if err != nil {
			return Keys{}, 0, err
		}
	}
	return k, n, nil
}
