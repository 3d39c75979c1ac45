package bench

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/internal/testdb"
)

// Issue 6, item 4: retiring the oldest month with partgen's generated
// migration (retention action drop, and action archive) vs DELETE ... WHERE
// ts < cutoff on an unpartitioned table holding the same rows with the same
// indexes, and vs DELETE followed by the VACUUM it needs.
//
// Both tables hold N rows spread evenly over the 24 months 2024-01..2025-12.
// Round r retires two months on each side: month 2r-1 with action drop and
// month 2r with action archive (the spec's action is switched between the
// two generate runs; markers, not the action, drive what exists); on the
// plain table the same two months go by DELETE, each followed by VACUUM.
// Odd rounds start with partgen, even rounds with the baseline.

const pgRetentionBase = `-- +goose Up
CREATE TABLE market_data (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    instrument int NOT NULL,
    ts         timestamptz NOT NULL,
    price      double precision NOT NULL,
    qty        int NOT NULL,
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX market_data_instrument_ts ON market_data (instrument, ts);
CREATE INDEX market_data_ts ON market_data (ts);
-- +goose Down
DROP TABLE market_data;
`

const pgPlainDDL = `
CREATE TABLE plain (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    instrument int NOT NULL,
    ts         timestamptz NOT NULL,
    price      double precision NOT NULL,
    qty        int NOT NULL,
    PRIMARY KEY (id, ts)
) WITH (autovacuum_enabled = off);
CREATE INDEX plain_instrument_ts ON plain (instrument, ts);
CREATE INDEX plain_ts ON plain (ts);
`

// 2024-01-01 .. 2026-01-01 is 731 days; rows are spread evenly over it in
// time order, as a time series arrives.
const pgFill = `INSERT INTO %s (instrument, ts, price, qty)
SELECT i %% 500, '2024-01-01 00:00:00+00'::timestamptz + (i::float8 / $1) * interval '731 days', (i %% 9973) / 100.0, i %% 1000
FROM generate_series(0, $1 - 1) AS i`

func retentionSpec(dialect, action string) string {
	extra := ""
	if action == "archive" && dialect == "postgres" {
		extra = ", archive_schema: archive"
	}
	return fmt.Sprintf(`version: 1
dialect: %s
migrations: .
timezone: UTC
tables:
  - name: market_data
    key: ts
    interval: month
    premake: 1
    start: 2024-01-01
    retention: {keep: 24, action: %s%s}
`, dialect, action, extra)
}

// retentionSamples collects one benchmark's timings and sizes.
type retentionSamples struct {
	drop, archive, del, delVacuum []float64 // ms
	partBefore, partAfter         int64     // live partitioned table, first partgen retirement
	plainBefore, plainAfterDelete int64     // plain table, first DELETE
	plainAfterVacuum              int64
	monthRows                     int64
}

func (s *retentionSamples) report(b *testing.B, baseline string) {
	drop, arch, del, dv := median(s.drop), median(s.archive), median(s.del), median(s.delVacuum)
	record(b, "drop", drop, "ms", "apply partgen's retention file, action drop (median)")
	record(b, "archive", arch, "ms", "apply partgen's retention file, action archive (median)")
	record(b, "delete", del, "ms", baseline+" (median)")
	record(b, "delete+vacuum", dv, "ms", baseline+", then VACUUM (median)")
	record(b, "drop/delete", drop/del, "ratio", "< 0.1 meets the 10x target")
	record(b, "archive/delete", arch/del, "ratio", "< 0.1 meets the 10x target")
	record(b, "drop/delete+vacuum", drop/dv, "ratio", "")
	record(b, "archive/delete+vacuum", arch/dv, "ratio", "")
	record(b, "month_rows", float64(s.monthRows), "rows", "rows in one retired month")
	record(b, "part_live_before", mb(s.partBefore), "MB", "partitioned table, all live partitions")
	record(b, "part_live_after", mb(s.partAfter), "MB", "right after the first retirement")
	record(b, "plain_before", mb(s.plainBefore), "MB", "unpartitioned table")
	record(b, "plain_after_delete", mb(s.plainAfterDelete), "MB", "right after the first DELETE")
	record(b, "plain_after_vacuum", mb(s.plainAfterVacuum), "MB", "after VACUUM (PostgreSQL: reusable, not returned; SQLite: the file is rewritten)")
}

