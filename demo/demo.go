// Package demo fills an empty data dir with demo data, so that a newcomer who
// runs `peerbase serve --demo` signs in to a living app: a handful of people
// around Lyon, offers of every kind with generated photos, wants, follows,
// threads with messages, an exchange request (and its system message) and a
// week a lend offer is not available. It never touches a data dir
// that already has users.
//
// Everything is written through app.Save, so the same model hooks run as for
// real data (thread owners, previews and unread counts, exchange history), and
// in one transaction, so a seed that fails leaves nothing behind. The photos
// and avatars are ordinary JPEGs drawn in Go from fixed seeds, so every run
// makes the same pictures and needs no network.
package demo

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// Password is the password of every demo account.
const Password = "demo-password-123"

// EmailDomain is the domain of the demo accounts' e-mails: a reserved
// (.local) name, so no mail to a demo account ever leaves the machine.
const EmailDomain = "demo.peerbase.local"

// Summary counts what Seed created and tells how to sign in.
type Summary struct {
	// Counts of the records created; Photos counts the offer photos.
	Users     int
	Offers    int
	Photos    int
	Wants     int
	Follows   int
	Threads   int
	Messages  int
	Exchanges int
	// Emails are the demo accounts' sign-in e-mails, all with Password.
	Emails []string
	// Password is the demo accounts' shared password.
	Password string
}

// String sums up the demo data in one line, sign-in details included.
func (s Summary) String() string {
	return fmt.Sprintf("%s, %s with %s, %s, %s, %s with %s, %s; sign in as any of %s with the password %q",
		plural(s.Users, "person", "people"), plural(s.Offers, "offer", "offers"), plural(s.Photos, "photo", "photos"),
		plural(s.Wants, "want", "wants"), plural(s.Follows, "follow", "follows"), plural(s.Threads, "thread", "threads"),
		plural(s.Messages, "message", "messages"), plural(s.Exchanges, "exchange", "exchanges"),
		strings.Join(s.Emails, ", "), s.Password)
}

// plural writes a count with the right form of its noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Register seeds the demo data when the server starts, if *enabled is true
// (read at serve time, after the flags are parsed) and the data dir has no
// users yet. OnServe runs after the migrations, so the schema is there. A
// failed seed fails the serve command.
func Register(app core.App, enabled *bool) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "peerbaseDemoSeed",
		Func: func(e *core.ServeEvent) error {
			if enabled == nil || !*enabled {
				return e.Next()
			}
			sum, seeded, err := SeedIfEmpty(e.App)
			if err != nil {
				return fmt.Errorf("failed to seed the demo data: %w", err)
			}
			if seeded {
				// the logger prints to the terminal only in dev mode: a
				// newcomer needs the sign-in right where they started it
				fmt.Printf("Demo data: %s\n", sum)
				e.App.Logger().Info("Seeded the demo data: "+sum.String(),
					"emails", strings.Join(sum.Emails, ", "), "password", sum.Password)
			} else {
				e.App.Logger().Info("Skipped the demo data: the data dir already has users")
			}
			return e.Next()
		},
	})
}

// SeedIfEmpty seeds the demo data if the users collection is empty, and
// tells whether it did. The emptiness check is repeated inside the seed's
// transaction, so two concurrent callers never both seed.
func SeedIfEmpty(app core.App) (Summary, bool, error) {
	if n, err := app.CountRecords(schema.Users); err != nil {
		return Summary{}, false, fmt.Errorf("failed to count users: %w", err)
	} else if n > 0 {
		return Summary{}, false, nil
	}
	return seed(app, true)
}

// Seed creates the demo data in one transaction, whatever the data dir
// already holds (the demo e-mails must be free). Most callers want
// SeedIfEmpty.
func Seed(app core.App) (Summary, error) {
	sum, _, err := seed(app, false)
	return sum, err
}

