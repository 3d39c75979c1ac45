package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/examples/marketdata/db/sqlitedb"
)

// SQLite is the repository on partgen's emulated partitions. It writes
// straight into the partition table of each row (the view's INSTEAD OF
// triggers cost about 3x on insert) and reads only the partitions a range
// overlaps (a query on the view probes every one of them). The statements
// are sqlc's, checked against the view; the repository runs them with the
// partition table in the view's place: every partition has the view's
// columns.
type SQLite struct {
	db    *sql.DB
	cat   *catalog
	stmts *stmtCache

	alertMu sync.Mutex // alert ids are max + 1 over the partitions
}

// NewSQLite works on a database whose market_data and alert_log are
// partgen's views. Keys are written in partgen's canonical UTC text.
func NewSQLite(db *sql.DB) *SQLite {
	cat := newCatalog(db)
	return &SQLite{db: db, cat: cat, stmts: &stmtCache{db: db, cat: cat}}
}

// onPartition runs sqlc's statements for a view against one partition table.
type onPartition struct {
	inner sqlitedb.DBTX
	view  string
	table string
	stmts *stmtCache // reads outside a transaction reuse prepared statements
}

// stmtCache keeps one prepared statement per rewritten read: preparing
// against a schema of a hundred partitions, their indexes and the view's
// triggers costs more than a one-day read itself.
type stmtCache struct {
	mu      sync.Mutex
	db      *sql.DB
	cat     *catalog
	version int64 // the catalog's schema version the statements belong to
	stmts   map[string]*sql.Stmt
}

// catalogVersion is the schema version of the newest catalog snapshot: a
// statement prepared for an older schema is prepared again.
func (c *stmtCache) catalogVersion() int64 {
	if s := c.cat.latest(); s != nil {
		return s.version
	}
	return -1
}

func (c *stmtCache) get(ctx context.Context, version int64, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version || c.stmts == nil {
		for _, s := range c.stmts {
			s.Close()
		}
		c.stmts, c.version = map[string]*sql.Stmt{}, version
	}
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

var rewrites sync.Map // view + "\x00" + table + "\x00" + query -> rewritten query

func (p onPartition) rewrite(query string) string {
	key := p.view + "\x00" + p.table + "\x00" + query
	if q, ok := rewrites.Load(key); ok {
		return q.(string)
	}
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(p.view) + `\b`)
	q := re.ReplaceAllLiteralString(query, `"`+p.table+`"`)
	rewrites.Store(key, q)
	return q
}

func (p onPartition) ExecContext(ctx context.Context, q string, args ...interface{}) (sql.Result, error) {
	return p.inner.ExecContext(ctx, p.rewrite(q), args...)
}

func (p onPartition) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return p.inner.PrepareContext(ctx, p.rewrite(q))
}

func (p onPartition) QueryContext(ctx context.Context, q string, args ...interface{}) (*sql.Rows, error) {
	if p.stmts != nil {
		s, err := p.stmts.get(ctx, p.stmts.catalogVersion(), p.rewrite(q))
		if err != nil {
			return nil, err
		}
		return s.QueryContext(ctx, args...)
	}
	return p.inner.QueryContext(ctx, p.rewrite(q), args...)
}

func (p onPartition) QueryRowContext(ctx context.Context, q string, args ...interface{}) *sql.Row {
	if p.stmts != nil {
		if s, err := p.stmts.get(ctx, p.stmts.catalogVersion(), p.rewrite(q)); err == nil {
			return s.QueryRowContext(ctx, args...)
		}
	}
	return p.inner.QueryRowContext(ctx, p.rewrite(q), args...)
}

// on runs sqlc's statements for view against one partition table: through
// the statement cache on the database, directly on a transaction.
func (r *SQLite) on(db sqlitedb.DBTX, view, table string) *sqlitedb.Queries {
	p := onPartition{inner: db, view: view, table: table}
	if db == sqlitedb.DBTX(r.db) {
		p.stmts = r.stmts
	}
	return sqlitedb.New(p)
}

