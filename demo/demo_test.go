package demo_test

import (
	"errors"
	"image/jpeg"
	"io/fs"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/demo"
	"peerbase/hooks"
	"peerbase/hooks/schema"
	threadhooks "peerbase/hooks/threads"
	_ "peerbase/pb_migrations"
)

// lyon is the centre the demo people live around.
var lyon = types.GeoPoint{Lon: 4.84, Lat: 45.76}

// seededCollections are the collections the demo fills; all but users start
// empty after the migrations.
var seededCollections = []string{schema.Users, schema.Offers, schema.Wants, schema.Follows,
	schema.Threads, schema.Messages, schema.Exchanges}

// setupTestApp is a test app on real SQLite with Peerbase's migrations and
// hooks. The caller defers app.Cleanup().
func setupTestApp(t *testing.T) *tests.TestApp {
	t.Helper()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatalf("failed to create the test app: %v", err)
	}
	if err := hooks.Register(app, hooks.DefaultConfig()); err != nil {
		app.Cleanup()
		t.Fatalf("failed to register the hooks: %v", err)
	}
	return app
}

// serve runs the app's OnServe hooks as `peerbase serve` would, without
// listening.
func serve(t *testing.T, app core.App) error {
	t.Helper()
	r, err := apis.NewRouter(app)
	if err != nil {
		t.Fatalf("failed to create the router: %v", err)
	}
	return app.OnServe().Trigger(&core.ServeEvent{App: app, Router: r}, func(e *core.ServeEvent) error { return nil })
}

// counts counts the records of every seeded collection.
func counts(t *testing.T, app core.App) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, c := range seededCollections {
		n, err := app.CountRecords(c)
		if err != nil {
			t.Fatalf("failed to count %s: %v", c, err)
		}
		out[c] = int(n)
	}
	return out
}

func TestSeed(t *testing.T) {
	t.Parallel()
	app := setupTestApp(t)
	defer app.Cleanup()

	start := time.Now()
	sum, err := demo.Seed(app)
	if err != nil {
		t.Fatalf("Seed failed: %v", err)
	}
	t.Logf("seeded in %v: %s", time.Since(start).Round(time.Millisecond), sum)

	got := counts(t, app)
	want := map[string]int{
		schema.Users: sum.Users, schema.Offers: sum.Offers, schema.Wants: sum.Wants, schema.Follows: sum.Follows,
		schema.Threads: sum.Threads, schema.Messages: sum.Messages, schema.Exchanges: sum.Exchanges,
	}
	for c, n := range want {
		if got[c] != n {
			t.Errorf("%s: %d in the database, the summary says %d", c, got[c], n)
		}
	}
	for c, atLeast := range map[string]int{
		schema.Users: 6, schema.Offers: 20, schema.Wants: 5, schema.Follows: 2,
		schema.Threads: 4, schema.Messages: 8, schema.Exchanges: 1,
	} {
		if got[c] < atLeast {
			t.Errorf("%s: %d seeded, want at least %d", c, got[c], atLeast)
		}
	}
	if sum.Password != demo.Password || !strings.Contains(sum.String(), demo.Password) {
		t.Errorf("the summary does not give the password: %s", sum)
	}

	fsys, err := app.NewFilesystem()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()

	users := checkUsers(t, app, fsys, sum)
	offers := checkOffers(t, app, fsys, users)
	checkThreads(t, app, offers)
	checkExchange(t, app)
	checkWants(t, app)
	checkBlock(t, app)
}

// checkBlock: one availability block, on a lend or rent offer, of whole
// days in its owner's time zone, in the future.
func checkBlock(t *testing.T, app core.App) {
	t.Helper()
	blocks, err := app.FindAllRecords(schema.AvailabilityBlocks)
	if err != nil || len(blocks) != 1 {
		t.Fatalf("%d availability blocks: %v", len(blocks), err)
	}
	b := blocks[0]
	offer, err := app.FindRecordById(schema.Offers, b.GetString(schema.AvailabilityOffer))
	if err != nil {
		t.Fatal(err)
	}
	if k := offer.GetString(schema.FieldKind); k != schema.KindLend && k != schema.KindRent {
		t.Errorf("block on a %s offer", k)
	}
	owner, err := app.FindRecordById(schema.Users, offer.GetString(schema.FieldOwner))
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation(owner.GetString(schema.UserTimezone))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{schema.AvailabilityStart, schema.AvailabilityEnd} {
		at := b.GetDateTime(f).Time().In(loc)
		if at.Hour() != 0 || at.Minute() != 0 || !at.After(time.Now()) {
			t.Errorf("block %s = %s, want a future midnight in %s", f, at, loc)
		}
	}
}

