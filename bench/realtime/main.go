// Command realtime measures how fast a chat message reaches the other
// participant while many signed-in apps are connected over SSE, through the
// standard `messages` record subscription (PocketBase's broadcast checks the
// API rule of every subscribed client for every event) and through
// Peerbase's `peerbase/inbox` topic (delivered through an index of the
// recipients' connections), side by side in one run.
//
// It builds the real server binary, runs it as its own process on a loopback
// port with a throwaway data dir and rate limits turned off (through the
// superuser API), creates the users, opens 1,000, then 5,000, then 10,000
// idle signed-in SSE clients plus two participants of a thread (each client
// reconnects and resubscribes whenever the server closes its stream, e.g.
// after PocketBase's 5-minute idle timeout), and at each size sends messages
// one at a time from one participant to the other, with every client
// subscribed to `messages/*` and then to `peerbase/inbox`. It prints
// send→receipt p50/p99 and the server process's CPU time per message (from
// /proc/<pid>/stat), with the ratios.
//
// Run from the repository root (10,000 clients need ~10,100 open files in
// this process and in the server's):
//
//	ulimit -n 20000 && GOTOOLCHAIN=go1.27.3 CGO_ENABLED=0 go run -tags nodynamic ./bench/realtime
//
// Flags: -sizes 1000,5000,10000 -messages 50 -gap 20ms.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	superEmail = "bench@peerbase.local"
	password   = "bench-password-123"
	inboxTopic = "peerbase/inbox"
	msgsTopic  = "messages/*"
)

func main() {
	sizesFlag := flag.String("sizes", "1000,5000,10000", "numbers of idle signed-in clients, in increasing order")
	messages := flag.Int("messages", 50, "messages sent per size and topic")
	gap := flag.Duration("gap", 20*time.Millisecond, "pause between two messages")
	keep := flag.Bool("keep", false, "keep the temporary data dir")
	flag.Parse()
	var sizes []int
	for _, s := range strings.Split(*sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 || (len(sizes) > 0 && n < sizes[len(sizes)-1]) {
			log.Fatalf("bad -sizes %q", *sizesFlag)
		}
		sizes = append(sizes, n)
	}
	if err := run(sizes, *messages, *gap, *keep); err != nil {
		log.Fatal(err)
	}
}

// raiseFileLimit lifts the soft open-files limit to the hard one; the
// server, started after, inherits it.
func raiseFileLimit(need int) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return err
	}
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("failed to raise the open-files limit: %w", err)
	}
	if l.Cur < uint64(need) {
		return fmt.Errorf("open-files limit %d is below the %d needed: run `ulimit -n %d` first", l.Cur, need, need)
	}
	return nil
}

// result is one measured series.
type result struct {
	clients  int
	topic    string
	p50, p99 time.Duration
	cpu      time.Duration // server CPU per message
	lost     int
}

func run(sizes []int, messages int, gap time.Duration, keep bool) error {
	maxClients := sizes[len(sizes)-1]
	if err := raiseFileLimit(maxClients + 200); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "peerbase-bench-realtime-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	bin := filepath.Join(dir, "peerbase")
	log.Printf("building the server into %s", bin)
	build := exec.Command("go", "build", "-tags", "nodynamic", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("failed to build the server (run from the repository root): %w", err)
	}
	data := filepath.Join(dir, "pb_data")
	if out, err := exec.Command(bin, "superuser", "upsert", superEmail, password, "--dir", data).CombinedOutput(); err != nil {
		return fmt.Errorf("failed to create the superuser: %w: %s", err, out)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	srv := exec.Command(bin, "serve", "--http", addr, "--dir", data)
	srv.Stdout, srv.Stderr = io.Discard, os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	}()
	c := newAPI("http://" + addr)
	if err := c.waitHealthy(30 * time.Second); err != nil {
		return err
	}
	log.Printf("server pid %d on %s", srv.Process.Pid, addr)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := setup(ctx, c, maxClients)
	if err != nil {
		return err
	}

	var results []result
	topic := msgsTopic
	var idle []*sseClient
	for _, n := range sizes {
		log.Printf("connecting %d idle clients (subscribed to %s)", n-len(idle), topic)
		for i := len(idle); i < n; i++ {
			idle = append(idle, newSSEClient(c, b.idleTokens[i], nil))
		}
		for range 2 {
			if err := setTopic(ctx, idle, topic); err != nil {
				return err
			}
			if err := setTopic(ctx, b.participants(), topic); err != nil {
				return err
			}
			log.Printf("%d idle clients connected (%d reconnects so far); measuring %s", connectedCount(idle),
				reconnects.Load(), topic)
			r, err := b.measure(ctx, srv.Process.Pid, topic, messages, gap)
			if err != nil {
				return err
			}
			r.clients = n
			results = append(results, r)
			log.Printf("  p50 %v p99 %v cpu/msg %v lost %d", r.p50, r.p99, r.cpu, r.lost)
			topic = other(topic)
		}
		topic = other(topic) // the next size starts where this one ended
	}
	printTable(results)
	return nil
}

