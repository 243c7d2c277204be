package search

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	pbsearch "github.com/pocketbase/pocketbase/tools/search"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// Sorts.
const (
	SortRelevance = "relevance"
	SortDistance  = "distance"
	SortNewest    = "newest"
	SortPrice     = "price"
)

// Limits of the parameters.
const (
	maxQueryLength = 200
	estimateCap    = 10_000
	// firstRingKm is the first radius a distance sort looks in; each
	// further ring is four times wider, until a page is full.
	firstRingKm = 1.0
)

// target is what differs between the offers and the wants searches.
type target struct {
	ix *index
	// priceCol is the price compared by min_price, max_price and sort=price.
	priceCol string
	// live is the SQL condition of the records the search may show, on
	// top of the list rule (now: the current time).
	live func(now string) dbx.Expression
	// liveRow is live for records already chosen by id: with its columns
	// kept from the indexes (unary +), or SQLite, which has no statistics
	// here, takes the status index for the most selective one and reads
	// every active offer instead of the page's twenty.
	liveRow func(now string) dbx.Expression
	// kinds filters by kind.
	kinds func(kinds []any) dbx.Expression
	// texts are the fields the highlight is taken from, in order.
	texts []string
}

var offersTarget = &target{
	ix: offersIndex, priceCol: schema.OfferPrice,
	live: func(now string) dbx.Expression {
		return dbx.NewExp("[[offers.status]] = 'active' AND ([[offers.expires_at]] = '' OR [[offers.expires_at]] IS NULL OR [[offers.expires_at]] > {:now})",
			dbx.Params{"now": now})
	},
	liveRow: func(now string) dbx.Expression {
		return dbx.NewExp("+[[offers.status]] = 'active' AND (+[[offers.expires_at]] = '' OR [[offers.expires_at]] IS NULL OR +[[offers.expires_at]] > {:now})",
			dbx.Params{"now": now})
	},
	kinds: func(kinds []any) dbx.Expression { return dbx.In("offers.kind", kinds...) },
	texts: []string{schema.OfferTitle, schema.OfferDescription, schema.OfferWantsInReturn},
}

var wantsTarget = &target{
	ix: wantsIndex, priceCol: schema.WantMaxPrice,
	live: func(string) dbx.Expression {
		return dbx.NewExp("[[wants.public]] = TRUE AND [[wants.active]] = TRUE")
	},
	liveRow: func(string) dbx.Expression {
		return dbx.NewExp("+[[wants.public]] = TRUE AND +[[wants.active]] = TRUE")
	},
	kinds: func(kinds []any) dbx.Expression {
		// a want without kinds takes any kind
		params := dbx.Params{}
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = fmt.Sprintf("{:kind%d}", i)
			params[fmt.Sprintf("kind%d", i)] = k
		}
		return dbx.NewExp("([[wants.kinds]] = '' OR [[wants.kinds]] = '[]' OR EXISTS (SELECT 1 FROM json_each([[wants.kinds]]) WHERE value IN ("+
			strings.Join(names, ", ")+")))", params)
	},
	texts: []string{schema.WantQuery},
}

func (s *service) offersSearch(e *core.RequestEvent) error { return s.answer(e, offersTarget) }
func (s *service) wantsSearch(e *core.RequestEvent) error  { return s.answer(e, wantsTarget) }

// answer runs a search when the gate lets it (Config.Concurrency).
func (s *service) answer(e *core.RequestEvent, t *target) error {
	select {
	case s.gate <- struct{}{}:
	case <-e.Request.Context().Done():
		return e.Request.Context().Err()
	}
	defer func() { <-s.gate }()
	return s.search(e, t)
}

// params is a parsed search request.
type params struct {
	terms              Terms
	near               bool
	lat, lon, radius   float64 // radius 0: anywhere
	kinds              []string
	category           string
	cats               []string
	minPrice, maxPrice float64
	hasMin, hasMax     bool
	sort               string
	after              *cursor
	limit              int
	estimate           bool
}

