package push

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxPayload is the largest payload sent: with the encryption header and
// tag it stays well under the 4 KB every push service accepts.
const MaxPayload = 3000

// ErrPayloadTooLarge is a payload over MaxPayload, and ErrSubscriptionKeys
// a p256dh or auth that cannot be used: never sent, not retried.
var (
	ErrPayloadTooLarge  = errors.New("push: payload too large")
	ErrSubscriptionKeys = errors.New("push: bad subscription keys")
)

// Sender encrypts and posts pushes: RFC 8291 message encryption
// (aes128gcm, RFC 8188) with the standard library and an RFC 8292 VAPID
// Authorization header. It does not go through webpush-go's send, which
// parses the VAPID private key, rebuilds its public key and signs a new
// ES256 JWT for every message, about half its CPU: issue 9, item 8, asks to
// keep them. Here the key is parsed once per key pair and one signed header
// is kept per push service origin (the JWT's audience) and reused until
// less than an hour of its 12 h is left (RFC 8292 allows up to 24 h), so a
// message costs its encryption (one ephemeral ECDH, HKDF, AES-GCM) and the
// request.
//
// What every push gets (each tested in sender_test.go): the subject as
// configured (mailto: or https:, never doubled); a body padded to
// RecordSize, a multiple of 128 (not 4096: Firefox for Android answers
// 413), encrypted into a buffer of its own (the caller's payload is only
// read); its TTL, never 0 (a push with TTL 0 is dropped when the device is
// offline); the shared client with timeouts, no redirects and the endpoint
// address check on every dial (NewClient); a non-2xx answer returned as a
// status for the caller to judge, not as an error.
type Sender struct {
	client  *http.Client
	subject string
	vapid   atomic.Pointer[vapidKey]
	// now is the clock the JWTs' expiry is reckoned by (tests set it)
	now func() time.Time
	// signEach signs a new JWT with a freshly parsed key for every message,
	// as webpush-go does: for the benchmark that measures what keeping it
	// saves
	signEach bool
}

// NewSender returns a Sender posting through client, signing with keys
// for subject (a mailto: address or an https URL, as ParseSubject
// accepts).
func NewSender(client *http.Client, keys Keys, subject string) (*Sender, error) {
	sub, err := ParseSubject(subject)
	if err != nil {
		return nil, err
	}
	s := &Sender{client: client, subject: sub, now: time.Now}
	if err := s.SetKeys(keys); err != nil {
		return nil, err
	}
	return s, nil
}

