package search

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"peerbase/hooks/schema"
)

// entry is what a search filters and orders by, of one indexed record: a
// copy in memory of its search document and of a few of its columns, so
// that a page is chosen without reading the database row by row (SQLite
// here is pure Go: each row a query visits costs microseconds, and a page
// visited hundreds).
type entry struct {
	n        int64
	id       string
	lat, lon float64
	hasLoc   bool
	created  string
	price    float64
	owner    string
	kind     string   // offers
	kinds    []string // wants: the kinds taken (none: any)
	category string
	expires  string // offers: "" for never
}

// cellDeg is the side of a cell of the mirror's grid, in degrees.
const cellDeg = 0.02

type cell struct{ lat, lon int32 }

func cellOf(lat, lon float64) cell {
	return cell{int32(math.Floor(lat / cellDeg)), int32(math.Floor(lon / cellDeg))}
}

// mirror holds an entry per document of an index, by handle and in a grid
// of places. Hooks refresh an entry from the database after each commit
// that writes its record; a rebuild of the index, which changes the
// generation in the meta table, makes the next search load it all again.
type mirror struct {
	ix *index

	mu    sync.RWMutex
	gen   string // the index generation loaded ("": not loaded)
	maxN  int64
	byN   map[int64]*entry
	byID  map[string]*entry
	cells map[cell]map[int64]*entry
	// order is every entry newest first (created, then handle, descending):
	// the nearby list of a dense place walks it instead of the box
	order []*entry
	// names holds one copy of each owner, category and kind
	names map[string]string
}

func newMirror(ix *index) *mirror { return &mirror{ix: ix} }

// entrySQL selects a document's entry columns, joined to its record ("r").
func (m *mirror) entrySQL() string {
	cols := "d.n, d.id, d.lat, d.lon, coalesce(r.created, '') AS created, coalesce(r.owner, '') AS owner, coalesce(r.category, '') AS category"
	if m.ix == offersIndex {
		cols += ", coalesce(r.price, 0) AS price, coalesce(r.kind, '') AS kind, '' AS kinds, coalesce(r.expires_at, '') AS expires_at"
	} else {
		cols += ", coalesce(r.max_price, 0) AS price, '' AS kind, coalesce(r.kinds, '') AS kinds, '' AS expires_at"
	}
	return "SELECT " + cols + " FROM " + m.ix.docs + " d JOIN " + m.ix.collection + " r ON r.id = d.id"
}

type entryRow struct {
	N        int64           `db:"n"`
	ID       string          `db:"id"`
	Lat      sql.NullFloat64 `db:"lat"`
	Lon      sql.NullFloat64 `db:"lon"`
	Created  string          `db:"created"`
	Owner    string          `db:"owner"`
	Category string          `db:"category"`
	Price    float64         `db:"price"`
	Kind     string          `db:"kind"`
	Kinds    string          `db:"kinds"`
	Expires  string          `db:"expires_at"`
}

func (r entryRow) entry() *entry {
	e := &entry{n: r.N, id: r.ID, created: r.Created, owner: r.Owner, category: r.Category, price: r.Price, kind: r.Kind, expires: r.Expires}
	if r.Lat.Valid && r.Lon.Valid {
		e.lat, e.lon, e.hasLoc = r.Lat.Float64, r.Lon.Float64, true
	}
	if r.Kinds != "" && r.Kinds != "[]" {
		_ = json.Unmarshal([]byte(r.Kinds), &e.kinds)
	}
	return e
}

// generation reads the index generation, written by every rebuild.
func generation(app core.App) (string, error) {
	var gen string
	err := app.DB().NewQuery("SELECT value FROM " + schema.SearchMeta + " WHERE key = 'generation'").Row(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		return "none", nil
	}
	return gen, err
}

// fresh returns the mirror loaded at the current index generation,
// loading it when another rebuild happened since (or never loaded).
func (m *mirror) fresh(app core.App) (*mirror, error) {
	gen, err := generation(app)
	if err != nil {
		return nil, fmt.Errorf("failed to read the search generation: %w", err)
	}
	return m, m.at(app, gen)
}

// at makes sure the mirror is loaded at generation gen.
func (m *mirror) at(app core.App, gen string) error {
	m.mu.RLock()
	ok := m.gen == gen
	m.mu.RUnlock()
	if ok {
		return nil
	}
	return m.load(app, gen)
}

// load reads every document of the index.
func (m *mirror) load(app core.App, gen string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gen == gen {
		return nil
	}
	var rows []entryRow
	if err := app.DB().NewQuery(m.entrySQL()).All(&rows); err != nil {
		return fmt.Errorf("failed to load the %s search mirror: %w", m.ix.collection, err)
	}
	m.byN = make(map[int64]*entry, len(rows))
	m.byID = make(map[string]*entry, len(rows))
	m.cells = map[cell]map[int64]*entry{}
	m.names = map[string]string{}
	m.maxN = 0
	m.order = make([]*entry, 0, len(rows))
	for _, r := range rows {
		e := r.entry()
		m.add(e, false)
		m.order = append(m.order, e)
	}
	slices.SortFunc(m.order, cmpNewest)
	var maxN int64
	if err := app.DB().NewQuery("SELECT coalesce(max(n), 0) FROM " + m.ix.docs).Row(&maxN); err != nil {
		return err
	}
	m.maxN = max(m.maxN, maxN)
	m.gen = gen
	return nil
}