func badParam(name, code, msg string) error {
	return apis.NewBadRequestError("Invalid search parameter "+name+".", validation.Errors{
		name: validation.NewError("validation_invalid_"+code, msg)})
}

func parseFloat(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// parseParams reads and checks every parameter; a malformed one is a 400
// naming it.
func (s *service) parseParams(app core.App, e *core.RequestEvent) (*params, error) {
	q := e.Request.URL.Query()
	for _, name := range []string{"q", "near", "radius", "kind", "category", "min_price", "max_price", "sort", "after", "limit", "estimate"} {
		if len(q[name]) > 1 {
			return nil, badParam(name, "repeated", "Give this parameter once.")
		}
	}
	p := &params{limit: s.cfg.DefaultLimit}
	if v := q.Get("q"); v != "" {
		if utf8.RuneCountInString(v) > maxQueryLength || !utf8.ValidString(v) {
			return nil, badParam("q", "q", fmt.Sprintf("Search for at most %d characters of text.", maxQueryLength))
		}
		p.terms = ParseTerms(v)
	}
	if v := q.Get("near"); v != "" {
		a, b, ok := strings.Cut(v, ",")
		lat, ok1 := parseFloat(a)
		lon, ok2 := parseFloat(b)
		if !ok || !ok1 || !ok2 || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			return nil, badParam("near", "near", "Give a place as latitude,longitude, e.g. 45.76,4.84.")
		}
		p.near, p.lat, p.lon = true, lat, lon
	}
	if v := q.Get("radius"); v != "" {
		r, ok := parseFloat(v)
		if !ok || r <= 0 || r > MaxRadiusKm {
			return nil, badParam("radius", "radius", fmt.Sprintf("Give a distance in km above 0 and at most %.0f.", MaxRadiusKm))
		}
		if !p.near {
			return nil, badParam("radius", "radius_without_near", "A radius needs a place: give near=latitude,longitude too.")
		}
		p.radius = r
	}
	if v := q.Get("kind"); v != "" {
		for _, k := range strings.Split(v, ",") {
			if !slices.Contains(schema.OfferKinds, k) {
				return nil, badParam("kind", "kind", "Give kinds among "+strings.Join(schema.OfferKinds, ", ")+", separated by commas.")
			}
			if !slices.Contains(p.kinds, k) {
				p.kinds = append(p.kinds, k)
			}
		}
	}
	if v := q.Get("category"); v != "" {
		cats, err := s.categories(app)
		if err != nil {
			return nil, err
		}
		id := v
		if _, ok := cats[id]; !ok {
			id = ""
			for cid, c := range cats {
				if c.slug == v {
					id = cid
				}
			}
		}
		if id == "" {
			return nil, badParam("category", "category", "No such category: give a category id or slug.")
		}
		p.category = id
		p.cats = cats.descendants(id)
		slices.Sort(p.cats)
	}
	for _, f := range []struct {
		name string
		dst  *float64
		has  *bool
	}{{"min_price", &p.minPrice, &p.hasMin}, {"max_price", &p.maxPrice, &p.hasMax}} {
		if v := q.Get(f.name); v != "" {
			x, ok := parseFloat(v)
			if !ok || x < 0 {
				return nil, badParam(f.name, "price", "Give a price of 0 or more.")
			}
			*f.dst, *f.has = x, true
		}
	}
	if p.hasMin && p.hasMax && p.minPrice > p.maxPrice {
		return nil, badParam("max_price", "price_range", "The highest price is below the lowest.")
	}
	switch v := q.Get("sort"); v {
	case "":
		switch {
		case len(p.terms.Must) > 0:
			p.sort = SortRelevance
		case p.near:
			p.sort = SortDistance
		default:
			p.sort = SortNewest
		}
	case SortRelevance, SortNewest, SortPrice:
		p.sort = v
	case SortDistance:
		if !p.near {
			return nil, badParam("sort", "sort_distance_without_near", "Sorting by distance needs a place: give near=latitude,longitude too.")
		}
		p.sort = v
	default:
		return nil, badParam("sort", "sort", "Sort by relevance, distance, newest or price.")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.cfg.MaxLimit {
			return nil, badParam("limit", "limit", fmt.Sprintf("Give a whole number from 1 to %d.", s.cfg.MaxLimit))
		}
		p.limit = n
	}
	switch v := q.Get("estimate"); v {
	case "", "0", "false":
	case "1", "true":
		p.estimate = true
	default:
		return nil, badParam("estimate", "estimate", "Give estimate=1 to get an estimated count.")
	}
	if v := q.Get("after"); v != "" {
		c, err := parseCursor(v)
		if err != nil || c.Hash != p.hash() {
			return nil, badParam("after", "cursor", "Use the next value of a previous page of the same search.")
		}
		p.after = c
	}
	return p, nil
}

