package bench

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/internal/testdb"
)

// Issue 18, item 5: an ordinary table of at least 10 million rows with a
// primary key and two indexes becomes partitioned, while writers insert
// without pause and, as each step starts, a reader holds a transaction on
// the table for -bench-reader-hold. partgen's zero-copy adoption (three
// files: CHECK NOT VALID, VALIDATE, swap) against the copying way
// (pgslice's: a partitioned copy, rows copied in batches, then a swap that
// copies the rows written meanwhile), in the same run, on the same table.
// Figures: the worst and 99th-percentile insert latency during each step
// (and, as a control, with the same writers and reader and no step: the
// machine's own noise), each step's wall time, the time each lock-taking
// step still took once the reader had gone, the bytes written, and the
// ratios.

var flagAdoptRows = flag.Int("bench-adopt-rows", 0, "rows of the adoption benchmark (default 1M, 10M with -bench-full)")

func adoptRows() int {
	switch {
	case *flagAdoptRows > 0:
		return *flagAdoptRows
	case full():
		return 10_000_000
	}
	return 1_000_000
}

// adoptBenchBase is the user's table, created empty: the benchmark fills it.
const adoptBenchBase = `-- +goose Up
CREATE TABLE orders (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    placed_at timestamptz NOT NULL,
    customer  int NOT NULL,
    amount    numeric(12,2) NOT NULL,
    PRIMARY KEY (id, placed_at)
);
CREATE INDEX orders_customer_idx ON orders (customer, placed_at);
CREATE INDEX orders_placed_at_idx ON orders (placed_at);
-- +goose Down
DROP TABLE orders;
`

