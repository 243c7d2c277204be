package social_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// feedSetup is a real app (hooks, routes) holding people users who own
// offers offers between them, a reader who follows follows of them, the
// rate limiter off, and its HTTP handler.
type feedSetup struct {
	app      *tests.TestApp
	handler  http.Handler
	token    string
	followed []string
	cpu      time.Duration // CPU time of the requests since last reset
}

// feedBench is kept from the benchmark's first run (b.N = 1) for the
// next: it takes a while to build.
var feedBench *feedSetup

func newFeedSetup(b *testing.B, people, offers, follows int) *feedSetup {
	b.Helper()
	app, err := testapp.Open(template)
	if err != nil {
		b.Fatal(err)
	}
	settings := app.Settings()
	settings.RateLimits.Enabled = false
	if err := app.Save(settings); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	users := make([]string, people)
	start := time.Now().Add(-100 * 24 * time.Hour)
	date := func(t time.Time) string { d, _ := types.ParseDateTime(t); return d.String() }
	now := date(time.Now())
	s := &feedSetup{app: app}
	err = func() error {
		tx := app
		// people and offers are written as rows, many per statement: a
		// saved user costs a password hash, and the hooks are not what is
		// measured here
		var rows [][]any
		for i := range users {
			users[i] = core.GenerateDefaultRandomId()
			rows = append(rows, []any{users[i], fmt.Sprintf("p%d@bench.local", i), "x", core.GenerateDefaultRandomId(),
				fmt.Sprintf("person %d", i), now, now})
		}
		if err := insertRows(tx, schema.Users, []string{"id", "email", "password", "tokenKey", "name", "created", "updated"}, rows); err != nil {
			return err
		}
		statuses := []string{schema.StatusActive, schema.StatusActive, schema.StatusActive, schema.StatusActive,
			schema.StatusActive, schema.StatusActive, schema.StatusReserved, schema.StatusClosed, schema.StatusDraft, schema.StatusHidden}
		rows = rows[:0]
		for i := range offers {
			created := date(start.Add(time.Duration(rng.Int64N(int64(100 * 24 * time.Hour)))))
			rows = append(rows, []any{core.GenerateDefaultRandomId(), users[rng.IntN(people)], fmt.Sprintf("Thing number %d", i),
				schema.KindSell, statuses[rng.IntN(len(statuses))], rng.IntN(500), "EUR", `{"lat":45.76,"lon":4.84}`,
				"Barely used, with its case.", created, created})
		}
		if err := insertRows(tx, schema.Offers, []string{"id", schema.FieldOwner, schema.OfferTitle, schema.FieldKind,
			schema.FieldStatus, schema.OfferPrice, schema.OfferCurrency, schema.FieldLocation, schema.OfferDescription,
			"created", "updated"}, rows); err != nil {
			return err
		}
		s.followed = slices.Clone(users)
		rng.Shuffle(len(s.followed), func(i, j int) { s.followed[i], s.followed[j] = s.followed[j], s.followed[i] })
		s.followed = s.followed[:follows]
		rows = rows[:0]
		for _, u := range s.followed {
			rows = append(rows, []any{core.GenerateDefaultRandomId(), ids["ana"], u, now, now})
		}
		return insertRows(tx, schema.Follows, []string{"id", schema.FollowFollower, schema.FollowFollowee, "created", "updated"}, rows)
	}()
	if err != nil {
		b.Fatal(err)
	}
	ana, err := app.FindRecordById(schema.Users, ids["ana"])
	if err != nil {
		b.Fatal(err)
	}
	if s.token, err = ana.NewAuthToken(); err != nil {
		b.Fatal(err)
	}
	s.handler = testapp.Handler(b, app)
	return s
}

// insertRows inserts rows into table with one prepared statement, in one
// transaction (dbx's named parameters cost more than SQLite here).
func insertRows(app core.App, table string, cols []string, rows [][]any) error {
	db, ok := app.NonconcurrentDB().(*dbx.DB)
	if !ok {
		return fmt.Errorf("unexpected database type %T", app.NonconcurrentDB())
	}
	tx, err := db.DB().Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	marks := strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",")
	stmt, err := tx.Prepare("INSERT INTO `" + table + "` (`" + strings.Join(cols, "`,`") + "`) VALUES (" + marks + ")")
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, row := range rows {
		if _, err := stmt.Exec(row...); err != nil {
			return fmt.Errorf("failed to insert into %s: %w", table, err)
		}
	}
	return tx.Commit()
}

