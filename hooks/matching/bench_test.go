package matching

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"peerbase/hooks/text"
)

// The benchmarks match one new offer against 10,000 to 1,000,000 wants of
// the realistic world (gen_test.go) three ways: the index; a scan that
// checks category and a precomputed bounding box before the rest; and the
// naive scan that computes the distance to every want first. Each reports
// p50 and p99 per offer besides ns/op. Run with:
//
//	go test -run '^$' -bench 'Match|Build|Update' -benchtime 400x -cpu 1 ./hooks/matching/

var sizes = []int{10_000, 100_000, 1_000_000}

type fixture struct {
	world  *world
	wants  []*Want
	boxes  []bbox
	offers []*Offer
	index  *Index
}

var (
	fixtureMu sync.Mutex
	fixtures  = map[int]*fixture{}
)

func getFixture(b *testing.B, n int) *fixture {
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if f, ok := fixtures[n]; ok {
		return f
	}
	w := newWorld(42)
	f := &fixture{world: w, wants: w.wants(n)}
	for i := range 1000 {
		f.offers = append(f.offers, w.offer(i))
	}
	f.boxes = make([]bbox, n)
	for i, x := range f.wants {
		f.boxes[i] = bboxOf(x)
	}
	f.index = NewIndex()
	f.index.SetCategories(w.parents)
	f.index.Build(f.wants)
	// keep only the largest fixture around: a million wants weigh
	for k := range fixtures {
		delete(fixtures, k)
	}
	fixtures[n] = f
	runtime.GC()
	return f
}

// bbox is what the bounding-box scan precomputes per want.
type bbox struct{ minLat, maxLat, minLon, maxLon float64 }

func bboxOf(w *Want) bbox {
	if !w.HasLocation {
		return bbox{-90, 90, -180, 180}
	}
	dLat := w.radius() / EarthRadiusKm * 180 / math.Pi
	c := math.Cos(w.Lat * math.Pi / 180)
	dLon := 180.0
	if c > 0.01 {
		dLon = min(180, dLat/c*1.01)
	}
	return bbox{w.Lat - dLat*1.01, w.Lat + dLat*1.01, w.Lon - dLon, w.Lon + dLon}
}

func (b bbox) has(lat, lon float64) bool {
	if lat < b.minLat || lat > b.maxLat {
		return false
	}
	if lon >= b.minLon && lon <= b.maxLon {
		return true
	}
	return lon+360 <= b.maxLon || lon-360 >= b.minLon
}

func naiveScan(f *fixture, o *Offer) int {
	n := 0
	for _, w := range f.wants {
		if w.HasLocation && (!o.HasLocation || DistanceKm(w.Lat, w.Lon, o.Lat, o.Lon) > w.radius()) {
			continue
		}
		if w.Accepts(o, f.world.parents) {
			n++
		}
	}
	return n
}

func bboxScan(f *fixture, o *Offer) int {
	n := 0
	cats := ancestors(o.Category, f.world.parents)
	for i, w := range f.wants {
		if w.Category != "" && !slices.Contains(cats, w.Category) {
			continue
		}
		if w.HasLocation && (!o.HasLocation || !f.boxes[i].has(o.Lat, o.Lon)) {
			continue
		}
		if w.Accepts(o, f.world.parents) {
			n++
		}
	}
	return n
}

func indexMatch(f *fixture, o *Offer) int {
	n := 0
	f.index.Probe(o, func(string) { n++ })
	return n
}

func BenchmarkMatch(b *testing.B) {
	ways := []struct {
		name string
		fn   func(*fixture, *Offer) int
	}{{"index", indexMatch}, {"bbox-scan", bboxScan}, {"naive-scan", naiveScan}}
	for _, n := range sizes {
		for _, way := range ways {
			b.Run(fmt.Sprintf("%s/wants=%d", way.name, n), func(b *testing.B) {
				f := getFixture(b, n)
				// wall time is what a caller waits; the thread's CPU time
				// is the work itself, without the other processes that
				// share the machine's cores
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				times := make([]time.Duration, 0, b.N)
				cpu := make([]time.Duration, 0, b.N)
				matched := 0
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					o := f.offers[i%len(f.offers)]
					c0 := threadCPU()
					t0 := time.Now()
					matched += way.fn(f, o)
					times = append(times, time.Since(t0))
					cpu = append(cpu, threadCPU()-c0)
				}
				b.StopTimer()
				b.ReportMetric(pct(times, 50), "p50-µs")
				b.ReportMetric(pct(times, 99), "p99-µs")
				b.ReportMetric(pct(cpu, 50), "cpu-p50-µs")
				b.ReportMetric(pct(cpu, 99), "cpu-p99-µs")
				b.ReportMetric(mean(cpu), "cpu-mean-µs")
				b.ReportMetric(float64(matched)/float64(b.N), "matches/offer")
			})
		}
	}
}

