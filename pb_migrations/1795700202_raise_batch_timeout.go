package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// batchTimeout is the longest a /api/batch transaction may run, in seconds.
// PocketBase's default of 3 cancels legitimate batches: deleting an account
// with 400 offers and 1,000 messages took 3.7 s on a loaded 2-core machine
// through the plain API and its batch was cancelled at 3 s, and the e2e
// tests already need 30 s for batches of a few hundred records. A batch
// holds the one write connection while it runs, but so does any single
// request (which has no limit at all), and batches stay capped at 50
// requests and 3 per second per IP; 30 s stays under the usual reverse
// proxy timeout (60 s), so the client gets the answer, not a 504.
const batchTimeout = 30

// Raises the batch timeout from PocketBase's 3 s to batchTimeout, unless an
// admin already chose another value in the dashboard.
func init() {
	m.Register(func(app core.App) error {
		s := app.Settings()
		if s.Batch.Timeout > 3 {
			return nil
		}
		s.Batch.Timeout = batchTimeout
		return app.Save(s)
	}, func(app core.App) error {
		s := app.Settings()
		if s.Batch.Timeout != batchTimeout {
			return nil
		}
		s.Batch.Timeout = 3
		return app.Save(s)
	})
}