func other(topic string) string {
	if topic == msgsTopic {
		return inboxTopic
	}
	return msgsTopic
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// api is a small JSON client for the server.
type api struct {
	// slots bounds the requests in flight, so that thousands of
	// subscriptions at once do not open thousands of connections
	slots  chan struct{}
	base   string
	http   *http.Client
	stream *http.Client
	super  string
}

func newAPI(base string) *api {
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, DisableCompression: true}
	// SSE streams on their own transport, so they never use up the pool of
	// the requests
	streams := &http.Transport{MaxIdleConnsPerHost: -1, DisableCompression: true, DisableKeepAlives: true}
	return &api{slots: make(chan struct{}, 32), base: base, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}, stream: &http.Client{Transport: streams}}
}

func (a *api) waitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
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

// do sends body as JSON with token and decodes the answer into out.
func (a *api) do(ctx context.Context, token, method, path string, body, out any) error {
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
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	a.slots <- struct{}{}
	defer func() { <-a.slots }()
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
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// bench holds the fixtures of a run.
type bench struct {
	api        *api
	owner      *sseClient // receives
	peerToken  string     // sends
	peerID     string
	threadID   string
	idleTokens []string

	mu      sync.Mutex
	waiting map[string]chan time.Time // message body -> receipt
}

func (b *bench) participants() []*sseClient { return []*sseClient{b.owner} }

// setup turns rate limits off, makes password hashing cheap for the
// throwaway users, creates the participants, their thread and the idle users
// with their tokens.
func setup(ctx context.Context, a *api, idle int) (*bench, error) {
	var auth struct{ Token string }
	if err := a.do(ctx, "", "POST", "/api/collections/_superusers/auth-with-password",
		map[string]any{"identity": superEmail, "password": password}, &auth); err != nil {
		return nil, err
	}
	a.super = auth.Token
	if err := a.do(ctx, a.super, "PATCH", "/api/settings", map[string]any{"rateLimits": map[string]any{"enabled": false}}, nil); err != nil {
		return nil, fmt.Errorf("failed to turn rate limits off: %w", err)
	}
	var users struct {
		Fields []map[string]any `json:"fields"`
	}
	if err := a.do(ctx, a.super, "GET", "/api/collections/users", nil, &users); err != nil {
		return nil, err
	}
	for _, f := range users.Fields {
		if f["name"] == "password" {
			f["cost"] = 4 // bcrypt's minimum: 10,000 sign-ups in seconds, not minutes
		}
	}
	if err := a.do(ctx, a.super, "PATCH", "/api/collections/users", map[string]any{"fields": users.Fields}, nil); err != nil {
		return nil, fmt.Errorf("failed to lower the password cost: %w", err)
	}

	log.Printf("creating %d users", idle+2)
	ids, err := createUsers(ctx, a, idle+2)
	if err != nil {
		return nil, err
	}
	tokens, err := impersonate(ctx, a, ids)
	if err != nil {
		return nil, err
	}
	b := &bench{api: a, peerToken: tokens[1], peerID: ids[1], idleTokens: tokens[2:], waiting: map[string]chan time.Time{}}

	var offer, thread struct{ ID string }
	if err := a.do(ctx, tokens[0], "POST", "/api/collections/offers/records", map[string]any{"title": "Bench drill",
		"owner": ids[0], "kind": "give", "status": "active"}, &offer); err != nil {
		return nil, err
	}
	if err := a.do(ctx, tokens[1], "POST", "/api/collections/threads/records", map[string]any{"offer": offer.ID,
		"peer": ids[1]}, &thread); err != nil {
		return nil, err
	}
	b.threadID = thread.ID
	b.owner = newSSEClient(a, tokens[0], b.received)
	return b, nil
}

// createUsers signs up n users through /api/batch, 50 per batch.
func createUsers(ctx context.Context, a *api, n int) ([]string, error) {
	ids := make([]string, n)
	var next atomic.Int64
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				start := int(next.Add(50)) - 50
				if start >= n {
					return
				}
				end := min(start+50, n)
				var reqs []map[string]any
				for i := start; i < end; i++ {
					reqs = append(reqs, map[string]any{"method": "POST", "url": "/api/collections/users/records",
						"body": map[string]any{"email": fmt.Sprintf("bench%06d@peerbase.local", i), "password": password,
							"passwordConfirm": password, "name": fmt.Sprintf("Bench %d", i)}})
				}
				var out []struct {
					Status int
					Body   struct{ ID string }
				}
				if err := a.do(ctx, a.super, "POST", "/api/batch", map[string]any{"requests": reqs}, &out); err != nil {
					errs <- err
					return
				}
				for i, r := range out {
					ids[start+i] = r.Body.ID
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("failed to create users: %w", err)
	}
	return ids, nil
}

// impersonate gets an auth token for each user from the superuser API.
func impersonate(ctx context.Context, a *api, ids []string) ([]string, error) {
	tokens := make([]string, len(ids))
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(ids); i = int(next.Add(1)) - 1 {
				var out struct{ Token string }
				if err := a.do(ctx, a.super, "POST", "/api/collections/users/impersonate/"+ids[i],
					map[string]any{"duration": 4 * 3600}, &out); err != nil {
					failed.Store(&err)
					return
				}
				tokens[i] = out.Token
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return nil, fmt.Errorf("failed to get tokens: %w", *err)
	}
	return tokens, nil
}

// received is the owner's event handler: it notes when a message arrives.
func (b *bench) received(name string, data []byte) {
	var ev struct {
		Action string
		Record struct{ Body string }
	}
	if json.Unmarshal(data, &ev) != nil || ev.Action != "create" || ev.Record.Body == "" {
		return
	}
	now := time.Now()
	b.mu.Lock()
	ch := b.waiting[ev.Record.Body]
	delete(b.waiting, ev.Record.Body)
	b.mu.Unlock()
	if ch != nil {
		ch <- now
	}
}

// measure sends messages from the peer to the owner one at a time and
// times each from just before the request to its receipt.
func (b *bench) measure(ctx context.Context, pid int, topic string, messages int, gap time.Duration) (result, error) {
	r := result{topic: topic}
	var lat []time.Duration
	cpu0, err := processCPU(pid)
	if err != nil {
		return r, err
	}
	for i := range messages {
		body := fmt.Sprintf("bench %s %d %d", topic, i, time.Now().UnixNano())
		ch := make(chan time.Time, 1)
		b.mu.Lock()
		b.waiting[body] = ch
		b.mu.Unlock()
		start := time.Now()
		if err := b.api.do(ctx, b.peerToken, "POST", "/api/collections/messages/records",
			map[string]any{"thread": b.threadID, "author": b.peerID, "body": body}, nil); err != nil {
			return r, err
		}
		select {
		case at := <-ch:
			lat = append(lat, at.Sub(start))
		case <-time.After(30 * time.Second):
			r.lost++
			b.mu.Lock()
			delete(b.waiting, body)
			b.mu.Unlock()
		}
		time.Sleep(gap)
	}
	cpu1, err := processCPU(pid)
	if err != nil {
		return r, err
	}
	r.cpu = (cpu1 - cpu0) / time.Duration(messages)
	slices.Sort(lat)
	if len(lat) > 0 {
		r.p50 = lat[len(lat)*50/100]
		r.p99 = lat[min(len(lat)-1, (len(lat)*99+99)/100-1)]
	}
	return r, nil
}

// processCPU reads the user and system CPU time of pid from /proc.
func processCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// the command name may hold spaces: fields count from after its ")"
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond, nil
}

