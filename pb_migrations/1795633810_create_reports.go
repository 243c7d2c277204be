package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates reports: a user flags an offer, person, message, want or review;
// the trust hooks keep a snapshot of what was reported so moderation works
// from the report even after the content changes. Reporters see their own
// reports; moderation happens in the dashboard.
func init() {
	m.Register(func(app core.App) error {
		c := core.NewBaseCollection(schema.Reports)
		c.ListRule = rule("reporter = @request.auth.id")
		c.ViewRule = c.ListRule
		c.CreateRule = rule(`@request.auth.id != "" && reporter = @request.auth.id`)

		if err := addRelations(app, c,
			&relationSpec{name: schema.ReportReporter, target: schema.Users, required: true, cascade: true},
		); err != nil {
			return err
		}
		c.Fields.Add(
			&core.SelectField{Name: schema.ReportTargetColl, Required: true, MaxSelect: 1, Values: schema.ReportableTargets},
			&core.TextField{Name: schema.ReportTargetID, Required: true, Max: 15, Pattern: `^[a-z0-9]+$`},
			&core.SelectField{Name: schema.ReportReason, Required: true, MaxSelect: 1, Values: schema.ReportReasons, Presentable: true},
			&core.SelectField{Name: schema.ReportStatus, MaxSelect: 1, Values: schema.ReportStatuses},
			&core.TextField{Name: schema.ReportNote, Max: 2000},
			&core.JSONField{Name: schema.ReportSnapshot, MaxSize: 64 << 10, Help: "the reported record as it was; written by hooks"},
			&core.TextField{Name: schema.ReportResolution, Max: 2000},
		)
		addTimestamps(c)
		c.AddIndex("idx_reports_status_created", false, "status, created", "")
		c.AddIndex("idx_reports_target", false, "target_collection, target_id", "")
		c.AddIndex("idx_reports_reporter_target", true, "reporter, target_collection, target_id", "")
		return app.Save(c)
	}, dropCollection(schema.Reports))
}
