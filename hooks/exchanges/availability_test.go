package exchanges_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"peerbase/hooks/exchanges"
	"peerbase/hooks/schema"
	"peerbase/internal/testapp"
)

// paris is the fixture users' time zone (internal/testapp): blocks are
// whole days there.
var paris = mustLocation("Europe/Paris")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// day is midnight in Paris of a day of March 2027 (UTC+1: before summer time).
func day(d int) string {
	return time.Date(2027, time.March, d, 0, 0, 0, 0, paris).UTC().Format("2006-01-02 15:04:05.000Z")
}

func blockBody(offer, start, end string) map[string]any {
	return map[string]any{schema.AvailabilityOffer: offer, schema.AvailabilityStart: start, schema.AvailabilityEnd: end}
}

const blocksURL = "/api/collections/availability_blocks/records"

func availabilityURL(offer, query string) string {
	return "/api/peerbase/offers/" + offer + "/availability" + query
}

// TestAvailabilityBlocks: the owner of a lend or rent offer blocks whole
// days; requests and accepts must fall on free days; a block can't cover a
// booking.
func TestAvailabilityBlocks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rent := w.offer(schema.KindRent)
	sell := w.offer(schema.KindSell)
	// asked before the block below was made
	early := w.exchange(rent, "requester", day(11))
	w.exchange(rent, "other", day(20), schema.StateAccepted) // 20–23 March

	blockCount := func(want int) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, _ *tests.TestApp, _ *http.Response) {
			if n, err := w.app.CountRecords(schema.AvailabilityBlocks, dbx.HashExp{schema.AvailabilityOffer: rent}); err != nil || int(n) != want {
				t.Fatalf("%d blocks, want %d (%v)", n, want, err)
			}
		}
	}
	request := func(name, start, end string, status int, content ...string) tests.ApiScenario {
		return tests.ApiScenario{Name: name, Method: http.MethodPost, URL: "/api/collections/exchanges/records", Headers: w.as("requester"),
			Body: body(map[string]any{schema.ExchangeOffer: rent, schema.ExchangeRequester: ids["requester"],
				schema.ExchangeStart: start, schema.ExchangeEnd: end}),
			ExpectedStatus: status, ExpectedContent: content}
	}
	w.run(
		tests.ApiScenario{Name: "attack: a stranger blocks the owner's offer", Method: http.MethodPost, URL: blocksURL, Headers: w.as("requester"),
			Body: body(blockBody(rent, day(10), day(13))), ExpectedStatus: 400, AfterTestFunc: blockCount(0)},
		tests.ApiScenario{Name: "a block must be whole days of the owner's time zone", Method: http.MethodPost, URL: blocksURL, Headers: w.as("owner"),
			Body: body(blockBody(rent, "2027-03-10 00:00:00.000Z", day(13))), ExpectedStatus: 400,
			ExpectedContent: []string{`"start":{"code":"validation_not_whole_day"`, "Europe/Paris", day(10)}, AfterTestFunc: blockCount(0)},
		tests.ApiScenario{Name: "a block ends after it starts", Method: http.MethodPost, URL: blocksURL, Headers: w.as("owner"),
			Body: body(blockBody(rent, day(13), day(10))), ExpectedStatus: 400,
			ExpectedContent: []string{`"end":{"code":"validation_end_before_start"`}, AfterTestFunc: blockCount(0)},
		tests.ApiScenario{Name: "only lend and rent offers have availability", Method: http.MethodPost, URL: blocksURL, Headers: w.as("owner"),
			Body: body(blockBody(sell, day(10), day(13))), ExpectedStatus: 400,
			ExpectedContent: []string{`"offer":{"code":"validation_not_bookable"`}},
		tests.ApiScenario{Name: "the owner blocks 10–12 March", Method: http.MethodPost, URL: blocksURL, Headers: w.as("owner"),
			Body: body(blockBody(rent, day(10), day(13))), ExpectedStatus: 200, AfterTestFunc: blockCount(1)},
		tests.ApiScenario{Name: "attack: a block over a booking", Method: http.MethodPost, URL: blocksURL, Headers: w.as("owner"),
			Body: body(blockBody(rent, day(22), day(25))), ExpectedStatus: 400,
			ExpectedContent: []string{`"start":{"code":"validation_dates_booked"`}, AfterTestFunc: blockCount(1)},
		tests.ApiScenario{Name: "a block overlapping another is refused: change that one", Method: http.MethodPost, URL: blocksURL, Headers: w.as("owner"),
			Body: body(blockBody(rent, day(12), day(15))), ExpectedStatus: 400,
			ExpectedContent: []string{`"start":{"code":"validation_block_overlap"`}, AfterTestFunc: blockCount(1)},
		tests.ApiScenario{Name: "a block right after a booking (half-open days)", Method: http.MethodPost, URL: blocksURL, Headers: w.as("owner"),
			// the booking runs 20 March 00:00 Paris + 72 h = 23 March 00:00 Paris
			Body: body(blockBody(rent, day(23), day(24))), ExpectedStatus: 200, AfterTestFunc: blockCount(2)},
		request("attack: a request on blocked days", "2027-03-12 09:00:00.000Z", "2027-03-14 09:00:00.000Z", 400,
			`"start":{"code":"validation_dates_unavailable"`),
		request("a request touching a booked day", "2027-03-22 09:00:00.000Z", "2027-03-22 18:00:00.000Z", 400,
			`"start":{"code":"validation_double_booking"`),
		request("a request on free days", "2027-03-13 09:00:00.000Z", "2027-03-15 18:00:00.000Z", 200, `"state":"requested"`),
		tests.ApiScenario{Name: "attack: accepting a request made before the block", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, early),
			Headers: w.as("owner"), Body: body(map[string]any{schema.ExchangeState: schema.StateAccepted}), ExpectedStatus: 400,
			ExpectedContent: []string{`"start":{"code":"validation_dates_unavailable"`}},
	)
	var blockID string
	if b, err := w.app.FindFirstRecordByFilter(schema.AvailabilityBlocks, "start = {:s}", dbx.Params{"s": day(10)}); err == nil {
		blockID = b.Id
	} else {
		t.Fatal(err)
	}
	w.run(
		tests.ApiScenario{Name: "attack: a stranger moves the owner's block", Method: http.MethodPatch, URL: recordURL(schema.AvailabilityBlocks, blockID),
			Headers: w.as("requester"), Body: body(map[string]any{schema.AvailabilityEnd: day(11)}), ExpectedStatus: 404},
		tests.ApiScenario{Name: "attack: the owner moves a block onto a booking", Method: http.MethodPatch, URL: recordURL(schema.AvailabilityBlocks, blockID),
			Headers: w.as("owner"), Body: body(map[string]any{schema.AvailabilityStart: day(19), schema.AvailabilityEnd: day(21)}),
			ExpectedStatus: 400, ExpectedContent: []string{`"start":{"code":"validation_dates_booked"`}},
		tests.ApiScenario{Name: "attack: a stranger deletes the owner's block", Method: http.MethodDelete, URL: recordURL(schema.AvailabilityBlocks, blockID),
			Headers: w.as("requester"), ExpectedStatus: 404, AfterTestFunc: blockCount(2)},
		tests.ApiScenario{Name: "anyone who sees the offer reads its blocks: when, never why", Method: http.MethodGet,
			URL: blocksURL + "?filter=" + urlQuery("offer='"+rent+"'"), ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":2`, `"start":"` + day(10) + `"`}, NotExpectedContent: []string{"reason", "note"}},
		tests.ApiScenario{Name: "the owner shortens the block", Method: http.MethodPatch, URL: recordURL(schema.AvailabilityBlocks, blockID),
			Headers: w.as("owner"), Body: body(map[string]any{schema.AvailabilityEnd: day(11)}), ExpectedStatus: 200},
		tests.ApiScenario{Name: "and accepts the early request", Method: http.MethodPatch, URL: recordURL(schema.Exchanges, early),
			Headers: w.as("owner"), Body: body(map[string]any{schema.ExchangeState: schema.StateAccepted}), ExpectedStatus: 200},
	)
}

