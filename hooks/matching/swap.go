package matching

import (
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"peerbase/hooks/text"
)

// maxSwapFanout bounds how many offers on each side of a new swap offer are
// combined into three-way cycles, so that one offer of very common words
// costs a bounded time. The rule (README, "Swap matching"): two-way swaps
// are all found; three-way ones among the maxSwapFanout best offers on
// each side (those whose owners want the new offer, and those that give
// what its owner wants): nearest first (an offer without a location after
// every located one), then newest first, then by id.
const maxSwapFanout = 100

// DefaultSwapRadiusKm is the farthest two swapped offers may be apart.
const DefaultSwapRadiusKm = 50

// SwapOffer is what swap matching needs of an active swap offer: what it
// gives (its words) and what its owner would take in return (alternatives,
// any one will do: "Pandemic, Spirit Island, or a Dixit expansion").
type SwapOffer struct {
	ID, Owner, Title string
	Gives            text.Set
	Wants            []text.Query
	// Created orders the offers of equal distance for three-way cycles:
	// the newest are the likeliest still to be had.
	Created time.Time
	// HasLocation false: the offer is no farther than the radius from any
	// other.
	HasLocation bool
	Lat, Lon    float64
}

// givesQuery reports whether an offer of these words gives what q asks
// for: a query without words asks for nothing in particular, which is no
// basis for a swap. It is the rule written plainly; the index compares word
// ids first.
func givesQuery(words text.Set, q text.Query) bool {
	if positiveTermsOf(q) == 0 {
		return false
	}
	for _, t := range q.Terms {
		has := words.Has(t.Token)
		if t.Prefix {
			has = words.HasPrefix(t.Token)
		}
		if has == t.Not {
			return false
		}
	}
	return true
}

func positiveTermsOf(q text.Query) int {
	n := 0
	for _, t := range q.Terms {
		if !t.Not {
			n++
		}
	}
	return n
}

// Cycle is a swap found for a new offer: Offers[i] goes to the owner of
// Offers[(i+1) % len]; every owner is a different person.
type Cycle struct {
	Offers []*SwapOffer
}

// Key is the cycle's identity whichever offer completed it: its offer ids
// in order, starting from the smallest.
func (c Cycle) Key() string {
	ids := make([]string, len(c.Offers))
	for i, o := range c.Offers {
		ids[i] = o.ID
	}
	start := 0
	for i := range ids {
		if ids[i] < ids[start] {
			start = i
		}
	}
	rot := append(slices.Clone(ids[start:]), ids[:start]...)
	return strings.Join(rot, ">")
}

// SwapIndex holds the active swap offers, numbered, with posting lists of
// offer numbers by the word ids they give and by the anchor word id of what
// they want, so that finding a new offer's cycles reads lists of integers
// and compares sorted word ids, without a map lookup per candidate. Safe for
// concurrent use.
type SwapIndex struct {
	mu      sync.RWMutex
	entries []swapEntry
	byID    map[string]uint32
	free    []uint32
	terms   map[string]uint32 // word -> word id
	byGive  [][]uint32        // word id -> offers giving it
	byWant  [][]uint32        // word id -> offers whose alternative's anchor it is
	owners  map[string]uint32
	c2      float32 // squared chord of the radius; 0: no limit
	radius  float64
	scratch sync.Pool
}

// swapEntry is one held offer in the form Cycles reads.
type swapEntry struct {
	o       *SwapOffer
	created int64 // Unix nanoseconds
	owner   uint32
	used    bool
	hasLoc  bool
	loc     vec
	gives   []uint32 // sorted word ids of o.Gives
	wants   []swapWant
}

// swapWant is one alternative of what an offer's owner would take.
type swapWant struct {
	pos    []uint32 // the plain required words' ids, sorted
	anchor uint32   // the longest of them, or noTerm
	q      text.Query
	plain  bool // no prefix or negated words: pos says it all
}

const noTerm = ^uint32(0)

// swapScratch is one Cycles call's working memory, pooled: marks per offer
// number, valid when equal to the call's epoch.
type swapScratch struct {
	epoch   uint32
	inMark  []uint32
	outMark []uint32
	gives   []uint32
	in, out []uint32
	cands   []swapCand
}

