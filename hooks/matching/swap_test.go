package matching

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"peerbase/hooks/text"
)

func swapOffer(id, owner, title, wants string) *SwapOffer {
	return &SwapOffer{ID: id, Owner: owner, Gives: text.TokenSet(title), Wants: text.ParseAlternatives(wants)}
}

func cycleKeys(cs []Cycle) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key())
	}
	slices.Sort(out)
	return out
}

func TestSwapCycles(t *testing.T) {
	t.Parallel()
	x := NewSwapIndex()
	for _, o := range []*SwapOffer{
		swapOffer("b-games", "ben", "Board games: Pandemic", "keyboard"),  // 2-way with ana
		swapOffer("c-keyb", "chloe", "61-key digital keyboard", "novels"), // ana -> ... see 3-way
		swapOffer("d-novels", "dan", "Crime novels", "pandemic"),          // 3-way: ana's? no: see below
		swapOffer("e-novels", "eve", "Fantasy novels", "guitar"),          // decoy: wants what nobody gives
		swapOffer("a-other", "ana", "A second keyboard", "pandemic"),      // ana's own: never with herself
		swapOffer("f-vague", "frank", "Keyboard stand", ""),               // wants nothing in particular
		swapOffer("g-blocked", "gina", "Another keyboard", "pandemic"),    // gina blocked ana
	} {
		x.Put(o)
	}
	blocked := map[[2]string]bool{{"gina", "ana"}: true, {"ana", "gina"}: true}
	allowed := func(a, b string) bool { return a != b && !blocked[[2]string{a, b}] }

	// ana gives a keyboard and wants Pandemic:
	// 2-way with ben (board games for a keyboard);
	// 3-way ana -> chloe? chloe gives a keyboard, wants novels: no.
	ana := swapOffer("a-keyb", "ana", "Yamaha keyboard", "pandemic")
	got := cycleKeys(x.Cycles(ana, allowed))
	if want := []string{"a-keyb>b-games"}; !slices.Equal(got, want) {
		t.Errorf("ana's cycles: %v, want %v", got, want)
	}

	// hugo gives novels and wants a keyboard: 3-way hugo -> chloe (wants
	// novels) -> ... chloe gives a keyboard to hugo: that is 2-way;
	// 3-way hugo -> dan? dan wants pandemic: no. So: 2-way with chloe, and
	// with ben's keyboard? ben wants a keyboard, gives games: no.
	hugo := swapOffer("h-novels", "hugo", "Detective novels", "keyboard")
	if got, want := cycleKeys(x.Cycles(hugo, allowed)), []string{"c-keyb>h-novels"}; !slices.Equal(got, want) {
		t.Errorf("hugo's cycles: %v, want %v", got, want)
	}

	// ivan gives Pandemic and wants novels: ivan -> dan (wants pandemic)
	// -> ? dan gives novels to ivan: 2-way. 3-way: ivan -> ben (wants a
	// keyboard: no). ivan -> dan -> ... ; ivan -> a-other (ana's, wants
	// pandemic) -> chloe? ana gives a keyboard, chloe wants novels: no;
	// ana's keyboard -> ben wants a keyboard... ben gives games to ivan?
	// ivan wants novels: no. So only the 2-way with dan, and the 3-way
	// ivan -> ana (a-other) -> chloe? no. -> ben? ben gives games, ivan
	// wants novels: no.
	ivan := swapOffer("i-pandemic", "ivan", "Pandemic board game", "novels")
	got = cycleKeys(x.Cycles(ivan, allowed))
	if want := []string{"d-novels>i-pandemic"}; !slices.Equal(got, want) {
		t.Errorf("ivan's cycles: %v, want %v", got, want)
	}

	// alternatives: kim takes a violin or a keyboard, and chloe takes novels
	kim := swapOffer("k-novels", "kim", "Detective novels", "a violin, or a keyboard")
	if got, want := cycleKeys(x.Cycles(kim, allowed)), []string{"c-keyb>k-novels"}; !slices.Equal(got, want) {
		t.Errorf("kim's cycles: %v, want %v", got, want)
	}

	// a pure three-way: jo gives a guitar, wants a keyboard. eve wants a
	// guitar and gives novels; chloe wants novels and gives a keyboard:
	// jo -> eve -> chloe -> jo
	jo := swapOffer("j-guitar", "jo", "Acoustic guitar", "keyboard")
	got = cycleKeys(x.Cycles(jo, allowed))
	if want := []string{"c-keyb>j-guitar>e-novels"}; !slices.Equal(got, want) {
		t.Errorf("jo's cycles: %v, want %v", got, want)
	}
	// the same cycle completed by another of its offers has the same key
	x.Put(jo)
	x.Remove("c-keyb")
	chloe := swapOffer("c-keyb", "chloe", "61-key digital keyboard", "novels")
	found := false
	for _, c := range x.Cycles(chloe, allowed) {
		found = found || c.Key() == "c-keyb>j-guitar>e-novels"
	}
	if !found {
		t.Errorf("chloe's offer does not find the same cycle: %v", cycleKeys(x.Cycles(chloe, allowed)))
	}
}

