package generator_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/internal/testdb"
)

// A period in which nobody ran generate still gets its partition.
func TestSkippedPeriodIsFilled(t *testing.T) {
	w := newWorkspace(t, "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - {name: a, key: ts, interval: month, premake: 0}\n",
		"-- +goose Up\nCREATE TABLE a (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n")
	w.generate("2026-11-26")
	p := w.generate("2027-01-26")
	if len(p.Files) != 1 || !strings.Contains(p.Files[0].Name, "create_a_p2026_12_to_p2027_01") {
		t.Fatalf("files %v, want December and January", p.Files)
	}
}

// Moving rows out of an existing default partition works with a stored
// generated column, which PostgreSQL refuses to be given a value for.
func TestPostgresMoveFromDefaultWithGeneratedColumn(t *testing.T) {
	sp := "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - {name: ev, key: ts, interval: month, premake: 0, default_partition: true, on_default_rows: move}\n"
	base := "-- +goose Up\nCREATE TABLE ev (ts timestamptz NOT NULL, v int NOT NULL, v2 int GENERATED ALWAYS AS (v * 2) STORED) PARTITION BY RANGE (ts);\n"
	w := newWorkspace(t, sp, base)
	db := pgDatabase(t)
	w.generate("2026-11-26")
	w.up(db, goose.DialectPostgres)
	_, err := db.Exec("INSERT INTO ev (ts, v) VALUES ('2027-01-05 00:00:00+00', 21), ('2030-01-01 00:00:00+00', 1)")
	must(t, err)
	w.generate("2027-01-10")
	w.up(db, goose.DialectPostgres)
	var where string
	var v2 int
	must(t, db.QueryRow("SELECT tableoid::regclass::text, v2 FROM ev WHERE v = 21").Scan(&where, &v2))
	if where != "ev_p2027_01" || v2 != 42 {
		t.Fatalf("moved row is in %s with v2 %d, want ev_p2027_01 and 42", where, v2)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM ev_default"); n != 1 {
		t.Fatalf("default holds %d rows, want the 2030 one", n)
	}
}

// A key column with a precision is still the type key_type names.
func TestPostgresKeyWithPrecision(t *testing.T) {
	w := newWorkspace(t, "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - {name: ev, key: ts, interval: month, premake: 1}\n",
		"-- +goose Up\nCREATE TABLE ev (ts timestamptz(3) NOT NULL) PARTITION BY RANGE (ts);\n")
	w.generate("2026-11-26")
	w.up(pgDatabase(t), goose.DialectPostgres)
}

// The audit table has a file of its own, the first of the folder's first
// run. A folder without one (written by an earlier partgen, or whose file
// was deleted and must be regenerated, as partgen's hints suggest) gets it
// again, first, in the next run that writes anything.
func TestArchiveLogExistsForEveryRetentionFile(t *testing.T) {
	sp := "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - {name: a, key: ts, interval: month, premake: 0, retention: {keep: 1, action: drop}}\n"
	w := newWorkspace(t, sp, "-- +goose Up\nCREATE TABLE a (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n")
	db := pgDatabase(t)
	first := w.generate("2026-11-26")
	w.up(db, goose.DialectPostgres)
	if names := fileNames(first.Files); len(names) != 2 || !strings.HasSuffix(names[0], "_partgen_archive_log.sql") {
		t.Fatalf("files %v: the audit log's file is not the first of the folder's first run", names)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM partgen_archive_log"); n != 0 {
		t.Fatalf("%d audit rows before any retirement", n)
	}
	if later := w.generate("2027-01-26"); slices.ContainsFunc(later.Files, func(f generator.File) bool { return strings.HasSuffix(f.Name, "_partgen_archive_log.sql") }) {
		t.Fatalf("the log file was written twice: %v", fileNames(later.Files))
	}
	w.up(db, goose.DialectPostgres)
	must(t, os.Remove(filepath.Join(w.dir, first.Files[0].Name)))
	_, err := db.Exec("DROP TABLE partgen_archive_log")
	must(t, err)
	later := w.generate("2027-02-26")
	if names := fileNames(later.Files); len(names) == 0 || !strings.HasSuffix(names[0], "_partgen_archive_log.sql") {
		t.Fatalf("the log file was not written again, first: %v", names)
	}
	w.up(db, goose.DialectPostgres)
	if n := testdb.Count(t, db, "SELECT count(*) FROM partgen_archive_log WHERE partition_name = 'a_p2026_12'"); n != 1 {
		t.Fatalf("%d audit rows", n)
	}
}

