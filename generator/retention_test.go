package generator_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/spec"
)

// The retention simulation steps the as-of date month by month, generating
// and applying with goose at each step, inserting rows into the current
// periods, and checks from the calendar alone what must be attached,
// retired or gone, that every kept row is intact and that the audit log has
// exactly one row per action.

const pgRetentionSpec = `version: 1
dialect: postgres
migrations: .
timezone: Europe/Berlin
tables:
  - name: ticks
    key: ts
    interval: month
    premake: 2
    retention: {keep: 3, action: archive, archive_schema: cold, drop_after: 2}
  - name: alerts
    key: ts
    interval: quarter
    premake: 1
    default_partition: true
    retention: {keep: 2, action: detach}
  - name: events
    key: ts
    interval: month
    premake: 1
    retention: {keep: 2, action: drop}
`

const pgRetentionBase = `-- +goose Up
CREATE TABLE ticks  (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL, v int NOT NULL, PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);
CREATE TABLE alerts (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL, v int NOT NULL, PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL, v int NOT NULL, PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);
-- +goose Down
DROP TABLE events; DROP TABLE alerts; DROP TABLE ticks;
`

const sqliteRetentionSpec = `version: 1
dialect: sqlite
migrations: .
timezone: America/New_York
tables:
  - name: ticks
    key: ts
    interval: month
    premake: 2
    retention: {keep: 3, action: archive, drop_after: 2}
  - name: alerts
    key: ts
    interval: quarter
    premake: 1
    default_partition: true
    retention: {keep: 2, action: detach}
  - name: events
    key: ts
    interval: month
    premake: 1
    retention: {keep: 2, action: drop}
`

const sqliteRetentionBase = `-- +goose Up
CREATE TABLE ticks  (id INTEGER NOT NULL, ts TEXT NOT NULL, v INTEGER NOT NULL, PRIMARY KEY (id, ts));
CREATE TABLE alerts (id INTEGER NOT NULL, ts TEXT NOT NULL, v INTEGER NOT NULL, PRIMARY KEY (id, ts));
CREATE TABLE events (id INTEGER NOT NULL, ts TEXT NOT NULL, v INTEGER NOT NULL, PRIMARY KEY (id, ts));
-- +goose Down
DROP TABLE events; DROP TABLE alerts; DROP TABLE ticks;
`

// engine hides the few differences between the two engines in the simulation.
type engine struct {
	dialect   goose.Dialect
	db        *sql.DB
	insert    func(table string, id int, at time.Time) error
	exists    func(name string) bool // a table of that (possibly qualified) name exists
	countRows func(name string) int64
	sumRows   func(name string) int64
}

func pgEngine(t *testing.T) *engine {
	db := pgDatabase(t)
	return &engine{
		dialect: goose.DialectPostgres,
		db:      db,
		insert: func(table string, id int, at time.Time) error {
			_, err := db.Exec(fmt.Sprintf("INSERT INTO %s (ts, v) VALUES ($1, $2)", table), at, id)
			return err
		},
		exists: func(name string) bool {
			var ok bool
			must(t, db.QueryRow("SELECT to_regclass($1) IS NOT NULL", name).Scan(&ok))
			return ok
		},
		countRows: func(name string) int64 { return testdb.Count(t, db, "SELECT count(*) FROM "+name) },
		sumRows:   func(name string) int64 { return testdb.Count(t, db, "SELECT coalesce(sum(v), 0) FROM "+name) },
	}
}