// hash identifies the search a cursor belongs to.
func (p *params) hash() string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%v|%v|%v|%v|%v|%v|%v|%v|%v|%v|%v|%v|%s", p.terms, p.near, p.lat, p.lon, p.radius, p.kinds, p.cats,
		p.hasMin, p.minPrice, p.hasMax, p.maxPrice, p.sort, "v1")
	return strconv.FormatUint(h.Sum64(), 36)
}

// search answers a search of t's collection.
func (s *service) search(e *core.RequestEvent, t *target) error {
	p, err := s.parseParams(e.App, e)
	if err != nil {
		return err
	}
	coll, err := e.App.FindCachedCollectionByNameOrId(t.ix.collection)
	if err != nil {
		return e.InternalServerError("", err)
	}
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("", err)
	}
	if coll.ListRule == nil && !info.HasSuperuserAuth() {
		return e.ForbiddenError("Only superusers can perform this action.", nil)
	}

	// the index generation and, for someone signed in, the people blocked
	// either way (state.go)
	me := ""
	if info.Auth != nil && !info.HasSuperuserAuth() {
		me = info.Auth.Id
	}
	gen, err := s.state.generation(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	var blocked []string
	if me != "" {
		if blocked, err = s.state.blocked(e.App, me); err != nil {
			return e.InternalServerError("", err)
		}
	}
	m := s.mirrors[t.ix]
	if err := m.at(e.App, gen); err != nil {
		return e.InternalServerError("", err)
	}
	snap := int64(0)
	if p.after != nil {
		snap = p.after.Snap
	} else {
		m.mu.RLock()
		snap = m.maxN
		m.mu.RUnlock()
	}
	b := &builder{app: e.App, t: t, p: p, coll: coll, info: info, snap: snap, now: types.NowDateTime().String(),
		plat: p.lat * math.Pi / 180, pcos: math.Cos(p.lat * math.Pi / 180), blocked: blocked}

	b.lean = lean(info) && !coll.IsAuth()
	kept, rows, err := b.mirrorPage(m)
	if err != nil {
		return firstAPIError(e, err)
	}
	var its []*item
	if b.lean {
		var ok bool
		if its, ok, err = s.cachedItems(e, t, coll, rows[:min(len(rows), p.limit)], kept); err != nil {
			return firstAPIError(e, err)
		}
		if !ok {
			// a record of the page was written meanwhile: the full path
			b.lean = false
			if kept, rows, err = b.mirrorPage(m); err != nil {
				return firstAPIError(e, err)
			}
		}
	}
	next := ""
	if len(kept) > p.limit {
		kept, rows = kept[:p.limit], rows[:p.limit]
		last := kept[len(kept)-1]
		c := cursor{Snap: snap, N: last.e.n, Hash: p.hash()}
		switch p.sort {
		case SortRelevance:
			c.F = last.score
		case SortDistance:
			c.F = last.dist
		case SortPrice:
			c.F = last.e.price
		case SortNewest:
			c.T = last.e.created
		}
		next = c.String()
	}
	var estimate *int
	if p.estimate {
		n, err := b.count()
		if err != nil {
			return firstAPIError(e, err)
		}
		estimate = &n
	}
	if b.lean {
		return writeItems(e, p, kept, its, next, estimate)
	}

	recs := make([]*core.Record, len(rows))
	for i, r := range rows {
		recs[i] = r.rec
	}
	if err := apis.EnrichRecords(e, recs); err != nil {
		return firstAPIError(e, err)
	}
	items := make([]map[string]any, len(recs))
	for i, rec := range recs {
		texts := make([]string, len(t.texts))
		for j, f := range t.texts {
			texts[j] = rec.GetString(f)
		}
		item := rec.PublicExport()
		if p.near {
			item["distance_km"] = math.Round(kept[i].dist*1000) / 1000
		} else {
			item["distance_km"] = nil
		}
		item["highlight"] = Highlight(p.terms.Must, texts...)
		items[i] = item
	}
	out := map[string]any{"items": items, "next": next}
	if estimate != nil {
		out["estimate"] = *estimate
	}
	return e.JSON(200, out)
}

