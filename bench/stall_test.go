package bench

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/internal/testdb"
)

// Issue 6, item 5: a reader holds a transaction on the parent (BEGIN;
// SELECT from the parent; sleep), writers insert into the current partition
// without pause, and a new partition is added: by partgen's generated file
// (LIKE + CHECK + ATTACH) or by a plain CREATE TABLE ... PARTITION OF. The
// figure is the worst insert latency while the DDL runs.

const stallBase = `-- +goose Up
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    ts timestamptz NOT NULL,
    v  int NOT NULL,
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX events_ts ON events (ts);
-- +goose Down
DROP TABLE events;
`

const stallSpec = `version: 1
dialect: postgres
migrations: .
timezone: UTC
tables:
  - name: events
    key: ts
    interval: month
    premake: 1
`

type insertSample struct {
	start time.Time
	dur   time.Duration
}

// stallLoad is the load beside each creation file or PARTITION OF: writers
// insert into January, the reader counts the table and holds.
func stallLoad(hold time.Duration) load {
	return load{
		insert: "INSERT INTO events (ts, v) VALUES ($1, $2)",
		key: func(i int) time.Time {
			return time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
		},
		read: "SELECT count(*) FROM events",
		hold: hold, settle: 50 * time.Millisecond,
	}
}

// measureStall runs ddl under stallLoad: the worst insert among those that
// began while it ran (an insert already running when it began holds its
// lock, so the DDL waits for it, not the reverse).
func measureStall(b *testing.B, db *sql.DB, hold time.Duration, ddl func() error) loadResult {
	b.Helper()
	return underLoad(b, db, stallLoad(hold), ddl)
}

func BenchmarkWriterStall(b *testing.B) {
	db, _ := testdb.Postgres(b)
	w := newWorkspace(b, "20230101000000_events.sql", stallBase)
	w.setSpec(stallSpec)
	w.generate(date(2026, 1, 15))
	w.up(db, goose.DialectPostgres)
	exec(b, db, `INSERT INTO events (ts, v) SELECT '2026-01-01 00:00:00+00'::timestamptz + i * interval '1 second', i FROM generate_series(1, 100000) i`)
	exec(b, db, "VACUUM (ANALYZE) events")
	hold := *flagHold

	var partgenWorst, plainWorst, partgenDDL, plainDDL, controlWorst []float64
	b.ResetTimer()
	for r := 1; r <= *flagRounds; r++ {
		partgen := func() {
			plan := w.generate(addMonths(date(2026, 1, 15), r)) // one new month: LIKE + CHECK + ATTACH
			if len(plan.Files) != 1 {
				b.Fatalf("round %d: want one creation file, got %d", r, len(plan.Files))
			}
			p := w.provider(db, goose.DialectPostgres)
			res := measureStall(b, db, hold, func() error { _, err := p.Up(context.Background()); return err })
			partgenWorst = append(partgenWorst, ms(res.worst))
			partgenDDL = append(partgenDDL, ms(res.wall))
			b.Logf("round %d partgen: worst insert %v (started %v into the migration) over %d inserts, migration %v", r, res.worst.Round(time.Microsecond), res.worstInto.Round(time.Microsecond), res.inserts, res.wall.Round(time.Microsecond))
		}
		plain := func() {
			// A month far from partgen's, same lock_timeout as partgen's files.
			from := time.Date(2031, time.Month(r), 1, 0, 0, 0, 0, time.UTC)
			q := fmt.Sprintf(`CREATE TABLE events_plain_%d PARTITION OF events FOR VALUES FROM ('%s'::timestamptz) TO ('%s'::timestamptz)`,
				r, from.Format("2006-01-02 15:04:05-07"), from.AddDate(0, 1, 0).Format("2006-01-02 15:04:05-07"))
			res := measureStall(b, db, hold, func() error {
				tx, err := db.Begin()
				if err != nil {
					return err
				}
				defer tx.Rollback()
				if _, err := tx.Exec("SET LOCAL lock_timeout = '5000ms'"); err != nil {
					return err
				}
				if _, err := tx.Exec(q); err != nil {
					return err
				}
				return tx.Commit()
			})
			plainWorst = append(plainWorst, ms(res.worst))
			plainDDL = append(plainDDL, ms(res.wall))
			b.Logf("round %d PARTITION OF: worst insert %v over %d inserts, DDL %v", r, res.worst.Round(time.Microsecond), res.inserts, res.wall.Round(time.Microsecond))
		}
		// The noise floor: the same load and reader, and a window as long as
		// partgen's migration with no DDL in it.
		control := func() {
			d := 150 * time.Millisecond
			if len(partgenDDL) > 0 {
				d = time.Duration(partgenDDL[len(partgenDDL)-1] * float64(time.Millisecond))
			}
			res := measureStall(b, db, hold, func() error { time.Sleep(d); return nil })
			controlWorst = append(controlWorst, ms(res.worst))
			b.Logf("round %d no DDL: worst insert %v over %d inserts", r, res.worst.Round(time.Microsecond), res.inserts)
		}
		alternate(r, partgen, plain)
		control()
	}
	b.StopTimer()
	pw, lw := median(partgenWorst), median(plainWorst)
	maxOf := func(xs []float64) float64 {
		m := 0.0
		for _, x := range xs {
			m = max(m, x)
		}
		return m
	}
	record(b, "reader_hold", ms(hold), "ms", "the reader's open transaction")
	recordTarget(b, "partgen_worst_insert", pw, "ms", "worst insert while partgen's file ran (median over rounds)", "<=", 10)
	record(b, "partgen_worst_insert_max", maxOf(partgenWorst), "ms", "the worst round")
	record(b, "control_worst_insert", median(controlWorst), "ms", "same load and reader, no DDL: the machine's noise floor (median)")
	record(b, "plain_worst_insert", lw, "ms", "worst insert while CREATE TABLE ... PARTITION OF ran (median)")
	record(b, "worst_insert", pw/lw, "ratio", "partgen / PARTITION OF")
	record(b, "partgen_migration", median(partgenDDL), "ms", "goose up of the creation file (median)")
	record(b, "plain_ddl", median(plainDDL), "ms", "PARTITION OF, waits for the reader (median)")
}
