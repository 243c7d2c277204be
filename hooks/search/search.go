// Package search finds offers and public wanted posts by words, place and
// facets. An FTS5 index of the shared normaliser's tokens (hooks/text, so
// search and matching agree on what a word is) and an R*Tree of the
// coordinates sit beside the offers and wants tables; model hooks keep them
// in step on every write path of offers, wants and category names, in the
// record's own transaction. At start the index is checked and rebuilt when
// missing or stale; `peerbase search reindex` rebuilds it on demand.
//
// GET /api/peerbase/offers/search and GET /api/peerbase/wants/search answer
// {"items", "next"} pages, each item in the records API's JSON shape (expand
// and fields work) plus distance_km and a highlight, showing only what the
// records API would list to the caller, and less: live records only, no
// one blocked either way.
package search

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/spf13/cobra"

	"peerbase/hooks/schema"
)

// Config configures search.
type Config struct {
	// CheckAtStart checks the index when the server starts and rebuilds it
	// when missing or stale.
	CheckAtStart bool
	// DefaultLimit and MaxLimit are the page sizes.
	DefaultLimit, MaxLimit int
	// Concurrency is how many searches read the database at once; the
	// others wait their turn. PocketBase keeps 15 idle connections to the
	// data database and closes any other one after use, and a new one
	// starts with an empty page cache: with 50 searches at once, most of
	// the time went into closing connections, reopening them and reading
	// the same pages again (see BENCHMARKS.md). A few searches at once
	// keep the CPUs as busy.
	Concurrency int
}

// DefaultConfig returns the search defaults.
func DefaultConfig() Config {
	return Config{CheckAtStart: true, DefaultLimit: 20, MaxLimit: 100, Concurrency: min(max(2*runtime.NumCPU(), 2), 8)}
}

type service struct {
	app core.App
	cfg Config

	// gate holds a token per search reading the database (Concurrency).
	gate chan struct{}
	// mirrors hold each index's documents in memory, by index.
	mirrors map[*index]*mirror
	// items hold each index's records as the records API writes them
	// (items.go), by index.
	items map[*index]*items
	// state holds the index generation and the block lists (state.go).
	state *stateCache

	mu    sync.Mutex
	cats  categories // nil: load again
	ready bool       // the tables exist (they never go while running)
}

// tablesReady tells whether the index tables exist: records written
// before the migration that creates them (by earlier migrations) are
// indexed by the start-up rebuild instead.
func (s *service) tablesReady(app core.App) (bool, error) {
	s.mu.Lock()
	ready := s.ready
	s.mu.Unlock()
	if ready {
		return true, nil
	}
	var n int
	err := app.DB().NewQuery("SELECT count(*) FROM sqlite_master WHERE name IN ({:a}, {:b}, {:c}, {:d}, {:e}, {:f}, {:g})").
		Bind(dbx.Params{"a": schema.SearchMeta, "b": schema.SearchOffers, "c": schema.SearchOffersFTS, "d": schema.SearchOffersGeo,
			"e": schema.SearchWants, "f": schema.SearchWantsFTS, "g": schema.SearchWantsGeo}).Row(&n)
	if err != nil {
		return false, fmt.Errorf("failed to look for the search tables: %w", err)
	}
	if n == 7 {
		s.mu.Lock()
		s.ready = true
		s.mu.Unlock()
	}
	return n == 7, nil
}