func firstAPIError(e *core.RequestEvent, err error) error {
	if apiErr, ok := err.(*router.ApiError); ok {
		return apiErr
	}
	e.App.Logger().Error("search: failed", "error", err)
	return e.InternalServerError("Failed to search.", err)
}

// builder writes the SQL of one search.
type builder struct {
	app  core.App
	t    *target
	p    *params
	coll *core.Collection
	info *core.RequestInfo
	snap int64
	now  string
	// plat and pcos are the search point's latitude in radians and its
	// cosine; blocked are the people blocked either way with the caller.
	plat, pcos float64
	blocked    []string
	// lean: verified reads only the candidates' ids and updated times, the
	// items coming from the item cache (items.go)
	lean bool
}

// driver names the table a search's query is driven by.
type driver int

const (
	fromRecords driver = iota
	fromGeo
	fromText
)

// denseBox is how many documents in a radius's box make a newest-first
// list cheaper by walking the newest records and testing each than by
// sorting every document in the box (tests lower it to take both paths).
var denseBox atomic.Int64

func init() { denseBox.Store(1500) }

// driverFor picks the table to drive a page's query from: the R*Tree box
// for a distance ring or a sparse box, the words' matches for a text
// search without a place, the records (newest first) for a dense box.
func (b *builder) driverFor(radius float64) (driver, error) {
	if radius <= 0 {
		if len(b.p.terms.Must) > 0 {
			return fromText, nil
		}
		return fromRecords, nil
	}
	if b.p.sort == SortDistance || b.p.sort == SortPrice || (b.p.sort == SortRelevance && len(b.p.terms.Must) == 0) {
		// only newest first has an order the records' indexes give
		// cheaply; words have their own candidates
		return fromGeo, nil
	}
	box := CircleBox(b.p.lat, b.p.lon, radius)
	dense := int(denseBox.Load())
	params := dbx.Params{"bla": box.MinLat, "blb": box.MaxLat, "cap": dense}
	var parts []string
	for i, r := range box.Lons {
		a, z := fmt.Sprintf("blo%da", i), fmt.Sprintf("blo%db", i)
		params[a], params[z] = r[0], r[1]
		parts = append(parts, fmt.Sprintf("SELECT 1 FROM %s WHERE min_lat >= {:bla} AND max_lat <= {:blb} AND min_lon >= {:%s} AND max_lon <= {:%s}",
			b.t.ix.geo, a, z))
	}
	var n int
	err := b.app.DB().NewQuery("SELECT count(*) FROM (" + strings.Join(parts, " UNION ALL ") + " LIMIT {:cap})").Bind(params).Row(&n)
	if err != nil {
		return fromGeo, fmt.Errorf("failed to count the box: %w", err)
	}
	if n < dense {
		return fromGeo, nil
	}
	if len(b.p.terms.Must) > 0 {
		return fromText, nil
	}
	return fromRecords, nil
}