// TestSwapCyclesEqualBruteForce checks the index against the rule written
// plainly, on random offers: small vocabularies (so that many offers are
// combined, beyond the fan-out limit), prefixes and negations, offers with
// and without a location in two cities further apart than the radius.
func TestSwapCyclesEqualBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 5))
	vocab := []string{"keyboard", "guitar", "novel", "pandemic", "drill", "tent", "lamp", "chess", "bike", "radio",
		"camera", "violin", "puzzle", "stroller", "kettle", "sofa", "dixit", "ladder", "skate", "globe"}
	word := func() string { return vocab[min(len(vocab)-1, int(math.Pow(rng.Float64(), 2)*float64(len(vocab))))] }
	const radius = 30.0
	places := [][2]float64{{45.76, 4.84}, {48.86, 2.35}}
	mk := func(i int) *SwapOffer {
		gives := ""
		for range 1 + rng.IntN(4) {
			gives += word() + " "
		}
		var alts []string
		for range 1 + rng.IntN(2) {
			alt := word()
			switch r := rng.IntN(10); {
			case r == 0:
				alt += " -" + word()
			case r == 1:
				alt = word()[:3] + "*"
			case r == 2:
				alt += " " + word() + "*"
			}
			alts = append(alts, alt)
		}
		o := &SwapOffer{ID: fmt.Sprintf("s%04d", i), Owner: fmt.Sprintf("u%02d", rng.IntN(40)),
			Gives: text.TokenSet(gives), Wants: text.ParseAlternatives(strings.Join(alts, ", ")),
			Created: time.Unix(1_800_000_000+int64(rng.IntN(50)), 0)} // ties too
		if rng.IntN(5) > 0 {
			p := places[rng.IntN(2)]
			o.HasLocation, o.Lat, o.Lon = true, p[0]+rng.NormFloat64()*0.15, p[1]+rng.NormFloat64()*0.2
		}
		return o
	}
	x := NewSwapIndex()
	x.SetRadius(radius)
	var held []*SwapOffer
	for i := range 600 {
		o := mk(i)
		x.Put(o)
		held = append(held, o)
	}
	// replace and remove some, so that free numbers are reused
	for i := range 60 {
		x.Remove(held[i*7].ID)
		if i%2 == 0 {
			o := mk(1000 + i)
			o.ID = held[i*7].ID
			x.Put(o)
			held[i*7] = o
		} else {
			held[i*7] = nil
		}
	}
	held = slices.DeleteFunc(held, func(o *SwapOffer) bool { return o == nil })
	blocked := map[[2]string]bool{{"u01", "u02"}: true, {"u02", "u01"}: true, {"u03", "u07"}: true, {"u07", "u03"}: true}
	allowed := func(a, b string) bool { return a != b && !blocked[[2]string{a, b}] }

	c2 := chord2(radius)
	near := func(a, b *SwapOffer) bool {
		if !a.HasLocation || !b.HasLocation {
			return true
		}
		v := toVec32(b.Lat, b.Lon)
		return within(toVec32(a.Lat, a.Lon), c2, [3]float64{float64(v[0]), float64(v[1]), float64(v[2])})
	}
	// an alternative counts when it has a whole word and the words match
	givesAny := func(o *SwapOffer, alts []text.Query) bool {
		for _, q := range alts {
			if anchorOf(q) != "" && givesQuery(o.Gives, q) {
				return true
			}
		}
		return false
	}
	dist := func(a, b *SwapOffer) float64 {
		if !a.HasLocation || !b.HasLocation {
			return math.Inf(1)
		}
		va, vb := toVec32(a.Lat, a.Lon), toVec32(b.Lat, b.Lon)
		dx, dy, dz := float64(va[0]-vb[0]), float64(va[1]-vb[1]), float64(va[2]-vb[2])
		return dx*dx + dy*dy + dz*dz
	}
	nearest := func(o *SwapOffer, list []*SwapOffer) []*SwapOffer {
		slices.SortFunc(list, func(a, b *SwapOffer) int {
			if da, db := dist(o, a), dist(o, b); da != db {
				return cmpFloat(da, db)
			}
			if c := b.Created.Compare(a.Created); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		return list[:min(len(list), maxSwapFanout)]
	}
	beyondFanout := 0
	for i := range 300 {
		o := mk(5000 + i)
		if i%10 == 0 {
			o = held[rng.IntN(len(held))] // a held offer that changed
		}
		var in, out []*SwapOffer
		for _, y := range held {
			if y.ID == o.ID || y.Owner == o.Owner || !near(o, y) {
				continue
			}
			if givesAny(o, y.Wants) {
				in = append(in, y)
			}
			if givesAny(y, o.Wants) {
				out = append(out, y)
			}
		}
		if len(in) > maxSwapFanout || len(out) > maxSwapFanout {
			beyondFanout++
		}
		var want []string
		for _, y := range in {
			if slices.Contains(out, y) && allowed(o.Owner, y.Owner) {
				want = append(want, Cycle{Offers: []*SwapOffer{o, y}}.Key())
			}
		}
		for _, y := range nearest(o, slices.Clone(in)) {
			for _, z := range nearest(o, slices.Clone(out)) {
				if z.Owner != y.Owner && z.ID != y.ID && near(y, z) && givesAny(y, z.Wants) &&
					allowed(o.Owner, y.Owner) && allowed(y.Owner, z.Owner) && allowed(z.Owner, o.Owner) {
					want = append(want, Cycle{Offers: []*SwapOffer{o, y, z}}.Key())
				}
			}
		}
		slices.Sort(want)
		if got := cycleKeys(x.Cycles(o, allowed)); !slices.Equal(got, want) {
			t.Fatalf("offer %d (%s wants %v): %d cycles, brute force %d\n%v\n%v", i, o.ID, o.Wants, len(got), len(want), got, want)
		}
	}
	if beyondFanout == 0 {
		t.Fatal("no probe went beyond the fan-out limit: the test does not check the rule")
	}
}

// TestSwapRadius: offers further apart than the radius do not swap, an
// offer without a location swaps at any distance, and no radius is no
// limit.
func TestSwapRadius(t *testing.T) {
	t.Parallel()
	at := func(o *SwapOffer, lat, lon float64) *SwapOffer {
		o.HasLocation, o.Lat, o.Lon = true, lat, lon
		return o
	}
	allowed := func(a, b string) bool { return a != b }
	lyon := func() *SwapOffer { return at(swapOffer("a-keyb", "ana", "Yamaha keyboard", "pandemic"), 45.76, 4.84) }
	for _, c := range []struct {
		name   string
		radius float64
		ben    *SwapOffer
		want   []string
	}{
		{"20 km away, radius 50", 50, at(swapOffer("b-games", "ben", "Pandemic", "keyboard"), 45.76, 5.1), []string{"a-keyb>b-games"}},
		{"Paris, radius 50", 50, at(swapOffer("b-games", "ben", "Pandemic", "keyboard"), 48.86, 2.35), nil},
		{"Paris, no location", 50, swapOffer("b-games", "ben", "Pandemic", "keyboard"), []string{"a-keyb>b-games"}},
		{"Paris, no radius", 0, at(swapOffer("b-games", "ben", "Pandemic", "keyboard"), 48.86, 2.35), []string{"a-keyb>b-games"}},
	} {
		x := NewSwapIndex()
		x.SetRadius(c.radius)
		x.Put(c.ben)
		if got := cycleKeys(x.Cycles(lyon(), allowed)); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// three-way: every leg counts (ana in Lyon, ben 30 km east, chloe 30 km
	// further: ana-chloe is 60 km)
	x := NewSwapIndex()
	x.SetRadius(50)
	x.Put(at(swapOffer("b-novels", "ben", "Crime novels", "keyboard"), 45.76, 5.225))
	x.Put(at(swapOffer("c-games", "chloe", "Pandemic", "novels"), 45.76, 5.61))
	if got := cycleKeys(x.Cycles(lyon(), allowed)); len(got) != 0 {
		t.Errorf("a three-way cycle with a 60 km leg: %v", got)
	}
	x.SetRadius(70)
	if got, want := cycleKeys(x.Cycles(lyon(), allowed)), []string{"a-keyb>b-novels>c-games"}; !slices.Equal(got, want) {
		t.Errorf("radius 70: %v, want %v", got, want)
	}
}
