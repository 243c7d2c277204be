// Package realtime delivers Peerbase's own realtime topics through
// PocketBase's broker: peerbase/inbox (every event for the signed-in
// caller) and peerbase/threads/{id} (one thread's events, while a
// participant holds it on screen).
//
// PocketBase's broadcast checks the API rule of every subscribed client for
// every record event, so a chat lags by ~40 ms per 1,000 connected apps.
// Here an index from user id to that user's subscribed connections,
// maintained on connect, subscribe and disconnect, finds an event's
// recipients (hooks/audience) directly: one event costs work proportional to
// its recipients. Each recipient gets the record as the records API would
// show it to them (view rule, enrich hooks, expand), after the commit, and
// the writer never waits for a slow client.
package realtime

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"peerbase/hooks/audience"
	"peerbase/hooks/schema"
)

// Config configures the realtime topics.
type Config struct {
	// OutboxLimit is how many events may wait for one connection; a
	// connection further behind is closed (the app reconnects and catches
	// up through /api/peerbase/sync) rather than held in memory.
	OutboxLimit int
}

// DefaultConfig returns the realtime defaults.
func DefaultConfig() Config {
	return Config{OutboxLimit: 256}
}

// storeKey is where the app's hub lives in app.Store(), for IsWatching.
const storeKey = "peerbase.realtime.hub"

// hub delivers our topics for one app.
type hub struct {
	app core.App
	idx *index
	// sentAtCommit counts, per record, the events already delivered when
	// their transaction committed, so that the after-success hook (which
	// comes after) does not deliver them again
	sentMu       sync.Mutex
	sentAtCommit map[*core.Record]int
	// pendingDeletes holds the audience of records being deleted, computed
	// before the delete (a message's thread may go with it) and used after
	// the commit; keyed by collection id and record id.
	pendingDeletes sync.Map
}

// Register binds the index maintenance and the delivery hooks to app.
func Register(app core.App, cfg Config) error {
	if cfg.OutboxLimit < 1 {
		return fmt.Errorf("realtime: OutboxLimit must be positive, got %d", cfg.OutboxLimit)
	}
	h := &hub{app: app, idx: newIndex(cfg.OutboxLimit), sentAtCommit: map[*core.Record]int{}}
	app.Store().Set(storeKey, h)

	// connect: wrap the new client (see client); disconnect: the
	// connection's whole life runs inside e.Next()
	app.OnRealtimeConnectRequest().Bind(&hook.Handler[*core.RealtimeConnectRequestEvent]{
		Id: "peerbaseRealtimeConnect",
		Func: func(e *core.RealtimeConnectRequestEvent) error {
			if dc, ok := e.Client.(*subscriptions.DefaultClient); ok {
				e.Client = wrapClient(dc)
			}
			id := e.Client.Id()
			defer h.idx.remove(id)
			return e.Next()
		},
	})
	app.OnRealtimeSubscribeRequest().Bind(&hook.Handler[*core.RealtimeSubscribeRequestEvent]{
		Id:   "peerbaseRealtimeSubscribe",
		Func: h.onSubscribe,
	})

	// a record saved inside a transaction is delivered as soon as it
	// commits (see onSavedInTx); others in their after-success hook
	app.OnRecordCreate().Bind(&hook.Handler[*core.RecordEvent]{
		Id: "peerbaseRealtimeCreateInTx", Func: h.onSavedInTx("create"),
	})
	app.OnRecordUpdate().Bind(&hook.Handler[*core.RecordEvent]{
		Id: "peerbaseRealtimeUpdateInTx", Func: h.onSavedInTx("update"),
	})
	app.OnRecordAfterCreateSuccess().Bind(&hook.Handler[*core.RecordEvent]{
		Id: "peerbaseRealtimeCreate", Func: h.onSaved("create"), Priority: -100,
	})
	app.OnRecordAfterUpdateSuccess().Bind(&hook.Handler[*core.RecordEvent]{
		Id: "peerbaseRealtimeUpdate", Func: h.onSaved("update"), Priority: -100,
	})
	app.OnRecordDelete().Bind(&hook.Handler[*core.RecordEvent]{
		Id: "peerbaseRealtimeDeleting", Func: h.onDeleting, Priority: 100,
	})
	app.OnRecordAfterDeleteSuccess().Bind(&hook.Handler[*core.RecordEvent]{
		Id: "peerbaseRealtimeDelete", Func: h.onDeleted, Priority: -100,
	})
	// a write that fails after its transaction committed gets no
	// after-success hook: forget that it went out at the commit
	forgetSent := func(e *core.RecordErrorEvent) error {
		h.alreadySent(e.Record)
		return e.Next()
	}
	app.OnRecordAfterCreateError().BindFunc(forgetSent)
	app.OnRecordAfterUpdateError().BindFunc(forgetSent)
	app.OnRecordAfterDeleteError().BindFunc(func(e *core.RecordErrorEvent) error {
		h.pendingDeletes.Delete(deleteKey(e.Record))
		return e.Next()
	})
	return nil
}

