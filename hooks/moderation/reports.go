package moderation

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

// ActorThreshold is the moderation_log actor of the automatic hiding.
const ActorThreshold = "system:threshold"

// BannedUntil is the suspension date of a ban: a far date, for good.
var BannedUntil = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// cascadeKey marks the saves of the other open reports a resolution closes,
// so they are not carried out once more.
type cascadeKey struct{}

// reportCreated hides an offer or a want, in the report's transaction, once
// ReportThreshold distinct people have open reports about it, and tells its
// owner why.
func (s *service) reportCreated(e *core.RecordEvent) error {
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := e.Next(); err != nil {
			return err
		}
		if s.cfg.ReportThreshold <= 0 || e.Record.GetString(schema.ReportStatus) != schema.ReportOpen {
			return nil
		}
		coll, id := e.Record.GetString(schema.ReportTargetColl), e.Record.GetString(schema.ReportTargetID)
		if coll != schema.Offers && coll != schema.Wants {
			return nil
		}
		n, err := openReporters(tx, coll, id)
		if err != nil {
			return err
		}
		if n < s.cfg.ReportThreshold {
			return nil
		}
		target, err := tx.FindRecordById(coll, id)
		if err != nil {
			return nil // gone meanwhile: nothing to hide
		}
		if isHidden(target) {
			return nil
		}
		before, err := hide(tx, target)
		if err != nil {
			return err
		}
		if err := writeLog(tx, schema.ModHide, coll, id, ActorThreshold,
			fmt.Sprintf("%d people reported it", n), map[string]any{"status_before": before, "reporters": n}); err != nil {
			return err
		}
		return tell(tx, ownerOf(target), msgHiddenByReports, target, "")
	})
}

// openReporters counts the distinct people with an open report of a target.
func openReporters(app core.App, coll, id string) (int, error) {
	var n int
	err := app.RecordQuery(schema.Reports).Select("COUNT(DISTINCT [[reporter]])").
		AndWhere(dbx.HashExp{schema.ReportTargetColl: coll, schema.ReportTargetID: id, schema.ReportStatus: schema.ReportOpen}).
		Row(&n)
	if err != nil {
		return 0, fmt.Errorf("failed to count the reporters: %w", err)
	}
	return n, nil
}

// recordResolver keeps who resolved a report (only superusers update
// reports), for the report and its moderation_log entry.
func recordResolver(e *core.RecordRequestEvent) error {
	if e.Record.GetString(schema.ReportAction) != e.Record.Original().GetString(schema.ReportAction) && e.Auth != nil {
		e.Record.Set(schema.ReportResolvedBy, e.Auth.Email())
	}
	return e.Next()
}

// reportUpdated carries out the action a superuser chose on an open report,
// in the report's transaction: the target changes, every open report of it
// closes with the same resolution, a moderation_log entry says who, what
// and why, and the target's owner is told.
func (s *service) reportUpdated(e *core.RecordEvent) error {
	action := e.Record.GetString(schema.ReportAction)
	prev := e.Record.Original().GetString(schema.ReportAction)
	if action == prev || e.Context.Value(cascadeKey{}) != nil {
		return e.Next()
	}
	if prev != "" || e.Record.Original().GetString(schema.ReportStatus) != schema.ReportOpen {
		return validation.Errors{schema.ReportAction: validation.NewError("validation_report_closed",
			"This report is already resolved; its action can't change.")}
	}
	if action == "" {
		return e.Next()
	}
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		status := schema.ReportResolved
		if action == schema.ModDismiss {
			status = schema.ReportDismissed
		}
		e.Record.Set(schema.ReportStatus, status)
		if err := s.carryOut(tx, e.Record); err != nil {
			return err
		}
		if err := e.Next(); err != nil {
			return err
		}
		others, err := tx.FindAllRecords(schema.Reports, dbx.HashExp{
			schema.ReportTargetColl: e.Record.GetString(schema.ReportTargetColl),
			schema.ReportTargetID:   e.Record.GetString(schema.ReportTargetID),
			schema.ReportStatus:     schema.ReportOpen,
		})
		if err != nil {
			return fmt.Errorf("failed to find the other open reports: %w", err)
		}
		ctx := context.WithValue(e.Context, cascadeKey{}, true)
		for _, r := range others {
			if r.Id == e.Record.Id {
				continue
			}
			for _, f := range []string{schema.ReportAction, schema.ReportResolution, schema.ReportResolvedBy} {
				r.Set(f, e.Record.Get(f))
			}
			r.Set(schema.ReportStatus, status)
			if err := tx.SaveWithContext(ctx, r); err != nil {
				return fmt.Errorf("failed to close report %s: %w", r.Id, err)
			}
		}
		return nil
	})
}

