package sqliteschema_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/sqliteschema"
)

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The definition comes from the user's own migrations, even after partgen
// has turned the table into a view, and a table created later by a
// hand-written migration is found too.
func TestReaderSeesTheUsersDefinition(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "partgen.yaml", "version: 1\ndialect: sqlite\nmigrations: .\ntables:\n  - {name: ticks, key: ts, interval: month, premake: 1}\n")
	write(t, dir, "20260101000000_base.sql", `-- +goose Up
CREATE TABLE ticks (id INTEGER NOT NULL, ts TEXT NOT NULL, note TEXT NOT NULL DEFAULT 'none', PRIMARY KEY (id, ts));
CREATE INDEX ticks_ts ON ticks (ts);
-- +goose Down
DROP TABLE ticks;
`)
	sp, err := spec.Load(filepath.Join(dir, "partgen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := calendar.ParseDate("2026-11-26")
	plan, err := generator.Generate(sp, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "20261201000000_more.sql", "-- +goose Up\nCREATE TABLE other (x INTEGER PRIMARY KEY);\n-- +goose Down\nDROP TABLE other;\n")
	mig, err := folder.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := sqliteschema.NewReader()
	defer r.Close()
	for _, read := range []func(*folder.Folder, string) (*sqliteschema.Table, error){r.Read, sqliteschema.Read} {
		st, err := read(mig, "ticks")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(st.SQL, "CREATE TABLE ticks") || strings.Join(st.Columns, ",") != "id,ts,note" ||
			strings.Join(st.PrimaryKey, ",") != "id,ts" || len(st.Indexes) != 1 || st.NotNullDefaults["note"] != "('none')" {
			t.Fatalf("definition of ticks: %+v", st)
		}
	}
	if st, err := r.Read(mig, "other"); err != nil || strings.Join(st.PrimaryKey, ",") != "x" {
		t.Fatalf("other: %+v, %v", st, err)
	}
	_, err = r.Read(mig, "missing")
	var se *spec.Error
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "never create table missing") || se.Fix == "" {
		t.Fatalf("missing table: %v", err)
	}
}

// A migration SQLite cannot run is reported with its file.
func TestReaderNamesTheBrokenMigration(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "20260101000000_base.sql", "-- +goose Up\nCREATE TABLE ticks (ts TEXT);\n")
	write(t, dir, "20260102000000_broken.sql", "-- +goose Up\nCREATE TABLE oops (;\n")
	mig, err := folder.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqliteschema.NewReader().Read(mig, "ticks")
	var se *spec.Error
	if !errors.As(err, &se) || !strings.HasSuffix(se.File, "20260102000000_broken.sql") {
		t.Fatalf("err = %v, want one naming the broken file", err)
	}
}

func TestReaderRefusesATableOthersReference(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "20260101000000_base.sql", `-- +goose Up
CREATE TABLE ticks (id INTEGER NOT NULL, ts TEXT NOT NULL, PRIMARY KEY (id, ts));
CREATE TABLE fills (id INTEGER PRIMARY KEY, tick_id INTEGER, tick_ts TEXT, FOREIGN KEY (tick_id, tick_ts) REFERENCES ticks (id, ts));
`)
	mig, err := folder.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqliteschema.NewReader().Read(mig, "ticks")
	var se *spec.Error
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "referenced by a foreign key of fills") {
		t.Fatalf("err = %v", err)
	}
}
