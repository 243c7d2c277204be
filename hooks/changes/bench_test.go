//go:build linux

package changes_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/changes"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// BenchmarkWriteCost: what the change log adds to a message write (the
// message's insert and its thread's update, each logged for the two
// participants), against the same write with the log's hooks unbound, in
// two clones of one template, one write on each per iteration.
func BenchmarkWriteCost(b *testing.B) {
	withLog := testapp.FromTemplate(b, template)
	without := testapp.FromTemplate(b, template)
	without.OnRecordCreate().Unbind(changes.HookCreate)
	without.OnRecordUpdate().Unbind(changes.HookUpdate)
	without.OnRecordDelete().Unbind(changes.HookDelete)

	write := func(app core.App, n int) cost {
		return measure(func() {
			if _, err := testapp.CreateRecord(app, schema.Messages, map[string]any{schema.MessageThread: ids["thread"],
				schema.MessageAuthor: ids["peer"], schema.MessageBody: fmt.Sprintf("message %d", n)}); err != nil {
				b.Fatal(err)
			}
		})
	}
	var logged, base cost
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for n := range b.N {
		if n%2 == 0 { // alternate the order, so neither side always writes on a warm cache
			logged.add(write(withLog, n))
			base.add(write(without, n))
		} else {
			base.add(write(without, n))
			logged.add(write(withLog, n))
		}
	}
	report(b, base, logged, "write-baseline", "write-logged")
}

// cost is the wall and CPU time of some work. CPU time is the calling
// thread's own (the benchmark locks itself to one thread, and SQLite runs
// in the calling goroutine): other processes on a shared machine inflate
// wall times far more than it.
type cost struct{ wall, cpu time.Duration }

func (c *cost) add(d cost) { c.wall += d.wall; c.cpu += d.cpu }

// measure runs fn and returns what it cost.
func measure(fn func()) cost {
	cpu0, wall0 := threadCPU(), time.Now()
	fn()
	return cost{time.Since(wall0), threadCPU() - cpu0}
}

// threadCPU is the user and system CPU time of the calling OS thread.
func threadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD, Linux
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report puts both sides' costs per operation and their ratios in the
// benchmark's output.
func report(b *testing.B, base, ours cost, baseName, ourName string) {
	n := float64(b.N)
	b.ReportMetric(float64(base.wall.Nanoseconds())/n, "ns-wall/"+baseName)
	b.ReportMetric(float64(ours.wall.Nanoseconds())/n, "ns-wall/"+ourName)
	b.ReportMetric(float64(base.cpu.Nanoseconds())/n, "ns-cpu/"+baseName)
	b.ReportMetric(float64(ours.cpu.Nanoseconds())/n, "ns-cpu/"+ourName)
	b.ReportMetric(float64(ours.wall)/float64(base.wall), "ratio-wall")
	b.ReportMetric(float64(ours.cpu)/float64(base.cpu), "ratio-cpu")
}

// BenchmarkSyncPage: one page of 100 changes (100 messages) for a
// participant, against the records API listing 100 messages of the same
// thread for the same caller (the baseline: what an app would ask for
// without sync), both through the router as the server runs it.
func BenchmarkSyncPage(b *testing.B) {
	const messages, limit = 2000, 100
	app := testapp.FromTemplate(b, template)
	app.Settings().RateLimits.Enabled = false
	err := app.RunInTransaction(func(tx core.App) error { // one commit: the seeding is not what is measured
		for n := range messages {
			if _, err := testapp.CreateRecord(tx, schema.Messages, map[string]any{schema.MessageThread: ids["thread"],
				schema.MessageAuthor: ids["peer"], schema.MessageBody: fmt.Sprintf("message %d", n)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	h := testapp.Handler(b, app)
	get := func(url string) cost {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", tokens["owner"])
		rec := httptest.NewRecorder()
		c := measure(func() { h.ServeHTTP(rec, req) })
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", url, rec.Code, rec.Body)
		}
		return c
	}
	syncURL := fmt.Sprintf("/api/peerbase/sync?since=%s&limit=%d", fixtureCursor, limit)
	listURL := fmt.Sprintf("/api/collections/messages/records?perPage=%d&skipTotal=1&sort=created&filter=thread='%s'", limit, ids["thread"])
	var sync, list cost
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for n := range b.N {
		if n%2 == 0 {
			sync.add(get(syncURL))
			list.add(get(listURL))
		} else {
			list.add(get(listURL))
			sync.add(get(syncURL))
		}
	}
	report(b, list, sync, "list-baseline", "sync-page")
}
