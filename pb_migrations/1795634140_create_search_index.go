package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"peerbase/hooks/schema"
)

// Creates the search index tables (hooks/search): for offers and for wants,
// a documents table (an integer handle per indexed record), an FTS5 table
// of the normalised words (contentless: the records hold the text) and an
// R*Tree of the coordinates, both keyed by the handle; and the meta table.
// They are derived data: the search hooks fill them, `peerbase search
// reindex` and the start-up check rebuild them.
func init() {
	m.Register(func(app core.App) error {
		stmts := []string{
			`CREATE TABLE IF NOT EXISTS ` + schema.SearchMeta + ` (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		}
		for _, t := range [][3]string{
			{schema.SearchOffers, schema.SearchOffersFTS, schema.SearchOffersGeo},
			{schema.SearchWants, schema.SearchWantsFTS, schema.SearchWantsGeo},
		} {
			stmts = append(stmts,
				`CREATE TABLE IF NOT EXISTS `+t[0]+` (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, `+
					`lat REAL, lon REAL, updated TEXT NOT NULL DEFAULT '')`,
				`CREATE VIRTUAL TABLE IF NOT EXISTS `+t[1]+` USING fts5(title, tags, category, body, content='', `+
					`contentless_delete=1, tokenize='unicode61 remove_diacritics 2', prefix='2 3')`,
				`CREATE VIRTUAL TABLE IF NOT EXISTS `+t[2]+` USING rtree(id, min_lat, max_lat, min_lon, max_lon)`,
			)
		}
		for _, s := range stmts {
			if _, err := app.DB().NewQuery(s).Execute(); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, t := range []string{schema.SearchOffersFTS, schema.SearchOffersGeo, schema.SearchOffers,
			schema.SearchWantsFTS, schema.SearchWantsGeo, schema.SearchWants, schema.SearchMeta} {
			if _, err := app.DB().NewQuery(`DROP TABLE IF EXISTS ` + t).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
}