// IsWatching reports whether userID holds threadID's topic on a connection
// still signed in as them: the thread is on their screen, so a push
// notification about it would be noise. It does not check that userID is a
// participant (anyone may hold any topic name, and gets nothing from it):
// ask it about a thread's participants.
func IsWatching(app core.App, userID, threadID string) bool {
	h, _ := app.Store().Get(storeKey).(*hub)
	if h == nil || userID == "" || threadID == "" {
		return false
	}
	for _, c := range h.idx.watching(userID, threadID) {
		if signedInAs(c, userID) {
			return true
		}
	}
	return false
}

// onSubscribe indexes the client under the user it is now signed in as,
// with its new subscriptions (a subscribe request replaces them all).
func (h *hub) onSubscribe(e *core.RealtimeSubscribeRequestEvent) error {
	if err := e.Next(); err != nil {
		return err
	}
	user := ""
	if auth, _ := e.Client.Get(apis.RealtimeClientAuthKey).(*core.Record); auth != nil &&
		auth.Collection().Name == schema.Users {
		user = auth.Id
	}
	subs := e.Client.Subscriptions()
	keys := make([]string, 0, len(subs))
	for k := range subs {
		keys = append(keys, k)
	}
	h.idx.set(e.Client, user, keys)
	return nil
}

// onSavedInTx delivers a record written inside a transaction as soon as the
// transaction commits, in the order of the writes. Its after-success hook
// would come later, and after those of records saved through the
// transaction: a message's comes after its thread's update, and so after
// PocketBase's broadcast of that update, which walks every connected client
// (~10 ms at 10,000 clients): the message would wait for it.
func (h *hub) onSavedInTx(action string) func(e *core.RecordEvent) error {
	return func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		tx := e.App.TxInfo()
		if tx == nil || !audience.Tracked(e.Record.Collection().Name) {
			return nil
		}
		record := e.Record
		tx.OnComplete(func(txErr error) error {
			if txErr != nil {
				return nil
			}
			// the transaction is over: read through the app
			users, err := audience.Of(h.app, record)
			if err != nil {
				h.app.Logger().Error("realtime: failed to find the record's audience", "error", err,
					"collection", record.Collection().Name, "id", record.Id)
				return nil
			}
			h.sentMu.Lock()
			h.sentAtCommit[record]++
			h.sentMu.Unlock()
			h.publish(h.app, action, record, users)
			return nil
		})
		return nil
	}
}

// alreadySent reports (once per delivery) whether record's event went out
// when its transaction committed.
func (h *hub) alreadySent(record *core.Record) bool {
	h.sentMu.Lock()
	defer h.sentMu.Unlock()
	n := h.sentAtCommit[record]
	switch {
	case n == 0:
		return false
	case n == 1:
		delete(h.sentAtCommit, record)
	default:
		h.sentAtCommit[record] = n - 1
	}
	return true
}

// onSaved delivers a created or updated record before PocketBase's own
// broadcast walks every client (it runs after e.Next()), unless it went out
// at its transaction's commit.
func (h *hub) onSaved(action string) func(e *core.RecordEvent) error {
	return func(e *core.RecordEvent) error {
		if audience.Tracked(e.Record.Collection().Name) && !h.alreadySent(e.Record) {
			users, err := audience.Of(e.App, e.Record)
			if err != nil {
				e.App.Logger().Error("realtime: failed to find the record's audience", "error", err,
					"collection", e.Record.Collection().Name, "id", e.Record.Id)
			} else {
				h.publish(e.App, action, e.Record, users)
			}
		}
		return e.Next()
	}
}

func deleteKey(r *core.Record) string { return r.Collection().Id + "/" + r.Id }

// onDeleting computes the audience while the record (and its thread) still
// exist, inside the delete's transaction.
func (h *hub) onDeleting(e *core.RecordEvent) error {
	if !audience.Tracked(e.Record.Collection().Name) {
		return e.Next()
	}
	users, err := audience.Of(e.App, e.Record)
	if err != nil {
		e.App.Logger().Error("realtime: failed to find the deleted record's audience", "error", err,
			"collection", e.Record.Collection().Name, "id", e.Record.Id)
		return e.Next()
	}
	key := deleteKey(e.Record)
	h.pendingDeletes.Store(key, users)
	if err := e.Next(); err != nil {
		h.pendingDeletes.Delete(key)
		return err
	}
	return nil
}

