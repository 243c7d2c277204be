package matching

import (
	"slices"
	"strings"
	"sync"

	"peerbase/hooks/text"
)

// maxSwapFanout bounds how many offers on each side of a new swap offer are
// combined into three-way cycles, so that one offer of very common words
// costs a bounded time.
const maxSwapFanout = 100

// SwapOffer is what swap matching needs of an active swap offer: what it
// gives (its words) and what its owner would take in return (alternatives,
// any one will do: "Pandemic, Spirit Island, or a Dixit expansion").
type SwapOffer struct {
	ID, Owner, Title string
	Gives            text.Set
	Wants            []text.Query
}

// gives reports whether o gives what q asks for: a query without words
// asks for nothing in particular, which is no basis for a swap.
func gives(o *SwapOffer, q text.Query) bool {
	if positiveTermsOf(q) == 0 {
		return false
	}
	for _, t := range q.Terms {
		has := o.Gives.Has(t.Token)
		if t.Prefix {
			has = o.Gives.HasPrefix(t.Token)
		}
		if has == t.Not {
			return false
		}
	}
	return true
}

// givesAny reports whether o gives any of the alternatives.
func givesAny(o *SwapOffer, alts []text.Query) bool {
	for _, q := range alts {
		if gives(o, q) {
			return true
		}
	}
	return false
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

// SwapIndex holds the active swap offers by the words they give and by the
// anchor word of what they want. Safe for concurrent use.
type SwapIndex struct {
	mu     sync.RWMutex
	offers map[string]*SwapOffer
	byGive map[string]map[string]struct{} // token -> offers giving it
	byWant map[string]map[string]struct{} // anchor token -> offers wanting it
}

// NewSwapIndex returns an empty swap index.
func NewSwapIndex() *SwapIndex {
	return &SwapIndex{offers: map[string]*SwapOffer{}, byGive: map[string]map[string]struct{}{},
		byWant: map[string]map[string]struct{}{}}
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

func addTo(m map[string]map[string]struct{}, k, id string) {
	s := m[k]
	if s == nil {
		s = map[string]struct{}{}
		m[k] = s
	}
	s[id] = struct{}{}
}

func delFrom(m map[string]map[string]struct{}, k, id string) {
	if s := m[k]; s != nil {
		delete(s, id)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}

// Put adds or replaces a swap offer.
func (x *SwapIndex) Put(o *SwapOffer) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(o.ID)
	x.offers[o.ID] = o
	for t := range o.Gives {
		addTo(x.byGive, t, o.ID)
	}
	for _, q := range o.Wants {
		if a := anchorOf(q); a != "" {
			addTo(x.byWant, a, o.ID)
		}
	}
}

// Remove removes a swap offer.
func (x *SwapIndex) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(id)
}

func (x *SwapIndex) remove(id string) {
	o, ok := x.offers[id]
	if !ok {
		return
	}
	for t := range o.Gives {
		delFrom(x.byGive, t, id)
	}
	for _, q := range o.Wants {
		if a := anchorOf(q); a != "" {
			delFrom(x.byWant, a, id)
		}
	}
	delete(x.offers, id)
}

// Len returns the number of swap offers held.
func (x *SwapIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.offers)
}

// Cycles returns the two-way and three-way swaps that the new offer o
// completes with the held offers (o itself need not be held). allowed
// tells whether two people may swap (not the same person, no block).
func (x *SwapIndex) Cycles(o *SwapOffer, allowed func(a, b string) bool) []Cycle {
	x.mu.RLock()
	defer x.mu.RUnlock()

	// out: offers that give what o's owner wants (o's owner receives them)
	// out is read, per alternative, from the rarest word o's owner asks for
	var out []*SwapOffer
	for _, q := range o.Wants {
		rarest, found := "", false
		for _, t := range q.Terms {
			if !t.Not && !t.Prefix && (!found || len(x.byGive[t.Token]) < len(x.byGive[rarest])) {
				rarest, found = t.Token, true
			}
		}
		if !found {
			continue
		}
		for id := range x.byGive[rarest] {
			if y := x.offers[id]; y.ID != o.ID && y.Owner != o.Owner && gives(y, q) {
				out = append(out, y)
			}
		}
	}
	// in: offers whose owners want what o gives (they receive o)
	var in []*SwapOffer
	for t := range o.Gives {
		for id := range x.byWant[t] {
			if y := x.offers[id]; y.ID != o.ID && y.Owner != o.Owner && givesAny(o, y.Wants) {
				in = append(in, y)
			}
		}
	}
	byID := func(a, b *SwapOffer) int { return strings.Compare(a.ID, b.ID) }
	slices.SortFunc(out, byID)
	slices.SortFunc(in, byID)
	same := func(a, b *SwapOffer) bool { return a.ID == b.ID }
	out = slices.CompactFunc(out, same)
	in = slices.CompactFunc(in, same)

	var cycles []Cycle
	// two-way: o goes to y's owner, y comes to o's owner
	for _, y := range in {
		if _, ok := slices.BinarySearchFunc(out, y, byID); ok && allowed(o.Owner, y.Owner) {
			cycles = append(cycles, Cycle{Offers: []*SwapOffer{o, y}})
		}
	}
	// three-way: o goes to y's owner, y to z's owner, z to o's owner
	for _, y := range in[:min(len(in), maxSwapFanout)] {
		if !allowed(o.Owner, y.Owner) {
			continue
		}
		for _, z := range out[:min(len(out), maxSwapFanout)] {
			if z.Owner == y.Owner || z.ID == y.ID || !givesAny(y, z.Wants) {
				continue
			}
			if allowed(y.Owner, z.Owner) && allowed(z.Owner, o.Owner) {
				cycles = append(cycles, Cycle{Offers: []*SwapOffer{o, y, z}})
			}
		}
	}
	return cycles
}

// IDs returns the ids of the held swap offers, sorted.
func (x *SwapIndex) IDs() []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]string, 0, len(x.offers))
	for id := range x.offers {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// replace takes y's content (y must not be used afterwards).
func (x *SwapIndex) replace(y *SwapIndex) {
	y.mu.Lock()
	defer y.mu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.offers, x.byGive, x.byWant = y.offers, y.byGive, y.byWant
}
