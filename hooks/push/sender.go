package push

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// MaxPayload is the largest payload sent: with the encryption header and
// tag it stays well under the 4 KB every push service accepts.
const MaxPayload = 3000

// Sender sends one push through webpush-go v1.4.0, working around its
// faults (each one tested in sender_test.go):
//   - a "mailto:x" subject becomes "mailto:mailto:x": it is given the bare
//     address (ParseSubject);
//   - Options.VapidExpiration is ignored (the JWT always expires in 12 h,
//     within the 24 h RFC 8292 allows): nothing relies on it;
//   - it pads by appending to the caller's slice, so two sends from one
//     buffer race: each send gets its own copy with no spare capacity;
//   - it pads every body to RecordSize, 4096 by default (Firefox for
//     Android answers 413): RecordSize is set to the payload's size rounded
//     up to 128 bytes;
//   - TTL 0 (the default) is dropped by the push service when the device is
//     offline: every push has its type's TTL, never 0;
//   - its default HTTP client has no timeout and follows redirects: it gets
//     the shared client, with timeouts, no redirects and the endpoint
//     address check on every dial;
//   - a non-2xx answer is not an error: the status is returned and judged
//     by the caller.
//
// It still re-derives the VAPID key and signs a new JWT per message (about
// half its CPU); that is measured, not patched.
type Sender struct {
	Client  *http.Client
	Keys    Keys
	Subject string // as ParseSubject returns it
}

// Message is one push to send.
type Message struct {
	Endpoint, P256dh, Auth string
	Payload                []byte
	TTL                    int // seconds, > 0
	Urgency, Topic         string
}

// Answer is what the push service said.
type Answer struct {
	Status     int
	RetryAfter time.Duration
}

// RecordSize returns the aes128gcm record size for a payload of n bytes:
// webpush-go makes the whole body exactly RecordSize bytes (86 of header,
// the payload, a delimiter, padding, a 16-byte tag), so this is the
// smallest multiple of 128 that holds them; the rounding hides the exact
// length.
func RecordSize(n int) uint32 {
	need := n + 86 + 1 + 16
	return uint32((need + 127) / 128 * 128)
}

// Send encrypts and posts m, returning the push service's answer; err is
// a failure to build or send the request (network, timeout, refused
// address), not an HTTP status.
func (s *Sender) Send(ctx context.Context, m Message) (Answer, error) {
	if len(m.Payload) > MaxPayload {
		return Answer{}, errors.New("push: payload too large")
	}
	if m.TTL <= 0 {
		return Answer{}, errors.New("push: TTL must be positive")
	}
	// a private copy without spare capacity: webpush-go appends its padding
	// to the slice it is given
	msg := make([]byte, len(m.Payload))
	copy(msg, m.Payload)
	resp, err := webpush.SendNotificationWithContext(ctx, msg[:len(msg):len(msg)],
		&webpush.Subscription{Endpoint: m.Endpoint, Keys: webpush.Keys{P256dh: m.P256dh, Auth: m.Auth}},
		&webpush.Options{
			HTTPClient:      s.Client,
			RecordSize:      RecordSize(len(msg)),
			Subscriber:      s.Subject,
			Topic:           m.Topic,
			TTL:             m.TTL,
			Urgency:         webpush.Urgency(m.Urgency),
			VAPIDPublicKey:  s.Keys.Public,
			VAPIDPrivateKey: s.Keys.Private,
		})
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return Answer{Status: resp.StatusCode, RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}, nil
}

// ParseRetryAfter reads a Retry-After header: seconds or an HTTP date; 0
// when absent or malformed.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// NewClient returns the HTTP client every push goes through: one
// connection pool for all sends, timeout bounding each whole request,
// redirects never followed (a 3xx is the answer), no proxy from the
// environment, and every connection's address checked by v when its
// host:port is not allowed (so DNS that changed since the subscription was
// saved cannot point the server at an internal address).
func NewClient(v *Validator, timeout time.Duration, conns int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if v.Allow[strings.ToLower(addr)] {
				return dialer.DialContext(ctx, network, addr)
			}
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			addrs, err := v.resolve(ctx, host)
			if err != nil {
				return nil, err
			}
			p, err := strconv.ParseUint(port, 10, 16)
			if err != nil {
				return nil, err
			}
			var firstErr error
			for _, a := range addrs {
				c, err := dialer.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(p)).String())
				if err == nil {
					return c, nil
				}
				if firstErr == nil {
					firstErr = err
				}
			}
			return nil, firstErr
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
