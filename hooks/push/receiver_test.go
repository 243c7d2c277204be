package push_test

import (
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
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// device is a browser's side of a subscription: its key pair and auth
// secret, to decrypt what it is sent (RFC 8291) the way a browser does.
type device struct {
	priv    *ecdh.PrivateKey
	pub     []byte
	auth    []byte
	P256dh  string
	AuthKey string
}

func newDevice(t testing.TB) *device {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return &device{priv: k, pub: k.PublicKey().Bytes(), auth: auth, P256dh: b64(k.PublicKey().Bytes()), AuthKey: b64(auth)}
}

// decrypt opens an aes128gcm body (RFC 8188 with the RFC 8291 key
// derivation): our own implementation, not webpush-go's.
func (d *device) decrypt(body []byte) ([]byte, uint32, error) {
	if len(body) < 21 {
		return nil, 0, errors.New("body too short")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen+17 {
		return nil, rs, fmt.Errorf("bad key id length %d", idlen)
	}
	asPub := body[21 : 21+idlen]
	ciphertext := body[21+idlen:]
	peer, err := ecdh.P256().NewPublicKey(asPub)
	if err != nil {
		return nil, rs, err
	}
	secret, err := d.priv.ECDH(peer)
	if err != nil {
		return nil, rs, err
	}
	info := append(append([]byte("WebPush: info\x00"), d.pub...), asPub...)
	ikm, err := hkdf.Key(sha256.New, secret, d.auth, string(info), 32)
	if err != nil {
		return nil, rs, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, rs, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, rs, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, rs, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, rs, err
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, rs, fmt.Errorf("decryption failed: %w", err)
	}
	// the last record: data, 0x02, zero padding
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 || plain[i] != 2 {
		return nil, rs, errors.New("no last-record delimiter")
	}
	return plain[:i], rs, nil
}

// got is one push a receiver took, checked.
type got struct {
	Path    string
	Status  int
	TTL     string
	Urgency string
	Topic   string
	Claims  jwt.MapClaims
	Token   string // the JWT (t=)
	Key     string // the public key (k=)
	BodyLen int
	RS      uint32
	Payload map[string]any
	Err     error // a check that failed
	At      time.Time
}

// receiver is a push service on loopback: it checks the VAPID JWT (ES256
// with the key in k=, aud = its origin, exp within 24 h, sub), decrypts the
// body for the device registered at the path, and answers what the path's
// script says (201 by default).
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	vapid  string // the public key every JWT must carry; "" to skip
	mu     sync.Mutex
	dev    map[string]*device
	script map[string][]answer
	gots   []got
	notify chan struct{}
}

// answer is one scripted reply: a status, a Retry-After, a Location, a delay.
type answer struct {
	status     int
	retryAfter string
	location   string
	delay      time.Duration
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t, dev: map[string]*device{}, script: map[string][]answer{}, notify: make(chan struct{}, 1)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve)) // 127.0.0.1
	t.Cleanup(r.srv.Close)
	return r
}

// hostPort is the receiver's host:port, for the allow-list.
func (r *receiver) hostPort() string { u, _ := url.Parse(r.srv.URL); return u.Host }

// endpoint registers a device at path with a script of answers (the last
// one repeats) and returns the endpoint URL.
func (r *receiver) endpoint(path string, d *device, script ...answer) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dev[path] = d
	r.script[path] = script
	return r.srv.URL + path
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	g := got{Path: req.URL.Path, TTL: req.Header.Get("TTL"), Urgency: req.Header.Get("Urgency"),
		Topic: req.Header.Get("Topic"), BodyLen: len(body), At: time.Now()}
	r.mu.Lock()
	d := r.dev[req.URL.RequestURI()]
	if d == nil {
		d = r.dev[req.URL.Path]
	}
	a := answer{status: http.StatusCreated}
	key := req.URL.RequestURI()
	if _, ok := r.script[key]; !ok {
		key = req.URL.Path
	}
	if s := r.script[key]; len(s) > 0 {
		a = s[0]
		if len(s) > 1 {
			r.script[key] = s[1:]
		}
	}
	r.mu.Unlock()
	g.Status = a.status
	g.Err = r.check(req, &g)
	if g.Err == nil && d != nil {
		if req.Header.Get("Content-Encoding") != "aes128gcm" {
			g.Err = errors.New("Content-Encoding is not aes128gcm")
		} else if plain, rs, err := d.decrypt(body); err != nil {
			g.Err = err
		} else {
			g.RS = rs
			if err := json.Unmarshal(plain, &g.Payload); err != nil {
				g.Err = fmt.Errorf("payload is not JSON: %w", err)
			}
		}
	}
	r.mu.Lock()
	r.gots = append(r.gots, g)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	if a.delay > 0 {
		select {
		case <-time.After(a.delay):
		case <-req.Context().Done():
			return
		}
	}
	if a.retryAfter != "" {
		w.Header().Set("Retry-After", a.retryAfter)
	}
	if a.location != "" {
		w.Header().Set("Location", a.location)
	}
	w.WriteHeader(a.status)
}

// check verifies the VAPID Authorization header.
func (r *receiver) check(req *http.Request, g *got) error {
	h := req.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(h, "vapid ")
	if !ok {
		return fmt.Errorf("no vapid Authorization: %q", h)
	}
	var token, k string
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if v, ok := strings.CutPrefix(part, "t="); ok {
			token = v
		} else if v, ok := strings.CutPrefix(part, "k="); ok {
			k = v
		}
	}
	g.Token, g.Key = token, k
	r.mu.Lock()
	want := r.vapid
	r.mu.Unlock()
	if want != "" && k != want {
		return fmt.Errorf("k=%q is not the server's public key", k)
	}
	raw, err := base64.RawURLEncoding.DecodeString(k)
	if err != nil {
		return err
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return err
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithExpirationRequired(), jwt.WithAudience(r.srv.URL))
	if err != nil {
		return fmt.Errorf("bad JWT: %w", err)
	}
	g.Claims = claims
	exp, _ := claims.GetExpirationTime()
	if exp == nil || exp.After(time.Now().Add(24*time.Hour)) {
		return fmt.Errorf("exp %v is more than 24 h away", exp)
	}
	if sub, _ := claims["sub"].(string); !strings.HasPrefix(sub, "mailto:") && !strings.HasPrefix(sub, "https:") {
		return fmt.Errorf("sub %q", sub)
	} else if strings.HasPrefix(sub, "mailto:mailto:") {
		return fmt.Errorf("sub %q is doubled", sub)
	}
	return nil
}

// all returns a copy of what the receiver took so far.
func (r *receiver) all() []got {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]got(nil), r.gots...)
}

// at returns what the receiver took at path.
func (r *receiver) at(path string) []got {
	var out []got
	for _, g := range r.all() {
		if g.Path == path {
			out = append(out, g)
		}
	}
	return out
}

// waitFor waits until cond holds over what was taken, failing after timeout.
func (r *receiver) waitFor(timeout time.Duration, what string, cond func([]got) bool) []got {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		gs := r.all()
		if cond(gs) {
			return gs
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s; got %d pushes: %+v", what, len(gs), gs)
		}
		select {
		case <-r.notify:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
