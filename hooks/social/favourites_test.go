package social_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
	"peerbase/hooks/social"
)

// favourite saves offer for who through the API.
func (s *server) favourite(t testing.TB, who, offer string) string {
	t.Helper()
	out := s.must(t, 200, tokens[who], http.MethodPost, "/api/collections/favourites/records",
		map[string]any{schema.FavouriteOwner: ids[who], schema.FavouriteOffer: offer})
	return out["id"].(string)
}

// TestFavouritesRules: a favourite is its person's alone, in lists, views,
// expand and filters; they save only what they can see, once; nobody but a
// superuser changes one; its person deletes it.
func TestFavouritesRules(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	offer := s.offer(t, "ana", "Canoe", schema.StatusActive, nil)
	anaDraft := s.offer(t, "ana", "Paddles", schema.StatusDraft, nil)
	fav := s.favourite(t, "ben", offer)
	const coll = "/api/collections/favourites/records"
	tok := func(who string) string {
		if who == "admin" {
			return adminToken
		}
		return tokens[who]
	}

	// list and view: anonymous, another user, the owner, a superuser
	for _, c := range []struct {
		who        string
		list, view int // items listed, view status
	}{{"", 0, 404}, {"cleo", 0, 404}, {"ana", 0, 404}, {"ben", 1, 200}, {"admin", 1, 200}} {
		out := s.must(t, 200, tok(c.who), http.MethodGet, coll, nil)
		if got := idsOf(out); len(got) != c.list {
			t.Errorf("list as %q: %v, want %d items", c.who, got, c.list)
		}
		if status, _ := s.do(t, tok(c.who), http.MethodGet, coll+"/"+fav, nil); status != c.view {
			t.Errorf("view as %q: %d, want %d", c.who, status, c.view)
		}
	}

	// expand: the owner's favourite expands its offer; nobody finds it by
	// expanding or filtering from the offer or from ben's profile
	out := s.must(t, 200, tokens["ben"], http.MethodGet, coll+"/"+fav+"?expand=offer,owner", nil)
	exp, _ := out["expand"].(map[string]any)
	if o, _ := exp["offer"].(map[string]any); o["id"] != offer {
		t.Errorf("ben's favourite ?expand=offer: %v", out)
	}
	for _, who := range []string{"", "cleo", "ana"} {
		out := s.must(t, 200, tok(who), http.MethodGet, "/api/collections/offers/records/"+offer+"?expand=favourites_via_offer", nil)
		if e, ok := out["expand"].(map[string]any); ok && e["favourites_via_offer"] != nil {
			t.Errorf("%q sees who saved ana's offer: %v", who, e)
		}
		out = s.must(t, 200, tok(who), http.MethodGet, "/api/collections/offers/records?filter="+
			urlQuery("favourites_via_offer.owner ?= '"+ids["ben"]+"'"), nil)
		if got := idsOf(out); len(got) != 0 {
			t.Errorf("%q finds ben's favourites with a filter: %v", who, got)
		}
	}
	if status, out := s.do(t, tokens["cleo"], http.MethodGet, "/api/collections/users/records/"+ids["ben"]+"?expand=favourites_via_owner", nil); status != 200 ||
		len(expandOf(out)) != 0 {
		t.Errorf("cleo expanding ben's favourites: %d %v", status, out)
	}

	// create
	for _, c := range []struct {
		name   string
		who    string
		body   map[string]any
		status int
	}{
		{"anonymous", "", map[string]any{schema.FavouriteOffer: offer}, 400},
		{"another user, for ben", "cleo", map[string]any{schema.FavouriteOwner: ids["ben"], schema.FavouriteOffer: offer}, 400},
		{"twice the same offer", "ben", map[string]any{schema.FavouriteOwner: ids["ben"], schema.FavouriteOffer: offer}, 400},
		{"someone else's draft", "ben", map[string]any{schema.FavouriteOwner: ids["ben"], schema.FavouriteOffer: anaDraft}, 400},
		{"an offer that doesn't exist", "ben", map[string]any{schema.FavouriteOwner: ids["ben"], schema.FavouriteOffer: "nosuchoffer0001"}, 400},
		{"with the hooks' field", "cleo", map[string]any{schema.FavouriteOwner: ids["cleo"], schema.FavouriteOffer: offer,
			schema.FavouriteClosingWarned: "2030-01-01 00:00:00.000Z"}, 400},
		{"with the hooks' field, empty", "cleo", map[string]any{schema.FavouriteOwner: ids["cleo"], schema.FavouriteOffer: offer,
			schema.FavouriteClosingWarned: ""}, 400},
		{"own favourite", "cleo", map[string]any{schema.FavouriteOwner: ids["cleo"], schema.FavouriteOffer: offer}, 200},
		{"own draft", "ana", map[string]any{schema.FavouriteOwner: ids["ana"], schema.FavouriteOffer: anaDraft}, 200},
		{"a superuser, for dan", "admin", map[string]any{schema.FavouriteOwner: ids["dan"], schema.FavouriteOffer: offer}, 200},
	} {
		if status, out := s.do(t, tok(c.who), http.MethodPost, coll, c.body); status != c.status {
			t.Errorf("create, %s: %d %v, want %d", c.name, status, out, c.status)
		}
	}
	if n := count(t, s.app, schema.Favourites, "owner = {:b}", dbx.Params{"b": ids["ben"]}); n != 1 {
		t.Errorf("ben has %d favourites, want 1", n)
	}

	// update: nobody but a superuser (there is nothing of theirs to change)
	for who, status := range map[string]int{"": 403, "cleo": 403, "ben": 403, "admin": 200} {
		body := map[string]any{schema.FavouriteOffer: anaDraft}
		if who == "admin" {
			body = map[string]any{schema.FavouriteOffer: offer}
		}
		if got, out := s.do(t, tok(who), http.MethodPatch, coll+"/"+fav, body); got != status {
			t.Errorf("update as %q: %d %v, want %d", who, got, out, status)
		}
	}
	if f, err := s.app.FindRecordById(schema.Favourites, fav); err != nil || f.GetString(schema.FavouriteOffer) != offer {
		t.Fatalf("ben's favourite moved: %v %v", f, err)
	}

	// delete: not anonymous, not another user; the owner and a superuser
	for _, who := range []string{"", "cleo", "ana"} {
		if status, _ := s.do(t, tok(who), http.MethodDelete, coll+"/"+fav, nil); status != 404 {
			t.Errorf("delete as %q: %d, want 404", who, status)
		}
	}
	s.must(t, 204, tokens["ben"], http.MethodDelete, coll+"/"+fav, nil)
	danFav, err := s.app.FindFirstRecordByFilter(schema.Favourites, "owner = {:d}", dbx.Params{"d": ids["dan"]})
	if err != nil {
		t.Fatal(err)
	}
	s.must(t, 204, adminToken, http.MethodDelete, coll+"/"+danFav.Id, nil)

	// a saved offer that moderation hides stays saved, but its person no
	// longer sees the offer through it
	s.must(t, 200, adminToken, http.MethodPatch, "/api/collections/offers/records/"+offer, map[string]any{schema.FieldStatus: schema.StatusHidden})
	out = s.must(t, 200, tokens["cleo"], http.MethodGet, coll+"?expand=offer", nil)
	items := out["items"].([]any)
	if len(items) != 1 || len(expandOf(items[0].(map[string]any))) != 0 {
		t.Errorf("cleo's favourites of a hidden offer: %v", out)
	}
}