// TestAvailabilityRoute: busy ranges of bookings and blocks, merged, with
// neither names nor reasons; 404 for an offer the caller can't see, 400 for
// a bad range.
func TestAvailabilityRoute(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rent := w.offer(schema.KindRent)
	w.exchange(rent, "other", day(5), schema.StateAccepted)                                                // 5–8 March
	w.exchange(rent, "requester", day(15))                                                                 // a request: not busy
	w.exchange(rent, "requester", "2027-03-20 10:00:00.000Z", schema.StateAccepted, schema.StateCancelled) // no longer busy
	for _, b := range [][2]string{{day(8), day(10)}, {day(12), day(13)}} {
		if _, err := testapp.CreateRecord(w.app, schema.AvailabilityBlocks, blockBody(rent, b[0], b[1])); err != nil {
			t.Fatal(err)
		}
	}
	draft := w.offer(schema.KindLend)
	if _, err := testapp.CreateRecord(w.app, schema.AvailabilityBlocks, blockBody(draft, day(1), day(3))); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.DB().Update(schema.Offers, dbx.Params{schema.FieldStatus: schema.StatusDraft}, dbx.HashExp{"id": draft}).Execute(); err != nil {
		t.Fatal(err)
	}

	busyIs := func(want ...[2]string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, _ *tests.TestApp, res *http.Response) {
			var got struct {
				Busy []map[string]string `json:"busy"`
			}
			if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if len(got.Busy) != len(want) {
				t.Fatalf("busy %v, want %v", got.Busy, want)
			}
			for i, b := range got.Busy {
				if b["start"] != want[i][0] || b["end"] != want[i][1] || len(b) != 2 {
					t.Errorf("busy[%d] = %v, want %v", i, b, want[i])
				}
			}
		}
	}
	march := "?from=2027-03-01&to=2027-03-31"
	w.run(
		tests.ApiScenario{Name: "anyone sees the busy days of an active offer: the booking and the block next to it merged",
			Method: http.MethodGet, URL: availabilityURL(rent, march), ExpectedStatus: 200,
			NotExpectedContent: []string{ids["other"], ids["requester"], "reason", "state"},
			AfterTestFunc:      busyIs([2]string{day(5), day(10)}, [2]string{day(12), day(13)})},
		tests.ApiScenario{Name: "a window that starts inside a busy range: clipped to the window", Method: http.MethodGet,
			URL: availabilityURL(rent, "?from=2027-03-09&to=2027-03-12"), Headers: w.as("requester"), ExpectedStatus: 200,
			AfterTestFunc: busyIs([2]string{day(9), day(10)})},
		tests.ApiScenario{Name: "a window with nothing busy", Method: http.MethodGet,
			URL: availabilityURL(rent, "?from=2027-04-01&to=2027-04-30"), ExpectedStatus: 200, ExpectedContent: []string{`{"busy":[]}`}},
		tests.ApiScenario{Name: "attack: a draft offer's availability to a stranger", Method: http.MethodGet,
			URL: availabilityURL(draft, march), Headers: w.as("requester"), ExpectedStatus: 404},
		tests.ApiScenario{Name: "attack: nor its blocks", Method: http.MethodGet,
			URL: blocksURL + "?filter=" + urlQuery("offer='"+draft+"'"), Headers: w.as("requester"), ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":0`}},
		tests.ApiScenario{Name: "its owner lists its blocks", Method: http.MethodGet,
			URL: blocksURL + "?filter=" + urlQuery("offer='"+draft+"'"), Headers: w.as("owner"), ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":1`}},
		tests.ApiScenario{Name: "its owner sees it", Method: http.MethodGet,
			URL: availabilityURL(draft, march), Headers: w.as("owner"), ExpectedStatus: 200,
			AfterTestFunc: busyIs([2]string{day(1), day(3)})},
		tests.ApiScenario{Name: "an offer that doesn't exist", Method: http.MethodGet,
			URL: availabilityURL("nosuchoffer1234", march), ExpectedStatus: 404},
		tests.ApiScenario{Name: "a malformed from", Method: http.MethodGet,
			URL: availabilityURL(rent, "?from=tomorrow&to=2027-03-31"), ExpectedStatus: 400, ExpectedContent: []string{`"from":{"code":"validation_not_a_date"`}},
		tests.ApiScenario{Name: "a malformed to", Method: http.MethodGet,
			URL: availabilityURL(rent, "?from=2027-03-01&to=31/03/2027"), ExpectedStatus: 400, ExpectedContent: []string{`"to":{"code":"validation_not_a_date"`}},
		tests.ApiScenario{Name: "to before from", Method: http.MethodGet,
			URL: availabilityURL(rent, "?from=2027-03-31&to=2027-03-01"), ExpectedStatus: 400, ExpectedContent: []string{`"to":{"code":"validation_to_before_from"`}},
		tests.ApiScenario{Name: "a window too wide", Method: http.MethodGet,
			URL: availabilityURL(rent, "?from=2027-01-01&to=2029-01-01"), ExpectedStatus: 400, ExpectedContent: []string{`"to":{"code":"validation_range_too_wide"`}},
	)
}

// TestDayBounds: whole days of a time zone, across a change to summer time.
func TestDayBounds(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ in, floor, ceil string }{
		{"2027-03-10T09:00:00Z", "2027-03-09T23:00:00Z", "2027-03-10T23:00:00Z"},
		{"2027-03-09T23:00:00Z", "2027-03-09T23:00:00Z", "2027-03-09T23:00:00Z"},
		{"2027-03-09T22:59:59Z", "2027-03-08T23:00:00Z", "2027-03-09T23:00:00Z"},
		// 28 March 2027 has 23 hours in Paris
		{"2027-03-28T12:00:00Z", "2027-03-27T23:00:00Z", "2027-03-28T22:00:00Z"},
	} {
		in := utc(c.in)
		if got := exchanges.DayFloor(in, paris).UTC(); !got.Equal(utc(c.floor)) {
			t.Errorf("DayFloor(%s) = %s, want %s", c.in, got, c.floor)
		}
		if got := exchanges.DayCeil(in, paris).UTC(); !got.Equal(utc(c.ceil)) {
			t.Errorf("DayCeil(%s) = %s, want %s", c.in, got, c.ceil)
		}
	}
}

// TestMerge: overlapping and touching ranges join; the others stay apart.
func TestMerge(t *testing.T) {
	t.Parallel()
	d := func(n int) time.Time { return time.Date(2027, 1, n, 0, 0, 0, 0, time.UTC) }
	got := exchanges.Merge([]exchanges.Span{{Start: d(10), End: d(12)}, {Start: d(1), End: d(3)}, {Start: d(3), End: d(4)},
		{Start: d(2), End: d(3)}, {Start: d(11), End: d(15)}, {Start: d(20), End: d(21)}})
	want := []exchanges.Span{{Start: d(1), End: d(4)}, {Start: d(10), End: d(15)}, {Start: d(20), End: d(21)}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Merge = %v, want %v", got, want)
	}
}
