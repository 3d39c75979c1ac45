package generator_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/internal/testdb"
)

const detachSpec = `version: 1
dialect: postgres
migrations: .
timezone: UTC
lock_timeout: 300ms
tables:
  - name: ticks
    key: ts
    interval: month
    premake: 1
    retention: {keep: 1, action: archive, archive_schema: cold}
`

const detachBase = `-- +goose Up
CREATE TABLE ticks (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL, v int NOT NULL, PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);
-- +goose Down
DROP TABLE ticks;
`

// detachSetup applies the January files, fills January, and generates (but
// does not apply) the March files: the archival of January among them.
func detachSetup(t *testing.T) (*workspace, *sql.DB, int64) {
	t.Helper()
	w := newWorkspace(t, detachSpec, detachBase)
	db := pgDatabase(t)
	w.generate("2026-01-15")
	w.up(db, goose.DialectPostgres)
	_, err := db.Exec("INSERT INTO ticks (ts, v) SELECT '2026-01-01 00:00:00+00'::timestamptz + i * interval '1 minute', i FROM generate_series(0, 999) i")
	must(t, err)
	plan := w.generate("2026-03-15")
	var archive int64
	for _, f := range plan.Files {
		if strings.Contains(f.Name, "_archive_ticks_p2026_01") {
			archive = f.Version
			if !strings.Contains(string(f.Body), "-- +goose NO TRANSACTION") {
				t.Fatal("the archival without a default partition is not a NO TRANSACTION file")
			}
		}
	}
	if archive == 0 {
		t.Fatalf("no archival of ticks_p2026_01 in %v", plan.Files)
	}
	// Everything before the archival: the creation of the new months.
	if _, err := w.provider(db, goose.DialectPostgres).UpTo(context.Background(), archive-1); err != nil {
		t.Fatal(err)
	}
	return w, db, archive
}

func checkArchived(t *testing.T, db *sql.DB) {
	t.Helper()
	if n := testdb.Count(t, db, "SELECT count(*) FROM cold.ticks_p2026_01"); n != 1000 {
		t.Fatalf("archived table holds %d rows, want 1000", n)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhrelid = 'cold.ticks_p2026_01'::regclass"); n != 0 {
		t.Fatal("the archived table is still a partition")
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM ticks WHERE ts < '2026-02-01 00:00:00+00'"); n != 0 {
		t.Fatalf("%d January rows still visible through the parent", n)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM partgen_archive_log WHERE partition_name = 'ticks_p2026_01' AND action = 'archive' AND row_count = 1000 AND archived_as = 'cold.ticks_p2026_01'"); n != 1 {
		t.Fatalf("%d matching audit rows, want 1", n)
	}
}

// An interrupted DETACH ... CONCURRENTLY leaves the partition "pending
// detach"; the next goose up must finish the job.
func TestPostgresDetachResumesAfterInterruption(t *testing.T) {
	w, db, _ := detachSetup(t)
	leavePendingDetach(t, db, "ticks", "ticks_p2026_01", "500ms")
	w.up(db, goose.DialectPostgres)
	checkArchived(t, db)
}

// A partition already detached by an earlier attempt (the file stopped
// before the move) is put back and archived by the rerun.
func TestPostgresDetachResumesAfterDetachWithoutMove(t *testing.T) {
	w, db, _ := detachSetup(t)
	_, err := db.Exec("ALTER TABLE ticks DETACH PARTITION ticks_p2026_01")
	must(t, err)
	w.up(db, goose.DialectPostgres)
	checkArchived(t, db)

	// Down re-attaches with every row and forgets the audit row.
	p := w.provider(db, goose.DialectPostgres)
	_, err = p.Down(context.Background())
	must(t, err)
	if n := testdb.Count(t, db, "SELECT count(*) FROM ticks WHERE ts < '2026-02-01 00:00:00+00'"); n != 1000 {
		t.Fatalf("after Down the parent shows %d January rows, want 1000", n)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM partgen_archive_log"); n != 0 {
		t.Fatalf("after Down %d audit rows remain", n)
	}
	w.up(db, goose.DialectPostgres)
	checkArchived(t, db)
}