func checkUsers(t *testing.T, app core.App, fsys *filesystem.System, sum demo.Summary) map[string]*core.Record {
	t.Helper()
	users, err := app.FindAllRecords(schema.Users)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Emails) != len(users) {
		t.Errorf("the summary lists %d e-mails for %d users", len(sum.Emails), len(users))
	}
	byID := map[string]*core.Record{}
	accountTypes := map[string]bool{}
	for _, u := range users {
		byID[u.Id] = u
		email := u.Email()
		if !strings.HasSuffix(email, "@"+demo.EmailDomain) || !slices.Contains(sum.Emails, email) {
			t.Errorf("user %s is not a listed demo e-mail", email)
		}
		if !u.Verified() || !u.ValidatePassword(demo.Password) {
			t.Errorf("%s: verified=%v, or the demo password does not sign in", email, u.Verified())
		}
		for _, f := range []string{schema.UserName, schema.UserBio, schema.UserLocale, schema.UserTimezone} {
			if u.GetString(f) == "" {
				t.Errorf("%s has no %s", email, f)
			}
		}
		if _, err := time.LoadLocation(u.GetString(schema.UserTimezone)); err != nil {
			t.Errorf("%s: bad time zone: %v", email, err)
		}
		accountTypes[u.GetString(schema.UserAccountType)] = true
		if d := km(lyon, u.GetGeoPoint(schema.FieldLocation)); d > 5 {
			t.Errorf("%s lives %.1f km from Lyon's centre", email, d)
		}
		checkImages(t, fsys, u, schema.UserAvatar, 1)
		if !u.GetDateTime(schema.FieldCreated).Time().Before(time.Now().AddDate(0, 0, -7)) {
			t.Errorf("%s joined %v: the demo people should have joined weeks ago", email, u.GetDateTime(schema.FieldCreated))
		}
	}
	if !accountTypes[schema.AccountPerson] || !accountTypes[schema.AccountBusiness] {
		t.Errorf("account types seeded: %v, want both %s and %s", accountTypes, schema.AccountPerson, schema.AccountBusiness)
	}
	return byID
}

func checkOffers(t *testing.T, app core.App, fsys *filesystem.System, users map[string]*core.Record) map[string]*core.Record {
	t.Helper()
	offers, err := app.FindAllRecords(schema.Offers)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*core.Record{}
	activeKinds := map[string]int{}
	drafts := 0
	for _, o := range offers {
		byID[o.Id] = o
		title := o.GetString(schema.OfferTitle)
		owner, ok := users[o.GetString(schema.FieldOwner)]
		if !ok {
			t.Errorf("%q has no demo owner", title)
			continue
		}
		switch o.GetString(schema.FieldStatus) {
		case schema.StatusActive:
			activeKinds[o.GetString(schema.FieldKind)]++
			checkImages(t, fsys, o, schema.OfferPhotos, 1)
		case schema.StatusDraft:
			drafts++
		default:
			t.Errorf("%q has status %q", title, o.GetString(schema.FieldStatus))
		}
		if n := len(o.GetStringSlice(schema.OfferPhotos)); n < 1 || n > 3 {
			t.Errorf("%q has %d photos, want 1 to 3", title, n)
		}
		if _, err := app.FindRecordById(schema.Categories, o.GetString(schema.FieldCategory)); err != nil {
			t.Errorf("%q has no category: %v", title, err)
		}
		var tags []string
		if err := o.UnmarshalJSONField(schema.OfferTags, &tags); err != nil || len(tags) == 0 {
			t.Errorf("%q: tags %s are not a non-empty JSON list (%v)", title, o.GetString(schema.OfferTags), err)
		}
		if o.GetString(schema.OfferDescription) == "" {
			t.Errorf("%q has no description", title)
		}
		if o.GetString(schema.FieldKind) == schema.KindSwap && o.GetString(schema.OfferWantsInReturn) == "" {
			t.Errorf("swap %q does not say what it wants in return", title)
		}
		if o.GetFloat(schema.OfferPrice) > 0 && (o.GetString(schema.OfferCurrency) == "" || o.GetString(schema.OfferPriceUnit) == "") {
			t.Errorf("%q has a price without currency or unit", title)
		}
		if exp := o.GetDateTime(schema.OfferExpiresAt).Time(); !exp.After(time.Now().AddDate(0, 0, 7)) {
			t.Errorf("%q expires %v, want a few weeks ahead", title, exp)
		}
		if d := km(owner.GetGeoPoint(schema.FieldLocation), o.GetGeoPoint(schema.FieldLocation)); d > 1.5 {
			t.Errorf("%q is %.1f km from its owner", title, d)
		}
	}
	for _, k := range schema.OfferKinds {
		if activeKinds[k] == 0 {
			t.Errorf("no active %s offer", k)
		}
	}
	if drafts != 1 {
		t.Errorf("%d draft offers, want 1", drafts)
	}
	return byID
}

