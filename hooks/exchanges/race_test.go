package exchanges_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"peerbase/hooks/schema"
)

// completeAtOnce sends the owner's and the requester's "completed" for one
// exchange at the same moment over real HTTP, and returns each side's status
// and answer.
func completeAtOnce(t *testing.T, w *world, id string) map[string]answer {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	out := map[string]answer{}
	for _, who := range []string{"owner", "requester"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodPatch, w.srv.URL+recordURL(schema.Exchanges, id),
				strings.NewReader(`{"state":"completed"}`))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", tokens[who])
			<-start
			res, err := w.srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			var a answer
			a.status = res.StatusCode
			raw, _ := io.ReadAll(res.Body)
			if err := json.Unmarshal(raw, &a.body); err != nil {
				t.Errorf("%s: %s", who, raw)
			}
			a.raw = string(raw)
			mu.Lock()
			out[who] = a
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return out
}

type answer struct {
	status int
	body   map[string]any
	raw    string
}

// TestBothSidesCompleteAtOnce: the owner and the requester complete at the
// same moment. Exactly one completion happens: both confirmations are kept
// (the later save carries the earlier one), the first save is a
// confirmation, the second completes; or, when one side had confirmed
// before, the loser is told the exchange moved meanwhile or sees it
// completed. The rate limiter is off: no answer is a 429.
func TestBothSidesCompleteAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	settings := w.app.Settings()
	settings.RateLimits.Enabled = false
	if err := w.app.Save(settings); err != nil {
		t.Fatal(err)
	}
	w.srv = serve(t, w.app)

	for i := range 8 {
		// neither side confirmed yet
		fresh := w.exchange(w.offer(schema.KindSell), "requester", "", schema.StateAccepted, schema.StateHandedOver)
		// the owner confirmed earlier and confirms again as the requester completes
		half := w.exchange(w.offer(schema.KindGive), "requester", "", schema.StateAccepted, schema.StateHandedOver)
		r := w.record(t, schema.Exchanges, half)
		r.Set(schema.ExchangeOwnerConfirmedAt, "2026-01-01 10:00:00.000Z")
		if err := w.app.Save(r); err != nil {
			t.Fatal(err)
		}

		t.Run(fmt.Sprintf("none confirmed #%d", i), func(t *testing.T) {
			got := completeAtOnce(t, w, fresh)
			completed := 0
			for who, a := range got {
				if a.status != http.StatusOK {
					t.Fatalf("%s: %d %s", who, a.status, a.raw)
				}
				switch a.body["state"] {
				case schema.StateCompleted:
					completed++
				case schema.StateHandedOver:
					// the first save: that side's confirmation, visible
					if a.body[map[string]string{"owner": schema.ExchangeOwnerConfirmedAt, "requester": schema.ExchangeRequesterConfirmedAt}[who]] == "" {
						t.Errorf("%s's answer lacks its confirmation: %s", who, a.raw)
					}
				default:
					t.Errorf("%s: %s", who, a.raw)
				}
			}
			if completed != 1 {
				t.Errorf("%d answers say completed, want exactly 1: %v", completed, got)
			}
			stored := w.record(t, schema.Exchanges, fresh)
			if stored.GetString(schema.ExchangeState) != schema.StateCompleted || countCompletions(t, stored) != 1 {
				t.Errorf("stored %s with %d completions", stored.GetString(schema.ExchangeState), countCompletions(t, stored))
			}
			if stored.GetDateTime(schema.ExchangeOwnerConfirmedAt).IsZero() || stored.GetDateTime(schema.ExchangeRequesterConfirmedAt).IsZero() {
				t.Error("a confirmation was lost")
			}
		})

		t.Run(fmt.Sprintf("one confirmed before #%d", i), func(t *testing.T) {
			got := completeAtOnce(t, w, half)
			if a := got["requester"]; a.status != http.StatusOK || a.body["state"] != schema.StateCompleted {
				t.Errorf("requester: %d %s", a.status, a.raw)
			}
			switch a := got["owner"]; {
			case a.status == http.StatusOK && (a.body["state"] == schema.StateCompleted || a.body["state"] == schema.StateHandedOver):
				// before the requester's save (a repeated confirmation) or after it (already completed)
			case a.status == http.StatusBadRequest && strings.Contains(a.raw, `"state":{"code":"validation_state_changed"`):
				// loaded before the requester's save, saved after it
			default:
				t.Errorf("owner: %d %s", a.status, a.raw)
			}
			stored := w.record(t, schema.Exchanges, half)
			if stored.GetString(schema.ExchangeState) != schema.StateCompleted || countCompletions(t, stored) != 1 {
				t.Errorf("stored %s with %d completions", stored.GetString(schema.ExchangeState), countCompletions(t, stored))
			}
		})
	}
}