// Register binds the search hooks and routes.
func Register(app core.App, cfg Config) error {
	if cfg.DefaultLimit < 1 || cfg.MaxLimit < cfg.DefaultLimit {
		return fmt.Errorf("search: invalid page sizes %+v", cfg)
	}
	if cfg.Concurrency < 1 {
		return fmt.Errorf("search: invalid concurrency %d", cfg.Concurrency)
	}
	s := &service{app: app, cfg: cfg, gate: make(chan struct{}, cfg.Concurrency), mirrors: map[*index]*mirror{},
		items: map[*index]*items{}, state: newStateCache()}
	blocksWritten := func(e *core.RecordEvent) error {
		s.state.blocksWritten()
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess(schema.Blocks).BindFunc(blocksWritten)
	app.OnRecordAfterUpdateSuccess(schema.Blocks).BindFunc(blocksWritten)
	app.OnRecordAfterDeleteSuccess(schema.Blocks).BindFunc(blocksWritten)
	for _, ix := range indexes {
		ix := ix
		m := newMirror(ix)
		s.mirrors[ix] = m
		its := newItems()
		s.items[ix] = its
		// after the commit: the mirror shows committed documents only
		refresh := func(e *core.RecordEvent) error {
			its.forget(e.Record.Id)
			if err := m.refresh(e.App, e.Record.Id); err != nil {
				e.App.Logger().Error("search: failed to refresh the mirror", "error", err)
			}
			return e.Next()
		}
		app.OnRecordAfterCreateSuccess(ix.collection).BindFunc(refresh)
		app.OnRecordAfterUpdateSuccess(ix.collection).BindFunc(refresh)
		app.OnRecordAfterDeleteSuccess(ix.collection).BindFunc(refresh)
		put := func(e *core.RecordEvent) error {
			return inTx(e, func(tx core.App) error {
				if err := e.Next(); err != nil {
					return err
				}
				if ok, err := s.tablesReady(tx); !ok {
					return err
				}
				cats, err := s.categories(tx)
				if err != nil {
					return err
				}
				return ix.put(tx, e.Record, cats.text(e.Record.GetString(schema.FieldCategory)))
			})
		}
		app.OnRecordCreate(ix.collection).Bind(&hook.Handler[*core.RecordEvent]{Id: "peerbaseSearchCreate_" + ix.collection, Func: put})
		app.OnRecordUpdate(ix.collection).Bind(&hook.Handler[*core.RecordEvent]{Id: "peerbaseSearchUpdate_" + ix.collection, Func: put})
		app.OnRecordDelete(ix.collection).Bind(&hook.Handler[*core.RecordEvent]{Id: "peerbaseSearchDelete_" + ix.collection,
			Func: func(e *core.RecordEvent) error {
				return inTx(e, func(tx core.App) error {
					if err := e.Next(); err != nil {
						return err
					}
					if ok, err := s.tablesReady(tx); !ok {
						return err
					}
					return ix.remove(tx, e.Record.Id)
				})
			}})
	}
	app.OnRecordCreate(schema.Categories).BindFunc(s.categoryWritten)
	app.OnRecordUpdate(schema.Categories).BindFunc(s.categoryWritten)
	app.OnRecordDelete(schema.Categories).BindFunc(s.categoryWritten)
	forget := func(e *core.RecordEvent) error {
		s.forgetCategories()
		return e.Next()
	}
	forgetOnError := func(e *core.RecordErrorEvent) error {
		s.forgetCategories()
		return e.Next()
	}
	// forget after the commit too: a search may have cached the old tree
	// between the write and its commit
	app.OnRecordAfterCreateSuccess(schema.Categories).BindFunc(forget)
	app.OnRecordAfterUpdateSuccess(schema.Categories).BindFunc(forget)
	app.OnRecordAfterDeleteSuccess(schema.Categories).BindFunc(forget)
	app.OnRecordAfterCreateError(schema.Categories).BindFunc(forgetOnError)
	app.OnRecordAfterUpdateError(schema.Categories).BindFunc(forgetOnError)
	app.OnRecordAfterDeleteError(schema.Categories).BindFunc(forgetOnError)

	// OnServe, not OnBootstrap: the migrations have run by then
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "peerbaseSearchStart",
		Func: func(se *core.ServeEvent) error {
			if cfg.CheckAtStart {
				if err := s.check(); err != nil {
					return err
				}
			}
			// load the mirrors now rather than in the first searches
			for _, m := range s.mirrors {
				if _, err := m.fresh(se.App); err != nil {
					se.App.Logger().Error("search: failed to load the mirror", "error", err)
				}
			}
			// anyone may search, as anyone may list offers and public
			// wants through the records API: the list rules decide
			g := se.Router.Group("/api/peerbase")
			g.GET("/offers/search", s.offersSearch)
			g.GET("/wants/search", s.wantsSearch)
			return se.Next()
		},
	})
	return nil
}