// checkImages checks that the record's file field holds at least atLeast
// files and that each one is stored and is a JPEG.
func checkImages(t *testing.T, fsys *filesystem.System, r *core.Record, field string, atLeast int) {
	t.Helper()
	names := r.GetStringSlice(field)
	if len(names) < atLeast {
		t.Errorf("%s %s: %d files in %s, want at least %d", r.Collection().Name, r.Id, len(names), field, atLeast)
	}
	for _, name := range names {
		key := r.BaseFilesPath() + "/" + name
		if ok, err := fsys.Exists(key); err != nil || !ok {
			t.Errorf("%s is not stored (exists=%v, err=%v)", key, ok, err)
			continue
		}
		rd, err := fsys.GetReader(key)
		if err != nil {
			t.Errorf("failed to open %s: %v", key, err)
			continue
		}
		cfg, err := jpeg.DecodeConfig(rd)
		rd.Close()
		if err != nil || cfg.Width < 256 || cfg.Height < 256 {
			t.Errorf("%s is not a JPEG of a useful size: %+v, %v", key, cfg, err)
		}
	}
}

// checkThreads checks that every thread has two participants who wrote in
// turn, and that the threads hooks kept its preview and unread counts.
func checkThreads(t *testing.T, app core.App, offers map[string]*core.Record) {
	t.Helper()
	threads, err := app.FindAllRecords(schema.Threads)
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range threads {
		offer, ok := offers[th.GetString(schema.ThreadOffer)]
		if !ok {
			t.Errorf("thread %s is on no demo offer", th.Id)
			continue
		}
		owner, peer := th.GetString(schema.ThreadOwner), th.GetString(schema.ThreadPeer)
		if owner != offer.GetString(schema.FieldOwner) || peer == "" || peer == owner {
			t.Errorf("thread %s: owner %q peer %q, offer owner %q", th.Id, owner, peer, offer.GetString(schema.FieldOwner))
		}
		msgs, err := app.FindRecordsByFilter(schema.Messages, schema.MessageThread+" = {:thread}", schema.FieldCreated, 0, 0,
			dbx.Params{"thread": th.Id})
		if err != nil {
			t.Fatal(err)
		}
		var people []*core.Record // the system message of a request comes last
		for _, m := range msgs {
			if m.GetString(schema.MessageKind) != schema.MessageKindSystem {
				people = append(people, m)
			}
		}
		if len(people) < 2 || len(people) > 5 {
			t.Errorf("thread %s has %d messages, want 2 to 5", th.Id, len(people))
			continue
		}
		for i, m := range people {
			wantAuthor := peer
			if i%2 == 1 {
				wantAuthor = owner
			}
			if m.GetString(schema.MessageAuthor) != wantAuthor {
				t.Errorf("thread %s message %d is by %s, want the participants in turn starting with the peer", th.Id, i, m.GetString(schema.MessageAuthor))
			}
			if i > 0 && !m.GetDateTime(schema.FieldCreated).After(people[i-1].GetDateTime(schema.FieldCreated)) {
				t.Errorf("thread %s message %d is not after the one before it", th.Id, i)
			}
		}

		last := msgs[len(msgs)-1]
		wantPreview := last.GetString(schema.MessageBody)
		if last.GetString(schema.MessageKind) == schema.MessageKindSystem {
			var ev threadhooks.Event
			if err := last.UnmarshalJSONField(schema.MessageEvent, &ev); err != nil || ev.To != schema.StateRequested {
				t.Errorf("thread %s ends with system message %v, want a request's", th.Id, last.Get(schema.MessageEvent))
			}
			wantPreview = threadhooks.SystemPreview(ev)
		}
		if got, want := th.GetString(schema.ThreadLastMessage), wantPreview; got != want {
			t.Errorf("thread %s last_message = %q, want %q", th.Id, got, want)
		}
		if got, want := th.GetDateTime(schema.ThreadLastMessageAt), last.GetDateTime(schema.FieldCreated); !got.Equal(want) {
			t.Errorf("thread %s last_message_at = %v, want %v", th.Id, got, want)
		}
		// the side that wrote last has read everything; the other has as
		// many unread messages as the last author wrote in a row
		trailing := 0
		for i := len(msgs) - 1; i >= 0 && msgs[i].GetString(schema.MessageAuthor) == last.GetString(schema.MessageAuthor); i-- {
			trailing++
		}
		wantOwner, wantPeer := trailing, 0
		if last.GetString(schema.MessageAuthor) == owner {
			wantOwner, wantPeer = 0, trailing
		}
		if got := th.GetInt(schema.ThreadOwnerUnread); got != wantOwner {
			t.Errorf("thread %s owner_unread = %d, want %d", th.Id, got, wantOwner)
		}
		if got := th.GetInt(schema.ThreadPeerUnread); got != wantPeer {
			t.Errorf("thread %s peer_unread = %d, want %d", th.Id, got, wantPeer)
		}
	}
}

