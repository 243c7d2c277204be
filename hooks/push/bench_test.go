package push_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks"
	"peerbase/hooks/push"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sink is a push service on loopback that answers 201 without decrypting,
// so that it never sets the pace.
func sink(b *testing.B) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	b.Cleanup(srv.Close)
	return srv, &n
}

var benchPayload = []byte(`{"id":"0123456789abcde","type":"message","title":"New message from Ann","body":"Is the drill free on Saturday?","url":"/threads/abcdefghijklmno","source":{"collection":"messages","id":"abcdefghijklmn1"},"data":{"thread":"abcdefghijklmno","message":"abcdefghijklmn1"}}`)

// BenchmarkSend compares one push sent by bare webpush-go (its defaults:
// 4096-byte records, a fresh VAPID key derivation and JWT per message)
// with Sender.Send (records fitted to the payload, one JWT kept per
// origin), over keep-alive connections to a loopback sink, 8 at a time;
// sender-sign-each is Sender.Send parsing its key and signing a new JWT
// for every message as webpush-go does, so that the difference with
// sender is what keeping the JWT saves; encrypt is Encrypt alone (the
// crypto floor: ECDH, HKDF, AES-GCM), one at a time. cpu-us/op is the
// process's CPU time per push, sink included.
//
//	go test -run '^$' -bench BenchmarkSend -benchtime 3000x -benchmem ./hooks/push/
func BenchmarkSend(b *testing.B) {
	srv, _ := sink(b)
	keys, _ := push.GenerateKeys()
	d := newDevice(b)
	sub := &webpush.Subscription{Endpoint: srv.URL + "/bench", Keys: webpush.Keys{P256dh: d.P256dh, Auth: d.AuthKey}}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	run := func(b *testing.B, send func() error) {
		b.ReportAllocs()
		var wg sync.WaitGroup
		next := atomic.Int64{}
		start := cpuTime()
		b.ResetTimer()
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(b.N) {
					if err := send(); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-us/op")
	}
	b.Run("bare-webpush-go", func(b *testing.B) {
		run(b, func() error {
			msg := append([]byte(nil), benchPayload...)
			res, err := webpush.SendNotification(msg, sub, &webpush.Options{HTTPClient: client, Subscriber: "ops@peerbase.example",
				TTL: 60, VAPIDPublicKey: keys.Public, VAPIDPrivateKey: keys.Private})
			if err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			return err
		})
	})
	sender := func(b *testing.B, signEach bool) {
		v := push.NewValidator([]string{srv.Listener.Addr().String()})
		s, err := push.NewSender(push.NewClient(v, 10*time.Second, 16), keys, "mailto:ops@peerbase.example")
		if err != nil {
			b.Fatal(err)
		}
		if signEach {
			push.SignEachMessage(s)
		}
		run(b, func() error {
			_, err := s.Send(context.Background(), push.Message{Endpoint: sub.Endpoint, P256dh: d.P256dh, Auth: d.AuthKey,
				Payload: benchPayload, TTL: 60, Urgency: "high", Topic: "t-abcdefghijklmno"})
			return err
		})
	}
	b.Run("sender", func(b *testing.B) { sender(b, false) })
	b.Run("sender-sign-each", func(b *testing.B) { sender(b, true) })
	b.Run("encrypt", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			if _, err := push.Encrypt(benchPayload, d.P256dh, d.AuthKey); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-us/op")
	})
}