func sqliteEngine(t *testing.T) *engine {
	db, _ := testdb.SQLite(t)
	return &engine{
		dialect: goose.DialectSQLite3,
		db:      db,
		insert: func(table string, id int, at time.Time) error {
			_, err := db.Exec(fmt.Sprintf("INSERT INTO %s (id, ts, v) VALUES (?, ?, ?)", table), id, at, id)
			return err
		},
		exists: func(name string) bool {
			return testdb.Count(t, db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", name) == 1
		},
		countRows: func(name string) int64 { return testdb.Count(t, db, fmt.Sprintf("SELECT count(*) FROM %q", name)) },
		sumRows: func(name string) int64 {
			return testdb.Count(t, db, fmt.Sprintf("SELECT coalesce(sum(v), 0) FROM %q", name))
		},
	}
}

// simMonths is how far the retention simulation steps: ten years by
// default; `-sim-months 26` gives a two-year run for quick iterations.
var simMonths = flag.Int("sim-months", 120, "months the retention simulation steps through")

// expected is what the test itself knows of a partition's rows.
type expected struct{ rows, sum int64 }

func TestRetentionSimulationPostgres(t *testing.T) {
	runRetentionSimulation(t, pgEngine(t), pgRetentionSpec, pgRetentionBase, func(sp *spec.Spec, tbl *spec.Table, name string) string {
		if tbl.Retention.Action == spec.ActionArchive {
			return tbl.Retention.ArchiveSchema + "." + name
		}
		return name
	})
}

func TestRetentionSimulationSQLite(t *testing.T) {
	runRetentionSimulation(t, sqliteEngine(t), sqliteRetentionSpec, sqliteRetentionBase, func(sp *spec.Spec, tbl *spec.Table, name string) string {
		return dialect.SQLiteArchivedName(tbl.Retention.ArchiveSchema, name)
	})
}

func runRetentionSimulation(t *testing.T, e *engine, specText, base string, retiredAs func(*spec.Spec, *spec.Table, string) string) {
	w := newWorkspace(t, specText, base)
	sp := w.loadSpec()
	loc := sp.Location
	ctx := context.Background()
	want := map[string]expected{} // partition -> rows we put there
	id := 0
	audits := 0
	start := calendar.Date{Year: 2026, Month: time.January, Day: 15}
	for step := 0; step < *simMonths; step++ {
		asOfT := start.In(loc).AddDate(0, step, 0)
		asOf := calendar.Date{Year: asOfT.Year(), Month: asOfT.Month(), Day: asOfT.Day()}
		plan := w.generate(asOf.String())
		if step == 0 && len(plan.Files) == 0 {
			t.Fatal("nothing generated at the first step")
		}
		for _, f := range plan.Files {
			for _, op := range []string{"detach", "archive", "drop", "purge"} {
				audits += strings.Count(string(f.Body), "-- partgen:partition op="+op+" ") // one audit row each
			}
		}
		if again := w.plan(asOf.String()); len(again.Files) != 0 {
			t.Fatalf("as of %s: a second generate would write %d files", asOf, len(again.Files))
		}
		began := time.Now()
		if _, err := w.provider(e.db, e.dialect).Up(ctx); err != nil {
			t.Fatalf("as of %s: goose up: %v", asOf, err)
		}
		if testing.Verbose() {
			t.Logf("as of %s: %d file(s) applied in %s", asOf, len(plan.Files), time.Since(began).Round(time.Millisecond))
		}
		mig, err := folder.Read(w.dir)
		must(t, err)

		for i := range sp.Tables {
			tbl := &sp.Tables[i]
			current := calendar.PeriodOfDate(tbl.Interval, asOf, loc)
			cutoff := calendar.Shift(tbl.Interval, current, -tbl.Retention.Keep, loc).Lower
			var purge time.Time
			if tbl.Retention.DropAfter > 0 {
				purge = calendar.Shift(tbl.Interval, current, -(tbl.Retention.Keep + tbl.Retention.DropAfter), loc).Lower
			}
			last := calendar.Shift(tbl.Interval, current, tbl.Premake, loc)

			// Rows at the edges of the current period and in the middle of the oldest kept one.
			for _, at := range []time.Time{current.Lower, current.Upper.Add(-time.Millisecond), current.Lower.Add(36 * time.Hour)} {
				id++
				if err := e.insert(tbl.Name, id, at); err != nil {
					t.Fatalf("as of %s: insert into %s at %s: %v", asOf, tbl.Name, at, err)
				}
				p := calendar.PeriodOf(tbl.Interval, at, loc)
				name := tbl.PartitionName(p)
				x := want[name]
				x.rows++
				x.sum += int64(id)
				want[name] = x
			}

			for _, ps := range mig.Partitions(tbl.FullName()) {
				if ps.Default {
					continue
				}
				end := ps.Period.Upper
				switch {
				case end.After(cutoff):
					if ps.State != folder.StateAttached {
						t.Fatalf("as of %s: %s ends %s after the cutoff %s but is %s", asOf, ps.Name, end, cutoff, ps.State)
					}
					if ps.Period.Lower.After(last.Lower) {
						t.Fatalf("as of %s: %s is beyond premake", asOf, ps.Name)
					}
					checkRows(t, e, asOf, ps.Name, want[ps.Name])
				case !purge.IsZero() && !end.After(purge) || tbl.Retention.Action == spec.ActionDrop:
					if ps.State != folder.StateDropped {
						t.Fatalf("as of %s: %s should be dropped, is %s", asOf, ps.Name, ps.State)
					}
					if e.exists(ps.Name) || e.exists(retiredAs(sp, tbl, ps.Name)) {
						t.Fatalf("as of %s: %s should be gone", asOf, ps.Name)
					}
				default:
					if ps.State == folder.StateAttached || ps.State == folder.StateDropped {
						t.Fatalf("as of %s: %s should be retired, is %s", asOf, ps.Name, ps.State)
					}
					where := retiredAs(sp, tbl, ps.Name)
					if !e.exists(where) {
						t.Fatalf("as of %s: retired %s not found as %s", asOf, ps.Name, where)
					}
					checkRows(t, e, asOf, where, want[ps.Name])
				}
			}
		}
		if audits == 0 {
			continue // no retirement yet, so no audit table either
		}
		if n := testdb.Count(t, e.db, "SELECT count(*) FROM partgen_archive_log"); n != int64(audits) {
			t.Fatalf("as of %s: %d audit rows, want %d", asOf, n, audits)
		}
	}
	if audits < 20 {
		t.Fatalf("the simulation exercised only %d retention actions", audits)
	}
	// Each audit row's row_count matches what the test put in that partition.
	rows, err := e.db.Query("SELECT partition_name, action, row_count FROM partgen_archive_log ORDER BY id")
	must(t, err)
	defer rows.Close()
	seen := map[string][]string{}
	for rows.Next() {
		var name, action string
		var n int64
		must(t, rows.Scan(&name, &action, &n))
		if n != want[name].rows {
			t.Errorf("audit %s %s: row_count %d, want %d", action, name, n, want[name].rows)
		}
		seen[name] = append(seen[name], action)
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := strings.Join(seen[n], ",")
		if a != "archive,purge" && a != "archive" && a != "detach" && a != "drop" {
			t.Errorf("audit trail of %s: %s", n, a)
		}
	}
}

func checkRows(t *testing.T, e *engine, asOf calendar.Date, name string, want expected) {
	t.Helper()
	if n, s := e.countRows(name), e.sumRows(name); n != want.rows || s != want.sum {
		t.Fatalf("as of %s: %s holds %d rows (sum %d), want %d (sum %d)", asOf, name, n, s, want.rows, want.sum)
	}
}

// A partition whose upper bound is later than the start of the period keep
// periods before the as-of period is never touched, for any interval, zone
// and sequence of as-of dates; and every partition past it is retired.
func TestRetentionNeverTouchesKeptPartitions(t *testing.T) {
	zones := []string{"UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"}
	intervals := []string{"day", "week", "month", "quarter", "year"}
	for i, iv := range intervals {
		for j, zone := range zones {
			keep := 1 + (i+j)%4
			t.Run(iv+"_"+zone, func(t *testing.T) {
				sp := fmt.Sprintf("version: 1\ndialect: postgres\nmigrations: .\ntimezone: %s\ntables:\n  - name: t\n    key: ts\n    interval: %s\n    premake: 2\n    retention: {keep: %d, action: detach, drop_after: 1}\n", zone, iv, keep)
				w := newWorkspace(t, sp, "-- +goose Up\nCREATE TABLE t (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n")
				s := w.loadSpec()
				tbl := &s.Tables[0]
				loc := s.Location
				day := time.Date(2024, 12, 28, 0, 0, 0, 0, time.UTC)
				step := map[string]int{"day": 1, "week": 3, "month": 11, "quarter": 29, "year": 97}[iv]
				for n := 0; n < 40; n++ {
					day = day.AddDate(0, 0, step+n%5)
					asOf := day.Format("2006-01-02")
					plan := w.generate(asOf)
					d, _ := calendar.ParseDate(asOf)
					current := calendar.PeriodOfDate(tbl.Interval, d, loc)
					mig, err := folder.Read(w.dir)
					must(t, err)
					written := map[string]bool{}
					for _, f := range plan.Files {
						written[f.Name] = true
					}
					for _, mf := range mig.Files {
						if !written[mf.Name] {
							continue
						}
						for _, m := range mf.Markers {
							if m.Op == folder.OpCreate || m.Op == folder.OpDefault {
								continue
							}
							// Count whole periods from the partition's end to the current period.
							gap := 0
							for p := calendar.PeriodOf(tbl.Interval, m.To, loc); p.Lower.Before(current.Lower); p = calendar.Shift(tbl.Interval, p, 1, loc) {
								gap++
							}
							need := keep
							if m.Op == folder.OpPurge {
								need = keep + 1
							}
							if gap < need || !m.To.After(m.From) || m.To.After(current.Lower) {
								t.Fatalf("as of %s (keep %d): %s %s ends %s, only %d period(s) before %s", asOf, keep, m.Op, m.Name, m.To, gap, current.Lower)
							}
						}
					}
					cutoff := calendar.Shift(tbl.Interval, current, -keep, loc).Lower
					for _, p := range mig.Partitions("t") {
						attached := p.State == folder.StateAttached
						if attached != p.Period.Upper.After(cutoff) {
							t.Fatalf("as of %s: %s [%s, %s) is %s with cutoff %s", asOf, p.Name, p.Period.Lower, p.Period.Upper, p.State, cutoff)
						}
					}
				}
			})
		}
	}
}

// A table with retention whose partitions are all inside the window gets
// its creation file and no retention file.
func TestRetentionWithNothingToRetireWritesNoFile(t *testing.T) {
	sp := "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - {name: t, key: ts, interval: month, premake: 2, start: 2026-01-01, retention: {keep: 24, action: archive, archive_schema: cold, drop_after: 3}}\n"
	w := newWorkspace(t, sp, "-- +goose Up\nCREATE TABLE t (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n")
	plan := w.generate("2026-11-26")
	if files := tableFiles(plan.Files); len(files) != 1 || !strings.Contains(files[0].Name, "_create_") {
		t.Fatalf("files: %v", fileNames(plan.Files))
	}
	for _, asOf := range []string{"2026-12-01", "2027-06-30", "2027-12-31"} {
		for _, f := range w.generate(asOf).Files {
			if !strings.Contains(f.Name, "_create_") {
				t.Fatalf("as of %s: %s retires a partition inside the window", asOf, f.Name)
			}
		}
	}
	// The first month leaves the window as of 2028-02: 24 months before it begin at 2026-02-01.
	plan = w.generate("2028-02-01")
	var retired []string
	for _, f := range plan.Files {
		if strings.Contains(f.Name, "_archive_") && !strings.HasSuffix(f.Name, "_archive_log.sql") {
			retired = append(retired, f.Name)
		}
	}
	if len(retired) != 1 || !strings.Contains(retired[0], "t_p2026_01") {
		t.Fatalf("as of 2028-02-01 retired %v, want only t_p2026_01", retired)
	}
}
