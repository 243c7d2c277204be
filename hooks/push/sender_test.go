package push_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"peerbase/hooks/push"
)

// newSender returns a Sender with fresh keys and the given subject whose
// client may call r (loopback, allowed).
func newSender(t *testing.T, r *receiver, subject string, timeout time.Duration) *push.Sender {
	t.Helper()
	keys, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	sub, err := push.ParseSubject(subject)
	if err != nil {
		t.Fatal(err)
	}
	r.vapid = keys.Public
	v := push.NewValidator([]string{r.hostPort()})
	return &push.Sender{Client: push.NewClient(v, timeout, 8), Keys: keys, Subject: sub}
}

// TestSenderMailtoSubjectNotDoubled: webpush-go prefixes "mailto:" to any
// subject not starting with "https:"; a mailto: subject arrives once.
func TestSenderMailtoSubjectNotDoubled(t *testing.T) {
	t.Parallel()
	r := newReceiver(t)
	for _, subject := range []string{"mailto:ops@peerbase.example", "https://peerbase.example/contact"} {
		s := newSender(t, r, subject, 5*time.Second)
		d := newDevice(t)
		ep := r.endpoint("/sub-"+subject[:5], d)
		ans, err := s.Send(context.Background(), push.Message{Endpoint: ep, P256dh: d.P256dh, Auth: d.AuthKey,
			Payload: []byte(`{"id":"x"}`), TTL: 60})
		if err != nil || ans.Status != http.StatusCreated {
			t.Fatalf("%s: %v %v", subject, ans, err)
		}
		g := r.at("/sub-" + subject[:5])
		if len(g) != 1 || g[0].Err != nil || g[0].Claims["sub"] != subject {
			t.Fatalf("%s: got %+v", subject, g)
		}
		// VapidExpiration is ignored by webpush-go: exp is now + 12 h, within the 24 h allowed
		exp, _ := g[0].Claims.GetExpirationTime()
		if d := time.Until(exp.Time); d < 11*time.Hour || d > 24*time.Hour {
			t.Errorf("exp in %v", d)
		}
	}
}

