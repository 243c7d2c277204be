package push_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
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
	r.vapid = keys.Public
	v := push.NewValidator([]string{r.hostPort()})
	s, err := push.NewSender(push.NewClient(v, timeout, 8), keys, subject)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSenderMailtoSubjectNotDoubled: the JWT's sub is the subject as
// configured (webpush-go made "mailto:x" into "mailto:mailto:x"), and it
// expires within the 24 h RFC 8292 allows.
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
		// exp is now + 12 h, within the 24 h allowed
		exp, _ := g[0].Claims.GetExpirationTime()
		if d := time.Until(exp.Time); d < 11*time.Hour || d > 24*time.Hour {
			t.Errorf("exp in %v", d)
		}
	}
}

// TestSenderPaddingLeavesCallerBufferAlone: the padding is never written
// into the caller's slice (webpush-go appended it there); the caller's
// spare capacity is untouched, and concurrent sends from one buffer all
// decrypt to it.
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
// TTL, Urgency and Topic are sent as given; TTL 0 (dropped by an offline
// device) is refused.
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

// TestSenderKeepsJWT: one signed JWT per push service origin, reused for
// every message to it (issue 9, item 8); another origin gets its own.
func TestSenderKeepsJWT(t *testing.T) {
	t.Parallel()
	r1, r2 := newReceiver(t), newReceiver(t) // two ports: two origins
	keys, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	r1.vapid, r2.vapid = keys.Public, keys.Public
	v := push.NewValidator([]string{r1.hostPort(), r2.hostPort()})
	s, err := push.NewSender(push.NewClient(v, 5*time.Second, 8), keys, "mailto:ops@peerbase.example")
	if err != nil {
		t.Fatal(err)
	}
	d := newDevice(t)
	for i := range 3 {
		for _, r := range []*receiver{r1, r2} {
			ep := r.endpoint("/keep/"+strconv.Itoa(i), d)
			if ans, err := s.Send(context.Background(), push.Message{Endpoint: ep, P256dh: d.P256dh, Auth: d.AuthKey,
				Payload: []byte(`{"id":"k"}`), TTL: 60}); err != nil || ans.Status != http.StatusCreated {
				t.Fatalf("%v %v", ans, err)
			}
		}
	}
	tokens := func(r *receiver) map[string]bool {
		m := map[string]bool{}
		for _, g := range r.all() {
			if g.Err != nil || g.Payload["id"] != "k" {
				t.Fatalf("%s: %v %v", g.Path, g.Err, g.Payload)
			}
			m[g.Token] = true
		}
		return m
	}
	t1, t2 := tokens(r1), tokens(r2)
	if len(t1) != 1 || len(t2) != 1 {
		t.Fatalf("%d and %d JWTs for 3 messages to each origin", len(t1), len(t2))
	}
	for tok := range t1 {
		if t2[tok] {
			t.Fatal("two origins got the same JWT")
		}
	}
	if aud := r2.all()[0].Claims["aud"]; aud != r2.srv.URL {
		t.Errorf("aud %v, want %s", aud, r2.srv.URL)
	}
}

