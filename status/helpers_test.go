package status_test

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/examples/marketdata/migrations"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/status"
)

// The example folders are pinned to as-of 2026-11-26: market_data has
// monthly partitions 2026-01 through 2027-02, alert_log quarterly ones
// 2026-Q1 through 2027-Q2 plus a default partition.
var exampleNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// example is the example domain applied to a fresh database.
type example struct {
	t      *testing.T
	spec   *spec.Spec
	folder *folder.Folder
	sqlDB  *sql.DB   // goose and inserts
	pg     *pgx.Conn // PostgreSQL: what status reads through
	src    status.Source
}

func loadExample(t *testing.T, dir string) (*spec.Spec, *folder.Folder) {
	t.Helper()
	sp, err := spec.Load(filepath.Join(dir, "partgen.yaml"))
	testdb.Must(t, "load spec", err)
	mig, err := folder.Read(sp.Migrations)
	testdb.Must(t, "read folder", err)
	return sp, mig
}

func gooseUp(t *testing.T, db *sql.DB, dialect goose.Dialect, fsys fs.FS) {
	t.Helper()
	p, err := goose.NewProvider(dialect, db, fsys, goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "goose provider", err)
	_, err = p.Up(context.Background())
	testdb.Must(t, "goose up", err)
}

// postgresExample applies migrations/postgres to a new database.
func postgresExample(t *testing.T) *example {
	t.Helper()
	db, dsn := testdb.Postgres(t)
	sub, err := fs.Sub(migrations.Postgres, "postgres")
	testdb.Must(t, "sub", err)
	gooseUp(t, db, goose.DialectPostgres, sub)
	e := &example{t: t, sqlDB: db}
	e.spec, e.folder = loadExample(t, "../examples/marketdata/migrations/postgres")
	e.pg = pgConnect(t, dsn)
	e.src = status.Postgres(e.pg)
	return e
}

func pgConnect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	testdb.Must(t, "pgx connect", err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// sqliteExample applies migrations/sqlite to a new file.
func sqliteExample(t *testing.T) *example {
	t.Helper()
	db, _ := testdb.SQLite(t)
	sub, err := fs.Sub(migrations.SQLite, "sqlite")
	testdb.Must(t, "sub", err)
	gooseUp(t, db, goose.DialectSQLite3, sub)
	e := &example{t: t, sqlDB: db, src: status.SQLite(db)}
	e.spec, e.folder = loadExample(t, "../examples/marketdata/migrations/sqlite")
	return e
}

// report reads the example's status at now.
func (e *example) report(now time.Time, exact bool) *status.Report {
	e.t.Helper()
	r, err := status.Read(context.Background(), e.src, e.spec, now, status.Options{Exact: exact, Folder: e.folder, Database: "test"})
	testdb.Must(e.t, "status.Read", err)
	return r
}

func (e *example) exec(query string, args ...any) {
	e.t.Helper()
	_, err := e.sqlDB.Exec(query, args...)
	testdb.Must(e.t, query, err)
}

// copyFolder copies a goose folder (SQL files and the spec) to a temporary
// directory, so a test can generate more files into it.
func copyFolder(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	testdb.Must(t, "read "+src, err)
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) == ".go" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		testdb.Must(t, "read", err)
		testdb.Must(t, "write", os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
	}
	return dst
}

// generateInto brings the folder up to date for asOf, as `partgen generate` would.
func generateInto(t *testing.T, dir string, asOf calendar.Date) []string {
	t.Helper()
	sp, err := spec.Load(filepath.Join(dir, "partgen.yaml"))
	testdb.Must(t, "load spec", err)
	plan, err := generator.Generate(sp, asOf)
	testdb.Must(t, "generate", err)
	written, err := plan.Write()
	testdb.Must(t, "write plan", err)
	return written
}

func partition(t *testing.T, r *status.Report, table, name string) status.Partition {
	t.Helper()
	tb := table1(t, r, table)
	for _, p := range tb.Partitions {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("%s has no partition %s", table, name)
	return status.Partition{}
}

func table1(t *testing.T, r *status.Report, name string) status.Table {
	t.Helper()
	for _, tb := range r.Tables {
		if tb.Name == name {
			return tb
		}
	}
	t.Fatalf("report has no table %s", name)
	return status.Table{}
}

// codes lists the report's problem codes with their table, "table:code".
func codes(r *status.Report, minSeverity rules.Severity) map[string]int {
	rank := map[rules.Severity]int{rules.SevInfo: 0, rules.SevWarning: 1, rules.SevCritical: 2}
	out := map[string]int{}
	for _, p := range r.Problems {
		if rank[p.Severity] >= rank[minSeverity] {
			out[p.Table+":"+string(p.Code)]++
		}
	}
	return out
}

// exampleCopy is the example's folder for engine copied to a temporary
// directory, an empty database of that engine, and up, which applies the
// folder with goose and loads the spec and folder into e.
func exampleCopy(t *testing.T, engine string, dialect goose.Dialect) (e *example, dir string, up func()) {
	t.Helper()
	dir = copyFolder(t, filepath.Join("..", "examples", "marketdata", "migrations", engine))
	if engine == "postgres" {
		db, dsn := testdb.Postgres(t)
		e = &example{t: t, sqlDB: db, pg: pgConnect(t, dsn)}
		e.src = status.Postgres(e.pg)
	} else {
		db, _ := testdb.SQLite(t)
		e = &example{t: t, sqlDB: db, src: status.SQLite(db)}
	}
	up = func() {
		t.Helper()
		gooseUp(t, e.sqlDB, dialect, os.DirFS(dir))
		e.spec, e.folder = loadExample(t, dir)
	}
	return e, dir, up
}
