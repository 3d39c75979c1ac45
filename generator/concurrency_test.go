package generator_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/internal/testdb"
)

// Issue 14 (2): several `goose up` processes run the same files at once,
// without goose's session locker, some after an interrupted run. Whatever
// the interleaving, a retirement happens exactly once and is never undone:
// one audit row, the rows where the action puts them, nothing left in
// partgen_staging, and a last plain `goose up` has nothing left to fix.
func TestConcurrentGooseUpNeverUndoesARetirement(t *testing.T) {
	for _, action := range []string{"archive", "detach", "drop"} {
		for _, interrupted := range []string{"none", "pending", "detached", "done"} {
			t.Run(action+"_"+interrupted, func(t *testing.T) {
				t.Parallel()
				concurrentRetirement(t, action, interrupted)
			})
		}
	}
}

func concurrentRetirement(t *testing.T, action, interrupted string) {
	ret := fmt.Sprintf("{keep: 1, action: %s, archive_schema: hist, drop_after: 1}", action)
	if action != "archive" {
		ret = fmt.Sprintf("{keep: 1, action: %s%s}", action, map[bool]string{true: ", drop_after: 1"}[action == "detach"])
	}
	spec := "version: 1\ndialect: postgres\nmigrations: .\ntimezone: UTC\nlock_timeout: 2s\ntables:\n" +
		"  - {name: h, key: ts, interval: day, premake: 1, start: 2026-09-01, retention: " + ret + "}\n"
	base := "-- +goose Up\nCREATE TABLE h (id bigint NOT NULL, ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n-- +goose Down\nDROP TABLE h;\n"
	w := newWorkspace(t, spec, base)
	db := pgDatabase(t)
	ctx := context.Background()
	w.generate("2026-09-01")
	w.up(db, goose.DialectPostgres)
	_, err := db.Exec("INSERT INTO h SELECT i, '2026-09-01 00:00:00+00'::timestamptz + i * interval '30 minutes' FROM generate_series(0, 47) i")
	must(t, err)
	_, err = db.Exec("INSERT INTO h SELECT i, '2026-09-02 00:00:00+00'::timestamptz + i * interval '1 hour' FROM generate_series(0, 23) i")
	must(t, err)

	// Day 3: h_p2026_09_01 leaves the table.
	plan := w.generate("2026-09-03")
	var retire int64
	for _, f := range plan.Files {
		if strings.Contains(f.Name, "_h_p2026_09_01") {
			retire = f.Version
		}
	}
	if retire == 0 {
		t.Fatalf("no retirement of h_p2026_09_01 in %v", plan.Files)
	}
	_, err = w.provider(db, goose.DialectPostgres).UpTo(ctx, retire-1)
	must(t, err)
	interrupt(t, w, db, "h_p2026_09_01", interrupted, retire)
	raceGooseUp(t, w, db, 3)
	checkRetired(t, db, action, "h_p2026_09_01", 48, retire)

	// Day 4: h_p2026_09_02 leaves, and (drop_after 1) h_p2026_09_01 is purged.
	plan = w.generate("2026-09-04")
	raceGooseUp(t, w, db, 3)
	for _, f := range plan.Files {
		if strings.Contains(f.Name, "_h_p2026_09_02") {
			checkRetired(t, db, action, "h_p2026_09_02", 24, f.Version)
		}
	}
	if action != "drop" {
		if n := testdb.Count(t, db, "SELECT count(*) FROM partgen_archive_log WHERE partition_name = 'h_p2026_09_01' AND action = 'purge' AND row_count = 48"); n != 1 {
			t.Errorf("%d purge audit rows for h_p2026_09_01, want 1", n)
		}
		if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'h_p2026_09_01'"); n != 0 {
			t.Error("h_p2026_09_01 still exists after its purge")
		}
	}
}

