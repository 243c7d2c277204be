package social_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"peerbase/hooks/schema"
)

// inboxEvent is one event on peerbase/inbox.
type inboxEvent struct {
	Action     string         `json:"action"`
	Collection string         `json:"collection"`
	Record     map[string]any `json:"record"`
}

// listenInbox connects to /api/realtime as who, subscribes to
// peerbase/inbox and returns the channel of its events.
func (s *server) listenInbox(t *testing.T, who string) <-chan inboxEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.srv.URL+"/api/realtime", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	clientID := make(chan string, 1)
	events := make(chan inboxEvent, 64)
	go func() {
		defer res.Body.Close()
		r := bufio.NewReader(res.Body)
		topic, data := "", ""
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			switch {
			case strings.HasPrefix(line, "event:"):
				topic = strings.TrimPrefix(line, "event:")
			case strings.HasPrefix(line, "data:"):
				data += strings.TrimPrefix(line, "data:")
			case line == "":
				if topic == "PB_CONNECT" {
					var c struct {
						ClientID string `json:"clientId"`
					}
					_ = json.Unmarshal([]byte(data), &c)
					clientID <- c.ClientID
				} else if topic == "peerbase/inbox" {
					var ev inboxEvent
					if json.Unmarshal([]byte(data), &ev) == nil {
						select {
						case events <- ev:
						case <-ctx.Done():
							return
						}
					}
				}
				topic, data = "", ""
			}
		}
	}()
	select {
	case id := <-clientID:
		s.must(t, 204, tokens[who], http.MethodPost, "/api/realtime", map[string]any{"clientId": id, "subscriptions": []string{"peerbase/inbox"}})
	case <-time.After(10 * time.Second):
		t.Fatal("no PB_CONNECT")
	}
	return events
}

// TestFollowerToldOnInbox: a follower connected to peerbase/inbox gets the
// notification of a followed person's new offer as it is written.
func TestFollowerToldOnInbox(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.follow(t, "ben", "ana")
	events := s.listenInbox(t, "ben")
	offer := s.offer(t, "ana", "Folding bike", schema.StatusActive, nil)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Collection != schema.Notifications {
				continue
			}
			data, _ := ev.Record[schema.NotificationData].(map[string]any)
			if ev.Action != "create" || ev.Record[schema.NotificationType] != schema.NotifyFollow || data["offer"] != offer ||
				ev.Record[schema.NotificationUser] != ids["ben"] {
				t.Fatalf("ben's inbox got %+v", ev)
			}
			return
		case <-deadline:
			t.Fatal("no follow notification on ben's inbox")
		}
	}
}