func printTable(results []result) {
	byKey := map[string]result{}
	var sizes []int
	for _, r := range results {
		byKey[fmt.Sprint(r.clients, r.topic)] = r
		if !slices.Contains(sizes, r.clients) {
			sizes = append(sizes, r.clients)
		}
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }
	ratio := func(a, b time.Duration) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f×", float64(a)/float64(b))
	}
	fmt.Println("| idle clients | subscription | p50 ms | p99 ms | server CPU ms/message | lost |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, n := range sizes {
		for _, t := range []string{msgsTopic, inboxTopic} {
			r := byKey[fmt.Sprint(n, t)]
			fmt.Printf("| %d | `%s` | %s | %s | %s | %d |\n", n, t, ms(r.p50), ms(r.p99), ms(r.cpu), r.lost)
		}
		m, i := byKey[fmt.Sprint(n, msgsTopic)], byKey[fmt.Sprint(n, inboxTopic)]
		fmt.Printf("| %d | ratio messages/inbox | %s | %s | %s | |\n", n, ratio(m.p50, i.p50), ratio(m.p99, i.p99), ratio(m.cpu, i.cpu))
	}
}

// reconnects counts the streams reopened after the server closed them.
var reconnects atomic.Int64

// sseClient is one signed-in realtime connection that reconnects and
// resubscribes to its current topic whenever its stream ends.
type sseClient struct {
	api     *api
	token   string
	onEvent func(name string, data []byte)

	mu        sync.Mutex
	topic     string
	clientID  string
	subscribe chan struct{} // closed once subscribed to topic
	connected bool
}