func BenchmarkRetentionPostgres(b *testing.B) {
	n := pgRows()
	rounds := *flagRounds
	if 2*rounds > 20 {
		b.Fatalf("-bench-rounds %d would retire more than 20 of the 24 months", rounds)
	}
	db, _ := testdb.Postgres(b)
	db.SetMaxOpenConns(2)
	w := newWorkspace(b, "20230101000000_market_data.sql", pgRetentionBase)
	w.setSpec(retentionSpec("postgres", "drop"))
	w.generate(date(2026, 1, 15))
	w.up(db, goose.DialectPostgres)
	exec(b, db, pgPlainDDL)
	b.Logf("filling %d rows into market_data (partitioned) and plain", n)
	exec(b, db, fmt.Sprintf(pgFill, "market_data"), n)
	exec(b, db, fmt.Sprintf(pgFill, "plain"), n)
	exec(b, db, "VACUUM (ANALYZE) market_data")
	exec(b, db, "VACUUM (ANALYZE) plain")
	// Autovacuum off on both sides, so a background VACUUM never lands in a timed step.
	exec(b, db, `DO $$ DECLARE r record; BEGIN
		FOR r IN SELECT relid FROM pg_partition_tree('market_data') WHERE isleaf LOOP
			EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = off)', r.relid::regclass);
		END LOOP; END $$`)

	liveSize := func() int64 {
		return queryInt(b, db, "SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('market_data') WHERE isleaf")
	}
	plainSize := func() int64 { return queryInt(b, db, "SELECT pg_total_relation_size('plain')") }

	var s retentionSamples
	b.ResetTimer()
	for r := 1; r <= rounds; r++ {
		partgen := func() {
			for _, m := range []int{2*r - 1, 2 * r} {
				action := map[bool]string{true: "drop", false: "archive"}[m%2 == 1]
				w.setSpec(retentionSpec("postgres", action))
				plan := w.generate(addMonths(date(2026, 1, 15), m))
				rf := retentionFile(b, plan)
				w.upTo(db, goose.DialectPostgres, rf.Version-1) // the new month's partition, untimed
				before := liveSize()
				exec(b, db, "CHECKPOINT")
				d := w.upTo(db, goose.DialectPostgres, rf.Version)
				if r == 1 && m == 1 {
					s.partBefore, s.partAfter = before, liveSize()
				}
				if action == "drop" {
					s.drop = append(s.drop, ms(d))
				} else {
					s.archive = append(s.archive, ms(d))
				}
			}
		}
		plain := func() {
			for _, m := range []int{2*r - 1, 2 * r} {
				cutoff := time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, m, 0)
				if r == 1 && m == 1 {
					s.plainBefore = plainSize()
					s.monthRows = queryInt(b, db, "SELECT count(*) FROM plain WHERE ts < $1", cutoff)
				}
				exec(b, db, "CHECKPOINT")
				del := exec(b, db, "DELETE FROM plain WHERE ts < $1", cutoff)
				if r == 1 && m == 1 {
					s.plainAfterDelete = plainSize()
				}
				vac := exec(b, db, "VACUUM plain")
				if r == 1 && m == 1 {
					s.plainAfterVacuum = plainSize()
				}
				s.del = append(s.del, ms(del))
				s.delVacuum = append(s.delVacuum, ms(del+vac))
			}
		}
		alternate(r, partgen, plain)
	}
	b.StopTimer()
	if got := queryInt(b, db, "SELECT count(*) FROM market_data"); got != queryInt(b, db, "SELECT count(*) FROM plain") {
		b.Fatalf("after the rounds the partitioned table holds %d rows, the plain one %d", got, queryInt(b, db, "SELECT count(*) FROM plain"))
	}
	record(b, "rows", float64(n), "rows", "rows over 24 months at the start")
	s.report(b, "DELETE FROM plain WHERE ts < cutoff")
}

// SQLite: the partitioned side is a file converted by partgen's first
// migration (rows inserted before the conversion, copied in by it); the plain
// side a second file, so VACUUM rewrites only the plain table. Sizes are the
// pages the live tables and their indexes occupy (dbstat, build tag
// sqlite_dbstat), else the file's pages in use.

const sqliteRetentionBase = `-- +goose Up
CREATE TABLE market_data (
    id         INTEGER NOT NULL,
    instrument INTEGER NOT NULL,
    ts         TEXT NOT NULL,
    price      REAL NOT NULL,
    qty        INTEGER NOT NULL,
    PRIMARY KEY (id, ts)
);
CREATE INDEX market_data_instrument_ts ON market_data (instrument, ts);
CREATE INDEX market_data_ts ON market_data (ts);
-- +goose Down
DROP TABLE market_data;
`

const sqlitePlainDDL = `
CREATE TABLE plain (
    id         INTEGER NOT NULL,
    instrument INTEGER NOT NULL,
    ts         TEXT NOT NULL,
    price      REAL NOT NULL,
    qty        INTEGER NOT NULL,
    PRIMARY KEY (id, ts)
);
CREATE INDEX plain_instrument_ts ON plain (instrument, ts);
CREATE INDEX plain_ts ON plain (ts);
`

