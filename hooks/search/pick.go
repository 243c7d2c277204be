package search

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// A page is chosen in two steps. First the mirror (memory) gives the
// search's candidates in order: live, within the place and the filters,
// after the cursor, not of someone blocked either way; the words come from
// the FTS5 index, one query per word and column. Then one query loads the
// first candidates' records with the collection's list rule and the live
// condition applied by SQLite, as the records API applies them: a
// candidate the rule refuses (a suspended owner, a rule changed in the
// dashboard) is left out and the next one taken.

// cand is a candidate with its sort keys.
type cand struct {
	e     *entry
	dist  float64
	score float64
}

// before reports whether a comes before b in the search's order.
func (b *builder) before(a, c *cand) bool {
	switch b.p.sort {
	case SortRelevance:
		if a.score != c.score {
			return a.score > c.score
		}
		return a.e.n > c.e.n
	case SortDistance:
		if a.dist != c.dist {
			return a.dist < c.dist
		}
		return a.e.n < c.e.n
	case SortPrice:
		if a.e.price != c.e.price {
			return a.e.price < c.e.price
		}
		return a.e.n < c.e.n
	default: // newest
		if a.e.created != c.e.created {
			return a.e.created > c.e.created
		}
		return a.e.n > c.e.n
	}
}

// afterCursor reports whether c comes after the cursor's item.
func (b *builder) afterCursor(c *cand) bool {
	a := b.p.after
	if a == nil {
		return true
	}
	switch b.p.sort {
	case SortRelevance:
		return c.score < a.F || (c.score == a.F && c.e.n < a.N)
	case SortDistance:
		return c.dist > a.F || (c.dist == a.F && c.e.n > a.N)
	case SortPrice:
		return c.e.price > a.F || (c.e.price == a.F && c.e.n > a.N)
	default:
		return c.e.created < a.T || (c.e.created == a.T && c.e.n < a.N)
	}
}

// words are the documents holding every required word, with their
// relevance, less those holding an excluded word (nil: no word given).
type words struct {
	score map[int64]float64
}

// rowids runs an FTS5 match and returns the handles found, up to the
// snapshot: as one list, which SQLite joins faster than it hands over
// thousands of rows one by one.
func (b *builder) rowids(match string) ([]int64, error) {
	var list sql.NullString
	err := b.app.DB().NewQuery("SELECT group_concat(rowid) FROM " + b.t.ix.fts + " WHERE " + b.t.ix.fts + " MATCH {:m} AND rowid <= {:snap}").
		Bind(dbx.Params{"m": match, "snap": b.snap}).Row(&list)
	if err != nil {
		return nil, fmt.Errorf("failed to match words: %w", err)
	}
	var out []int64
	var n int64
	digits := false
	for i := 0; i < len(list.String); i++ {
		switch ch := list.String[i]; {
		case ch >= '0' && ch <= '9':
			n, digits = n*10+int64(ch-'0'), true
		case ch == ',':
			if digits {
				out = append(out, n)
			}
			n, digits = 0, false
		default:
			return nil, fmt.Errorf("failed to read the handles of a match: %q", ch)
		}
	}
	if digits {
		out = append(out, n)
	}
	return out, nil
}

// findWords scores the documents holding every required word: for each
// word, the weights of the columns holding it (the same relevance as the
// SQL of scoreSQL: it depends on the document alone).
func (b *builder) findWords() (*words, error) {
	if len(b.p.terms.Must) == 0 {
		return nil, nil
	}
	var score map[int64]float64
	for i, term := range b.p.terms.Must {
		mine := map[int64]float64{}
		for j, col := range columns {
			ns, err := b.rowids(ColumnExpr(col, term))
			if err != nil {
				return nil, err
			}
			for _, n := range ns {
				if i == 0 {
					mine[n] += float64(weights[j])
				} else if _, ok := score[n]; ok {
					mine[n] += float64(weights[j])
				}
			}
		}
		if i > 0 {
			for n, s := range mine {
				mine[n] = s + score[n]
			}
		}
		score = mine
	}
	for _, not := range b.p.terms.NotExprs() {
		ns, err := b.rowids(not)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			delete(score, n)
		}
	}
	return &words{score: score}, nil
}

