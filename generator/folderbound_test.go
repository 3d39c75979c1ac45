package generator_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/check"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/status"
)

// deletable applies README's rule ("Keeping the folder bounded"):
// [folder.Folder.Trimmable].
func deletable(mig *folder.Folder) []string { return mig.Trimmable() }

// Issue 15 (6): sixty days of daily runs on a daily table with retention
// write one retirement file per run, not one per partition; the files a
// user may delete by README's rule can go, and generate, check, status and
// goose up go on as before.
func TestFolderStaysBounded(t *testing.T) {
	spec := `version: 1
dialect: postgres
migrations: .
timezone: UTC
tables:
  - {name: clicks, key: at, interval: day, premake: 2, start: 2026-01-01, retention: {keep: 7, action: drop}}
  - {name: views, key: at, interval: day, premake: 2, start: 2026-01-01, retention: {keep: 7, action: archive, archive_schema: cold, drop_after: 3}}
`
	base := "-- +goose Up\n" +
		"CREATE TABLE clicks (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);\n" +
		"CREATE TABLE views (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);\n"
	w := newWorkspace(t, spec, base)
	db := pgDatabase(t)
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 60; i++ {
		d := day.AddDate(0, 0, i)
		w.generate(d.Format("2006-01-02"))
		w.up(db, goose.DialectPostgres)
		for _, table := range []string{"clicks", "views"} {
			_, err := db.Exec("INSERT INTO "+table+" (at) VALUES ($1), ($2)", d.Add(time.Hour), d.Add(23*time.Hour))
			must(t, err)
		}
	}
	mig, err := folder.Read(w.dir)
	must(t, err)
	files, lines, longest := 0, 0, 0
	for _, mf := range mig.Files {
		if !mf.Partgen {
			continue
		}
		files++
		data, err := os.ReadFile(mf.Path)
		must(t, err)
		for _, l := range strings.Split(string(data), "\n") {
			lines++
			if len(l) > longest && !strings.HasPrefix(l, "-- partgen:") && !strings.Contains(l, "'partgen: ") {
				longest = len(l)
			}
		}
	}
	t.Logf("60 daily runs, 2 tables: %d partgen files, %d lines, longest line outside messages and markers %d", files, lines, longest)
	if longest > 120 {
		t.Errorf("a generated line is %d characters long", longest)
	}
	// One retirement (and one purge) file per table and run at most.
	perRun := map[string]int{}
	for _, mf := range mig.Files {
		if len(mf.Markers) > 0 && mf.Markers[0].Op != folder.OpCreate && mf.Markers[0].Op != folder.OpDefault {
			perRun[mf.Name[:8]+" "+string(mf.Markers[0].Op)+" "+mf.Markers[0].Table]++
		}
	}
	for k, n := range perRun {
		if n > 1 {
			t.Errorf("%s: %d files", k, n)
		}
	}

	gone := deletable(mig)
	if len(gone) < 40 {
		t.Fatalf("only %d files are deletable after 60 days", len(gone))
	}
	for _, name := range gone {
		must(t, os.Remove(filepath.Join(w.dir, name)))
	}
	t.Logf("deleted %d applied files by README's rule; %d partgen files remain", len(gone), files-len(gone))

	// The folder that remains replays on a new database as it is.
	fresh := pgDatabase(t)
	w.up(fresh, goose.DialectPostgres)
	if n := testdb.Count(t, fresh, "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhparent = 'clicks'::regclass"); n != 10 {
		t.Errorf("the trimmed folder replayed gives clicks %d partitions, want 10", n)
	}

	// The next day: generate writes what that day calls for and nothing
	// more (no partition comes back), check and status are satisfied, goose
	// up applies it.
	next := day.AddDate(0, 0, 60)
	ahead := next.AddDate(0, 0, 2).Format("2006_01_02") // premake 2
	plan := w.generate(next.Format("2006-01-02"))
	for _, f := range plan.Files {
		for _, line := range strings.Split(string(f.Body), "\n") {
			if strings.HasPrefix(line, "-- partgen:partition op=create") && !strings.Contains(line, "_p"+ahead+" ") {
				t.Errorf("%s brings back a partition: %s", f.Name, line)
			}
		}
	}
	w.up(db, goose.DialectPostgres)
	sp := w.loadSpec()
	mig, err = folder.Read(w.dir)
	must(t, err)
	if r := check.Run(sp, mig, calendar.DateOf(next, time.UTC), check.Options{Runway: -1}); len(r.Problems) != 0 {
		t.Errorf("check after the deletion: %+v", r.Problems)
	}
	var name string
	must(t, db.QueryRow("SELECT current_database()").Scan(&name))
	conn := pgxConn(t, name)
	r, err := status.Read(context.Background(), status.Postgres(conn), sp, next.Add(12*time.Hour), status.Options{Folder: mig})
	must(t, err)
	if r.Health != rules.OK {
		t.Errorf("status after the deletion: %s %+v", r.Health, r.Problems)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhparent = 'clicks'::regclass"); n != 10 {
		t.Errorf("clicks has %d partitions, want 10 (7 kept, the current day, 2 ahead)", n)
	}
}

