package matching

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"peerbase/hooks/schema"
	"peerbase/hooks/text"
)

// DefaultRadiusKm is the radius of a want that has a location but no radius.
const DefaultRadiusKm = 10

// maxCategoryDepth stops a walk up the category tree that an admin made
// circular by mistake.
const maxCategoryDepth = 16

// Want is what the index needs of a want: it is built from a wants record
// by WantFromRecord, or directly by tests and benchmarks.
type Want struct {
	ID, Owner string
	// Category is a category id; offers in it or below it match. Empty: any.
	Category string
	// Kinds are offer kinds; empty: every kind.
	Kinds []string
	Query text.Query
	// MaxPrice (when above 0) is the most the owner pays, in Currency and,
	// when set, per PriceUnit; a priced offer in another currency or unit
	// does not match, a free offer (price 0) always does.
	MaxPrice  float64
	Currency  string
	PriceUnit string
	// HasLocation false: no distance limit.
	HasLocation bool
	Lat, Lon    float64
	RadiusKm    float64
}

// Offer is what matching needs of an offer.
type Offer struct {
	ID, Owner, Category, Kind string
	// Tokens are the words of the title, description and tags; TitleTokens
	// those of the title and tags only, which rank higher.
	Tokens, TitleTokens text.Set
	Price               float64
	Currency, PriceUnit string
	HasLocation         bool
	Lat, Lon            float64
	Created             time.Time
}

// radius is the radius a want is matched with.
func (w *Want) radius() float64 {
	if w.RadiusKm > 0 {
		return w.RadiusKm
	}
	return DefaultRadiusKm
}

// kindBit is the bit of a kind in a kinds mask (0 for an unknown kind).
func kindBit(kind string) uint8 {
	if i := slices.Index(schema.OfferKinds, kind); i >= 0 {
		return 1 << i
	}
	return 0
}

func kindMask(kinds []string) uint8 {
	var m uint8
	for _, k := range kinds {
		m |= kindBit(k)
	}
	return m
}

// priceOK is the price rule, shared by the index and Accepts.
func priceOK(maxPrice float64, currency, unit string, o *Offer) bool {
	if maxPrice <= 0 || o.Price <= 0 {
		return true
	}
	if o.Currency != currency {
		return false
	}
	if unit != "" && o.PriceUnit != "" && o.PriceUnit != unit {
		return false
	}
	return o.Price <= maxPrice
}

// Accepts is the matching rule written plainly, a want against one offer:
// the index must return exactly the wants that accept an offer. parents
// maps a category id to its parent's.
func (w *Want) Accepts(o *Offer, parents map[string]string) bool {
	if w.Owner == o.Owner {
		return false
	}
	if w.Category != "" && !slices.Contains(ancestors(o.Category, parents), w.Category) {
		return false
	}
	if m := kindMask(w.Kinds); m != 0 && m&kindBit(o.Kind) == 0 {
		return false
	}
	if !priceOK(w.MaxPrice, w.Currency, w.PriceUnit, o) {
		return false
	}
	if w.HasLocation {
		if !o.HasLocation || !within(toVec32(w.Lat, w.Lon), chord2(w.radius()), toVec(o.Lat, o.Lon)) {
			return false
		}
	}
	_, ok := w.Query.Match(o.Tokens)
	return ok
}

// ancestors returns a category and the categories above it.
func ancestors(cat string, parents map[string]string) []string {
	if cat == "" {
		return nil
	}
	out := []string{cat}
	for i := 0; i < maxCategoryDepth; i++ {
		p := parents[cat]
		if p == "" || slices.Contains(out, p) {
			break
		}
		out = append(out, p)
		cat = p
	}
	return out
}

// slot is one want in the index, kept small: the index holds a million.
type slot struct {
	center   vec
	c2       float32
	maxPrice float64
	terms    []uint32 // term ids of a simple query, all required
	owner    uint32
	cat      uint16
	currency uint16
	kinds    uint8
	unit     uint8
	flags    uint8
	cov      cover
	anchor   uint32
}

const (
	flagUsed = 1 << iota
	flagHasLoc
	flagComplex // a query with prefixes or negations: see Index.complex
)

