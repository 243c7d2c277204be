package moderation

import (
	"net"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// limiter counts requests per key in fixed windows. Keys are per user and
// collection, so it holds at most one entry per young account and
// collection, swept as windows pass.
type limiter struct {
	mu        sync.Mutex
	windows   map[string]window
	lastSweep time.Time
}

type window struct {
	start time.Time
	count int
}

func newLimiter() *limiter { return &limiter{windows: map[string]window{}} }

// allow counts one request of key at now and tells whether it is within l.
func (lm *limiter) allow(key string, l Limit, now time.Time) bool {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if now.Sub(lm.lastSweep) > time.Minute {
		for k, w := range lm.windows {
			if now.Sub(w.start) > 24*time.Hour {
				delete(lm.windows, k)
			}
		}
		lm.lastSweep = now
	}
	w := lm.windows[key]
	if w.start.IsZero() || now.Sub(w.start) >= l.Window {
		w = window{start: now}
	}
	if w.count >= l.Max {
		lm.windows[key] = w
		return false
	}
	w.count++
	lm.windows[key] = w
	return true
}

// release gives back a request counted by allow that created nothing.
func (lm *limiter) release(key string) {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if w, ok := lm.windows[key]; ok && w.count > 0 {
		w.count--
		lm.windows[key] = w
	}
}

// limitNewAccount holds accounts younger than NewAccountAge to the stricter
// NewAccountLimits on creating offers, threads and reports, keyed by the
// person (not by address, which a client can change or share). Only
// creations count: a request refused for its input gives its slot back.
func (s *service) limitNewAccount(e *core.RecordRequestEvent) error {
	if e.Auth == nil || e.Auth.Collection().Name != schema.Users {
		return e.Next()
	}
	// one switch for every limit: load tests that turn the shipped rate
	// limits off, or exclude their address, turn these off too
	if rl := e.App.Settings().RateLimits; !rl.Enabled || ipExcluded(rl.ExcludedIPs, e.RealIP()) {
		return e.Next()
	}
	l, ok := s.cfg.NewAccountLimits[e.Collection.Name]
	if !ok || l.Max <= 0 {
		return e.Next()
	}
	now := s.now()
	if now.Sub(e.Auth.GetDateTime(schema.FieldCreated).Time()) >= s.cfg.NewAccountAge {
		return e.Next()
	}
	key := e.Collection.Name + ":" + e.Auth.Id
	if !s.limiter.allow(key, l, now) {
		return e.TooManyRequestsError("New accounts can create only a few of these per hour; try again later.", nil)
	}
	if err := e.Next(); err != nil {
		s.limiter.release(key) // a refused create (bad input) doesn't count
		return err
	}
	return nil
}

// ipExcluded tells whether ip is one of list's addresses or CIDR ranges.
func ipExcluded(list []string, ip string) bool {
	addr := net.ParseIP(ip)
	for _, item := range list {
		if item == ip {
			return true
		}
		if _, n, err := net.ParseCIDR(item); err == nil && addr != nil && n.Contains(addr) {
			return true
		}
	}
	return false
}
