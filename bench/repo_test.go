package bench

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/examples/marketdata/db/pgdb"
	"github.com/partgen/partgen/examples/marketdata/db/sqlitedb"
	"github.com/partgen/partgen/examples/marketdata/repository"
)

// Shared by the repository benchmarks (issue 6, items 1-3): the example
// domain's market_data table on both engines, partitioned by partgen's own
// generated migrations, and the same table unpartitioned ("plain": same
// columns, primary key and index) as the baseline.
//
// The baseline runs the very same code as the partitioned side wherever it
// can: on PostgreSQL it is repository.NewPostgres over a connection that
// renames market_data to plain in every statement (so InsertTicks is the
// same CopyFrom, TicksInRange the same sqlc query, into the plain table); on
// SQLite it is sqlc's own statement for the view, run against the plain
// table with the same per-row conversion the repository does.

var (
	flagIngestRows       = flag.Int("bench-ingest-rows", 0, "rows of the PostgreSQL ingest benchmark (default 1M, 5M with -bench-full)")
	flagSQLiteIngestRows = flag.Int("bench-sqlite-ingest-rows", 0, "rows of the SQLite ingest benchmark (default: both 200k and 1M)")
	flagBatch            = flag.Int("bench-batch", 10_000, "rows per InsertTicks call (and per transaction / COPY on the baselines)")
	flagIngestSides      = flag.String("bench-sqlite-ingest-sides", "", "profiling: run only these SQLite ingest sides (comma-separated: partitioned, plain, view, or none) and record no figure")
	flagReadMonthRows    = flag.Int("bench-read-month-rows", 0, "rows per month of the range-read benchmarks (default 10k, 50k with -bench-full)")
)

func ingestRows() int {
	switch {
	case *flagIngestRows > 0:
		return *flagIngestRows
	case full():
		return 5_000_000
	}
	return 1_000_000
}

// sqliteIngestSizes are the SQLite ingest sizes: 200k and 1M rows (issue
// 16), or the one -bench-sqlite-ingest-rows names.
func sqliteIngestSizes() []int {
	if *flagSQLiteIngestRows > 0 {
		return []int{*flagSQLiteIngestRows}
	}
	return []int{200_000, 1_000_000}
}

func readMonthRows() int {
	switch {
	case *flagReadMonthRows > 0:
		return *flagReadMonthRows
	case full():
		return 50_000
	}
	return 10_000
}

// The example domain's market_data (migrations/*/20260101000000_create_market_tables.sql).
const repoBasePG = `-- +goose Up
CREATE TABLE market_data (
    instrument_id bigint        NOT NULL,
    ts            timestamptz   NOT NULL,
    price         numeric(18,8) NOT NULL,
    volume        bigint        NOT NULL,
    PRIMARY KEY (instrument_id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX market_data_ts_idx ON market_data (ts);
-- +goose Down
DROP TABLE market_data;
`

const repoPlainPG = `
CREATE TABLE plain (
    instrument_id bigint        NOT NULL,
    ts            timestamptz   NOT NULL,
    price         numeric(18,8) NOT NULL,
    volume        bigint        NOT NULL,
    PRIMARY KEY (instrument_id, ts)
) WITH (autovacuum_enabled = off);
CREATE INDEX plain_ts_idx ON plain (ts);
`

const repoBaseSQLite = `-- +goose Up
CREATE TABLE market_data (
    instrument_id INTEGER NOT NULL,
    ts            TEXT    NOT NULL,
    price         REAL    NOT NULL,
    volume        INTEGER NOT NULL,
    PRIMARY KEY (instrument_id, ts)
);
CREATE INDEX market_data_ts_idx ON market_data (ts);
-- +goose Down
DROP TABLE market_data;
`

const repoPlainSQLite = `
CREATE TABLE plain (
    instrument_id INTEGER NOT NULL,
    ts            TEXT    NOT NULL,
    price         REAL    NOT NULL,
    volume        INTEGER NOT NULL,
    PRIMARY KEY (instrument_id, ts)
);
CREATE INDEX plain_ts_idx ON plain (ts);
`

const repoBaseVersion = 20000101000000