// TestSenderPaddingLeavesCallerBufferAlone: webpush-go appends its padding
// to the slice it is given; the caller's spare capacity is untouched, and
// concurrent sends from one buffer all decrypt to it.
func TestSenderPaddingLeavesCallerBufferAlone(t *testing.T) {
	t.Parallel()
	r := newReceiver(t)
	s := newSender(t, r, "mailto:ops@peerbase.example", 5*time.Second)
	buf := make([]byte, 0, 4096)
	buf = append(buf, `{"id":"shared","type":"message"}`...)
	spare := buf[len(buf):cap(buf)]
	for i := range spare {
		spare[i] = 0xAA
	}
	var wg sync.WaitGroup
	const n = 16
	for i := range n {
		d := newDevice(t)
		ep := r.endpoint("/pad/"+string(rune('a'+i)), d)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Send(context.Background(), push.Message{Endpoint: ep, P256dh: d.P256dh, Auth: d.AuthKey, Payload: buf, TTL: 60}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if !bytes.Equal(spare, bytes.Repeat([]byte{0xAA}, len(spare))) {
		t.Fatal("the caller's spare capacity was written")
	}
	gs := r.all()
	if len(gs) != n {
		t.Fatalf("%d pushes", len(gs))
	}
	for _, g := range gs {
		if g.Err != nil || g.Payload["id"] != "shared" {
			t.Errorf("%s: %v %v", g.Path, g.Err, g.Payload)
		}
	}
}

// TestSenderRecordSizeAndTTL: the body is the payload padded to a
// multiple of 128, not to 4096 (Firefox for Android answers 413), and
// TTL, Urgency and Topic are sent as given; TTL 0 (webpush-go's default,
// dropped by an offline device) is refused.
func TestSenderRecordSizeAndTTL(t *testing.T) {
	t.Parallel()
	r := newReceiver(t)
	s := newSender(t, r, "mailto:ops@peerbase.example", 5*time.Second)
	d := newDevice(t)
	ep := r.endpoint("/size", d)
	payload, _ := json.Marshal(map[string]string{"id": "x", "title": "hello"})
	if _, err := s.Send(context.Background(), push.Message{Endpoint: ep, P256dh: d.P256dh, Auth: d.AuthKey, Payload: payload,
		TTL: 3600, Urgency: "high", Topic: "t-abc"}); err != nil {
		t.Fatal(err)
	}
	g := r.at("/size")
	if len(g) != 1 || g[0].Err != nil {
		t.Fatalf("%+v", g)
	}
	if g[0].BodyLen >= 4096 || g[0].BodyLen%128 != 0 || uint32(g[0].BodyLen) != push.RecordSize(len(payload)) || g[0].RS != uint32(g[0].BodyLen) {
		t.Errorf("body %d bytes, rs %d, payload %d", g[0].BodyLen, g[0].RS, len(payload))
	}
	if g[0].TTL != "3600" || g[0].Urgency != "high" || g[0].Topic != "t-abc" {
		t.Errorf("headers TTL %q Urgency %q Topic %q", g[0].TTL, g[0].Urgency, g[0].Topic)
	}
	big := append(append([]byte(`{"x":"`), bytes.Repeat([]byte("x"), push.MaxPayload-8)...), `"}`...)
	if _, err := s.Send(context.Background(), push.Message{Endpoint: ep, P256dh: d.P256dh, Auth: d.AuthKey, Payload: big, TTL: 60}); err != nil {
		t.Fatalf("the largest payload: %v", err)
	}
	if g := r.at("/size"); len(g) != 2 || g[1].Err != nil || g[1].BodyLen > 4096 {
		t.Errorf("the largest payload: %+v", g[len(g)-1])
	}
	if _, err := s.Send(context.Background(), push.Message{Endpoint: ep, P256dh: d.P256dh, Auth: d.AuthKey, Payload: payload}); err == nil {
		t.Error("TTL 0 was sent")
	}
	if len(r.at("/size")) != 2 {
		t.Error("a refused message reached the push service")
	}
}

// TestSenderNoRedirectsAndTimeout: a 3xx is the answer (the Location is
// never fetched), a non-2xx status is returned as such rather than hidden,
// and a push service that does not answer is cut off by the timeout.
func TestSenderNoRedirectsAndTimeout(t *testing.T) {
	t.Parallel()
	r := newReceiver(t)
	s := newSender(t, r, "mailto:ops@peerbase.example", 500*time.Millisecond)
	d := newDevice(t)
	ep := r.endpoint("/redirect", d, answer{status: http.StatusTemporaryRedirect, location: r.srv.URL + "/target"})
	r.endpoint("/target", d)
	ans, err := s.Send(context.Background(), push.Message{Endpoint: ep, P256dh: d.P256dh, Auth: d.AuthKey, Payload: []byte(`{}`), TTL: 60})
	if err != nil || ans.Status != http.StatusTemporaryRedirect {
		t.Fatalf("got %+v, %v", ans, err)
	}
	ep500 := r.endpoint("/fail", d, answer{status: 503, retryAfter: "7"})
	ans, err = s.Send(context.Background(), push.Message{Endpoint: ep500, P256dh: d.P256dh, Auth: d.AuthKey, Payload: []byte(`{}`), TTL: 60})
	if err != nil || ans.Status != 503 || ans.RetryAfter != 7*time.Second {
		t.Fatalf("got %+v, %v", ans, err)
	}
	slow := r.endpoint("/slow", d, answer{status: 201, delay: 3 * time.Second})
	start := time.Now()
	_, err = s.Send(context.Background(), push.Message{Endpoint: slow, P256dh: d.P256dh, Auth: d.AuthKey, Payload: []byte(`{}`), TTL: 60})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("a silent push service: %v after %v", err, time.Since(start))
	}
	if n := len(r.at("/target")); n != 0 {
		t.Fatalf("the redirect was followed %d times", n)
	}
}

// TestParseRetryAfter: seconds or an HTTP date.
func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{"": 0, "30": 30 * time.Second, "-4": 0, "soon": 0,
		"Sun, 01 Mar 2026 12:02:00 GMT": 2 * time.Minute, "Sun, 01 Mar 2026 11:00:00 GMT": 0} {
		if got := push.ParseRetryAfter(in, now); got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}
