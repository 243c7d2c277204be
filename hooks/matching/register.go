// Package matching tells people the moment someone offers what they look
// for. An in-memory index of active wants (index.go) is built from the
// database when the server starts and kept in sync by model hooks on every
// write path of wants and categories. Saving an active offer writes a job
// row in the offer's own transaction; a bounded worker drains the jobs,
// probes the index (never scanning every want), and writes one `matches`
// record per want and offer for the want's owner, which realtime and push
// then deliver. Jobs survive a crash: pending ones are resumed at start.
// GET /api/peerbase/wants/{id}/offers answers a want with the offers that
// match it now, ranked.
package matching

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/notify"
	"peerbase/hooks/schema"
)

// Config configures the matching capability.
type Config struct {
	// Workers is how many offers are matched at once.
	Workers int
	// PollInterval is how often the worker looks for jobs nobody woke it
	// for: failed ones to retry, and those of another process.
	PollInterval time.Duration
	// MaxAttempts is how many times a failing job is tried before it is
	// left in match_jobs for an admin to look at.
	MaxAttempts int
	// RankBatch is how many candidate offers GET
	// /api/peerbase/wants/{id}/offers reads from the database at a time; it
	// reads batches until every candidate is ranked.
	RankBatch int
	// SwapRadiusKm is the farthest apart, in km, two offers handed over in
	// a swap may be (every leg of a cycle); an offer without a location is
	// never too far. 0: no limit.
	SwapRadiusKm float64
}

// DefaultConfig returns the matching defaults.
func DefaultConfig() Config {
	return Config{Workers: 2, PollInterval: 30 * time.Second, MaxAttempts: 10, RankBatch: 2000, SwapRadiusKm: DefaultSwapRadiusKm}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.Workers < 1 || c.PollInterval <= 0 || c.MaxAttempts < 1 || c.RankBatch < 1 {
		return fmt.Errorf("matching: Workers, PollInterval, MaxAttempts and RankBatch must be positive, got %+v", c)
	}
	if c.SwapRadiusKm < 0 {
		return fmt.Errorf("matching: SwapRadiusKm must be 0 (no limit) or more, got %v", c.SwapRadiusKm)
	}
	return nil
}

type service struct {
	app   core.App
	cfg   Config
	index *Index
	swaps *SwapIndex

	wake    chan struct{}
	mu      sync.Mutex
	stop    chan struct{}
	running sync.WaitGroup
}

// Register binds the matching hooks, worker and route.
func Register(app core.App, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	s := &service{app: app, cfg: cfg, index: NewIndex(), swaps: NewSwapIndex(), wake: make(chan struct{}, 1)}
	s.swaps.SetRadius(cfg.SwapRadiusKm)

	app.OnRecordValidate(schema.Wants).BindFunc(validateWant)
	app.OnRecordCreate(schema.Matches).BindFunc(notifyMatch)
	app.OnRecordAfterCreateSuccess(schema.Wants).BindFunc(s.syncWant)
	app.OnRecordAfterUpdateSuccess(schema.Wants).BindFunc(s.syncWant)
	app.OnRecordAfterDeleteSuccess(schema.Wants).BindFunc(func(e *core.RecordEvent) error {
		s.index.Remove(e.Record.Id)
		return e.Next()
	})
	app.OnRecordAfterCreateSuccess(schema.Categories).BindFunc(s.syncCategory)
	app.OnRecordAfterUpdateSuccess(schema.Categories).BindFunc(s.syncCategory)
	app.OnRecordAfterDeleteSuccess(schema.Categories).BindFunc(func(e *core.RecordEvent) error {
		s.index.SetCategoryParent(e.Record.Id, "")
		return e.Next()
	})

	app.OnRecordCreate(schema.Offers).Bind(&hook.Handler[*core.RecordEvent]{Id: "peerbaseMatchingOfferCreate", Func: s.enqueueOnSave})
	app.OnRecordUpdate(schema.Offers).Bind(&hook.Handler[*core.RecordEvent]{Id: "peerbaseMatchingOfferUpdate", Func: s.enqueueOnSave})
	app.OnRecordAfterCreateSuccess(schema.Offers).BindFunc(s.offerSaved)
	app.OnRecordAfterUpdateSuccess(schema.Offers).BindFunc(s.offerSaved)
	app.OnRecordAfterDeleteSuccess(schema.Offers).BindFunc(func(e *core.RecordEvent) error {
		s.swaps.Remove(e.Record.Id)
		return e.Next()
	})

	// OnServe, not OnBootstrap: the migrations have run by then
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "peerbaseMatchingStart",
		Func: func(se *core.ServeEvent) error {
			if err := s.load(); err != nil {
				return err
			}
			s.start()
			g := se.Router.Group("/api/peerbase")
			g.GET("/wants/{id}/offers", s.wantOffers).Bind(apis.RequireAuth(schema.Users))
			return se.Next()
		},
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		s.shutdown()
		return e.Next()
	})
	app.Cron().MustAdd("peerbaseMatchingCheck", "41 * * * *", func() {
		if err := s.repair(); err != nil {
			app.Logger().Error("matching: failed to check the want index", "error", err)
		}
	})
	return nil
}