func checkExchange(t *testing.T, app core.App) {
	t.Helper()
	exchanges, err := app.FindAllRecords(schema.Exchanges)
	if err != nil {
		t.Fatal(err)
	}
	requested := 0
	for _, x := range exchanges {
		if x.GetString(schema.ExchangeState) != schema.StateRequested {
			continue
		}
		requested++
		offer, err := app.FindRecordById(schema.Offers, x.GetString(schema.ExchangeOffer))
		if err != nil {
			t.Fatalf("exchange %s has no offer: %v", x.Id, err)
		}
		if x.GetString(schema.ExchangeOwner) != offer.GetString(schema.FieldOwner) ||
			x.GetString(schema.ExchangeRequester) == x.GetString(schema.ExchangeOwner) {
			t.Errorf("exchange %s: owner %s requester %s, offer owner %s", x.Id, x.GetString(schema.ExchangeOwner),
				x.GetString(schema.ExchangeRequester), offer.GetString(schema.FieldOwner))
		}
		// the request follows its thread's last message
		thread, err := app.FindRecordById(schema.Threads, x.GetString(schema.ExchangeThread))
		if err != nil {
			t.Fatalf("exchange %s has no thread: %v", x.Id, err)
		}
		// (its own system message, dated with it, is that last message)
		if created := x.GetDateTime(schema.FieldCreated); !created.Equal(thread.GetDateTime(schema.ThreadLastMessageAt)) {
			t.Errorf("exchange %s created %s, its thread's last message %s", x.Id, created, thread.GetDateTime(schema.ThreadLastMessageAt))
		}
	}
	if requested == 0 {
		t.Error("no exchange in state requested")
	}
}

