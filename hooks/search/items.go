package search

import (
	"encoding/json/jsontext"
	"encoding/json/v2"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// A search page's items are most of a search's cost: building twenty
// records from their rows and encoding them took two thirds of a nearby
// list's CPU (BENCHMARKS.md). What the records API shows of an offer or a
// want without expand is the same for every caller but a superuser (a
// base collection: no email visibility, hidden fields hidden from all but
// superusers), so the items cache keeps each record's JSON as the records
// API writes it, keyed by the record's updated time. A search still asks
// SQLite, per page, which candidates the collection's list rule shows the
// caller and when each was last updated (the rule stays the records API's,
// whatever it is); only the records' JSON comes from memory, and a record
// written since it was cached is read again. Pages with expand or fields,
// and a superuser's, take the full path (records read and enriched per
// request).

// itemCacheSize bounds each collection's cache (an offer's JSON and texts
// take about a kilobyte).
const itemCacheSize = 20_000

// item is one record's cached JSON and highlight texts.
type item struct {
	updated string
	json    []byte // an object: the record as the records API writes it
	texts   []string
}

// items is one collection's item cache.
type items struct {
	mu   sync.RWMutex
	byID map[string]*item
}

func newItems() *items { return &items{byID: map[string]*item{}} }

// get returns id's cached item when it is the version updated at updated.
func (c *items) get(id, updated string) *item {
	c.mu.RLock()
	it := c.byID[id]
	c.mu.RUnlock()
	if it == nil || it.updated != updated {
		return nil
	}
	return it
}

func (c *items) put(id string, it *item) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.byID) >= itemCacheSize {
		// drop an eighth, whichever the map's order gives
		n := itemCacheSize / 8
		for k := range c.byID {
			delete(c.byID, k)
			if n--; n == 0 {
				break
			}
		}
	}
	c.byID[id] = it
}

// forget drops id's item (its record was written or deleted).
func (c *items) forget(id string) {
	c.mu.Lock()
	delete(c.byID, id)
	c.mu.Unlock()
}

// lean tells whether a search's items may come from the cache: not a
// superuser's, no expand, no fields.
func lean(info *core.RequestInfo) bool {
	return !info.HasSuperuserAuth() && info.Query["expand"] == "" && info.Query["fields"] == ""
}

// jsonOpts are the router's JSON options (router.Event.JSON), so that a
// cached item has the bytes the full path would write.
var jsonOpts = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// cachedItems returns the cached items of rows (from a lean verified),
// reading and caching the records that are missing or older. ok is false
// when a record changed between the rule's check and its read: the caller
// then answers by the full path.
func (s *service) cachedItems(e *core.RequestEvent, t *target, coll *core.Collection, rows []shown, kept []cand) ([]*item, bool, error) {
	c := s.items[t.ix]
	out := make([]*item, len(rows))
	var missing []string
	for i, r := range rows {
		if out[i] = c.get(kept[i].e.id, r.updated); out[i] == nil {
			missing = append(missing, kept[i].e.id)
		}
	}
	if len(missing) == 0 {
		return out, true, nil
	}
	recs, err := e.App.FindRecordsByIds(coll, missing)
	if err != nil {
		return nil, false, err
	}
	if err := apis.EnrichRecords(e, recs); err != nil {
		return nil, false, err
	}
	byID := make(map[string]*item, len(recs))
	for _, rec := range recs {
		raw, err := json.Marshal(rec, jsonOpts)
		if err != nil {
			return nil, false, fmt.Errorf("failed to encode %s %s: %w", coll.Name, rec.Id, err)
		}
		it := &item{updated: rec.GetDateTime("updated").String(), json: raw, texts: make([]string, len(t.texts))}
		for j, f := range t.texts {
			it.texts[j] = rec.GetString(f)
		}
		byID[rec.Id] = it
		c.put(rec.Id, it)
	}
	for i, r := range rows {
		if out[i] == nil {
			it := byID[kept[i].e.id]
			if it == nil || it.updated != r.updated {
				return nil, false, nil // deleted or written since the check
			}
			out[i] = it
		}
	}
	return out, true, nil
}

// writeItems writes the page {"items", "next"[, "estimate"]} from cached
// items, each with its distance_km and highlight appended.
func writeItems(e *core.RequestEvent, p *params, kept []cand, its []*item, next string, estimate *int) error {
	size := 64
	for _, it := range its {
		size += len(it.json) + 96
	}
	buf := make([]byte, 0, size)
	buf = append(buf, `{"items":[`...)
	for i, it := range its {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, it.json[:len(it.json)-1]...) // without its closing brace
		buf = append(buf, `,"distance_km":`...)
		if p.near {
			buf = strconv.AppendFloat(buf, math.Round(kept[i].dist*1000)/1000, 'f', -1, 64)
		} else {
			buf = append(buf, "null"...)
		}
		buf = append(buf, `,"highlight":`...)
		h, err := json.Marshal(Highlight(p.terms.Must, it.texts...), jsonOpts)
		if err != nil {
			return err
		}
		buf = append(buf, h...)
		buf = append(buf, '}')
	}
	buf = append(buf, `],"next":`...)
	buf = strconv.AppendQuote(buf, next) // a cursor: base64url characters only
	if estimate != nil {
		buf = append(buf, `,"estimate":`...)
		buf = strconv.AppendInt(buf, int64(*estimate), 10)
	}
	buf = append(buf, '}')
	e.Response.Header().Set("Content-Type", "application/json")
	e.Response.WriteHeader(200)
	_, err := e.Response.Write(buf)
	return err
}
