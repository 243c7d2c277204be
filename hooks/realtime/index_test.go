package realtime

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

func TestParseTopics(t *testing.T) {
	withOpts := `peerbase/inbox?options={"query":{"fields":"id"}}`
	threadOpts := `peerbase/threads/abc?options=%7B%22query%22%3A%7B%7D%7D`
	got := parseTopics([]string{
		"peerbase/inbox", withOpts, "peerbase/threads/abc", threadOpts, "peerbase/threads/abcd",
		"peerbase/inboxx", "peerbase/inbox/x", "peerbase/threads/", "peerbase/threads/a/b", "messages", "threads/abc", "",
	})
	if !slices.Equal(got.inbox, []string{"peerbase/inbox", withOpts}) {
		t.Errorf("inbox keys %v", got.inbox)
	}
	if len(got.threads) != 2 || !slices.Equal(got.threads["abc"], []string{"peerbase/threads/abc", threadOpts}) ||
		!slices.Equal(got.threads["abcd"], []string{"peerbase/threads/abcd"}) {
		t.Errorf("thread keys %v", got.threads)
	}
	if keys := got.keys("abc"); len(keys) != 4 {
		t.Errorf("keys(abc) = %v, want the two inbox keys and the two of thread abc", keys)
	}
	if keys := got.keys("zzz"); !slices.Equal(keys, got.inbox) {
		t.Errorf("keys(zzz) = %v, want the inbox keys alone", keys)
	}
	if !parseTopics([]string{"messages", "peerbase/threads/"}).empty() {
		t.Error("no topic of ours: must be empty")
	}
}

func clientIDs(ts []target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.client.Id())
	}
	slices.Sort(out)
	return out
}

