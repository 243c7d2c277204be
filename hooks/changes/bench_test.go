package changes_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
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

	write := func(app core.App, n int) time.Duration {
		start := time.Now()
		if _, err := testapp.CreateRecord(app, schema.Messages, map[string]any{schema.MessageThread: ids["thread"],
			schema.MessageAuthor: ids["peer"], schema.MessageBody: fmt.Sprintf("message %d", n)}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var tLog, tBase time.Duration
	b.ResetTimer()
	for n := range b.N {
		if n%2 == 0 { // alternate the order, so neither side always writes on a warm cache
			tLog += write(withLog, n)
			tBase += write(without, n)
		} else {
			tBase += write(without, n)
			tLog += write(withLog, n)
		}
	}
	b.ReportMetric(float64(tBase.Nanoseconds())/float64(b.N), "ns/write-baseline")
	b.ReportMetric(float64(tLog.Nanoseconds())/float64(b.N), "ns/write-logged")
	b.ReportMetric(float64(tLog)/float64(tBase), "ratio")
}

// BenchmarkSyncPage: one page of 100 changes (100 messages) for a
// participant, against the records API listing 100 messages of the same
// thread for the same caller (the baseline: what an app would ask for
// without sync), both through the router as the server runs it.
func BenchmarkSyncPage(b *testing.B) {
	const messages, limit = 2000, 100
	app := testapp.FromTemplate(b, template)
	for n := range messages {
		if _, err := testapp.CreateRecord(app, schema.Messages, map[string]any{schema.MessageThread: ids["thread"],
			schema.MessageAuthor: ids["peer"], schema.MessageBody: fmt.Sprintf("message %d", n)}); err != nil {
			b.Fatal(err)
		}
	}
	h := handler(b, app)
	get := func(url string) time.Duration {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", tokens["owner"])
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", url, rec.Code, rec.Body)
		}
		return d
	}
	syncURL := fmt.Sprintf("/api/peerbase/sync?since=%s&limit=%d", fixtureCursor, limit)
	listURL := fmt.Sprintf("/api/collections/messages/records?perPage=%d&skipTotal=1&sort=created&filter=thread='%s'", limit, ids["thread"])
	var tSync, tList time.Duration
	b.ResetTimer()
	for n := range b.N {
		if n%2 == 0 {
			tSync += get(syncURL)
			tList += get(listURL)
		} else {
			tList += get(listURL)
			tSync += get(syncURL)
		}
	}
	b.ReportMetric(float64(tList.Nanoseconds())/float64(b.N), "ns/list-baseline")
	b.ReportMetric(float64(tSync.Nanoseconds())/float64(b.N), "ns/sync-page")
	b.ReportMetric(float64(tSync)/float64(tList), "ratio")
}
