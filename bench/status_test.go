package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	oscmd "os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/status"
)

// Issue 6, item 6 (second half): `partgen status` on a PostgreSQL table with
// 1,200 partitions: daily partitions over ~3.3 years (2023-08-19 ..
// 2026-11-30), made by partgen's own generated migrations, applied with goose.
// partgen writes every missing partition of a run into one file (one
// transaction); 1,200 partitions with their indexes in one transaction need
// more lock slots than a default server has (max_locks_per_transaction 64 x
// max_connections 100, shared with every session), so the folder is built by
// monthly CI runs stepping the as-of date ~10 months at a time: four files.
// One row a day, then ANALYZE, so every partition has a row estimate.
//
// Timed in-process: what `partgen status --format json` does between the
// flags and the exit code: load the spec, read the goose folder, status.Read
// over a pgx pool (connection already open), render JSON. Baseline: one
// catalog query listing the same partitions with their bounds, row estimates
// and sizes (what a hand-written check would run). Then the built binary
// (process start and connecting included) under /usr/bin/time -v: wall time
// and peak RSS. Target: under 200 ms.

const statusPartitions = 1200

var statusNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

const statusBase = `-- +goose Up
CREATE TABLE events (
    id   bigint GENERATED ALWAYS AS IDENTITY,
    ts   timestamptz NOT NULL,
    kind int NOT NULL,
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX events_ts_idx ON events (ts);
-- +goose Down
DROP TABLE events;
`

