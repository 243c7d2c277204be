// Package moderation is the part of trust that acts: reports that hide an
// offer or a want once enough distinct people reported it, resolutions a
// superuser chooses on a report and a hook carries out (with a
// moderation_log entry, closing every open report of the target),
// suspensions that stop a person at once and hide their offers and wants
// by rule until they end, stricter limits for accounts younger than a day,
// and the expiry and renewal of offers.
package moderation

import (
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"peerbase/hooks/schema"
)

// Limit allows Max requests per Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Config configures moderation.
type Config struct {
	// ReportThreshold is how many distinct people must report an offer or
	// a want (open reports) before it is hidden until a moderator decides
	// (0: never automatically).
	ReportThreshold int
	// OfferLifetime is how long a new or renewed offer stays up.
	OfferLifetime time.Duration
	// OfferMaxLifetime caps an expiry date an owner picks themself.
	OfferMaxLifetime time.Duration
	// ExpiryWarning is how long before expiry the owner is told.
	ExpiryWarning time.Duration
	// ExpiryEvery is the cron schedule of the expiry job.
	ExpiryEvery string
	// NewAccountAge is the age under which an account gets NewAccountLimits.
	NewAccountAge time.Duration
	// NewAccountLimits are the per-user creation limits of young accounts,
	// by collection (offers, threads, reports).
	NewAccountLimits map[string]Limit
	// Now is the clock (tests control it); nil means time.Now.
	Now func() time.Time
}

// DefaultConfig returns the moderation defaults.
func DefaultConfig() Config {
	return Config{
		ReportThreshold:  3,
		OfferLifetime:    60 * 24 * time.Hour,
		OfferMaxLifetime: 365 * 24 * time.Hour,
		ExpiryWarning:    3 * 24 * time.Hour,
		ExpiryEvery:      "* * * * *", // an expired offer stays listed a minute at most
		NewAccountAge:    24 * time.Hour,
		NewAccountLimits: map[string]Limit{
			schema.Offers:  {Max: 10, Window: time.Hour},
			schema.Threads: {Max: 20, Window: time.Hour},
			schema.Reports: {Max: 10, Window: time.Hour},
		},
	}
}

// service holds the config and state the hooks share.
type service struct {
	cfg     Config
	limiter *limiter
}

func (s *service) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// ExpiryJobID is the id of the cron job that warns and expires offers.
const ExpiryJobID = "peerbaseOffersExpiry"

// Register binds the moderation hooks, routes and jobs.
func Register(app core.App, cfg Config) error {
	s := &service{cfg: cfg, limiter: newLimiter()}

	// reports
	app.OnRecordCreate(schema.Reports).BindFunc(s.reportCreated)
	app.OnRecordUpdateRequest(schema.Reports).BindFunc(recordResolver)
	app.OnRecordUpdate(schema.Reports).BindFunc(s.reportUpdated)

	// suspensions
	app.OnRecordUpdate(schema.Users).BindFunc(s.refreshTokenOnSuspend)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "peerbaseModerationSuspended",
			Func:     s.refuseSuspended,
			Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 1,
		})
		se.Router.POST("/api/peerbase/offers/{id}/renew", s.renew).Bind(apis.RequireAuth())
		return se.Next()
	})

	// limits of young accounts
	for coll := range cfg.NewAccountLimits {
		app.OnRecordCreateRequest(coll).BindFunc(s.limitNewAccount)
	}

	// expiry
	app.OnRecordCreate(schema.Offers).BindFunc(s.setExpiry)
	app.OnRecordUpdate(schema.Offers).BindFunc(s.setExpiry)
	if cfg.ExpiryEvery != "" {
		app.Cron().MustAdd(ExpiryJobID, cfg.ExpiryEvery, func() {
			warned, expired, err := s.expireDue(app)
			if err != nil {
				app.Logger().Error("moderation: failed to expire offers", "error", err)
			} else if warned+expired > 0 {
				app.Logger().Info("moderation: offer expiry", "warned", warned, "expired", expired)
			}
		})
	}
	return nil
}