// validateWant makes a price limit say its currency, on every write path.
func validateWant(e *core.RecordEvent) error {
	if e.Record.GetFloat(schema.WantMaxPrice) > 0 && e.Record.GetString(schema.WantCurrency) == "" {
		return validation.Errors{schema.WantCurrency: validation.NewError("validation_currency_required",
			"Say the currency of your price limit, e.g. EUR.")}
	}
	return e.Next()
}

func (s *service) syncWant(e *core.RecordEvent) error {
	if wantIsLive(e.Record) {
		s.index.Put(WantFromRecord(e.Record))
	} else {
		s.index.Remove(e.Record.Id)
	}
	return e.Next()
}

func (s *service) syncCategory(e *core.RecordEvent) error {
	s.index.SetCategoryParent(e.Record.Id, e.Record.GetString(schema.CategoryParent))
	return e.Next()
}

// load builds the indexes from the database.
func (s *service) load() error {
	x, err := Load(s.app)
	if err != nil {
		return err
	}
	s.index.replace(x)
	swaps, err := LoadSwaps(s.app)
	if err != nil {
		return err
	}
	s.swaps.replace(swaps)
	return nil
}

// LoadSwaps builds a swap index of the active swap offers in the database.
func LoadSwaps(app core.App) (*SwapIndex, error) {
	x := NewSwapIndex()
	var recs []*core.Record
	err := app.RecordQuery(schema.Offers).
		AndWhere(dbx.HashExp{schema.FieldStatus: schema.StatusActive, schema.FieldKind: schema.KindSwap}).All(&recs)
	if err != nil {
		return nil, fmt.Errorf("failed to load the swap offers: %w", err)
	}
	for _, r := range recs {
		x.Put(SwapOfferFromRecord(r))
	}
	return x, nil
}

// Load builds an index of the active wants in the database.
func Load(app core.App) (*Index, error) {
	x := NewIndex()
	cats, err := app.FindAllRecords(schema.Categories)
	if err != nil {
		return nil, fmt.Errorf("failed to load the categories: %w", err)
	}
	parents := map[string]string{}
	for _, c := range cats {
		if p := c.GetString(schema.CategoryParent); p != "" {
			parents[c.Id] = p
		}
	}
	x.SetCategories(parents)
	var wants []*Want
	const page = 5000
	for offset := 0; ; offset += page {
		var recs []*core.Record
		err := app.RecordQuery(schema.Wants).AndWhere(liveWants).
			OrderBy("rowid").Offset(int64(offset)).Limit(page).All(&recs)
		if err != nil {
			return nil, fmt.Errorf("failed to load the wants: %w", err)
		}
		for _, r := range recs {
			wants = append(wants, WantFromRecord(r))
		}
		if len(recs) < page {
			break
		}
	}
	x.Build(wants)
	return x, nil
}

// matchingFields are the offer fields whose change can make new matches.
var matchingFields = []string{schema.OfferTitle, schema.OfferDescription, schema.OfferTags, schema.FieldCategory,
	schema.FieldKind, schema.OfferPrice, schema.OfferCurrency, schema.OfferPriceUnit, schema.FieldLocation,
	schema.FieldStatus, schema.FieldOwner, schema.OfferWantsInReturn}

// enqueueOnSave writes a match job for an active offer that is new or
// changed in a way that matters, in the offer's own transaction: the job
// exists exactly when the saved offer does.
func (s *service) enqueueOnSave(e *core.RecordEvent) error {
	if !offerIsLive(e.Record) || (!e.Record.IsNew() && !changed(e.Record, matchingFields)) {
		return e.Next()
	}
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := e.Next(); err != nil {
			return err
		}
		return enqueue(tx, e.Record.Id)
	})
}

func changed(r *core.Record, fields []string) bool {
	orig := r.Original()
	for _, f := range fields {
		if fmt.Sprint(orig.Get(f)) != fmt.Sprint(r.Get(f)) {
			return true
		}
	}
	return false
}