// monthlyWorkspace is a goose folder whose partgen file makes exactly
// `partitions` monthly partitions of market_data starting at start (premake
// 1, so the as-of month is the second to last). Nothing is applied yet.
func monthlyWorkspace(tb testing.TB, dialect string, start calendar.Date, partitions int) *workspace {
	tb.Helper()
	base := repoBasePG
	if dialect == "sqlite" {
		base = repoBaseSQLite
	}
	w := newWorkspace(tb, fmt.Sprintf("%d_market_data.sql", repoBaseVersion), base)
	w.setSpec(fmt.Sprintf(`version: 1
dialect: %s
migrations: .
timezone: UTC
tables:
  - name: market_data
    key: ts
    interval: month
    premake: 1
    start: %s
`, dialect, start))
	asOf := addMonths(start, partitions-2)
	asOf.Day = 15
	w.generate(asOf)
	return w
}

func startTime(d calendar.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// makeTicks spreads n ticks evenly over [from, to) in time order, as a time
// series arrives, cycling through `instruments` instruments.
func makeTicks(n, instruments int, from, to time.Time) []repository.Tick {
	step := to.Sub(from) / time.Duration(n)
	ticks := make([]repository.Tick, n)
	for i := range ticks {
		ticks[i] = repository.Tick{
			InstrumentID: int64(i%instruments + 1),
			TS:           from.Add(time.Duration(i) * step).Truncate(time.Microsecond),
			Price:        float64(i%9973) / 100,
			Volume:       int64(i % 1000),
		}
	}
	return ticks
}

// ---- PostgreSQL

var marketDataRE = regexp.MustCompile(`\bmarket_data\b`)

// pgRenamed is a pgdb.DBTX that runs every statement against another table
// than market_data: the repository's own code on the baseline table.
type pgRenamed struct {
	db    pgdb.DBTX
	table string
	cache *sync.Map
}

func newPGRenamed(db pgdb.DBTX, table string) pgRenamed {
	return pgRenamed{db: db, table: table, cache: &sync.Map{}}
}

func (r pgRenamed) sql(q string) string {
	if s, ok := r.cache.Load(q); ok {
		return s.(string)
	}
	s := marketDataRE.ReplaceAllLiteralString(q, r.table)
	r.cache.Store(q, s)
	return s
}

func (r pgRenamed) Exec(ctx context.Context, q string, args ...interface{}) (pgconn.CommandTag, error) {
	return r.db.Exec(ctx, r.sql(q), args...)
}

func (r pgRenamed) Query(ctx context.Context, q string, args ...interface{}) (pgx.Rows, error) {
	return r.db.Query(ctx, r.sql(q), args...)
}

func (r pgRenamed) QueryRow(ctx context.Context, q string, args ...interface{}) pgx.Row {
	return r.db.QueryRow(ctx, r.sql(q), args...)
}

func (r pgRenamed) CopyFrom(ctx context.Context, name pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if len(name) == 1 && name[0] == "market_data" {
		name = pgx.Identifier{r.table}
	}
	return r.db.CopyFrom(ctx, name, cols, src)
}

func newPool(tb testing.TB, dsn string) *pgxpool.Pool {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	must(tb, "pgx pool", err)
	tb.Cleanup(pool.Close)
	return pool
}

// pgLeafCount is the number of partitions of market_data.
func pgLeafCount(tb testing.TB, db *sql.DB) int64 {
	return queryInt(tb, db, "SELECT count(*) FROM pg_partition_tree('market_data') WHERE isleaf")
}

// pgAutovacuumOff keeps background VACUUM/ANALYZE out of timed steps.
func pgAutovacuumOff(tb testing.TB, db *sql.DB) {
	exec(tb, db, `DO $$ DECLARE r record; BEGIN
		FOR r IN SELECT relid FROM pg_partition_tree('market_data') WHERE isleaf LOOP
			EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = off)', r.relid::regclass);
		END LOOP; END $$`)
}

// ---- SQLite

// openSQLite opens a database file the way internal/testdb does.
// Extra DSN parameters (e.g. "&_cache_size=-262144") may follow.
func openSQLite(tb testing.TB, path string, params ...string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite3", path+"?_foreign_keys=on&_busy_timeout=5000&_sync=OFF"+strings.Join(params, ""))
	must(tb, "open "+path, err)
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	return db
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	src, err := os.Open(from)
	must(tb, "open", err)
	defer src.Close()
	dst, err := os.Create(to)
	must(tb, "create", err)
	_, err = io.Copy(dst, src)
	must(tb, "copy", err)
	must(tb, "close", dst.Close())
}

// sqliteRenamed is a sqlitedb.DBTX that runs sqlc's statements for the
// market_data view against another table.
type sqliteRenamed struct {
	db    sqlitedb.DBTX
	table string
	cache *sync.Map
}

func newSQLiteRenamed(db sqlitedb.DBTX, table string) sqliteRenamed {
	return sqliteRenamed{db: db, table: table, cache: &sync.Map{}}
}

func (r sqliteRenamed) sql(q string) string {
	if s, ok := r.cache.Load(q); ok {
		return s.(string)
	}
	s := marketDataRE.ReplaceAllLiteralString(q, r.table)
	r.cache.Store(q, s)
	return s
}

func (r sqliteRenamed) ExecContext(ctx context.Context, q string, args ...interface{}) (sql.Result, error) {
	return r.db.ExecContext(ctx, r.sql(q), args...)
}

func (r sqliteRenamed) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return r.db.PrepareContext(ctx, r.sql(q))
}

