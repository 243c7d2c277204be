package search

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"peerbase/hooks/schema"
)

// FormatVersion changes whenever what the index holds changes (the
// normaliser, the columns): an index of another version is rebuilt at
// start.
const FormatVersion = "1"

// index describes one searchable collection and its tables.
type index struct {
	collection string
	docs, fts  string
	geo        string
	// live tells whether a record belongs in the index.
	live func(r *core.Record) bool
	// liveSQL says the same of the collection's rows (alias "r."), for
	// the start-up check and the rebuild.
	liveSQL string
	// doc returns the record's columns; catText names a category (with
	// its ancestors), normalised by NewDoc.
	doc func(r *core.Record, catText string) Doc
}

var offersIndex = &index{
	collection: schema.Offers, docs: schema.SearchOffers, fts: schema.SearchOffersFTS, geo: schema.SearchOffersGeo,
	live:    func(r *core.Record) bool { return r.GetString(schema.FieldStatus) == schema.StatusActive },
	liveSQL: "r.status = 'active'",
	doc: func(r *core.Record, cat string) Doc {
		return NewDoc(r.GetString(schema.OfferTitle), jsonWords(r.Get(schema.OfferTags)), cat,
			r.GetString(schema.OfferDescription)+" "+r.GetString(schema.OfferWantsInReturn))
	},
}

var wantsIndex = &index{
	collection: schema.Wants, docs: schema.SearchWants, fts: schema.SearchWantsFTS, geo: schema.SearchWantsGeo,
	live:    func(r *core.Record) bool { return r.GetBool(schema.WantPublic) && r.GetBool(schema.WantActive) },
	liveSQL: "r.public = TRUE AND r.active = TRUE",
	doc: func(r *core.Record, cat string) Doc {
		return NewDoc(r.GetString(schema.WantQuery), "", cat, "")
	},
}

var indexes = []*index{offersIndex, wantsIndex}

// jsonWords joins the strings of a JSON list (offers.tags) into one text.
func jsonWords(v any) string {
	raw, _ := v.(types.JSONRaw)
	if len(raw) == 0 {
		return ""
	}
	var list []any
	if err := json.Unmarshal(raw, &list); err != nil {
		return string(raw)
	}
	parts := make([]string, 0, len(list))
	for _, x := range list {
		parts = append(parts, fmt.Sprint(x))
	}
	return strings.Join(parts, " ")
}

// location returns a record's point: PocketBase stores an unset geoPoint as
// 0,0, which is taken for "no place".
func location(r *core.Record) (lat, lon float64, ok bool) {
	p := r.GetGeoPoint(schema.FieldLocation)
	return p.Lat, p.Lon, p.Lat != 0 || p.Lon != 0
}

// ddl returns the statements creating ix's tables when missing: the same
// as the migration that first created them.
func (ix *index) ddl() []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + ix.docs + ` (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, ` +
			`lat REAL, lon REAL, updated TEXT NOT NULL DEFAULT '')`,
		`CREATE VIRTUAL TABLE IF NOT EXISTS ` + ix.fts + ` USING fts5(title, tags, category, body, content='', ` +
			`contentless_delete=1, tokenize='unicode61 remove_diacritics 2', prefix='2 3')`,
		`CREATE VIRTUAL TABLE IF NOT EXISTS ` + ix.geo + ` USING rtree(id, min_lat, max_lat, min_lon, max_lon)`,
	}
}

// categories names every category with its ancestors' names, for the
// category column of the index.
type categories map[string]category

type category struct{ name, slug, parent string }

func loadCategories(app core.App) (categories, error) {
	var rows []struct {
		ID     string `db:"id"`
		Name   string `db:"name"`
		Slug   string `db:"slug"`
		Parent string `db:"parent"`
	}
	err := app.DB().Select("id", schema.CategoryName, schema.CategorySlug, schema.CategoryParent).From(schema.Categories).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("failed to load the categories: %w", err)
	}
	c := categories{}
	for _, r := range rows {
		c[r.ID] = category{r.Name, r.Slug, r.Parent}
	}
	return c, nil
}

