package social_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"peerbase/hooks/schema"
)

// TestCustomRequest: asking for a custom version opens the caller's thread
// on the offer (or reuses it) with the request as a message, seen by the
// two participants only; what can't be asked is refused with nothing
// written.
func TestCustomRequest(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	offer := s.offer(t, "ana", "Knitted fox", schema.StatusActive, nil)
	draft := s.offer(t, "ana", "Knitted owl", schema.StatusDraft, nil)
	closed := s.offer(t, "ana", "Knitted bear", schema.StatusClosed, nil)
	path := func(id string) string { return "/api/peerbase/offers/" + id + "/custom-request" }
	threads := func() int { return count(t, s.app, schema.Threads, "id != ''", nil) }
	messages := func() int { return count(t, s.app, schema.Messages, "id != ''", nil) }

	out := s.must(t, 200, tokens["ben"], http.MethodPost, path(offer), map[string]any{"text": "  Could you knit it in green, 40 cm tall?  "})
	thread, _ := out["thread"].(map[string]any)
	msg, _ := out["message"].(map[string]any)
	if out["created"] != true || thread[schema.ThreadOffer] != offer || thread[schema.ThreadOwner] != ids["ana"] ||
		thread[schema.ThreadPeer] != ids["ben"] || thread[schema.ThreadOwnerUnread] != float64(1) {
		t.Fatalf("the thread: %v", out)
	}
	if msg[schema.MessageThread] != thread["id"] || msg[schema.MessageAuthor] != ids["ben"] ||
		msg[schema.MessageBody] != "Could you knit it in green, 40 cm tall?" {
		t.Fatalf("the message: %v", msg)
	}
	// ana reads it through the API like any message; a third person can't
	s.must(t, 200, tokens["ana"], http.MethodGet, "/api/collections/messages/records/"+msg["id"].(string), nil)
	if status, _ := s.do(t, tokens["cleo"], http.MethodGet, "/api/collections/messages/records/"+msg["id"].(string), nil); status != 404 {
		t.Errorf("cleo reads ben's request: %d", status)
	}

	// a second request reuses the thread
	out = s.must(t, 200, tokens["ben"], http.MethodPost, path(offer), map[string]any{"text": "Or in red."})
	if out["created"] != false || out["thread"].(map[string]any)["id"] != thread["id"] {
		t.Fatalf("the second request: %v", out)
	}
	if threads() != 1 || messages() != 2 {
		t.Fatalf("%d threads and %d messages, want 1 and 2", threads(), messages())
	}
	// a thread ben already had (opened through the records API) is reused too
	cleoThread := s.must(t, 200, tokens["cleo"], http.MethodPost, "/api/collections/threads/records",
		map[string]any{schema.ThreadOffer: offer, schema.ThreadPeer: ids["cleo"]})
	out = s.must(t, 200, tokens["cleo"], http.MethodPost, path(offer), map[string]any{"text": "A fox for my niece?"})
	if out["created"] != false || out["thread"].(map[string]any)["id"] != cleoThread["id"] {
		t.Fatalf("cleo's request: %v", out)
	}

	s.must(t, 200, tokens["dan"], http.MethodPost, "/api/collections/blocks/records",
		map[string]any{schema.BlockBlocker: ids["dan"], schema.BlockBlocked: ids["ana"]})
	before, beforeMsgs := threads(), messages()
	for _, c := range []struct {
		name, who, offer string
		body             map[string]any
		status           int
		field, code      string
	}{
		{"anonymous", "", offer, map[string]any{"text": "hi"}, 401, "", ""},
		{"no text", "eve", offer, map[string]any{"text": "   "}, 400, "text", "validation_required"},
		{"too long", "eve", offer, map[string]any{"text": strings.Repeat("a", 4001)}, 400, "text", "validation_length_too_long"},
		{"own offer", "ana", offer, map[string]any{"text": "hi"}, 400, "offer", "validation_own_offer"},
		{"someone else's draft", "eve", draft, map[string]any{"text": "hi"}, 404, "", ""},
		{"no such offer", "eve", "nosuchoffer0001", map[string]any{"text": "hi"}, 404, "", ""},
		{"a closed offer", "eve", closed, map[string]any{"text": "hi"}, 400, "offer", "validation_offer_closed"},
		{"blocked", "dan", offer, map[string]any{"text": "hi"}, 400, "offer", "validation_blocked"},
	} {
		status, out := s.do(t, tokens[c.who], http.MethodPost, path(c.offer), c.body)
		if status != c.status || (c.field != "" && fieldCode(out, c.field) != c.code) {
			t.Errorf("%s: %d %v, want %d with %s %s", c.name, status, out, c.status, c.field, c.code)
		}
	}
	if threads() != before || messages() != beforeMsgs {
		t.Fatalf("refused requests wrote threads (%d → %d) or messages (%d → %d)", before, threads(), beforeMsgs, messages())
	}

	// a block on an existing thread: the request is refused, nothing written
	s.must(t, 200, tokens["ana"], http.MethodPost, "/api/collections/blocks/records",
		map[string]any{schema.BlockBlocker: ids["ana"], schema.BlockBlocked: ids["ben"]})
	status, out := s.do(t, tokens["ben"], http.MethodPost, path(offer), map[string]any{"text": "Still there?"})
	if status != 400 || fieldCode(out, schema.MessageThread) != "validation_blocked" {
		t.Errorf("ben, blocked, in his thread: %d %v", status, out)
	}
	if n := count(t, s.app, schema.Messages, "thread = {:t}", dbx.Params{"t": thread["id"]}); n != 2 {
		t.Errorf("ben's thread has %d messages, want 2", n)
	}
}