// target finds the partition table a key belongs in by snapshot s: its
// range partition, else the default partition, else ErrNoPartition naming
// the key.
func target(s *snapshot, op, view string, key time.Time) (string, error) {
	if table, ok := s.route(view, key); ok {
		return table, nil
	}
	return "", &Error{Op: op, Kind: ErrNoPartition, Table: view, Key: key}
}

// testHookRouted, when set by a test, runs after a write is routed and
// before its transaction begins: where a migration may commit.
var testHookRouted func()

func (r *SQLite) InsertTick(ctx context.Context, t Tick) error {
	_, err := r.insertTicks(ctx, "InsertTick", []Tick{t})
	return err
}

// InsertTicks writes the batch in one transaction, each row straight into
// its partition through one prepared statement per partition.
func (r *SQLite) InsertTicks(ctx context.Context, ticks []Tick) (int64, error) {
	return r.insertTicks(ctx, "InsertTicks", ticks)
}

// errSchemaMoved says a migration changed the partitions between routing
// the rows and writing them; the write is retried once on the new schema.
var errSchemaMoved = fmt.Errorf("the partitions changed while writing")

func (r *SQLite) insertTicks(ctx context.Context, op string, ticks []Tick) (int64, error) {
	for _, t := range ticks {
		if err := validTick(op, t); err != nil {
			return 0, err
		}
	}
	for attempt := 0; ; attempt++ {
		n, err := r.tryInsertTicks(ctx, op, ticks)
		if errors.Is(err, errSchemaMoved) && attempt == 0 {
			continue
		}
		return n, err
	}
}

