package changes

import (
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/list"
	"github.com/pocketbase/pocketbase/tools/search"

	"peerbase/hooks/schema"
)

// Item is one entry of a sync answer: a record's latest change, with the
// record as the records API shows it to the caller, or no record for a
// deletion (or a record the caller can no longer see, reported as deleted).
type Item struct {
	Seq        int64        `json:"seq"`
	Collection string       `json:"collection"`
	Action     string       `json:"action"`
	ID         string       `json:"id"`
	Record     *core.Record `json:"record"`
}

// Answer is the body of GET /api/peerbase/sync.
type Answer struct {
	Items  []Item `json:"items"`
	Cursor string `json:"cursor"`
	More   bool   `json:"more"`
}

// sync handles GET /api/peerbase/sync?since=<cursor>&limit=<n>: the
// caller's changes after the cursor, oldest first. Without since it answers
// the current cursor and no items: an app that has just loaded everything
// starts from there.
func (s *service) sync(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	limit, err := ParseLimit(q.Get("limit"), s.cfg.DefaultLimit, s.cfg.MaxLimit)
	if err != nil {
		return e.BadRequestError("Invalid limit.", validation.Errors{
			"limit": validation.NewError("validation_invalid_limit", "The limit must be a whole number of at least 1."),
		})
	}
	var since int64
	if raw := q.Get("since"); raw != "" {
		if since, err = DecodeCursor(raw); err != nil {
			return e.BadRequestError("Invalid cursor.", validation.Errors{
				"since": validation.NewError("validation_invalid_cursor", "The cursor must be one this server answered, unchanged."),
			})
		}
	}

	// the head first: rows at or below it have all committed (the sequence
	// is taken inside each write transaction), so reading up to it leaves
	// no hole for a later commit to fill
	st, err := readState(e.App.DB())
	if err != nil {
		return e.InternalServerError("", err)
	}
	if q.Get("since") == "" {
		return e.JSON(http.StatusOK, Answer{Items: []Item{}, Cursor: EncodeCursor(st.Seq)})
	}
	if since < st.Floor || since > st.Seq {
		return gone(since > st.Seq)
	}

	var rows []Row
	err = e.App.DB().NewQuery("SELECT seq, record_collection, record_id, action FROM " + schema.ChangeLog +
		" WHERE recipient = {:me} AND seq > {:since} AND seq <= {:head} ORDER BY seq LIMIT {:n}").
		Bind(dbx.Params{"me": e.Auth.Id, "since": since, "head": st.Seq, "n": limit + 1}).All(&rows)
	if err != nil {
		return e.InternalServerError("", fmt.Errorf("failed to read the change log: %w", err))
	}
	// a prune may have run since the head was read: the rows it dropped
	// could be ones this answer needed
	if after, err := readState(e.App.DB()); err != nil {
		return e.InternalServerError("", err)
	} else if since < after.Floor {
		return gone(false)
	}

	page, cursor, more := Page(rows, limit, st.Seq)
	items, err := s.resolve(e, page)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, Answer{Items: items, Cursor: EncodeCursor(cursor), More: more})
}

// gone is the 410 of a cursor the log can no longer answer: the app must
// load everything again and start over from a fresh cursor.
func gone(unknown bool) error {
	msg := "The cursor is older than the change log keeps: reload everything, then sync from a new cursor."
	if unknown {
		msg = "The cursor is not one of this server's: reload everything, then sync from a new cursor."
	}
	return apis.NewApiError(http.StatusGone, msg, validation.Errors{
		"since": validation.NewError("validation_cursor_expired", msg),
	})
}

// resolve turns log rows into items: each record loaded as it is now,
// checked against its collection's view rule for the caller and enriched as
// the records API would (hidden fields, the caller's own private fields).
// A record that is gone or that the caller may not see is a delete.
func (s *service) resolve(e *core.RequestEvent, rows []Row) ([]Item, error) {
	info, err := e.RequestInfo()
	if err != nil {
		return nil, err
	}
	items := make([]Item, len(rows))
	wanted := map[string][]string{} // collection -> ids
	for i, r := range rows {
		items[i] = Item{Seq: r.Seq, Collection: r.Collection, Action: r.Action, ID: r.RecordID}
		if r.Action != schema.ActionDelete {
			wanted[r.Collection] = append(wanted[r.Collection], r.RecordID)
		}
	}
	found := map[string]*core.Record{} // collection/id -> visible record
	for name, ids := range wanted {
		coll, err := e.App.FindCachedCollectionByNameOrId(name)
		if err != nil {
			continue // a collection dropped since: nothing of it can be shown
		}
		visible, err := findVisible(e.App, coll, info, ids)
		if err != nil {
			return nil, fmt.Errorf("failed to load changed %s: %w", name, err)
		}
		if err := apis.EnrichRecords(e, visible); err != nil {
			return nil, fmt.Errorf("failed to enrich changed %s: %w", name, err)
		}
		for _, r := range visible {
			found[name+"/"+r.Id] = r
		}
	}
	for i := range items {
		if items[i].Action == schema.ActionDelete {
			continue
		}
		if r := found[items[i].Collection+"/"+items[i].ID]; r != nil {
			items[i].Record = r
		} else {
			items[i].Action = schema.ActionDelete
		}
	}
	return items, nil
}

// findVisible loads the records of coll with the given ids that the caller
// of info may view: CanAccessRecord's check (superusers see all, a nil rule
// no one else, an empty rule everyone, otherwise the rule as a filter with
// the same resolver) for a whole page in one query instead of one per
// record. TestFindVisibleAgreesWithCanAccessRecord holds it to that.
func findVisible(app core.App, coll *core.Collection, info *core.RequestInfo, ids []string) ([]*core.Record, error) {
	if coll.ViewRule == nil && !info.HasSuperuserAuth() {
		return nil, nil
	}
	query := app.RecordQuery(coll).AndWhere(dbx.In(coll.Name+".id", list.ToInterfaceSlice(ids)...))
	if !info.HasSuperuserAuth() && *coll.ViewRule != "" {
		resolver := core.NewRecordFieldResolver(app, coll, info, true)
		expr, err := search.FilterData(*coll.ViewRule).BuildExpr(resolver)
		if err != nil {
			return nil, fmt.Errorf("failed to build the view rule of %s: %w", coll.Name, err)
		}
		if err := resolver.UpdateQuery(query); err != nil {
			return nil, err
		}
		query.AndWhere(expr)
	}
	var records []*core.Record
	if err := query.All(&records); err != nil {
		return nil, err
	}
	return records, nil
}