// pgxConn opens a pgx connection to the test database name, with the
// settings partgen status uses.
func pgxConn(t *testing.T, name string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(strings.Replace(testdb.AdminURL(), "/test?", "/"+name+"?", 1))
	must(t, err)
	cfg.RuntimeParams["datestyle"] = "ISO, MDY"
	cfg.RuntimeParams["timezone"] = "UTC"
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	must(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// The rule on SQLite (from a review): after a trim, the files kept write
// views over partitions whose files are gone; that is not a view ahead of
// its partitions (nothing creates them again), so check passes, generate
// writes the next day, and goose up applies it to the database that
// applied the deleted files. A new database cannot replay a trimmed SQLite
// folder (README says so): each file rewrites the view over the
// partitions of the files before it.
func TestSQLiteFolderAfterATrim(t *testing.T) {
	spec := `version: 1
dialect: sqlite
migrations: .
timezone: UTC
tables:
  - {name: clicks, key: at, interval: day, premake: 2, start: 2026-01-01, retention: {keep: 3, action: drop}}
`
	base := "-- +goose Up\nCREATE TABLE clicks (id INTEGER NOT NULL, at TEXT NOT NULL, PRIMARY KEY (id, at));\n"
	w := newWorkspace(t, spec, base)
	db, path := testdb.SQLite(t)
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 12; i++ {
		d := day.AddDate(0, 0, i)
		w.generate(d.Format("2006-01-02"))
		w.up(db, goose.DialectSQLite3)
		_, err := db.Exec("INSERT INTO clicks (id, at) VALUES (?, ?)", i, d.Add(time.Hour).Format("2006-01-02 15:04:05+00:00"))
		must(t, err)
	}
	mig, err := folder.Read(w.dir)
	must(t, err)
	gone := deletable(mig)
	if len(gone) < 8 {
		t.Fatalf("only %d files are deletable after 12 days", len(gone))
	}
	for _, name := range gone {
		must(t, os.Remove(filepath.Join(w.dir, name)))
	}
	next := day.AddDate(0, 0, 12)
	mig, err = folder.Read(w.dir)
	must(t, err)
	if r := check.Run(w.loadSpec(), mig, calendar.DateOf(day.AddDate(0, 0, 11), time.UTC), check.Options{Runway: -1}); len(r.Problems) != 0 {
		t.Errorf("check after the trim: %+v", r.Problems)
	}
	if p := w.generate(next.Format("2006-01-02")); len(p.Files) == 0 {
		t.Errorf("generate for %s wrote nothing", next.Format("2006-01-02"))
	}
	w.up(db, goose.DialectSQLite3)
	if n := testdb.Count(t, db, "SELECT count(*) FROM clicks"); n != 3 {
		t.Errorf("clicks holds %d rows through its view, want 3 (keep 3)", n)
	}
	out, err := exec.Command("sqlite3", path, "PRAGMA integrity_check; SELECT count(*) FROM clicks").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok\n3" {
		t.Errorf("sqlite3: %v %q", err, out)
	}
}

// From a second trial: a retention file whose partitions the first file
// created together with the default partition (which stays) is not
// trimmable; deleting it would leave the folder saying its partitions are
// still attached (a false gap, a second drop of them, a version reused).
// What the rule allows to go leaves check, generate and goose up working.
func TestTrimKeepsTheRecordOfKeptFiles(t *testing.T) {
	w := newWorkspace(t, viewAheadSpec, viewAheadBase)
	db, path := testdb.SQLite(t)
	for d := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC); !d.After(time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		w.generate(d.Format("2006-01-02"))
		w.up(db, goose.DialectSQLite3)
	}
	mig, err := folder.Read(w.dir)
	must(t, err)
	gone := mig.Trimmable()
	if len(gone) < 10 {
		t.Errorf("only %d files are trimmable after three weeks of daily runs", len(gone))
	}
	for _, name := range gone {
		if strings.Contains(name, "_partgen_drop_readings_p2026_11_25_") {
			t.Errorf("%s is trimmable, but the file that created its partitions also made the default partition, which stays", name)
		}
		must(t, os.Remove(filepath.Join(w.dir, name)))
	}
	t.Logf("trimmable: %v", gone)
	mig, err = folder.Read(w.dir)
	must(t, err)
	asOf, err := calendar.ParseDate("2026-12-20")
	must(t, err)
	if r := check.Run(w.loadSpec(), mig, asOf, check.Options{Runway: -1}); len(r.Problems) != 0 {
		t.Errorf("check after the trim: %+v", r.Problems)
	}
	before := mig.MaxVersion()
	p := w.generate("2026-12-21")
	for _, f := range p.Files {
		if f.Version <= before {
			t.Errorf("%s reuses a version at or below the folder's newest, %d", f.Name, before)
		}
	}
	w.up(db, goose.DialectSQLite3)
	out, err := exec.Command("sqlite3", path, "PRAGMA integrity_check; SELECT count(*) FROM readings").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok\n0" {
		t.Errorf("sqlite3: %v %q", err, out)
	}
}
