package sqlitepart_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/spec"
)

// The tables of the tests: two partgen tables a user might have, one with a
// default partition, and a plain one.
const (
	testSpec = `version: 1
dialect: sqlite
migrations: .
timezone: UTC
tables:
  - name: logins
    key: ts
    interval: month
    premake: 2
    start: 2026-09-01
  - name: sessions
    key: started_at
    interval: month
    premake: 2
    start: 2026-09-01
    default_partition: true
`
	testBase = `-- +goose Up
CREATE TABLE logins (
    id   INTEGER NOT NULL,
    ts   TEXT    NOT NULL,
    note TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (id, ts)
);
CREATE INDEX logins_note_idx ON logins (note);
CREATE TABLE sessions (
    id         INTEGER NOT NULL,
    login_id   INTEGER NOT NULL,
    started_at TEXT    NOT NULL,
    PRIMARY KEY (id, started_at)
);
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);

-- +goose Down
DROP TABLE users;
DROP TABLE sessions;
DROP TABLE logins;
`
)

// folder is a goose folder with the tests' spec and base migration.
type folder struct {
	t   testing.TB
	dir string
}

func newFolder(t testing.TB, specText, base string) *folder {
	t.Helper()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "partgen.yaml"), []byte(specText), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "20260101000000_base.sql"), []byte(base), 0o644))
	return &folder{t: t, dir: dir}
}

// generate writes partgen's files for asOf into the folder.
func (f *folder) generate(asOf string) {
	f.t.Helper()
	sp, err := spec.Load(filepath.Join(f.dir, "partgen.yaml"))
	must(f.t, err)
	d, err := calendar.ParseDate(asOf)
	must(f.t, err)
	p, err := generator.Generate(sp, d)
	must(f.t, err)
	_, err = p.Write()
	must(f.t, err)
}

// up applies the folder with goose.
func (f *folder) up(db *sql.DB) {
	f.t.Helper()
	p, err := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS(f.dir), goose.WithLogger(goose.NopLogger()))
	must(f.t, err)
	_, err = p.Up(context.Background())
	must(f.t, err)
}

// openFile opens a SQLite file in a temporary directory.
func openFile(t testing.TB) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_journal_mode=WAL")
	must(t, err)
	t.Cleanup(func() { db.Close() })
	return db, path
}

// testDB is a SQLite file with the tests' tables, brought up as of asOf.
func testDB(t testing.TB, asOf string) (*sql.DB, *folder) {
	t.Helper()
	f := newFolder(t, testSpec, testBase)
	f.generate(asOf)
	db, _ := openFile(t)
	f.up(db)
	return db, f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
