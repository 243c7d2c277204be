package hooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/realtime"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// topicEvent is the data of an event on one of our topics.
type topicEvent struct {
	Action     string         `json:"action"`
	Collection string         `json:"collection"`
	Record     map[string]any `json:"record"`
}

// topicEvents decodes the events on topic (an exact subscription key).
func topicEvents(evs []sseEvent, topic string) []topicEvent {
	var out []topicEvent
	for _, e := range evs {
		var te topicEvent
		if e.topic == topic && json.Unmarshal(e.data, &te) == nil {
			out = append(out, te)
		}
	}
	return out
}

// hasTopic reports whether evs hold an event on topic about collection's
// record id with action.
func hasTopic(evs []sseEvent, topic, action, collection, id string) bool {
	return slices.ContainsFunc(topicEvents(evs, topic), func(te topicEvent) bool {
		return te.Action == action && te.Collection == collection && te.Record["id"] == id
	})
}

// sdkKey is the subscription key the JS SDK stores for topic with options.
func sdkKey(topic string, query map[string]string) string {
	raw, _ := json.Marshal(map[string]any{"query": query, "headers": map[string]string{}})
	return topic + "?options=" + url.QueryEscape(string(raw))
}

// sendMessage posts a message as actor into thread and returns its id.
func (s *server) sendMessage(t *testing.T, ctx context.Context, actor, thread, body string) string {
	t.Helper()
	var msg map[string]any
	status, err := s.do(ctx, actor, http.MethodPost, recordsURL(schema.Messages), map[string]any{
		schema.MessageThread: thread, schema.MessageAuthor: ids[actor], schema.MessageBody: body}, &msg)
	if err != nil || status != http.StatusOK {
		t.Fatalf("%s's message: status %d, error %v", actor, status, err)
	}
	id, _ := msg["id"].(string)
	return id
}

