package matching

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"peerbase/hooks/text"
)

// destination is the point distKm from (lat, lon) along bearing (degrees).
func destination(lat, lon, bearing, distKm float64) (float64, float64) {
	p1, l1, b := lat*math.Pi/180, lon*math.Pi/180, bearing*math.Pi/180
	d := distKm / EarthRadiusKm
	p2 := math.Asin(math.Sin(p1)*math.Cos(d) + math.Cos(p1)*math.Sin(d)*math.Cos(b))
	l2 := l1 + math.Atan2(math.Sin(b)*math.Sin(d)*math.Cos(p1), math.Cos(d)-math.Sin(p1)*math.Sin(p2))
	lon2 := math.Mod(l2*180/math.Pi+540, 360) - 180
	return p2 * 180 / math.Pi, lon2
}

func bruteForce(wants []*Want, o *Offer, parents map[string]string) []string {
	var out []string
	for _, w := range wants {
		if w != nil && w.Accepts(o, parents) {
			out = append(out, w.ID)
		}
	}
	slices.Sort(out)
	return out
}

func sorted(ids []string) []string {
	slices.Sort(ids)
	return ids
}

func geoWant(id string, lat, lon, r float64) *Want {
	return &Want{ID: id, Owner: "owner-" + id, HasLocation: true, Lat: lat, Lon: lon, RadiusKm: r}
}

func geoOffer(lat, lon float64) *Offer {
	return &Offer{ID: "o", Owner: "someone", Kind: "sell", HasLocation: true, Lat: lat, Lon: lon, Tokens: text.Set{}}
}

func TestRadiusEdges(t *testing.T) {
	t.Parallel()
	for _, lat := range []float64{0, 45.76, -33.9, 60, 80, 89.5, -89.9} {
		for _, r := range []float64{2, 10, 50, 500} {
			x := NewIndex()
			w := geoWant("w", lat, 4.84, r)
			x.Put(w)
			for b := 0.0; b < 360; b += 22.5 {
				inLat, inLon := destination(lat, 4.84, b, r-0.005)
				outLat, outLon := destination(lat, 4.84, b, r+0.005)
				if got := x.Match(geoOffer(inLat, inLon)); len(got) != 1 {
					t.Errorf("lat %v radius %v bearing %v: an offer 5 m inside the radius is not matched", lat, r, b)
				}
				if got := x.Match(geoOffer(outLat, outLon)); len(got) != 0 {
					t.Errorf("lat %v radius %v bearing %v: an offer 5 m outside the radius is matched", lat, r, b)
				}
			}
		}
	}
}

func TestPoles(t *testing.T) {
	t.Parallel()
	x := NewIndex()
	x.Put(geoWant("north", 89.99, 10, 5))     // the pole is 1.1 km away: every longitude
	x.Put(geoWant("south", -90, 0, 30))       // on the pole itself
	x.Put(geoWant("arctic", 85, 179, 40))     // wide in longitude, pole outside
	x.Put(geoWant("svalbard", 78.2, 15.6, 3)) // an ordinary small circle far north
	cases := []struct {
		lat, lon float64
		want     []string
	}{
		{90, 0, []string{"north"}},
		{90, 123, []string{"north"}},
		{89.985, -170, []string{"north"}}, // across the pole from the centre
		{89.9, 10, nil},                   // 10 km away
		{-89.8, 77, []string{"south"}},
		{-89.5, -120, nil},
		{85.1, -178.5, []string{"arctic"}}, // across the antimeridian too
		{85, -175, nil},
		{78.21, 15.62, []string{"svalbard"}},
	}
	for _, c := range cases {
		if got := sorted(x.Match(geoOffer(c.lat, c.lon))); !slices.Equal(got, c.want) {
			t.Errorf("offer at %v,%v: matched %v, want %v", c.lat, c.lon, got, c.want)
		}
	}
}