// carryOut applies report's action to its target and logs it.
func (s *service) carryOut(tx core.App, report *core.Record) error {
	action := report.GetString(schema.ReportAction)
	coll, id := report.GetString(schema.ReportTargetColl), report.GetString(schema.ReportTargetID)
	note := report.GetString(schema.ReportResolution)
	actor := report.GetString(schema.ReportResolvedBy)
	if actor == "" {
		actor = "system"
	}
	actionErr := func(msg string) error {
		return validation.Errors{schema.ReportAction: validation.NewError("validation_action_not_applicable", msg)}
	}
	data := map[string]any{"report": report.Id}

	target, err := tx.FindRecordById(coll, id)
	if err != nil {
		if action == schema.ModDismiss || action == schema.ModDelete {
			// already gone: closing the reports is all there is to do
			return writeLog(tx, action, coll, id, actor, note, data)
		}
		return actionErr("The reported record no longer exists: dismiss the report.")
	}
	owner := ownerOf(target)
	data["owner"] = owner
	hideable := coll == schema.Offers || coll == schema.Wants

	switch action {
	case schema.ModDismiss:
		// unfounded reports: a target the threshold hid comes back
		if hideable && isHidden(target) {
			if last := lastHide(tx, target); last != nil && last.GetString(schema.ModActor) == ActorThreshold {
				if err := unhide(tx, target, last); err != nil {
					return err
				}
				data["restored"] = true
				if err := tell(tx, owner, msgRestored, target, note); err != nil {
					return err
				}
			}
		}
	case schema.ModHide:
		if !hideable {
			return actionErr("Only offers and wants can be hidden: delete it, warn or ban its author.")
		}
		if !isHidden(target) {
			before, err := hide(tx, target)
			if err != nil {
				return err
			}
			data["status_before"] = before
		}
		if err := tell(tx, owner, msgHidden, target, note); err != nil {
			return err
		}
	case schema.ModUnhide:
		if !hideable {
			return actionErr("Only offers and wants can be unhidden.")
		}
		if isHidden(target) {
			if err := unhide(tx, target, lastHide(tx, target)); err != nil {
				return err
			}
			if err := tell(tx, owner, msgRestored, target, note); err != nil {
				return err
			}
		}
	case schema.ModDelete:
		if coll == schema.Users {
			return actionErr("A person is not deleted from a report: ban them instead.")
		}
		data["snapshot"] = target.PublicExport()
		if err := tell(tx, owner, msgDeleted, target, note); err != nil {
			return err
		}
		if err := tx.Delete(target); err != nil {
			return actionErr("The record can't be deleted now: " + err.Error())
		}
	case schema.ModWarn:
		if err := tell(tx, owner, msgWarned, target, note); err != nil {
			return err
		}
	case schema.ModBan:
		user, err := tx.FindRecordById(schema.Users, owner)
		if err != nil {
			return actionErr("The person who wrote it no longer exists.")
		}
		until := BannedUntil
		user.Set(schema.UserSuspendedUntil, until)
		if err := tx.Save(user); err != nil {
			return fmt.Errorf("failed to suspend %s: %w", owner, err)
		}
		data["suspended_until"] = until
		if _, err := notify.Send(tx, notify.Notification{User: owner, Type: schema.NotifyModeration, Key: msgSuspended,
			Args: map[string]string{"until": until.Format("2006-01-02"), "note": note}}); err != nil {
			return err
		}
	default:
		return actionErr("Unknown action.")
	}
	return writeLog(tx, action, coll, id, actor, note, data)
}

// isHidden tells whether moderation hides an offer or a want.
func isHidden(r *core.Record) bool {
	if r.Collection().Name == schema.Offers {
		return r.GetString(schema.FieldStatus) == schema.StatusHidden
	}
	return r.GetBool(schema.WantHidden)
}