// TestRealtimeTopicsReachOnlyParticipants: a message and the thread's
// update reach the participants on peerbase/inbox and, for the one holding
// it, on the thread's topic (under the SDK's exact key with ?options=, the
// record expanded as the options ask); a stranger who subscribes to the
// inbox and to that thread's topic gets nothing, and the subscribers of
// another thread get nothing of this one.
//
// Not parallel: the goroutine check needs the package's other tests paused.
func TestRealtimeTopicsReachOnlyParticipants(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := startServer(t)

	// another thread: the stranger asks the owner about the tent
	other, err := testapp.CreateRecord(s.app, schema.Threads, map[string]any{
		schema.ThreadOffer: ids[fxOffer2], schema.ThreadPeer: ids[stranger]})
	if err != nil {
		t.Fatal(err)
	}
	threadTopic := realtime.ThreadTopicPrefix + ids[fxThread]
	otherTopic := realtime.ThreadTopicPrefix + other.Id
	peerThreadKey := sdkKey(threadTopic, map[string]string{"expand": schema.MessageAuthor})

	ownerC := s.connect(t, ctx, owner)
	peerC := s.connect(t, ctx, peer)
	strangerC := s.connect(t, ctx, stranger)
	s.subscribe(t, ctx, ownerC, owner, realtime.InboxTopic)
	s.subscribe(t, ctx, peerC, peer, realtime.InboxTopic, peerThreadKey)
	s.subscribe(t, ctx, strangerC, stranger, realtime.InboxTopic, threadTopic, otherTopic,
		realtime.ThreadTopicPrefix+"*", realtime.ThreadTopicPrefix)

	if !realtime.IsWatching(s.app, ids[peer], ids[fxThread]) {
		t.Error("IsWatching(peer, thread) = false while the peer holds the thread's topic")
	}
	if realtime.IsWatching(s.app, ids[owner], ids[fxThread]) {
		t.Error("IsWatching(owner, thread) = true while the owner holds the inbox only")
	}

	const text = "Topics: is the drill still there?"
	msgID := s.sendMessage(t, ctx, peer, ids[fxThread], text)

	inboxBoth := func(evs []sseEvent) bool {
		return hasTopic(evs, realtime.InboxTopic, "create", schema.Messages, msgID) &&
			hasTopic(evs, realtime.InboxTopic, "update", schema.Threads, ids[fxThread])
	}
	evs := ownerC.collect(eventTimeout, nil, inboxBoth)
	if !inboxBoth(evs) {
		t.Errorf("owner: no message and thread update on the inbox; got %v", topics(evs))
	}
	for _, te := range topicEvents(evs, realtime.InboxTopic) {
		if te.Collection == schema.Messages && te.Record[schema.MessageBody] != text {
			t.Errorf("owner got the message %v", te.Record)
		}
		if te.Collection == schema.Threads && te.Record[schema.ThreadLastMessage] != text {
			t.Errorf("owner got the thread %v", te.Record)
		}
	}

	peerAll := func(evs []sseEvent) bool {
		return inboxBoth(evs) && hasTopic(evs, peerThreadKey, "create", schema.Messages, msgID) &&
			hasTopic(evs, peerThreadKey, "update", schema.Threads, ids[fxThread])
	}
	evs = peerC.collect(eventTimeout, nil, peerAll)
	if !peerAll(evs) {
		t.Errorf("peer: missing events on the inbox or on %q; got %v", peerThreadKey, topics(evs))
	}
	for _, te := range topicEvents(evs, peerThreadKey) {
		if te.Collection != schema.Messages {
			continue
		}
		exp, _ := te.Record["expand"].(map[string]any)
		author, _ := exp[schema.MessageAuthor].(map[string]any)
		if author["id"] != ids[peer] || author[schema.UserTimezone] != userTimezone[peer] {
			t.Errorf("peer's thread topic: the message must carry its author expanded, with the peer's own private fields; got %v", te.Record)
		}
	}
	for _, te := range topicEvents(evs, realtime.InboxTopic) {
		if _, ok := te.Record["expand"]; ok {
			t.Errorf("the inbox asked for no expand; got %v", te.Record)
		}
	}

	// a retraction reaches both inboxes and the thread topic
	status, err := s.do(ctx, peer, http.MethodPost, "/api/peerbase/messages/"+msgID+"/retract", nil, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("retract: status %d, error %v", status, err)
	}
	retracted := func(key string) func([]sseEvent) bool {
		return func(evs []sseEvent) bool {
			return slices.ContainsFunc(topicEvents(evs, key), func(te topicEvent) bool {
				return te.Action == "update" && te.Record["id"] == msgID && te.Record[schema.MessageRetracted] == true
			})
		}
	}
	if evs := ownerC.collect(eventTimeout, nil, retracted(realtime.InboxTopic)); !retracted(realtime.InboxTopic)(evs) {
		t.Errorf("owner: no retraction on the inbox; got %v", topics(evs))
	}
	if evs := peerC.collect(eventTimeout, nil, retracted(peerThreadKey)); !retracted(peerThreadKey)(evs) {
		t.Errorf("peer: no retraction on the thread topic; got %v", topics(evs))
	}

	// control: the stranger's own thread reaches it on the inbox and on its
	// thread topic, and nothing of the first thread ever did
	otherMsg := s.sendMessage(t, ctx, owner, other.Id, "The tent is free next week")
	gotOther := func(evs []sseEvent) bool {
		return hasTopic(evs, realtime.InboxTopic, "create", schema.Messages, otherMsg) &&
			hasTopic(evs, otherTopic, "create", schema.Messages, otherMsg)
	}
	evs = strangerC.collect(eventTimeout, nil, gotOther)
	if !gotOther(evs) {
		t.Errorf("stranger: no event of its own thread; got %v", topics(evs))
	}
	time.Sleep(quietPeriod)
	evs = strangerC.drain(evs)
	for _, e := range evs {
		var te topicEvent
		if json.Unmarshal(e.data, &te) != nil {
			t.Errorf("stranger got an undecodable event %s %s", e.topic, e.data)
			continue
		}
		if te.Record["id"] == ids[fxThread] || te.Record[schema.MessageThread] == ids[fxThread] || e.topic == threadTopic {
			t.Errorf("stranger got an event of a thread it is not in: %s %s", e.topic, e.data)
		}
	}
	// and the peer, who holds the first thread's topic, gets nothing of the
	// other thread
	evs = peerC.drain(nil)
	for _, e := range evs {
		if e.topic != realtime.InboxTopic && e.topic != peerThreadKey {
			t.Errorf("peer got an event on %q", e.topic)
		}
		var te topicEvent
		if json.Unmarshal(e.data, &te) == nil && (te.Record["id"] == other.Id || te.Record["id"] == otherMsg) {
			t.Errorf("peer got an event of the other thread: %s %s", e.topic, e.data)
		}
	}
}