// NewSwapIndex returns an empty swap index without a distance limit.
func NewSwapIndex() *SwapIndex {
	return &SwapIndex{byID: map[string]uint32{}, terms: map[string]uint32{}, owners: map[string]uint32{}}
}

// SetRadius sets the farthest two swapped offers may be apart, in km (0 or
// less: no limit). Offers without a location are never too far.
func (x *SwapIndex) SetRadius(km float64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.radius, x.c2 = km, 0
	if km > 0 {
		x.c2 = chord2(km)
	}
}

func anchorOf(q text.Query) string {
	a := ""
	for _, t := range q.Terms {
		if !t.Not && !t.Prefix && len(t.Token) > len(a) {
			a = t.Token
		}
	}
	return a
}

func (x *SwapIndex) term(tok string) uint32 {
	if id, ok := x.terms[tok]; ok {
		return id
	}
	id := uint32(len(x.terms))
	x.terms[tok] = id
	x.byGive = append(x.byGive, nil)
	x.byWant = append(x.byWant, nil)
	return id
}

func dropFrom(list []uint32, n uint32) []uint32 {
	for i, v := range list {
		if v == n {
			list[i] = list[len(list)-1]
			return list[:len(list)-1]
		}
	}
	return list
}

// Put adds or replaces a swap offer.
func (x *SwapIndex) Put(o *SwapOffer) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(o.ID)
	e := swapEntry{o: o, used: true, hasLoc: o.HasLocation, created: o.Created.UnixNano()}
	if id, ok := x.owners[o.Owner]; ok {
		e.owner = id
	} else {
		e.owner = uint32(len(x.owners))
		x.owners[o.Owner] = e.owner
	}
	if o.HasLocation {
		e.loc = toVec32(o.Lat, o.Lon)
	}
	for t := range o.Gives {
		e.gives = append(e.gives, x.term(t))
	}
	slices.Sort(e.gives)
	for _, q := range o.Wants {
		w := swapWant{q: q, plain: q.Simple(), anchor: noTerm}
		for _, t := range q.Terms {
			if !t.Not && !t.Prefix {
				w.pos = append(w.pos, x.term(t.Token))
			}
		}
		slices.Sort(w.pos)
		if a := anchorOf(q); a != "" {
			w.anchor = x.term(a)
		}
		e.wants = append(e.wants, w)
	}
	var n uint32
	if k := len(x.free); k > 0 {
		n, x.free = x.free[k-1], x.free[:k-1]
	} else {
		n = uint32(len(x.entries))
		x.entries = append(x.entries, swapEntry{})
	}
	x.entries[n] = e
	x.byID[o.ID] = n
	for _, t := range e.gives {
		x.byGive[t] = append(x.byGive[t], n)
	}
	for _, a := range e.anchors() {
		x.byWant[a] = append(x.byWant[a], n)
	}
}

// anchors returns the distinct anchor word ids of the entry's alternatives.
func (e *swapEntry) anchors() []uint32 {
	var out []uint32
	for _, w := range e.wants {
		if w.anchor != noTerm && !slices.Contains(out, w.anchor) {
			out = append(out, w.anchor)
		}
	}
	return out
}

// Remove removes a swap offer.
func (x *SwapIndex) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(id)
}

func (x *SwapIndex) remove(id string) {
	n, ok := x.byID[id]
	if !ok {
		return
	}
	e := &x.entries[n]
	for _, t := range e.gives {
		x.byGive[t] = dropFrom(x.byGive[t], n)
	}
	for _, a := range e.anchors() {
		x.byWant[a] = dropFrom(x.byWant[a], n)
	}
	*e = swapEntry{}
	delete(x.byID, id)
	x.free = append(x.free, n)
}

// Len returns the number of swap offers held.
func (x *SwapIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byID)
}

// hasAll reports whether the sorted list has every id of the sorted want.
func hasAll(list, want []uint32) bool {
	i := 0
	for _, w := range want {
		for i < len(list) && list[i] < w {
			i++
		}
		if i == len(list) || list[i] != w {
			return false
		}
		i++
	}
	return true
}

