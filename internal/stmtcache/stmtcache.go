// Package stmtcache keeps SQLite's compiled statements between queries.
//
// database/sql hands a query's text to the driver each time, and
// modernc.org/sqlite compiles it anew (sqlite3_prepare_v2) and throws it
// away after the rows are read. PocketBase's queries are built by dbx with
// their values bound as parameters, so the same few texts come back on
// every request: the auth record by id, a collection's list rule, a
// search's page check. Compiling them was a sixth of the server's CPU in
// the search benchmark (BENCHMARKS.md): as much as running them.
//
// The driver registered here wraps modernc's: each connection keeps its
// last Size read statements (by text, least recently used dropped) and
// runs a query whose text it has compiled by resetting and binding that
// statement, which modernc supports (its prepared statements step and reset
// in place). SQLite recompiles a kept statement by itself when the schema
// changed (sqlite3_prepare_v2's contract). Statements that write are not
// kept (an Exec compiles as before), nor is a statement still being read
// by open rows on the same connection (the second query compiles its own).
package stmtcache

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"sync"

	"github.com/pocketbase/dbx"
	_ "modernc.org/sqlite" // registers "sqlite"
)

// DriverName is the name the caching driver is registered under.
const DriverName = "peerbase_sqlite"

// Size is how many compiled statements each connection keeps.
const Size = 48

// maxQueryLen: longer texts (a bulk insert's, a generated IN list's) are
// not kept; they rarely come back alike.
const maxQueryLen = 8 << 10

var register sync.Once

// Register registers the caching driver (once).
func Register() {
	register.Do(func() {
		// the driver modernc registered as "sqlite", with whatever functions
		// and hooks were registered on it (a Driver made here would have none)
		db, err := sql.Open("sqlite", ":memory:")
		if err != nil {
			panic(err)
		}
		sql.Register(DriverName, &Driver{Raw: db.Driver(), Size: Size})
		_ = db.Close()
	})
}

// Pragmas are PocketBase's own connection settings (core.DefaultDBConnect
// of v0.40.4), which the binary keeps.
const Pragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)&_defensive=1"

// Connect opens the database at dbPath as PocketBase does, through the
// caching driver; it is a core.DBConnectFunc.
func Connect(dbPath string) (*dbx.DB, error) {
	Register()
	db, err := sql.Open(DriverName, dbPath+Pragmas)
	if err != nil {
		return nil, err
	}
	// "sqlite": dbx picks its SQLite builder by this name
	return dbx.NewFromDB(db, "sqlite"), nil
}

// Driver is modernc's SQLite driver (Raw) with a statement cache of Size
// statements per connection.
type Driver struct {
	Raw  driver.Driver
	Size int
}

// Open opens a connection.
func (d *Driver) Open(name string) (driver.Conn, error) {
	c, err := d.Raw.Open(name)
	if err != nil {
		return nil, err
	}
	raw, ok := c.(rawConn)
	if !ok {
		_ = c.Close()
		return nil, fmt.Errorf("stmtcache: %T lacks an interface of modernc's connection", c)
	}
	return &conn{raw: raw, size: d.Size, byText: map[string]*list.Element{}, lru: list.New()}, nil
}

// rawConn is what modernc's connection implements and database/sql uses.
type rawConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// conn is one connection and its kept statements. database/sql uses a
// connection from one goroutine at a time: no lock is needed.
type conn struct {
	raw    rawConn
	size   int
	byText map[string]*list.Element // of *kept
	lru    *list.List               // front: most recently used
}

// kept is a compiled statement.
type kept struct {
	text    string
	stmt    driver.Stmt
	busy    bool // open rows are reading it
	dropped bool // out of the cache: closed when its rows close
}

var _ rawConn = (*conn)(nil)

func (c *conn) Prepare(query string) (driver.Stmt, error) { return c.raw.Prepare(query) }
func (c *conn) Begin() (driver.Tx, error) {
	return c.raw.Begin() //nolint:staticcheck // driver.Conn's; database/sql calls BeginTx
}
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.raw.BeginTx(ctx, opts)
}
func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.raw.PrepareContext(ctx, query)
}
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.raw.ExecContext(ctx, query, args)
}
func (c *conn) Ping(ctx context.Context) error         { return c.raw.Ping(ctx) }
func (c *conn) ResetSession(ctx context.Context) error { return c.raw.ResetSession(ctx) }
func (c *conn) IsValid() bool                          { return c.raw.IsValid() }
func (c *conn) rawQuery(ctx context.Context, q string, a []driver.NamedValue) (driver.Rows, error) {
	return c.raw.QueryContext(ctx, q, a)
}

// Close closes the kept statements, then the connection (SQLite does not
// close a connection with statements left).
func (c *conn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		k := e.Value.(*kept)
		k.dropped = true
		if !k.busy {
			_ = k.stmt.Close()
		}
	}
	c.lru.Init()
	clear(c.byText)
	return c.raw.Close()
}

// QueryContext runs a read through a kept statement when it can.
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(query) > maxQueryLen || c.size <= 0 {
		return c.rawQuery(ctx, query, args)
	}
	var k *kept
	if e := c.byText[query]; e != nil {
		k = e.Value.(*kept)
		if k.busy {
			// the same text read again while its rows are open
			return c.rawQuery(ctx, query, args)
		}
		c.lru.MoveToFront(e)
	} else {
		s, err := c.raw.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		if _, ok := s.(driver.StmtQueryContext); !ok {
			_ = s.Close()
			return c.rawQuery(ctx, query, args)
		}
		k = &kept{text: query, stmt: s}
		c.byText[query] = c.lru.PushFront(k)
		for c.lru.Len() > c.size {
			old := c.lru.Back()
			c.lru.Remove(old)
			ok := old.Value.(*kept)
			delete(c.byText, ok.text)
			ok.dropped = true
			if !ok.busy {
				_ = ok.stmt.Close()
			}
		}
	}
	rows, err := k.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	k.busy = true
	return &keptRows{Rows: rows, k: k}, nil
}

// keptRows are a kept statement's rows: closing them frees it.
type keptRows struct {
	driver.Rows
	k *kept
}

func (r *keptRows) Close() error {
	err := r.Rows.Close()
	r.k.busy = false
	if r.k.dropped {
		if e := r.k.stmt.Close(); err == nil {
			err = e
		}
	}
	return err
}

// The column type methods modernc's rows have, passed on.

func (r *keptRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *keptRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *keptRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *keptRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *keptRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