func BenchmarkStatusPostgres(b *testing.B) {
	ctx := context.Background()
	db, dsn := testdb.Postgres(b)
	const premake = 4
	asOf := date(statusNow.Year(), statusNow.Month(), statusNow.Day())
	first := statusNow.AddDate(0, 0, -(statusPartitions - premake - 1))
	start := date(first.Year(), first.Month(), first.Day())
	w := newWorkspace(b, "20200101000000_events.sql", statusBase)
	w.setSpec(fmt.Sprintf(`version: 1
dialect: postgres
migrations: .
timezone: UTC
tables:
  - name: events
    key: ts
    interval: day
    premake: %d
    start: %s
`, premake, start))
	began := time.Now()
	for step := addMonths(start, 10); ; step = addMonths(step, 10) {
		if !stepBefore(step, asOf) {
			step = asOf
		}
		w.generate(step)
		if step == asOf {
			break
		}
	}
	w.up(db, goose.DialectPostgres)
	files := countFiles(b, w.dir) - 1
	b.Logf("built %d daily partitions from %d partgen files with goose in %v", statusPartitions, files, time.Since(began).Round(time.Millisecond))
	if got := queryInt(b, db, "SELECT count(*) FROM pg_partition_tree('events') WHERE isleaf"); got != statusPartitions {
		b.Fatalf("events has %d partitions, want %d", got, statusPartitions)
	}
	exec(b, db, `INSERT INTO events (ts, kind) SELECT $1::timestamptz + i * interval '1 day' + interval '12 hours', i % 7
		FROM generate_series(0, $2 - 1) AS i`, startTime(start), statusPartitions)
	exec(b, db, "ANALYZE events")
	pool := newPool(b, dsn)

	// connect opens a new session as `partgen status` does (a fresh backend
	// whose relation cache is empty: what every monitoring run gets).
	connect := func() *pgx.Conn {
		cfg, err := pgx.ParseConfig(dsn)
		must(b, "parse dsn", err)
		cfg.RuntimeParams["datestyle"] = "ISO, MDY"
		cfg.RuntimeParams["timezone"] = "UTC"
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
		conn, err := pgx.ConnectConfig(ctx, cfg)
		must(b, "connect", err)
		return conn
	}
	readStatus := func(q status.PgxQuerier) (time.Duration, *status.Report) {
		began := time.Now()
		sp, err := spec.Load(w.spec)
		must(b, "load spec", err)
		mig, err := folder.Read(sp.Migrations)
		must(b, "read folder", err)
		report, err := status.Read(ctx, status.Postgres(q), sp, statusNow, status.Options{Folder: mig, Database: "bench"})
		must(b, "status.Read", err)
		must(b, "render", report.WriteJSON(io.Discard))
		return time.Since(began), report
	}
	// The baseline catalog queries: with sizes (pg_total_relation_size
	// opens every partition and index), and with sizes from pg_class.relpages
	// (catalog rows only, as of the last VACUUM/ANALYZE).
	const withSizes = `SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples, pg_total_relation_size(c.oid)
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`
	const relpages = `SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples,
			(c.relpages + coalesce((SELECT sum(x.relpages) FROM pg_index ix JOIN pg_class x ON x.oid = ix.indexrelid WHERE ix.indrelid = c.oid), 0)
			 + coalesce((SELECT t.relpages FROM pg_class t WHERE t.oid = c.reltoastrelid), 0))::bigint * current_setting('block_size')::bigint
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`
	catalog := func(q status.PgxQuerier, query string) time.Duration {
		began := time.Now()
		rows, err := q.Query(ctx, query)
		must(b, "catalog query", err)
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		must(b, "catalog rows", rows.Err())
		if n != statusPartitions {
			b.Fatalf("catalog query listed %d partitions", n)
		}
		return time.Since(began)
	}
	// cold runs f on a new session, the connection included in the time.
	cold := func(f func(q status.PgxQuerier) time.Duration) float64 {
		began := time.Now()
		conn := connect()
		defer conn.Close(ctx)
		f(conn)
		return ms(time.Since(began))
	}
	// Warm-up, and the report must see every partition, healthy.
	_, report := readStatus(pool)
	catalog(pool, withSizes)
	if len(report.Tables) != 1 || len(report.Tables[0].Partitions) != statusPartitions {
		b.Fatalf("status saw %d tables, want 1 with %d partitions", len(report.Tables), statusPartitions)
	}
	if report.Health != rules.OK {
		b.Fatalf("status health %s, want ok", report.Health)
	}

	samples := map[string][]float64{}
	sides := []struct {
		name string
		run  func() float64
	}{
		{"status", func() float64 { d, _ := readStatus(pool); return ms(d) }},
		{"catalog", func() float64 { return ms(catalog(pool, withSizes)) }},
		{"status_cold", func() float64 {
			return cold(func(q status.PgxQuerier) time.Duration { d, _ := readStatus(q); return d })
		}},
		{"catalog_cold", func() float64 {
			return cold(func(q status.PgxQuerier) time.Duration { return catalog(q, withSizes) })
		}},
		{"connect", func() float64 {
			return cold(func(status.PgxQuerier) time.Duration { return 0 })
		}},
		{"catalog_relpages_cold", func() float64 {
			return cold(func(q status.PgxQuerier) time.Duration { return catalog(q, relpages) })
		}},
	}
	b.ResetTimer()
	for r := 1; r <= readRounds(); r++ {
		for i := range sides {
			s := sides[i]
			if r%2 == 0 {
				s = sides[len(sides)-1-i]
			}
			samples[s.name] = append(samples[s.name], s.run())
		}
	}
	b.StopTimer()
	m := func(name string) float64 { return median(samples[name]) }
	record(b, "partitions", statusPartitions, "partitions", fmt.Sprintf("daily, from %d partgen files", files))
	recordTarget(b, "status_warm", m("status"), "ms", "in-process on an open pool: load spec, read folder, status.Read, JSON (median)", "<=", 200)
	record(b, "catalog_warm", m("catalog"), "ms", "one catalog query: partitions, bounds, reltuples, pg_total_relation_size (median)")
	record(b, "status/catalog_warm", m("status")/m("catalog"), "ratio", "")
	recordTarget(b, "status_cold", m("status_cold"), "ms", "the same on a new session, connect included (what each CLI run does)", "<=", 200)
	record(b, "catalog_cold", m("catalog_cold"), "ms", "the catalog query on a new session, connect included")
	record(b, "status/catalog_cold", m("status_cold")/m("catalog_cold"), "ratio", "")
	record(b, "connect", m("connect"), "ms", "opening the new session alone")
	record(b, "catalog_relpages_cold", m("catalog_relpages_cold"), "ms", "new session, sizes from pg_class.relpages instead of pg_total_relation_size")

	if _, err := oscmd.LookPath("/usr/bin/time"); err != nil {
		skip(b, "/usr/bin/time is not installed (apt-get install time): the binary is not timed")
	}
	bin := partgenBinary(b)
	var wall, rss []float64
	for r := 1; r <= *flagRounds; r++ {
		cmd := oscmd.Command("/usr/bin/time", "-v", bin, "status", "--db", dsn, "--config", w.spec,
			"--now", statusNow.Format(time.RFC3339), "--format", "json")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		began := time.Now()
		err := cmd.Run()
		d := time.Since(began) // /usr/bin/time's own wall clock has 10 ms steps
		if err != nil {
			var ee *oscmd.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() == 3 {
				b.Fatalf("partgen status: %v\n%s", err, stderr.String())
			}
		}
		if n := strings.Count(stdout.String(), `"lower"`); n < statusPartitions {
			b.Fatalf("partgen status printed %d partitions", n)
		}
		_, m := timeField(b, stderr.String())
		wall, rss = append(wall, ms(d)), append(rss, m)
	}
	recordTarget(b, "binary", median(wall), "ms", "partgen status --format json, wall clock incl. process start and connect (median)", "<=", 200)
	record(b, "binary_maxrss", median(rss), "MB", "peak resident memory")
}

func stepBefore(a, b calendar.Date) bool {
	return startTime(a).Before(startTime(b))
}