// distanceSQL is the haversine distance in km from the search's point to
// a document's coordinates (SQLite's math functions).
const distanceSQL = "(2 * 6371.0088 * asin(min(1, sqrt(power(sin((radians(sd.lat) - {:plat}) / 2), 2) + " +
	"{:pcos} * cos(radians(sd.lat)) * power(sin((radians(sd.lon) - {:plon}) / 2), 2)))))"

// base is the search without order, cursor or limit: the records the list
// rule lets the caller see, live, from nobody blocked either way, matching
// the words and filters, within radius km when radius > 0.
func (b *builder) base(radius float64, from driver, selects ...string) (*dbx.SelectQuery, error) {
	c := b.coll.Name
	var q *dbx.SelectQuery
	match := b.p.terms.MatchExpr()
	if from == fromText && match == "" {
		from = fromRecords
	}
	if from == fromGeo && radius <= 0 {
		from = fromRecords
	}
	// the first table drives the query (CROSS JOIN keeps SQLite's planner
	// to that order): the R*Tree's box or the words' matches when they are
	// the smaller set, the records' own indexes otherwise
	switch from {
	case fromGeo:
		box := CircleBox(b.p.lat, b.p.lon, radius)
		params := dbx.Params{"bla": box.MinLat, "blb": box.MaxLat}
		var lons []string
		for i, r := range box.Lons {
			a, z := fmt.Sprintf("blo%da", i), fmt.Sprintf("blo%db", i)
			params[a], params[z] = r[0], r[1]
			lons = append(lons, fmt.Sprintf("(g.min_lon >= {:%s} AND g.max_lon <= {:%s})", a, z))
		}
		q = b.app.DB().Select(selects...).From(b.t.ix.geo+" g").
			Join("CROSS JOIN", b.t.ix.docs+" sd", dbx.NewExp("sd.n = g.id")).
			Join("CROSS JOIN", c, dbx.NewExp("[["+c+".id]] = sd.id")).
			AndWhere(dbx.NewExp("g.min_lat >= {:bla} AND g.max_lat <= {:blb} AND ("+strings.Join(lons, " OR ")+")", params))
	case fromText:
		q = b.app.DB().Select(selects...).From(b.t.ix.fts).
			Join("CROSS JOIN", b.t.ix.docs+" sd", dbx.NewExp("sd.n = "+b.t.ix.fts+".rowid")).
			Join("CROSS JOIN", c, dbx.NewExp("[["+c+".id]] = sd.id")).
			AndWhere(dbx.NewExp(b.t.ix.fts+" MATCH {:match}", dbx.Params{"match": match}))
	default:
		q = b.app.DB().Select(selects...).From(c).
			InnerJoin(b.t.ix.docs+" sd", dbx.NewExp("[[sd.id]] = [["+c+".id]]"))
	}
	q.AndWhere(dbx.NewExp("+sd.n <= {:snap}", dbx.Params{"snap": b.snap})).
		AndWhere(b.t.live(b.now))

	if !b.info.HasSuperuserAuth() {
		if err := withListRule(b.app, b.coll, b.info, q); err != nil {
			return nil, err
		}
		if b.info.Auth != nil {
			q.AndWhere(dbx.NewExp("[["+c+".owner]] NOT IN (SELECT blocked FROM "+schema.Blocks+" WHERE blocker = {:me}) AND "+
				"[["+c+".owner]] NOT IN (SELECT blocker FROM "+schema.Blocks+" WHERE blocked = {:me})",
				dbx.Params{"me": b.info.Auth.Id}))
		}
	}

	if match != "" && from != fromText {
		q.AndWhere(dbx.NewExp("+sd.n IN (SELECT rowid FROM "+b.t.ix.fts+" WHERE "+b.t.ix.fts+" MATCH {:match})",
			dbx.Params{"match": match}))
	}
	for i, m := range b.p.terms.NotExprs() {
		name := fmt.Sprintf("not%d", i)
		q.AndWhere(dbx.NewExp("+sd.n NOT IN (SELECT rowid FROM "+b.t.ix.fts+" WHERE "+b.t.ix.fts+" MATCH {:"+name+"})",
			dbx.Params{name: m}))
	}
	if len(b.p.kinds) > 0 {
		q.AndWhere(b.t.kinds(toAny(b.p.kinds)))
	}
	if len(b.p.cats) > 0 {
		q.AndWhere(dbx.In(c+"."+schema.FieldCategory, toAny(b.p.cats)...))
	}
	if b.p.hasMin {
		q.AndWhere(dbx.NewExp("[["+c+"."+b.t.priceCol+"]] >= {:minp}", dbx.Params{"minp": b.p.minPrice}))
	}
	if b.p.hasMax {
		q.AndWhere(dbx.NewExp("[["+c+"."+b.t.priceCol+"]] <= {:maxp}", dbx.Params{"maxp": b.p.maxPrice}))
	}
	if b.p.near {
		q.AndWhere(dbx.NewExp("sd.lat IS NOT NULL"))
	}
	if radius > 0 {
		if from != fromGeo {
			// the box on the documents' coordinates, then the exact distance
			box := CircleBox(b.p.lat, b.p.lon, radius)
			params := dbx.Params{"bla": box.MinLat, "blb": box.MaxLat}
			var lons []string
			for i, r := range box.Lons {
				a, z := fmt.Sprintf("blo%da", i), fmt.Sprintf("blo%db", i)
				params[a], params[z] = r[0], r[1]
				lons = append(lons, fmt.Sprintf("(sd.lon BETWEEN {:%s} AND {:%s})", a, z))
			}
			q.AndWhere(dbx.NewExp("sd.lat BETWEEN {:bla} AND {:blb} AND ("+strings.Join(lons, " OR ")+")", params))
		}
		q.AndWhere(dbx.NewExp(distanceSQL+" <= {:radius}", b.distParams(dbx.Params{"radius": radius})))
	}
	return q, nil
}

