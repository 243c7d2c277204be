// Package hooks binds Peerbase's capabilities to a PocketBase app. Each
// capability lives in its own subpackage with its own Config and
// Register(app, cfg) error; Register here calls them in a fixed order, so
// that tests and the binary get exactly the same behaviour.
package hooks

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/pflag"

	"peerbase/hooks/accounts"
	"peerbase/hooks/changes"
	"peerbase/hooks/exchanges"
	"peerbase/hooks/ledger"
	"peerbase/hooks/matching"
	"peerbase/hooks/moderation"
	"peerbase/hooks/notify"
	"peerbase/hooks/photos"
	"peerbase/hooks/push"
	"peerbase/hooks/realtime"
	"peerbase/hooks/search"
	"peerbase/hooks/social"
	"peerbase/hooks/swaps"
	"peerbase/hooks/threads"
	"peerbase/hooks/trust"
)

// DataMaxIdleConns is how many idle connections to the data database the
// binary keeps open (PocketBase keeps 15 of its 120). Every request beyond
// the 15th at once opened a new SQLite connection and closed it afterwards:
// opening one parses the whole schema, closing one frees its page cache, and
// with 50 requests at once that churn was a third of the server's CPU in the
// search benchmark, on every route alike. Idle connections cost only the
// pages they cached, which a commit by another connection empties anyway.
const DataMaxIdleConns = 120

// Config holds the configuration of every capability.
type Config struct {
	Trust      trust.Config
	Photos     photos.Config
	Threads    threads.Config
	Exchanges  exchanges.Config
	Social     social.Config
	Accounts   accounts.Config
	Changes    changes.Config
	Realtime   realtime.Config
	Matching   matching.Config
	Notify     notify.Config
	Swaps      swaps.Config
	Moderation moderation.Config
	Push       push.Config
	Ledger     ledger.Config
	Search     search.Config
}

// DefaultConfig returns the configuration a fresh install runs with.
func DefaultConfig() Config {
	return Config{
		Trust:      trust.DefaultConfig(),
		Photos:     photos.DefaultConfig(),
		Threads:    threads.DefaultConfig(),
		Exchanges:  exchanges.DefaultConfig(),
		Social:     social.DefaultConfig(),
		Accounts:   accounts.DefaultConfig(),
		Changes:    changes.DefaultConfig(),
		Realtime:   realtime.DefaultConfig(),
		Matching:   matching.DefaultConfig(),
		Notify:     notify.DefaultConfig(),
		Swaps:      swaps.DefaultConfig(),
		Moderation: moderation.DefaultConfig(),
		Push:       push.DefaultConfig(),
		Ledger:     ledger.DefaultConfig(),
		Search:     search.DefaultConfig(),
	}
}

