package matching

import (
	"fmt"
	"math"
	"math/rand/v2"

	"peerbase/hooks/schema"
	"peerbase/hooks/text"
)

// world makes realistic random wants and offers: people clustered in a few
// cities, categories with a skewed popularity, radii from 2 to 50 km,
// queries of one to three words from a skewed vocabulary.
type world struct {
	rng     *rand.Rand
	cats    []string
	parents map[string]string
	vocab   []string
	users   int
}

var cities = []struct {
	lat, lon, weight float64
}{
	{48.8566, 2.3522, 10},  // Paris
	{45.7640, 4.8357, 6},   // Lyon
	{43.2965, 5.3698, 5},   // Marseille
	{51.5072, -0.1276, 9},  // London
	{52.5200, 13.4050, 7},  // Berlin
	{40.4168, -3.7038, 6},  // Madrid
	{45.5019, -73.5674, 4}, // Montreal
	{50.8503, 4.3517, 3},   // Brussels
	{-17.7134, 178.065, 1}, // Fiji: across the antimeridian
	{64.1466, -21.9426, 1}, // Reykjavik: far north
}

func newWorld(seed uint64) *world {
	w := &world{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), parents: map[string]string{}, users: 50000}
	// 16 top categories with 4 children each, like the seeded taxonomy
	for i := range 16 {
		top := fmt.Sprintf("cat%02d", i)
		w.cats = append(w.cats, top)
		for j := range 4 {
			c := fmt.Sprintf("cat%02d_%d", i, j)
			w.cats = append(w.cats, c)
			w.parents[c] = top
		}
	}
	for i := range 3000 {
		w.vocab = append(w.vocab, text.Stem(fmt.Sprintf("word%s", base26(i))))
	}
	return w
}

func base26(i int) string {
	s := ""
	for {
		s = string(rune('a'+i%26)) + s
		i /= 26
		if i == 0 {
			return s
		}
	}
}

// zipf picks an index in [0,n) with a skewed popularity.
func (w *world) zipf(n int) int {
	return min(n-1, int(math.Floor(math.Pow(w.rng.Float64(), 3)*float64(n))))
}

// zipfWord picks a word: a few are common, most are rare.
func (w *world) zipfWord() int {
	return min(len(w.vocab)-1, int(math.Floor(math.Pow(w.rng.Float64(), 2)*float64(len(w.vocab)))))
}

func (w *world) place() (lat, lon float64) {
	total := 0.0
	for _, c := range cities {
		total += c.weight
	}
	r := w.rng.Float64() * total
	for _, c := range cities {
		if r -= c.weight; r <= 0 {
			// about 8 km of spread around the centre
			lat = c.lat + w.rng.NormFloat64()*0.07
			lon = c.lon + w.rng.NormFloat64()*0.07/math.Cos(c.lat*math.Pi/180)
			if lon >= 180 {
				lon -= 360
			} else if lon < -180 {
				lon += 360
			}
			return lat, lon
		}
	}
	return 0, 0
}

func (w *world) want(i int) *Want {
	x := &Want{ID: fmt.Sprintf("w%09d", i), Owner: fmt.Sprintf("u%06d", w.rng.IntN(w.users))}
	if w.rng.Float64() < 0.92 {
		x.Category = w.cats[w.zipf(len(w.cats))]
	}
	if w.rng.Float64() < 0.5 {
		for range 1 + w.rng.IntN(3) {
			x.Kinds = append(x.Kinds, schema.OfferKinds[w.rng.IntN(len(schema.OfferKinds))])
		}
	}
	if w.rng.Float64() < 0.85 {
		q := ""
		for range 1 + w.rng.IntN(3) {
			q += w.vocab[w.zipfWord()] + " "
		}
		x.Query = text.ParseQuery(q)
	}
	if w.rng.Float64() < 0.3 {
		x.MaxPrice = float64(5 + w.rng.IntN(200))
		x.Currency = []string{"EUR", "EUR", "EUR", "GBP", "CAD"}[w.rng.IntN(5)]
		if w.rng.Float64() < 0.3 {
			x.PriceUnit = schema.PriceUnits[w.rng.IntN(len(schema.PriceUnits))]
		}
	}
	if w.rng.Float64() < 0.97 {
		x.HasLocation = true
		x.Lat, x.Lon = w.place()
		x.RadiusKm = 2 * math.Pow(25, w.rng.Float64()) // 2 to 50 km, log-uniform
	}
	return x
}

func (w *world) offer(i int) *Offer {
	o := &Offer{ID: fmt.Sprintf("o%09d", i), Owner: fmt.Sprintf("u%06d", w.rng.IntN(w.users)),
		Kind: schema.OfferKinds[w.rng.IntN(len(schema.OfferKinds))]}
	if w.rng.Float64() < 0.95 {
		o.Category = w.cats[w.zipf(len(w.cats))]
	}
	title := ""
	for range 3 + w.rng.IntN(4) {
		title += w.vocab[w.zipfWord()] + " "
	}
	desc := ""
	for range 10 + w.rng.IntN(20) {
		desc += w.vocab[w.rng.IntN(len(w.vocab))] + " "
	}
	o.Tokens = text.TokenSet(title, desc)
	if w.rng.Float64() < 0.7 {
		o.Price = float64(w.rng.IntN(300))
		o.Currency = []string{"EUR", "EUR", "GBP", "CAD", "USD"}[w.rng.IntN(5)]
		o.PriceUnit = schema.PriceUnits[w.rng.IntN(len(schema.PriceUnits))]
	}
	if w.rng.Float64() < 0.98 {
		o.HasLocation = true
		o.Lat, o.Lon = w.place()
	}
	return o
}

func (w *world) wants(n int) []*Want {
	out := make([]*Want, n)
	for i := range out {
		out[i] = w.want(i)
	}
	return out
}
