package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates moderation_queue: a view of the open reports grouped by target,
// for the dashboard: how many reports and distinct reporters, the reasons,
// the newest report's snapshot of the target, newest first. Read-only
// (views have no writes) and superusers only: a moderator resolves the
// reports themselves, in reports.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewViewCollection(schema.ModerationQueue)
		c.ViewQuery = `SELECT
	MAX(r.id) AS id,
	r.target_collection AS target_collection,
	r.target_id AS target_id,
	COUNT(*) AS reports,
	COUNT(DISTINCT r.reporter) AS reporters,
	json_group_array(DISTINCT r.reason) AS reasons,
	(SELECT s.snapshot FROM reports s
		WHERE s.target_collection = r.target_collection AND s.target_id = r.target_id AND s.status = 'open'
		ORDER BY s.created DESC, s.id DESC LIMIT 1) AS snapshot,
	MAX(r.created) AS newest
FROM reports r
WHERE r.status = 'open'
GROUP BY r.target_collection, r.target_id
ORDER BY newest DESC`
		return app.Save(c)
	}, dropCollection(schema.ModerationQueue))
}
