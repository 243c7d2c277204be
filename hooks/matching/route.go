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

// Page sizes of GET /api/peerbase/wants/{id}/offers, and how many of the
// newest candidate offers (after the database's category, kind and box
// filters) are ranked.
const (
	defaultLimit  = 20
	maxLimit      = 100
	maxCandidates = 5000
)

// ranked is one offer in a want's answer.
type ranked struct {
	rec         *core.Record
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
		next = cursor{score: last.score, id: last.rec.Id}.String()
	}
	recs := make([]*core.Record, len(items))
	for i, it := range items {
		recs[i] = it.rec
	}
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
// id). Others' offers only, not from people blocked either way.
func (s *service) rank(app core.App, w *Want, now time.Time) ([]ranked, error) {
	parents := s.index.Parents()
	q := app.RecordQuery(schema.Offers).
		AndWhere(dbx.HashExp{schema.FieldStatus: schema.StatusActive}).
		AndWhere(dbx.Not(dbx.HashExp{schema.FieldOwner: w.Owner})).
		// a suspended person's offers are hidden from others, as by the offers rule
		AndWhere(dbx.NewExp("[[owner]] NOT IN (SELECT [[id]] FROM {{users}} WHERE [[suspended_until]] != '' AND [[suspended_until]] > {:suspendedNow})",
			dbx.Params{"suspendedNow": now.UTC().Format("2006-01-02 15:04:05.000Z")}))
	if w.Category != "" {
		var cats []any
		for _, c := range descendants(w.Category, parents) {
			cats = append(cats, c)
		}
		q = q.AndWhere(dbx.In(schema.FieldCategory, cats...))
	}
	if len(w.Kinds) > 0 {
		kinds := make([]any, len(w.Kinds))
		for i, k := range w.Kinds {
			kinds[i] = k
		}
		q = q.AndWhere(dbx.In(schema.FieldKind, kinds...))
	}
	if w.HasLocation {
		// a box around the circle narrows the scan; the exact rule follows
		dLat := (w.radius() + 1) / EarthRadiusKm * 180 / math.Pi
		q = q.AndWhere(dbx.NewExp("json_extract(location, '$.lat') BETWEEN {:minLat} AND {:maxLat}",
			dbx.Params{"minLat": w.Lat - dLat, "maxLat": w.Lat + dLat}))
		if c := math.Cos((math.Abs(w.Lat) + dLat) * math.Pi / 180); c > 0.05 {
			dLon := dLat / c
			if w.Lon-dLon > -180 && w.Lon+dLon < 180 {
				q = q.AndWhere(dbx.NewExp("json_extract(location, '$.lon') BETWEEN {:minLon} AND {:maxLon}",
					dbx.Params{"minLon": w.Lon - dLon, "maxLon": w.Lon + dLon}))
			}
		}
	}
	var recs []*core.Record
	if err := q.OrderBy("created DESC").Limit(maxCandidates).All(&recs); err != nil {
		return nil, fmt.Errorf("failed to load the candidate offers: %w", err)
	}
	blocked, err := blockedWith(app, w.Owner)
	if err != nil {
		return nil, err
	}
	var out []ranked
	for _, r := range recs {
		o := OfferFromRecord(r)
		if blocked[o.Owner] || !w.Accepts(o, parents) {
			continue
		}
		score, why := Explain(w, o, now)
		out = append(out, ranked{rec: r, score: score, explanation: why})
	}
	slices.SortFunc(out, func(a, b ranked) int {
		if a.score != b.score {
			return -cmpFloat(a.score, b.score)
		}
		return strings.Compare(a.rec.Id, b.rec.Id)
	})
	return out, nil
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
	case r.rec.Id <= c.id:
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
