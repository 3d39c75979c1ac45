// Package sqlitepart gives an application direct access to the partitions
// of partgen's emulated SQLite tables, with the application's own sqlc
// queries.
//
// On SQLite partgen turns a table into one table per period and a view
// under the table's name (UNION ALL of the partitions) whose INSTEAD OF
// triggers route writes. sqlc checks queries against that view, and they
// run on it as they are; but a read through the view probes every
// partition (51x a one-partition read at 120 partitions, BENCHMARKS.md) and an insert
// through its triggers costs several times a plain one. This package runs
// the same sqlc statements on the partition tables a key or a range needs:
//
//	parts := sqlitepart.New(db) // db: the *sql.DB the sqlc queries use
//	ps, err := parts.Overlapping(ctx, "logins", from, to)
//	for _, p := range ps {
//		rows, err := logindb.New(parts.On(p)).LoginsBetween(ctx, ...)
//	}
//
//	tx, _ := db.BeginTx(ctx, nil)
//	ptx, err := parts.InTx(ctx, tx)
//	p, err := ptx.Partition("logins", login.At) // the partition of one row
//	err = logindb.New(ptx.On(p)).InsertLogin(ctx, ...)
//
// [DB.On] and [Tx.On] return a sqlc DBTX that rewrites each statement
// written against the view so that it reads or writes the partition table
// instead: the statement's references to the view as a table (FROM, JOIN,
// INSERT INTO, UPDATE, DELETE FROM) name the partition, which keeps the
// view's name as its alias, so qualified columns (logins.ts) still
// resolve. String literals, column names, aliases, common table expressions
// and other tables are left as written; a join of two partgen tables takes
// one partition of each. The rewrite reads the statement with SQLite's
// lexical rules, not with a regular expression.
//
// The package learns the partitions from the database itself, so a
// deployed program needs no migrations folder: each view's definition
// ([dialect.SQLiteViewMembers]) and each member table's CHECK
// ([dialect.SQLitePartition], [dialect.SQLiteBounds]). It reads them again
// whenever PRAGMA schema_version says a migration changed the schema since
// (one prepared pragma per lookup). Statements are prepared once and kept.
//
// Writes straight into a partition skip the view's triggers, which also
// rewrite keys to partgen's canonical UTC text: a key must already be in
// that form ([dialect.SQLiteKey]), which go-sqlite3 writes for a UTC
// time.Time; the DBTX converts every time.Time argument to UTC for that
// reason. A partition's CHECK refuses a key outside its range or in another
// form, so a row can never land in the wrong table.
//
// The package imports no goose, no YAML parser and none of partgen's
// templates: an application links only it, database/sql and partgen's
// leaf packages.
package sqlitepart

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DB is the partitions of the partgen tables of one SQLite database. It is
// safe for concurrent use. Its zero value is not usable: call [New].
type DB struct {
	db   *sql.DB
	snap atomic.Pointer[snapshot]

	loadMu sync.Mutex // one snapshot swap at a time

	versionMu   sync.Mutex
	versionStmt *sql.Stmt

	stmtMu sync.RWMutex
	stmts  map[string]*cachedStmt // rewritten SQL -> statement prepared on db

	rewriteMu sync.RWMutex
	rewrites  map[string]map[string]string // route key -> query -> rewritten query

	ons sync.Map // partition name -> *conn of On(p), for a single partition
}

// cachedStmt is a statement prepared on the database and the partitions it
// names, so that a reload can close the ones whose partitions are gone.
type cachedStmt struct {
	stmt       *sql.Stmt
	partitions []string
}

// New reads the partitions of db's partgen tables on first use. db is the
// database the application's sqlc queries run on; New does not take it
// over (closing it is the caller's), but [DB.Close] closes the statements
// the package prepared on it.
func New(db *sql.DB) *DB {
	return &DB{db: db, stmts: map[string]*cachedStmt{}, rewrites: map[string]map[string]string{}}
}

