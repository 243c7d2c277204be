package exchanges_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"peerbase/hooks/exchanges"
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

// contender is one request of a race: an accept of a request or a new
// availability block, sent at the same moment as the others.
type contender struct {
	block bool
	id    string // the exchange to accept
	body  string // the block to create
}

// TestAcceptsAndBlocksRace: in each of 50 rounds, 2 to 8 accepts and blocks
// of overlapping days of one rental go out at the same moment over real
// HTTP (a loopback server; the rate limiter is switched off in the app's
// settings, so no answer is a 429). Exactly one wins; every loser gets the
// collision error that names what won (another booking or a block); and no
// two occupied ranges share a day.
func TestAcceptsAndBlocksRace(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	settings := w.app.Settings()
	settings.RateLimits.Enabled = false
	if err := w.app.Save(settings); err != nil {
		t.Fatal(err)
	}
	w.srv = serve(t, w.app)

	// every range below holds 12 March (Paris)
	for round := range 50 {
		rent := w.offer(schema.KindRent)
		n := 2 + round%7
		var cs []contender
		for i := range n {
			if (round+i)%3 == 0 {
				b := 11 + i%2 // [11, 13) or [12, 14)
				raw, _ := json.Marshal(blockBody(rent, day(b), day(b+2)))
				cs = append(cs, contender{block: true, body: string(raw)})
				continue
			}
			start, _ := time.Parse("2006-01-02 15:04:05.000Z", day(10+i%3)) // [10+a, 14+a) once rounded to days
			who := []string{"requester", "other"}[i%2]
			cs = append(cs, contender{id: w.exchange(rent, who, start.Add(10*time.Hour).Format("2006-01-02 15:04:05.000Z"))})
		}

		got := raceOnce(t, w, cs)
		winners := 0
		var won contender
		for i, a := range got {
			if a.status == http.StatusOK {
				winners++
				won = cs[i]
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d winners among %d: %v", round, winners, n, got)
		}
		for i, a := range got {
			if a.status == http.StatusOK {
				continue
			}
			code := map[[2]bool]string{
				{false, false}: "validation_double_booking",    // an accept lost to an accept
				{false, true}:  "validation_dates_booked",      // a block lost to an accept
				{true, false}:  "validation_dates_unavailable", // an accept lost to a block
				{true, true}:   "validation_block_overlap",     // a block lost to a block
			}[[2]bool{won.block, cs[i].block}]
			if a.status != http.StatusBadRequest || !strings.Contains(a.raw, `"start":{"code":"`+code+`"`) {
				t.Errorf("round %d, loser %d (block %v): %d %s, want 400 %s", round, i, cs[i].block, a.status, a.raw, code)
			}
		}
		checkNoOverlap(t, w, rent, round)
	}
}

// raceOnce sends every contender at the same moment as the owner and
// returns the answers in order.
func raceOnce(t *testing.T, w *world, cs []contender) []answer {
	t.Helper()
	start := make(chan struct{})
	out := make([]answer, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		method, url, payload := http.MethodPatch, w.srv.URL+recordURL(schema.Exchanges, c.id), `{"state":"accepted"}`
		if c.block {
			method, url, payload = http.MethodPost, w.srv.URL+blocksURL, c.body
		}
		req, err := http.NewRequest(method, url, strings.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", tokens["owner"])
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := w.srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			out[i] = answer{status: res.StatusCode, raw: string(raw)}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// checkNoOverlap reads back what occupies the offer (accepted exchanges,
// as whole days of the owner's time zone, and blocks) and fails when two
// share a day or when not exactly one holds.
func checkNoOverlap(t *testing.T, w *world, offer string, round int) {
	t.Helper()
	var spans []exchanges.Span
	booked, err := w.app.FindAllRecords(schema.Exchanges, dbx.HashExp{schema.ExchangeOffer: offer, schema.ExchangeState: schema.StateAccepted})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range booked {
		spans = append(spans, exchanges.Span{Start: exchanges.DayFloor(x.GetDateTime(schema.ExchangeStart).Time(), paris),
			End: exchanges.DayCeil(x.GetDateTime(schema.ExchangeEnd).Time(), paris)})
	}
	blocks, err := w.app.FindAllRecords(schema.AvailabilityBlocks, dbx.HashExp{schema.AvailabilityOffer: offer})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		spans = append(spans, exchanges.Span{Start: b.GetDateTime(schema.AvailabilityStart).Time(), End: b.GetDateTime(schema.AvailabilityEnd).Time()})
	}
	if len(spans) != 1 {
		t.Errorf("round %d: %d accepted exchanges and %d blocks hold the offer, want exactly one", round, len(booked), len(blocks))
	}
	for i := range spans {
		for j := i + 1; j < len(spans); j++ {
			if spans[i].Start.Before(spans[j].End) && spans[j].Start.Before(spans[i].End) {
				t.Errorf("round %d: %v and %v share days", round, spans[i], spans[j])
			}
		}
	}
}
