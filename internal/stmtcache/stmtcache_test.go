package stmtcache

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// small is the driver with room for two statements per connection.
const small = "peerbase_sqlite_small"

func init() {
	Register()
	raw, _ := sql.Open(DriverName, ":memory:")
	sql.Register(small, &Driver{Raw: raw.Driver().(*Driver).Raw, Size: 2})
	_ = raw.Close()
}

// open returns one connection to a new database file with a table t of
// n rows (id, name) through driverName.
func open(t testing.TB, driverName string, n int) (*sql.DB, *sql.Conn) {
	t.Helper()
	db, err := sql.Open(driverName, filepath.Join(t.TempDir(), "data.db")+Pragmas)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if _, err := c.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := c.ExecContext(ctx, "INSERT INTO t (id, name) VALUES (?, ?)", i, fmt.Sprint("n", i)); err != nil {
			t.Fatal(err)
		}
	}
	return db, c
}

func names(t *testing.T, c *sql.Conn, query string, args ...any) []string {
	t.Helper()
	rows, err := c.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// keptTexts returns the texts conn c keeps, most recent first.
func keptTexts(t *testing.T, c *sql.Conn) []string {
	t.Helper()
	var out []string
	err := c.Raw(func(dc any) error {
		for e := dc.(*conn).lru.Front(); e != nil; e = e.Next() {
			out = append(out, e.Value.(*kept).text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestKeptAndReused(t *testing.T) {
	_, c := open(t, DriverName, 5)
	const q = "SELECT name FROM t WHERE id >= ? ORDER BY id"
	for i := 1; i <= 5; i++ {
		got := names(t, c, q, i)
		want := []string{"n1", "n2", "n3", "n4", "n5"}[i-1:]
		if !slices.Equal(got, want) {
			t.Fatalf("id >= %d: %v, want %v", i, got, want)
		}
	}
	// no rows, then rows again: the reset statement binds anew
	if got := names(t, c, q, 99); len(got) != 0 {
		t.Fatalf("id >= 99: %v", got)
	}
	if got := names(t, c, q, 5); !slices.Equal(got, []string{"n5"}) {
		t.Fatalf("id >= 5 after no rows: %v", got)
	}
	if got := keptTexts(t, c); !slices.Equal(got, []string{q}) {
		t.Fatalf("kept: %q", got)
	}
	// writes are not kept
	if _, err := c.ExecContext(context.Background(), "UPDATE t SET name = 'x' WHERE id = ?", 1); err != nil {
		t.Fatal(err)
	}
	if got := keptTexts(t, c); !slices.Equal(got, []string{q}) {
		t.Fatalf("kept after a write: %q", got)
	}
	if got := names(t, c, q, 1); got[0] != "x" {
		t.Fatalf("the write is not seen: %v", got)
	}
}

// TestSameTextWhileRowsOpen: a query read again on the same connection
// before its rows are closed gets a statement of its own.
func TestSameTextWhileRowsOpen(t *testing.T) {
	_, c := open(t, DriverName, 3)
	ctx := context.Background()
	const q = "SELECT name FROM t WHERE id >= ? ORDER BY id"
	outer, err := c.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var s string
		if err := outer.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s+":"+fmt.Sprint(names(t, c, q, 3)))
	}
	if err := outer.Close(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"n1:[n3]", "n2:[n3]", "n3:[n3]"}; !slices.Equal(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
	if got := names(t, c, q, 2); !slices.Equal(got, []string{"n2", "n3"}) {
		t.Fatalf("after: %v", got)
	}
}

// TestSchemaChange: a kept statement sees a column added since.
func TestSchemaChange(t *testing.T) {
	_, c := open(t, DriverName, 1)
	ctx := context.Background()
	cols := func() []string {
		rows, err := c.QueryContext(ctx, "SELECT * FROM t")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cs, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	if got := cols(); !slices.Equal(got, []string{"id", "name"}) {
		t.Fatalf("columns: %v", got)
	}
	if _, err := c.ExecContext(ctx, "ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'e'"); err != nil {
		t.Fatal(err)
	}
	if got := cols(); !slices.Equal(got, []string{"id", "name", "extra"}) {
		t.Fatalf("columns after ALTER TABLE: %v", got)
	}
}

// TestLeastRecentlyUsedDropped: a connection keeps Size statements, the
// most recently used; a dropped one still reads right until its rows close.
func TestLeastRecentlyUsedDropped(t *testing.T) {
	_, c := open(t, small, 3)
	ctx := context.Background()
	qs := []string{"SELECT name FROM t WHERE id = ?", "SELECT name FROM t WHERE id = ? + 0", "SELECT name FROM t WHERE id = ? + 1 - 1"}
	open, err := c.QueryContext(ctx, qs[0], 1)
	if err != nil {
		t.Fatal(err)
	}
	names(t, c, qs[1], 2)
	names(t, c, qs[2], 3) // qs[0] is dropped while its rows are open
	if got := keptTexts(t, c); !slices.Equal(got, []string{qs[2], qs[1]}) {
		t.Fatalf("kept: %q", got)
	}
	var s string
	if !open.Next() || open.Scan(&s) != nil || s != "n1" {
		t.Fatalf("the dropped statement's rows: %q", s)
	}
	if err := open.Close(); err != nil {
		t.Fatal(err)
	}
	for i, q := range qs {
		if got := names(t, c, q, i+1); !slices.Equal(got, []string{fmt.Sprint("n", i+1)}) {
			t.Fatalf("%s: %v", q, got)
		}
	}
	if got := keptTexts(t, c); !slices.Equal(got, []string{qs[2], qs[1]}) {
		t.Fatalf("kept at the end: %q", got)
	}
}

// TestInTransaction: a statement kept before a transaction reads the
// transaction's own writes, and what a rollback undid is gone.
func TestInTransaction(t *testing.T) {
	db, c := open(t, DriverName, 1)
	_ = c.Close()
	ctx := context.Background()
	const q = "SELECT count(*) FROM t"
	count := func(qr interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) int {
		var n int
		if err := qr.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	db.SetMaxOpenConns(1)
	if n := count(db); n != 1 {
		t.Fatalf("count %d", n)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO t (name) VALUES ('two')"); err != nil {
		t.Fatal(err)
	}
	if n := count(tx); n != 2 {
		t.Fatalf("count in the transaction %d", n)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := count(db); n != 1 {
		t.Fatalf("count after the rollback %d", n)
	}
}

// BenchmarkQuery reads one row by id, PocketBase's commonest query (the
// auth record of every request), through modernc's driver and through the
// caching one.
func BenchmarkQuery(b *testing.B) {
	for _, d := range []string{"sqlite", DriverName} {
		b.Run(d, func(b *testing.B) {
			db, c := open(b, d, 1000)
			_ = c.Close()
			ctx := context.Background()
			db.SetMaxIdleConns(1)
			db.SetMaxOpenConns(1)
			q := "SELECT `t`.* FROM `t` WHERE (`t`.`id` = ?) AND (`t`.`name` IS NOT NULL) LIMIT 1"
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				var id int
				var name string
				if err := db.QueryRowContext(ctx, q, i%1000+1).Scan(&id, &name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestPragmasArePocketBases: Connect's connections have the settings of
// PocketBase's own DefaultDBConnect (Pragmas is a copy of its DSN: this
// fails when an upgrade of PocketBase changes them).
func TestPragmasArePocketBases(t *testing.T) {
	dir := t.TempDir()
	settings := func(db *dbx.DB) map[string]string {
		t.Helper()
		defer db.Close()
		out := map[string]string{}
		for _, p := range []string{"busy_timeout", "journal_mode", "journal_size_limit", "synchronous", "foreign_keys", "temp_store", "cache_size"} {
			var v string
			if err := db.NewQuery("PRAGMA " + p).Row(&v); err != nil {
				t.Fatal(err)
			}
			out[p] = v
		}
		return out
	}
	ours, err := Connect(filepath.Join(dir, "ours.db"))
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := core.DefaultDBConnect(filepath.Join(dir, "theirs.db"))
	if err != nil {
		t.Fatal(err)
	}
	got, want := settings(ours), settings(theirs)
	if !maps.Equal(got, want) {
		t.Fatalf("Connect's settings %v, PocketBase's %v", got, want)
	}
	if want["journal_mode"] != "wal" || want["foreign_keys"] != "1" {
		t.Fatalf("PocketBase's settings were not read: %v", want)
	}
}
