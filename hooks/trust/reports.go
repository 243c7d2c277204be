package trust

import (
	"slices"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// snapshotReportTarget checks that the reporter can see what they report
// (nobody learns about records through reports) and keeps a copy of it as
// the reporter saw it, so moderation works even after the content changes.
func snapshotReportTarget(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next()
	}
	notFound := validation.Errors{schema.ReportTargetID: validation.NewError("validation_missing_target", "There is nothing to report with this id.")}
	coll := e.Record.GetString(schema.ReportTargetColl)
	if !slices.Contains(schema.ReportableTargets, coll) {
		return e.Next() // the select field's own validation names the bad value
	}
	target, err := e.App.FindRecordById(coll, e.Record.GetString(schema.ReportTargetID))
	if err != nil {
		return e.BadRequestError("Failed to create record.", notFound)
	}
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("Failed to read the submitted data.", err)
	}
	if ok, err := e.App.CanAccessRecord(target, info, target.Collection().ViewRule); err != nil || !ok {
		return e.BadRequestError("Failed to create record.", notFound)
	}
	e.Record.Set(schema.ReportSnapshot, target.PublicExport())
	return e.Next()
}

// openReport gives every new report the open status.
func openReport(e *core.RecordEvent) error {
	if e.Record.GetString(schema.ReportStatus) == "" {
		e.Record.Set(schema.ReportStatus, "open")
	}
	return e.Next()
}
