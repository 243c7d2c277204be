package realtime

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/picker"
	"github.com/pocketbase/pocketbase/tools/search"
)

// enrich runs the app's OnRecordEnrich hooks on each record (our privacy
// hooks among them, so a recipient sees exactly what the records API shows
// them), then finalize, as PocketBase does for its own responses.
func enrich(app core.App, info *core.RequestInfo, records []*core.Record, finalize func() error) error {
	for i, r := range records {
		ev := new(core.RecordEnrichEvent)
		ev.App = app
		ev.Record = r
		ev.RequestInfo = info
		last := i == len(records)-1
		err := app.OnRecordEnrich().Trigger(ev, func(*core.RecordEnrichEvent) error {
			if last && finalize != nil {
				return finalize()
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(records) == 0 && finalize != nil {
		return finalize()
	}
	return nil
}

// expandFetch loads the related records of an expand with the recipient's
// view rule applied, and enriches them for the recipient, as the records
// API's expand does.
func expandFetch(app core.App, info *core.RequestInfo) core.ExpandFetchFunc {
	expandInfo := *info
	expandInfo.Context = core.RequestInfoContextExpand
	return func(rel *core.Collection, ids []string) ([]*core.Record, error) {
		records, err := app.FindRecordsByIds(rel.Id, ids, func(q *dbx.SelectQuery) error {
			if expandInfo.Auth != nil && expandInfo.Auth.IsSuperuser() {
				return nil
			}
			if rel.ViewRule == nil {
				return fmt.Errorf("only superusers can view collection %q records", rel.Name)
			}
			if *rel.ViewRule == "" {
				return nil
			}
			resolver := core.NewRecordFieldResolver(app, rel, &expandInfo, true)
			expr, err := search.FilterData(*rel.ViewRule).BuildExpr(resolver)
			if err != nil {
				return err
			}
			q.AndWhere(expr)
			return resolver.UpdateQuery(q)
		})
		if err != nil {
			return nil, fmt.Errorf("failed to load %s to expand: %w", rel.Name, err)
		}
		if rel.IsAuth() && expandInfo.Auth != nil {
			for _, r := range records {
				if r.Id == expandInfo.Auth.Id && r.Collection().Id == expandInfo.Auth.Collection().Id {
					r.IgnoreEmailVisibility(true)
				}
			}
		}
		if err := enrich(app, &expandInfo, records, nil); err != nil {
			return nil, err
		}
		return records, nil
	}
}

// pick applies a subscription's ?fields= option.
func pick(record *core.Record, fields string) (any, error) {
	return picker.Pick(record, fields)
}
