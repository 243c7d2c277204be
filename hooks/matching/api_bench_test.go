package matching_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// apiSetup is a real app (hooks, worker, routes) with n extra active wants,
// the rate limiter off, and its HTTP handler.
type apiSetup struct {
	app     core.App
	handler http.Handler
}

// newAPISetup inserts n wants clustered around Lyon (radii 2 to 50 km,
// words from a 3,000-word vocabulary), of which drills ask for "drill" with
// no other condition, then starts the server's hooks as `serve` does.
func newAPISetup(b *testing.B, n, drills int) *apiSetup {
	b.Helper()
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
	rng := rand.New(rand.NewPCG(1, 2))
	now := types.NowDateTime().String()
	err = app.RunInTransaction(func(tx core.App) error {
		for i := range n {
			query := fmt.Sprintf("word%d word%d", int(math.Pow(rng.Float64(), 2)*3000), rng.IntN(3000))
			loc := fmt.Sprintf(`{"lat":%f,"lon":%f}`, lyonLat+rng.NormFloat64()*0.07, lyonLon+rng.NormFloat64()*0.1)
			radius := 2 * math.Pow(25, rng.Float64())
			if i < drills {
				query, loc, radius = "drill", `{"lat":0,"lon":0}`, 0
			}
			_, err := tx.DB().Insert(schema.Wants, dbx.Params{
				"id": core.GenerateDefaultRandomId(), schema.FieldOwner: ids["ben"], schema.WantQuery: query,
				schema.FieldCategory: "", schema.WantKinds: "[]", schema.WantMaxPrice: 0, schema.FieldLocation: loc,
				schema.WantRadiusKm: radius, schema.WantPublic: false, schema.WantActive: true, schema.WantAlert: "instant",
				schema.WantCurrency: "", schema.WantPriceUnit: "", "created": now, "updated": now,
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
	mux := testapp.Handler(b, app)
	return &apiSetup{app: app, handler: mux}
}

func (s *apiSetup) createOffer(b *testing.B, title string) string {
	body := fmt.Sprintf(`{"owner":%q,"title":%q,"kind":"sell","status":"active","price":15,"currency":"EUR",`+
		`"location":{"lat":%f,"lon":%f},"description":"Barely used, with its case and two batteries."}`,
		ids["ana"], title, lyonLat, lyonLon)
	req := httptest.NewRequest(http.MethodPost, "/api/collections/offers/records", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", tokens["ana"])
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("create offer: %d %s", rec.Code, rec.Body)
	}
	i := strings.Index(rec.Body.String(), `"id":"`)
	return rec.Body.String()[i+6 : i+21]
}

// BenchmarkCreateOfferAPI times POST /api/collections/offers/records with
// no saved wants and with 100,000: the request only queues the matching.
//
//	go test -run '^$' -bench CreateOfferAPI -benchtime 300x -cpu 2 ./hooks/matching/
func BenchmarkCreateOfferAPI(b *testing.B) {
	for _, n := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("wants=%d", n), func(b *testing.B) {
			s := newAPISetup(b, n, 0)
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				s.createOffer(b, fmt.Sprintf("word%d word%d drill %d", i%50, i%700, i))
				times = append(times, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// BenchmarkOfferToLastMatch times from the start of the create request to
// the 1,000th match record of an offer that 1,000 of 100,000 wants match.
//
//	go test -run '^$' -bench OfferToLastMatch -benchtime 5x ./hooks/matching/
func BenchmarkOfferToLastMatch(b *testing.B) {
	s := newAPISetup(b, 100_000, 1000)
	var total time.Duration
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		id := s.createOffer(b, fmt.Sprintf("Bosch drill %d", i))
		for {
			n, err := s.app.CountRecords(schema.Matches, dbx.HashExp{schema.MatchOffer: id})
			if err != nil {
				b.Fatal(err)
			}
			if n >= 1000 {
				break
			}
			if time.Since(t0) > time.Minute {
				b.Fatalf("only %d matches after a minute", n)
			}
			time.Sleep(5 * time.Millisecond)
		}
		total += time.Since(t0)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-1000th-match")
	// the process's CPU time per offer (the request, the worker, this
	// loop's polls): on a loaded machine the wall time measures the wait for
	// a core, this the work
	b.ReportMetric(float64((processCPU()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/offer")
}

// processCPU is the process's user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