// posting is one entry of a cell's list, sorted by anchor then slot, so that
// a probe reads only the wants whose anchor word the offer has. It carries
// the want's kinds: a third of the wants a probe reaches ask for another
// kind, and rejecting them here spares a read of their slot (a cache miss
// in an index of a million).
type posting struct {
	anchor, slot uint32
	kinds        uint8
}

func cmpPosting(a, b posting) int {
	switch {
	case a.anchor != b.anchor:
		return cmpU32(a.anchor, b.anchor)
	default:
		return cmpU32(a.slot, b.slot)
	}
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Index is the in-memory index of active wants: by geo cell (several
// resolutions), category, and one anchor word of the want's query. Probing
// it with an offer reads only the wants stored in the offer's cells, in the
// offer's category or above, whose anchor word the offer has (or that have
// none), and checks each of those with the full rule. It is safe for
// concurrent use.
type Index struct {
	mu       sync.RWMutex
	slots    []slot
	ids      []string
	bySlot   map[string]uint32
	free     []uint32
	cells    map[uint64][]posting
	perLevel [32]int // wants per level, so probes skip empty levels
	complex  map[uint32]text.Query

	terms      map[string]uint32 // term id 0 means "none"
	owners     map[string]uint32
	ownerIDs   []string
	cats       map[string]uint16 // category id 0 means "any"
	catIDs     []string
	currencies map[string]uint16
	parents    map[string]string
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		bySlot:     map[string]uint32{},
		cells:      map[uint64][]posting{},
		complex:    map[uint32]text.Query{},
		terms:      map[string]uint32{"": 0},
		owners:     map[string]uint32{},
		cats:       map[string]uint16{"": 0},
		catIDs:     []string{""},
		currencies: map[string]uint16{"": 0},
		parents:    map[string]string{},
	}
}

// SetCategories replaces the category tree (child id to parent id).
func (x *Index) SetCategories(parents map[string]string) {
	p := make(map[string]string, len(parents))
	for k, v := range parents {
		p[k] = v
	}
	x.mu.Lock()
	x.parents = p
	x.mu.Unlock()
}

// SetCategoryParent records one category's parent ("" for a top category).
func (x *Index) SetCategoryParent(id, parent string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if parent == "" {
		delete(x.parents, id)
	} else {
		x.parents[id] = parent
	}
}

// Parents returns a copy of the category tree the index matches with.
func (x *Index) Parents() map[string]string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	p := make(map[string]string, len(x.parents))
	for k, v := range x.parents {
		p[k] = v
	}
	return p
}

// Len returns the number of wants in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.bySlot)
}

// Has reports whether the want with id is in the index.
func (x *Index) Has(id string) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	_, ok := x.bySlot[id]
	return ok
}

// IDs returns the ids of every want in the index.
func (x *Index) IDs() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, len(x.bySlot))
	for id := range x.bySlot {
		out = append(out, id)
	}
	return out
}

func intern[T uint16 | uint32](m map[string]T, list *[]string, s string) T {
	if v, ok := m[s]; ok {
		return v
	}
	v := T(len(m))
	m[s] = v
	if list != nil {
		*list = append(*list, s)
	}
	return v
}

// Put adds a want, or replaces the want with the same id.
func (x *Index) Put(w *Want) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(w.ID)
	x.insert(w, true)
}

// Remove removes the want with id, if it is in the index.
func (x *Index) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(id)
}

// Build replaces the index's wants with wants in one go (sorting each cell
// once instead of inserting in order).
func (x *Index) Build(wants []*Want) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.slots, x.ids, x.free = make([]slot, 0, len(wants)), make([]string, 0, len(wants)), nil
	x.bySlot = make(map[string]uint32, len(wants))
	x.cells = map[uint64][]posting{}
	x.complex = map[uint32]text.Query{}
	x.perLevel = [32]int{}
	for _, w := range wants {
		x.remove(w.ID) // a repeated id keeps its last version
		x.insert(w, false)
	}
	x.relayout()
	for k, list := range x.cells {
		slices.SortFunc(list, cmpPosting)
		x.cells[k] = slices.Clip(list)
	}
}

