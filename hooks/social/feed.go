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
// list rule for someone who isn't the owner), spelled exactly as the
// feed index's WHERE so that SQLite can use the partial index.
const visibleStatus = "o.[[status]] NOT IN ('draft', 'hidden')"

// Feed returns the ids of the newest visible offers of the people follower
// follows, after the cursor (nil: from the newest), at most limit, and the
// cursor of the next page ("" when this is the last).
//
// One query: for each followed person SQLite reads a range of the partial
// index idx_offers_feed (owner, created, id over visible offers), never
// the table, and keeps the newest limit+1 in its sorter.
func Feed(app core.App, follower string, after *FeedCursor, limit int) (ids []string, next string, err error) {
	params := dbx.Params{"me": follower, "n": limit + 1}
	where := ""
	if after != nil {
		where = " AND (o.[[created]] < {:c} OR (o.[[created]] = {:c} AND o.[[id]] < {:id}))"
		params["c"], params["id"] = after.Created, after.ID
	}
	var rows []struct {
		ID      string `db:"id"`
		Created string `db:"created"`
	}
	err = app.DB().NewQuery("SELECT o.[[id]] AS id, o.[[created]] AS created " +
		"FROM {{" + schema.Follows + "}} f JOIN {{" + schema.Offers + "}} o INDEXED BY idx_offers_feed ON o.[[owner]] = f.[[" + schema.FollowFollowee + "]] " +
		"WHERE f.[[" + schema.FollowFollower + "]] = {:me} AND " + visibleStatus + where +
		" ORDER BY o.[[created]] DESC, o.[[id]] DESC LIMIT {:n}").Bind(params).All(&rows)
	if err != nil {
		return nil, "", fmt.Errorf("failed to read the following feed: %w", err)
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