// seed draws the pictures (outside the transaction: it is CPU work that
// needs no lock) and then writes everything in one transaction, skipping the
// write when onlyIfEmpty and users exist by then.
func seed(app core.App, onlyIfEmpty bool) (Summary, bool, error) {
	pics, err := drawPictures()
	if err != nil {
		return Summary{}, false, err
	}

	var sum Summary
	seeded := false
	err = app.RunInTransaction(func(tx core.App) error {
		if onlyIfEmpty {
			n, err := tx.CountRecords(schema.Users)
			if err != nil {
				return fmt.Errorf("failed to count users: %w", err)
			}
			if n > 0 {
				return nil
			}
		}
		s := &seeder{
			app:        tx,
			now:        time.Now().UTC().Truncate(time.Second),
			pics:       pics,
			users:      map[string]*core.Record{},
			offers:     map[string]*core.Record{},
			threads:    map[string]*core.Record{},
			categories: map[string]string{},
			sum:        Summary{Password: Password},
		}
		steps := []struct {
			name string
			fn   func() error
		}{
			{"people", s.createPeople},
			{"offers", s.createOffers},
			{"wants", s.createWants},
			{"follows", s.createFollows},
			{"threads", s.createThreads},
			{"exchange", s.createExchange},
			{"availability block", s.createBlock},
		}
		for _, step := range steps {
			if err := step.fn(); err != nil {
				return fmt.Errorf("failed to create the demo %s: %w", step.name, err)
			}
		}
		sum, seeded = s.sum, true
		return nil
	})
	if err != nil {
		return Summary{}, false, err
	}
	return sum, seeded, nil
}

// pictures are the generated avatars (by handle) and offer photos (by offer
// key), drawn before the transaction starts.
type pictures struct {
	avatars map[string][]byte
	photos  map[string][][]byte
}

// drawPictures draws every avatar and photo on a bounded pool of one worker
// per CPU.
func drawPictures() (*pictures, error) {
	type job struct {
		dst  *[]byte
		draw func() ([]byte, error)
	}
	var jobs []job
	avatars := make([][]byte, len(people))
	for i, p := range people {
		jobs = append(jobs, job{&avatars[i], func() ([]byte, error) {
			return avatarJPEG(seedOf("avatar", p.handle), avatarSize)
		}})
	}
	pics := &pictures{avatars: map[string][]byte{}, photos: map[string][][]byte{}}
	for _, o := range offers {
		photos := make([][]byte, o.photos)
		pics.photos[o.key] = photos // filled in place by the workers
		for i := range photos {
			jobs = append(jobs, job{&photos[i], func() ([]byte, error) {
				return photoJPEG(seedOf("photo", o.key, strconv.Itoa(i)), photoWidth, photoHeight)
			}})
		}
	}

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next = make(chan job)
	)
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for j := range next {
				b, err := j.draw()
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					continue
				}
				*j.dst = b
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("failed to draw the demo pictures: %w", err)
	}
	for i, p := range people {
		pics.avatars[p.handle] = avatars[i]
	}
	return pics, nil
}

// seeder writes the demo data through one transaction's app and keeps the
// records it made, by their keys in data.go, for the records that point at
// them.
type seeder struct {
	app        core.App
	now        time.Time
	pics       *pictures
	users      map[string]*core.Record // by handle
	offers     map[string]*core.Record // by offer key
	threads    map[string]*core.Record // by threadKey
	categories map[string]string       // id by slug
	sum        Summary
}

func (s *seeder) createPeople() error {
	c, err := s.app.FindCollectionByNameOrId(schema.Users)
	if err != nil {
		return fmt.Errorf("failed to find the users collection: %w", err)
	}
	for _, p := range people {
		r := core.NewRecord(c)
		email := p.handle + "@" + EmailDomain
		r.SetEmail(email)
		r.SetPassword(Password)
		r.SetVerified(true)
		r.Set(schema.UserName, p.name)
		r.Set(schema.UserBio, p.bio)
		r.Set(schema.UserAccountType, p.accountType)
		r.Set(schema.UserLocale, p.locale)
		r.Set(schema.UserTimezone, p.timezone)
		r.Set(schema.FieldLocation, types.GeoPoint{Lon: p.lon, Lat: p.lat})
		if p.quietStart != "" {
			r.Set(schema.UserQuietStart, p.quietStart)
			r.Set(schema.UserQuietEnd, p.quietEnd)
		}
		avatar, err := filesystem.NewFileFromBytes(s.pics.avatars[p.handle], p.handle+".jpg")
		if err != nil {
			return fmt.Errorf("failed to attach the avatar of %s: %w", email, err)
		}
		r.Set(schema.UserAvatar, avatar)
		s.backdate(r, s.now.AddDate(0, 0, -p.joinedDaysAgo))
		if err := s.app.Save(r); err != nil {
			return fmt.Errorf("failed to save %s: %w", email, err)
		}
		s.users[p.handle] = r
		s.sum.Users++
		s.sum.Emails = append(s.sum.Emails, email)
	}
	return nil
}