func TestAntimeridian(t *testing.T) {
	t.Parallel()
	x := NewIndex()
	x.Put(geoWant("east", -17.7, 179.99, 10))
	x.Put(geoWant("west", -17.7, -179.95, 20))
	cases := []struct {
		lat, lon float64
		want     []string
	}{
		{-17.7, -179.99, []string{"east", "west"}}, // 2 km west of "east" across the line
		{-17.7, 179.95, []string{"east", "west"}},
		{-17.7, -179.8, []string{"west"}},
		{-17.7, 179.8, nil},
		{-17.7, 180, []string{"east", "west"}},
	}
	for _, c := range cases {
		if got := sorted(x.Match(geoOffer(c.lat, c.lon))); !slices.Equal(got, c.want) {
			t.Errorf("offer at %v,%v: matched %v, want %v", c.lat, c.lon, got, c.want)
		}
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	parents := map[string]string{"drills": "tools", "tools-sub": "drills"}
	x := NewIndex()
	x.SetCategories(parents)
	wants := []*Want{
		{ID: "any", Owner: "ana"},
		{ID: "tools", Owner: "ben", Category: "tools"},
		{ID: "drills", Owner: "ben", Category: "drills"},
		{ID: "books", Owner: "ben", Category: "books"},
		{ID: "lend-only", Owner: "ben", Kinds: []string{"lend", "rent"}},
		{ID: "words", Owner: "ben", Query: text.ParseQuery("Perceuse Bosch")},
		{ID: "accents", Owner: "ben", Query: text.ParseQuery("perçeuses")},
		{ID: "not-makita", Owner: "ben", Query: text.ParseQuery("perceuse -makita")},
		{ID: "prefix", Owner: "ben", Query: text.ParseQuery("bos*")},
		{ID: "cheap-eur", Owner: "ben", MaxPrice: 20, Currency: "EUR"},
		{ID: "cheap-eur-day", Owner: "ben", MaxPrice: 20, Currency: "EUR", PriceUnit: "day"},
		{ID: "cheap-gbp", Owner: "ben", MaxPrice: 100, Currency: "GBP"},
		{ID: "near", Owner: "ben", HasLocation: true, Lat: 45.76, Lon: 4.84, RadiusKm: 5},
		{ID: "near-default-radius", Owner: "ben", HasLocation: true, Lat: 45.76, Lon: 4.84},
	}
	for _, w := range wants {
		x.Put(w)
	}
	offer := func(mod func(o *Offer)) *Offer {
		o := &Offer{ID: "o", Owner: "chloe", Kind: "sell", Category: "tools-sub",
			Tokens: text.TokenSet("Perceuse BOSCH à percussion"), Price: 15, Currency: "EUR", PriceUnit: "day",
			HasLocation: true, Lat: 45.78, Lon: 4.84}
		if mod != nil {
			mod(o)
		}
		return o
	}
	cases := []struct {
		name string
		o    *Offer
		want []string
	}{
		{"everything fits", offer(nil), []string{"accents", "any", "cheap-eur", "cheap-eur-day", "drills", "near",
			"near-default-radius", "not-makita", "prefix", "tools", "words"}},
		{"the owner's own want", offer(func(o *Offer) { o.Owner = "ana" }), []string{"accents", "cheap-eur", "cheap-eur-day",
			"drills", "near", "near-default-radius", "not-makita", "prefix", "tools", "words"}},
		{"a lend", offer(func(o *Offer) { o.Kind = "lend" }), []string{"accents", "any", "cheap-eur", "cheap-eur-day", "drills",
			"lend-only", "near", "near-default-radius", "not-makita", "prefix", "tools", "words"}},
		{"dearer, per week, in pounds", offer(func(o *Offer) { o.Price, o.Currency, o.PriceUnit = 30, "GBP", "week" }),
			[]string{"accents", "any", "cheap-gbp", "drills", "near", "near-default-radius", "not-makita", "prefix", "tools", "words"}},
		{"free", offer(func(o *Offer) { o.Price, o.Currency = 0, "" }), []string{"accents", "any", "cheap-eur", "cheap-eur-day",
			"cheap-gbp", "drills", "near", "near-default-radius", "not-makita", "prefix", "tools", "words"}},
		{"makita, 12 km away, no category", offer(func(o *Offer) {
			o.Tokens, o.Lat, o.Category = text.TokenSet("perceuse makita"), 45.868, ""
		}), []string{"accents", "any", "cheap-eur", "cheap-eur-day"}},
		{"no location", offer(func(o *Offer) { o.HasLocation = false }), []string{"accents", "any", "cheap-eur", "cheap-eur-day",
			"drills", "not-makita", "prefix", "tools", "words"}},
	}
	for _, c := range cases {
		if got := sorted(x.Match(c.o)); !slices.Equal(got, c.want) {
			t.Errorf("%s: matched %v, want %v", c.name, got, c.want)
		}
		if bf := bruteForce(wants, c.o, parents); !slices.Equal(bf, c.want) {
			t.Errorf("%s: Accepts says %v, want %v", c.name, bf, c.want)
		}
	}

	// the tree changes: drills move out of tools
	x.SetCategoryParent("drills", "")
	if got := x.Match(offer(nil)); slices.Contains(got, "tools") || !slices.Contains(got, "drills") {
		t.Errorf("after moving drills out of tools: %v", got)
	}
	x.Remove("drills")
	x.Remove("nothing")
	if got := x.Match(offer(nil)); slices.Contains(got, "drills") || x.Has("drills") || x.Len() != len(wants)-1 {
		t.Errorf("a removed want is still matched: %v", got)
	}
}

// randomWorld spreads wants over the whole globe, poles and antimeridian
// included, with radii up to 500 km, and puts offers near wants' edges.
func randomWants(rng *rand.Rand, n int, cats []string) []*Want {
	wants := make([]*Want, n)
	words := []string{"drill", "bike", "velo", "ladder", "tent", "sofa", "guitar", "book"}
	for i := range wants {
		w := &Want{ID: fmt.Sprintf("w%05d", i), Owner: fmt.Sprintf("u%d", rng.IntN(20))}
		if rng.IntN(3) > 0 {
			w.Category = cats[rng.IntN(len(cats))]
		}
		if rng.IntN(2) == 0 {
			w.Kinds = []string{"lend", "sell", "give", "swap"}[:1+rng.IntN(3)]
		}
		switch rng.IntN(4) {
		case 0:
			w.Query = text.ParseQuery(words[rng.IntN(len(words))])
		case 1:
			w.Query = text.ParseQuery(words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))])
		case 2:
			w.Query = text.ParseQuery(words[rng.IntN(len(words))][:2] + "* -" + words[rng.IntN(len(words))])
		}
		if rng.IntN(3) == 0 {
			w.MaxPrice, w.Currency = float64(rng.IntN(100)), []string{"EUR", "GBP"}[rng.IntN(2)]
			if rng.IntN(2) == 0 {
				w.PriceUnit = "day"
			}
		}
		if rng.IntN(10) > 0 {
			w.HasLocation = true
			w.Lat = math.Asin(2*rng.Float64()-1) * 180 / math.Pi
			if rng.IntN(5) == 0 {
				w.Lat = math.Copysign(85+5*rng.Float64(), w.Lat)
			}
			w.Lon = rng.Float64()*360 - 180
			if rng.IntN(5) == 0 {
				w.Lon = math.Copysign(179+rng.Float64(), w.Lon)
			}
			w.RadiusKm = []float64{0, 2, 10, 50, 200, 500}[rng.IntN(6)] * (0.5 + rng.Float64())
		}
		wants[i] = w
	}
	return wants
}