// TestRealtimeTopicsStopAfterTokenKeyChange: when the peer's token key
// changes (a password reset, a sign-out everywhere), PocketBase clears the
// auth of the peer's open connection: it stops receiving the inbox and the
// thread topic, and no longer counts as watching. A new connection signed in
// with a fresh token receives again.
//
// Not parallel: the goroutine check needs the package's other tests paused.
func TestRealtimeTopicsStopAfterTokenKeyChange(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := startServer(t)
	threadTopic := realtime.ThreadTopicPrefix + ids[fxThread]

	peerC := s.connect(t, ctx, peer)
	s.subscribe(t, ctx, peerC, peer, realtime.InboxTopic, threadTopic)
	ownerC := s.connect(t, ctx, owner)
	s.subscribe(t, ctx, ownerC, owner, realtime.InboxTopic)

	// control: before the change, the peer receives
	first := s.sendMessage(t, ctx, owner, ids[fxThread], "before the reset")
	got := func(id string) func([]sseEvent) bool {
		return func(evs []sseEvent) bool {
			return hasTopic(evs, realtime.InboxTopic, "create", schema.Messages, id) &&
				hasTopic(evs, threadTopic, "create", schema.Messages, id)
		}
	}
	if evs := peerC.collect(eventTimeout, nil, got(first)); !got(first)(evs) {
		t.Fatalf("peer did not receive before the token key change; got %v", topics(evs))
	}
	// the thread's update follows the message: let it arrive before the change
	time.Sleep(quietPeriod)
	peerC.drain(nil)
	ownerC.drain(nil)

	u, err := s.app.FindRecordById(schema.Users, ids[peer])
	if err != nil {
		t.Fatal(err)
	}
	u.RefreshTokenKey()
	if err := s.app.Save(u); err != nil {
		t.Fatal(err)
	}
	if realtime.IsWatching(s.app, ids[peer], ids[fxThread]) {
		t.Error("IsWatching must be false once the connection's auth is cleared")
	}

	second := s.sendMessage(t, ctx, owner, ids[fxThread], "after the reset")
	if evs := ownerC.collect(eventTimeout, nil, func(evs []sseEvent) bool {
		return hasTopic(evs, realtime.InboxTopic, "create", schema.Messages, second)
	}); !hasTopic(evs, realtime.InboxTopic, "create", schema.Messages, second) {
		t.Errorf("owner (control) did not get the message; got %v", topics(evs))
	}
	time.Sleep(quietPeriod)
	if evs := peerC.drain(nil); len(evs) > 0 {
		t.Errorf("the peer's connection signed out by the token key change still got %v", topics(evs))
	}

	// a new connection with a token of the new key receives again
	token, err := u.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	tokens[peer+"-fresh"] = token
	defer delete(tokens, peer+"-fresh")
	freshC := s.connect(t, ctx, peer+"-fresh")
	s.subscribe(t, ctx, freshC, peer+"-fresh", realtime.InboxTopic, threadTopic)
	third := s.sendMessage(t, ctx, owner, ids[fxThread], "welcome back")
	if evs := freshC.collect(eventTimeout, nil, got(third)); !got(third)(evs) {
		t.Errorf("the peer's new connection did not receive; got %v", topics(evs))
	}
	time.Sleep(quietPeriod)
	if evs := peerC.drain(nil); len(evs) > 0 {
		t.Errorf("the old connection got %v", topics(evs))
	}
}

// TestRealtimeTopicsSlowClientDoesNotBlockWriter: one of the owner's
// connections stalls (its network writes hang), while the peer keeps
// writing. Every write returns, the owner's other connection gets every
// event in order, and the stalled connection is closed once its outbox is
// full, instead of holding the writers or growing without bound.
//
// Not parallel: the goroutine check needs the package's other tests paused.
func TestRealtimeTopicsSlowClientDoesNotBlockWriter(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := startServer(t)
	// a burst from one sender: the rate limiter would answer 429 long before
	// the outbox fills
	s.app.Settings().RateLimits.Enabled = false

	slowC := s.connect(t, ctx, owner)
	fastC := s.connect(t, ctx, owner)
	// the stalled connection: every write after PB_CONNECT hangs until release
	release := make(chan struct{})
	s.app.OnRealtimeMessageSend().BindFunc(func(e *core.RealtimeMessageEvent) error {
		if e.Client.Id() == slowC.clientID {
			<-release
		}
		return e.Next()
	})
	defer close(release)
	s.subscribe(t, ctx, slowC, owner, realtime.InboxTopic)
	s.subscribe(t, ctx, fastC, owner, realtime.InboxTopic)

	// each message also updates the thread: two inbox events per message,
	// more than the outbox holds
	n := realtime.DefaultConfig().OutboxLimit/2 + 10
	// the other connection reads as the messages come (its test buffer is
	// smaller than the burst)
	last := fmt.Sprintf("burst %d", n-1)
	fastDone := make(chan []sseEvent)
	go func() {
		fastDone <- fastC.collect(30*time.Second, nil, func(evs []sseEvent) bool {
			return slices.ContainsFunc(topicEvents(evs, realtime.InboxTopic), func(te topicEvent) bool {
				return te.Collection == schema.Messages && te.Record[schema.MessageBody] == last
			})
		})
	}()
	var sent []string
	for i := range n {
		sent = append(sent, s.sendMessage(t, ctx, peer, ids[fxThread], fmt.Sprintf("burst %d", i)))
	}

	evs := <-fastDone
	var order []string
	for _, te := range topicEvents(evs, realtime.InboxTopic) {
		if te.Collection == schema.Messages && te.Action == "create" {
			order = append(order, te.Record["id"].(string))
		}
	}
	if !slices.Equal(order, sent) {
		t.Errorf("the owner's other connection got %d messages (in order: %v), want all %d in order",
			len(order), slices.Equal(order, sent[:len(order)]), len(sent))
	}
	if _, err := s.app.SubscriptionsBroker().ClientById(slowC.clientID); err == nil {
		t.Error("the stalled connection is still registered after its outbox overflowed")
	}
}

