package changes_test

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// TestSyncPagesWhileWriting: 8 people write into their threads with the
// owner at the same time, through the API, while the owner and one of
// them page through sync with a small limit. Every message reaches each of
// its readers exactly once, in commit order, with nobody else's in between.
func TestSyncPagesWhileWriting(t *testing.T) {
	t.Parallel()
	const writers, perWriter, limit = 8, 20, 7
	s := startServer(t)

	type writer struct{ id, token, thread string }
	ws := make([]writer, writers)
	for i := range ws {
		u, err := testapp.CreateUser(s.app, fmt.Sprintf("writer%d", i))
		if err != nil {
			t.Fatal(err)
		}
		th, err := testapp.CreateRecord(s.app, schema.Threads, map[string]any{schema.ThreadOffer: ids["offer"], schema.ThreadPeer: u.Id})
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = writer{u.Id, testapp.Token(t, u), th.Id}
	}

	// the readers start from "just loaded everything"
	type reader struct {
		token, cursor string
		threads       map[string]bool // the threads it may hear of
		seen          map[string]int  // message id -> times answered
		lastPreview   map[string]any  // thread id -> last_message last answered
		lastSeq       int64
		pages         int
	}
	readers := []*reader{
		{token: tokens["owner"], threads: map[string]bool{}},
		{token: ws[0].token, threads: map[string]bool{ws[0].thread: true}},
	}
	for _, w := range ws {
		readers[0].threads[w.thread] = true
	}
	for _, r := range readers {
		r.cursor = s.cursorNow(t, r.token)
		r.seen, r.lastPreview = map[string]int{}, map[string]any{}
	}

	var (
		wg       sync.WaitGroup
		done     atomic.Bool
		mu       sync.Mutex
		written  = map[string]string{} // message id -> thread id
		failures []string
	)
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range perWriter {
				var msg struct{ ID string }
				_, err := s.do(w.token, http.MethodPost, "/api/collections/messages/records", map[string]any{
					"thread": w.thread, "author": w.id, "body": fmt.Sprintf("message %d from %s", n, w.id)}, &msg)
				mu.Lock()
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					written[msg.ID] = w.thread
				}
				mu.Unlock()
			}
		}()
	}
	go func() { wg.Wait(); done.Store(true) }()

	var rwg sync.WaitGroup
	for _, r := range readers {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for {
				// read "done" before asking: the last answer then comes after every write
				finished := done.Load()
				a, err := s.trySync(r.token, r.cursor, limit)
				if err != nil {
					t.Error(err)
					return
				}
				r.pages++
				if len(a.Items) > limit {
					t.Errorf("a page of %d items with limit %d", len(a.Items), limit)
				}
				for _, it := range a.Items {
					if it.Seq <= r.lastSeq {
						t.Errorf("item at seq %d after seq %d: a repeat or out of order", it.Seq, r.lastSeq)
					}
					r.lastSeq = it.Seq
					switch it.Collection {
					case schema.Messages:
						r.seen[it.ID]++
						if th, _ := it.Record["thread"].(string); !r.threads[th] {
							t.Errorf("a message of thread %q reached a reader who is not in it", th)
						}
					case schema.Threads:
						if !r.threads[it.ID] {
							t.Errorf("thread %s reached a reader who is not in it", it.ID)
						}
						r.lastPreview[it.ID] = it.Record["last_message"]
					default:
						t.Errorf("unexpected item %+v", it)
					}
				}
				r.cursor = a.Cursor
				if !a.More && finished {
					return
				}
				if !a.More {
					time.Sleep(2 * time.Millisecond)
				}
			}
		}()
	}
	rwg.Wait()

	if len(failures) > 0 {
		t.Fatalf("%d writes failed, first: %s", len(failures), failures[0])
	}
	if len(written) != writers*perWriter {
		t.Fatalf("%d messages written, want %d", len(written), writers*perWriter)
	}
	for _, r := range readers {
		want := 0
		for id, th := range written {
			if !r.threads[th] {
				continue
			}
			want++
			if r.seen[id] != 1 {
				t.Errorf("message %s answered %d times, want once", id, r.seen[id])
			}
		}
		if len(r.seen) != want {
			t.Errorf("a reader got %d messages, want %d", len(r.seen), want)
		}
		for th := range r.threads {
			stored, err := s.app.FindRecordById(schema.Threads, th)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.lastPreview[th]; got != stored.GetString(schema.ThreadLastMessage) {
				t.Errorf("thread %s last answered with preview %v, stored %q", th, got, stored.GetString(schema.ThreadLastMessage))
			}
		}
		t.Logf("a reader of %d threads caught up in %d pages", len(r.threads), r.pages)
	}
}