// distanceKm is DistanceKm with the search point's cosine computed once.
func (b *builder) distanceKm(lat, lon float64) float64 {
	p2 := lat * math.Pi / 180
	dp, dl := p2-b.plat, (lon-b.p.lon)*math.Pi/180
	s1, s2 := math.Sin(dp/2), math.Sin(dl/2)
	a := s1*s1 + b.pcos*math.Cos(p2)*s2*s2
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// pick returns up to k candidates within radius (0: anywhere) in the
// search's order, leaving out the handles in skip.
func (b *builder) pick(m *mirror, w *words, radius float64, k int, skip map[int64]bool) []cand {
	now := b.now
	kinds, cats := b.p.kinds, b.p.cats
	var box *Box
	if radius > 0 {
		bx := CircleBox(b.p.lat, b.p.lon, radius)
		box = &bx
	}
	top := make([]cand, 0, k+1)
	blocked := b.blocked
	consider := func(e *entry) {
		if e.n > b.snap || (len(skip) > 0 && skip[e.n]) {
			return
		}
		for _, o := range blocked { // a few people: cheaper than hashing the owner
			if e.owner == o {
				return
			}
		}
		if e.expires != "" && e.expires <= now && m.ix == offersIndex {
			return
		}
		if len(kinds) > 0 {
			if m.ix == offersIndex {
				if !slices.Contains(kinds, e.kind) {
					return
				}
			} else if len(e.kinds) > 0 && !slices.ContainsFunc(e.kinds, func(k string) bool { return slices.Contains(kinds, k) }) {
				return
			}
		}
		if len(cats) > 0 && !slices.Contains(cats, e.category) {
			return
		}
		if (b.p.hasMin && e.price < b.p.minPrice) || (b.p.hasMax && e.price > b.p.maxPrice) {
			return
		}
		c := cand{e: e}
		if w != nil {
			s, ok := w.score[e.n]
			if !ok {
				return
			}
			c.score = s
		}
		if b.p.near {
			if !e.hasLoc {
				return
			}
			if box != nil && !box.Contains(e.lat, e.lon) {
				return
			}
			c.dist = b.distanceKm(e.lat, e.lon)
			if radius > 0 && c.dist > radius {
				return
			}
		}
		if !b.afterCursor(&c) {
			return
		}
		if len(top) == k && !b.before(&c, &top[k-1]) {
			return
		}
		i, _ := slices.BinarySearchFunc(top, &c, func(x cand, y *cand) int {
			if b.before(&x, y) {
				return -1
			}
			return 1
		})
		top = slices.Insert(top, i, c)
		if len(top) > k {
			top = top[:k]
		}
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	switch {
	case w != nil:
		for n := range w.score {
			if e := m.byN[n]; e != nil {
				consider(e)
			}
		}
	case b.p.sort == SortNewest && m.countIn(box, int(denseBox.Load())) >= int(denseBox.Load()):
		// a dense place: the newest entries first, until the page is full
		i := 0
		if a := b.p.after; a != nil {
			i, _ = slices.BinarySearchFunc(m.order, a, func(e *entry, a *cursor) int {
				if e.created > a.T || (e.created == a.T && e.n >= a.N) {
					return -1
				}
				return 1
			})
		}
		for ; i < len(m.order) && len(top) < k; i++ {
			consider(m.order[i])
		}
	default:
		m.each(box, consider)
	}
	return top
}

// shown is a candidate the list rule lets the caller see: its record, or
// (builder.lean) only its updated time, the record's JSON coming from the
// item cache.
type shown struct {
	rec     *core.Record
	updated string
}

// verified checks which of cands the list rule shows the caller and are
// live now, by id, loading their records (or only their updated times
// when b.lean).
func (b *builder) verified(cands []cand) (map[string]shown, error) {
	if len(cands) == 0 {
		return map[string]shown{}, nil
	}
	c := b.coll.Name
	ids := make([]string, len(cands))
	for i, x := range cands {
		ids[i] = x.e.id
	}
	raw, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	// the ids drive the query (CROSS JOIN keeps the order): whatever the
	// rule, SQLite reads the page's rows by id and nothing else
	var q *dbx.SelectQuery
	if b.lean {
		q = b.app.DB().Select("[["+c+".id]] AS id", "[["+c+".updated]] AS updated")
	} else {
		q = b.app.RecordQuery(b.coll)
	}
	q.From("json_each({:ids}) pageids").Bind(dbx.Params{"ids": string(raw)}).
		Join("CROSS JOIN", c, dbx.NewExp("[["+c+".id]] = pageids.value")).
		AndWhere(b.t.liveRow(b.now))
	if !b.info.HasSuperuserAuth() {
		if err := withListRule(b.app, b.coll, b.info, q); err != nil {
			return nil, err
		}
		// the rule's joins make PocketBase ask for DISTINCT rows, which
		// SQLite does with a temporary b-tree; rows repeated by a join are
		// merged by id below instead
		q.Distinct(false)
	}
	out := make(map[string]shown, len(cands))
	if b.lean {
		var rows []struct {
			ID      string `db:"id"`
			Updated string `db:"updated"`
		}
		if err := q.All(&rows); err != nil {
			return nil, fmt.Errorf("failed to check %s: %w", c, err)
		}
		for _, r := range rows {
			// in the form the cached items have (types.DateTime's)
			u, err := types.ParseDateTime(r.Updated)
			if err != nil {
				return nil, fmt.Errorf("failed to check %s: %w", c, err)
			}
			out[r.ID] = shown{updated: u.String()}
		}
		return out, nil
	}
	var recs []*core.Record
	if err := q.All(&recs); err != nil {
		return nil, fmt.Errorf("failed to load %s: %w", c, err)
	}
	for _, r := range recs {
		out[r.Id] = shown{rec: r}
	}
	return out, nil
}

// mirrorPage returns up to limit+1 candidates of the search from the
// cursor on, with what verified found of each. A distance sort looks in
// rings of growing radius until a page is full.
func (b *builder) mirrorPage(m *mirror) ([]cand, []shown, error) {
	w, err := b.findWords()
	if err != nil {
		return nil, nil, err
	}
	limit := b.p.radius
	ring := limit
	if b.p.sort == SortDistance {
		if limit == 0 {
			limit = MaxRadiusKm
		}
		ring = firstRingKm
		if b.p.after != nil {
			ring += b.p.after.F
		}
	}
	want := b.p.limit + 1
	skip := map[int64]bool{}
	var kept []cand
	var rows []shown
	checked := map[int64]*shown{}
	for k := want; ; {
		if b.p.sort == SortDistance {
			ring = math.Min(ring, limit)
		}
		cands := b.pick(m, w, ring, k, skip)
		if b.p.sort == SortDistance && len(cands) < k && ring < limit {
			ring *= 4
			continue
		}
		var todo []cand
		for _, c := range cands {
			if _, ok := checked[c.e.n]; !ok {
				todo = append(todo, c)
			}
		}
		found, err := b.verified(todo)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range todo {
			if f, ok := found[c.e.id]; ok {
				checked[c.e.n] = &f
			} else {
				checked[c.e.n] = nil
			}
		}
		kept, rows = kept[:0], rows[:0]
		for _, c := range cands {
			if r := checked[c.e.n]; r != nil && len(kept) < want {
				kept = append(kept, c)
				rows = append(rows, *r)
			}
		}
		if len(kept) == want || len(cands) < k {
			return kept, rows, nil
		}
		// some were refused: look further
		for n, r := range checked {
			if r == nil {
				skip[n] = true
			}
		}
		k *= 2
	}
}