// While a reader holds the parent open, the concurrent detach waits for it,
// and writers into the current partition are not blocked behind it.
func TestPostgresDetachDoesNotBlockWriters(t *testing.T) {
	w, db, _ := detachSetup(t)
	ctx := context.Background()
	reader, err := db.Conn(ctx)
	must(t, err)
	defer reader.Close()
	rtx, err := reader.BeginTx(ctx, nil)
	must(t, err)
	var n int
	must(t, rtx.QueryRow("SELECT count(*) FROM ticks").Scan(&n))

	done := make(chan error, 1)
	go func() {
		_, err := w.provider(db, goose.DialectPostgres).Up(ctx)
		done <- err
	}()
	// Wait until the detach is waiting for the reader (the file moves the
	// partition to partgen_staging first).
	deadline := time.Now().Add(30 * time.Second)
	for testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid WHERE c.relname = 'ticks_p2026_01' AND i.inhdetachpending") == 0 {
		if time.Now().After(deadline) {
			rtx.Commit() // let goose finish, so the test ends
			<-done
			t.Fatal("the detach never reached its waiting phase")
		}
		time.Sleep(20 * time.Millisecond)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second) // a hang guard, not a measurement
	defer cancel()
	for i := 0; i < 50; i++ {
		if _, err := db.ExecContext(wctx, "INSERT INTO ticks (ts, v) VALUES ('2026-03-10 12:00:00+00', $1)", i); err != nil {
			t.Fatalf("insert %d while the detach waits: %v", i, err)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("goose up finished while the reader was still open (err %v)", err)
	default:
	}
	must(t, rtx.Commit())
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkArchived(t, db)
}

// A creation that times out on its lock rolls back whole and succeeds when rerun.
func TestPostgresCreateLockTimeoutLeavesNothing(t *testing.T) {
	w := newWorkspace(t, detachSpec, detachBase)
	db := pgDatabase(t)
	ctx := context.Background()
	_, err := w.provider(db, goose.DialectPostgres).UpTo(ctx, 20260101000000)
	must(t, err)
	w.generate("2026-01-15")

	holder, err := db.Conn(ctx)
	must(t, err)
	defer holder.Close()
	htx, err := holder.BeginTx(ctx, nil)
	must(t, err)
	_, err = htx.Exec("LOCK TABLE ticks IN ACCESS EXCLUSIVE MODE")
	must(t, err)
	_, err = w.provider(db, goose.DialectPostgres).Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "lock timeout") {
		t.Fatalf("up under a held lock: err = %v, want a lock timeout", err)
	}
	must(t, htx.Commit())
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_class WHERE relkind = 'r' AND relname ~ '^ticks_p[0-9]'"); n != 0 {
		t.Fatalf("%d partition tables left behind by the failed file", n)
	}
	w.up(db, goose.DialectPostgres)
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhparent = 'ticks'::regclass"); n != 2 {
		t.Fatalf("%d partitions after the rerun, want 2", n)
	}
}

// leavePendingDetach interrupts a DETACH ... CONCURRENTLY of partition: a
// reader keeps the detach waiting in its second phase and a statement
// timeout cancels it there, leaving the partition pending detach.
func leavePendingDetach(t *testing.T, db *sql.DB, table, partition, timeout string) {
	t.Helper()
	ctx := context.Background()
	reader, err := db.Conn(ctx)
	must(t, err)
	defer reader.Close()
	rtx, err := reader.BeginTx(ctx, nil)
	must(t, err)
	var n int
	must(t, rtx.QueryRow("SELECT count(*) FROM "+table).Scan(&n))
	detacher, err := db.Conn(ctx)
	must(t, err)
	_, err = detacher.ExecContext(ctx, "SET statement_timeout = '"+timeout+"'")
	must(t, err)
	if _, err := detacher.ExecContext(ctx, "ALTER TABLE "+table+" DETACH PARTITION "+partition+" CONCURRENTLY"); err == nil {
		t.Fatal("setup: the detach was not interrupted")
	}
	detacher.Close()
	must(t, rtx.Commit())
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhrelid = '"+partition+"'::regclass AND inhdetachpending"); n != 1 {
		t.Fatal("setup: the partition is not pending detach")
	}
}