// TestRealtimeInboxCarriesExchangesAndMatches: an exchange transition
// reaches both parties' inboxes and a new match its recipient's, never the
// stranger's.
//
// Not parallel: the goroutine check needs the package's other tests paused.
func TestRealtimeInboxCarriesExchangesAndMatches(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := startServer(t)

	clients := map[string]*sseClient{}
	for _, a := range []string{owner, peer, stranger} {
		clients[a] = s.connect(t, ctx, a)
		s.subscribe(t, ctx, clients[a], a, realtime.InboxTopic)
	}
	status, err := s.do(ctx, owner, http.MethodPatch, recordURL(schema.Exchanges, fxExchange2),
		map[string]any{schema.ExchangeState: schema.StateAccepted}, nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("accept: status %d, error %v", status, err)
	}
	match, err := testapp.CreateRecord(s.app, schema.Matches, map[string]any{schema.MatchRecipient: ids[peer],
		schema.FieldKind: "want", schema.MatchWant: ids[fxWant], schema.MatchOffer: ids[fxOffer2], schema.MatchScore: 0.7})
	if err != nil {
		t.Fatal(err)
	}
	accepted := func(evs []sseEvent) bool {
		return slices.ContainsFunc(topicEvents(evs, realtime.InboxTopic), func(te topicEvent) bool {
			return te.Collection == schema.Exchanges && te.Action == "update" &&
				te.Record["id"] == ids[fxExchange2] && te.Record[schema.ExchangeState] == schema.StateAccepted
		})
	}
	if evs := clients[owner].collect(eventTimeout, nil, accepted); !accepted(evs) {
		t.Errorf("owner: no accepted exchange on the inbox; got %v", topics(evs))
	}
	both := func(evs []sseEvent) bool {
		return accepted(evs) && hasTopic(evs, realtime.InboxTopic, "create", schema.Matches, match.Id)
	}
	if evs := clients[peer].collect(eventTimeout, nil, both); !both(evs) {
		t.Errorf("peer: no accepted exchange and new match on the inbox; got %v", topics(evs))
	}
	time.Sleep(quietPeriod)
	if evs := clients[stranger].drain(nil); len(evs) > 0 {
		t.Errorf("the stranger got %v", topics(evs))
	}
}

// TestRealtimeTopicsNothingForRolledBack: a message whose transaction rolls
// back (its author is not a participant: the thread update refuses it after
// the insert) reaches nobody, while the next committed one does, once.
//
// Not parallel: the goroutine check needs the package's other tests paused.
func TestRealtimeTopicsNothingForRolledBack(t *testing.T) {
	checkGoroutines(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := startServer(t)
	ownerC := s.connect(t, ctx, owner)
	s.subscribe(t, ctx, ownerC, owner, realtime.InboxTopic, realtime.ThreadTopicPrefix+ids[fxThread])

	if _, err := testapp.CreateRecord(s.app, schema.Messages, map[string]any{schema.MessageThread: ids[fxThread],
		schema.MessageAuthor: ids[stranger], schema.MessageBody: "rolled back"}); err == nil {
		t.Fatal("a stranger's message was saved")
	}
	id := s.sendMessage(t, ctx, peer, ids[fxThread], "committed")
	evs := ownerC.collect(eventTimeout, nil, func(evs []sseEvent) bool {
		return hasTopic(evs, realtime.InboxTopic, "create", schema.Messages, id)
	})
	time.Sleep(quietPeriod)
	evs = ownerC.drain(evs)
	creates := map[string]int{}
	for _, e := range evs {
		var te topicEvent
		if json.Unmarshal(e.data, &te) == nil && te.Collection == schema.Messages {
			creates[e.topic+" "+fmt.Sprint(te.Record[schema.MessageBody])]++
		}
	}
	want := map[string]int{realtime.InboxTopic + " committed": 1, realtime.ThreadTopicPrefix + ids[fxThread] + " committed": 1}
	if fmt.Sprint(creates) != fmt.Sprint(want) {
		t.Errorf("message events %v, want %v", creates, want)
	}
}