// interrupt leaves the partition as a run of the retirement file stopped
// at some point would: pending detach (the DETACH ... CONCURRENTLY was
// cancelled while it waited), detached with the last step not run, or done
// with goose's record of the version missing (the process died before goose
// wrote it), so that goose runs the file again.
func interrupt(t *testing.T, w *workspace, db *sql.DB, partition, at string, version int64) {
	t.Helper()
	ctx := context.Background()
	switch at {
	case "detached":
		_, err := db.Exec("ALTER TABLE h DETACH PARTITION " + partition)
		must(t, err)
	case "done":
		_, err := w.provider(db, goose.DialectPostgres).UpTo(ctx, version)
		must(t, err)
		_, err = db.Exec("DELETE FROM goose_db_version WHERE version_id = $1", version)
		must(t, err)
	case "pending":
		leavePendingDetach(t, db, "h", partition, "300ms")
	}
}

// raceGooseUp runs n `goose up` at once, each on a pool of its own and
// without a session locker, then one more alone, which must succeed. A
// racing run may fail (it met another's work mid-way), but only in a way
// that leaves nothing half-done for the last run to mend.
func raceGooseUp(t *testing.T, w *workspace, db *sql.DB, n int) {
	t.Helper()
	for i, err := range racingGooseUps(t, w, db, n) {
		if err != nil {
			t.Logf("racing goose up %d: %v", i, err)
		}
	}
	w.up(db, goose.DialectPostgres)
}

// racingGooseUps runs n `goose up` at once, each on a pool of its own and
// without a session locker, and returns what each one returned.
func racingGooseUps(t *testing.T, w *workspace, db *sql.DB, n int) []error {
	t.Helper()
	var name string
	must(t, db.QueryRow("SELECT current_database()").Scan(&name))
	dsn := strings.Replace(testdb.AdminURL(), "/test?", "/"+name+"?", 1)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool, err := sql.Open("pgx", dsn)
			if err != nil {
				errs[i] = err
				return
			}
			defer pool.Close()
			p, err := goose.NewProvider(goose.DialectPostgres, pool, os.DirFS(w.dir), goose.WithLogger(goose.NopLogger()))
			if err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = p.Up(context.Background())
		}()
	}
	wg.Wait()
	return errs
}

func checkRetired(t *testing.T, db *sql.DB, action, partition string, rows int64, version int64) {
	t.Helper()
	if n := testdb.Count(t, db, "SELECT count(*) FROM partgen_archive_log WHERE partition_name = $1 AND action = $2 AND migration_version = $3", partition, action, version); n != 1 {
		t.Errorf("%d audit rows for the %s of %s, want 1", n, action, partition)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM partgen_archive_log WHERE partition_name = $1 AND action = $2 AND row_count = $3", partition, action, rows); n != 1 {
		t.Errorf("the audit row of %s does not count %d rows", partition, rows)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid WHERE c.relname = $1", partition); n != 0 {
		t.Errorf("%s is attached again", partition)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'partgen_staging' AND c.relkind IN ('r', 'p')"); n != 0 {
		t.Errorf("%d tables left in partgen_staging", n)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_constraint WHERE conname = 'partgen_placeholder'"); n != 0 {
		t.Errorf("%d placeholders left", n)
	}
	where := map[string]string{"archive": "hist." + partition, "detach": "public." + partition}[action]
	if where == "" {
		if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = $1", partition); n != 0 {
			t.Errorf("%s still exists after its drop", partition)
		}
		return
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM "+where); n != rows {
		t.Errorf("%s holds %d rows, want %d", where, n, rows)
	}
}

// Issue 14 (2) for creation files: a second `goose up` (no session locker)
// running the same transactional creation file waits for the first, then
// finds every partition attached with its bounds and changes nothing. None
// of the racing runs fails, with or without a default partition, and rows
// waiting in the default move exactly once.
func TestConcurrentGooseUpCreatesPartitionsOnce(t *testing.T) {
	for _, dflt := range []bool{false, true} {
		t.Run(map[bool]string{false: "no_default", true: "default"}[dflt], func(t *testing.T) {
			t.Parallel()
			concurrentCreation(t, dflt)
		})
	}
}

