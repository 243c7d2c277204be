package realtime_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"peerbase/hooks/realtime"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// subscribe registers client in the app's broker and runs the app's
// subscribe hooks with it signed in as auth, as POST /api/realtime does.
func subscribe(tb testing.TB, app core.App, client subscriptions.Client, auth *core.Record, topics ...string) {
	tb.Helper()
	app.SubscriptionsBroker().Register(client)
	ev := &core.RealtimeSubscribeRequestEvent{RequestEvent: &core.RequestEvent{App: app}, Client: client, Subscriptions: topics}
	ev.App = app
	err := app.OnRealtimeSubscribeRequest().Trigger(ev, func(e *core.RealtimeSubscribeRequestEvent) error {
		e.Client.Set(apis.RealtimeClientAuthKey, auth)
		e.Client.Unsubscribe()
		e.Client.Subscribe(e.Subscriptions...)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// cpuTime returns the CPU time the process has used (user and system).
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDeliver measures our delivery path alone (recipients' lookup,
// auth re-check, rendering per recipient with the view rule, queueing, and
// the hand-over to both participants' connections) for one new message,
// with 1,000 and 10,000 unrelated signed-in clients holding the inbox. The
// goal: the same cost at both sizes (within 20%). Run the sizes alternately
// (see BENCHMARKS.md) on a shared machine.
func BenchmarkDeliver(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			app := testapp.New(b)
			ids := map[string]string{}
			if err := testapp.CreateUsers(app, ids, map[string]string{}, "owner", "peer"); err != nil {
				b.Fatal(err)
			}
			offer, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.OfferTitle: "Drill",
				schema.FieldOwner: ids["owner"], schema.FieldKind: schema.KindLend, schema.FieldStatus: schema.StatusActive})
			if err != nil {
				b.Fatal(err)
			}
			thread, err := testapp.CreateRecord(app, schema.Threads, map[string]any{schema.ThreadOffer: offer.Id, schema.ThreadPeer: ids["peer"]})
			if err != nil {
				b.Fatal(err)
			}
			msg, err := testapp.CreateRecord(app, schema.Messages, map[string]any{schema.MessageThread: thread.Id,
				schema.MessageAuthor: ids["peer"], schema.MessageBody: "hello"})
			if err != nil {
				b.Fatal(err)
			}
			users, err := app.FindCollectionByNameOrId(schema.Users)
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				u := core.NewRecord(users)
				u.Id = fmt.Sprintf("unrelated%06d", i)
				subscribe(b, app, subscriptions.NewDefaultClient(), u, realtime.InboxTopic, "messages")
			}
			got := make(chan struct{}, 16)
			for _, who := range []string{"owner", "peer"} {
				u, err := app.FindRecordById(schema.Users, ids[who])
				if err != nil {
					b.Fatal(err)
				}
				c := subscriptions.NewDefaultClient()
				subscribe(b, app, c, u, realtime.InboxTopic, realtime.ThreadTopicPrefix+thread.Id)
				go func() {
					for range c.Channel() {
						got <- struct{}{}
					}
				}()
				defer app.SubscriptionsBroker().Unregister(c.Id())
			}
			if got := realtime.Indexed(app); got != n+2 {
				b.Fatalf("index holds %d connections, want %d", got, n+2)
			}
			recipients := []string{ids["owner"], ids["peer"]}
			b.ReportAllocs()
			// CPU time as well as wall time: the machine is shared, and
			// waiting for a core counts in the one but not in the other
			start := cpuTime(b)
			for b.Loop() {
				realtime.Publish(app, "create", msg, recipients)
				for range 4 { // inbox and thread topic, for both participants
					<-got
				}
			}
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkSaveMessage measures the whole write of one message with
// PocketBase's realtime hooks bound (its broadcast walks every client for
// the message and for its thread's update), with 1,000 and 10,000 idle
// signed-in clients holding peerbase/inbox (wrapped as the connect hook
// does) and both participants receiving. It shows what of a message's cost
// still grows with the connected clients.
//
// client=pocketbase keeps PocketBase's default client for the idle
// connections, as a baseline for the wrapper (client=peerbase).
func BenchmarkSaveMessage(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, wrapped := range []bool{false, true} {
			name := map[bool]string{false: "pocketbase", true: "peerbase"}[wrapped]
			b.Run(fmt.Sprintf("clients=%d/client=%s", n, name), func(b *testing.B) {
				benchSaveMessage(b, n, wrapped)
			})
		}
	}
}

func benchSaveMessage(b *testing.B, n int, wrapped bool) {
	{
		{
			app := testapp.New(b)
			if _, err := apis.NewRouter(app); err != nil { // binds PocketBase's realtime hooks
				b.Fatal(err)
			}
			ids := map[string]string{}
			if err := testapp.CreateUsers(app, ids, map[string]string{}, "owner", "peer"); err != nil {
				b.Fatal(err)
			}
			offer, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.OfferTitle: "Drill",
				schema.FieldOwner: ids["owner"], schema.FieldKind: schema.KindLend, schema.FieldStatus: schema.StatusActive})
			if err != nil {
				b.Fatal(err)
			}
			thread, err := testapp.CreateRecord(app, schema.Threads, map[string]any{schema.ThreadOffer: offer.Id, schema.ThreadPeer: ids["peer"]})
			if err != nil {
				b.Fatal(err)
			}
			users, err := app.FindCollectionByNameOrId(schema.Users)
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				u := core.NewRecord(users)
				u.Id = fmt.Sprintf("unrelated%06d", i)
				var c subscriptions.Client = subscriptions.NewDefaultClient()
				if wrapped {
					c = realtime.WrapClient(c.(*subscriptions.DefaultClient))
				}
				subscribe(b, app, c, u, realtime.InboxTopic)
			}
			got := make(chan struct{}, 16)
			for _, who := range []string{"owner", "peer"} {
				u, err := app.FindRecordById(schema.Users, ids[who])
				if err != nil {
					b.Fatal(err)
				}
				c := realtime.WrapClient(subscriptions.NewDefaultClient())
				subscribe(b, app, c, u, realtime.InboxTopic)
				go func() {
					for range c.Channel() {
						got <- struct{}{}
					}
				}()
				defer app.SubscriptionsBroker().Unregister(c.Id())
			}
			messages, err := app.FindCollectionByNameOrId(schema.Messages)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			start := cpuTime(b)
			for b.Loop() {
				m := core.NewRecord(messages)
				m.Set(schema.MessageThread, thread.Id)
				m.Set(schema.MessageAuthor, ids["peer"])
				m.Set(schema.MessageBody, "hello")
				if err := app.Save(m); err != nil {
					b.Fatal(err)
				}
				for range 4 { // the message and the thread's update, for both participants
					<-got
				}
			}
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