// TestFavouriteNotices: the people who saved an offer hear when its price
// drops, when it is about to close (once per expiry) and when it closes;
// its owner doesn't, nor does anyone who didn't save it.
func TestFavouriteNotices(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	offer := s.offer(t, "ana", "Road bike", schema.StatusActive, map[string]any{schema.OfferPrice: 300})
	s.favourite(t, "ben", offer)
	s.favourite(t, "cleo", offer)
	s.favourite(t, "ana", offer) // her own: she is never told
	patch := func(body map[string]any) {
		s.must(t, 200, tokens["ana"], http.MethodPatch, "/api/collections/offers/records/"+offer, body)
	}
	told := func(who string) int { return len(notifications(t, s.app, who, schema.NotifyFavourite)) }

	patch(map[string]any{schema.OfferPrice: 350}) // up: nothing
	patch(map[string]any{schema.OfferTitle: "Road bike, 56 cm"})
	if told("ben") != 0 {
		t.Fatalf("ben told of a price rise or a new title")
	}
	patch(map[string]any{schema.OfferPrice: 250})
	for _, who := range []string{"ben", "cleo"} {
		if told(who) != 1 {
			t.Fatalf("%s told %d times of the price drop, want 1", who, told(who))
		}
	}
	n := notifications(t, s.app, "ben", schema.NotifyFavourite)[0]
	if n.GetString(schema.NotificationTitle) != "Price drop: Road bike, 56 cm" ||
		n.GetString(schema.NotificationText) != "Road bike, 56 cm now costs 250 EUR (was 350)." {
		t.Errorf("price drop told as %q / %q", n.GetString(schema.NotificationTitle), n.GetString(schema.NotificationText))
	}
	if told("ana") != 0 || told("dan") != 0 {
		t.Fatalf("the owner or a stranger was told")
	}

	// about to close: once per expiry; a renewed offer warns again
	now := time.Now()
	patch(map[string]any{schema.OfferExpiresAt: now.Add(10 * time.Hour).UTC().Format(types.DefaultDateLayout)})
	for range 2 {
		if _, err := social.WarnClosingSoon(s.app, 24*time.Hour, now); err != nil {
			t.Fatal(err)
		}
	}
	if told("ben") != 2 || told("cleo") != 2 || told("ana") != 0 {
		t.Fatalf("after the closing warning: ben %d, cleo %d, ana %d; want 2, 2, 0", told("ben"), told("cleo"), told("ana"))
	}
	patch(map[string]any{schema.OfferExpiresAt: now.Add(48 * time.Hour).UTC().Format(types.DefaultDateLayout)})
	if m, err := social.WarnClosingSoon(s.app, 24*time.Hour, now); err != nil || m != 0 {
		t.Fatalf("an offer two days from closing warned %d people (%v)", m, err)
	}
	if m, err := social.WarnClosingSoon(s.app, 24*time.Hour, now.Add(30*time.Hour)); err != nil || m != 2 {
		t.Fatalf("the renewed offer, a day from closing, warned %d people (%v), want 2", m, err)
	}

	// closes
	patch(map[string]any{schema.FieldStatus: schema.StatusClosed})
	if told("ben") != 4 || told("cleo") != 4 {
		t.Fatalf("after closing: ben %d, cleo %d; want 4", told("ben"), told("cleo"))
	}
	last := notifications(t, s.app, "cleo", schema.NotifyFavourite)[3]
	if last.GetString(schema.NotificationTitle) != "Closed: Road bike, 56 cm" {
		t.Errorf("closing told as %q", last.GetString(schema.NotificationTitle))
	}
	// a closed offer's price cut tells nobody
	patch(map[string]any{schema.OfferPrice: 10})
	if told("ben") != 4 {
		t.Fatalf("a closed offer's price cut was told")
	}
	if told("ana") != 0 || told("dan") != 0 {
		t.Fatalf("the owner or a stranger was told")
	}
}