func (s *seeder) createOffers() error {
	c, err := s.app.FindCollectionByNameOrId(schema.Offers)
	if err != nil {
		return fmt.Errorf("failed to find the offers collection: %w", err)
	}
	for _, o := range offers {
		owner, err := s.user(o.owner)
		if err != nil {
			return err
		}
		category, err := s.category(o.category)
		if err != nil {
			return err
		}
		r := core.NewRecord(c)
		r.Set(schema.FieldOwner, owner.Id)
		r.Set(schema.FieldKind, o.kind)
		r.Set(schema.FieldStatus, cmp.Or(o.status, schema.StatusActive))
		r.Set(schema.FieldCategory, category)
		r.Set(schema.OfferTitle, o.title)
		r.Set(schema.OfferDescription, o.description)
		r.Set(schema.OfferTags, o.tags)
		if o.unit != "" {
			r.Set(schema.OfferPrice, o.price)
			r.Set(schema.OfferCurrency, currencyEUR)
			r.Set(schema.OfferPriceUnit, o.unit)
		}
		r.Set(schema.OfferWantsInReturn, o.wantsInReturn)
		r.Set(schema.FieldLocation, near(owner.GetGeoPoint(schema.FieldLocation), o.key))
		posted := s.now.Add(-time.Duration(o.hoursAgo) * time.Hour)
		r.Set(schema.OfferExpiresAt, s.now.AddDate(0, 0, o.expiresInDays))
		s.backdate(r, posted)

		photos := make([]*filesystem.File, 0, len(s.pics.photos[o.key]))
		for i, b := range s.pics.photos[o.key] {
			f, err := filesystem.NewFileFromBytes(b, fmt.Sprintf("%s-%d.jpg", o.key, i+1))
			if err != nil {
				return fmt.Errorf("failed to attach photo %d of %q: %w", i+1, o.title, err)
			}
			photos = append(photos, f)
		}
		r.Set(schema.OfferPhotos, photos)

		if err := s.app.Save(r); err != nil {
			return fmt.Errorf("failed to save the offer %q: %w", o.title, err)
		}
		s.offers[o.key] = r
		s.sum.Offers++
		s.sum.Photos += len(photos)
	}
	return nil
}

func (s *seeder) createWants() error {
	c, err := s.app.FindCollectionByNameOrId(schema.Wants)
	if err != nil {
		return fmt.Errorf("failed to find the wants collection: %w", err)
	}
	for i, w := range wants {
		owner, err := s.user(w.owner)
		if err != nil {
			return err
		}
		category, err := s.category(w.category)
		if err != nil {
			return err
		}
		r := core.NewRecord(c)
		r.Set(schema.FieldOwner, owner.Id)
		r.Set(schema.WantQuery, w.query)
		r.Set(schema.FieldCategory, category)
		r.Set(schema.WantKinds, w.kinds)
		if w.maxPrice > 0 {
			r.Set(schema.WantMaxPrice, w.maxPrice)
			r.Set(schema.WantCurrency, "EUR")
		}
		if w.radiusKm > 0 {
			// public wants show their location: not the owner's front door
			r.Set(schema.FieldLocation, near(owner.GetGeoPoint(schema.FieldLocation), "want "+w.query))
			r.Set(schema.WantRadiusKm, w.radiusKm)
		}
		r.Set(schema.WantPublic, w.public)
		r.Set(schema.WantActive, true)
		r.Set(schema.WantAlert, w.alert)
		s.backdate(r, s.now.Add(-time.Duration(24*(i+1))*time.Hour))
		if err := s.app.Save(r); err != nil {
			return fmt.Errorf("failed to save the want %q: %w", w.query, err)
		}
		s.sum.Wants++
	}
	return nil
}

func (s *seeder) createFollows() error {
	c, err := s.app.FindCollectionByNameOrId(schema.Follows)
	if err != nil {
		return fmt.Errorf("failed to find the follows collection: %w", err)
	}
	for _, f := range follows {
		follower, err := s.user(f[0])
		if err != nil {
			return err
		}
		followee, err := s.user(f[1])
		if err != nil {
			return err
		}
		r := core.NewRecord(c)
		r.Set(schema.FollowFollower, follower.Id)
		r.Set(schema.FollowFollowee, followee.Id)
		if err := s.app.Save(r); err != nil {
			return fmt.Errorf("failed to save %s following %s: %w", f[0], f[1], err)
		}
		s.sum.Follows++
	}
	return nil
}

