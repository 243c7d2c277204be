package search

import "math"

// EarthRadiusKm is the mean Earth radius (the same as matching's), for
// boxes and distances.
const EarthRadiusKm = 6371.0088

// MaxRadiusKm is the largest radius: half the Earth's circumference, from
// where every point is in range.
const MaxRadiusKm = math.Pi * EarthRadiusKm

// Box is the bounding box of a circle on the sphere, in degrees: one
// latitude range and one or two longitude ranges (two when the circle
// crosses the antimeridian; the whole circle of longitudes when it reaches
// a pole).
type Box struct {
	MinLat, MaxLat float64
	Lons           [][2]float64
}

// CircleBox returns the smallest latitude/longitude box holding every point
// within radiusKm of (lat, lon). Boxes are prefilters: the exact distance
// decides.
func CircleBox(lat, lon, radiusKm float64) Box {
	d := radiusKm / EarthRadiusKm // angular radius, radians
	dLat := d * 180 / math.Pi
	b := Box{MinLat: lat - dLat, MaxLat: lat + dLat}
	if b.MinLat <= -90 || b.MaxLat >= 90 || d >= math.Pi/2 {
		// a pole is inside the circle: every longitude is
		b.MinLat, b.MaxLat = math.Max(b.MinLat, -90), math.Min(b.MaxLat, 90)
		b.Lons = [][2]float64{{-180, 180}}
		return b
	}
	// the widest longitude span of a circle that holds no pole
	s := math.Sin(d) / math.Cos(lat*math.Pi/180)
	if s >= 1 {
		b.Lons = [][2]float64{{-180, 180}}
		return b
	}
	dLon := math.Asin(s) * 180 / math.Pi
	lo, hi := lon-dLon, lon+dLon
	switch {
	case lo < -180:
		b.Lons = [][2]float64{{lo + 360, 180}, {-180, hi}}
	case hi > 180:
		b.Lons = [][2]float64{{lo, 180}, {-180, hi - 360}}
	default:
		b.Lons = [][2]float64{{lo, hi}}
	}
	return b
}

// Contains reports whether the box holds the point.
func (b Box) Contains(lat, lon float64) bool {
	if lat < b.MinLat || lat > b.MaxLat {
		return false
	}
	if len(b.Lons) == 1 {
		return lon >= b.Lons[0][0] && lon <= b.Lons[0][1]
	}
	for _, r := range b.Lons {
		if lon >= r[0] && lon <= r[1] {
			return true
		}
	}
	return false
}

// DistanceKm is the great-circle distance between two points (haversine),
// the same formula as the SQL the queries compute.
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Pow(math.Sin(dp/2), 2) + math.Cos(p1)*math.Cos(p2)*math.Pow(math.Sin(dl/2), 2)
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}