// BenchmarkOutbox is the whole server path per delivery, in process: one
// event fanned out to b.N devices (outbox rows written in one
// transaction), read by the dispatcher, sent by the worker pool and marked
// in batches, against the same sink. Compare its cpu-us/op with
// BenchmarkSend/bare-webpush-go of the same run.
//
//	go test -run '^$' -bench 'BenchmarkSend|BenchmarkOutbox' -benchtime 3000x ./hooks/push/
func BenchmarkOutbox(b *testing.B) {
	srv, got := sink(b)
	app, err := newBenchApp(b, srv.Listener.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	d := newDevice(b)
	// the subscriptions, straight into the table (setup, not measured)
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000Z")
	err = app.RunInTransaction(func(tx core.App) error {
		for i := range b.N {
			_, err := tx.DB().Insert(schema.PushSubscriptions, dbx.Params{"id": core.GenerateDefaultRandomId(),
				schema.SubUser: ids["bob"], schema.SubEndpoint: srv.URL + "/d/" + strconv.Itoa(i), schema.SubP256dh: d.P256dh,
				schema.SubAuth: d.AuthKey, schema.SubFailures: 0, "created": now, "updated": now}).Execute()
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	start := cpuTime()
	b.ResetTimer()
	err = app.RunInTransaction(func(tx core.App) error {
		_, err := push.Enqueue(tx, push.Event{User: ids["bob"], Type: "message", Title: "New message from Ann",
			Body: "Is the drill free on Saturday?", URL: "/threads/" + ids["thread"],
			Source: push.Source{Collection: "messages", ID: "abcdefghijklmn1"},
			Data:   map[string]any{"thread": ids["thread"], "message": "abcdefghijklmn1"}}, time.Now())
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	push.Nudge(app)
	for got.Load() < int64(b.N) {
		time.Sleep(10 * time.Millisecond)
	}
	for {
		var pending int
		if err := app.DB().NewQuery("SELECT COUNT(*) FROM push_deliveries WHERE status = 'pending'").Row(&pending); err != nil {
			b.Fatal(err)
		}
		if pending == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-us/op")
	if got.Load() < int64(b.N) {
		b.Fatalf("the sink got %d of %d", got.Load(), b.N)
	}
}

// newBenchApp clones the template into an app whose pushes may go to
// hostPort, with the shipped worker settings, and starts it.
func newBenchApp(b *testing.B, hostPort string) (*tests.TestApp, error) {
	app, err := tests.NewTestApp(template)
	if err != nil {
		return nil, err
	}
	b.Cleanup(app.Cleanup)
	cfg := testapp.Config()
	cfg.Push.Deliver = true
	cfg.Push.AllowHosts = []string{hostPort}
	if w := os.Getenv("PUSH_BENCH_WORKERS"); w != "" {
		cfg.Push.Workers, _ = strconv.Atoi(w)
	}
	if err := hooks.Register(app, cfg); err != nil {
		return nil, err
	}
	testapp.Handler(b, app)
	return app, nil
}

// BenchmarkNotificationOutbox is the write side of a fan-out, in process:
// b.N notifications of one person with 100 devices, each saved with every
// record hook in its own transaction (as the records API and notify.Send
// do), each writing its 100 outbox rows; nothing is sent. cpu-us/row is the
// process's CPU time per outbox row written.
//
//	go test -run '^$' -bench BenchmarkNotificationOutbox -benchtime 300x ./hooks/push/
func BenchmarkNotificationOutbox(b *testing.B) {
	app, err := tests.NewTestApp(template)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(app.Cleanup)
	if err := hooks.Register(app, testapp.Config()); err != nil {
		b.Fatal(err)
	}
	const devices = 100
	d := newDevice(b)
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000Z")
	err = app.RunInTransaction(func(tx core.App) error {
		for i := range devices {
			_, err := tx.DB().Insert(schema.PushSubscriptions, dbx.Params{"id": core.GenerateDefaultRandomId(),
				schema.SubUser: ids["bob"], schema.SubEndpoint: "https://push.example/d/" + strconv.Itoa(i), schema.SubP256dh: d.P256dh,
				schema.SubAuth: d.AuthKey, schema.SubFailures: 0, "created": now, "updated": now}).Execute()
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	notifications, err := app.FindCollectionByNameOrId(schema.Notifications)
	if err != nil {
		b.Fatal(err)
	}
	start := cpuTime()
	b.ResetTimer()
	for range b.N {
		r := core.NewRecord(notifications)
		r.Set(schema.NotificationUser, ids["bob"])
		r.Set(schema.NotificationType, schema.NotifyModeration)
		r.Set(schema.NotificationTitle, "Your report was handled")
		r.Set(schema.NotificationText, "A moderator looked at the offer you reported and hid it. Thank you for keeping Peerbase safe.")
		r.Set(schema.NotificationLink, "/notifications")
		if err := app.Save(r); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N*devices), "cpu-us/row")
	var rows int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM push_deliveries").Row(&rows); err != nil || rows != b.N*devices {
		b.Fatalf("%d outbox rows, want %d (%v)", rows, b.N*devices, err)
	}
}