// get answers GET path as the reader, failing on anything but a 200, and
// adds the CPU time the request took on this thread to s.cpu.
func (s *feedSetup) get(b *testing.B, path string) []byte {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", s.token)
	rec := httptest.NewRecorder()
	runtime.LockOSThread()
	c0 := threadCPU()
	s.handler.ServeHTTP(rec, req) // in this goroutine: the handler runs on this thread
	s.cpu += threadCPU() - c0
	runtime.UnlockOSThread()
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

type page struct {
	Items []struct {
		ID      string `json:"id"`
		Created string `json:"created"`
	} `json:"items"`
	Next string `json:"next"`
}

// feedPages reads pages pages of the feed, 20 offers each, following next.
func (s *feedSetup) feedPages(b *testing.B, pages int, times, cpu *[]time.Duration) []string {
	var got []string
	after := ""
	for range pages {
		t0 := time.Now()
		s.cpu = 0
		var p page
		if err := json.Unmarshal(s.get(b, "/api/peerbase/following?limit=20&after="+after), &p); err != nil {
			b.Fatal(err)
		}
		*times = append(*times, time.Since(t0))
		*cpu = append(*cpu, s.cpu)
		for _, it := range p.Items {
			got = append(got, it.ID)
		}
		if after = p.Next; after == "" {
			break
		}
	}
	return got
}

// recordsByRelation reads pages of the same offers through the records API
// in one request per page, filtering on the followed owners through the
// follows back-relation (the only single-request way: a filter naming
// 1,000 owners is over the records API's 3,500-character and
// 200-expression limits).
func (s *feedSetup) recordsByRelation(b *testing.B, pages int, times, cpu *[]time.Duration) []string {
	var got []string
	filter := url.QueryEscape(`owner.follows_via_followee.follower ?= "` + ids["ana"] + `"`)
	for i := range pages {
		t0 := time.Now()
		s.cpu = 0
		var p page
		path := fmt.Sprintf("/api/collections/offers/records?filter=%s&sort=-created,-id&perPage=20&page=%d&skipTotal=1", filter, i+1)
		if err := json.Unmarshal(s.get(b, path), &p); err != nil {
			b.Fatal(err)
		}
		*times = append(*times, time.Since(t0))
		*cpu = append(*cpu, s.cpu)
		for _, it := range p.Items {
			got = append(got, it.ID)
		}
	}
	return got
}

// recordsByOwnerChunks reads the first page as a client that knows whom it
// follows would through the records API: one request per chunk of 130
// owners (`owner = "a" || owner = "b" || ...`, within the filter limits),
// the newest 20 of all chunks kept.
func (s *feedSetup) recordsByOwnerChunks(b *testing.B, times, cpu *[]time.Duration) []string {
	t0 := time.Now()
	s.cpu = 0
	type item struct{ id, created string }
	var all []item
	for i := 0; i < len(s.followed); i += 130 {
		chunk := s.followed[i:min(i+130, len(s.followed))]
		terms := make([]string, len(chunk))
		for j, o := range chunk {
			terms[j] = `owner="` + o + `"`
		}
		path := "/api/collections/offers/records?filter=" + url.QueryEscape(strings.Join(terms, "||")) +
			"&sort=-created,-id&perPage=20&skipTotal=1"
		var p page
		if err := json.Unmarshal(s.get(b, path), &p); err != nil {
			b.Fatal(err)
		}
		for _, it := range p.Items {
			all = append(all, item{it.ID, it.Created})
		}
	}
	slices.SortFunc(all, func(x, y item) int {
		if c := strings.Compare(y.created, x.created); c != 0 {
			return c
		}
		return strings.Compare(y.id, x.id)
	})
	*times = append(*times, time.Since(t0))
	*cpu = append(*cpu, s.cpu)
	var got []string
	for _, it := range all[:min(20, len(all))] {
		got = append(got, it.id)
	}
	return got
}

func percentile(times []time.Duration, p int) time.Duration {
	s := slices.Clone(times)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// BenchmarkFollowingFeed: a reader who follows 1,000 of 10,000 people, who
// own 100,000 offers between them, reads the first three pages of the
// following feed, against the records API reading the same pages in the
// same run (the same offers, checked), rate limiter off. Reports p50/p95
// of each, wall clock and the request's own CPU time (the machine is
// shared: wall time includes waiting for a core), and the p95 ratios
// against the faster baseline.
//
//	go test -run '^$' -bench FollowingFeed -benchtime 200x -cpu 1 ./hooks/social/
func BenchmarkFollowingFeed(b *testing.B) {
	if feedBench == nil {
		t0 := time.Now()
		feedBench = newFeedSetup(b, 10_000, 100_000, 1_000)
		b.Logf("setup: %v", time.Since(t0))
	}
	s := feedBench
	const pages = 3

	// the same offers, the same order
	var warm, warmCPU []time.Duration
	feed := s.feedPages(b, pages, &warm, &warmCPU)
	byRel := s.recordsByRelation(b, pages, &warm, &warmCPU)
	chunks := s.recordsByOwnerChunks(b, &warm, &warmCPU)
	b.Logf("warm-up: %v", warm)
	if len(feed) != 20*pages || !slices.Equal(feed, byRel) || !slices.Equal(feed[:20], chunks) {
		b.Fatalf("the feed and the records API disagree:\nfeed   %v\nrecords %v\nchunks %v", feed, byRel, chunks)
	}

	var feedT, relT, chunkT, feedC, relC, chunkC []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.feedPages(b, pages, &feedT, &feedC)
		if i%4 == 0 { // the baselines are slow: a quarter of the rounds is plenty for their percentiles
			s.recordsByRelation(b, pages, &relT, &relC)
			s.recordsByOwnerChunks(b, &chunkT, &chunkC)
		}
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	report := func(name string, wall, cpu []time.Duration) {
		b.ReportMetric(ms(percentile(wall, 50)), name+"-p50-ms")
		b.ReportMetric(ms(percentile(wall, 95)), name+"-p95-ms")
		b.ReportMetric(ms(percentile(cpu, 50)), name+"-cpu-p50-ms")
		b.ReportMetric(ms(percentile(cpu, 95)), name+"-cpu-p95-ms")
	}
	report("feed", feedT, feedC)
	report("records", relT, relC)
	report("chunks", chunkT, chunkC)
	best := min(percentile(relT, 95), percentile(chunkT, 95))
	b.ReportMetric(float64(best)/float64(percentile(feedT, 95)), "p95-ratio")
	bestCPU := min(percentile(relC, 95), percentile(chunkC, 95))
	b.ReportMetric(float64(bestCPU)/float64(percentile(feedC, 95)), "cpu-p95-ratio")
}