// createThreads opens each thread as its peer would and writes its messages
// one by one, oldest first, through app.Save: the threads hooks then keep
// each thread's preview, last message time and unread counts exactly as for
// real messages.
func (s *seeder) createThreads() error {
	threadsColl, err := s.app.FindCollectionByNameOrId(schema.Threads)
	if err != nil {
		return fmt.Errorf("failed to find the threads collection: %w", err)
	}
	messagesColl, err := s.app.FindCollectionByNameOrId(schema.Messages)
	if err != nil {
		return fmt.Errorf("failed to find the messages collection: %w", err)
	}
	for _, t := range threads {
		offer, ok := s.offers[t.offer]
		if !ok {
			return fmt.Errorf("unknown demo offer %q", t.offer)
		}
		peer, err := s.user(t.peer)
		if err != nil {
			return err
		}
		owner := offer.GetString(schema.FieldOwner)

		th := core.NewRecord(threadsColl)
		th.Set(schema.ThreadOffer, offer.Id)
		th.Set(schema.ThreadPeer, peer.Id)
		th.Set(schema.ThreadOwner, owner) // the threads hook sets the same; the seed stays right without it
		opened := s.now.Add(-time.Duration(t.hoursAgo) * time.Hour)
		s.backdate(th, opened)
		if err := s.app.Save(th); err != nil {
			return fmt.Errorf("failed to open the thread of %s on %q: %w", t.peer, t.offer, err)
		}
		s.threads[threadKey(t.offer, t.peer)] = th
		s.sum.Threads++

		for i, body := range t.messages {
			author := peer.Id
			if i%2 == 1 {
				author = owner
			}
			m := core.NewRecord(messagesColl)
			m.Set(schema.MessageThread, th.Id)
			m.Set(schema.MessageAuthor, author)
			m.Set(schema.MessageBody, body)
			s.backdate(m, opened.Add(time.Duration((i+1)*t.gapMinutes)*time.Minute))
			if err := s.app.Save(m); err != nil {
				return fmt.Errorf("failed to save message %d of the thread on %q: %w", i+1, t.offer, err)
			}
			s.sum.Messages++
		}
	}
	return nil
}

// createExchange makes the exchange request that follows its thread: the
// peer asked, the owner has not answered yet.
func (s *seeder) createExchange() error {
	c, err := s.app.FindCollectionByNameOrId(schema.Exchanges)
	if err != nil {
		return fmt.Errorf("failed to find the exchanges collection: %w", err)
	}
	offer, ok := s.offers[exchange.offer]
	if !ok {
		return fmt.Errorf("unknown demo offer %q", exchange.offer)
	}
	th, ok := s.threads[threadKey(exchange.offer, exchange.peer)]
	if !ok {
		return fmt.Errorf("no demo thread of %s on %q", exchange.peer, exchange.offer)
	}
	requester, err := s.user(exchange.peer)
	if err != nil {
		return err
	}
	start := s.now.AddDate(0, 0, exchange.startInDays)
	r := core.NewRecord(c)
	r.Set(schema.ExchangeOffer, offer.Id)
	r.Set(schema.ExchangeOwner, offer.GetString(schema.FieldOwner)) // hook-computed too; the seed stays right without it
	r.Set(schema.ExchangeRequester, requester.Id)
	r.Set(schema.ExchangeThread, th.Id)
	r.Set(schema.ExchangeState, schema.StateRequested)
	r.Set(schema.ExchangeStart, start)
	r.Set(schema.ExchangeEnd, s.now.AddDate(0, 0, exchange.endInDays))
	if exchange.agreedPrice > 0 {
		r.Set(schema.ExchangeAgreedPrice, exchange.agreedPrice)
	}
	// the hooks wrote last_message_at on the stored thread, not on th
	stored, err := s.app.FindRecordById(schema.Threads, th.Id)
	if err != nil {
		return fmt.Errorf("failed to reload the thread of the exchange: %w", err)
	}
	s.backdate(r, stored.GetDateTime(schema.ThreadLastMessageAt).Time().Add(5*time.Minute))
	if err := s.app.Save(r); err != nil {
		return fmt.Errorf("failed to save the exchange request on %q: %w", exchange.offer, err)
	}
	s.sum.Exchanges++
	// the request wrote its system message into the thread, dated now:
	// date it (and the thread's last message) with the request
	at := r.GetDateTime(schema.FieldCreated).String()
	if _, err := s.app.DB().Update(schema.Messages, dbx.Params{schema.FieldCreated: at, schema.FieldUpdated: at},
		dbx.HashExp{schema.MessageThread: th.Id, schema.MessageKind: schema.MessageKindSystem}).Execute(); err != nil {
		return fmt.Errorf("failed to date the request's system message: %w", err)
	}
	if _, err := s.app.DB().Update(schema.Threads, dbx.Params{schema.ThreadLastMessageAt: at, schema.ThreadPeerReadAt: at},
		dbx.HashExp{"id": th.Id}).Execute(); err != nil {
		return fmt.Errorf("failed to date the thread of the request: %w", err)
	}
	s.sum.Messages++
	return nil
}