// givesWant reports whether an offer with the sorted word ids ids (and the
// words words) gives what w asks for: a want without plain words asks for
// nothing in particular, which is no basis for a swap.
func givesWant(ids []uint32, words text.Set, w *swapWant) bool {
	if len(w.pos) == 0 || !hasAll(ids, w.pos) {
		return false
	}
	return w.plain || givesQuery(words, w.q)
}

func givesAnyWant(ids []uint32, words text.Set, wants []swapWant) bool {
	for i := range wants {
		if givesWant(ids, words, &wants[i]) {
			return true
		}
	}
	return false
}

// near reports whether two offers are within the radius of each other.
func (x *SwapIndex) near(a, b *swapEntry) bool {
	if x.c2 == 0 || !a.hasLoc || !b.hasLoc {
		return true
	}
	return within(a.loc, x.c2, [3]float64{float64(b.loc[0]), float64(b.loc[1]), float64(b.loc[2])})
}

// Cycles returns the two-way and three-way swaps that the new offer o
// completes with the held offers (o itself need not be held), every leg
// within the radius. allowed tells whether two people may swap (not the
// same person, no block).
func (x *SwapIndex) Cycles(o *SwapOffer, allowed func(a, b string) bool) []Cycle {
	sc, _ := x.scratch.Get().(*swapScratch)
	if sc == nil {
		sc = &swapScratch{}
	}
	defer x.scratch.Put(sc)
	x.mu.RLock()
	defer x.mu.RUnlock()

	if len(sc.inMark) < len(x.entries) {
		sc.inMark = make([]uint32, len(x.entries)+len(x.entries)/4)
		sc.outMark = make([]uint32, len(sc.inMark))
		sc.epoch = 0
	}
	sc.epoch++
	if sc.epoch == 0 { // wrapped: old marks could pass for new ones
		clear(sc.inMark)
		clear(sc.outMark)
		sc.epoch = 1
	}
	epoch := sc.epoch

	// o in the index's terms (a word no held offer names matters to none)
	self := swapEntry{o: o, hasLoc: o.HasLocation, owner: noTerm}
	if id, ok := x.owners[o.Owner]; ok {
		self.owner = id
	}
	if o.HasLocation {
		self.loc = toVec32(o.Lat, o.Lon)
	}
	sc.gives = sc.gives[:0]
	for t := range o.Gives {
		if id, ok := x.terms[t]; ok {
			sc.gives = append(sc.gives, id)
		}
	}
	slices.Sort(sc.gives)
	self.gives = sc.gives
	selfN, held := x.byID[o.ID]
	candidate := func(n uint32) *swapEntry {
		if held && n == selfN {
			return nil
		}
		y := &x.entries[n]
		// owners are numbered: an owner the index lacks owns none of it
		if y.owner == self.owner || !x.near(&self, y) {
			return nil
		}
		return y
	}

	// out: offers that give what o's owner wants (o's owner receives
	// them), read per alternative from its rarest plain word's list
	sc.out = sc.out[:0]
	for _, q := range o.Wants {
		w := swapWant{q: q, plain: q.Simple(), anchor: noTerm}
		rarest, found := noTerm, true
		for _, t := range q.Terms {
			if t.Not || t.Prefix {
				continue
			}
			id, ok := x.terms[t.Token]
			if !ok {
				found = false // nobody gives this word
				break
			}
			w.pos = append(w.pos, id)
			if rarest == noTerm || len(x.byGive[id]) < len(x.byGive[rarest]) {
				rarest = id
			}
		}
		if !found || rarest == noTerm {
			continue
		}
		slices.Sort(w.pos)
		for _, n := range x.byGive[rarest] {
			if sc.outMark[n] == epoch {
				continue
			}
			if y := candidate(n); y != nil && givesWant(y.gives, y.o.Gives, &w) {
				sc.outMark[n] = epoch
				sc.out = append(sc.out, n)
			}
		}
	}
	// in: offers whose owners want what o gives (they receive o)
	sc.in = sc.in[:0]
	for _, t := range sc.gives {
		for _, n := range x.byWant[t] {
			if sc.inMark[n] == epoch {
				continue
			}
			if y := candidate(n); y != nil && givesAnyWant(sc.gives, o.Gives, y.wants) {
				sc.inMark[n] = epoch
				sc.in = append(sc.in, n)
			}
		}
	}
	var cycles []Cycle
	// two-way: o goes to y's owner, y comes to o's owner
	for _, n := range sc.in {
		if sc.outMark[n] == epoch {
			if y := x.entries[n].o; allowed(o.Owner, y.Owner) {
				cycles = append(cycles, Cycle{Offers: []*SwapOffer{o, y}})
			}
		}
	}
	// three-way: o goes to y's owner, y to z's owner, z to o's owner, among
	// the nearest maxSwapFanout on each side
	ins := x.nearest(&self, sc.in, sc)
	outs := x.nearest(&self, sc.out, sc)
	for _, yn := range ins {
		y := &x.entries[yn]
		if !allowed(o.Owner, y.o.Owner) {
			continue
		}
		for _, zn := range outs {
			z := &x.entries[zn]
			if z.owner == y.owner || zn == yn || !x.near(y, z) || !givesAnyWant(y.gives, y.o.Gives, z.wants) {
				continue
			}
			if allowed(y.o.Owner, z.o.Owner) && allowed(z.o.Owner, o.Owner) {
				cycles = append(cycles, Cycle{Offers: []*SwapOffer{o, y.o, z.o}})
			}
		}
	}
	return cycles
}

