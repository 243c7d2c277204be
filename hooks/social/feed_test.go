package social_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
	"peerbase/hooks/social"
	"peerbase/internal/testapp"
)

func TestFeedCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := social.FeedCursor{Created: "2026-12-02 01:02:03.456Z", ID: "abc123def456ghi"}
	got, err := social.ParseFeedCursor(c.String())
	if err != nil || got != c {
		t.Fatalf("ParseFeedCursor(String()) = %v, %v; want %v", got, err, c)
	}
	for _, bad := range []string{"", "!!!", "bm9waXBl", "fA"} {
		if _, err := social.ParseFeedCursor(bad); err == nil {
			t.Errorf("ParseFeedCursor(%q) accepted", bad)
		}
	}
}

// TestFeedPagesWhileOffersAreInserted pages through ana's feed while the
// people she follows (and one she doesn't) keep publishing: every offer
// visible at the start comes exactly once, newest first; drafts, hidden
// offers and the offers of people she doesn't follow never come.
func TestFeedPagesWhileOffersAreInserted(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.follow(t, "ana", "ben")
	s.follow(t, "ana", "cleo")

	visible := map[string]bool{}
	never := map[string]bool{}
	for i := range 7 {
		visible[s.offer(t, "ben", fmt.Sprintf("Ben's thing %d", i), schema.StatusActive, nil)] = true
	}
	for i := range 5 {
		visible[s.offer(t, "cleo", fmt.Sprintf("Cleo's thing %d", i), schema.StatusActive, nil)] = true
	}
	visible[s.offer(t, "ben", "Ben's sold thing", schema.StatusClosed, nil)] = true
	never[s.offer(t, "ben", "Ben's draft", schema.StatusDraft, nil)] = true
	hidden := s.offer(t, "cleo", "Cleo's moderated thing", schema.StatusActive, nil)
	s.must(t, 200, adminToken, http.MethodPatch, "/api/collections/offers/records/"+hidden, map[string]any{schema.FieldStatus: schema.StatusHidden})
	delete(visible, hidden)
	never[hidden] = true
	for i := range 3 {
		never[s.offer(t, "dan", fmt.Sprintf("Dan's thing %d", i), schema.StatusActive, nil)] = true
	}

	seen := map[string]int{}
	inserted := map[string]bool{}
	var lastCreated, lastID string
	after := ""
	for page := 0; ; page++ {
		if page > 20 {
			t.Fatal("the feed never ends")
		}
		path := "/api/peerbase/following?limit=4&expand=owner"
		if after != "" {
			path += "&after=" + after
		}
		out := s.must(t, 200, tokens["ana"], http.MethodGet, path, nil)
		items, _ := out["items"].([]any)
		for _, it := range items {
			m := it.(map[string]any)
			id, created := m["id"].(string), m["created"].(string)
			seen[id]++
			if lastCreated != "" && (created > lastCreated || (created == lastCreated && id > lastID)) {
				t.Errorf("page %d: %s (%s) after %s (%s): not newest first", page, id, created, lastID, lastCreated)
			}
			lastCreated, lastID = created, id
			owner, _ := m["expand"].(map[string]any)["owner"].(map[string]any)
			if owner["id"] != m[schema.FieldOwner] {
				t.Errorf("item %s: expand=owner gave %v", id, owner)
			}
		}
		// others publish between the pages
		inserted[s.offer(t, "ben", fmt.Sprintf("Ben's newer thing %d", page), schema.StatusActive, nil)] = true
		inserted[s.offer(t, "cleo", fmt.Sprintf("Cleo's newer thing %d", page), schema.StatusActive, nil)] = true
		never[s.offer(t, "dan", fmt.Sprintf("Dan's newer thing %d", page), schema.StatusActive, nil)] = true
		next, _ := out["next"].(string)
		if next == "" {
			break
		}
		if len(items) != 4 {
			t.Fatalf("page %d: %d items and a next cursor", page, len(items))
		}
		after = next
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("offer %s came %d times", id, n)
		}
		if never[id] {
			t.Errorf("offer %s should never be in ana's feed", id)
		}
		if !visible[id] && !inserted[id] {
			t.Errorf("offer %s came from nowhere", id)
		}
	}
	for id := range visible {
		if seen[id] != 1 {
			t.Errorf("offer %s, visible from the start, came %d times", id, seen[id])
		}
	}

	// a fresh first page starts with the newest offers, those published
	// while paging included
	out := s.must(t, 200, tokens["ana"], http.MethodGet, "/api/peerbase/following?limit=100", nil)
	got := idsOf(out)
	if len(got) != len(visible)+len(inserted) || out["next"] != "" {
		t.Fatalf("the whole feed has %d items (next %q), want %d", len(got), out["next"], len(visible)+len(inserted))
	}
	for id := range inserted {
		if !slices.Contains(got, id) {
			t.Errorf("offer %s, published while paging, is not in the fresh feed", id)
		}
	}
}

func TestFeedRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.follow(t, "ana", "ben")
	s.offer(t, "ben", "Ben's thing", schema.StatusActive, nil)

	if status, _ := s.do(t, "", http.MethodGet, "/api/peerbase/following", nil); status != 401 {
		t.Errorf("anonymous: %d, want 401", status)
	}
	for q, field := range map[string]string{"limit=0": "limit", "limit=101": "limit", "limit=x": "limit", "after=garbage": "after",
		"after=" + social.FeedCursor{Created: "x"}.String(): "after"} {
		status, out := s.do(t, tokens["ana"], http.MethodGet, "/api/peerbase/following?"+q, nil)
		if status != 400 || fieldCode(out, field) == "" {
			t.Errorf("?%s: %d %v, want a 400 naming %s", q, status, out, field)
		}
	}
	// someone who follows nobody, or only people without offers, gets an empty page
	for _, who := range []string{"ben", "cleo"} {
		out := s.must(t, 200, tokens[who], http.MethodGet, "/api/peerbase/following", nil)
		if len(idsOf(out)) != 0 || out["next"] != "" {
			t.Errorf("%s's feed: %v, want empty", who, out)
		}
	}
	// the feed is the caller's own: ana's token sees ben's offer, ben's doesn't
	if got := idsOf(s.must(t, 200, tokens["ana"], http.MethodGet, "/api/peerbase/following", nil)); len(got) != 1 {
		t.Errorf("ana's feed: %v, want ben's offer", got)
	}
}

// TestFollowersToldOfNewOffers: publishing an offer tells the owner's
// followers once, through the notification centre; nobody else hears.
func TestFollowersToldOfNewOffers(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.follow(t, "ben", "ana")
	s.follow(t, "cleo", "ana")
	s.follow(t, "ana", "dan")

	active := s.offer(t, "ana", "Tent for four", schema.StatusActive, nil)
	draft := s.offer(t, "ana", "Camping stove", schema.StatusDraft, nil)
	for _, who := range []string{"ben", "cleo"} {
		eventually(t, who+"'s notification", func() bool { return len(notifications(t, s.app, who, schema.NotifyFollow)) == 1 })
		n := notifications(t, s.app, who, schema.NotifyFollow)[0]
		data := map[string]any{}
		if err := n.UnmarshalJSONField(schema.NotificationData, &data); err != nil {
			t.Fatal(err)
		}
		if data["offer"] != active || n.GetString(schema.NotificationLink) != "/offers/"+active ||
			n.GetString(schema.NotificationTitle) != "New from ana" {
			t.Errorf("%s was told %v / %q / %v", who, data, n.GetString(schema.NotificationLink), n.GetString(schema.NotificationTitle))
		}
	}
	// the notification is ben's through the API, and nobody else's
	out := s.must(t, 200, tokens["ben"], http.MethodGet, "/api/collections/notifications/records?filter=type='follow'", nil)
	if len(idsOf(out)) != 1 {
		t.Errorf("ben lists %v", out)
	}
	out = s.must(t, 200, tokens["cleo"], http.MethodGet, "/api/collections/notifications/records?filter=user='"+ids["ben"]+"'", nil)
	if len(idsOf(out)) != 0 {
		t.Errorf("cleo lists ben's notifications: %v", out)
	}

	// the draft is published later: told then, once; going back to draft
	// and publishing again tells nobody again
	s.must(t, 200, tokens["ana"], http.MethodPatch, "/api/collections/offers/records/"+draft, map[string]any{schema.FieldStatus: schema.StatusActive})
	eventually(t, "the published draft's notification", func() bool { return len(notifications(t, s.app, "ben", schema.NotifyFollow)) == 2 })
	s.must(t, 200, tokens["ana"], http.MethodPatch, "/api/collections/offers/records/"+draft, map[string]any{schema.FieldStatus: schema.StatusDraft})
	s.must(t, 200, tokens["ana"], http.MethodPatch, "/api/collections/offers/records/"+draft, map[string]any{schema.FieldStatus: schema.StatusActive})
	// a marker: an offer published after it is told after it (one worker, in order)
	s.offer(t, "ana", "Lantern", schema.StatusActive, nil)
	eventually(t, "the marker's notification", func() bool { return len(notifications(t, s.app, "ben", schema.NotifyFollow)) >= 3 })
	if n := len(notifications(t, s.app, "ben", schema.NotifyFollow)); n != 3 {
		t.Errorf("ben has %d follow notifications, want 3 (tent, stove once, lantern)", n)
	}
	if n := len(notifications(t, s.app, "dan", schema.NotifyFollow)); n != 0 {
		t.Errorf("dan, whom ana follows (not the other way), was told %d times", n)
	}
	if n := len(notifications(t, s.app, "ana", schema.NotifyFollow)); n != 0 {
		t.Errorf("ana was told of her own offers %d times", n)
	}
	if n := count(t, s.app, schema.Offers, "id != ''", nil); n != 3 {
		t.Fatalf("%d offers", n)
	}
}

