package search_test

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
	"peerbase/hooks/search"
	"peerbase/internal/testapp"
)

// benchMaxTime bounds each scenario of BenchmarkSearchHTTP.
const benchMaxTime = 30 * time.Second

// benchOffers is how many offers BenchmarkSearchHTTP generates.
var benchOffers = 100_000

func init() {
	if v := os.Getenv("PEERBASE_BENCH_OFFERS"); v != "" {
		benchOffers, _ = strconv.Atoi(v)
	}
}

// benchCities are where the generated offers are: around each centre, with
// a spread of about 10 km.
var benchCities = [][2]float64{{45.76, 4.84}, {48.8566, 2.3522}, {43.2965, 5.3698}, {43.6047, 1.4442}, {50.6292, 3.0573}}

// benchWords is the vocabulary of generated titles; the first words are
// the most frequent.
var benchWords = strings.Fields(`velo perceuse tente livre table chaise lampe guitare poussette casque ` +
	`skate raquette ballon console jeu puzzle robot mixeur four aspirateur canape bureau tapis miroir ` +
	`echelle scie marteau tondeuse barbecue parasol hamac kayak ski luge patin trottinette sac valise ` +
	`manteau veste robe pantalon chaussure botte montre bague collier appareil photo objectif drone`)

// seedBenchOffers inserts n active offers straight into the table (as a
// restored backup would) and builds the index with search.Rebuild.
func seedBenchOffers(b testing.TB, app core.App, n int) time.Duration {
	b.Helper()
	rng := rand.New(rand.NewPCG(7, 8))
	owners := []string{ids["ana"], ids["dan"], ids["eve"]}
	start := time.Now().Add(-time.Duration(n) * time.Second)
	err := app.RunInTransaction(func(tx core.App) error {
		for i := range n {
			c := benchCities[rng.IntN(len(benchCities))]
			w1 := benchWords[int(math.Pow(rng.Float64(), 2)*float64(len(benchWords)))]
			w2 := benchWords[rng.IntN(len(benchWords))]
			created := types.NowDateTime()
			created, _ = types.ParseDateTime(start.Add(time.Duration(i) * time.Second))
			_, err := tx.DB().Insert(schema.Offers, dbx.Params{
				"id": fmt.Sprintf("bench%010d", i), schema.FieldOwner: owners[i%len(owners)],
				schema.OfferTitle: fmt.Sprintf("%s %s %d", w1, w2, i), schema.FieldKind: schema.OfferKinds[i%len(schema.OfferKinds)],
				schema.FieldStatus: schema.StatusActive, schema.OfferPrice: rng.IntN(200), schema.OfferCurrency: "EUR",
				schema.FieldLocation:    fmt.Sprintf(`{"lat":%f,"lon":%f}`, c[0]+rng.NormFloat64()*0.09, c[1]+rng.NormFloat64()*0.13),
				schema.OfferDescription: "En bon état, à venir chercher sur place.", schema.OfferTags: "[]", schema.OfferPhotoMeta: "{}",
				"created": created.String(), "updated": created.String(),
			}).Execute()
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if _, err := search.Rebuild(app, nil); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

// load sends total GET requests made by next from clients concurrent
// clients and returns the requests per second and the latencies.
func load(b *testing.B, base, token string, clients, total int, next func(rng *rand.Rand) string) (float64, []time.Duration, int64) {
	b.Helper()
	transport := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: transport}
	defer transport.CloseIdleConnections()
	var done, errors atomic.Int64
	lat := make([][]time.Duration, clients)
	var failed atomic.Value
	var wg sync.WaitGroup
	t0 := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 99))
			deadline := time.Now().Add(benchMaxTime)
			for done.Add(1) <= int64(total) && time.Now().Before(deadline) {
				req, _ := http.NewRequest("GET", base+next(rng), nil)
				req.Header.Set("Authorization", token)
				s := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					// under a heavy load the records API's slowest lists
					// pass PocketBase's 30 s query timeout (a 400): counted
					if errors.Add(1) > int64(total/10) {
						failed.Store(fmt.Sprintf("%d %s", res.StatusCode, body))
						return
					}
					continue
				}
				lat[c] = append(lat[c], time.Since(s))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	return float64(len(all)) / elapsed.Seconds(), all, errors.Load()
}

func pct(d []time.Duration, p int) float64 {
	return float64(d[len(d)*p/100].Microseconds()) / 1000
}

// BenchmarkSearchHTTP: 100,000 offers in five cities, 50 concurrent HTTP
// clients on loopback, the rate limiter off, a random point near a city
// centre and a 10 km radius each request. The baseline is the records
// API's best for the same radius: a box on the indexed latitude plus the
// longitude and geoDistance, skipTotal (it cannot sort by distance).
//
//	go test -run '^$' -bench SearchHTTP -benchtime 1x -timeout 30m ./hooks/search/
func BenchmarkSearchHTTP(b *testing.B) {
	offers := benchOffers
	const clients, requests, radius = 50, 3000, 10.0
	app, err := testapp.Open(template)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(app.Cleanup)
	settings := app.Settings()
	settings.RateLimits.Enabled = false
	if err := app.Save(settings); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	fmt.Fprintln(os.Stderr, "bench: seeding")
	reindex := seedBenchOffers(b, app, offers)
	b.Logf("seeded in %s (index %s)", time.Since(t0), reindex)
	// the floor: a route that does nothing but answer a small JSON, behind
	// the same router, middlewares (auth token, activity log) and sign-in
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/peerbase/bench-floor", func(e *core.RequestEvent) error {
			return e.JSON(200, map[string]any{"items": []any{}, "next": ""})
		}).Bind(apis.RequireAuth())
		return se.Next()
	})
	base := httptestServerB(b, testapp.Handler(b, app))
	token := tokens["ben"]

	point := func(rng *rand.Rand) (float64, float64) {
		c := benchCities[rng.IntN(len(benchCities))]
		return c[0] + rng.NormFloat64()*0.05, c[1] + rng.NormFloat64()*0.07
	}
	records := func(rng *rand.Rand) string {
		lat, lon := point(rng)
		box := search.CircleBox(lat, lon, radius)
		filter := fmt.Sprintf(`status = "active" && location.lat >= %f && location.lat <= %f && location.lon >= %f && location.lon <= %f && geoDistance(location.lon, location.lat, %f, %f) <= %f`,
			box.MinLat, box.MaxLat, box.Lons[0][0], box.Lons[0][1], lon, lat, radius)
		return "/api/collections/offers/records?skipTotal=1&perPage=20&filter=" + url.QueryEscape(filter)
	}
	searchURL := func(extra string) func(rng *rand.Rand) string {
		return func(rng *rand.Rand) string {
			lat, lon := point(rng)
			q := fmt.Sprintf("/api/peerbase/offers/search?limit=20&near=%f,%f&radius=%g", lat, lon, radius)
			if extra == "text" {
				return q + "&q=" + benchWords[rng.IntN(10)]
			}
			return q + extra
		}
	}
	scenarios := []struct {
		name string
		next func(rng *rand.Rand) string
	}{
		{"records API: box + geoDistance, skipTotal (unsorted)", records},
		{"floor: a route answering {} (auth, router, log)", func(*rand.Rand) string { return "/api/peerbase/bench-floor" }},
		{"search: sorted by distance", searchURL("&sort=distance")},
		{"search: text + radius (by relevance)", searchURL("text")},
		{"search: nearby list (newest in radius)", searchURL("&sort=newest")},
	}
	b.ResetTimer()
	var baseline float64
	lines := []string{fmt.Sprintf("%d offers, index rebuilt in %s, %d clients, %d requests each", offers, reindex.Round(time.Millisecond), clients, requests)}
	// PEERBASE_BENCH_ONLY: words of the scenarios to run besides the
	// baseline, separated by commas
	only := os.Getenv("PEERBASE_BENCH_ONLY")
	for i, sc := range scenarios {
		if i > 0 && only != "" && !slices.ContainsFunc(strings.Split(only, ","), func(w string) bool { return strings.Contains(sc.name, w) }) {
			continue
		}
		fmt.Fprintln(os.Stderr, "bench:", sc.name)
		load(b, base, token, clients, 200, sc.next) // warm up
		// PEERBASE_BENCH_CPUPROFILE=file profiles the scenarios after the
		// baseline (the baseline's own CPU would hide theirs)
		if f := os.Getenv("PEERBASE_BENCH_CPUPROFILE"); f != "" && i > 0 {
			out, err := os.Create(fmt.Sprintf("%s.%d", f, i))
			if err != nil {
				b.Fatal(err)
			}
			if err := pprof.StartCPUProfile(out); err != nil {
				b.Fatal(err)
			}
		}
		rps, lat, failures := load(b, base, token, clients, requests, sc.next)
		if os.Getenv("PEERBASE_BENCH_CPUPROFILE") != "" && i > 0 {
			pprof.StopCPUProfile()
		}
		if i == 0 {
			baseline = rps
		}
		line := fmt.Sprintf("%-48s %7.0f req/s  p50 %6.1f ms  p95 %6.1f ms  %5.2fx", sc.name, rps, pct(lat, 50), pct(lat, 95), rps/baseline)
		if failures > 0 {
			line += fmt.Sprintf("  (%d failed)", failures)
		}
		fmt.Fprintln(os.Stderr, line)
		lines = append(lines, line)
		b.ReportMetric(rps, fmt.Sprintf("req/s-%d", i))
		b.ReportMetric(pct(lat, 95), fmt.Sprintf("p95-ms-%d", i))
	}
	b.StopTimer()
	b.Log("\n" + strings.Join(lines, "\n"))
}

func httptestServerB(b *testing.B, h http.Handler) string {
	srv := httptestNewServer(h)
	b.Cleanup(srv.Close)
	return srv.URL
}

func seedBenchOffersT(t *testing.T, app core.App, n int) time.Duration {
	return seedBenchOffers(t, app, n)
}