func concurrentCreation(t *testing.T, withDefault bool) {
	opts := ""
	if withDefault {
		opts = ", default_partition: true, on_default_rows: move"
	}
	spec := "version: 1\ndialect: postgres\nmigrations: .\ntimezone: UTC\nlock_timeout: 2s\ntables:\n" +
		"  - {name: h, key: ts, interval: day, premake: 3, start: 2026-09-01" + opts + "}\n"
	base := "-- +goose Up\nCREATE TABLE h (id bigint NOT NULL, ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n-- +goose Down\nDROP TABLE h;\n"
	w := newWorkspace(t, spec, base)
	db := pgDatabase(t)
	// The base migration (and goose's own table) first: racing runs of a
	// user's plain CREATE TABLE would fail on their own.
	_, err := w.provider(db, goose.DialectPostgres).UpTo(context.Background(), 20260101000000)
	must(t, err)

	w.generate("2026-09-01")
	for i, err := range racingGooseUps(t, w, db, 4) {
		if err != nil {
			t.Errorf("racing goose up %d failed: %v", i, err)
		}
	}
	want := []string{"h_p2026_09_01", "h_p2026_09_02", "h_p2026_09_03", "h_p2026_09_04"}
	if withDefault {
		want = append([]string{"h_default"}, want...)
	}
	checkAttached(t, db, want)

	if withDefault {
		// Rows beyond the runway wait in the default until a later file
		// attaches their range and moves them in.
		_, err = db.Exec("INSERT INTO h SELECT i, '2026-09-05 00:00:00+00'::timestamptz + i * interval '1 hour' FROM generate_series(0, 29) i")
		must(t, err)
	}
	w.generate("2026-09-03")
	for i, err := range racingGooseUps(t, w, db, 4) {
		if err != nil {
			t.Errorf("racing goose up %d of the second file failed: %v", i, err)
		}
	}
	checkAttached(t, db, append(want, "h_p2026_09_05", "h_p2026_09_06"))
	if withDefault {
		for _, c := range []struct {
			table string
			rows  int64
		}{{"h_default", 0}, {"h_p2026_09_05", 24}, {"h_p2026_09_06", 6}, {"h", 30}} {
			if n := testdb.Count(t, db, "SELECT count(*) FROM "+c.table); n != c.rows {
				t.Errorf("%s holds %d rows, want %d", c.table, n, c.rows)
			}
		}
	}
	w.up(db, goose.DialectPostgres)
}

// checkAttached fails unless the partitions of h are exactly want, each once.
func checkAttached(t *testing.T, db *sql.DB, want []string) {
	t.Helper()
	rows, err := db.Query("SELECT c.relname::text FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'h'::regclass ORDER BY 1")
	must(t, err)
	defer rows.Close()
	var got []string
	for rows.Next() {
		var n string
		must(t, rows.Scan(&n))
		got = append(got, n)
	}
	must(t, rows.Err())
	w := append([]string(nil), want...)
	sort.Strings(w)
	if strings.Join(got, " ") != strings.Join(w, " ") {
		t.Errorf("partitions of h: %v, want %v", got, w)
	}
}

// A creation file that finds a table of a partition's name in any state
// but attached with the file's bounds stops, naming what it found (bounds
// as the session's TimeZone prints them): it never adopts or overwrites a
// table it did not make.
func TestCreationRefusesATableOfThePartitionsName(t *testing.T) {
	for _, c := range []struct{ name, setup, want string }{
		{"unattached", "CREATE TABLE h_p2026_09_02 (LIKE h)",
			"table h_p2026_09_02 exists already as not a partition, not as the partition [2026-09-02 00:00:00+00, 2026-09-03 00:00:00+00) of h"},
		{"other bounds", "CREATE TABLE h_p2026_09_02 PARTITION OF h FOR VALUES FROM ('2026-09-02 00:00:00+00') TO ('2026-09-02 12:00:00+00')",
			") of h, not as the partition [2026-09-02 00:00:00+00, 2026-09-03 00:00:00+00) of h"},
		{"default", "CREATE TABLE h_p2026_09_02 PARTITION OF h DEFAULT", "exists already as DEFAULT of h"},
		{"other parent", "CREATE TABLE g (id bigint NOT NULL, ts timestamptz NOT NULL) PARTITION BY RANGE (ts); CREATE TABLE h_p2026_09_02 PARTITION OF g FOR VALUES FROM ('2026-09-02 00:00:00+00') TO ('2026-09-03 00:00:00+00')",
			") of g, not as the partition"},
	} {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			spec := "version: 1\ndialect: postgres\nmigrations: .\ntimezone: UTC\ntables:\n" +
				"  - {name: h, key: ts, interval: day, premake: 2, start: 2026-09-01}\n"
			w := newWorkspace(t, spec, "-- +goose Up\nCREATE TABLE h (id bigint NOT NULL, ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n")
			db := pgDatabase(t)
			_, err := w.provider(db, goose.DialectPostgres).UpTo(context.Background(), 20260101000000)
			must(t, err)
			_, err = db.Exec(c.setup)
			must(t, err)
			w.generate("2026-09-01")
			_, err = w.provider(db, goose.DialectPostgres).Up(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("goose up: %v, want an error with %q", err, c.want)
			}
			if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'h_p2026_09_01'"); n != 0 {
				t.Error("the refused file left h_p2026_09_01 behind")
			}
		})
	}
}