// cmpNewest orders entries newest first.
func cmpNewest(a, b *entry) int {
	switch {
	case a.n == b.n:
		return 0
	case a.created > b.created || (a.created == b.created && a.n > b.n):
		return -1
	default:
		return 1
	}
}

func (m *mirror) add(e *entry, ordered bool) {
	if ordered {
		i, _ := slices.BinarySearchFunc(m.order, e, cmpNewest)
		m.order = slices.Insert(m.order, i, e)
	}
	e.owner, e.category, e.kind = m.name(e.owner), m.name(e.category), m.name(e.kind)
	m.byN[e.n] = e
	m.byID[e.id] = e
	if e.n > m.maxN {
		m.maxN = e.n
	}
	if e.hasLoc {
		c := cellOf(e.lat, e.lon)
		if m.cells[c] == nil {
			m.cells[c] = map[int64]*entry{}
		}
		m.cells[c][e.n] = e
	}
}

func (m *mirror) name(s string) string {
	if v, ok := m.names[s]; ok {
		return v
	}
	m.names[s] = s
	return s
}

func (m *mirror) drop(e *entry) {
	if i, ok := slices.BinarySearchFunc(m.order, e, cmpNewest); ok {
		m.order = slices.Delete(m.order, i, i+1)
	}
	delete(m.byN, e.n)
	delete(m.byID, e.id)
	if e.hasLoc {
		c := cellOf(e.lat, e.lon)
		delete(m.cells[c], e.n)
		if len(m.cells[c]) == 0 {
			delete(m.cells, c)
		}
	}
}

// refresh reads the record id's document again, after a commit that wrote
// it: under the lock, so that of two refreshes the later one reads last.
func (m *mirror) refresh(app core.App, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gen == "" {
		return nil // loaded by the first search
	}
	var rows []entryRow
	if err := app.DB().NewQuery(m.entrySQL() + " WHERE d.id = {:id}").Bind(dbx.Params{"id": id}).All(&rows); err != nil {
		m.gen = "" // load it all again at the next search
		return fmt.Errorf("failed to refresh the search mirror: %w", err)
	}
	if old := m.byID[id]; old != nil {
		m.drop(old)
	}
	for _, r := range rows {
		m.add(r.entry(), true)
	}
	return nil
}

// forget makes the next search load the mirror again.
func (m *mirror) forget() {
	m.mu.Lock()
	m.gen = ""
	m.mu.Unlock()
}

// countIn tells how many entries the grid cells over box hold (nil: all),
// or any number from enough on once that many are counted.
func (m *mirror) countIn(box *Box, enough int) int {
	if box == nil {
		return len(m.byN)
	}
	n := 0
	lo, hi := cellOf(box.MinLat, 0).lat, cellOf(box.MaxLat, 0).lat
	cellsInBox := 0
	for _, r := range box.Lons {
		cellsInBox += int(hi-lo+1) * int(cellOf(0, r[1]).lon-cellOf(0, r[0]).lon+1)
	}
	if cellsInBox > len(m.cells) {
		for c, es := range m.cells {
			if c.lat >= lo && c.lat <= hi {
				if n += len(es); n >= enough {
					return n
				}
			}
		}
		return n
	}
	for _, r := range box.Lons {
		a, z := cellOf(0, r[0]).lon, cellOf(0, r[1]).lon
		for la := lo; la <= hi; la++ {
			for lc := a; lc <= z; lc++ {
				if n += len(m.cells[cell{la, lc}]); n >= enough {
					return n
				}
			}
		}
	}
	return n
}

// each calls fn with every entry within box (nil: every entry), holding
// the read lock.
func (m *mirror) each(box *Box, fn func(e *entry)) {
	if box == nil {
		for _, e := range m.byN {
			fn(e)
		}
		return
	}
	lo, hi := cellOf(box.MinLat, 0).lat, cellOf(box.MaxLat, 0).lat
	cellsInBox := 0
	for _, r := range box.Lons {
		cellsInBox += int(hi-lo+1) * int(cellOf(0, r[1]).lon-cellOf(0, r[0]).lon+1)
	}
	visit := func(c cell, es map[int64]*entry) {
		for _, e := range es {
			if box.Contains(e.lat, e.lon) {
				fn(e)
			}
		}
	}
	if cellsInBox > len(m.cells) {
		for c, es := range m.cells {
			if c.lat >= lo && c.lat <= hi {
				visit(c, es)
			}
		}
		return
	}
	for _, r := range box.Lons {
		a, z := cellOf(0, r[0]).lon, cellOf(0, r[1]).lon
		for la := lo; la <= hi; la++ {
			for lc := a; lc <= z; lc++ {
				c := cell{la, lc}
				if es := m.cells[c]; es != nil {
					visit(c, es)
				}
			}
		}
	}
}

// newGeneration names a rebuild.
func newGeneration() string { return security.PseudorandomString(12) }