func (r sqliteRenamed) QueryContext(ctx context.Context, q string, args ...interface{}) (*sql.Rows, error) {
	return r.db.QueryContext(ctx, r.sql(q), args...)
}

func (r sqliteRenamed) QueryRowContext(ctx context.Context, q string, args ...interface{}) *sql.Row {
	return r.db.QueryRowContext(ctx, r.sql(q), args...)
}

// sqliteTicks / sqliteStats are what the repository does with sqlc's rows
// (parse the canonical keys, order by time / by instrument), for the
// baselines that run sqlc's statements without the repository.
func sqliteTicks(ctx context.Context, q *sqlitedb.Queries, instrument int64, from, to time.Time) ([]repository.Tick, error) {
	rows, err := q.TicksInRange(ctx, sqlitedb.TicksInRangeParams{InstrumentID: instrument, FromTs: dialect.SQLiteKey(from), ToTs: dialect.SQLiteKey(to)})
	if err != nil {
		return nil, err
	}
	out := make([]repository.Tick, 0, len(rows))
	for _, m := range rows {
		at, err := dialect.ParseSQLiteKey(m.Ts)
		if err != nil {
			return nil, err
		}
		out = append(out, repository.Tick{InstrumentID: m.InstrumentID, TS: at, Price: m.Price, Volume: m.Volume})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].TS.Before(out[j].TS) })
	return out, nil
}

func sqliteStats(ctx context.Context, q *sqlitedb.Queries, from, to time.Time) ([]repository.Stats, error) {
	rows, err := q.InstrumentStats(ctx, sqlitedb.InstrumentStatsParams{FromTs: dialect.SQLiteKey(from), ToTs: dialect.SQLiteKey(to)})
	if err != nil {
		return nil, err
	}
	out := make([]repository.Stats, 0, len(rows))
	for _, s := range rows {
		out = append(out, repository.Stats{InstrumentID: s.InstrumentID, Ticks: s.Ticks, Low: s.Low, High: s.High, Volume: s.Volume})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].InstrumentID < out[j].InstrumentID })
	return out, nil
}

// sqliteInsert writes ticks in transactions of batch rows through one
// prepared statement per transaction: sqlc's InsertTick, optionally renamed
// to another table (an empty table keeps the view, whose triggers route
// the rows).
func sqliteInsert(ctx context.Context, db *sql.DB, table string, ticks []repository.Tick, batch int) error {
	q := sqlitedb.InsertTick
	if table != "" {
		q = marketDataRE.ReplaceAllLiteralString(q, table)
	}
	for i := 0; i < len(ticks); i += batch {
		chunk := ticks[i:min(i+batch, len(ticks))]
		err := repository.InTx(ctx, db, func(tx *sql.Tx) error {
			stmt, err := tx.PrepareContext(ctx, q)
			if err != nil {
				return err
			}
			defer stmt.Close()
			for _, t := range chunk {
				if _, err := stmt.ExecContext(ctx, t.InstrumentID, dialect.SQLiteKey(t.TS), t.Price, t.Volume); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