// Issue 17: in citus mode every retirement is a plain DETACH in one
// transaction. One that stops on its lock_timeout (a long reader holds the
// parent) rolls back whole and succeeds when run again; racing goose ups
// retire once. On plain PostgreSQL the Citus setting is a placeholder.
func TestCitusRetirementIsOneTransaction(t *testing.T) {
	for _, action := range []string{"archive", "detach", "drop"} {
		t.Run(action, func(t *testing.T) {
			t.Parallel()
			ret := fmt.Sprintf("{keep: 1, action: %s%s}", action, map[bool]string{true: ", archive_schema: hist"}[action == "archive"])
			spec := "version: 1\ndialect: postgres\nmigrations: .\ntimezone: UTC\nlock_timeout: 300ms\ncitus: true\ntables:\n" +
				"  - {name: h, key: ts, interval: day, premake: 1, start: 2026-09-01, retention: " + ret + "}\n"
			w := newWorkspace(t, spec, "-- +goose Up\nCREATE TABLE h (id bigint NOT NULL, ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n")
			db := pgDatabase(t)
			ctx := context.Background()
			w.generate("2026-09-01")
			w.up(db, goose.DialectPostgres)
			_, err := db.Exec("INSERT INTO h SELECT i, '2026-09-01 00:00:00+00'::timestamptz + i * interval '30 minutes' FROM generate_series(0, 47) i")
			must(t, err)
			plan := w.generate("2026-09-03")
			var retire int64
			for _, f := range plan.Files {
				if strings.Contains(f.Name, "_h_p2026_09_01") {
					retire = f.Version
					if strings.Contains(string(f.Body), "NO TRANSACTION") || strings.Contains(string(f.Body), "CONCURRENTLY;") {
						t.Fatalf("%s detaches concurrently in citus mode", f.Name)
					}
					if !strings.Contains(string(f.Body), "SET LOCAL citus.propagate_set_commands = 'local';\nSET LOCAL lock_timeout") {
						t.Fatalf("%s does not propagate lock_timeout to Citus workers", f.Name)
					}
				}
			}
			_, err = w.provider(db, goose.DialectPostgres).UpTo(ctx, retire-1)
			must(t, err)
			// A reader holds the parent: the DETACH waits for its lock, hits
			// lock_timeout and the whole file rolls back.
			reader, err := db.Conn(ctx)
			must(t, err)
			rtx, err := reader.BeginTx(ctx, nil)
			must(t, err)
			var n int
			must(t, rtx.QueryRow("SELECT count(*) FROM h").Scan(&n))
			if _, err := w.provider(db, goose.DialectPostgres).Up(ctx); err == nil || !strings.Contains(err.Error(), "lock timeout") {
				t.Fatalf("goose up under a reader: err = %v, want a lock timeout", err)
			}
			must(t, rtx.Commit())
			reader.Close()
			if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhrelid = 'h_p2026_09_01'::regclass"); n != 1 {
				t.Fatal("the failed file left the partition detached")
			}
			raceGooseUp(t, w, db, 3)
			checkRetired(t, db, action, "h_p2026_09_01", 48, retire)
		})
	}
}