// check rebuilds the index when it is missing or stale.
func (s *service) check() error {
	why, err := Stale(s.app)
	if err != nil {
		return fmt.Errorf("failed to check the search index: %w", err)
	}
	if why == "" {
		return nil
	}
	s.app.Logger().Info("search: rebuilding the index", "reason", why)
	n, err := Rebuild(s.app, nil)
	if err != nil {
		return fmt.Errorf("failed to rebuild the search index: %w", err)
	}
	s.app.Logger().Info("search: index rebuilt", "records", n)
	return nil
}

// inTx runs fn in a transaction with e.App set to it, and gives e.App back
// afterwards: PocketBase's after-success hooks run on e.App and do nothing
// on a finished transaction.
func inTx(e *core.RecordEvent, fn func(tx core.App) error) error {
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		return fn(tx)
	})
}

// categories returns the category tree, loaded once and forgotten whenever
// a category is written. Inside a transaction it reads through it, since a
// category written there is not committed yet.
func (s *service) categories(app core.App) (categories, error) {
	s.mu.Lock()
	c := s.cats
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := loadCategories(app)
	if err != nil {
		return nil, err
	}
	if !app.IsTransactional() {
		s.mu.Lock()
		s.cats = c
		s.mu.Unlock()
	}
	return c, nil
}

func (s *service) forgetCategories() {
	s.mu.Lock()
	s.cats = nil
	s.mu.Unlock()
}

// categoryWritten keeps the index in step with a category write, in its
// own transaction: a new name or parent changes the words of the offers and
// wants filed under the category or below it, so they are indexed again;
// every write moves the category fingerprint the start-up check compares.
// (A deleted category's records are saved without it by PocketBase, which
// re-indexes them through the record hooks.)
func (s *service) categoryWritten(e *core.RecordEvent) error {
	renamed := false
	if orig := e.Record.Original(); !e.Record.IsNew() && orig != nil {
		renamed = orig.GetString(schema.CategoryName) != e.Record.GetString(schema.CategoryName) ||
			orig.GetString(schema.CategoryParent) != e.Record.GetString(schema.CategoryParent)
	}
	return inTx(e, func(tx core.App) error {
		s.forgetCategories()
		if err := e.Next(); err != nil {
			return err
		}
		defer s.forgetCategories()
		if ok, err := s.tablesReady(tx); !ok {
			return err
		}
		cats, err := loadCategories(tx)
		if err != nil {
			return err
		}
		if renamed {
			ids := toAny(cats.descendants(e.Record.Id))
			for _, ix := range indexes {
				var recs []*core.Record
				if err := tx.RecordQuery(ix.collection).AndWhere(dbx.In(schema.FieldCategory, ids...)).All(&recs); err != nil {
					return fmt.Errorf("failed to load the %s of a renamed category: %w", ix.collection, err)
				}
				for _, r := range recs {
					if err := ix.put(tx, r, cats.text(r.GetString(schema.FieldCategory))); err != nil {
						return err
					}
				}
			}
		}
		return writeMeta(tx, "categories", cats.fingerprint())
	})
}

// writeMeta sets one key of the search meta table.
func writeMeta(app core.App, key, value string) error {
	_, err := app.DB().NewQuery("INSERT INTO " + schema.SearchMeta + " (key, value) VALUES ({:k}, {:v}) " +
		"ON CONFLICT (key) DO UPDATE SET value = excluded.value").Bind(dbx.Params{"k": key, "v": value}).Execute()
	if err != nil {
		return fmt.Errorf("failed to write the search meta: %w", err)
	}
	return nil
}

// NewCommand returns the `search` command with its `reindex` subcommand,
// for the binary's root command.
func NewCommand(app core.App) *cobra.Command {
	cmd := &cobra.Command{Use: "search", Short: "Search index maintenance"}
	cmd.AddCommand(&cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the search index of offers and wanted posts from the database",
		Long: "Empties the search index (words and places of active offers and public wants) and fills it again\n" +
			"from the database, in one transaction: searches keep answering from the old index meanwhile.\n" +
			"The server does this by itself at start when the index is missing or stale.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			n, err := Rebuild(app, c.ErrOrStderr())
			if err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "%d records indexed\n", n)
			return nil
		},
	})
	return cmd
}
