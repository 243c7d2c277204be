package search

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestCircleBox(t *testing.T) {
	for _, tc := range []struct {
		lat, lon, r float64
		lons        int
	}{
		{45.76, 4.84, 10, 1},
		{-17, 179.95, 20, 2},
		{-17, -179.95, 20, 2},
		{89.9, 10, 30, 1},
		{-89.9, 10, 30, 1},
		{0, 0, MaxRadiusKm, 1},
		{60, 179, 500, 2},
	} {
		b := CircleBox(tc.lat, tc.lon, tc.r)
		if len(b.Lons) != tc.lons {
			t.Errorf("%v: %d longitude ranges, want %d", tc, len(b.Lons), tc.lons)
		}
		// every point within the radius is in the box
		rng := rand.New(rand.NewPCG(1, 2))
		for range 20000 {
			lat := rng.Float64()*180 - 90
			lon := rng.Float64()*360 - 180
			if rng.IntN(2) == 0 { // near the centre, where it matters
				lat = math.Max(-90, math.Min(90, tc.lat+(rng.Float64()*2-1)*tc.r/50))
				lon = math.Mod(math.Mod(tc.lon+(rng.Float64()*2-1)*tc.r/20+180, 360)+360, 360) - 180
			}
			if DistanceKm(tc.lat, tc.lon, lat, lon) <= tc.r && !b.Contains(lat, lon) {
				t.Fatalf("%v: %v,%v is %.3f km away but outside %+v", tc, lat, lon, DistanceKm(tc.lat, tc.lon, lat, lon), b)
			}
		}
	}
	// the box of a small circle is small
	b := CircleBox(45.76, 4.84, 10)
	if b.MaxLat-b.MinLat > 0.2 || b.Lons[0][1]-b.Lons[0][0] > 0.3 {
		t.Errorf("box too wide: %+v", b)
	}
}

func TestDistanceKm(t *testing.T) {
	// Lyon to Paris, about 392 km
	if d := DistanceKm(45.76, 4.84, 48.8566, 2.3522); math.Abs(d-392) > 3 {
		t.Errorf("Lyon-Paris = %.1f km", d)
	}
	if d := DistanceKm(-17, 179.95, -17, -179.95); math.Abs(d-10.6) > 0.2 {
		t.Errorf("across the date line = %.2f km", d)
	}
}

func TestTermsAreQuoted(t *testing.T) {
	for _, q := range []string{`"`, `velo" OR "x`, `NEAR(a b)`, `a*`, `{title}: x`, `-"`, `x AND y`, `^a`, `a:b`} {
		terms := ParseTerms(q)
		exprs := append([]string{terms.MatchExpr()}, terms.NotExprs()...)
		for _, e := range exprs {
			// outside the quoted strings only our operators remain
			outside := ""
			in := false
			for _, r := range e {
				if r == '"' {
					in = !in
					continue
				}
				if !in {
					outside += string(r)
				}
			}
			outside = strings.NewReplacer("AND", "", "OR", "", "(", "", ")", "", "*", "", " ", "").Replace(outside)
			if outside != "" || in {
				t.Errorf("q=%q: expression %q has %q outside its strings", q, e, outside)
			}
		}
	}
	if got := ParseTerms("vélos rou").MatchExpr(); got != `"velo" AND "rou" *` {
		t.Errorf("MatchExpr = %s", got)
	}
	if got := ParseTerms("rou vélos").MatchExpr(); got != `"rou" AND ("velo" OR "velos" *)` {
		t.Errorf("MatchExpr = %s", got)
	}
	if got := ParseTerms("velo ").MatchExpr(); got != `"velo"` {
		t.Errorf("MatchExpr with a trailing space = %s", got)
	}
}

func TestHighlight(t *testing.T) {
	terms := ParseTerms("velo").Must
	if got := Highlight(terms, "Casque", "Un <b>Vélo</b> & un vélo."); got != "Un &lt;b&gt;<mark>Vélo</mark>&lt;/b&gt; &amp; un <mark>vélo</mark>." {
		t.Errorf("Highlight = %q", got)
	}
	long := strings.Repeat("mot ", 40) + "velo " + strings.Repeat("fin ", 40)
	got := Highlight(terms, long)
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") || !strings.Contains(got, "<mark>velo</mark>") || len(got) > 200 {
		t.Errorf("long Highlight = %q", got)
	}
	if got := Highlight(terms, "Casque"); got != "" {
		t.Errorf("no hit: %q", got)
	}
}
