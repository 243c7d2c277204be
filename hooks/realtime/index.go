package realtime

import (
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// The topics of our own, as apps subscribe to them.
const (
	// InboxTopic carries every event for the signed-in caller.
	InboxTopic = "peerbase/inbox"
	// ThreadTopicPrefix followed by a thread id carries that thread's events
	// to its participants while they hold it (the thread is on screen).
	ThreadTopicPrefix = "peerbase/threads/"
)

// topics are one connection's subscriptions to our topics, as the exact keys
// the client stored: the SDK appends "?options=..." to a topic, and the SSE
// event must carry the key itself or the SDK does not route it.
type topics struct {
	inbox   []string
	threads map[string][]string // thread id -> keys
}

// parseTopics keeps the keys among subs that name one of our topics.
func parseTopics(subs []string) topics {
	var t topics
	for _, key := range subs {
		topic, _, _ := strings.Cut(key, "?")
		switch {
		case topic == InboxTopic:
			t.inbox = append(t.inbox, key)
		case strings.HasPrefix(topic, ThreadTopicPrefix):
			id := strings.TrimPrefix(topic, ThreadTopicPrefix)
			if id == "" || strings.Contains(id, "/") {
				continue
			}
			if t.threads == nil {
				t.threads = map[string][]string{}
			}
			t.threads[id] = append(t.threads[id], key)
		}
	}
	return t
}

func (t topics) empty() bool { return len(t.inbox) == 0 && len(t.threads) == 0 }

// keys returns the keys an event goes to: the inbox's, and the thread's when
// the event belongs to one (thread != "").
func (t topics) keys(thread string) []string {
	out := t.inbox
	if thread != "" && len(t.threads[thread]) > 0 {
		out = append(append([]string(nil), t.inbox...), t.threads[thread]...)
	}
	return out
}

// conn is one indexed connection: its client, the user it was indexed for,
// its topics and its outbox.
type conn struct {
	client subscriptions.Client
	user   string
	topics topics
	out    *outbox
}

// target is a connection an event must reach, with the keys to send it on.
type target struct {
	user   string
	client subscriptions.Client
	out    *outbox
	keys   []string
}

// index maps a user id to that user's connections subscribed to our topics,
// so that an event costs work proportional to its recipients, not to every
// connected client (PocketBase's broadcast walks all of them).
type index struct {
	mu       sync.RWMutex
	byUser   map[string]map[string]*conn // user id -> client id -> conn
	byClient map[string]*conn
	limit    int // outbox length of each connection
}

func newIndex(outboxLimit int) *index {
	return &index{byUser: map[string]map[string]*conn{}, byClient: map[string]*conn{}, limit: outboxLimit}
}

// set records that client, signed in as user, holds subs (its whole
// subscription list: a subscribe request replaces it). A guest (user "")
// or a client without our topics is dropped from the index.
func (x *index) set(client subscriptions.Client, user string, subs []string) {
	t := parseTopics(subs)
	if user == "" || t.empty() {
		x.remove(client.Id())
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	id := client.Id()
	old := x.byClient[id]
	c := &conn{client: client, user: user, topics: t}
	if old != nil {
		c.out = old.out // messages already queued keep their order
		if old.user != user {
			x.unlinkLocked(old)
		}
	} else {
		c.out = newOutbox(x.limit)
	}
	x.byClient[id] = c
	m := x.byUser[user]
	if m == nil {
		m = map[string]*conn{}
		x.byUser[user] = m
	}
	m[id] = c
}

// remove forgets a client (disconnected, or no longer subscribed).
func (x *index) remove(clientID string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if c := x.byClient[clientID]; c != nil {
		x.unlinkLocked(c)
		delete(x.byClient, clientID)
	}
}

func (x *index) unlinkLocked(c *conn) {
	m := x.byUser[c.user]
	delete(m, c.client.Id())
	if len(m) == 0 {
		delete(x.byUser, c.user)
	}
}

// targets returns user's connections that must get an event of thread
// (blank when the event belongs to no thread), with the keys to send on.
func (x *index) targets(user, thread string) []target {
	x.mu.RLock()
	defer x.mu.RUnlock()
	m := x.byUser[user]
	if len(m) == 0 {
		return nil
	}
	out := make([]target, 0, len(m))
	for _, c := range m {
		if keys := c.topics.keys(thread); len(keys) > 0 {
			out = append(out, target{user: user, client: c.client, out: c.out, keys: keys})
		}
	}
	return out
}

// watching returns user's connections that hold thread's topic.
func (x *index) watching(user, thread string) []subscriptions.Client {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []subscriptions.Client
	for _, c := range x.byUser[user] {
		if len(c.topics.threads[thread]) > 0 {
			out = append(out, c.client)
		}
	}
	return out
}

// size returns the number of indexed connections and users.
func (x *index) size() (clients, users int) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byClient), len(x.byUser)
}

// outbox queues one connection's messages so that the writer never waits
// for the client: PocketBase's Client.Send blocks until the connection's
// loop takes the message off its unbuffered channel, which a slow or stalled
// client may not do for minutes. One goroutine per connection with queued
// messages sends them in order, and exits when the queue is empty.
type outbox struct {
	mu      sync.Mutex
	queue   []subscriptions.Message
	running bool
	limit   int
}

func newOutbox(limit int) *outbox { return &outbox{limit: limit} }

// push queues m for client and reports false, queuing nothing, when the
// client already has limit messages waiting: it is too slow to keep up.
func (o *outbox) push(client subscriptions.Client, m subscriptions.Message) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.queue) >= o.limit {
		return false
	}
	o.queue = append(o.queue, m)
	if !o.running {
		o.running = true
		go o.pump(client)
	}
	return true
}

// pump sends the queued messages one by one. Send returns at once for a
// discarded client, so a closed connection drains the queue quickly.
func (o *outbox) pump(client subscriptions.Client) {
	for {
		o.mu.Lock()
		if len(o.queue) == 0 {
			o.running = false
			o.queue = nil
			o.mu.Unlock()
			return
		}
		m := o.queue[0]
		o.queue[0] = subscriptions.Message{}
		o.queue = o.queue[1:]
		o.mu.Unlock()
		client.Send(m)
	}
}

// pending returns how many messages wait in the outbox.
func (o *outbox) pending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.queue)
}

// isRunning reports whether a pump goroutine is active.
func (o *outbox) isRunning() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.running
}
