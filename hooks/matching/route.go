package matching

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// Page sizes of GET /api/peerbase/wants/{id}/offers.
const (
	defaultLimit = 20
	maxLimit     = 100
)

// ranked is one offer in a want's answer.
type ranked struct {
	id          string
	rec         *core.Record // loaded for the page only
	score       float64
	explanation string
}

// wantOffers answers GET /api/peerbase/wants/{id}/offers: the active offers
// that match the caller's want now, best first, with score and explanation,
// in cursor pages. Someone else's want is a 404, as if it did not exist.
func (s *service) wantOffers(e *core.RequestEvent) error {
	want, err := e.App.FindRecordById(schema.Wants, e.Request.PathValue("id"))
	if err != nil || want.GetString(schema.FieldOwner) != e.Auth.Id {
		return e.NotFoundError("", nil)
	}
	q := e.Request.URL.Query()
	limit := defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return e.BadRequestError("Invalid page size.", validation.Errors{"limit": validation.NewError(
				"validation_invalid_limit", fmt.Sprintf("Give a whole number from 1 to %d.", maxLimit))})
		}
		limit = n
	}
	var after *cursor
	if v := q.Get("after"); v != "" {
		c, err := parseCursor(v)
		if err != nil {
			return e.BadRequestError("Invalid cursor.", validation.Errors{"after": validation.NewError(
				"validation_invalid_cursor", "Use the next value of a previous page.")})
		}
		after = c
	}

	w := WantFromRecord(want)
	items, err := s.rank(e.App, w, time.Now())
	if err != nil {
		return e.InternalServerError("Failed to find the matching offers.", err)
	}
	if after != nil {
		i, _ := slices.BinarySearchFunc(items, *after, func(r ranked, c cursor) int { return c.compare(r) })
		items = items[i:]
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		next = cursor{score: last.score, id: last.id}.String()
	}
	pageIDs := make([]string, len(items))
	for i, it := range items {
		pageIDs[i] = it.id
	}
	found, err := e.App.FindRecordsByIds(schema.Offers, pageIDs)
	if err != nil {
		return e.InternalServerError("Failed to load the offers.", err)
	}
	byID := make(map[string]*core.Record, len(found))
	for _, r := range found {
		byID[r.Id] = r
	}
	recs := make([]*core.Record, 0, len(items))
	kept := items[:0]
	for _, it := range items {
		// an offer deleted since it was ranked drops out of its page
		if r := byID[it.id]; r != nil {
			it.rec = r
			recs = append(recs, r)
			kept = append(kept, it)
		}
	}
	items = kept
	if err := apis.EnrichRecords(e, recs); err != nil {
		return e.InternalServerError("Failed to prepare the offers.", err)
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		m := it.rec.PublicExport()
		m["score"] = it.score
		m["explanation"] = it.explanation
		out[i] = m
	}
	return e.JSON(200, map[string]any{"items": out, "next": next})
}

