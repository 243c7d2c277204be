package matching

import "math"

// EarthRadiusKm is the mean Earth radius every distance here uses.
const EarthRadiusKm = 6371.0088

// DistanceKm is the great-circle (haversine) distance between two points, for
// explanations and ranking.
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// vec is a point as a unit vector: a point is within a want's radius when
// its chord to the want's centre is short enough, three multiplications
// instead of the haversine's trigonometry. float32 keeps a want small and
// is accurate to about a metre on the ground.
type vec [3]float32

func toVec(lat, lon float64) [3]float64 {
	p, l := lat*math.Pi/180, lon*math.Pi/180
	return [3]float64{math.Cos(p) * math.Cos(l), math.Cos(p) * math.Sin(l), math.Sin(p)}
}

func toVec32(lat, lon float64) vec {
	v := toVec(lat, lon)
	return vec{float32(v[0]), float32(v[1]), float32(v[2])}
}

// chord2 is the squared chord length of a great-circle distance, rounded up
// so that the boundary itself is inside.
func chord2(radiusKm float64) float32 {
	c := 2 * math.Sin(math.Min(radiusKm/EarthRadiusKm, math.Pi)/2)
	return math.Nextafter32(float32(c*c), float32(math.Inf(1)))
}

// within is THE distance rule of matching: the index and every scan use it,
// so that they agree exactly.
func within(center vec, c2 float32, p [3]float64) bool {
	dx := float64(center[0]) - p[0]
	dy := float64(center[1]) - p[1]
	dz := float64(center[2]) - p[2]
	return dx*dx+dy*dy+dz*dz <= float64(c2)
}

// Geo cells: level L cuts the globe into squares of 360/2^L degrees (so
// that they tile longitude exactly and wrap around the antimeridian), from
// the whole globe (L=0) to about 1.2 km (L=15). A want is stored at the
// finest level whose cells are at least as wide as its bounding box, so it
// sits in at most 2x2 cells; an offer probes the one cell holding it at
// each level.
const (
	levels     = 16
	levelNoLoc = 31 // the "cell" of wants without a location: every offer probes it
)

func cellSize(level int) float64 { return 360 / float64(uint64(1)<<level) }

func latCells(level int) int { return max(1, 1<<level/2) }

func latIndex(level int, lat float64) int {
	i := int(math.Floor((lat + 90) / cellSize(level)))
	return min(max(i, 0), latCells(level)-1)
}

func lonIndex(level int, lon float64) int {
	n := 1 << level
	i := int(math.Floor((lon + 180) / cellSize(level)))
	return ((i % n) + n) % n
}

// bboxMarginKm widens every bounding box beyond the float32 error of within.
const bboxMarginKm = 0.01

// cover is where a want is stored: a level and a 1x1 to 2x2 block of cells.
type cover struct {
	level      uint8
	nLat, nLon uint8
	lat, lon   uint16
}

// coverOf chooses the cells a circle is stored in.
func coverOf(lat, lon, radiusKm float64) cover {
	d := (radiusKm + bboxMarginKm) / EarthRadiusKm // radians
	dLat := d * 180 / math.Pi
	allLon := lat+dLat >= 90 || lat-dLat <= -90
	var dLon float64
	if !allLon {
		s := math.Sin(d) / math.Cos(lat*math.Pi/180)
		if s >= 1 {
			allLon = true
		} else {
			dLon = math.Asin(s) * 180 / math.Pi
		}
	}
	span := 2 * dLat
	if allLon {
		span = 360
	} else {
		span = max(span, 2*dLon)
	}
	level := 0
	for l := levels - 1; l >= 0; l-- {
		if cellSize(l) >= span {
			level = l
			break
		}
	}
	c := cover{level: uint8(level)}
	lo, hi := latIndex(level, lat-dLat), latIndex(level, lat+dLat)
	c.lat, c.nLat = uint16(lo), uint8(hi-lo+1)
	if allLon || level == 0 {
		c.lon, c.nLon = 0, uint8(1<<level)
		return c
	}
	n := 1 << level
	a := int(math.Floor((lon - dLon + 180) / cellSize(level)))
	b := int(math.Floor((lon + dLon + 180) / cellSize(level)))
	c.lon = uint16(((a % n) + n) % n)
	c.nLon = uint8(min(b-a+1, n))
	return c
}

// cellKey packs a level, a cell and a category into one map key.
func cellKey(level, lat, lon int, cat uint16) uint64 {
	return uint64(level)<<48 | uint64(lat)<<32 | uint64(lon)<<16 | uint64(cat)
}

// keys calls fn with every cell key of a cover for category cat.
func (c cover) keys(cat uint16, fn func(uint64)) {
	if c.level == levelNoLoc {
		fn(cellKey(levelNoLoc, 0, 0, cat))
		return
	}
	n := 1 << c.level
	for i := 0; i < int(c.nLat); i++ {
		for j := 0; j < int(c.nLon); j++ {
			fn(cellKey(int(c.level), int(c.lat)+i, (int(c.lon)+j)%n, cat))
		}
	}
}
