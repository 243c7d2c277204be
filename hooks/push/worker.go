package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/realtime"
	"peerbase/hooks/schema"
)

// job is one due delivery with what sending it needs.
type job struct {
	ID           string `db:"id"`
	Subscription string `db:"subscription"`
	Recipient    string `db:"recipient"`
	Payload      string `db:"payload"`
	Topic        string `db:"topic"`
	Urgency      string `db:"urgency"`
	TTL          int    `db:"ttl"`
	Attempts     int    `db:"attempts"`
	Endpoint     string `db:"endpoint"`
	P256dh       string `db:"p256dh"`
	Auth         string `db:"auth"`
}

// subscription effects of a result
const (
	subNone = iota
	subSuccess
	subFailure
	subDelete
)

// result is what became of one job, written by the marker.
type result struct {
	id, subscription string
	status           string
	attempts         int
	next             time.Time
	lastError        string
	sub              int
	skip             bool // interrupted by shutdown: leave the row as it is
}

// outbox sends the due rows of push_deliveries: a dispatcher reads them in
// batches, a bounded pool of workers sends them, and a marker writes the
// results in batched transactions. A row stays pending until its result is
// written, so a crash at any point sends it again after the restart (at
// least once).
type outbox struct {
	s       *service
	wakeCh  chan struct{}
	doneCh  chan struct{} // a result was written: room for more
	jobs    chan job
	results chan result
	ctx     context.Context
	cancel  context.CancelFunc

	mu       sync.Mutex
	inflight map[string]struct{}
	// marked holds the rows whose result was written since the current
	// dispatch began reading: its read may still show them pending
	marked map[string]struct{}
	max    int

	workers sync.WaitGroup
	loops   sync.WaitGroup
	once    sync.Once
}

func newOutbox(s *service) *outbox {
	ctx, cancel := context.WithCancel(context.Background())
	max := 4 * s.cfg.Workers
	return &outbox{
		s: s, wakeCh: make(chan struct{}, 1), doneCh: make(chan struct{}, 1),
		jobs: make(chan job, max), results: make(chan result, max),
		ctx: ctx, cancel: cancel, inflight: map[string]struct{}{}, marked: map[string]struct{}{}, max: max,
	}
}

func (o *outbox) start() {
	for range o.s.cfg.Workers {
		o.workers.Add(1)
		go o.work()
	}
	o.loops.Add(2)
	go o.dispatchLoop()
	go o.markLoop()
}

// nudge wakes the dispatcher: new rows committed.
func (o *outbox) nudge() {
	select {
	case o.wakeCh <- struct{}{}:
	default:
	}
}

// shutdown stops sending: in-flight sends are cancelled and their rows stay
// pending for the next start.
func (o *outbox) shutdown() {
	o.once.Do(func() {
		o.cancel()
		o.workers.Wait()
		close(o.results)
		o.loops.Wait()
	})
}