// swapCand is a candidate for a three-way cycle with its ranking keys.
type swapCand struct {
	d       float64 // squared chord to the new offer; +Inf without locations
	created int64
	n       uint32
}

// nearest returns the maxSwapFanout best offers of list for self (the rule
// of maxSwapFanout), best first.
func (x *SwapIndex) nearest(self *swapEntry, list []uint32, sc *swapScratch) []uint32 {
	cands := sc.cands[:0]
	for _, n := range list {
		e := &x.entries[n]
		c := swapCand{d: math.Inf(1), created: e.created, n: n}
		if self.hasLoc && e.hasLoc {
			dx := float64(self.loc[0] - e.loc[0])
			dy := float64(self.loc[1] - e.loc[1])
			dz := float64(self.loc[2] - e.loc[2])
			c.d = dx*dx + dy*dy + dz*dz
		}
		cands = append(cands, c)
	}
	sc.cands = cands
	cmp := func(a, b swapCand) int {
		switch {
		case a.d != b.d:
			return cmpFloat(a.d, b.d)
		case a.created != b.created:
			return -cmpInt64(a.created, b.created)
		}
		return strings.Compare(x.entries[a.n].o.ID, x.entries[b.n].o.ID)
	}
	if len(cands) > maxSwapFanout {
		// a bounded max-heap of the best keeps this linear in the list
		h := cands[:maxSwapFanout]
		slices.SortFunc(h, func(a, b swapCand) int { return -cmp(a, b) })
		for _, c := range cands[maxSwapFanout:] {
			if cmp(c, h[0]) < 0 {
				h[0] = c
				siftDown(h, cmp)
			}
		}
		cands = h
	}
	slices.SortFunc(cands, cmp)
	out := list[:0]
	for _, c := range cands {
		out = append(out, c.n)
	}
	return out
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// siftDown restores the max-heap h (by cmp) after its root changed.
func siftDown(h []swapCand, cmp func(a, b swapCand) int) {
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && cmp(h[r], h[l]) > 0 {
			m = r
		}
		if cmp(h[m], h[i]) <= 0 {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// IDs returns the ids of the held swap offers, sorted.
func (x *SwapIndex) IDs() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, len(x.byID))
	for id := range x.byID {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// replace takes y's offers (y must not be used afterwards); x keeps its
// radius.
func (x *SwapIndex) replace(y *SwapIndex) {
	y.mu.Lock()
	defer y.mu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.entries, x.byID, x.free, x.terms = y.entries, y.byID, y.free, y.terms
	x.byGive, x.byWant, x.owners = y.byGive, y.byWant, y.owners
}