// Close closes the statements the package prepared. It does not close the
// database.
func (d *DB) Close() error {
	d.stmtMu.Lock()
	defer d.stmtMu.Unlock()
	for k, c := range d.stmts {
		c.stmt.Close()
		delete(d.stmts, k)
	}
	d.versionMu.Lock()
	defer d.versionMu.Unlock()
	if d.versionStmt != nil {
		d.versionStmt.Close()
		d.versionStmt = nil
	}
	return nil
}

// schemaVersion reads PRAGMA schema_version with a statement prepared once.
func (d *DB) schemaVersion(ctx context.Context) (int64, error) {
	d.versionMu.Lock()
	st := d.versionStmt
	if st == nil {
		var err error
		st, err = d.db.PrepareContext(ctx, "PRAGMA schema_version")
		if err != nil {
			d.versionMu.Unlock()
			return 0, err
		}
		d.versionStmt = st
	}
	d.versionMu.Unlock()
	var v int64
	err := st.QueryRowContext(ctx).Scan(&v)
	return v, err
}

// fresh returns the partitions as of the database's current schema
// version, reading them again if a migration changed the schema.
func (d *DB) fresh(ctx context.Context) (*snapshot, error) {
	v, err := d.schemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if s := d.snap.Load(); s != nil && s.version == v {
		return s, nil
	}
	return d.reload(ctx, d.db, v)
}

// reload reads the partitions through q at schema version v, unless a
// snapshot of that version is there already. No lock is held while it
// reads: with a single connection, a transaction holding it may be waiting
// to reload too. Schema versions only grow, so the newest read wins.
func (d *DB) reload(ctx context.Context, q querier, v int64) (*snapshot, error) {
	if s := d.snap.Load(); s != nil && s.version == v {
		return s, nil
	}
	s, err := load(ctx, q, v)
	if err != nil {
		return nil, err
	}
	d.loadMu.Lock()
	defer d.loadMu.Unlock()
	if cur := d.snap.Load(); cur == nil || cur.version < v {
		d.snap.Store(s)
		d.forget(s)
	}
	return s, nil
}

// forget closes the cached statements, and drops the rewrites and DBTXs,
// that name a partition table the schema no longer has: a long-running
// program keeps only what the partitions of today need.
func (d *DB) forget(s *snapshot) {
	gone := func(names []string) bool {
		for _, p := range names {
			if !s.exists[strings.ToLower(p)] {
				return true
			}
		}
		return false
	}
	d.stmtMu.Lock()
	for k, c := range d.stmts {
		if gone(c.partitions) {
			c.stmt.Close()
			delete(d.stmts, k)
		}
	}
	d.stmtMu.Unlock()
	d.rewriteMu.Lock()
	for k := range d.rewrites {
		if gone(strings.Split(k, "\x00")) {
			delete(d.rewrites, k)
		}
	}
	d.rewriteMu.Unlock()
	d.ons.Range(func(k, _ any) bool {
		if gone([]string{k.(string)}) {
			d.ons.Delete(k)
		}
		return true
	})
}

// Partition returns the partition of table that holds key: its range
// partition, else the table's default partition. The error is
// [ErrNotPartitioned] for a table that is not partgen's, a [*KeyError]
// ([ErrNoPartition]) when no partition holds the key.
func (d *DB) Partition(ctx context.Context, table string, key time.Time) (Partition, error) {
	s, err := d.fresh(ctx)
	if err != nil {
		return Partition{}, err
	}
	return s.partition(table, key.UTC())
}

// Overlapping returns the partitions of table that share an instant with
// [from, to), in time order, then the default partition if the table has
// one (it may hold any key). A statement run on each of them, with the
// range in its WHERE clause, reads what the same statement reads through
// the view.
func (d *DB) Overlapping(ctx context.Context, table string, from, to time.Time) ([]Partition, error) {
	s, err := d.fresh(ctx)
	if err != nil {
		return nil, err
	}
	return s.overlapping(table, from.UTC(), to.UTC())
}