func (o *outbox) dispatchLoop() {
	defer o.loops.Done()
	defer close(o.jobs)
	for {
		n, next, err := o.dispatch()
		if err != nil && o.ctx.Err() == nil {
			o.s.app.Logger().Error("push: failed to read the outbox", "error", err)
		}
		wait := o.s.cfg.PollInterval
		if !next.IsZero() {
			wait = min(wait, max(time.Until(next), time.Millisecond))
		}
		if n > 0 && err == nil {
			wait = 0
		}
		timer := time.NewTimer(wait)
		select {
		case <-o.ctx.Done():
			timer.Stop()
			return
		case <-o.wakeCh:
		case <-o.doneCh:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// dispatch queues the due rows not already in flight, when at least half
// the in-flight room is free (reading a batch costs about as much for 1 row
// as for 100). It returns how many it queued and, when none are due, when
// the next one will be.
func (o *outbox) dispatch() (int, time.Time, error) {
	o.mu.Lock()
	free := o.max - len(o.inflight)
	if free >= o.max/2 {
		clear(o.marked)
	}
	// the rows in flight are left out by the query: read (with their
	// subscription and payload) only to be skipped, they cost as much as
	// the rows queued
	skip := make([]string, 0, len(o.inflight)+len(o.marked))
	for _, ids := range []map[string]struct{}{o.inflight, o.marked} {
		for id := range ids {
			skip = append(skip, id)
		}
	}
	o.mu.Unlock()
	if free < o.max/2 {
		return 0, time.Time{}, nil
	}
	now := time.Now()
	var rows []job
	notIn := ""
	if len(skip) > 0 {
		notIn = "AND d.[[id]] NOT IN (" + inList(skip) + ") "
	}
	params := inParams(skip, dbx.Params{"pending": schema.DeliveryPending, "now": dateString(now), "limit": free})
	// read through the writer's connection: every other connection starting
	// a read after a commit (the marks, the fan-outs: all on the writer)
	// drops its page cache, and modernc's allocator unmaps the freed pages
	// (a TLB shootdown each); the writer's cache stays valid across its own
	// commits and already holds the subscriptions the marks update. The
	// read is short; a writer waits for it at most a few milliseconds.
	err := o.s.app.NonconcurrentDB().NewQuery("SELECT d.[[id]], d.[[subscription]], d.[[recipient]], d.[[payload]], d.[[topic]], " +
		"d.[[urgency]], d.[[ttl]], d.[[attempts]], COALESCE(s.[[endpoint]], '') AS [[endpoint]], " +
		"COALESCE(s.[[p256dh]], '') AS [[p256dh]], COALESCE(s.[[auth]], '') AS [[auth]] " +
		"FROM {{" + schema.PushDeliveries + "}} d LEFT JOIN {{" + schema.PushSubscriptions + "}} s ON s.[[id]] = d.[[subscription]] " +
		"WHERE d.[[status]] = {:pending} AND d.[[next_attempt_at]] <= {:now} " + notIn +
		"ORDER BY d.[[next_attempt_at]] LIMIT {:limit}").Bind(params).All(&rows)
	if err != nil {
		return 0, time.Time{}, err
	}
	queued := 0
	for _, j := range rows {
		o.mu.Lock()
		_, taken := o.inflight[j.ID]
		if _, done := o.marked[j.ID]; done {
			taken = true
		}
		if !taken {
			o.inflight[j.ID] = struct{}{}
		}
		o.mu.Unlock()
		if taken {
			continue
		}
		select {
		case o.jobs <- j:
			queued++
		case <-o.ctx.Done():
			return queued, time.Time{}, nil
		}
	}
	if queued > 0 {
		return queued, time.Time{}, nil
	}
	var next struct {
		At string `db:"at"`
	}
	err = o.s.app.DB().NewQuery("SELECT COALESCE(MIN([[next_attempt_at]]), '') AS [[at]] FROM {{" + schema.PushDeliveries +
		"}} WHERE [[status]] = {:pending} AND [[next_attempt_at]] > {:now}").
		Bind(dbx.Params{"pending": schema.DeliveryPending, "now": dateString(now)}).One(&next)
	if err != nil || next.At == "" {
		return 0, time.Time{}, err
	}
	t, _ := time.Parse("2006-01-02 15:04:05.000Z", next.At)
	return 0, t, nil
}

func (o *outbox) work() {
	defer o.workers.Done()
	for {
		select {
		case <-o.ctx.Done():
			return
		case j, ok := <-o.jobs:
			if !ok {
				return
			}
			o.results <- o.send(j)
		}
	}
}

// send sends one job and judges the answer.
func (o *outbox) send(j job) result {
	r := result{id: j.ID, subscription: j.Subscription, attempts: j.Attempts}
	if j.Endpoint == "" {
		r.status, r.lastError = schema.DeliveryGone, "subscription removed"
		return r
	}
	var p struct {
		Data struct {
			Thread string `json:"thread"`
		} `json:"data"`
	}
	_ = json.Unmarshal([]byte(j.Payload), &p)
	if p.Data.Thread != "" && realtime.IsWatching(o.s.app, j.Recipient, p.Data.Thread) {
		r.status, r.lastError = schema.DeliverySkipped, "the person was looking at the thread"
		return r
	}
	if _, _, err := o.s.validator.CheckURL(j.Endpoint); err != nil {
		r.status, r.lastError, r.sub = schema.DeliveryFailed, err.Error(), subFailure
		return r
	}
	ttl := j.TTL
	if ttl <= 0 {
		ttl = int(DefaultKind.TTL / time.Second)
	}
	r.attempts++
	ans, err := o.s.sender.Send(o.ctx, Message{Endpoint: j.Endpoint, P256dh: j.P256dh, Auth: j.Auth,
		Payload: []byte(j.Payload), TTL: ttl, Urgency: j.Urgency, Topic: j.Topic})
	switch {
	case err != nil && o.ctx.Err() != nil:
		r.skip = true
	case err != nil && (errors.Is(err, ErrEndpoint) || errors.Is(err, ErrPayloadTooLarge) || errors.Is(err, ErrSubscriptionKeys)):
		r.status, r.lastError, r.sub = schema.DeliveryFailed, err.Error(), subFailure
	case err != nil:
		o.retry(&r, 0, err.Error())
	case ans.Status >= 200 && ans.Status < 300:
		r.status, r.sub = schema.DeliverySent, subSuccess
	case ans.Status == http.StatusNotFound || ans.Status == http.StatusGone:
		r.status, r.lastError, r.sub = schema.DeliveryGone, fmt.Sprintf("%d: the subscription has expired or was removed", ans.Status), subDelete
	case ans.Status == http.StatusRequestEntityTooLarge:
		r.status, r.lastError = schema.DeliveryFailed, "413: payload too large (our bug, not retried)"
		o.s.app.Logger().Error("push: a push service refused a payload as too large", "delivery", j.ID, "bytes", len(j.Payload))
	case ans.Status == http.StatusTooManyRequests || ans.Status >= 500:
		o.retry(&r, ans.RetryAfter, fmt.Sprintf("%d: %s", ans.Status, http.StatusText(ans.Status)))
	case ans.Status >= 300 && ans.Status < 400:
		r.status, r.lastError, r.sub = schema.DeliveryFailed, fmt.Sprintf("%d: redirect not followed", ans.Status), subFailure
	default:
		r.status, r.lastError, r.sub = schema.DeliveryFailed, fmt.Sprintf("%d: %s", ans.Status, http.StatusText(ans.Status)), subFailure
	}
	return r
}

// retry makes r pending again after a backoff (or retryAfter when the push
// service asked for longer), or failed once the attempts are used up.
func (o *outbox) retry(r *result, retryAfter time.Duration, msg string) {
	r.sub = subFailure
	if r.attempts >= o.s.cfg.MaxAttempts {
		r.status, r.lastError = schema.DeliveryFailed, fmt.Sprintf("gave up after %d attempts: %s", r.attempts, msg)
		return
	}
	r.status, r.lastError = schema.DeliveryPending, msg
	r.next = time.Now().Add(Backoff(r.attempts, o.s.cfg.RetryBase, o.s.cfg.RetryMax, retryAfter))
}

// Backoff returns the delay before the next attempt after attempt
// (1-based): base doubled per attempt up to ceil, with jitter over its
// upper half; a Retry-After longer than that wins, capped at a day.
func Backoff(attempt int, base, ceil, retryAfter time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < ceil; i++ {
		d *= 2
	}
	d = min(d, ceil)
	d = d/2 + rand.N(d/2+1)
	if retryAfter > d {
		d = min(retryAfter, 24*time.Hour)
	}
	return d
}

// markLoop writes results in batches of up to 512 gathered for at most
// 20 ms: one transaction per batch, not per delivery (a commit costs about
// as much as a hundred row updates).
func (o *outbox) markLoop() {
	defer o.loops.Done()
	batch := make([]result, 0, 512)
	for {
		r, ok := <-o.results
		if !ok {
			return
		}
		batch = append(batch[:0], r)
		timeout := time.NewTimer(20 * time.Millisecond)
	collect:
		for len(batch) < cap(batch) {
			select {
			case r, ok := <-o.results:
				if !ok {
					break collect
				}
				batch = append(batch, r)
			case <-timeout.C:
				break collect
			}
		}
		timeout.Stop()
		if err := o.mark(batch); err != nil {
			o.s.app.Logger().Error("push: failed to record deliveries (they will be sent again)", "error", err, "count", len(batch))
		}
		o.mu.Lock()
		for _, r := range batch {
			delete(o.inflight, r.id)
			o.marked[r.id] = struct{}{}
		}
		o.mu.Unlock()
		select {
		case o.doneCh <- struct{}{}:
		default:
		}
	}
}

// mark writes a batch of results in one transaction.
func (o *outbox) mark(batch []result) error {
	now := dateString(time.Now())
	return o.s.app.RunInTransaction(func(tx core.App) error {
		var gone []string
		// the common case in two statements per batch: sent rows (attempts
		// went up by one while in flight) and their subscriptions
		var sent, succeeded []string
		for _, r := range batch {
			if !r.skip && r.status == schema.DeliverySent && r.sub == subSuccess {
				sent = append(sent, r.id)
				if r.subscription != "" {
					succeeded = append(succeeded, r.subscription)
				}
			}
		}
		// OR FAIL: a multi-row UPDATE that may ABORT keeps a statement
		// journal to undo itself (allocated and freed, munmap included, per
		// statement); an error still fails the statement and the batch's
		// transaction, which is all that is needed
		if len(sent) > 0 {
			_, err := tx.DB().NewQuery("UPDATE OR FAIL {{" + schema.PushDeliveries + "}} SET [[status]] = {:sent}, " +
				"[[attempts]] = [[attempts]] + 1, [[next_attempt_at]] = {:now}, [[last_error]] = '', [[updated]] = {:now} " +
				"WHERE [[id]] IN (" + inList(sent) + ")").Bind(inParams(sent, dbx.Params{"sent": schema.DeliverySent, "now": now})).Execute()
			if err != nil {
				return err
			}
		}
		if len(succeeded) > 0 {
			_, err := tx.DB().NewQuery("UPDATE OR FAIL {{" + schema.PushSubscriptions + "}} SET [[last_success_at]] = {:now}, " +
				"[[failures]] = 0, [[updated]] = {:now} WHERE [[id]] IN (" + inList(succeeded) + ")").
				Bind(inParams(succeeded, dbx.Params{"now": now})).Execute()
			if err != nil {
				return err
			}
		}
		for _, r := range batch {
			if r.skip || (r.status == schema.DeliverySent && r.sub == subSuccess) {
				continue
			}
			next := now
			if !r.next.IsZero() {
				next = dateString(r.next)
			}
			_, err := tx.DB().Update(schema.PushDeliveries, dbx.Params{
				schema.DeliveryStatus: r.status, schema.DeliveryAttempts: r.attempts, schema.DeliveryNextAttempt: next,
				schema.DeliveryLastError: clip(r.lastError, 1000), schema.FieldUpdated: now,
			}, dbx.HashExp{"id": r.id}).Execute()
			if err != nil {
				return err
			}
			if r.subscription == "" {
				continue
			}
			switch r.sub {
			case subFailure:
				_, err = tx.DB().NewQuery("UPDATE {{" + schema.PushSubscriptions + "}} SET [[failures]] = [[failures]] + 1, " +
					"[[updated]] = {:now} WHERE [[id]] = {:id}").Bind(dbx.Params{"now": now, "id": r.subscription}).Execute()
			case subDelete:
				gone = append(gone, r.subscription)
			}
			if err != nil {
				return err
			}
		}
		for _, id := range gone {
			sub, err := tx.FindRecordById(schema.PushSubscriptions, id)
			if err != nil {
				continue // already gone
			}
			if err := tx.Delete(sub); err != nil {
				return err
			}
		}
		return nil
	})
}

// inList returns the placeholders {:i0},{:i1},... for ids, and inParams
// binds them (into p).
func inList(ids []string) string {
	var b strings.Builder
	for i := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("{:i" + strconv.Itoa(i) + "}")
	}
	return b.String()
}

func inParams(ids []string, p dbx.Params) dbx.Params {
	for i, id := range ids {
		p["i"+strconv.Itoa(i)] = id
	}
	return p
}
