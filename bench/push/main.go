// Command push measures Web Push delivery end to end: a fan-out of 10,000
// and then 100,000 pushes from the real server, run as its own process, to a
// loopback sink that answers 201 without decrypting (so that the receiver
// never sets the pace), against bare webpush-go v1.4.0 sends of the same
// payloads to the same sink in the same run.
//
// For each size it:
//   - sends the pushes bare from this process (the same options the server
//     uses: TTL, Urgency, a RecordSize of the payload rounded up to 128
//     bytes, one shared HTTP client with -workers sends in flight) and reads
//     this process's CPU time (getrusage) around them;
//   - starts a fresh server (its own temp data dir, not in dev mode, rate
//     limiter off through the settings API, --push-workers -workers,
//     PEERBASE_PUSH_ALLOW_HOSTS the sink), creates people with -devices push
//     subscriptions each, restarts the server on that data dir (so that the
//     setup's memory is not counted), resets its peak-RSS mark
//     (/proc/<pid>/clear_refs), then creates one notification per person
//     as the superuser, one request each, 4 at a time, as events come (each
//     becomes one outbox row per device, written in the notification's
//     transaction) and waits until
//     the sink has every delivery and the outbox has no pending row. The
//     server's CPU time comes from /proc/<pid>/stat around that (outbox
//     rows written, sent and marked, plus the notification records
//     themselves, one per -devices deliveries), its peak RSS from
//     /proc/<pid>/status VmHWM.
//
// The sink is this program again, as a child process ("push sink"), so
// that its CPU is counted in neither measurement.
//
// Run from the repository root:
//
//	GOTOOLCHAIN=go1.27.3 CGO_ENABLED=0 go run -tags nodynamic ./bench/push
//
// Flags: -sizes 10000,100000 -devices 100 -workers 64 -bin <prebuilt peerbase> -keep.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

const (
	superEmail = "bench@peerbase.local"
	password   = "bench-password-123"
	subject    = "mailto:bench@peerbase.local"
	// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat
	// (100 on every Linux architecture Go supports)
	clockTicks = 100
	// batchSize is the number of requests per /api/batch call (setup)
	batchSize = 500
	// notifyConc is how many notification requests are in flight at once
	notifyConc = 4
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sink" {
		runSink()
		return
	}
	sizesFlag := flag.String("sizes", "10000,100000", "pushes per fan-out, comma-separated")
	devices := flag.Int("devices", 100, "push subscriptions per person: each notification fans out to this many")
	workers := flag.Int("workers", 64, "sends in flight: the server's --push-workers and the bare senders")
	bin := flag.String("bin", "", "a prebuilt peerbase binary (default: build one from the current directory)")
	keep := flag.Bool("keep", false, "keep the temporary dirs (data and server logs)")
	timeout := flag.Duration("timeout", 30*time.Minute, "give up on one fan-out after this long")
	flag.Parse()
	var sizes []int
	for _, s := range strings.Split(*sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			log.Fatalf("bad -sizes %q", *sizesFlag)
		}
		sizes = append(sizes, n)
	}
	if *devices < 1 || *workers < 1 {
		log.Fatal("-devices and -workers must be positive")
	}
	if err := run(sizes, *devices, *workers, *bin, *keep, *timeout); err != nil {
		log.Fatal(err)
	}
}

// result is one measured fan-out.
type result struct {
	n         int
	path      string
	wall      time.Duration // first request to last delivery
	cpu       time.Duration // total CPU time of the sending process
	peakRSS   int64         // bytes, server only
	baseRSS   int64         // bytes before the fan-out, server only
	dupes     int           // deliveries the sink got more than once
	setupWall time.Duration
	writeWall time.Duration // server only: until every notification request was answered
	writeCPU  time.Duration // server only: CPU until then (sends overlap)
}

func (r result) perSecond() float64 { return float64(r.n) / r.wall.Seconds() }
func (r result) cpuPer() time.Duration {
	return r.cpu / time.Duration(r.n)
}