// Partitions returns every partition of table: the ranges in time order,
// then the default partition if any.
func (d *DB) Partitions(ctx context.Context, table string) ([]Partition, error) {
	s, err := d.fresh(ctx)
	if err != nil {
		return nil, err
	}
	return s.all(table)
}

// On returns a sqlc DBTX on the database that runs each statement with the
// given partitions in place of their tables' views (at most one partition
// per table, the first one given; a view with none is left as it is, and
// read whole). Statements are prepared on
// first use and kept. An error from a partition table a migration retired
// since it was looked up is [ErrSchemaChanged] (from a Row's Scan, the
// driver's own: test errors with [IsSchemaChanged]).
func (d *DB) On(ps ...Partition) DBTX {
	if len(ps) == 1 {
		if c, ok := d.ons.Load(ps[0].Name); ok && c.(*conn).routes[0].view == ps[0].Table {
			return c.(*conn)
		}
		c := &conn{d: d, routes: routesOf(ps), key: routeKey(ps), partitions: names(ps)}
		d.ons.Store(ps[0].Name, c)
		return c
	}
	return &conn{d: d, routes: routesOf(ps), key: routeKey(ps), partitions: names(ps)}
}

// Tx is a transaction's view of the partitions: the ones at the schema
// version the transaction sees, which no other connection can change
// before it ends. Lookups on it need no database round trip. Use it for the
// length of the transaction only.
type Tx struct {
	d    *DB
	tx   *sql.Tx
	snap *snapshot
	ons  map[string]*conn
}

// InTx reads the schema version through tx (and the partitions, if they
// changed), so that rows routed by the returned Tx go where the
// transaction's own view of the schema says. Nothing is read through the
// database itself: a program may give SQLite a single connection, which tx
// then holds.
func (d *DB) InTx(ctx context.Context, tx *sql.Tx) (*Tx, error) {
	var v int64
	if err := tx.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
		return nil, err
	}
	s := d.snap.Load()
	if s == nil || s.version != v {
		var err error
		if s, err = d.reload(ctx, tx, v); err != nil {
			return nil, err
		}
	}
	return &Tx{d: d, tx: tx, snap: s}, nil
}

// Partition is [DB.Partition] within the transaction.
func (t *Tx) Partition(table string, key time.Time) (Partition, error) {
	return t.snap.partition(table, key.UTC())
}

// Overlapping is [DB.Overlapping] within the transaction.
func (t *Tx) Overlapping(table string, from, to time.Time) ([]Partition, error) {
	return t.snap.overlapping(table, from.UTC(), to.UTC())
}

// Partitions is [DB.Partitions] within the transaction.
func (t *Tx) Partitions(table string) ([]Partition, error) { return t.snap.all(table) }

// On is [DB.On] within the transaction: statements are prepared on the
// transaction once and kept until it ends. The same partitions give the
// same DBTX, so calling On for every row costs a map lookup.
func (t *Tx) On(ps ...Partition) DBTX {
	key := routeKey(ps)
	if c, ok := t.ons[key]; ok {
		return c
	}
	c := &conn{d: t.d, tx: t.tx, routes: routesOf(ps), key: key, partitions: names(ps), txStmts: map[string]*sql.Stmt{}}
	if t.ons == nil {
		t.ons = map[string]*conn{}
	}
	t.ons[key] = c
	return c
}

func routesOf(ps []Partition) []route {
	out := make([]route, len(ps))
	for i, p := range ps {
		out[i] = route{view: p.Table, table: p.Name}
	}
	return out
}

// routeKey names a set of partitions: partition names are unique in a
// database, so one partition is its own key.
func routeKey(ps []Partition) string {
	if len(ps) == 1 {
		return ps[0].Name
	}
	return strings.Join(names(ps), "\x00")
}

func names(ps []Partition) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}