func (h *hub) onDeleted(e *core.RecordEvent) error {
	if users, ok := h.pendingDeletes.LoadAndDelete(deleteKey(e.Record)); ok {
		h.publish(e.App, "delete", e.Record, users.([]string))
	}
	return e.Next()
}

// threadOf returns the thread an event of record belongs to, or "".
func threadOf(record *core.Record) string {
	switch record.Collection().Name {
	case schema.Threads:
		return record.Id
	case schema.Messages:
		return record.GetString(schema.MessageThread)
	}
	return ""
}

// publish sends the event to every connection of users that holds the inbox
// or the record's thread topic and is still signed in as that user.
func (h *hub) publish(app core.App, action string, record *core.Record, users []string) {
	thread := threadOf(record)
	for _, user := range users {
		targets := h.idx.targets(user, thread)
		if len(targets) == 0 {
			continue
		}
		// one rendering per distinct subscription options of this user
		rendered := map[string][]byte{}
		for _, t := range targets {
			auth := authOf(t.client)
			if !sameUser(auth, user) || t.client.IsDiscarded() {
				continue // signed out by a token key change, or gone
			}
			current := t.client.Subscriptions()
			for _, key := range t.keys {
				opts, ok := current[key]
				if !ok {
					continue // unsubscribed since it was indexed
				}
				_, raw, _ := strings.Cut(key, "?")
				data, ok := rendered[raw]
				if !ok {
					var err error
					data, err = render(app, action, record, auth, opts)
					if err != nil {
						app.Logger().Error("realtime: failed to render an event", "error", err,
							"collection", record.Collection().Name, "id", record.Id, "user", user)
					}
					rendered[raw] = data
				}
				if data == nil {
					continue // not visible to this user, or failed
				}
				if !t.out.push(t.client, subscriptions.Message{Name: key, Data: data}) {
					app.Logger().Warn("realtime: closing a connection that does not keep up",
						"client", t.client.Id(), "user", user)
					app.SubscriptionsBroker().Unregister(t.client.Id())
					break
				}
			}
		}
	}
}

func authOf(c subscriptions.Client) *core.Record {
	auth, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record)
	return auth
}

func sameUser(auth *core.Record, user string) bool {
	return auth != nil && auth.Id == user && auth.Collection().Name == schema.Users
}

// signedInAs re-checks a client's auth: PocketBase clears it silently when
// the user's token key changes, and lets a guest sign in as anyone.
func signedInAs(c subscriptions.Client, user string) bool {
	return !c.IsDiscarded() && sameUser(authOf(c), user)
}

// event is the data of one of our topics' events.
type event struct {
	Action     string `json:"action"`
	Collection string `json:"collection"`
	Record     any    `json:"record"`
}

// render returns the event's data as auth would see the record through the
// records API, or nil when the view rule hides it from them. A deleted
// record is not checked against the rule (it is gone; its audience was
// computed before the delete).
func render(app core.App, action string, record *core.Record, auth *core.Record, opts subscriptions.SubscriptionOptions) ([]byte, error) {
	collection := record.Collection()
	info := &core.RequestInfo{
		Context: core.RequestInfoContextRealtime,
		Method:  "GET",
		Query:   opts.Query,
		Headers: opts.Headers,
		Auth:    auth,
	}
	if action != "delete" {
		ok, err := app.CanAccessRecord(record, info, collection.ViewRule)
		if err != nil {
			return nil, fmt.Errorf("failed to check the view rule: %w", err)
		}
		if !ok {
			return nil, nil
		}
	}
	clean := record.Fresh()
	err := enrich(app, info, []*core.Record{clean}, func() error {
		if raw := info.Query["expand"]; raw != "" {
			// expand failures are not fatal, as in the records API
			app.ExpandRecord(clean, strings.Split(raw, ","), expandFetch(app, info))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("failed to enrich the record: %w", err)
	}
	var out any = clean
	if raw := info.Query["fields"]; raw != "" {
		if picked, err := pick(clean, raw); err == nil {
			out = picked
		}
	}
	data, err := json.Marshal(event{Action: action, Collection: collection.Name, Record: out})
	if err != nil {
		return nil, fmt.Errorf("failed to encode the event: %w", err)
	}
	return data, nil
}