func randomOffer(rng *rand.Rand, wants []*Want, cats []string) *Offer {
	words := []string{"drill", "bikes", "vélo", "ladder", "tent", "sofa", "guitar", "book", "other"}
	o := &Offer{ID: "o", Owner: fmt.Sprintf("u%d", rng.IntN(20)), Kind: []string{"lend", "sell", "give", "swap", "rent"}[rng.IntN(5)]}
	if rng.IntN(5) > 0 {
		o.Category = cats[rng.IntN(len(cats))]
	}
	o.Tokens = text.TokenSet(words[rng.IntN(len(words))], words[rng.IntN(len(words))], words[rng.IntN(len(words))])
	if rng.IntN(2) == 0 {
		o.Price, o.Currency = float64(rng.IntN(120)), []string{"EUR", "GBP", "USD"}[rng.IntN(3)]
		o.PriceUnit = []string{"", "day", "item"}[rng.IntN(3)]
	}
	if rng.IntN(20) > 0 {
		o.HasLocation = true
		// near the edge of some want's circle, or anywhere
		if w := wants[rng.IntN(len(wants))]; w.HasLocation && rng.IntN(4) > 0 {
			o.Lat, o.Lon = destination(w.Lat, w.Lon, rng.Float64()*360, w.radius()*(0.97+0.06*rng.Float64()))
		} else {
			o.Lat = math.Asin(2*rng.Float64()-1) * 180 / math.Pi
			o.Lon = rng.Float64()*360 - 180
		}
	}
	return o
}