// hide hides an offer (status hidden) or a want (its moderation flag) and
// returns the offer's status before.
func hide(tx core.App, r *core.Record) (string, error) {
	before := ""
	if r.Collection().Name == schema.Offers {
		before = r.GetString(schema.FieldStatus)
		r.Set(schema.FieldStatus, schema.StatusHidden)
	} else {
		r.Set(schema.WantHidden, true)
	}
	if err := tx.Save(r); err != nil {
		return "", fmt.Errorf("failed to hide %s %s: %w", r.Collection().Name, r.Id, err)
	}
	return before, nil
}

// unhide brings back what hide hid: an offer gets the status it had before
// (from the hide's log entry), or active.
func unhide(tx core.App, r *core.Record, last *core.Record) error {
	if r.Collection().Name == schema.Offers {
		status := schema.StatusActive
		if last != nil {
			var data map[string]any
			_ = last.UnmarshalJSONField(schema.ModData, &data)
			if s, _ := data["status_before"].(string); s != "" && s != schema.StatusHidden && slices.Contains(schema.OfferStatuses, s) {
				status = s
			}
		}
		r.Set(schema.FieldStatus, status)
	} else {
		r.Set(schema.WantHidden, false)
	}
	if err := tx.Save(r); err != nil {
		return fmt.Errorf("failed to unhide %s %s: %w", r.Collection().Name, r.Id, err)
	}
	return nil
}

// lastHide finds the newest hide entry of a target in moderation_log, or
// nil.
func lastHide(app core.App, r *core.Record) *core.Record {
	recs, err := app.FindRecordsByFilter(schema.ModerationLog,
		"target_collection = {:c} && target_id = {:id} && action = {:a}", "-created,-id", 1, 0,
		dbx.Params{"c": r.Collection().Name, "id": r.Id, "a": schema.ModHide})
	if err != nil || len(recs) == 0 {
		return nil
	}
	return recs[0]
}

// ownerOf names the person responsible for a reportable record.
func ownerOf(r *core.Record) string {
	switch r.Collection().Name {
	case schema.Users:
		return r.Id
	case schema.Messages:
		return r.GetString(schema.MessageAuthor)
	case schema.Reviews:
		return r.GetString(schema.ReviewAuthor)
	default:
		return r.GetString(schema.FieldOwner)
	}
}

// what names a record for its owner.
func what(r *core.Record) (kind, title string) {
	switch r.Collection().Name {
	case schema.Offers:
		return "offer", r.GetString(schema.OfferTitle)
	case schema.Wants:
		return "want", r.GetString(schema.WantQuery)
	case schema.Messages:
		return "message", clip(r.GetString(schema.MessageBody), 60)
	case schema.Reviews:
		return "review", clip(r.GetString(schema.ReviewText), 60)
	default:
		return "profile", r.GetString(schema.UserName)
	}
}

func clip(s string, n int) string {
	if rs := []rune(s); len(rs) > n {
		return string(rs[:n-1]) + "…"
	}
	return s
}

// tell sends the owner of target a moderation notification.
func tell(tx core.App, owner, key string, target *core.Record, note string) error {
	if owner == "" {
		return nil
	}
	kind, title := what(target)
	link := ""
	if kind == "offer" {
		link = "/offers/" + target.Id
	}
	_, err := notify.Send(tx, notify.Notification{User: owner, Type: schema.NotifyModeration, Key: key,
		Args: map[string]string{"what": kind, "title": title, "note": note}, Link: link,
		Data: map[string]any{"collection": target.Collection().Name, "id": target.Id}})
	return err
}

// writeLog writes a moderation_log entry: who did what to which record, why.
func writeLog(tx core.App, action, coll, id, actor, note string, data map[string]any) error {
	c, err := tx.FindCachedCollectionByNameOrId(schema.ModerationLog)
	if err != nil {
		return err
	}
	l := core.NewRecord(c)
	l.Set(schema.ModAction, action)
	l.Set(schema.ModTargetColl, coll)
	l.Set(schema.ModTargetID, id)
	l.Set(schema.ModActor, actor)
	l.Set(schema.ModNote, note)
	l.Set(schema.ModData, data)
	if err := tx.Save(l); err != nil {
		return fmt.Errorf("failed to write the moderation log: %w", err)
	}
	return nil
}