// Keys in partgen's canonical UTC text; 1704067200 is 2024-01-01 00:00:00Z
// and 63158400 s is 731 days.
const sqliteFill = `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?1)
INSERT INTO %s (id, instrument, ts, price, qty)
SELECT i + 1, i %% 500, strftime('%%Y-%%m-%%d %%H:%%M:%%S', 1704067200 + i * 63158400 / ?1, 'unixepoch') || '+00:00', (i %% 9973) / 100.0, i %% 1000
FROM s`

func sqliteLiveBytes(tb testing.TB, db *sql.DB, tableGlob string) int64 {
	var n sql.NullInt64
	err := db.QueryRow(`SELECT sum(pgsize) FROM dbstat WHERE name IN
		(SELECT name FROM sqlite_schema WHERE tbl_name GLOB ?)`, tableGlob).Scan(&n)
	if err == nil {
		return n.Int64
	}
	// Without dbstat: every page in use in the file.
	return queryInt(tb, db, "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size")
}

func BenchmarkRetentionSQLite(b *testing.B) {
	n := sqliteRows()
	rounds := *flagRounds
	if 2*rounds > 20 {
		b.Fatalf("-bench-rounds %d would retire more than 20 of the 24 months", rounds)
	}
	part, _ := testdb.SQLite(b)
	plainDB, _ := testdb.SQLite(b)
	w := newWorkspace(b, "20230101000000_market_data.sql", sqliteRetentionBase)
	w.setSpec(retentionSpec("sqlite", "drop"))
	w.generate(date(2026, 1, 15))
	w.upTo(part, goose.DialectSQLite3, 20230101000000)
	b.Logf("filling %d rows into market_data (converted by partgen's first file) and plain", n)
	exec(b, part, fmt.Sprintf(sqliteFill, "market_data"), n)
	w.up(part, goose.DialectSQLite3) // converts: 26 partition tables, view, triggers
	exec(b, plainDB, sqlitePlainDDL)
	exec(b, plainDB, fmt.Sprintf(sqliteFill, "plain"), n)
	exec(b, part, "ANALYZE")
	exec(b, plainDB, "ANALYZE")
	_, dbstatErr := part.Exec("SELECT count(*) FROM dbstat LIMIT 1")
	sizeNote := "dbstat: pages of the live tables and their indexes"
	if dbstatErr != nil {
		sizeNote = "no dbstat in this build: pages in use in the file"
	}

	var s retentionSamples
	b.ResetTimer()
	for r := 1; r <= rounds; r++ {
		partgen := func() {
			for _, m := range []int{2*r - 1, 2 * r} {
				action := map[bool]string{true: "drop", false: "archive"}[m%2 == 1]
				w.setSpec(retentionSpec("sqlite", action))
				plan := w.generate(addMonths(date(2026, 1, 15), m))
				rf := retentionFile(b, plan)
				w.upTo(part, goose.DialectSQLite3, rf.Version-1)
				before := sqliteLiveBytes(b, part, "market_data_p*")
				d := w.upTo(part, goose.DialectSQLite3, rf.Version)
				if r == 1 && m == 1 {
					s.partBefore, s.partAfter = before, sqliteLiveBytes(b, part, "market_data_p*")
				}
				if action == "drop" {
					s.drop = append(s.drop, ms(d))
				} else {
					s.archive = append(s.archive, ms(d))
				}
			}
		}
		plain := func() {
			for _, m := range []int{2*r - 1, 2 * r} {
				cutoff := time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, m, 0).Format("2006-01-02 15:04:05+00:00")
				if r == 1 && m == 1 {
					s.plainBefore = sqliteLiveBytes(b, plainDB, "plain")
					s.monthRows = queryInt(b, plainDB, "SELECT count(*) FROM plain WHERE ts < ?", cutoff)
				}
				del := exec(b, plainDB, "DELETE FROM plain WHERE ts < ?", cutoff)
				if r == 1 && m == 1 {
					s.plainAfterDelete = sqliteLiveBytes(b, plainDB, "plain")
				}
				vac := exec(b, plainDB, "VACUUM")
				if r == 1 && m == 1 {
					s.plainAfterVacuum = sqliteLiveBytes(b, plainDB, "plain")
				}
				s.del = append(s.del, ms(del))
				s.delVacuum = append(s.delVacuum, ms(del+vac))
			}
		}
		alternate(r, partgen, plain)
	}
	b.StopTimer()
	if got, want := queryInt(b, part, "SELECT count(*) FROM market_data"), queryInt(b, plainDB, "SELECT count(*) FROM plain"); got != want {
		b.Fatalf("after the rounds the view shows %d rows, the plain table %d", got, want)
	}
	record(b, "rows", float64(n), "rows", "rows over 24 months at the start")
	s.report(b, "DELETE FROM plain WHERE ts < cutoff")
	b.Logf("sizes: %s; VACUUM on SQLite rewrites the file and returns the space", sizeNote)
}