// Zones whose historical offsets have seconds keep generate idempotent.
func TestOffsetWithSecondsIsIdempotent(t *testing.T) {
	w := newWorkspace(t, "version: 1\ndialect: postgres\nmigrations: .\ntimezone: Africa/Monrovia\ntables:\n  - {name: a, key: ts, interval: year, premake: 1, start: 1970-01-01}\n",
		"-- +goose Up\nCREATE TABLE a (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n")
	p := w.generate("1971-06-01")
	if body := tableFiles(p.Files)[0].Body; !strings.Contains(string(body), "'1970-01-01 00:00:00-00:44:30'::timestamptz") {
		t.Fatalf("bounds lose the offset's seconds:\n%s", body)
	}
	if again := w.plan("1971-06-01"); len(again.Files) != 0 {
		t.Fatalf("second run would write %v", again.Files)
	}
	db := pgDatabase(t)
	w.up(db, goose.DialectPostgres)
	var where string
	must(t, db.QueryRow("INSERT INTO a VALUES ('1970-01-01 00:44:30+00') RETURNING tableoid::regclass::text").Scan(&where))
	if where != "a_p1970" {
		t.Fatalf("local midnight of 1970 is in %s", where)
	}
}

// SQLite: a DEFAULT on the key column applies through the view.
func TestSQLiteKeyDefault(t *testing.T) {
	sp := "version: 1\ndialect: sqlite\nmigrations: .\ntables:\n  - {name: ev, key: created_at, interval: year, premake: 1, start: 2020-01-01}\n"
	base := "-- +goose Up\nCREATE TABLE ev (id INTEGER NOT NULL, created_at TEXT NOT NULL DEFAULT '2026-05-05 10:00:00', PRIMARY KEY (id, created_at));\n"
	w := newWorkspace(t, sp, base)
	db, _ := testdb.SQLite(t)
	w.generate("2026-11-26")
	_, err := w.provider(db, goose.DialectSQLite3).Up(context.Background())
	must(t, err)
	_, err = db.Exec("INSERT INTO ev (id) VALUES (1)")
	must(t, err)
	var key string
	must(t, db.QueryRow("SELECT created_at FROM ev WHERE id = 1").Scan(&key))
	if key != "2026-05-05 10:00:00+00:00" {
		t.Fatalf("defaulted key %q, want it in canonical form", key)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM ev_p2026"); n != 1 {
		t.Fatal("the defaulted row is not in ev_p2026")
	}
}

// A table added to a folder already generated for a later date, then
// generated for an earlier date (a pinned CI date, say): it gets the
// partitions that date asks for. The newer files' retention does not
// apply to a table they never named, so check and generate agree
// (found by a new user: generate wrote nothing, check asked for generate).
func TestOlderAsOfForANewTable(t *testing.T) {
	one := "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - {name: a, key: ts, interval: month, premake: 1, retention: {keep: 2, action: drop}}\n"
	w := newWorkspace(t, one, "-- +goose Up\nCREATE TABLE a (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\nCREATE TABLE b (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n")
	w.generate("2026-11-30")
	must(t, os.WriteFile(w.spec, []byte(one+"  - {name: b, key: ts, interval: week, premake: 3, start: 2026-09-07, retention: {keep: 4, action: detach}}\n"), 0o644))
	p := w.generate("2026-10-01")
	if !slices.ContainsFunc(p.Files, func(f generator.File) bool { return strings.HasSuffix(f.Name, "_create_b_p2026w37_to_p2026w43.sql") }) {
		t.Fatalf("as of 2026-10-01 the new table b wants weeks 37 (start: 2026-09-07) through 43 (week 40 + premake 3): %v", fileNames(p.Files))
	}
	if again := w.plan("2026-10-01"); len(again.Files) != 0 {
		t.Fatalf("a second run writes %v", fileNames(again.Files))
	}
}

// A fresh table whose start: lies before its retention window: the first
// file starts where retention allows, and its header says why (found by a
// new user: the header named start: and showed no reason for the gap).
func TestStartPastRetentionIsExplained(t *testing.T) {
	w := newWorkspace(t, "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - {name: r, key: ts, interval: month, premake: 1, start: 2026-01-01, retention: {keep: 6, action: drop}}\n",
		"-- +goose Up\nCREATE TABLE r (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n")
	files := tableFiles(w.generate("2026-11-30").Files)
	if len(files) != 1 || !strings.HasSuffix(files[0].Name, "_create_r_p2026_05_to_p2026_12.sql") {
		t.Fatalf("files %v, want 2026-05 (keep 6 before 2026-11) through 2026-12", fileNames(files))
	}
	want := "-- Periods ending at or before 2026-05-01 00:00:00+00 are past retention (keep 6) and are not created: this file starts\n-- at 2026-05."
	if !strings.Contains(string(files[0].Body), want) {
		t.Errorf("the header does not say why the file starts after start:\n%s", files[0].Body[:1200])
	}
}