func newSSEClient(a *api, token string, onEvent func(string, []byte)) *sseClient {
	c := &sseClient{api: a, token: token, onEvent: onEvent, subscribe: make(chan struct{})}
	go c.loop()
	return c
}

func (c *sseClient) loop() {
	first := true
	for {
		if !first {
			reconnects.Add(1)
			time.Sleep(100 * time.Millisecond)
		}
		first = false
		c.stream()
	}
}

// stream runs one connection until it ends.
func (c *sseClient) stream() {
	req, _ := http.NewRequest("GET", c.api.base+"/api/realtime", nil)
	res, err := c.api.stream.Do(req)
	if err != nil {
		return
	}
	defer res.Body.Close()
	defer func() {
		c.mu.Lock()
		c.connected = false
		c.clientID = ""
		c.mu.Unlock()
	}()
	r := bufio.NewReaderSize(res.Body, 1024)
	var name string
	var data []byte
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if name == "PB_CONNECT" {
				var ev struct{ ClientID string }
				if json.Unmarshal(data, &ev) == nil {
					c.mu.Lock()
					c.clientID, c.connected = ev.ClientID, true
					topic := c.topic
					c.mu.Unlock()
					if topic != "" {
						go c.sendSubscription(ev.ClientID, topic)
					}
				}
			} else if name != "" && c.onEvent != nil {
				c.onEvent(name, data)
			}
			name, data = "", data[:0]
		case bytes.HasPrefix(line, []byte("event:")):
			name = string(line[len("event:"):])
		case bytes.HasPrefix(line, []byte("data:")):
			data = append(data, line[len("data:"):]...)
		}
	}
}

// sendSubscription subscribes clientID to topic, and marks the client
// ready if topic is still the one wanted.
func (c *sseClient) sendSubscription(clientID, topic string) {
	err := c.api.do(context.Background(), c.token, "POST", "/api/realtime",
		map[string]any{"clientId": clientID, "subscriptions": []string{topic}}, nil)
	if err != nil {
		return // the stream ended meanwhile: the next one subscribes again
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.topic == topic && c.clientID == clientID {
		select {
		case <-c.subscribe:
		default:
			close(c.subscribe)
		}
	}
}

// want sets the client's topic and returns a channel closed once it holds it.
func (c *sseClient) want(topic string) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.topic != topic {
		c.topic = topic
		c.subscribe = make(chan struct{})
		if c.connected {
			go c.sendSubscription(c.clientID, topic)
		}
	}
	return c.subscribe
}

// setTopic switches every client to topic and waits until all hold it.
func setTopic(ctx context.Context, clients []*sseClient, topic string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	for _, c := range clients {
		select {
		case <-c.want(topic):
		case <-ctx.Done():
			return fmt.Errorf("clients did not all subscribe to %s: %w", topic, ctx.Err())
		}
	}
	return nil
}

func connectedCount(clients []*sseClient) int {
	n := 0
	for _, c := range clients {
		c.mu.Lock()
		if c.connected {
			n++
		}
		c.mu.Unlock()
	}
	return n
}
