package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Lets reports act: a superuser resolves a report by choosing an action
// (dismiss, hide, unhide, delete, warn, ban) beside the free-text
// resolution; hooks/moderation carries it out and records who chose it.
// One open report per reporter and target: the unique index covers open
// reports only, so a person may report the same target again after a
// resolution.
func init() {
	m.Register(func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Reports)
		if err != nil {
			return err
		}
		c.Fields.Add(
			&core.SelectField{Name: schema.ReportAction, MaxSelect: 1, Values: schema.ReportActions,
				Help: "choose one to resolve the report: a hook carries it out and closes every open report of the target"},
			&core.TextField{Name: schema.ReportResolvedBy, Max: 255, Help: "the superuser who resolved it; written by hooks"},
		)
		c.RemoveIndex("idx_reports_reporter_target")
		c.AddIndex("idx_reports_reporter_target_open", true, "reporter, target_collection, target_id", "status = 'open'")
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(schema.Reports)
		if err != nil {
			return err
		}
		c.Fields.RemoveByName(schema.ReportAction)
		c.Fields.RemoveByName(schema.ReportResolvedBy)
		c.RemoveIndex("idx_reports_reporter_target_open")
		c.AddIndex("idx_reports_reporter_target", true, "reporter, target_collection, target_id", "")
		return app.Save(c)
	})
}
