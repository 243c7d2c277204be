package push

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// Config configures Web Push. Secrets and deploy facts come from the
// environment (FromEnv); the rest are flags (hooks.BindFlags).
type Config struct {
	// Keys is the VAPID pair from PEERBASE_VAPID_PUBLIC_KEY and
	// PEERBASE_VAPID_PRIVATE_KEY; empty: generated once and kept in the
	// data dir (KeysFile).
	Keys Keys
	// Subject is PEERBASE_VAPID_SUBJECT (mailto: or https:); empty: the
	// app's URL when it is https, else mailto:push@localhost.
	Subject string
	// AllowHosts are PEERBASE_PUSH_ALLOW_HOSTS: host:port pairs endpoints
	// may use although internal, over http too.
	AllowHosts []string
	// Workers is how many sends are in flight at once.
	Workers int
	// Timeout bounds one send, from dial to answer.
	Timeout time.Duration
	// MaxAttempts is how many times a delivery is tried before it fails.
	MaxAttempts int
	// RetryBase is the first retry delay; it doubles per attempt up to
	// RetryMax, with jitter.
	RetryBase, RetryMax time.Duration
	// Retention is how long finished deliveries stay in the log.
	Retention time.Duration
	// DigestHour is the local hour from which the daily digest goes out.
	DigestHour int
	// PollInterval is how often the outbox is looked at when nothing woke
	// it (a row written by another process, a retry coming due).
	PollInterval time.Duration
	// Deliver sends the outbox; off, rows are written and stay pending
	// (the test apps of other packages: they must never call out).
	Deliver bool
	// Resolver resolves endpoint host names; nil: the system's.
	Resolver Resolver

	envErr error
}

// DefaultConfig returns the defaults, with the environment read (FromEnv).
func DefaultConfig() Config {
	return FromEnv(os.Getenv)
}

// FromEnv returns the defaults with the PEERBASE_VAPID_* and
// PEERBASE_PUSH_ALLOW_HOSTS variables read through getenv; a malformed one
// makes Register fail, so that the server refuses to start.
func FromEnv(getenv func(string) string) Config {
	c := Config{
		Workers:      64,
		Timeout:      10 * time.Second,
		MaxAttempts:  8,
		RetryBase:    30 * time.Second,
		RetryMax:     time.Hour,
		Retention:    7 * 24 * time.Hour,
		DigestHour:   8,
		PollInterval: time.Second,
		Deliver:      true,
		Subject:      getenv("PEERBASE_VAPID_SUBJECT"),
		Keys:         Keys{Public: getenv("PEERBASE_VAPID_PUBLIC_KEY"), Private: getenv("PEERBASE_VAPID_PRIVATE_KEY")},
	}
	var errs []error
	if (c.Keys.Public == "") != (c.Keys.Private == "") {
		errs = append(errs, errors.New("set both PEERBASE_VAPID_PUBLIC_KEY and PEERBASE_VAPID_PRIVATE_KEY, or neither"))
	}
	hosts, err := ParseAllowHosts(getenv("PEERBASE_PUSH_ALLOW_HOSTS"))
	if err != nil {
		errs = append(errs, fmt.Errorf("PEERBASE_PUSH_ALLOW_HOSTS: %w", err))
	}
	c.AllowHosts = hosts
	c.envErr = errors.Join(errs...)
	return c
}

// Validate reports a configuration the server must not start with.
func (c Config) Validate() error {
	if c.envErr != nil {
		return c.envErr
	}
	if c.Workers < 1 || c.Timeout <= 0 || c.MaxAttempts < 1 || c.RetryBase <= 0 || c.RetryMax < c.RetryBase ||
		c.Retention <= 0 || c.PollInterval <= 0 {
		return fmt.Errorf("push: Workers, Timeout, MaxAttempts, RetryBase, Retention and PollInterval must be positive and RetryMax >= RetryBase, got %+v", c)
	}
	if c.DigestHour < 0 || c.DigestHour > 23 {
		return fmt.Errorf("push: the digest hour must be 0 to 23, got %d", c.DigestHour)
	}
	if c.Keys != (Keys{}) {
		if _, err := c.Keys.Normalize(); err != nil {
			return fmt.Errorf("PEERBASE_VAPID_*: %w", err)
		}
	}
	if c.Subject != "" {
		if _, err := ParseSubject(c.Subject); err != nil {
			return fmt.Errorf("PEERBASE_VAPID_SUBJECT: %w", err)
		}
	}
	for _, h := range c.AllowHosts {
		if _, err := ParseAllowHosts(h); err != nil {
			return err
		}
	}
	return nil
}
