package social

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// Page sizes of the following feed.
const (
	DefaultFeedLimit = 20
	MaxFeedLimit     = 100
)

// FeedCursor is the position after the last offer of a feed page: offers
// come newest first by created, then by id (descending), an order in which
// an offer inserted later always sorts before every cursor already handed
// out, so paging on never skips or repeats one.
type FeedCursor struct {
	Created string
	ID      string
}

// String is the opaque form of the cursor handed to clients as next.
func (c FeedCursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.Created + "|" + c.ID))
}

// ParseFeedCursor reads a cursor made by String.
func ParseFeedCursor(s string) (FeedCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return FeedCursor{}, err
	}
	created, id, ok := strings.Cut(string(raw), "|")
	if !ok || created == "" || id == "" || len(created) > 40 || len(id) > 40 {
		return FeedCursor{}, errors.New("malformed cursor")
	}
	return FeedCursor{Created: created, ID: id}, nil
}

// visibleStatus is the condition of the offers anyone may see (the offers
// list rule for someone who isn't the owner), spelled exactly as the feed
// indexes' WHERE so that SQLite can use the partial indexes.
const visibleStatus = "o.[[status]] NOT IN ('draft', 'hidden')"

// FeedWindow is how many of the newest visible offers (after the cursor)
// a feed page is first looked for among.
const FeedWindow = 1000

type feedRow struct {
	ID      string `db:"id"`
	Created string `db:"created"`
}

// Feed returns the ids of the newest visible offers of the people follower
// follows, after the cursor (nil: from the newest), at most limit, and the
// cursor of the next page ("" when this is the last).
//
// Two plans, both reading indexes only (never the offers table) and never
// every offer: first the FeedWindow newest visible offers after the cursor
// are read in order from idx_offers_recent, keeping those whose owner the
// follower follows (a probe of a small in-memory set), which stops as soon
// as the page is full: with people who publish, a page costs a few hundred
// index entries. When the window doesn't fill the page (the people
// followed published little lately), the offers below the window are read
// per followed person from idx_offers_feed, one short range each, the
// newest limit kept by SQLite's sorter.
func Feed(app core.App, follower string, after *FeedCursor, limit int) (ids []string, next string, err error) {
	return feed(app, follower, after, limit, FeedWindow)
}

// feed is Feed with the window's size as a parameter, for tests of both plans.
func feed(app core.App, follower string, after *FeedCursor, limit, window int) (ids []string, next string, err error) {
	want := limit + 1
	rows, err := feedQuery(app, follower, after, want, window)
	if err != nil {
		return nil, "", err
	}
	if len(rows) < want {
		var bound []feedRow
		err := app.DB().NewQuery(boundQuery(after)).Bind(cursorParams(after, dbx.Params{"k": window - 1})).All(&bound)
		if err != nil {
			return nil, "", fmt.Errorf("failed to read the following feed: %w", err)
		}
		if len(bound) == 1 { // there is more below the window
			below := &FeedCursor{Created: bound[0].Created, ID: bound[0].ID}
			more, err := feedQuery(app, follower, below, want-len(rows), 0)
			if err != nil {
				return nil, "", err
			}
			rows = append(rows, more...)
		}
	}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = FeedCursor{Created: last.Created, ID: last.ID}.String()
	}
	ids = make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, next, nil
}

// feedQuery reads at most n offers of the people follower follows after
// the cursor, newest first: within the window newest visible offers, or
// below (window 0) from every followed person's own range.
func feedQuery(app core.App, follower string, after *FeedCursor, n, window int) ([]feedRow, error) {
	var rows []feedRow
	err := app.DB().NewQuery(feedSQL(after, window > 0)).
		Bind(cursorParams(after, dbx.Params{"me": follower, "n": n, "k": window})).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("failed to read the following feed: %w", err)
	}
	return rows, nil
}