// text is the names of id and its ancestors, so that "tools" finds an
// offer filed under power tools.
func (c categories) text(id string) string {
	var names []string
	for range 16 { // a loop in the tree ends here
		cat, ok := c[id]
		if !ok {
			break
		}
		names = append(names, cat.name)
		id = cat.parent
	}
	return strings.Join(names, " ")
}

// descendants returns id and every category below it.
func (c categories) descendants(id string) []string {
	out := []string{id}
	for other := range c {
		if other == id {
			continue
		}
		p := c[other].parent
		for range 16 {
			if p == "" {
				break
			}
			if p == id {
				out = append(out, other)
				break
			}
			p = c[p].parent
		}
	}
	return out
}

// fingerprint identifies the category names and tree an index was built
// with: a renamed category changes the words of its offers.
func (c categories) fingerprint() string {
	h := fnv.New64a()
	ids := make([]string, 0, len(c))
	for id := range c {
		ids = append(ids, id)
	}
	sortStrings(ids)
	for _, id := range ids {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", id, c[id].name, c[id].parent)
	}
	return fmt.Sprintf("%x", h.Sum64())
}

// put writes r into ix as it is now: added, rewritten, or removed when it
// is no longer live. A record keeps its handle while it stays in the index,
// so a page cursor that pinned it still sees it.
func (ix *index) put(app core.App, r *core.Record, catText string) error {
	var n int64
	err := app.DB().NewQuery("SELECT n FROM " + ix.docs + " WHERE id = {:id}").Bind(dbx.Params{"id": r.Id}).Row(&n)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("failed to look up the search document of %s: %w", r.Id, err)
	}
	if !ix.live(r) {
		if exists {
			return ix.removeHandle(app, n)
		}
		return nil
	}
	lat, lon, hasLoc := location(r)
	var latV, lonV any
	if hasLoc {
		latV, lonV = lat, lon
	}
	updated := r.GetDateTime(schema.FieldUpdated).String()
	if exists {
		if _, err := app.DB().NewQuery("UPDATE " + ix.docs + " SET lat = {:lat}, lon = {:lon}, updated = {:updated} WHERE n = {:n}").
			Bind(dbx.Params{"lat": latV, "lon": lonV, "updated": updated, "n": n}).Execute(); err != nil {
			return fmt.Errorf("failed to update the search document of %s: %w", r.Id, err)
		}
		for _, q := range []string{"DELETE FROM " + ix.fts + " WHERE rowid = {:n}", "DELETE FROM " + ix.geo + " WHERE id = {:n}"} {
			if _, err := app.DB().NewQuery(q).Bind(dbx.Params{"n": n}).Execute(); err != nil {
				return fmt.Errorf("failed to clear the search entries of %s: %w", r.Id, err)
			}
		}
	} else {
		res, err := app.DB().NewQuery("INSERT INTO " + ix.docs + " (id, lat, lon, updated) VALUES ({:id}, {:lat}, {:lon}, {:updated})").
			Bind(dbx.Params{"id": r.Id, "lat": latV, "lon": lonV, "updated": updated}).Execute()
		if err != nil {
			return fmt.Errorf("failed to add the search document of %s: %w", r.Id, err)
		}
		if n, err = res.LastInsertId(); err != nil {
			return err
		}
	}
	return ix.writeEntries(app, n, ix.doc(r, catText), latV, lonV)
}

func (ix *index) writeEntries(app core.App, n int64, d Doc, lat, lon any) error {
	if _, err := app.DB().NewQuery("INSERT INTO " + ix.fts + " (rowid, title, tags, category, body) VALUES ({:n}, {:a}, {:b}, {:c}, {:d})").
		Bind(dbx.Params{"n": n, "a": d[0], "b": d[1], "c": d[2], "d": d[3]}).Execute(); err != nil {
		return fmt.Errorf("failed to index the words of %d: %w", n, err)
	}
	if lat == nil {
		return nil
	}
	if _, err := app.DB().NewQuery("INSERT INTO " + ix.geo + " (id, min_lat, max_lat, min_lon, max_lon) VALUES ({:n}, {:lat}, {:lat}, {:lon}, {:lon})").
		Bind(dbx.Params{"n": n, "lat": lat, "lon": lon}).Execute(); err != nil {
		return fmt.Errorf("failed to index the place of %d: %w", n, err)
	}
	return nil
}