// SetKeys makes s sign with keys from now on; the JWTs signed with the
// previous pair go with it.
func (s *Sender) SetKeys(keys Keys) error {
	v, err := newVAPIDKey(keys)
	if err != nil {
		return err
	}
	s.vapid.Store(v)
	return nil
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
// the whole body is exactly RecordSize bytes (86 of header, the payload, a
// delimiter, padding, a 16-byte tag), the smallest multiple of 128 that
// holds them; the rounding hides the exact length.
func RecordSize(n int) uint32 {
	need := n + headerLen + 1 + tagLen
	return uint32((need + 127) / 128 * 128)
}

const (
	saltLen   = 16
	keyLen    = 65 // an uncompressed P-256 point
	headerLen = saltLen + 4 + 1 + keyLen
	tagLen    = 16
)

// Send encrypts and posts m, returning the push service's answer; err is
// a failure to build or send the request (bad subscription keys, network,
// timeout, refused address), not an HTTP status.
func (s *Sender) Send(ctx context.Context, m Message) (Answer, error) {
	if len(m.Payload) > MaxPayload {
		return Answer{}, ErrPayloadTooLarge
	}
	if m.TTL <= 0 {
		return Answer{}, errors.New("push: TTL must be positive")
	}
	body, err := Encrypt(m.Payload, m.P256dh, m.Auth)
	if err != nil {
		return Answer{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Endpoint, bytes.NewReader(body))
	if err != nil {
		return Answer{}, err
	}
	if req.URL.Scheme != "https" && req.URL.Scheme != "http" || req.URL.Host == "" {
		return Answer{}, fmt.Errorf("%w: %q is not an http(s) URL", ErrEndpoint, m.Endpoint)
	}
	auth, err := s.authorization(req.URL.Scheme + "://" + req.URL.Host)
	if err != nil {
		return Answer{}, err
	}
	h := req.Header
	h["Authorization"] = []string{auth}
	h["Content-Encoding"] = []string{"aes128gcm"}
	h["Content-Type"] = []string{"application/octet-stream"}
	h["Ttl"] = []string{strconv.Itoa(m.TTL)}
	if m.Topic != "" {
		h["Topic"] = []string{m.Topic}
	}
	switch m.Urgency {
	case "very-low", "low", "normal", "high":
		h["Urgency"] = []string{m.Urgency}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return Answer{Status: resp.StatusCode, RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}, nil
}

// Encrypt returns the aes128gcm body (RFC 8291, RFC 8188) of payload for
// the subscription keys p256dh and auth (base64url, padded or not, or
// standard base64, as decodeKey reads them): salt, record size, the
// ephemeral public key, then payload, 0x02 and zero padding up to
// RecordSize, sealed in one record. payload is only read.
func Encrypt(payload []byte, p256dh, auth string) ([]byte, error) {
	if len(payload) > MaxPayload {
		return nil, ErrPayloadTooLarge
	}
	ua, err := decodeKey(p256dh)
	if err != nil {
		return nil, fmt.Errorf("%w: p256dh is not base64", ErrSubscriptionKeys)
	}
	uaPub, err := ecdh.P256().NewPublicKey(ua)
	if err != nil {
		return nil, fmt.Errorf("%w: p256dh is not a P-256 public key (%v)", ErrSubscriptionKeys, err)
	}
	secret, err := decodeKey(auth)
	if err != nil || len(secret) != 16 {
		return nil, fmt.Errorf("%w: auth is not a 16-byte base64 secret", ErrSubscriptionKeys)
	}
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	shared, err := as.ECDH(uaPub)
	if err != nil {
		return nil, err
	}
	rs := RecordSize(len(payload))
	body := make([]byte, rs)
	salt := body[:saltLen]
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(body[saltLen:], rs)
	body[saltLen+4] = keyLen
	asPub := as.PublicKey().Bytes()
	copy(body[saltLen+5:headerLen], asPub)

	// IKM = HKDF(auth, ECDH secret, "WebPush: info\0" || ua_public || as_public, 32)
	info := make([]byte, 0, len(infoPrefix)+2*keyLen)
	info = append(append(append(info, infoPrefix...), ua...), asPub...)
	ikm, err := hkdf.Key(sha256.New, shared, secret, string(info), 32)
	if err != nil {
		return nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, cekInfo, 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, nonceInfo, 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// the plaintext in place: payload, the last-record delimiter, zeros
	plain := body[headerLen : len(body)-tagLen]
	n := copy(plain, payload)
	plain[n] = 2
	gcm.Seal(plain[:0], nonce, plain, nil)
	return body, nil
}

const (
	infoPrefix = "WebPush: info\x00"
	cekInfo    = "Content-Encoding: aes128gcm\x00"
	nonceInfo  = "Content-Encoding: nonce\x00"
)

// JWT lifetimes: a signed header is valid for jwtLife and replaced once
// less than jwtMargin of it is left; at most maxAudiences are kept.
const (
	jwtLife      = 12 * time.Hour
	jwtMargin    = time.Hour
	maxAudiences = 1024
)

// jwtHeader is the base64url of {"typ":"JWT","alg":"ES256"}.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`))

// vapidKey is one VAPID key pair, parsed, with the Authorization headers
// signed with it, one per audience.
type vapidKey struct {
	keys   Keys
	priv   *ecdsa.PrivateKey
	mu     sync.Mutex
	signed map[string]signedHeader
}

type signedHeader struct {
	value string
	exp   time.Time
}

func newVAPIDKey(keys Keys) (*vapidKey, error) {
	k, err := keys.Normalize()
	if err != nil {
		return nil, err
	}
	raw, _ := decodeKey(k.Private)
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("the VAPID private key: %w", err)
	}
	return &vapidKey{keys: k, priv: priv, signed: map[string]signedHeader{}}, nil
}

// authorization returns the VAPID Authorization header for audience (a
// push service origin): the kept one while more than jwtMargin of it is
// left, else a newly signed one.
func (s *Sender) authorization(aud string) (string, error) {
	v := s.vapid.Load()
	if v == nil {
		return "", errors.New("push: the sender has no VAPID keys")
	}
	now := s.now()
	if s.signEach {
		// what webpush-go does per message: the key parsed again, a new JWT
		fresh, err := newVAPIDKey(v.keys)
		if err != nil {
			return "", err
		}
		h, _, err := fresh.sign(aud, s.subject, now)
		return h, err
	}
	v.mu.Lock()
	sh, ok := v.signed[aud]
	v.mu.Unlock()
	if ok && sh.exp.Sub(now) > jwtMargin {
		return sh.value, nil
	}
	h, exp, err := v.sign(aud, s.subject, now)
	if err != nil {
		return "", err
	}
	v.mu.Lock()
	if len(v.signed) >= maxAudiences {
		clear(v.signed)
	}
	v.signed[aud] = signedHeader{value: h, exp: exp}
	v.mu.Unlock()
	return h, nil
}

// sign makes the header "vapid t=<JWT>, k=<public key>" for aud, expiring
// jwtLife after now; the JWT is ES256, its signature r||s (RFC 7518 3.4).
func (v *vapidKey) sign(aud, sub string, now time.Time) (string, time.Time, error) {
	exp := now.Add(jwtLife).Truncate(time.Second)
	claims, err := json.Marshal(struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}{aud, exp.Unix(), sub})
	if err != nil {
		return "", time.Time{}, err
	}
	input := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(input))
	r, ss, err := ecdsa.Sign(rand.Reader, v.priv, digest[:])
	if err != nil {
		return "", time.Time{}, err
	}
	var sig [64]byte
	r.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	return "vapid t=" + input + "." + base64.RawURLEncoding.EncodeToString(sig[:]) + ", k=" + v.keys.Public, exp, nil
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
