package search

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"peerbase/hooks/schema"
)

// What every search needs before choosing a page: the index generation
// (has the index been rebuilt since the mirror was loaded?) and the people
// blocked either way with the caller. Both are kept in memory: reading
// them was a tenth of a nearby list's CPU.
//
// The generation changes only with a rebuild: one in this process bumps
// rebuilds and is seen at once; one by `peerbase search reindex` in
// another process is seen within genMaxAge. Blocks change through records
// (every write path runs the model hooks, which bump the blocks version);
// a caller's list is kept only when no blocks write committed while it was
// being read.

// genMaxAge is how long a read of the index generation is trusted.
const genMaxAge = time.Second

// maxBlockLists bounds the callers whose block lists are kept.
const maxBlockLists = 50_000

// rebuilds counts this process's rebuilds (Rebuild bumps it).
var rebuilds atomic.Int64

type stateCache struct {
	mu       sync.Mutex
	gen      string
	genAt    time.Time
	genEpoch int64

	// version counts the blocks writes committed; lists holds each
	// caller's people blocked either way, read at version listsAt
	version atomic.Int64
	lists   map[string][]string
	listsAt int64
}

func newStateCache() *stateCache { return &stateCache{lists: map[string][]string{}} }

// blocksWritten is bound after every committed write of a block: the
// lists read before it are not used again (blocked starts a new map).
func (c *stateCache) blocksWritten() { c.version.Add(1) }

// generation returns the index generation.
func (c *stateCache) generation(app core.App) (string, error) {
	epoch := rebuilds.Load()
	c.mu.Lock()
	if c.genEpoch == epoch && c.gen != "" && time.Since(c.genAt) < genMaxAge {
		gen := c.gen
		c.mu.Unlock()
		return gen, nil
	}
	c.mu.Unlock()
	gen, err := generation(app)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.gen, c.genAt, c.genEpoch = gen, time.Now(), epoch
	c.mu.Unlock()
	return gen, nil
}

// blocked returns the people blocked either way with me.
func (c *stateCache) blocked(app core.App, me string) ([]string, error) {
	v := c.version.Load()
	c.mu.Lock()
	list, ok := c.lists[me]
	if ok && c.listsAt != v {
		ok = false
	}
	c.mu.Unlock()
	if ok {
		return list, nil
	}
	var ids []string
	err := app.DB().NewQuery("SELECT blocked FROM " + schema.Blocks + " WHERE blocker = {:me} UNION " +
		"SELECT blocker FROM " + schema.Blocks + " WHERE blocked = {:me}").Bind(dbx.Params{"me": me}).Column(&ids)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.version.Load() == v {
		if c.listsAt != v || len(c.lists) >= maxBlockLists {
			c.lists, c.listsAt = map[string][]string{}, v
		}
		c.lists[me] = ids
	}
	c.mu.Unlock()
	return ids, nil
}