// rank returns the active offers that match w now, best first (score, then
// id). Others' offers only, not from people blocked either way. Every
// candidate is ranked: the candidates are read through an index in batches
// of Config.RankBatch (see candidateScans), and only those that match are
// kept, without their records.
func (s *service) rank(app core.App, w *Want, now time.Time) ([]ranked, error) {
	parents := s.index.Parents()
	blocked, err := blockedWith(app, w.Owner)
	if err != nil {
		return nil, err
	}
	// a suspended person's offers are hidden from others, as by the offers rule
	var suspended []string
	err = app.DB().Select("id").From(schema.Users).
		Where(dbx.NewExp("[[suspended_until]] != '' AND [[suspended_until]] > {:now}",
			dbx.Params{"now": now.UTC().Format("2006-01-02 15:04:05.000Z")})).Column(&suspended)
	if err != nil {
		return nil, fmt.Errorf("failed to load the suspended people: %w", err)
	}
	for _, id := range suspended {
		blocked[id] = true
	}
	var out []ranked
	for _, sc := range candidateScans(w, parents) {
		err := sc.each(app, s.cfg.RankBatch, func(r *core.Record) {
			o := OfferFromRecord(r)
			if blocked[o.Owner] || !w.Accepts(o, parents) {
				return
			}
			score, why := Explain(w, o, now)
			out = append(out, ranked{id: r.Id, score: score, explanation: why})
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b ranked) int {
		if a.score != b.score {
			return -cmpFloat(a.score, b.score)
		}
		return strings.Compare(a.id, b.id)
	})
	return out, nil
}

// latExpr is the latitude of an offer as idx_offers_status_lat indexes it
// (SQLite uses an expression index only for the same expression).
const latExpr = "json_extract([[location]], '$.lat')"

// scan is one index-backed read of candidate offers: the active offers in a
// band of latitude around a located want (idx_offers_status_lat), or those
// of one category (idx_offers_category_status_created, newest first), or
// all of them (idx_offers_status_created, newest first), with the want's
// other filters (categories, kinds, the box around its circle, not its
// owner's) applied to the rows the index yields.
type scan struct {
	category string // "" with byLat or for all categories
	byLat    bool
	minLat   float64 // the band, with byLat
	maxLat   float64
	filters  []dbx.Expression
}

// candidateScans chooses how the offers that may match w are read: a
// latitude band around a located want, else one scan per category at or
// below the want's, else every active offer.
func candidateScans(w *Want, parents map[string]string) []scan {
	filters := []dbx.Expression{dbx.Not(dbx.HashExp{schema.FieldOwner: w.Owner})}
	if len(w.Kinds) > 0 {
		filters = append(filters, dbx.In(schema.FieldKind, anySlice(w.Kinds)...))
	}
	// a box around the circle narrows the read; the exact rule follows
	dLat := (w.radius() + 1) / EarthRadiusKm * 180 / math.Pi
	if w.HasLocation {
		if c := math.Cos((math.Abs(w.Lat) + dLat) * math.Pi / 180); c > 0.05 {
			dLon := dLat / c
			if w.Lon-dLon > -180 && w.Lon+dLon < 180 {
				filters = append(filters, dbx.NewExp("json_extract([[location]], '$.lon') BETWEEN {:minLon} AND {:maxLon}",
					dbx.Params{"minLon": w.Lon - dLon, "maxLon": w.Lon + dLon}))
			}
		}
	}
	switch {
	case w.HasLocation:
		// a band of 2×(radius+1) km of latitude holds far fewer offers
		// than most categories do
		if w.Category != "" {
			filters = append(filters, dbx.In(schema.FieldCategory, anySlice(descendants(w.Category, parents))...))
		}
		return []scan{{byLat: true, minLat: w.Lat - dLat, maxLat: w.Lat + dLat, filters: filters}}
	case w.Category != "":
		cats := descendants(w.Category, parents)
		slices.Sort(cats)
		out := make([]scan, len(cats))
		for i, c := range cats {
			out[i] = scan{category: c, filters: filters}
		}
		return out
	}
	return []scan{{filters: filters}}
}

func anySlice(list []string) []any {
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out
}

// each calls fn with every offer the scan yields, reading batch rows at a
// time in the index's order (keyset pagination: each batch starts after the
// last row of the one before, so no row is skipped or read twice however
// many there are).
func (sc scan) each(app core.App, batch int, fn func(*core.Record)) error {
	var lastKey any
	lastID := ""
	for {
		q := app.RecordQuery(schema.Offers).
			AndWhere(dbx.HashExp{schema.FieldStatus: schema.StatusActive})
		if sc.category != "" {
			q = q.AndWhere(dbx.HashExp{schema.FieldCategory: sc.category})
		}
		for _, f := range sc.filters {
			q = q.AndWhere(f)
		}
		key := "[[created]]"
		if sc.byLat {
			// one lower bound, so that the index search starts after the
			// last batch rather than at the band's edge
			key = latExpr
			lo := any(sc.minLat)
			if lastID != "" {
				lo = lastKey
				q = q.AndWhere(dbx.NewExp("("+key+" > {:k} OR [[id]] > {:id})", dbx.Params{"k": lastKey, "id": lastID}))
			}
			q = q.AndWhere(dbx.NewExp(key+" >= {:lo} AND "+key+" <= {:hi}", dbx.Params{"lo": lo, "hi": sc.maxLat})).
				OrderBy(key+" ASC", "[[id]] ASC")
		} else {
			q = q.OrderBy(key+" DESC", "[[id]] DESC")
			if lastID != "" {
				q = q.AndWhere(dbx.NewExp(key+" <= {:k} AND ("+key+" < {:k} OR [[id]] < {:id})",
					dbx.Params{"k": lastKey, "id": lastID}))
			}
		}
		var recs []*core.Record
		if err := q.Limit(int64(batch)).All(&recs); err != nil {
			return fmt.Errorf("failed to load the candidate offers: %w", err)
		}
		for _, r := range recs {
			fn(r)
		}
		if len(recs) < batch {
			return nil
		}
		last := recs[len(recs)-1]
		lastID = last.Id
		if sc.byLat {
			lastKey = last.GetGeoPoint(schema.FieldLocation).Lat
		} else {
			lastKey = last.GetDateTime(schema.FieldCreated).String()
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// descendants returns a category and every category below it.
func descendants(cat string, parents map[string]string) []string {
	out := []string{cat}
	for c := range parents {
		if c != cat && slices.Contains(ancestors(c, parents), cat) {
			out = append(out, c)
		}
	}
	return out
}

// cursor is the position after the last item of a page: items are ordered
// by score (highest first), then id.
type cursor struct {
	score float64
	id    string
}

// compare orders r relative to the cursor: below 0 when r comes before it
// or is it, so that a binary search finds the first item after it.
func (c cursor) compare(r ranked) int {
	switch {
	case r.score > c.score:
		return -1
	case r.score < c.score:
		return 1
	case r.id <= c.id:
		return -1
	}
	return 1
}

// String is the opaque form of the cursor handed to clients as next.
func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatFloat(c.score, 'g', -1, 64) + "|" + c.id))
}

func parseCursor(s string) (*cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	score, id, ok := strings.Cut(string(raw), "|")
	if !ok || id == "" {
		return nil, fmt.Errorf("malformed cursor")
	}
	f, err := strconv.ParseFloat(score, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("malformed cursor score")
	}
	return &cursor{score: f, id: id}, nil
}