func (b *builder) distParams(p dbx.Params) dbx.Params {
	p["plat"] = b.p.lat * math.Pi / 180
	p["plon"] = b.p.lon * math.Pi / 180
	p["pcos"] = math.Cos(b.p.lat * math.Pi / 180)
	return p
}

// count estimates how many records the search finds (exactly, up to
// estimateCap).
func (b *builder) count() (int, error) {
	from, err := b.driverFor(b.p.radius)
	if err != nil {
		return 0, err
	}
	q, err := b.base(b.p.radius, from, "sd.n")
	if err != nil {
		return 0, err
	}
	if b.p.near {
		q.AndBind(b.distParams(dbx.Params{}))
	}
	var ns []int64
	if err := q.Limit(estimateCap).Column(&ns); err != nil {
		return 0, fmt.Errorf("failed to count: %w", err)
	}
	return len(ns), nil
}

// withListRule adds coll's list rule for the caller of info to q, as the
// records API applies it (the joins its fields need included). A
// superuser's queries don't pass here: the rules don't apply to them.
func withListRule(app core.App, coll *core.Collection, info *core.RequestInfo, q *dbx.SelectQuery) error {
	resolver := core.NewRecordFieldResolver(app, coll, info, true)
	if rule := *coll.ListRule; rule != "" {
		expr, err := pbsearch.FilterData(rule).BuildExpr(resolver)
		if err != nil {
			return fmt.Errorf("failed to apply the list rule: %w", err)
		}
		q.AndWhere(expr)
	}
	return resolver.UpdateQuery(q)
}