// relayout renumbers the slots in the order of the cells that hold them
// (cell, then category, then anchor word), so that the wants a probe reads
// from one list lie next to each other in memory: a probe then streams
// through slots instead of jumping across a million of them. Wants put
// after a build take free or new slots; a rebuild lays them out again.
func (x *Index) relayout() {
	keys := make([]uint64, 0, len(x.cells))
	for k := range x.cells {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	const unset = ^uint32(0)
	newID := make([]uint32, len(x.slots))
	for i := range newID {
		newID[i] = unset
	}
	next := uint32(0)
	for _, k := range keys {
		list := x.cells[k]
		slices.SortFunc(list, cmpPosting)
		for _, p := range list {
			if newID[p.slot] == unset {
				newID[p.slot] = next
				next++
			}
		}
	}
	slots := make([]slot, next)
	ids := make([]string, next)
	for old, nid := range newID {
		if nid != unset {
			slots[nid] = x.slots[old]
			ids[nid] = x.ids[old]
			x.bySlot[x.ids[old]] = nid
		}
	}
	complexQ := make(map[uint32]text.Query, len(x.complex))
	for old, q := range x.complex {
		complexQ[newID[old]] = q
	}
	for _, list := range x.cells {
		for i := range list {
			list[i].slot = newID[list[i].slot]
		}
	}
	x.slots, x.ids, x.complex, x.free = slots, ids, complexQ, nil
}

func (x *Index) insert(w *Want, sorted bool) {
	s := slot{
		owner:    intern(x.owners, &x.ownerIDs, w.Owner),
		cat:      intern(x.cats, &x.catIDs, w.Category),
		kinds:    kindMask(w.Kinds),
		flags:    flagUsed,
		maxPrice: w.MaxPrice,
		currency: intern[uint16](x.currencies, nil, w.Currency),
	}
	if i := slices.Index(schema.PriceUnits, w.PriceUnit); i >= 0 {
		s.unit = uint8(i + 1)
	}
	if w.HasLocation {
		s.flags |= flagHasLoc
		s.center = toVec32(w.Lat, w.Lon)
		s.c2 = chord2(w.radius())
		s.cov = coverOf(w.Lat, w.Lon, w.radius())
	} else {
		s.cov = cover{level: levelNoLoc}
	}
	// the anchor is the longest required word: long words are rarer, so
	// fewer offers wake the want up
	var anchorWord string
	for _, t := range w.Query.Terms {
		if !t.Not && !t.Prefix && len(t.Token) > len(anchorWord) {
			anchorWord = t.Token
		}
	}
	if anchorWord != "" {
		s.anchor = intern[uint32](x.terms, nil, anchorWord)
	}
	var id uint32
	if n := len(x.free); n > 0 {
		id = x.free[n-1]
		x.free = x.free[:n-1]
	} else {
		id = uint32(len(x.slots))
		x.slots = append(x.slots, slot{})
		x.ids = append(x.ids, "")
	}
	if w.Query.Simple() {
		if len(w.Query.Terms) > 1 || anchorWord == "" {
			s.terms = make([]uint32, 0, len(w.Query.Terms))
			for _, t := range w.Query.Terms {
				if tid := intern[uint32](x.terms, nil, t.Token); tid != s.anchor {
					s.terms = append(s.terms, tid)
				}
			}
		}
	} else {
		s.flags |= flagComplex
		x.complex[id] = w.Query
	}
	x.slots[id] = s
	x.ids[id] = w.ID
	x.bySlot[w.ID] = id
	x.perLevel[s.cov.level]++
	p := posting{anchor: s.anchor, slot: id, kinds: s.kinds}
	s.cov.keys(s.cat, func(k uint64) {
		list := x.cells[k]
		if sorted {
			i, _ := slices.BinarySearchFunc(list, p, cmpPosting)
			list = slices.Insert(list, i, p)
		} else {
			list = append(list, p)
		}
		x.cells[k] = list
	})
}

func (x *Index) remove(id string) {
	sid, ok := x.bySlot[id]
	if !ok {
		return
	}
	s := &x.slots[sid]
	p := posting{anchor: s.anchor, slot: sid}
	s.cov.keys(s.cat, func(k uint64) {
		list := x.cells[k]
		if i, found := slices.BinarySearchFunc(list, p, cmpPosting); found {
			list = slices.Delete(list, i, i+1)
		}
		if len(list) == 0 {
			delete(x.cells, k)
		} else {
			x.cells[k] = list
		}
	})
	x.perLevel[s.cov.level]--
	delete(x.complex, sid)
	delete(x.bySlot, id)
	*s = slot{}
	x.ids[sid] = ""
	x.free = append(x.free, sid)
}

// Match returns the ids of the wants that accept offer, in no set order.
func (x *Index) Match(o *Offer) []string {
	var out []string
	x.Probe(o, func(id string) { out = append(out, id) })
	return out
}

// Probe calls fn with the id of every want that accepts offer, under the
// index's read lock (fn must not call the index).
func (x *Index) Probe(o *Offer, fn func(wantID string)) {
	pr := probePool.Get().(*probe)
	defer probePool.Put(pr)
	x.mu.RLock()
	defer x.mu.RUnlock()

	// the offer's words as term ids, sorted: words no want uses are dropped
	pr.toks = append(pr.toks[:0], 0) // wants without an anchor word
	for t := range o.Tokens {
		if id, ok := x.terms[t]; ok {
			pr.toks = append(pr.toks, id)
		}
	}
	slices.Sort(pr.toks)
	// and as a bitset, for the wants' other words: one load instead of a
	// binary search (cleared again below, bit by bit)
	if n := (len(x.terms) + 63) / 64; len(pr.bits) < n {
		pr.bits = make([]uint64, n)
	}
	for _, t := range pr.toks {
		pr.bits[t/64] |= 1 << (t % 64)
	}
	defer func() {
		for _, t := range pr.toks {
			pr.bits[t/64] = 0
		}
	}()

	var cats [maxCategoryDepth + 2]uint16
	nc := 0
	cats[nc], nc = 0, 1
	for _, c := range ancestors(o.Category, x.parents) {
		if id, ok := x.cats[c]; ok {
			cats[nc] = id
			nc++
		}
	}

	pr.x, pr.o, pr.fn = x, o, fn
	pr.owner, pr.hasOwner = x.owners[o.Owner]
	pr.kind = kindBit(o.Kind)
	pr.p = [3]float64{}
	if o.HasLocation {
		pr.p = toVec(o.Lat, o.Lon)
	}
	pr.currency, pr.hasCurrency = x.currencies[o.Currency]
	pr.unit = 0
	if i := slices.Index(schema.PriceUnits, o.PriceUnit); i >= 0 {
		pr.unit = uint8(i + 1)
	} else if o.PriceUnit != "" {
		pr.unit = 0xff // a unit no want names
	}
	for ci := 0; ci < nc; ci++ {
		cat := cats[ci]
		if x.perLevel[levelNoLoc] > 0 {
			pr.scan(x.cells[cellKey(levelNoLoc, 0, 0, cat)])
		}
		if !o.HasLocation {
			continue
		}
		for l := 0; l < levels; l++ {
			if x.perLevel[l] == 0 {
				continue
			}
			pr.scan(x.cells[cellKey(l, latIndex(l, o.Lat), lonIndex(l, o.Lon), cat)])
		}
	}
	pr.x, pr.o, pr.fn = nil, nil, nil
}

// probe is the state of one Probe, pooled so that a probe allocates
// nothing.
type probe struct {
	x           *Index
	o           *Offer
	fn          func(string)
	toks        []uint32 // the offer's term ids, sorted, 0 first
	bits        []uint64 // the same as a bitset
	p           [3]float64
	owner       uint32
	hasOwner    bool
	kind        uint8
	currency    uint16
	hasCurrency bool
	unit        uint8 // the offer's price unit, 1-based; 0: none
}

var probePool = sync.Pool{New: func() any { return &probe{toks: make([]uint32, 0, 64)} }}

// scan merges a cell's postings (sorted by anchor) with the offer's sorted
// words and checks the wants whose anchor the offer has.
func (pr *probe) scan(list []posting) {
	if len(list) == 0 {
		return
	}
	i := 0
	for _, t := range pr.toks {
		// skip to the first posting of t: galloping, then binary search,
		// since the offer has few words and a list has many anchors
		if list[i].anchor < t {
			step := 1
			for i+step < len(list) && list[i+step].anchor < t {
				i += step
				step *= 2
			}
			lo, hi := i+1, min(i+step, len(list))
			for lo < hi {
				m := int(uint(lo+hi) >> 1)
				if list[m].anchor < t {
					lo = m + 1
				} else {
					hi = m
				}
			}
			i = lo
			if i == len(list) {
				return
			}
		}
		for ; i < len(list) && list[i].anchor == t; i++ {
			if k := list[i].kinds; k != 0 && k&pr.kind == 0 {
				continue
			}
			pr.check(list[i].slot)
		}
		if i == len(list) {
			return
		}
	}
}

// check applies the rest of the rule to one want, cheapest tests first.
func (pr *probe) check(sid uint32) {
	x := pr.x
	s := &x.slots[sid]
	if pr.hasOwner && s.owner == pr.owner {
		return
	}
	for _, t := range s.terms {
		if pr.bits[t/64]&(1<<(t%64)) == 0 {
			return
		}
	}
	if s.flags&flagHasLoc != 0 && !within(s.center, s.c2, pr.p) {
		return
	}
	if s.maxPrice > 0 && pr.o.Price > 0 {
		if !pr.hasCurrency || s.currency != pr.currency {
			return
		}
		if s.unit != 0 && pr.unit != 0 && s.unit != pr.unit {
			return
		}
		if pr.o.Price > s.maxPrice {
			return
		}
	}
	if s.flags&flagComplex != 0 {
		if _, ok := x.complex[sid].Match(pr.o.Tokens); !ok {
			return
		}
	}
	pr.fn(x.ids[sid])
}

// replace takes y's content (y must not be used afterwards): a rebuild
// swaps in at once, and probes never see a half-built index.
func (x *Index) replace(y *Index) {
	y.mu.Lock()
	defer y.mu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.slots, x.ids, x.bySlot, x.free = y.slots, y.ids, y.bySlot, y.free
	x.cells, x.perLevel, x.complex = y.cells, y.perLevel, y.complex
	x.terms, x.owners, x.ownerIDs = y.terms, y.owners, y.ownerIDs
	x.cats, x.catIDs, x.currencies, x.parents = y.cats, y.catIDs, y.currencies, y.parents
}

// Verify checks the index's own structure: every want sits in exactly the
// cells its cover names, and every cell entry points at a live want. It
// returns the problems found.
func (x *Index) Verify() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var problems []string
	seen := 0
	for key, list := range x.cells {
		if !slices.IsSortedFunc(list, cmpPosting) {
			problems = append(problems, fmt.Sprintf("cell %x is not sorted", key))
		}
		for _, p := range list {
			s := &x.slots[p.slot]
			if s.flags&flagUsed == 0 || s.anchor != p.anchor || s.kinds != p.kinds {
				problems = append(problems, fmt.Sprintf("cell %x points at a removed or changed want", key))
				continue
			}
			in := false
			s.cov.keys(s.cat, func(k uint64) { in = in || k == key })
			if !in {
				problems = append(problems, fmt.Sprintf("want %s is in cell %x outside its cover", x.ids[p.slot], key))
			}
			seen++
		}
	}
	expected := 0
	for id, sid := range x.bySlot {
		s := &x.slots[sid]
		if x.ids[sid] != id {
			problems = append(problems, fmt.Sprintf("want %s: slot names %s", id, x.ids[sid]))
		}
		s.cov.keys(s.cat, func(k uint64) {
			expected++
			if _, ok := slices.BinarySearchFunc(x.cells[k], posting{s.anchor, sid, s.kinds}, cmpPosting); !ok {
				problems = append(problems, fmt.Sprintf("want %s is missing from cell %x", id, k))
			}
		})
	}
	if seen != expected {
		problems = append(problems, fmt.Sprintf("%d cell entries for %d expected", seen, expected))
	}
	return problems
}
