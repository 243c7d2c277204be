package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Sets the defaults a new install starts with: the app name, and rate limits
// on for sign-in, sign-up and record creation (per client IP; behind a
// reverse proxy set Settings > TrustedProxy headers, or every client shares
// the proxy's IP and its limits).
func init() {
	m.Register(func(app core.App) error {
		s := app.Settings()
		s.Meta.AppName = "Peerbase"
		s.Meta.SenderName = "Peerbase"
		s.Batch.Enabled = true
		s.RateLimits.Enabled = true
		s.RateLimits.Rules = []core.RateLimitRule{
			{Label: "*:auth", MaxRequests: 10, Duration: 60},      // sign-in attempts
			{Label: "users:create", MaxRequests: 5, Duration: 60}, // sign-ups
			{Label: "*:create", MaxRequests: 30, Duration: 10},    // record creation
			{Label: "/api/batch", MaxRequests: 3, Duration: 1},
			{Label: "/api/", MaxRequests: 300, Duration: 10},
		}
		return app.Save(s)
	}, nil)
}