func TestIndex(t *testing.T) {
	x := newIndex(8)
	a, b, c := subscriptions.NewDefaultClient(), subscriptions.NewDefaultClient(), subscriptions.NewDefaultClient()
	x.set(a, "u1", []string{InboxTopic})
	x.set(b, "u1", []string{ThreadTopicPrefix + "t1?options=x"})
	x.set(c, "u2", []string{InboxTopic, "messages"})

	if got, want := clientIDs(x.targets("u1", "t1")), sorted(a.Id(), b.Id()); !slices.Equal(got, want) {
		t.Errorf("targets(u1, t1) = %v, want %v", got, want)
	}
	if got := clientIDs(x.targets("u1", "t2")); !slices.Equal(got, []string{a.Id()}) {
		t.Errorf("targets(u1, t2) = %v, want the inbox connection only", got)
	}
	if got := clientIDs(x.targets("u1", "")); !slices.Equal(got, []string{a.Id()}) {
		t.Errorf("targets(u1, no thread) = %v, want the inbox connection only", got)
	}
	for _, tg := range x.targets("u1", "t1") {
		if tg.client == b && !slices.Equal(tg.keys, []string{ThreadTopicPrefix + "t1?options=x"}) {
			t.Errorf("b's keys %v, want the exact stored key", tg.keys)
		}
	}
	if len(x.targets("nobody", "t1")) != 0 {
		t.Error("a user without connections has targets")
	}
	if w := x.watching("u1", "t1"); len(w) != 1 || w[0] != b {
		t.Errorf("watching(u1, t1) = %v", w)
	}

	// a cleared client signs in again as someone else: it moves
	x.set(a, "u2", []string{InboxTopic})
	if got := clientIDs(x.targets("u1", "t1")); !slices.Equal(got, []string{b.Id()}) {
		t.Errorf("after a moved to u2, targets(u1) = %v", got)
	}
	if got, want := clientIDs(x.targets("u2", "")), sorted(a.Id(), c.Id()); !slices.Equal(got, want) {
		t.Errorf("targets(u2) = %v, want %v", got, want)
	}
	// no topic of ours any more, a guest, a disconnect: all leave the index
	x.set(b, "u1", []string{"messages"})
	x.set(c, "", []string{InboxTopic})
	x.remove(a.Id())
	x.remove("unknown")
	if n, u := x.size(); n != 0 || u != 0 {
		t.Errorf("index holds %d clients of %d users, want none", n, u)
	}
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

// TestIndexConcurrent connects, subscribes and disconnects clients from
// many goroutines while others look up targets (run with -race); at the
// end the index holds exactly the clients left subscribed.
func TestIndexConcurrent(t *testing.T) {
	x := newIndex(8)
	const workers, rounds, users = 8, 400, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	left := map[string]string{} // client id -> user, of the clients left subscribed
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			var mine []*subscriptions.DefaultClient
			for range rounds {
				switch op := r.IntN(5); {
				case op <= 1 || len(mine) == 0:
					c := subscriptions.NewDefaultClient()
					mine = append(mine, c)
					x.set(c, fmt.Sprint("u", r.IntN(users)), []string{InboxTopic, ThreadTopicPrefix + "t1"})
				case op == 2:
					c := mine[r.IntN(len(mine))]
					x.set(c, fmt.Sprint("u", r.IntN(users)), []string{ThreadTopicPrefix + fmt.Sprint("t", r.IntN(3))})
				case op == 3:
					i := r.IntN(len(mine))
					x.remove(mine[i].Id())
					mine = slices.Delete(mine, i, i+1)
				default:
					u := fmt.Sprint("u", r.IntN(users))
					for _, tg := range x.targets(u, "t1") {
						if tg.user != u || len(tg.keys) == 0 {
							t.Errorf("target %v for %s", tg.keys, u)
						}
					}
					x.watching(u, "t1")
				}
			}
			mu.Lock()
			for _, c := range mine {
				left[c.Id()] = ""
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	n, _ := x.size()
	if n != len(left) {
		t.Fatalf("index holds %d clients, want %d", n, len(left))
	}
	total := 0
	for u := range users {
		for _, tg := range x.targets(fmt.Sprint("u", u), "t1") {
			if _, ok := left[tg.client.Id()]; !ok {
				t.Errorf("removed client %s still targeted", tg.client.Id())
			}
			total++
		}
	}
	if total > len(left) {
		t.Errorf("%d targets for %d clients: a client is indexed under two users", total, len(left))
	}
}

// TestOutbox: pushing to a client nobody reads returns at once; past the
// limit push refuses; discarding the client ends its pump; a reading client
// gets every message in order.
func TestOutbox(t *testing.T) {
	stalled := subscriptions.NewDefaultClient()
	o := newOutbox(4)
	for i := range 4 {
		if !o.push(stalled, subscriptions.Message{Name: InboxTopic, Data: []byte{byte(i)}}) {
			t.Fatalf("push %d refused below the limit", i)
		}
	}
	if o.push(stalled, subscriptions.Message{Name: InboxTopic}) {
		t.Error("push accepted past the limit")
	}
	stalled.Discard()
	for o.pending() > 0 || o.isRunning() {
		runtime.Gosched()
	}

	reader := subscriptions.NewDefaultClient()
	o = newOutbox(64)
	got := make(chan []byte)
	go func() {
		for m := range reader.Channel() {
			got <- m.Data
		}
		close(got)
	}()
	for i := range 50 {
		if !o.push(reader, subscriptions.Message{Name: InboxTopic, Data: []byte{byte(i)}}) {
			t.Fatalf("push %d refused", i)
		}
	}
	for i := range 50 {
		if d := <-got; len(d) != 1 || d[0] != byte(i) {
			t.Fatalf("message %d: got %v", i, d)
		}
	}
	reader.Discard()
}

// TestClientSubscriptions: the wrapped client answers every question about
// its subscriptions as PocketBase's default client does.
func TestClientSubscriptions(t *testing.T) {
	keys := []string{"messages/*", `messages/abc?options={"query":{"expand":"author"}}`, InboxTopic,
		ThreadTopicPrefix + "t1?options=x"}
	prefixes := [][]string{nil, {"messages/*?"}, {"messages/abc?"}, {"messages?"}, {"threads/*?", "threads?"},
		{InboxTopic + "?"}, {ThreadTopicPrefix}, {"messages/ab"}, {"zzz", "messages/*?"}, {""}}
	plain, wrapped := subscriptions.NewDefaultClient(), wrapClient(subscriptions.NewDefaultClient())
	check := func(stage string) {
		t.Helper()
		for _, p := range prefixes {
			want, got := plain.Subscriptions(p...), wrapped.Subscriptions(p...)
			if len(want) != len(got) {
				t.Errorf("%s: Subscriptions(%q) = %v, want %v", stage, p, got, want)
				continue
			}
			for k, v := range want {
				if g, ok := got[k]; !ok || fmt.Sprint(g) != fmt.Sprint(v) {
					t.Errorf("%s: Subscriptions(%q)[%q] = %v, want %v", stage, p, k, g, v)
				}
			}
		}
	}
	check("empty")
	plain.Subscribe(keys...)
	wrapped.Subscribe(keys...)
	check("subscribed")
	plain.Unsubscribe(keys[1])
	wrapped.Unsubscribe(keys[1])
	check("one unsubscribed")
	plain.Unsubscribe()
	wrapped.Unsubscribe()
	check("all unsubscribed")
	if wrapped.Subscriptions("messages?") != nil {
		t.Error("no key matches: want nil")
	}
}