// tryInsertTicks routes the whole batch by one catalog snapshot (one PRAGMA
// schema_version per batch, then an in-memory search per row), checks in
// the transaction that the schema is still that snapshot's, and writes each
// row through one prepared statement per partition.
func (r *SQLite) tryInsertTicks(ctx context.Context, op string, ticks []Tick) (int64, error) {
	snap, err := r.cat.now(ctx)
	if err != nil {
		return 0, classify(op, "market_data", err)
	}
	tables := make([]string, len(ticks))
	for i, t := range ticks {
		if tables[i], err = target(snap, op, "market_data", t.TS); err != nil {
			return 0, err
		}
	}
	if testHookRouted != nil {
		testHookRouted()
	}
	var n int64
	err = InTx(ctx, r.db, func(tx *sql.Tx) error {
		// The transaction's own view of the schema must be the one the rows
		// were routed by (a migration may have committed in between).
		if ok, err := snap.still(ctx, tx); err != nil {
			return err
		} else if !ok {
			return errSchemaMoved
		}
		stmts := map[string]*sql.Stmt{}
		defer func() {
			for _, s := range stmts {
				s.Close()
			}
		}()
		for i, t := range ticks {
			stmt := stmts[tables[i]]
			if stmt == nil {
				var err error
				stmt, err = tx.PrepareContext(ctx, onPartition{view: "market_data", table: tables[i]}.rewrite(sqlitedb.InsertTick))
				if err != nil {
					return err
				}
				stmts[tables[i]] = stmt
			}
			if _, err := stmt.ExecContext(ctx, t.InstrumentID, dialect.SQLiteKey(t.TS), t.Price, t.Volume); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if errors.Is(err, errSchemaMoved) {
		return 0, err
	}
	if err != nil {
		return 0, classify(op, "market_data", err)
	}
	return n, nil
}

// readParts runs a read over the partitions a range touches. When a
// migration retired one of them between the catalog check and the query,
// SQLite answers "no such table" and the read runs once more on the schema
// as it is now.
func (r *SQLite) readParts(ctx context.Context, view string, from, to time.Time, read func(parts []string) error) error {
	for attempt := 0; ; attempt++ {
		snap, err := r.cat.now(ctx)
		if err != nil {
			return err
		}
		err = read(snap.overlapping(view, from, to))
		if err != nil && attempt == 0 && strings.Contains(err.Error(), "no such table") {
			continue // the next attempt reads the catalog again
		}
		return err
	}
}

func sqliteTick(m sqlitedb.MarketData) (Tick, error) {
	at, err := dialect.ParseSQLiteKey(m.Ts)
	if err != nil {
		return Tick{}, err
	}
	return Tick{InstrumentID: m.InstrumentID, TS: at, Price: m.Price, Volume: m.Volume}, nil
}

func (r *SQLite) TicksInRange(ctx context.Context, instrument int64, from, to time.Time) ([]Tick, error) {
	const op = "TicksInRange"
	if instrument <= 0 {
		return nil, invalid(op, "instrument id %d is not positive", instrument)
	}
	if err := validRange(op, from, to); err != nil {
		return nil, err
	}
	var out []Tick
	err := r.readParts(ctx, "market_data", from, to, func(parts []string) error {
		out = out[:0]
		for _, p := range parts {
			rows, err := r.on(r.db, "market_data", p).TicksInRange(ctx, sqlitedb.TicksInRangeParams{
				InstrumentID: instrument, FromTs: dialect.SQLiteKey(from), ToTs: dialect.SQLiteKey(to)})
			if err != nil {
				return err
			}
			for _, m := range rows {
				t, err := sqliteTick(m)
				if err != nil {
					return err
				}
				out = append(out, t)
			}
		}
		return nil
	})
	if err != nil {
		return nil, classify(op, "market_data", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TS.Before(out[j].TS) })
	return out, nil
}

func (r *SQLite) LatestTicks(ctx context.Context, since time.Time) ([]Tick, error) {
	const op = "LatestTicks"
	if since.IsZero() {
		return nil, invalid(op, "since is not set")
	}
	type newest struct {
		ts        string
		partition string
	}
	var out []Tick
	err := r.readParts(ctx, "market_data", since, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), func(parts []string) error {
		best := map[int64]newest{}
		for _, p := range parts {
			rows, err := r.on(r.db, "market_data", p).LatestTicks(ctx, dialect.SQLiteKey(since))
			if err != nil {
				return err
			}
			for _, row := range rows {
				// Canonical keys sort as text in time order.
				if b, ok := best[row.InstrumentID]; !ok || row.Ts > b.ts {
					best[row.InstrumentID] = newest{row.Ts, p}
				}
			}
		}
		out = out[:0]
		for id, b := range best {
			m, err := r.on(r.db, "market_data", b.partition).TickAt(ctx, sqlitedb.TickAtParams{InstrumentID: id, Ts: b.ts})
			if err != nil {
				return err
			}
			t, err := sqliteTick(m)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, classify(op, "market_data", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].InstrumentID < out[j].InstrumentID })
	return out, nil
}

func (r *SQLite) InstrumentStats(ctx context.Context, from, to time.Time) ([]Stats, error) {
	const op = "InstrumentStats"
	if err := validRange(op, from, to); err != nil {
		return nil, err
	}
	var agg map[int64]*Stats
	err := r.readParts(ctx, "market_data", from, to, func(parts []string) error {
		agg = map[int64]*Stats{}
		for _, p := range parts {
			rows, err := r.on(r.db, "market_data", p).InstrumentStats(ctx, sqlitedb.InstrumentStatsParams{FromTs: dialect.SQLiteKey(from), ToTs: dialect.SQLiteKey(to)})
			if err != nil {
				return err
			}
			mergeStats(agg, rows)
		}
		return nil
	})
	if err != nil {
		return nil, classify(op, "market_data", err)
	}
	out := make([]Stats, 0, len(agg))
	for _, s := range agg {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].InstrumentID < out[j].InstrumentID })
	return out, nil
}

// mergeStats folds one partition's aggregates into the running ones.
func mergeStats(agg map[int64]*Stats, rows []sqlitedb.InstrumentStatsRow) {
	for _, s := range rows {
		a := agg[s.InstrumentID]
		if a == nil {
			agg[s.InstrumentID] = &Stats{InstrumentID: s.InstrumentID, Ticks: s.Ticks, Low: s.Low, High: s.High, Volume: s.Volume}
			continue
		}
		a.Ticks += s.Ticks
		a.Volume += s.Volume
		if s.Low < a.Low {
			a.Low = s.Low
		}
		if s.High > a.High {
			a.High = s.High
		}
	}
}

// InsertAlert assigns the next id (the highest over every partition + 1;
// this repository serialises its own inserts, other writers must not
// assign ids concurrently) and writes the alert into its partition.
func (r *SQLite) InsertAlert(ctx context.Context, a Alert) (int64, error) {
	const op = "InsertAlert"
	if err := validAlert(op, a); err != nil {
		return 0, err
	}
	r.alertMu.Lock()
	defer r.alertMu.Unlock()
	for attempt := 0; ; attempt++ {
		id, err := r.tryInsertAlert(ctx, op, a)
		if errors.Is(err, errSchemaMoved) && attempt == 0 {
			continue
		}
		return id, err
	}
}

func (r *SQLite) tryInsertAlert(ctx context.Context, op string, a Alert) (int64, error) {
	// Route before the transaction: a program may give SQLite a single
	// connection, which the transaction then holds.
	snap, err := r.cat.now(ctx)
	if err != nil {
		return 0, classify(op, "alert_log", err)
	}
	table, err := target(snap, op, "alert_log", a.RaisedAt)
	if err != nil {
		return 0, err
	}
	all := snap.overlapping("alert_log", time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	if testHookRouted != nil {
		testHookRouted()
	}
	var id int64
	err = InTx(ctx, r.db, func(tx *sql.Tx) error {
		if ok, err := snap.still(ctx, tx); err != nil {
			return err
		} else if !ok {
			return errSchemaMoved
		}
		for _, p := range all {
			m, err := r.on(tx, "alert_log", p).MaxAlertID(ctx)
			if err != nil {
				return err
			}
			id = max(id, m)
		}
		id++
		return r.on(tx, "alert_log", table).InsertAlert(ctx, sqlitedb.InsertAlertParams{
			ID: id, InstrumentID: a.InstrumentID, RaisedAt: dialect.SQLiteKey(a.RaisedAt), Severity: a.Severity, Message: a.Message})
	})
	if errors.Is(err, errSchemaMoved) {
		return 0, err
	}
	if err != nil {
		return 0, classify(op, "alert_log", err)
	}
	return id, nil
}

func (r *SQLite) AlertsInRange(ctx context.Context, from, to time.Time, severities ...string) ([]Alert, error) {
	const op = "AlertsInRange"
	if err := validRange(op, from, to); err != nil {
		return nil, err
	}
	if err := validSeverities(op, severities...); err != nil {
		return nil, err
	}
	var out []Alert
	err := r.readParts(ctx, "alert_log", from, to, func(parts []string) error {
		out = out[:0]
		for _, p := range parts {
			rows, err := r.on(r.db, "alert_log", p).AlertsInRange(ctx, sqlitedb.AlertsInRangeParams{
				FromTs: dialect.SQLiteKey(from), ToTs: dialect.SQLiteKey(to), Severities: orAll(severities)})
			if err != nil {
				return err
			}
			for _, a := range rows {
				at, err := dialect.ParseSQLiteKey(a.RaisedAt)
				if err != nil {
					return fmt.Errorf("alert %d: %w", a.ID, err)
				}
				out = append(out, Alert{ID: a.ID, InstrumentID: a.InstrumentID, RaisedAt: at, Severity: a.Severity, Message: a.Message})
			}
		}
		return nil
	})
	if err != nil {
		return nil, classify(op, "alert_log", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].RaisedAt.Equal(out[j].RaisedAt) {
			return out[i].RaisedAt.Before(out[j].RaisedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

var (
	_ Repository = (*SQLite)(nil)
	_ Repository = (*Postgres)(nil)
)
