package generator_test

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/check"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/rules"
)

const viewAheadSpec = `version: 1
dialect: sqlite
migrations: .
timezone: UTC
tables:
  - name: readings
    key: read_at
    interval: day
    premake: 3
    start: 2026-11-25
    default_partition: true
    retention: {keep: 5, action: drop}
`

const viewAheadBase = `-- +goose Up
CREATE TABLE readings (
    id        INTEGER NOT NULL,
    sensor_id INTEGER NOT NULL,
    read_at   TEXT    NOT NULL,
    PRIMARY KEY (id, read_at)
);
-- +goose Down
DROP TABLE readings;
`

// From a new user's trial: rows in the default partition stop a creation
// file (on_default_rows: fail), whose message says to delete it and run
// generate again. The same run's retention file, written after it, rebuilt
// the view over the partitions the deleted file made; a new creation file
// would sort after it, and applying the retention file left the view
// naming tables that did not exist ("no such table" on every statement).
// check now reports such a file, and generate refuses to write after it,
// pointing at the file and saying to delete it too. Following that, the
// folder applies and the table works.
func TestViewNamesAPartitionOfADeletedFile(t *testing.T) {
	w := newWorkspace(t, viewAheadSpec, viewAheadBase)
	db, path := testdb.SQLite(t)
	w.generate("2026-11-30")
	w.up(db, goose.DialectSQLite3)
	// Rows past the runway (2026-12-03) wait in the default partition.
	_, err := db.Exec("INSERT INTO readings (id, sensor_id, read_at) VALUES (1, 7, '2026-12-05 10:00:00+00:00'), (2, 7, '2026-12-06 10:00:00+00:00')")
	must(t, err)

	run := w.generate("2026-12-10")
	var create, retire string
	for _, f := range run.Files {
		switch {
		case strings.Contains(f.Name, "_partgen_create_"):
			create = f.Name
		case strings.Contains(f.Name, "_partgen_drop_"):
			retire = f.Name
		}
	}
	if create == "" || retire == "" || create > retire {
		t.Fatalf("the run wrote %v; want a creation file, then a retention file", run.Files)
	}
	if _, err := w.provider(db, goose.DialectSQLite3).Up(context.Background()); err == nil || !strings.Contains(err.Error(), "delete this file and the partgen files after it") {
		t.Fatalf("goose up: %v; want the creation file to stop on the default partition's rows, saying to delete the files after it too", err)
	}

	// The user deletes the creation file alone: generate refuses to write
	// a new one after the retention file, pointing at that file.
	createBody, err := os.ReadFile(filepath.Join(w.dir, create))
	must(t, err)
	must(t, os.Remove(filepath.Join(w.dir, create)))
	asOf, err := calendar.ParseDate("2026-12-10")
	must(t, err)
	// check names the retention file at once: its view names partitions the
	// as-of date keeps and no file creates (from a second trial).
	mig, err := folder.Read(w.dir)
	must(t, err)
	if r := check.Run(w.loadSpec(), mig, asOf, check.Options{Runway: -1}); !hasViewAhead(r, retire, "9 partitions, readings_p2026_12_05 through readings_p2026_12_13,") {
		t.Errorf("check after the deletion: %+v", r.Problems)
	}
	se := generateErr(t, w, "2026-12-10")
	if !strings.HasSuffix(se.File, retire) || !strings.Contains(se.Msg, "writes the view readings over 9 partitions, readings_p2026_12_05 through readings_p2026_12_13,") ||
		!strings.Contains(se.Msg, "only a new partgen generate run would create them, after it") || !strings.Contains(se.Fix, "delete it and the partgen files after it") {
		t.Fatalf("generate: %s:%d: %s / %s", se.File, se.Line, se.Msg, se.Fix)
	}
	if body, err := os.ReadFile(se.File); err != nil || !strings.HasPrefix(strings.Split(string(body), "\n")[se.Line-1], "CREATE VIEW readings") {
		t.Errorf("line %d of %s is not the view's CREATE VIEW (%v)", se.Line, se.File, err)
	}

	// The folder an earlier partgen wrote here: the creation file again,
	// after the retention file. check names the retention file.
	later := strings.Replace(create, "20261210000000", "20261210000002", 1)
	must(t, os.WriteFile(filepath.Join(w.dir, later), createBody, 0o644))
	mig, err = folder.Read(w.dir)
	must(t, err)
	r := check.Run(w.loadSpec(), mig, asOf, check.Options{Runway: -1})
	var found bool
	for _, p := range r.Problems {
		if p.Code == rules.CodeViewAhead {
			found = true
			if !strings.HasSuffix(p.File, retire) || !strings.Contains(p.Message, "9 partitions, readings_p2026_12_05 through readings_p2026_12_13,") ||
				!strings.Contains(p.Message, later+", later, creates them") || !strings.Contains(p.Message, "delete it and the partgen files after it") {
				t.Errorf("check: %+v", p)
			}
		}
	}
	if !found || r.Health != rules.Critical {
		t.Fatalf("check found no view_ahead problem: %+v", r.Problems)
	}
	must(t, os.Remove(filepath.Join(w.dir, later)))

	// What the file would have done: applied alone, the view names tables
	// that do not exist, for the system's sqlite3 shell too.
	broken := filepath.Join(t.TempDir(), "broken.db")
	_, err = db.Exec("VACUUM INTO ?", broken)
	must(t, err)
	bdb, err := sql.Open("sqlite3", broken)
	must(t, err)
	if _, err := w.provider(bdb, goose.DialectSQLite3).Up(context.Background()); err != nil {
		t.Fatalf("goose up of the retention file alone: %v", err)
	}
	bdb.Close()
	out, err := exec.Command("sqlite3", broken, "SELECT count(*) FROM readings").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no such table") {
		t.Fatalf("sqlite3 on the folder generate now refuses: %v %s; want no such table", err, out)
	}

	// The fix: delete the retention file too, move the rows out of the
	// default partition, and generate again; the folder applies and the
	// table answers.
	must(t, os.Remove(filepath.Join(w.dir, retire)))
	_, err = db.Exec("DELETE FROM readings WHERE read_at >= '2026-12-05'")
	must(t, err)
	w.generate("2026-12-10")
	w.up(db, goose.DialectSQLite3)
	if n := testdb.Count(t, db, "SELECT count(*) FROM readings"); n != 0 {
		t.Errorf("readings holds %d rows, want 0", n)
	}
	out, err = exec.Command("sqlite3", path, "PRAGMA integrity_check; SELECT count(*) FROM readings").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok\n0" {
		t.Errorf("sqlite3: %v %q", err, out)
	}
}

// hasViewAhead reports whether r holds a view_ahead problem on file naming
// the partitions in names.
func hasViewAhead(r *check.Report, file, names string) bool {
	for _, p := range r.Problems {
		if p.Code == rules.CodeViewAhead && strings.HasSuffix(p.File, file) && strings.Contains(p.Message, names) {
			return true
		}
	}
	return false
}