// BindFlags exposes the deploy options of every capability as command-line
// flags that write into cfg.
func BindFlags(flags *pflag.FlagSet, cfg *Config) {
	flags.DurationVar(&cfg.Threads.RetractWindow, "retract-window", cfg.Threads.RetractWindow,
		"how long after sending the author may retract a message")
	flags.DurationVar(&cfg.Trust.ReviewWindow, "review-window", cfg.Trust.ReviewWindow,
		"how long a review waits for the other side's before it is published alone")
	flags.DurationVar(&cfg.Exchanges.CompleteAfter, "complete-after", cfg.Exchanges.CompleteAfter,
		"how long a handed-over (or returned) exchange waits, undisputed, for the other side's confirmation before it completes by itself (0: never)")
	flags.DurationVar(&cfg.Exchanges.DisputeWindow, "dispute-window", cfg.Exchanges.DisputeWindow,
		"how long after completion either side may still dispute an exchange")
	flags.IntVar(&cfg.Photos.Workers, "photo-workers", cfg.Photos.Workers,
		"how many photos are processed at once (a 12 MP JPEG holds ~32 MiB while in flight, a 12 MP HEIC ~300 MiB)")
	flags.IntVar(&cfg.Photos.MaxPixels, "photo-max-pixels", cfg.Photos.MaxPixels,
		"the largest image accepted, in pixels (width x height), checked before decoding")
	flags.IntVar(&cfg.Photos.MaxSide, "photo-max-side", cfg.Photos.MaxSide,
		"the longest side of a stored original, in pixels")
	flags.DurationVar(&cfg.Changes.Retention, "sync-retention", cfg.Changes.Retention,
		"how long the change log keeps a change for catch-up sync; an older cursor gets a 410 (reload)")
	flags.IntVar(&cfg.Realtime.OutboxLimit, "realtime-outbox", cfg.Realtime.OutboxLimit,
		"how many realtime events may wait for one slow connection before it is closed")
	flags.DurationVar(&cfg.Social.ClosingWarning, "closing-warning", cfg.Social.ClosingWarning,
		"how long before a saved offer expires the people who saved it are told it is about to close")
	flags.IntVar(&cfg.Matching.Workers, "match-workers", cfg.Matching.Workers,
		"how many new or changed offers are matched against the saved wants at once")
	flags.DurationVar(&cfg.Notify.Retention, "notification-retention", cfg.Notify.Retention,
		"how long a person's notifications are kept before they are pruned (0: for good)")
	flags.IntVar(&cfg.Moderation.ReportThreshold, "report-threshold", cfg.Moderation.ReportThreshold,
		"how many distinct people must report an offer or a want before it is hidden until a moderator decides (0: never)")
	flags.DurationVar(&cfg.Moderation.OfferLifetime, "offer-lifetime", cfg.Moderation.OfferLifetime,
		"how long a new or renewed offer stays up before it expires")
	flags.DurationVar(&cfg.Moderation.ExpiryWarning, "expiry-warning", cfg.Moderation.ExpiryWarning,
		"how long before an offer expires its owner is told")
	flags.DurationVar(&cfg.Moderation.NewAccountAge, "new-account-age", cfg.Moderation.NewAccountAge,
		"accounts younger than this get stricter limits on creating offers, threads and reports")
	flags.IntVar(&cfg.Push.Workers, "push-workers", cfg.Push.Workers, "how many Web Push sends are in flight at once")
	flags.DurationVar(&cfg.Push.Timeout, "push-timeout", cfg.Push.Timeout, "the longest one Web Push send may take, from dial to answer")
	flags.IntVar(&cfg.Push.MaxAttempts, "push-max-attempts", cfg.Push.MaxAttempts,
		"how many times a push is tried (429, 5xx, network errors) before it is marked failed")
	flags.DurationVar(&cfg.Push.RetryBase, "push-retry-base", cfg.Push.RetryBase,
		"the first retry delay of a push; it doubles per attempt up to an hour, with jitter (a longer Retry-After wins)")
	flags.DurationVar(&cfg.Push.Retention, "push-retention", cfg.Push.Retention,
		"how long sent, failed, gone and skipped pushes stay in the delivery log")
	flags.IntVar(&cfg.Push.DigestHour, "push-digest-hour", cfg.Push.DigestHour,
		"the local hour (in each person's time zone) from which the daily digest of matches is sent")
	flags.BoolVar(&cfg.Ledger.Enabled, "ledger", cfg.Ledger.Enabled,
		"turn the credit ledger on (transfers, exchange credit prices, grants)")
	flags.IntVar(&cfg.Ledger.Floor, "ledger-floor", cfg.Ledger.Floor,
		"the lowest balance a transfer or an exchange's credit price may leave (may be negative)")
	flags.DurationVar(&cfg.Swaps.ProposalTTL, "swap-expiry", cfg.Swaps.ProposalTTL,
		"how long a proposed swap waits for every participant's acceptance before it expires, freeing its offers (0: never)")
	flags.Float64Var(&cfg.Matching.SwapRadiusKm, "swap-radius", cfg.Matching.SwapRadiusKm,
		"the farthest apart, in km, two offers swapped may be (each leg of a cycle; offers without a location: any distance; 0: no limit)")
}

// Register binds every capability's hooks, routes and jobs to app.
// Trust comes first: its guards must run before any capability acts on a
// request.
func Register(app core.App, cfg Config) error {
	steps := []struct {
		name string
		fn   func() error
	}{
		{"trust", func() error { return trust.Register(app, cfg.Trust) }},
		{"photos", func() error { return photos.Register(app, cfg.Photos) }},
		{"threads", func() error { return threads.Register(app, cfg.Threads) }},
		{"exchanges", func() error { return exchanges.Register(app, cfg.Exchanges) }},
		{"social", func() error { return social.Register(app, cfg.Social) }},
		{"accounts", func() error { return accounts.Register(app, cfg.Accounts) }},
		{"matching", func() error { return matching.Register(app, cfg.Matching) }},
		{"notify", func() error { return notify.Register(app, cfg.Notify) }},
		{"ledger", func() error { return ledger.Register(app, cfg.Ledger) }},
		{"realtime", func() error { return realtime.Register(app, cfg.Realtime) }},
		{"swaps", func() error { return swaps.Register(app, cfg.Swaps) }},
		{"moderation", func() error { return moderation.Register(app, cfg.Moderation) }},
		{"push", func() error { return push.Register(app, cfg.Push) }},
		{"search", func() error { return search.Register(app, cfg.Search) }},
		// last: its hooks wrap the innermost save, in the same transaction
		{"changes", func() error { return changes.Register(app, cfg.Changes) }},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return fmt.Errorf("failed to register %s hooks: %w", s.name, err)
		}
	}
	return nil
}

// Capabilities names the capabilities Register turns on with cfg, each with
// its main setting, for the start banner.
func Capabilities(cfg Config) []string {
	caps := []string{"trust", fmt.Sprintf("photos (%d at once)", cfg.Photos.Workers), "threads", "exchanges",
		"social", "accounts", fmt.Sprintf("matching (%d workers)", cfg.Matching.Workers), "realtime",
		"notifications", "swaps", fmt.Sprintf("web push (%d in flight)", cfg.Push.Workers), "search"}
	if cfg.Moderation.ReportThreshold > 0 {
		caps = append(caps, fmt.Sprintf("moderation (hide at %d reports)", cfg.Moderation.ReportThreshold))
	} else {
		caps = append(caps, "moderation")
	}
	if cfg.Ledger.Enabled {
		caps = append(caps, fmt.Sprintf("ledger (floor %d)", cfg.Ledger.Floor))
	}
	return append(caps, fmt.Sprintf("expiry (%g days)", cfg.Moderation.OfferLifetime.Hours()/24), "sync")
}
