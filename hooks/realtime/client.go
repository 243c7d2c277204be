package realtime

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// client wraps PocketBase's default realtime client (same id, store and
// channel) to make PocketBase's broadcast cheap for connections that hold
// only our topics. That broadcast cannot be unbound: for every record event
// it asks every connected client for its subscriptions under six prefixes,
// and the default client builds a map for each answer. At 10,000 connected
// apps that is 120,000 maps per chat message (the message and its thread),
// most of the server's CPU time per message. Here a client whose keys
// match none of the prefixes answers nil without allocating; any other
// question goes to the default client, so PocketBase's own subscriptions
// behave exactly as before.
type client struct {
	*subscriptions.DefaultClient
	mu   sync.Mutex               // orders a change with its snapshot
	keys atomic.Pointer[[]string] // each subscription key followed by "?"
}

var _ subscriptions.Client = (*client)(nil)

func wrapClient(c *subscriptions.DefaultClient) *client {
	w := &client{DefaultClient: c}
	w.snapshot()
	return w
}

// snapshot stores the current keys; call with mu held (or before sharing).
func (c *client) snapshot() {
	all := c.DefaultClient.Subscriptions()
	keys := make([]string, 0, len(all))
	for k := range all {
		// PocketBase matches a prefix against the key followed by "?"
		keys = append(keys, k+"?")
	}
	c.keys.Store(&keys)
}

// Subscribe implements [subscriptions.Client.Subscribe].
func (c *client) Subscribe(subs ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.DefaultClient.Subscribe(subs...)
	c.snapshot()
}

// Unsubscribe implements [subscriptions.Client.Unsubscribe].
func (c *client) Unsubscribe(subs ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.DefaultClient.Unsubscribe(subs...)
	c.snapshot()
}

// Subscriptions implements [subscriptions.Client.Subscriptions]: nil at
// once when no key has one of the prefixes.
func (c *client) Subscriptions(prefixes ...string) map[string]subscriptions.SubscriptionOptions {
	if len(prefixes) > 0 && !c.mayMatch(prefixes) {
		return nil
	}
	return c.DefaultClient.Subscriptions(prefixes...)
}

func (c *client) mayMatch(prefixes []string) bool {
	for _, k := range *c.keys.Load() {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				return true
			}
		}
	}
	return false
}