func run(sizes []int, devices, workers int, bin string, keep bool, timeout time.Duration) error {
	dir, err := os.MkdirTemp("", "peerbase-bench-push-")
	if err != nil {
		return err
	}
	if keep {
		log.Printf("keeping %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if bin == "" {
		// not under the temp dir: PocketBase takes a binary there for `go
		// run` and turns dev mode on, which logs every SQL statement
		bin, err = filepath.Abs(filepath.Join("bench", "out", "peerbase"))
		if err != nil {
			return err
		}
		log.Printf("building the server into %s", bin)
		build := exec.Command("go", "build", "-tags", "nodynamic", "-o", bin, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("failed to build the server (run from the repository root): %w", err)
		}
	}

	sink, err := startSink()
	if err != nil {
		return err
	}
	defer sink.stop()
	log.Printf("sink on %s (pid %d)", sink.addr, sink.cmd.Process.Pid)

	maxN := 0
	for _, n := range sizes {
		maxN = max(maxN, n)
	}
	log.Printf("generating %d receiver key pairs", maxN)
	keys, err := receiverKeys(maxN)
	if err != nil {
		return err
	}

	var results []result
	for i, n := range sizes {
		log.Printf("--- %d pushes: bare webpush-go", n)
		bare, err := bareSends(sink, fmt.Sprintf("b%d", i), keys[:n], workers)
		if err != nil {
			return err
		}
		log.Printf("bare: %.0f/s, %v CPU per send", bare.perSecond(), bare.cpuPer())
		results = append(results, bare)

		log.Printf("--- %d pushes: peerbase server", n)
		srv, err := serverFanout(bin, filepath.Join(dir, fmt.Sprintf("run%d", i)), sink, fmt.Sprintf("s%d", i), keys[:n],
			devices, workers, timeout)
		if err != nil {
			return err
		}
		log.Printf("server: %.0f/s, %v CPU per delivery, peak RSS %s", srv.perSecond(), srv.cpuPer(), mib(srv.peakRSS))
		results = append(results, srv)
	}
	printTable(results, devices, workers)
	return nil
}

// --- receiver keys

// receiverKey is one device's public key and auth secret, base64url.
type receiverKey struct{ p256dh, auth string }

func receiverKeys(n int) ([]receiverKey, error) {
	out := make([]receiverKey, n)
	for i := range out {
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		auth := make([]byte, 16)
		rand.Read(auth)
		out[i] = receiverKey{
			p256dh: base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
			auth:   base64.RawURLEncoding.EncodeToString(auth),
		}
	}
	return out, nil
}

// --- bare webpush-go

// payload is a push payload of the contract's shape and typical size.
func payload(i int) []byte {
	b, _ := json.Marshal(map[string]any{
		"id":     fmt.Sprintf("bare%011d", i),
		"type":   "moderation",
		"title":  "Your report was handled",
		"body":   "A moderator looked at the offer you reported and hid it. Thank you for keeping Peerbase safe.",
		"url":    "/notifications",
		"source": map[string]any{"collection": "notifications", "id": fmt.Sprintf("n%014d", i)},
		"data":   map[string]any{},
	})
	return b
}

// recordSize is the server's choice (hooks/push.RecordSize): the whole
// body, the payload rounded up to 128 bytes with header, delimiter and tag.
func recordSize(n int) uint32 {
	return uint32((n + 86 + 1 + 16 + 127) / 128 * 128)
}

// bareSends posts one push per key to the sink with webpush-go, workers at
// a time over one shared client, and measures this process's CPU time.
func bareSends(s *sink, run string, keys []receiverKey, workers int) (result, error) {
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		return result{}, err
	}
	client := &http.Client{
		Transport: &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, IdleConnTimeout: 90 * time.Second},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	defer client.CloseIdleConnections()
	payloads := make([][]byte, len(keys))
	for i := range payloads {
		payloads[i] = payload(i)
	}
	var next atomic.Int64
	var failed atomic.Pointer[error]
	cpu0 := selfCPU()
	t0 := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(keys); i = int(next.Add(1)) - 1 {
				// a copy without spare capacity: webpush-go appends its padding
				msg := bytes.Clone(payloads[i])
				msg = msg[:len(msg):len(msg)]
				resp, err := webpush.SendNotification(msg,
					&webpush.Subscription{Endpoint: s.endpoint(run, i), Keys: webpush.Keys{P256dh: keys[i].p256dh, Auth: keys[i].auth}},
					&webpush.Options{HTTPClient: client, RecordSize: recordSize(len(msg)), Subscriber: "bench@peerbase.local",
						TTL: 604800, Urgency: webpush.UrgencyNormal, VAPIDPublicKey: pub, VAPIDPrivateKey: priv})
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						err = fmt.Errorf("sink answered %d", resp.StatusCode)
					}
				}
				if err != nil {
					failed.Store(&err)
					return
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(t0)
	cpu := selfCPU() - cpu0
	if err := failed.Load(); err != nil {
		return result{}, fmt.Errorf("bare send failed: %w", *err)
	}
	st, err := s.stats(run)
	if err != nil {
		return result{}, err
	}
	if st.Distinct != len(keys) {
		return result{}, fmt.Errorf("the sink got %d of %d bare sends", st.Distinct, len(keys))
	}
	return result{n: len(keys), path: "bare webpush-go", wall: wall, cpu: cpu, dupes: st.Requests - st.Distinct}, nil
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// --- the server

// server is one running server process.
type server struct {
	cmd    *exec.Cmd
	pid    int
	exited chan struct{}
}

// startServer serves data on a free loopback port, logging to logFile, and
// waits until it is healthy.
func startServer(bin, data string, env []string, workers int, logFile io.Writer, c *api) (*server, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	// --dev=false: a binary under the temp dir would otherwise run in dev
	// mode, logging every SQL statement
	cmd := exec.Command(bin, "serve", "--dev=false", "--http", addr, "--dir", data, "--push-workers", strconv.Itoa(workers))
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	srv := &server{cmd: cmd, pid: cmd.Process.Pid, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(srv.exited)
	}()
	c.base = "http://" + addr
	if err := c.waitHealthy(60*time.Second, srv.exited); err != nil {
		srv.stop()
		return nil, err
	}
	return srv, nil
}

// stop ends the server as a deploy would (SIGTERM) and waits for it.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	<-s.exited
}