// enqueue inserts the offer's job, or bumps its rev when one is pending (the
// worker then knows the offer changed while it was being matched).
func enqueue(app core.App, offerID string) error {
	now := types.NowDateTime().String()
	_, err := app.DB().NewQuery("INSERT INTO {{" + schema.MatchJobs + "}} (id, offer, rev, attempts, last_error, created, updated) " +
		"VALUES ({:id}, {:offer}, 1, 0, '', {:now}, {:now}) " +
		"ON CONFLICT(offer) DO UPDATE SET rev = rev + 1, attempts = 0, updated = {:now}").
		Bind(dbx.Params{"id": core.GenerateDefaultRandomId(), "offer": offerID, "now": now}).Execute()
	if err != nil {
		return fmt.Errorf("failed to queue the offer for matching: %w", err)
	}
	return nil
}

// offerSaved keeps the swap index in sync and wakes the worker, once the
// offer's transaction has committed.
func (s *service) offerSaved(e *core.RecordEvent) error {
	if isLiveSwap(e.Record) {
		s.swaps.Put(SwapOfferFromRecord(e.Record))
	} else {
		s.swaps.Remove(e.Record.Id)
	}
	s.kick()
	return e.Next()
}

// kick wakes the worker; a wake-up already pending is enough.
func (s *service) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *service) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		return
	}
	s.stop = make(chan struct{})
	s.running.Add(1)
	go s.run(s.stop)
	s.kick() // jobs left by a crash or a stop
}

func (s *service) shutdown() {
	s.mu.Lock()
	if s.stop != nil {
		close(s.stop)
		s.stop = nil
	}
	s.mu.Unlock()
	s.running.Wait()
}

func (s *service) run(stop chan struct{}) {
	defer s.running.Done()
	ticker := time.NewTicker(s.cfg.PollInterval)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-s.wake:
		case <-ticker.C:
		}
		if err := s.drain(stop); err != nil {
			s.app.Logger().Error("matching: failed to read the match jobs", "error", err)
		}
	}
}

type job struct {
	ID    string `db:"id"`
	Offer string `db:"offer"`
	Rev   int    `db:"rev"`
}

// drain processes the jobs pending when it started, Workers at a time;
// jobs that fail wait for the next poll.
func (s *service) drain(stop chan struct{}) error {
	since := types.NowDateTime().String()
	for {
		var jobs []job
		err := s.app.DB().Select("id", "offer", "rev").From(schema.MatchJobs).
			Where(dbx.NewExp("attempts < {:max} AND updated <= {:since}", dbx.Params{"max": s.cfg.MaxAttempts, "since": since})).
			OrderBy("updated").Limit(int64(s.cfg.Workers * 16)).All(&jobs)
		if err != nil || len(jobs) == 0 {
			return err
		}
		sem := make(chan struct{}, s.cfg.Workers)
		var wg sync.WaitGroup
		for _, j := range jobs {
			select {
			case <-stop:
				wg.Wait()
				return nil
			case sem <- struct{}{}:
			}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				s.runJob(j)
			}()
		}
		wg.Wait()
	}
}

// runJob matches one offer and deletes its job, unless the offer changed
// meanwhile (then the job stays, with its new rev, for another pass).
func (s *service) runJob(j job) {
	err := s.matchOffer(j.Offer)
	if err == nil {
		_, err = s.app.DB().Delete(schema.MatchJobs, dbx.HashExp{"id": j.ID, "rev": j.Rev}).Execute()
	}
	if err == nil {
		return
	}
	s.app.Logger().Error("matching: failed to match an offer", "offer", j.Offer, "error", err)
	msg := err.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	// updated moves: the job goes to the back of the queue and waits a poll
	_, uerr := s.app.DB().NewQuery("UPDATE {{" + schema.MatchJobs + "}} SET attempts = attempts + 1, last_error = {:err}, updated = {:now} WHERE id = {:id}").
		Bind(dbx.Params{"err": msg, "now": types.NowDateTime().String(), "id": j.ID}).Execute()
	if uerr != nil {
		s.app.Logger().Error("matching: failed to record a failed job", "offer", j.Offer, "error", uerr)
	}
}