// adoptLoad is the load beside each adoption step: writers insert rows
// below the cutover, as an application does until the swap; the reader
// reads one customer's first month, then holds its transaction; lock waits
// are sampled.
func adoptLoad(hold time.Duration) load {
	return load{
		insert: "INSERT INTO orders (placed_at, customer, amount) VALUES ($1, $2, 1)",
		key: func(i int) time.Time {
			return time.Date(2096, 11, 26, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
		},
		read: "SELECT count(*) FROM orders WHERE customer = 1 AND placed_at < '2095-02-01'",
		hold: hold, settle: 20 * time.Millisecond, sampleLocks: "INSERT INTO orders %",
	}
}

// The rows span 2095-01 to 2096-11 and the adoption runs as of 2096-11-26
// (cutover 2097-01-01): an adoption refuses a cutover the database's clock
// has passed, and the benchmark must run any day.
const adoptBenchSpec = `version: 1
dialect: postgres
migrations: .
timezone: UTC
lock_timeout: 60s
tables:
  - name: orders
    key: placed_at
    interval: month
    premake: 2
    adopt: true
`

func BenchmarkAdopt(b *testing.B) {
	rows := adoptRows()
	hold := *flagHold
	db, _ := testdb.Postgres(b)
	w := newWorkspace(b, "20260101000000_orders.sql", adoptBenchBase)
	w.setSpec(adoptBenchSpec)
	w.up(db, goose.DialectPostgres)
	began := time.Now()
	const chunk = 1_000_000
	for lo := 0; lo < rows; lo += chunk {
		n := min(chunk, rows-lo)
		exec(b, db, `INSERT INTO orders (placed_at, customer, amount)
			SELECT timestamptz '2095-01-01 00:00:00+00' + (($1::bigint + i) * (60e6 / $2::float8)) * interval '1 second', (($1::bigint + i) % 5000)::int, (($1::bigint + i) % 100000) / 100.0
			FROM generate_series(1, $3::bigint) i`, lo, rows, n)
	}
	exec(b, db, "VACUUM (ANALYZE) orders")
	tableBytes := queryInt(b, db, "SELECT pg_total_relation_size('orders')")
	b.Logf("%d rows loaded in %v: %.0f MB with indexes", rows, time.Since(began).Round(time.Second), mb(tableBytes))
	b.ResetTimer()

	// The copying way first, then it is undone: the adoption works on the
	// same original table.
	cp := copyWay(b, db, hold)
	exec(b, db, "DROP TABLE orders")
	exec(b, db, "ALTER TABLE orders_retired RENAME TO orders")

	before := queryInt(b, db, "SELECT count(*) FROM orders")
	node := queryInt(b, db, "SELECT pg_relation_filenode('orders')")
	plan := w.generate(date(2096, 11, 26))
	if len(plan.Files) != 4 || !strings.HasSuffix(plan.Files[0].Name, "_partgen_archive_log.sql") {
		b.Fatalf("want partgen_archive_log's file and the three adoption files, got %d", len(plan.Files))
	}
	// The machine's own noise: the same writers and reader, no step.
	control := underLoad(b, db, adoptLoad(hold), func() error { time.Sleep(hold + 50*time.Millisecond); return nil })
	b.Logf("control (no step): worst insert %v, p99 %v, %d of %d inserts over 50 ms", control.worst.Round(time.Microsecond), control.p99.Round(time.Microsecond), control.over50, control.inserts)
	names := []string{"check", "validate", "swap"}
	var steps [3]loadResult
	var total time.Duration
	// partgen_archive_log's file, untimed; then the three adoption files.
	_, err := w.provider(db, goose.DialectPostgres).UpTo(context.Background(), plan.Files[0].Version)
	must(b, "partgen_archive_log's file", err)
	for i, f := range plan.Files[1:] {
		p := w.provider(db, goose.DialectPostgres)
		steps[i] = underLoad(b, db, adoptLoad(hold), func() error { _, err := p.UpTo(context.Background(), f.Version); return err })
		total += steps[i].wall
		b.Logf("adopt_%s: %v (%v after the reader left); worst insert %v (began %v after the reader left), p99 %v, %d of %d inserts over 50 ms",
			names[i], steps[i].wall.Round(time.Microsecond), steps[i].afterReader.Round(time.Microsecond), steps[i].worst.Round(time.Microsecond),
			steps[i].worstAt.Round(time.Microsecond), steps[i].p99.Round(time.Microsecond), steps[i].over50, steps[i].inserts)
	}
	newBytes := queryInt(b, db, "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'orders'::regclass AND inhrelid <> 'orders_legacy'::regclass")
	if got := queryInt(b, db, "SELECT count(*) FROM orders WHERE id <= (SELECT max(id) FROM orders_legacy)"); got < before {
		b.Fatalf("%d rows after the adoption, %d before", got, before)
	}
	if n := queryInt(b, db, "SELECT pg_relation_filenode('orders_legacy')"); n != node {
		b.Fatalf("orders_legacy has file %d, orders had %d: the table was rewritten", n, node)
	}
	var ver string
	must(b, "version", db.QueryRow("SHOW server_version").Scan(&ver))
	note := fmt.Sprintf("%d rows, PostgreSQL %s, reader holds %v", rows, ver, hold)
	record(b, "control_worst_insert", ms(control.worst), "ms", "the same writers and reader, no step: the machine's noise")
	for i, n := range names {
		// Issue 18: the files that take a lock hold no writer more than 50
		// ms; VALIDATE blocks nobody (its SHARE UPDATE EXCLUSIVE does not
		// conflict with inserts), whatever the machine's noise.
		if n == "validate" {
			record(b, "adopt_"+n+"_worst_insert", ms(steps[i].worst), "ms", note+"; takes no lock writers wait for: compare the control")
			recordTarget(b, "adopt_"+n+"_lock_wait", ms(steps[i].lockWait), "ms", fmt.Sprintf("longest an insert was seen waiting on a lock (%d of %d samples, every 2 ms)", steps[i].lockSamples, steps[i].samples), "<=", 0)
		} else {
			recordTarget(b, "adopt_"+n+"_worst_insert", ms(steps[i].worst), "ms", note, "<=", 50)
			record(b, "adopt_"+n+"_lock_wait", ms(steps[i].lockWait), "ms", fmt.Sprintf("longest an insert was seen waiting on a lock (%d of %d samples, every 2 ms)", steps[i].lockSamples, steps[i].samples))
		}
		record(b, "adopt_"+n+"_p99_insert", ms(steps[i].p99), "ms", fmt.Sprintf("%d of %d inserts over 50 ms", steps[i].over50, steps[i].inserts))
		record(b, "adopt_"+n+"_wall", ms(steps[i].wall), "ms", "includes waiting for the reader")
		if i != 1 {
			record(b, "adopt_"+n+"_after_reader", ms(steps[i].afterReader), "ms", "the step's time once the reader had gone")
		}
	}
	record(b, "copy_swap_worst_insert", ms(cp.swap.worst), "ms", "the copying way's swap: one LOCK behind the reader")
	record(b, "copy_wall", ms(cp.wall), "ms", "create, copy in batches, swap")
	record(b, "adopt_wall", ms(total), "ms", "the three files")
	record(b, "adopt_vs_copy_wall", float64(total)/float64(cp.wall), "ratio", "adoption / copying way")
	// Without the time each side spent waiting for the reader (the adoption
	// waits in two steps, the copying way in one).
	adoptWork := steps[0].afterReader + steps[1].wall + steps[2].afterReader
	copyWork := cp.wall - (cp.swap.wall - cp.swap.afterReader)
	record(b, "adopt_work", ms(adoptWork), "ms", "the three files, not waiting for the reader")
	record(b, "copy_work", ms(copyWork), "ms", "the copying way, not waiting for the reader")
	record(b, "adopt_vs_copy_work", float64(adoptWork)/float64(copyWork), "ratio", "adoption / copying way, not waiting for the reader")
	record(b, "adopt_vs_copy_swap_worst_insert", float64(steps[2].worst)/float64(cp.swap.worst), "ratio", "worst insert during the swap")
	record(b, "copy_bytes", mb(cp.bytes), "MB", "the partitioned copy, indexes included")
	record(b, "adopt_bytes", mb(newBytes), "MB", "the new partitions (the writers' rows); the legacy partition is the table itself")
	record(b, "adopt_vs_copy_bytes", float64(newBytes)/float64(cp.bytes), "ratio", "bytes written, adoption / copying way")
}

// copied is the copying way's figures.
type copied struct {
	wall, copyTime time.Duration
	swap           loadResult
	bytes          int64
}

// copyWay converts orders the way pgslice does: a partitioned orders_new
// with the same columns, keys and indexes and a partition per month, rows
// copied in batches of 100,000 ids while the writers go on, then one
// transaction that copies the rows written since, renames orders to
// orders_retired and orders_new to orders, and moves the identity on.
func copyWay(b *testing.B, db *sql.DB, hold time.Duration) copied {
	b.Helper()
	var c copied
	began := time.Now()
	exec(b, db, `CREATE TABLE orders_new (LIKE orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (placed_at)`)
	exec(b, db, `ALTER TABLE orders_new ADD PRIMARY KEY (id, placed_at)`)
	exec(b, db, `CREATE INDEX orders_new_customer_idx ON orders_new (customer, placed_at)`)
	exec(b, db, `CREATE INDEX orders_new_placed_at_idx ON orders_new (placed_at)`)
	for m := 0; m < 27; m++ { // 2095-01 through 2097-03
		from := time.Date(2095, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, m, 0)
		exec(b, db, fmt.Sprintf(`CREATE TABLE orders_new_p%s PARTITION OF orders_new FOR VALUES FROM ('%s') TO ('%s')`,
			from.Format("2006_01"), from.Format("2006-01-02 15:04:05-07"), from.AddDate(0, 1, 0).Format("2006-01-02 15:04:05-07")))
	}
	maxID := queryInt(b, db, "SELECT max(id) FROM orders")
	const batch = 100_000
	copyStart := time.Now()
	for lo := int64(0); lo < maxID; lo += batch {
		exec(b, db, "INSERT INTO orders_new SELECT * FROM orders WHERE id > $1 AND id <= $2", lo, lo+batch)
	}
	c.copyTime = time.Since(copyStart)
	exec(b, db, "VACUUM (ANALYZE) orders_new")
	c.swap = underLoad(b, db, adoptLoad(hold), func() error {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for _, q := range []string{
			"SET LOCAL lock_timeout = '60s'",
			"LOCK TABLE orders IN ACCESS EXCLUSIVE MODE",
			fmt.Sprintf("INSERT INTO orders_new SELECT * FROM orders WHERE id > %d", maxID),
			"ALTER TABLE orders RENAME TO orders_retired",
			"ALTER TABLE orders_new RENAME TO orders",
			"ALTER TABLE orders ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY",
			"SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders_retired))",
		} {
			if _, err := tx.Exec(q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return tx.Commit()
	})
	c.wall = time.Since(began)
	c.bytes = queryInt(b, db, "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'orders'::regclass")
	b.Logf("copying way: %v (copy %v; swap %v, %v after the reader left; worst insert during the swap %v); %.0f MB copied",
		c.wall.Round(time.Millisecond), c.copyTime.Round(time.Millisecond), c.swap.wall.Round(time.Microsecond), c.swap.afterReader.Round(time.Microsecond),
		c.swap.worst.Round(time.Microsecond), mb(c.bytes))
	return c
}