// serverFanout runs one fan-out of len(keys) pushes through a fresh server:
// a first process creates the people and their subscriptions, then a second
// one on the same data dir makes the fan-out (so that its peak RSS is the
// fan-out's, not that of taking 100,000 subscriptions through the API).
func serverFanout(bin, dir string, s *sink, run string, keys []receiverKey, devices, workers int,
	timeout time.Duration) (result, error) {
	setupStart := time.Now()
	data := filepath.Join(dir, "pb_data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result{}, err
	}
	env := append(os.Environ(), "PEERBASE_PUSH_ALLOW_HOSTS="+s.addr, "PEERBASE_VAPID_SUBJECT="+subject)
	up := exec.Command(bin, "superuser", "upsert", superEmail, password, "--dir", data, "--dev=false")
	up.Env = env
	if out, err := up.CombinedOutput(); err != nil {
		return result{}, fmt.Errorf("failed to create the superuser: %w: %s", err, out)
	}
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return result{}, err
	}
	defer logFile.Close()
	fail := func(err error) (result, error) {
		return result{}, fmt.Errorf("%w\n--- %s (last lines) ---\n%s", err, logPath, tail(logPath, 30))
	}
	c := newAPI()
	srv, err := startServer(bin, data, env, workers, logFile, c)
	if err != nil {
		return fail(err)
	}
	ctx := context.Background()
	if err := c.setup(ctx); err != nil {
		srv.stop()
		return fail(err)
	}

	people := (len(keys) + devices - 1) / devices
	log.Printf("server pid %d: creating %d people and %d subscriptions", srv.pid, people, len(keys))
	users, err := c.createMany(ctx, people, func(i int) map[string]any {
		return map[string]any{"method": "POST", "url": "/api/collections/users/records", "body": map[string]any{
			"email": fmt.Sprintf("bench%07d@peerbase.local", i), "password": password, "passwordConfirm": password,
			"name": fmt.Sprintf("Bench %d", i)}}
	})
	if err == nil {
		_, err = c.createMany(ctx, len(keys), func(i int) map[string]any {
			return map[string]any{"method": "POST", "url": "/api/collections/push_subscriptions/records", "body": map[string]any{
				"user": users[i/devices], "endpoint": s.endpoint(run, i), "p256dh": keys[i].p256dh, "auth": keys[i].auth}}
		})
	}
	srv.stop()
	if err != nil {
		return fail(err)
	}
	srv, err = startServer(bin, data, env, workers, logFile, c)
	if err != nil {
		return fail(err)
	}
	defer srv.stop()
	pid := srv.pid
	setupWall := time.Since(setupStart)
	log.Printf("restarted: server pid %d", pid)

	// the fan-out's own peak: forget the start's
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return fail(fmt.Errorf("failed to reset the server's peak RSS: %w", err))
	}
	baseRSS, _, err := procMem(pid)
	if err != nil {
		return fail(err)
	}
	cpu0, err := procCPU(pid)
	if err != nil {
		return fail(err)
	}
	t0 := time.Now()
	log.Printf("creating %d notifications (one per person, one request each, %d at a time)", people, notifyConc)
	if err := c.createEach(ctx, people, notifyConc, "/api/collections/notifications/records", func(i int) map[string]any {
		return map[string]any{"user": users[i], "type": "moderation", "title": "Your report was handled",
			"text": "A moderator looked at the offer you reported and hid it. Thank you for keeping Peerbase safe.",
			"link": "/notifications"}
	}); err != nil {
		return fail(err)
	}
	writeWall := time.Since(t0)
	writeCPU, err := procCPU(pid)
	if err != nil {
		return fail(err)
	}
	writeCPU -= cpu0
	log.Printf("notifications written after %v (%v server CPU); waiting for %d deliveries",
		writeWall.Round(time.Millisecond), writeCPU, len(keys))

	deadline := t0.Add(timeout)
	var st sinkStats
	for {
		if st, err = s.stats(run); err != nil {
			return fail(err)
		}
		if st.Distinct >= len(keys) {
			break
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("the sink got %d of %d deliveries within %v", st.Distinct, len(keys), timeout))
		}
		time.Sleep(50 * time.Millisecond)
	}
	last := time.Unix(0, st.LastNs)
	// every row marked: the work measured ends when the outbox is settled
	for {
		pending, err := c.count(ctx, "push_deliveries", `status = "pending"`)
		if err != nil {
			return fail(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("%d deliveries still pending after %v", pending, timeout))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cpu1, err := procCPU(pid)
	if err != nil {
		return fail(err)
	}
	_, peak, err := procMem(pid)
	if err != nil {
		return fail(err)
	}
	sent, err := c.count(ctx, "push_deliveries", `status = "sent"`)
	if err != nil {
		return fail(err)
	}
	if sent != len(keys) {
		return fail(fmt.Errorf("%d deliveries marked sent, want %d", sent, len(keys)))
	}
	return result{n: len(keys), path: "peerbase server", wall: last.Sub(t0), cpu: cpu1 - cpu0, peakRSS: peak,
		baseRSS: baseRSS, dupes: st.Requests - st.Distinct, setupWall: setupWall, writeWall: writeWall,
		writeCPU: writeCPU}, nil
}

// procCPU reads a process's user+system CPU time from /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// the fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3, utime 14, stime 15
	rest := string(raw[bytes.LastIndexByte(raw, ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// procMem reads VmRSS and VmHWM (the peak RSS) from /proc/<pid>/status.
func procMem(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, err
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, fmt.Errorf("no VmRSS/VmHWM in /proc/%d/status", pid)
	}
	return rss, hwm, sc.Err()
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func tail(path string, n int) string {
	raw, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// --- the server's API

type api struct {
	base  string
	http  *http.Client
	super string
}

func newAPI() *api {
	tr := &http.Transport{MaxIdleConnsPerHost: 8, DisableCompression: true}
	return &api{http: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

func (a *api) waitHealthy(timeout time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("the server exited")
		default:
		}
		if res, err := a.http.Get(a.base + "/api/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the server did not become healthy")
}

// do sends body as JSON with the superuser's token and decodes the answer
// into out.
func (a *api) do(ctx context.Context, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if a.super != "" {
		req.Header.Set("Authorization", a.super)
	}
	res, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %.500s", method, path, res.StatusCode, raw)
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// setup signs the superuser in, turns the rate limiter off, allows large
// batches and makes password hashing cheap for the throwaway people.
func (a *api) setup(ctx context.Context) error {
	var auth struct{ Token string }
	if err := a.do(ctx, "POST", "/api/collections/_superusers/auth-with-password",
		map[string]any{"identity": superEmail, "password": password}, &auth); err != nil {
		return err
	}
	a.super = auth.Token
	if err := a.do(ctx, "PATCH", "/api/settings", map[string]any{
		"rateLimits": map[string]any{"enabled": false},
		"batch":      map[string]any{"enabled": true, "maxRequests": batchSize, "timeout": 120},
	}, nil); err != nil {
		return fmt.Errorf("failed to change the settings: %w", err)
	}
	var users struct {
		Fields []map[string]any `json:"fields"`
	}
	if err := a.do(ctx, "GET", "/api/collections/users", nil, &users); err != nil {
		return err
	}
	for _, f := range users.Fields {
		if f["name"] == "password" {
			f["cost"] = 4 // bcrypt's minimum
		}
	}
	if err := a.do(ctx, "PATCH", "/api/collections/users", map[string]any{"fields": users.Fields}, nil); err != nil {
		return fmt.Errorf("failed to lower the password cost: %w", err)
	}
	return nil
}

// createMany sends n create requests made by req through /api/batch,
// batchSize per call, and returns the created ids in order.
func (a *api) createMany(ctx context.Context, n int, req func(i int) map[string]any) ([]string, error) {
	ids := make([]string, n)
	for start := 0; start < n; start += batchSize {
		end := min(start+batchSize, n)
		reqs := make([]map[string]any, 0, end-start)
		for i := start; i < end; i++ {
			reqs = append(reqs, req(i))
		}
		var out []struct {
			Status int
			Body   struct{ ID string }
		}
		if err := a.do(ctx, "POST", "/api/batch", map[string]any{"requests": reqs}, &out); err != nil {
			return nil, err
		}
		for i, r := range out {
			if r.Status != http.StatusOK {
				return nil, fmt.Errorf("batch item %d: status %d", start+i, r.Status)
			}
			ids[start+i] = r.Body.ID
		}
	}
	return ids, nil
}

// createEach sends n create requests to path, one record each, conc at a
// time: each its own transaction, as events come.
func (a *api) createEach(ctx context.Context, n, conc int, path string, body func(i int) map[string]any) error {
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && failed.Load() == nil; i = int(next.Add(1)) - 1 {
				if err := a.do(ctx, "POST", path, body(i), nil); err != nil {
					failed.Store(&err)
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return *err
	}
	return nil
}

// count returns the number of records of collection that filter selects.
func (a *api) count(ctx context.Context, collection, filter string) (int, error) {
	var out struct{ TotalItems int }
	q := url.Values{"perPage": {"1"}, "filter": {filter}, "fields": {"id"}}
	err := a.do(ctx, "GET", "/api/collections/"+collection+"/records?"+q.Encode(), nil, &out)
	return out.TotalItems, err
}

// --- the sink

// sink is the child process that answers every push with 201.
type sink struct {
	addr   string
	cmd    *exec.Cmd
	stdin  io.Closer
	client *http.Client
}

// sinkStats is what the sink counted for one run.
type sinkStats struct {
	Requests, Distinct int
	MaxBody            int
	FirstNs, LastNs    int64
}

func startSink() (*sink, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "sink")
	stdin, err := cmd.StdinPipe() // the sink exits when this closes
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("the sink did not start: %w", err)
	}
	return &sink{addr: strings.TrimSpace(line), cmd: cmd, stdin: stdin, client: &http.Client{Timeout: 10 * time.Second}}, nil
}

func (s *sink) endpoint(run string, i int) string {
	return fmt.Sprintf("http://%s/p/%s/%d", s.addr, run, i)
}

func (s *sink) stats(run string) (sinkStats, error) {
	var st sinkStats
	res, err := s.client.Get(fmt.Sprintf("http://%s/stats?run=%s", s.addr, run))
	if err != nil {
		return st, err
	}
	defer res.Body.Close()
	return st, json.NewDecoder(res.Body).Decode(&st)
}

func (s *sink) stop() {
	s.stdin.Close()
	s.cmd.Wait()
}

// runSink serves the sink: POST /p/<run>/<n> is read and answered 201;
// GET /stats?run=<run> answers what that run received. It prints its
// address on the first line of stdout and exits when stdin closes.
func runSink() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	type runStats struct {
		sinkStats
		seen map[string]struct{}
	}
	var mu sync.Mutex
	runs := map[string]*runStats{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /p/{run}/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		now := time.Now().UnixNano()
		mu.Lock()
		st := runs[r.PathValue("run")]
		if st == nil {
			st = &runStats{seen: map[string]struct{}{}}
			st.FirstNs = now
			runs[r.PathValue("run")] = st
		}
		st.Requests++
		if _, dup := st.seen[r.PathValue("n")]; !dup {
			st.seen[r.PathValue("n")] = struct{}{}
			st.Distinct++
		}
		st.MaxBody = max(st.MaxBody, int(n))
		st.LastNs = now
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		var out sinkStats
		if st := runs[r.URL.Query().Get("run")]; st != nil {
			out = st.sinkStats
		}
		mu.Unlock()
		json.NewEncoder(w).Encode(out)
	})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	fmt.Println(l.Addr().String())
	// no read or idle timeouts: on a loaded machine they close kept-alive
	// connections under the senders, whose POSTs are then not retried
	srv := &http.Server{Handler: mux}
	log.Fatal(srv.Serve(l))
}

// --- the table

func printTable(results []result, devices, workers int) {
	fmt.Printf("\nWeb Push fan-out to a loopback sink answering 201 (%d sends in flight; server: %d devices per person, one notification each)\n\n",
		workers, devices)
	fmt.Println("| pushes | sender | deliveries/s | CPU per delivery | CPU ratio to bare | CPU per delivery until the last notification was written (wall) | peak RSS (VmHWM) | RSS before | duplicates |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	var bare result
	peaks := map[int]int64{}
	for _, r := range results {
		ratio, write, peak, before := "1.00×", "", "", ""
		if r.path == "bare webpush-go" {
			bare = r
		} else {
			ratio = fmt.Sprintf("**%.2f×**", float64(r.cpuPer())/float64(bare.cpuPer()))
			write = fmt.Sprintf("%v (%v wall)", (r.writeCPU / time.Duration(r.n)).Round(100*time.Nanosecond),
				r.writeWall.Round(10*time.Millisecond))
			peak, before = mib(r.peakRSS), mib(r.baseRSS)
			peaks[r.n] = r.peakRSS
		}
		fmt.Printf("| %s | %s | %s | %v | %s | %s | %s | %s | %d |\n", thousands(r.n), r.path, thousands(int(r.perSecond())),
			r.cpuPer().Round(100*time.Nanosecond), ratio, write, peak, before, r.dupes)
	}
	if p10, ok := peaks[10000]; ok {
		if p100, ok := peaks[100000]; ok {
			fmt.Printf("\npeak RSS, 100,000 minus 10,000: %s (goal ≤ 50 MiB)\n", mib(p100-p10))
		}
	}
	fmt.Println("\ngoal: server CPU per delivery ≤ 1.25× a bare send")
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