// feedSQL is the query of feedQuery, within the window or below it.
func feedSQL(after *FeedCursor, window bool) string {
	followees := "SELECT [[" + schema.FollowFollowee + "]] FROM {{" + schema.Follows + "}} WHERE [[" + schema.FollowFollower + "]] = {:me}"
	if window {
		// the co-routine yields the window in index order: the outer
		// ORDER BY costs no sort, and the scan stops with the page
		return "SELECT w.id, w.created FROM (SELECT o.[[id]] AS id, o.[[created]] AS created, o.[[owner]] AS owner " +
			"FROM {{" + schema.Offers + "}} o INDEXED BY idx_offers_recent WHERE " + visibleStatus + cursorCond(after) +
			" ORDER BY o.[[created]] DESC, o.[[id]] DESC LIMIT {:k}) w WHERE w.owner IN (" + followees + ")" +
			" ORDER BY w.created DESC, w.id DESC LIMIT {:n}"
	}
	return "SELECT o.[[id]] AS id, o.[[created]] AS created FROM {{" + schema.Offers + "}} o INDEXED BY idx_offers_feed" +
		" WHERE o.[[owner]] IN (" + followees + ") AND " + visibleStatus + cursorCond(after) +
		" ORDER BY o.[[created]] DESC, o.[[id]] DESC LIMIT {:n}"
}

// boundQuery finds the last offer of the window (its {:k}th, from 0).
func boundQuery(after *FeedCursor) string {
	return "SELECT o.[[id]] AS id, o.[[created]] AS created FROM {{" + schema.Offers + "}} o INDEXED BY idx_offers_recent " +
		"WHERE " + visibleStatus + cursorCond(after) + " ORDER BY o.[[created]] DESC, o.[[id]] DESC LIMIT 1 OFFSET {:k}"
}

// cursorCond is the condition of the offers after the cursor, if any.
func cursorCond(after *FeedCursor) string {
	if after == nil {
		return ""
	}
	// a row value: SQLite turns it into a range of the index
	return " AND (o.[[created]], o.[[id]]) < ({:c}, {:id})"
}

func cursorParams(after *FeedCursor, p dbx.Params) dbx.Params {
	if after != nil {
		p["c"], p["id"] = after.Created, after.ID
	}
	return p
}

// feedPlans returns SQLite's plan of each of the feed's queries (tests
// check that they read the indexes, in order, without sorting).
func feedPlans(app core.App) (map[string][]string, error) {
	after := &FeedCursor{Created: "2030-01-01 00:00:00.000Z", ID: "zzzzzzzzzzzzzzz"}
	queries := map[string]string{"window": feedSQL(after, true), "below": feedSQL(after, false), "bound": boundQuery(after)}
	out := map[string][]string{}
	for name, q := range queries {
		var rows []struct {
			Detail string `db:"detail"`
		}
		err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + q).Bind(cursorParams(after, dbx.Params{"me": "x", "n": 21, "k": 1000})).All(&rows)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[name] = append(out[name], r.Detail)
		}
	}
	return out, nil
}

// feedRoute answers GET /api/peerbase/following?after=&limit=: the
// following feed as {"items", "next"}, items as the records API shows
// them to the caller (expand included).
func feedRoute(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	limit := DefaultFeedLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxFeedLimit {
			return e.BadRequestError("Invalid page size.", validation.Errors{"limit": validation.NewError(
				"validation_invalid_limit", fmt.Sprintf("Give a whole number from 1 to %d.", MaxFeedLimit))})
		}
		limit = n
	}
	var after *FeedCursor
	if v := q.Get("after"); v != "" {
		c, err := ParseFeedCursor(v)
		if err != nil {
			return e.BadRequestError("Invalid cursor.", validation.Errors{"after": validation.NewError(
				"validation_invalid_cursor", "Use the next value of a previous page.")})
		}
		after = &c
	}
	ids, next, err := Feed(e.App, e.Auth.Id, after, limit)
	if err != nil {
		return e.InternalServerError("Failed to read the following feed.", err)
	}
	recs, err := e.App.FindRecordsByIds(schema.Offers, ids)
	if err != nil {
		return e.InternalServerError("Failed to read the following feed.", err)
	}
	byID := make(map[string]*core.Record, len(recs))
	for _, r := range recs {
		byID[r.Id] = r
	}
	items := make([]*core.Record, 0, len(ids))
	for _, id := range ids {
		if r := byID[id]; r != nil {
			items = append(items, r)
		}
	}
	if err := apis.EnrichRecords(e, items); err != nil {
		return e.InternalServerError("Failed to prepare the offers.", err)
	}
	return e.JSON(200, map[string]any{"items": items, "next": next})
}