// remove takes the record with id out of ix.
func (ix *index) remove(app core.App, id string) error {
	var n int64
	err := app.DB().NewQuery("SELECT n FROM " + ix.docs + " WHERE id = {:id}").Bind(dbx.Params{"id": id}).Row(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("failed to look up the search document of %s: %w", id, err)
	}
	return ix.removeHandle(app, n)
}

func (ix *index) removeHandle(app core.App, n int64) error {
	for _, q := range []string{
		"DELETE FROM " + ix.fts + " WHERE rowid = {:n}",
		"DELETE FROM " + ix.geo + " WHERE id = {:n}",
		"DELETE FROM " + ix.docs + " WHERE n = {:n}",
	} {
		if _, err := app.DB().NewQuery(q).Bind(dbx.Params{"n": n}).Execute(); err != nil {
			return fmt.Errorf("failed to remove search document %d: %w", n, err)
		}
	}
	return nil
}

// ensureTables creates whatever table of the index is missing, and tells
// whether one was.
func ensureTables(app core.App) (missing bool, err error) {
	want := []string{schema.SearchMeta}
	for _, ix := range indexes {
		want = append(want, ix.docs, ix.fts, ix.geo)
	}
	var have []string
	if err := app.DB().Select("name").From("sqlite_master").
		Where(dbx.In("name", toAny(want)...)).Column(&have); err != nil {
		return false, fmt.Errorf("failed to list the search tables: %w", err)
	}
	if len(have) == len(want) {
		return false, nil
	}
	stmts := []string{`CREATE TABLE IF NOT EXISTS ` + schema.SearchMeta + ` (key TEXT PRIMARY KEY, value TEXT NOT NULL)`}
	for _, ix := range indexes {
		stmts = append(stmts, ix.ddl()...)
	}
	for _, s := range stmts {
		if _, err := app.DB().NewQuery(s).Execute(); err != nil {
			return true, fmt.Errorf("failed to create the search tables: %w", err)
		}
	}
	return true, nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// Stale tells why the index no longer reflects the database ("" when it
// does): missing tables, another format, renamed categories, or records
// written while the hooks were not running (a restored backup, a script).
func Stale(app core.App) (string, error) {
	missing, err := ensureTables(app)
	if err != nil {
		return "", err
	}
	if missing {
		return "search tables missing", nil
	}
	meta := map[string]string{}
	var rows []struct {
		Key   string `db:"key"`
		Value string `db:"value"`
	}
	if err := app.DB().Select("key", "value").From(schema.SearchMeta).All(&rows); err != nil {
		return "", fmt.Errorf("failed to read the search meta: %w", err)
	}
	for _, r := range rows {
		meta[r.Key] = r.Value
	}
	if meta["version"] != FormatVersion {
		return "index format " + meta["version"] + ", want " + FormatVersion, nil
	}
	cats, err := loadCategories(app)
	if err != nil {
		return "", err
	}
	if meta["categories"] != cats.fingerprint() {
		return "categories changed", nil
	}
	for _, ix := range indexes {
		var live, docs, same int
		if err := app.DB().NewQuery("SELECT count(*) FROM " + ix.collection + " r WHERE " + ix.liveSQL).Row(&live); err != nil {
			return "", err
		}
		if err := app.DB().NewQuery("SELECT count(*) FROM " + ix.docs).Row(&docs); err != nil {
			return "", err
		}
		if err := app.DB().NewQuery("SELECT count(*) FROM " + ix.docs + " d JOIN " + ix.collection +
			" r ON r.id = d.id WHERE r.updated = d.updated AND " + ix.liveSQL).Row(&same); err != nil {
			return "", err
		}
		if live != docs || live != same {
			return fmt.Sprintf("%s: %d live, %d indexed, %d up to date", ix.collection, live, docs, same), nil
		}
	}
	return "", nil
}

// Rebuild empties the index and fills it again from every offer and want,
// in one transaction (searches keep reading the old index meanwhile),
// drawing a progress bar on progress (nil: none). Handles keep growing, so
// that no cursor handed out before can mistake a new record for one it saw.
func Rebuild(app core.App, progress io.Writer) (int, error) {
	if _, err := ensureTables(app); err != nil {
		return 0, err
	}
	total := 0
	err := app.RunInTransaction(func(tx core.App) error {
		cats, err := loadCategories(tx)
		if err != nil {
			return err
		}
		all := 0
		for _, ix := range indexes {
			var n int
			if err := tx.DB().NewQuery("SELECT count(*) FROM " + ix.collection + " r WHERE " + ix.liveSQL).Row(&n); err != nil {
				return err
			}
			all += n
		}
		bar := newProgressBar(progress, all)
		for _, ix := range indexes {
			for _, q := range []string{
				"INSERT INTO " + ix.fts + " (" + ix.fts + ") VALUES ('delete-all')",
				"DELETE FROM " + ix.geo,
				"DELETE FROM " + ix.docs,
			} {
				if _, err := tx.DB().NewQuery(q).Execute(); err != nil {
					return fmt.Errorf("failed to empty the %s index: %w", ix.collection, err)
				}
			}
			n, err := ix.fill(tx, cats, bar)
			if err != nil {
				return err
			}
			total += n
		}
		bar.done()
		if err := writeMeta(tx, "version", FormatVersion); err != nil {
			return err
		}
		// every handle changed: the servers' mirrors load it all again
		if err := writeMeta(tx, "generation", newGeneration()); err != nil {
			return err
		}
		return writeMeta(tx, "categories", cats.fingerprint())
	})
	rebuilds.Add(1) // this process's searches read the generation again
	return total, err
}

// fill adds every live record of ix, oldest first, so handles follow
// creation order.
func (ix *index) fill(tx core.App, cats categories, bar *progressBar) (int, error) {
	count := 0
	lastCreated, lastID := "", ""
	for {
		var recs []*core.Record
		err := tx.RecordQuery(ix.collection).
			AndWhere(dbx.NewExp(strings.ReplaceAll(ix.liveSQL, "r.", ix.collection+"."))).
			AndWhere(dbx.NewExp("(created > {:c} OR (created = {:c} AND id > {:id}))", dbx.Params{"c": lastCreated, "id": lastID})).
			OrderBy("created", "id").Limit(500).All(&recs)
		if err != nil {
			return count, fmt.Errorf("failed to load %s: %w", ix.collection, err)
		}
		if len(recs) == 0 {
			return count, nil
		}
		for _, r := range recs {
			lastCreated, lastID = r.GetDateTime(schema.FieldCreated).String(), r.Id
			lat, lon, hasLoc := location(r)
			var latV, lonV any
			if hasLoc {
				latV, lonV = lat, lon
			}
			res, err := tx.DB().NewQuery("INSERT INTO " + ix.docs + " (id, lat, lon, updated) VALUES ({:id}, {:lat}, {:lon}, {:updated})").
				Bind(dbx.Params{"id": r.Id, "lat": latV, "lon": lonV, "updated": r.GetDateTime(schema.FieldUpdated).String()}).Execute()
			if err != nil {
				return count, fmt.Errorf("failed to add the search document of %s: %w", r.Id, err)
			}
			n, err := res.LastInsertId()
			if err != nil {
				return count, err
			}
			if err := ix.writeEntries(tx, n, ix.doc(r, cats.text(r.GetString(schema.FieldCategory))), latV, lonV); err != nil {
				return count, err
			}
			count++
			bar.step(ix.collection)
		}
	}
}