func checkWants(t *testing.T, app core.App) {
	t.Helper()
	wants, err := app.FindAllRecords(schema.Wants)
	if err != nil {
		t.Fatal(err)
	}
	public, located := 0, 0
	alerts := map[string]bool{}
	for _, w := range wants {
		if w.GetBool(schema.WantPublic) {
			public++
		}
		if w.GetFloat(schema.WantRadiusKm) > 0 {
			located++
			if km(lyon, w.GetGeoPoint(schema.FieldLocation)) > 5 {
				t.Errorf("want %q has a radius but no location in Lyon", w.GetString(schema.WantQuery))
			}
		}
		if len(w.GetStringSlice(schema.WantKinds)) == 0 {
			t.Errorf("want %q has no kinds", w.GetString(schema.WantQuery))
		}
		alerts[w.GetString(schema.WantAlert)] = true
	}
	if public == 0 || public == len(wants) || located == 0 || len(alerts) < 2 {
		t.Errorf("wants: %d public of %d, %d with a location, alert modes %v: want a mix", public, len(wants), located, alerts)
	}
}

func TestSeedFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	app := setupTestApp(t)
	defer app.Cleanup()

	// the last step fails: everything before it must be rolled back,
	// photos and avatars included
	boom := errors.New("boom")
	app.OnRecordCreate(schema.Exchanges).BindFunc(func(e *core.RecordEvent) error { return boom })

	if _, err := demo.Seed(app); !errors.Is(err, boom) {
		t.Fatalf("Seed returned %v, want the failing hook's error", err)
	}
	for c, n := range counts(t, app) {
		if n != 0 {
			t.Errorf("%s: %d records left by a failed seed", c, n)
		}
	}
	var files []string
	err := filepath.WalkDir(filepath.Join(app.DataDir(), core.LocalStorageDirName), func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) > 0 {
		t.Errorf("a failed seed left %d files, e.g. %s", len(files), files[0])
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()

	t.Run("disabled does nothing", func(t *testing.T) {
		t.Parallel()
		app := setupTestApp(t)
		defer app.Cleanup()

		enabled := false
		demo.Register(app, &enabled)
		if err := serve(t, app); err != nil {
			t.Fatal(err)
		}
		for c, n := range counts(t, app) {
			if n != 0 {
				t.Errorf("%s: %d records without --demo", c, n)
			}
		}
	})

	t.Run("nil flag does nothing", func(t *testing.T) {
		t.Parallel()
		app := setupTestApp(t)
		defer app.Cleanup()

		demo.Register(app, nil)
		if err := serve(t, app); err != nil {
			t.Fatal(err)
		}
		if n := counts(t, app)[schema.Users]; n != 0 {
			t.Errorf("%d users without --demo", n)
		}
	})

	t.Run("a data dir with users is left alone", func(t *testing.T) {
		t.Parallel()
		app := setupTestApp(t)
		defer app.Cleanup()

		users, err := app.FindCollectionByNameOrId(schema.Users)
		if err != nil {
			t.Fatal(err)
		}
		someone := core.NewRecord(users)
		someone.SetEmail("someone@example.com")
		someone.SetPassword("a-real-password-123")
		if err := app.Save(someone); err != nil {
			t.Fatal(err)
		}
		before := counts(t, app)

		enabled := true
		demo.Register(app, &enabled)
		if err := serve(t, app); err != nil {
			t.Fatal(err)
		}
		if after := counts(t, app); !maps.Equal(before, after) {
			t.Errorf("counts changed from %v to %v", before, after)
		}
		if sum, seeded, err := demo.SeedIfEmpty(app); err != nil || seeded || sum.Users != 0 {
			t.Errorf("SeedIfEmpty = %v, %v, %v on a data dir with users", sum, seeded, err)
		}
	})

	t.Run("an empty data dir is seeded once", func(t *testing.T) {
		t.Parallel()
		app := setupTestApp(t)
		defer app.Cleanup()

		enabled := false
		demo.Register(app, &enabled)
		enabled = true // the flag is parsed after Register: it is read at serve time

		if err := serve(t, app); err != nil {
			t.Fatal(err)
		}
		first := counts(t, app)
		if first[schema.Users] == 0 || first[schema.Offers] == 0 || first[schema.Messages] == 0 {
			t.Fatalf("nothing seeded: %v", first)
		}

		// the next start of the same data dir
		if err := serve(t, app); err != nil {
			t.Fatal(err)
		}
		if again := counts(t, app); !maps.Equal(first, again) {
			t.Errorf("serving again changed the counts from %v to %v", first, again)
		}
	})
}

// km is the great-circle distance between two points.
func km(a, b types.GeoPoint) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}