// pct returns the p-th percentile of d in microseconds.
func pct(d []time.Duration, p int) float64 {
	d = slices.Clone(d)
	slices.Sort(d)
	return float64(d[min(len(d)-1, len(d)*p/100)].Nanoseconds()) / 1e3
}

// mean returns the mean of d in microseconds.
func mean(d []time.Duration) float64 {
	var sum time.Duration
	for _, v := range d {
		sum += v
	}
	return float64(sum.Nanoseconds()) / float64(len(d)) / 1e3
}

// threadCPU is the CPU time of the calling OS thread.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}

// BenchmarkBuild builds the index from a slice of wants and reports the
// index's own heap per want.
func BenchmarkBuild(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("wants=%d", n), func(b *testing.B) {
			w := newWorld(42)
			wants := w.wants(n)
			var perWant float64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				x := NewIndex()
				x.SetCategories(w.parents)
				b.StartTimer()
				x.Build(wants)
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&after)
				perWant = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
				runtime.KeepAlive(x)
				b.StartTimer()
			}
			b.ReportMetric(perWant, "B/want")
		})
	}
}

// BenchmarkUpdate replaces one want (a hook's Put after an edit) and
// removes and re-adds one, in an index of each size.
func BenchmarkUpdate(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("put/wants=%d", n), func(b *testing.B) {
			f := getFixture(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f.index.Put(f.wants[(i*7919)%n])
			}
		})
		b.Run(fmt.Sprintf("remove+put/wants=%d", n), func(b *testing.B) {
			f := getFixture(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w := f.wants[(i*7919)%n]
				f.index.Remove(w.ID)
				f.index.Put(w)
			}
		})
	}
}

// BenchmarkSwapCycles finds the two- and three-way cycles a new swap offer
// completes among 100,000 active swap offers (gives: 3-6 words, wants: 1-2
// words, from the same skewed vocabulary). "anywhere": no offer has a
// location, so the swap radius removes nothing (the worst case); "cities":
// 98 % of the offers are in the benchmark's ten cities, with the default
// 50 km radius.
//
//	go test -run '^$' -bench SwapCycles -benchtime 1000x -cpu 1 ./hooks/matching/
func BenchmarkSwapCycles(b *testing.B) {
	for _, located := range []bool{false, true} {
		name := "anywhere"
		if located {
			name = "cities"
		}
		b.Run(name, func(b *testing.B) {
			w := newWorld(7)
			swapOf := func(i int) *SwapOffer {
				gives, wants := "", ""
				for range 3 + w.rng.IntN(4) {
					gives += w.vocab[w.zipfWord()] + " "
				}
				for range 1 + w.rng.IntN(2) {
					wants += w.vocab[w.zipfWord()] + " "
				}
				o := &SwapOffer{ID: fmt.Sprintf("s%07d", i), Owner: fmt.Sprintf("u%06d", w.rng.IntN(w.users)),
					Gives: text.TokenSet(gives), Wants: text.ParseAlternatives(wants),
					Created: time.Unix(1_800_000_000+int64(i), 0)}
				if located && w.rng.Float64() < 0.98 {
					o.HasLocation = true
					o.Lat, o.Lon = w.place()
				}
				return o
			}
			x := NewSwapIndex()
			x.SetRadius(DefaultSwapRadiusKm)
			for i := range 100_000 {
				x.Put(swapOf(i))
			}
			probes := make([]*SwapOffer, 1000)
			for i := range probes {
				probes[i] = swapOf(200_000 + i)
			}
			allowed := func(a, b string) bool { return a != b }
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			times := make([]time.Duration, 0, b.N)
			cpu := make([]time.Duration, 0, b.N)
			cycles := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c0 := threadCPU()
				t0 := time.Now()
				cycles += len(x.Cycles(probes[i%len(probes)], allowed))
				times = append(times, time.Since(t0))
				cpu = append(cpu, threadCPU()-c0)
			}
			b.StopTimer()
			b.ReportMetric(pct(times, 50), "p50-µs")
			b.ReportMetric(pct(times, 99), "p99-µs")
			b.ReportMetric(pct(cpu, 50), "cpu-p50-µs")
			b.ReportMetric(pct(cpu, 99), "cpu-p99-µs")
			b.ReportMetric(mean(cpu), "cpu-mean-µs")
			b.ReportMetric(float64(cycles)/float64(b.N), "cycles/offer")
		})
	}
}