// createBlock blocks whole days of a lend offer, midnights in its owner's
// time zone as the availability hooks require.
func (s *seeder) createBlock() error {
	c, err := s.app.FindCollectionByNameOrId(schema.AvailabilityBlocks)
	if err != nil {
		return fmt.Errorf("failed to find the availability blocks collection: %w", err)
	}
	offer, ok := s.offers[block.offer]
	if !ok {
		return fmt.Errorf("unknown demo offer %q", block.offer)
	}
	owner, err := s.app.FindRecordById(schema.Users, offer.GetString(schema.FieldOwner))
	if err != nil {
		return fmt.Errorf("failed to load the owner of %q: %w", block.offer, err)
	}
	loc, err := time.LoadLocation(owner.GetString(schema.UserTimezone))
	if err != nil {
		return fmt.Errorf("failed to load the time zone of the owner of %q: %w", block.offer, err)
	}
	today := s.now.In(loc)
	midnight := func(days int) time.Time {
		return time.Date(today.Year(), today.Month(), today.Day()+days, 0, 0, 0, 0, loc).UTC()
	}
	r := core.NewRecord(c)
	r.Set(schema.AvailabilityOffer, offer.Id)
	r.Set(schema.AvailabilityStart, midnight(block.startInDays))
	r.Set(schema.AvailabilityEnd, midnight(block.endInDays))
	if err := s.app.Save(r); err != nil {
		return fmt.Errorf("failed to block days of %q: %w", block.offer, err)
	}
	return nil
}

// user returns the demo user with the given handle.
func (s *seeder) user(handle string) (*core.Record, error) {
	if u, ok := s.users[handle]; ok {
		return u, nil
	}
	return nil, fmt.Errorf("unknown demo person %q", handle)
}

// category returns the id of the category with the given slug, which the
// seed-categories migration created.
func (s *seeder) category(slug string) (string, error) {
	if id, ok := s.categories[slug]; ok {
		return id, nil
	}
	r, err := s.app.FindFirstRecordByData(schema.Categories, schema.CategorySlug, slug)
	if err != nil {
		return "", fmt.Errorf("failed to find the category %q: %w", slug, err)
	}
	s.categories[slug] = r.Id
	return r.Id, nil
}

// backdate sets a new record's created and updated times, so the demo has a
// history (people who joined weeks ago, offers of different ages, messages
// minutes apart) instead of everything dated the second the seed ran. The
// autodate fields keep a time set with SetRaw.
func (s *seeder) backdate(r *core.Record, t time.Time) {
	if t.After(s.now) {
		t = s.now
	}
	dt, _ := types.ParseDateTime(t) // a time.Time always parses
	r.SetRaw(schema.FieldCreated, dt)
	r.SetRaw(schema.FieldUpdated, dt)
}

// threadKey names a demo thread by its offer key and peer handle.
func threadKey(offer, peer string) string { return offer + "/" + peer }

// near returns a point a few hundred metres from p, the same for the same
// key: an offer or a want is near its owner's home but does not give it
// away (a user's own location is private).
func near(p types.GeoPoint, key string) types.GeoPoint {
	rng := rand.New(rand.NewPCG(seedOf("location", key), pcgIncrement))
	return types.GeoPoint{
		Lon: p.Lon + (rng.Float64()-0.5)*0.016, // ±0.008° ≈ ±620 m at 45.7°N
		Lat: p.Lat + (rng.Float64()-0.5)*0.012, // ±0.006° ≈ ±670 m
	}
}