// TestFollowJobsSurviveUntilDone: the job of telling followers is written
// with the offer and stays until every follower, page by page, was told;
// a server started later finishes what an earlier one left.
func TestFollowJobsSurviveUntilDone(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	for _, who := range []string{"ben", "cleo", "dan"} {
		if _, err := testapp.CreateRecord(app, schema.Follows, map[string]any{
			schema.FollowFollower: ids[who], schema.FollowFollowee: ids["ana"]}); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := testapp.CreateRecord(app, schema.Offers, map[string]any{schema.FieldOwner: ids["ana"],
		schema.OfferTitle: "Kayak", schema.FieldKind: schema.KindLend, schema.FieldStatus: schema.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	pending := func() int {
		var n int
		if err := app.DB().Select("COUNT(*)").From(schema.FollowJobsTable).Row(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if pending() != 1 {
		t.Fatalf("%d follow jobs after a new active offer, want 1", pending())
	}
	if err := social.TellFollowers(app, offer.Id, 2); err != nil { // two pages
		t.Fatal(err)
	}
	for _, who := range []string{"ben", "cleo", "dan"} {
		if n := len(notifications(t, app, who, schema.NotifyFollow)); n != 1 {
			t.Errorf("%s told %d times, want 1", who, n)
		}
	}
	if pending() != 0 {
		t.Fatalf("the job is left after it was done")
	}

	// a job left by a crash is resumed when the server starts
	if _, err := app.DB().Insert(schema.FollowJobsTable, dbx.Params{"offer": offer.Id, "created": "2026-01-01 00:00:00.000Z"}).Execute(); err != nil {
		t.Fatal(err)
	}
	app.Settings().RateLimits.Enabled = false
	srv := httptest.NewServer(testapp.Handler(t, app))
	defer srv.Close()
	eventually(t, "the resumed job", func() bool { return pending() == 0 })
	if n := len(notifications(t, app, "ben", schema.NotifyFollow)); n != 2 {
		t.Errorf("ben told %d times after the resumed job, want 2", n)
	}
}

// TestFeedPlans: both of the feed's queries read their index alone
// (covering), in range, and the window needs no sort (it stops once the
// page is full).
func TestFeedPlans(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	plans, err := social.FeedPlans(app)
	if err != nil {
		t.Fatal(err)
	}
	window, below := strings.Join(plans["window"], " | "), strings.Join(plans["below"], " | ")
	if !strings.Contains(window, "COVERING INDEX idx_offers_recent (") || strings.Contains(window, "TEMP B-TREE") {
		t.Errorf("the window's plan: %s", window)
	}
	if !strings.Contains(below, "COVERING INDEX idx_offers_feed (owner=? AND (created,id)<(?,?))") ||
		!strings.Contains(below, "COVERING INDEX idx_follows_pair (follower=?)") {
		t.Errorf("the plan below the window: %s", below)
	}
}

// TestFeedBothPlansAgree pages through feeds with windows from 1 offer
// (every page read below the window) to all of them, and compares each
// with the newest-first list of the followed people's visible offers.
func TestFeedBothPlansAgree(t *testing.T) {
	t.Parallel()
	app := testapp.FromTemplate(t, template)
	rng := rand.New(rand.NewPCG(3, 5))
	people := []string{ids["ben"], ids["cleo"], ids["dan"], ids["eve"]}
	statuses := schema.OfferStatuses
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range 240 {
		// few distinct times: many offers share one, ordered by id
		created := base.Add(time.Duration(rng.IntN(60)) * time.Minute).Format(types.DefaultDateLayout)
		if _, err := app.DB().Insert(schema.Offers, dbx.Params{"id": fmt.Sprintf("offer%010d", rng.IntN(1e9)),
			schema.FieldOwner: people[rng.IntN(len(people))], schema.OfferTitle: fmt.Sprintf("Thing %d", i), schema.FieldKind: schema.KindGive,
			schema.FieldStatus: statuses[rng.IntN(len(statuses))], "created": created, "updated": created}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []string{"ben", "dan"} {
		if _, err := testapp.CreateRecord(app, schema.Follows, map[string]any{schema.FollowFollower: ids["ana"], schema.FollowFollowee: ids[who]}); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	err := app.DB().Select("id").From(schema.Offers).
		Where(dbx.In(schema.FieldOwner, ids["ben"], ids["dan"])).
		AndWhere(dbx.NotIn(schema.FieldStatus, schema.StatusDraft, schema.StatusHidden)).
		OrderBy("created DESC", "id DESC").Column(&want)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 60 {
		t.Fatalf("only %d offers in the feed: a weak test", len(want))
	}
	for _, window := range []int{1, 2, 7, 30, 1000} {
		for _, limit := range []int{1, 5, 20} {
			var got []string
			var after *social.FeedCursor
			for range 1000 {
				page, next, err := social.FeedWith(app, ids["ana"], after, limit, window)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page...)
				if next == "" {
					break
				}
				c, err := social.ParseFeedCursor(next)
				if err != nil {
					t.Fatal(err)
				}
				after = &c
			}
			if !slices.Equal(got, want) {
				t.Errorf("window %d, pages of %d: %d offers, want %d\ngot  %v\nwant %v", window, limit, len(got), len(want), got, want)
			}
		}
	}
}