// TestSenderResignsNearExpiry: the kept JWT is replaced once less than an
// hour of its 12 h is left, and a rotated key pair never uses a JWT signed
// with the old one.
func TestSenderResignsNearExpiry(t *testing.T) {
	t.Parallel()
	r := newReceiver(t)
	s := newSender(t, r, "https://peerbase.example/contact", 5*time.Second)
	r.vapid = "" // checked per push below: the key changes
	var mu sync.Mutex
	t0 := time.Now()
	clock := t0
	push.SetSenderClock(s, func() time.Time { mu.Lock(); defer mu.Unlock(); return clock })
	d := newDevice(t)
	ep := r.endpoint("/exp", d)
	send := func(at time.Duration) got {
		t.Helper()
		mu.Lock()
		clock = t0.Add(at)
		mu.Unlock()
		if ans, err := s.Send(context.Background(), push.Message{Endpoint: ep, P256dh: d.P256dh, Auth: d.AuthKey,
			Payload: []byte(`{"id":"e"}`), TTL: 60}); err != nil || ans.Status != http.StatusCreated {
			t.Fatalf("%v %v", ans, err)
		}
		gs := r.at("/exp")
		g := gs[len(gs)-1]
		if g.Err != nil {
			t.Fatalf("at %v: %v", at, g.Err)
		}
		return g
	}
	first := send(0)
	exp, _ := first.Claims.GetExpirationTime()
	if d := exp.Sub(t0); d < 11*time.Hour || d > 12*time.Hour {
		t.Fatalf("exp %v after the clock", d)
	}
	if g := send(10*time.Hour + 59*time.Minute); g.Token != first.Token {
		t.Error("re-signed with more than an hour left")
	}
	second := send(11*time.Hour + time.Minute)
	if second.Token == first.Token {
		t.Fatal("kept a JWT with less than an hour left")
	}
	exp2, _ := second.Claims.GetExpirationTime()
	if d := exp2.Sub(t0.Add(11*time.Hour + time.Minute)); d < 11*time.Hour || d > 12*time.Hour {
		t.Errorf("the new exp is %v after the clock", d)
	}
	if g := send(11*time.Hour + 2*time.Minute); g.Token != second.Token {
		t.Error("the new JWT was not kept")
	}

	keys, _ := push.GenerateKeys()
	if err := s.SetKeys(keys); err != nil {
		t.Fatal(err)
	}
	rotated := send(11*time.Hour + 3*time.Minute)
	if rotated.Key != keys.Public || rotated.Token == second.Token {
		t.Errorf("after rotation: k=%s (want %s), same JWT %v", rotated.Key, keys.Public, rotated.Token == second.Token)
	}
}

// TestSenderSubscriptionKeys: p256dh and auth are read as the registry
// stores them (base64url, padded or not, or the standard alphabet); a
// p256dh that is not a point on the curve, or an auth of the wrong length,
// is an error before anything is sent.
func TestSenderSubscriptionKeys(t *testing.T) {
	t.Parallel()
	r := newReceiver(t)
	s := newSender(t, r, "mailto:ops@peerbase.example", 5*time.Second)
	d := newDevice(t)
	ep := r.endpoint("/keys", d)
	std := base64.StdEncoding
	for _, form := range [][2]string{{d.P256dh, d.AuthKey}, {std.EncodeToString(d.pub), std.EncodeToString(d.auth)},
		{base64.URLEncoding.EncodeToString(d.pub), base64.URLEncoding.EncodeToString(d.auth)}} {
		if _, err := s.Send(context.Background(), push.Message{Endpoint: ep, P256dh: form[0], Auth: form[1],
			Payload: []byte(`{"id":"f"}`), TTL: 60}); err != nil {
			t.Fatalf("%q: %v", form, err)
		}
	}
	for _, g := range r.at("/keys") {
		if g.Err != nil || g.Payload["id"] != "f" {
			t.Errorf("%v %v", g.Err, g.Payload)
		}
	}
	offCurve := append([]byte{4}, bytes.Repeat([]byte{1}, 64)...)
	for name, keys := range map[string][2]string{
		"off the curve":  {b64(offCurve), d.AuthKey},
		"short p256dh":   {b64(d.pub[:33]), d.AuthKey},
		"not base64":     {"!!!", d.AuthKey},
		"short auth":     {d.P256dh, b64(d.auth[:8])},
		"identity point": {b64([]byte{0}), d.AuthKey},
	} {
		_, err := s.Send(context.Background(), push.Message{Endpoint: ep, P256dh: keys[0], Auth: keys[1], Payload: []byte(`{}`), TTL: 60})
		if !errors.Is(err, push.ErrSubscriptionKeys) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(r.at("/keys")); n != 3 {
		t.Errorf("%d pushes reached the push service, want 3", n)
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