// matchOffer writes a match for every want the offer newly matches.
func (s *service) matchOffer(offerID string) error {
	rec, err := s.app.FindRecordById(schema.Offers, offerID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted since: nothing to tell
	}
	if err != nil {
		return fmt.Errorf("failed to load the offer: %w", err)
	}
	if !offerIsLive(rec) {
		return nil
	}
	if rec.GetString(schema.FieldKind) == schema.KindSwap {
		if err := s.matchSwaps(rec); err != nil {
			return err
		}
	}
	o := OfferFromRecord(rec)
	ids := s.index.Match(o)
	if len(ids) == 0 {
		return nil
	}
	blocked, err := blockedWith(s.app, o.Owner)
	if err != nil {
		return err
	}
	told, err := matchedWants(s.app, o.ID)
	if err != nil {
		return err
	}
	matches, err := s.app.FindCollectionByNameOrId(schema.Matches)
	if err != nil {
		return err
	}
	parents := s.index.Parents()
	now := time.Now()
	for chunk := range slices.Chunk(ids, 200) {
		recs, err := s.app.FindRecordsByIds(schema.Wants, chunk)
		if err != nil {
			return fmt.Errorf("failed to load the matched wants: %w", err)
		}
		suspended, err := suspendedOwners(s.app, recs, now)
		if err != nil {
			return err
		}
		err = s.app.RunInTransaction(func(tx core.App) error {
			var ns []notify.Notification
			for _, r := range recs {
				owner := r.GetString(schema.FieldOwner)
				if told[r.Id] || blocked[owner] || suspended[owner] || !wantIsLive(r) {
					continue
				}
				w := WantFromRecord(r)
				if !w.Accepts(o, parents) {
					continue // the database is the truth, should the index lag
				}
				score, why := Explain(w, o, now)
				m := core.NewRecord(matches)
				m.Set(schema.MatchRecipient, owner)
				m.Set(schema.FieldKind, schema.MatchKindWant)
				m.Set(schema.MatchWant, r.Id)
				m.Set(schema.MatchOffer, o.ID)
				m.Set(schema.MatchScore, score)
				m.Set(schema.MatchExplanation, why)
				if err := tx.SaveWithContext(toldInBatch, m); err != nil {
					if n, _ := tx.CountRecords(schema.Matches, dbx.HashExp{schema.MatchWant: r.Id, schema.MatchOffer: o.ID}); n > 0 {
						continue // told by another process meanwhile
					}
					return fmt.Errorf("failed to save a match: %w", err)
				}
				if n, ok := wantNotification(m, rec, r); ok {
					ns = append(ns, n)
				}
			}
			// the chunk's notifications together: their people read once,
			// their push deliveries written in one statement
			if _, err := notify.SendAll(context.Background(), tx, ns); err != nil {
				return fmt.Errorf("failed to tell of the matches: %w", err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// blockedWith returns the people who blocked user or whom user blocked.
func blockedWith(app core.App, user string) (map[string]bool, error) {
	var rows []struct {
		Blocker string `db:"blocker"`
		Blocked string `db:"blocked"`
	}
	err := app.DB().Select(schema.BlockBlocker, schema.BlockBlocked).From(schema.Blocks).
		Where(dbx.Or(dbx.HashExp{schema.BlockBlocker: user}, dbx.HashExp{schema.BlockBlocked: user})).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("failed to load the blocks: %w", err)
	}
	out := make(map[string]bool, len(rows))
	for _, r := range rows {
		out[r.Blocker], out[r.Blocked] = true, true
	}
	delete(out, user)
	return out, nil
}

// suspendedOwners returns the owners of wants who are suspended at now:
// their wants wait, unmatched, until the suspension ends.
func suspendedOwners(app core.App, wants []*core.Record, now time.Time) (map[string]bool, error) {
	owners := make([]any, 0, len(wants))
	for _, w := range wants {
		owners = append(owners, w.GetString(schema.FieldOwner))
	}
	var ids []string
	err := app.DB().Select("id").From(schema.Users).Where(dbx.In("id", owners...)).
		AndWhere(dbx.NewExp("[["+schema.UserSuspendedUntil+"]] > {:now}", dbx.Params{"now": now.UTC().Format(types.DefaultDateLayout)})).
		Column(&ids)
	if err != nil {
		return nil, fmt.Errorf("failed to read which owners of the wants are suspended: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// matchedWants returns the wants already told about an offer, dismissed
// matches included.
func matchedWants(app core.App, offerID string) (map[string]bool, error) {
	var ids []string
	err := app.DB().Select(schema.MatchWant).From(schema.Matches).
		Where(dbx.HashExp{schema.MatchOffer: offerID}).AndWhere(dbx.NewExp("want != ''")).Column(&ids)
	if err != nil {
		return nil, fmt.Errorf("failed to load the matches of the offer: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