// TestIndexEqualsBruteForce is the property test: on random data, the index
// returns exactly the wants a scan of every want with Accepts returns.
func TestIndexEqualsBruteForce(t *testing.T) {
	t.Parallel()
	cats := []string{"a", "a1", "a2", "b", "b1", "c"}
	parents := map[string]string{"a1": "a", "a2": "a", "b1": "b"}
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 7))
		wants := randomWants(rng, 4000, cats)
		x := NewIndex()
		x.SetCategories(parents)
		if seed%2 == 0 {
			x.Build(wants)
		} else {
			for _, w := range wants {
				x.Put(w)
			}
		}
		// replace and remove some, as hooks would
		for i := 0; i < 500; i++ {
			j := rng.IntN(len(wants))
			if rng.IntN(2) == 0 {
				x.Remove(fmt.Sprintf("w%05d", j))
				wants[j] = nil
				continue
			}
			id := fmt.Sprintf("w%05d", j)
			nw := randomWants(rng, 1, cats)[0]
			nw.ID = id
			wants[j] = nw
			x.Put(nw)
		}
		if problems := x.Verify(); len(problems) > 0 {
			t.Fatalf("seed %d: the index is unsound after updates: %v", seed, problems[:min(5, len(problems))])
		}
		live := slices.DeleteFunc(slices.Clone(wants), func(w *Want) bool { return w == nil })
		if x.Len() != len(live) {
			t.Fatalf("seed %d: index has %d wants, want %d", seed, x.Len(), len(live))
		}
		matched := 0
		for i := 0; i < 3000; i++ {
			o := randomOffer(rng, live, cats)
			got, want := sorted(x.Match(o)), bruteForce(live, o, parents)
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d offer %+v: index %v, scan %v", seed, o, got, want)
			}
			matched += len(got)
		}
		if matched < 1000 {
			t.Fatalf("seed %d: only %d matches in all: the test data is too sparse to test anything", seed, matched)
		}
	}
}

func TestRealisticWorldEqualsBruteForce(t *testing.T) {
	t.Parallel()
	w := newWorld(1)
	wants := w.wants(30000)
	x := NewIndex()
	x.SetCategories(w.parents)
	x.Build(wants)
	total := 0
	for i := range 300 {
		o := w.offer(i)
		got, want := sorted(x.Match(o)), bruteForce(wants, o, w.parents)
		if !slices.Equal(got, want) {
			t.Fatalf("offer %d: index %d wants, scan %d", i, len(got), len(want))
		}
		total += len(got)
	}
	if total == 0 {
		t.Fatal("no offer matched any want: the generator is broken")
	}
}

// TestConcurrentUpdates runs writers and probers together (meant for
// -race), then checks the index against the wants it should hold.
func TestConcurrentUpdates(t *testing.T) {
	t.Parallel()
	cats := []string{"a", "a1", "b"}
	parents := map[string]string{"a1": "a"}
	x := NewIndex()
	x.SetCategories(parents)
	const writers, perWriter = 4, 300
	final := make([][]*Want, writers)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			mine := map[string]*Want{}
			for i := range perWriter {
				w := randomWants(rng, 1, cats)[0]
				w.ID = fmt.Sprintf("g%d-%d", g, rng.IntN(perWriter/2))
				if i%5 == 4 {
					x.Remove(w.ID)
					delete(mine, w.ID)
					continue
				}
				x.Put(w)
				mine[w.ID] = w
				if i%50 == 0 {
					x.SetCategoryParent("a1", "a")
				}
			}
			for _, w := range mine {
				final[g] = append(final[g], w)
			}
		}()
	}
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 2))
			some := randomWants(rng, 50, cats)
			for range 500 {
				_ = x.Match(randomOffer(rng, some, cats))
			}
		}()
	}
	wg.Wait()
	var all []*Want
	for _, ws := range final {
		all = append(all, ws...)
	}
	if x.Len() != len(all) {
		t.Fatalf("index holds %d wants, the writers left %d", x.Len(), len(all))
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for range 500 {
		o := randomOffer(rng, all, cats)
		if got, want := sorted(x.Match(o)), bruteForce(all, o, parents); !slices.Equal(got, want) {
			t.Fatalf("after concurrent updates: index %v, scan %v", got, want)
		}
	}
}
