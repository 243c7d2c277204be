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
	"peerbase/hooks/matching"
	"peerbase/hooks/photos"
	"peerbase/hooks/realtime"
	"peerbase/hooks/search"
	"peerbase/hooks/social"
	"peerbase/hooks/threads"
	"peerbase/hooks/trust"
)

// Config holds the configuration of every capability.
type Config struct {
	Trust     trust.Config
	Photos    photos.Config
	Threads   threads.Config
	Exchanges exchanges.Config
	Social    social.Config
	Accounts  accounts.Config
	Changes   changes.Config
	Realtime  realtime.Config
	Matching  matching.Config
	Search    search.Config
}

// DefaultConfig returns the configuration a fresh install runs with.
func DefaultConfig() Config {
	return Config{
		Trust:     trust.DefaultConfig(),
		Photos:    photos.DefaultConfig(),
		Threads:   threads.DefaultConfig(),
		Exchanges: exchanges.DefaultConfig(),
		Social:    social.DefaultConfig(),
		Accounts:  accounts.DefaultConfig(),
		Changes:   changes.DefaultConfig(),
		Realtime:  realtime.DefaultConfig(),
		Matching:  matching.DefaultConfig(),
		Search:    search.DefaultConfig(),
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
	flags.IntVar(&cfg.Matching.Workers, "match-workers", cfg.Matching.Workers,
		"how many new or changed offers are matched against the saved wants at once")
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
		{"realtime", func() error { return realtime.Register(app, cfg.Realtime) }},
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
