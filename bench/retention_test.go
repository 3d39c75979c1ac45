package bench

import (
	"database/sql"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/internal/testdb"
)

// Retiring the oldest month with partgen's generated migration (retention
// action drop, and action archive) vs DELETE on an unpartitioned table
// holding the same rows with the same indexes, and vs DELETE followed by the
// VACUUM it needs.
//
// PostgreSQL (issue 16, item 2): the cost of a retirement must not depend
// on how many rows the month holds. Months alternate in size: a small month
// of 100,000 rows and a big month of -bench-retention-rows (1M by default,
// 10M with -bench-full). Each round retires four months, oldest first:
// small (drop), big (drop), small (archive), big (archive). The plain table
// holds the same rows; each big month goes from it by one DELETE of exactly
// that month's rows, then VACUUM. Ratios: big / small for each action (the
// size independence), and big / DELETE of the same rows.
//
// SQLite (issue 6): N rows over 24 months; each round retires one month
// with action drop and the next with action archive, against DELETE ...
// WHERE ts < cutoff on the plain table. Odd rounds start with partgen, even
// rounds with the baseline.

// Both PostgreSQL tables are made without primary key and indexes, filled
// server-side (INSERT ... SELECT generate_series), then given the same
// primary key and indexes (building an index after the load is faster than
// growing it row by row; both sides are built the same way).
const pgRetentionBase = `-- +goose Up
CREATE TABLE market_data (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    instrument int NOT NULL,
    ts         timestamptz NOT NULL,
    price      double precision NOT NULL,
    qty        int NOT NULL
) PARTITION BY RANGE (ts);
-- +goose Down
DROP TABLE market_data;
`

const pgPlainDDL = `
CREATE TABLE plain (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    instrument int NOT NULL,
    ts         timestamptz NOT NULL,
    price      double precision NOT NULL,
    qty        int NOT NULL
) WITH (autovacuum_enabled = off);
`

// pgRetentionIndexes are the primary key and indexes both tables get after
// the load (on the partitioned parent they cascade to every partition, and
// partitions created later get them too).
const pgRetentionIndexes = `
ALTER TABLE %[1]s ADD PRIMARY KEY (id, ts);
CREATE INDEX %[1]s_instrument_ts ON %[1]s (instrument, ts);
CREATE INDEX %[1]s_ts ON %[1]s (ts);
`

// pgFillMonth spreads $1 rows evenly over [$2, $3) in time order, as a time
// series arrives.
const pgFillMonth = `INSERT INTO %s (instrument, ts, price, qty)
SELECT i %% 500, $2::timestamptz + (i::float8 / $1) * ($3::timestamptz - $2::timestamptz), (i %% 9973) / 100.0, i %% 1000
FROM generate_series(0, $1 - 1) AS i`

const retentionSmallRows = 100_000

var (
	flagRetentionRows   = flag.Int("bench-retention-rows", 0, "rows of the big month in the PostgreSQL retention benchmark (default 1M, 10M with -bench-full; the small month holds 100k)")
	flagRetentionRounds = flag.Int("bench-retention-rounds", 0, "rounds of the PostgreSQL retention benchmark (default -bench-rounds; 2 with -bench-full: each round fills four big months)")
)

func retentionRounds() int {
	switch {
	case *flagRetentionRounds > 0:
		return *flagRetentionRounds
	case full():
		return 2
	}
	return *flagRounds
}

func retentionBigRows() int {
	switch {
	case *flagRetentionRows > 0:
		return *flagRetentionRows
	case full():
		return 10_000_000
	}
	return 1_000_000
}

func retentionSpec(dialect, action string, keep int) string {
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
    retention: {keep: %d, action: %s%s}
`, dialect, keep, action, extra)
}

func monthStart(m int) time.Time {
	return time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, m, 0)
}

func BenchmarkRetentionPostgres(b *testing.B) {
	big, small := retentionBigRows(), retentionSmallRows
	rounds := retentionRounds()
	months := 4 * rounds // [small, big, small, big] per round, retired in that order
	sizeOf := func(m int) int {
		if m%2 == 0 {
			return small
		}
		return big
	}
	db, _ := testdb.Postgres(b)
	db.SetMaxOpenConns(2)
	// As of the 15th of month `months`, the months 0..months-1 are the ones
	// kept; each further month of as-of date retires the oldest.
	asOf0 := date(2024+months/12, time.Month(months%12+1), 15)
	w := newWorkspace(b, "20230101000000_market_data.sql", pgRetentionBase)
	w.setSpec(retentionSpec("postgres", "drop", months))
	w.generate(asOf0)
	w.up(db, goose.DialectPostgres)
	exec(b, db, pgPlainDDL)
	began := time.Now()
	for m := 0; m < months; m++ {
		for _, table := range []string{"market_data", "plain"} {
			exec(b, db, fmt.Sprintf(pgFillMonth, table), sizeOf(m), monthStart(m), monthStart(m+1))
		}
	}
	for _, table := range []string{"market_data", "plain"} {
		exec(b, db, fmt.Sprintf(pgRetentionIndexes, table))
		exec(b, db, "VACUUM (ANALYZE) "+table)
	}
	pgAutovacuumOff(b, db)
	b.Logf("filled %d months of %d and %d rows into market_data and plain, indexed and analysed in %v",
		months, small, big, time.Since(began).Round(time.Second))

	liveSize := func() int64 {
		return queryInt(b, db, "SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('market_data') WHERE isleaf")
	}
	plainSize := func() int64 { return queryInt(b, db, "SELECT pg_total_relation_size('plain')") }

	samples := map[string][]float64{}
	var auditBig []float64  // the audit row's row_count for a big month, over its true rows
	var estimated []float64 // 1 when that row_count came from pg_class.reltuples
	var partBefore, partAfter, plainBefore, plainAfterDelete, plainAfterVacuum int64
	b.ResetTimer()
	for r := 1; r <= rounds; r++ {
		first := 4 * (r - 1)
		partgen := func() {
			for m := first; m < first+4; m++ {
				action := "drop"
				if m-first >= 2 {
					action = "archive"
				}
				size := map[bool]string{true: "small", false: "big"}[sizeOf(m) == small]
				w.setSpec(retentionSpec("postgres", action, months))
				plan := w.generate(addMonths(asOf0, m+1))
				rf := retentionFile(b, plan)
				w.upTo(db, goose.DialectPostgres, rf.Version-1) // the new month's partition, untimed
				before := liveSize()
				exec(b, db, "CHECKPOINT")
				d := w.upTo(db, goose.DialectPostgres, rf.Version)
				samples[action+"_"+size] = append(samples[action+"_"+size], ms(d))
				if size == "big" {
					logged := queryInt(b, db, "SELECT row_count FROM partgen_archive_log WHERE migration_version = $1", rf.Version)
					auditBig = append(auditBig, float64(logged)/float64(big))
					estimated = append(estimated, float64(queryInt(b, db, "SELECT rows_estimated::int FROM partgen_archive_log WHERE migration_version = $1", rf.Version)))
					if r == 1 && action == "drop" {
						partBefore, partAfter = before, liveSize()
					}
				}
			}
		}
		plain := func() {
			for _, m := range []int{first + 1, first + 3} { // the big months
				if r == 1 && m == first+1 {
					plainBefore = plainSize()
				}
				exec(b, db, "CHECKPOINT")
				del := exec(b, db, "DELETE FROM plain WHERE ts >= $1 AND ts < $2", monthStart(m), monthStart(m+1))
				if r == 1 && m == first+1 {
					plainAfterDelete = plainSize()
				}
				vac := exec(b, db, "VACUUM plain")
				if r == 1 && m == first+1 {
					plainAfterVacuum = plainSize()
				}
				samples["delete"] = append(samples["delete"], ms(del))
				samples["delete+vacuum"] = append(samples["delete+vacuum"], ms(del+vac))
			}
		}
		alternate(r, partgen, plain)
		// PostgreSQL's own floor: a bare DROP TABLE of a standalone table
		// with the same rows and indexes as a small and a big month. Freeing
		// the files at commit costs with their size, partgen or not.
		for _, size := range []string{"small", "big"} {
			rows := map[string]int{"small": small, "big": big}[size]
			exec(b, db, "CREATE TABLE floor_month (LIKE plain INCLUDING IDENTITY) WITH (autovacuum_enabled = off)")
			exec(b, db, fmt.Sprintf(pgFillMonth, "floor_month"), rows, monthStart(0), monthStart(1))
			exec(b, db, fmt.Sprintf(pgRetentionIndexes, "floor_month"))
			exec(b, db, "VACUUM (ANALYZE) floor_month")
			exec(b, db, "CHECKPOINT")
			samples["drop_table_"+size] = append(samples["drop_table_"+size], ms(exec(b, db, "DROP TABLE floor_month")))
		}
	}
	b.StopTimer()
	left := int64(rounds * 2 * small) // the small months stay in plain
	if got, want := queryInt(b, db, "SELECT count(*) FROM plain"), left; got != want {
		b.Fatalf("plain holds %d rows after the rounds, want %d", got, want)
	}
	if got := queryInt(b, db, "SELECT count(*) FROM market_data"); got != 0 {
		b.Fatalf("market_data holds %d rows after every filled month was retired", got)
	}
	m := func(name string) float64 { return median(samples[name]) }
	dropS, dropB, archS, archB := m("drop_small"), m("drop_big"), m("archive_small"), m("archive_big")
	del, dv := m("delete"), m("delete+vacuum")
	record(b, "small_month_rows", float64(small), "rows", "")
	record(b, "big_month_rows", float64(big), "rows", fmt.Sprintf("%d rounds: each retires a small and a big month with drop, then with archive", rounds))
	record(b, "drop_small", dropS, "ms", "goose up of partgen's retention file, action drop, small month (median)")
	record(b, "drop_big", dropB, "ms", "the same, big month (median)")
	record(b, "archive_small", archS, "ms", "goose up of partgen's retention file, action archive, small month (median)")
	record(b, "archive_big", archB, "ms", "the same, big month (median)")
	record(b, "delete", del, "ms", "DELETE FROM plain of the big month's rows (median)")
	record(b, "delete+vacuum", dv, "ms", "the same DELETE, then VACUUM plain (median)")
	floorS, floorB := m("drop_table_small"), m("drop_table_big")
	record(b, "drop_table_small", floorS, "ms", "PostgreSQL's floor: bare DROP TABLE of a standalone table with a small month's rows and indexes (median)")
	record(b, "drop_table_big", floorB, "ms", "the same, a big month's rows")
	record(b, "drop_table_big/drop_table_small", floorB/floorS, "ratio", "what freeing the files costs by size, without partgen")
	recordTarget(b, "drop_big/drop_small", dropB/dropS, "ratio", "the cost of the month's size", "<=", 1.5)
	record(b, "overhead_big/overhead_small", (dropB-floorB)/(dropS-floorS), "ratio", "partgen's drop file minus the bare DROP TABLE, big over small month")
	recordTarget(b, "archive_big/archive_small", archB/archS, "ratio", "", "<=", 1.5)
	recordTarget(b, "drop_big/delete", dropB/del, "ratio", "", "<=", 0.1)
	recordTarget(b, "archive_big/delete", archB/del, "ratio", "", "<=", 0.1)
	recordTarget(b, "drop_big/delete+vacuum", dropB/dv, "ratio", "", "<=", 0.1)
	recordTarget(b, "archive_big/delete+vacuum", archB/dv, "ratio", "", "<=", 0.1)
	record(b, "audit_row_count/rows", median(auditBig), "ratio", "partgen_archive_log.row_count of a big month over its true rows")
	record(b, "audit_rows_estimated", mean(estimated), "share", "big months whose audit row count is the planner's estimate (rows_estimated), not a count(*)")
	record(b, "part_live_before", mb(partBefore), "MB", "partitioned table, all live partitions, before the first big drop")
	record(b, "part_live_after", mb(partAfter), "MB", "right after it")
	record(b, "plain_before", mb(plainBefore), "MB", "unpartitioned table before the first DELETE")
	record(b, "plain_after_delete", mb(plainAfterDelete), "MB", "right after it")
	record(b, "plain_after_vacuum", mb(plainAfterVacuum), "MB", "after VACUUM (reusable, not returned to the file system)")
}

// retentionSamples collects the SQLite benchmark's timings and sizes.
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
	recordTarget(b, "drop/delete", drop/del, "ratio", "", "<=", 0.1)
	recordTarget(b, "archive/delete", arch/del, "ratio", "", "<=", 0.1)
	record(b, "drop/delete+vacuum", drop/dv, "ratio", "")
	record(b, "archive/delete+vacuum", arch/dv, "ratio", "")
	record(b, "month_rows", float64(s.monthRows), "rows", "rows in one retired month")
	record(b, "part_live_before", mb(s.partBefore), "MB", "partitioned table, all live partitions")
	record(b, "part_live_after", mb(s.partAfter), "MB", "right after the first retirement")
	record(b, "plain_before", mb(s.plainBefore), "MB", "unpartitioned table")
	record(b, "plain_after_delete", mb(s.plainAfterDelete), "MB", "right after the first DELETE")
	record(b, "plain_after_vacuum", mb(s.plainAfterVacuum), "MB", "after VACUUM (PostgreSQL: reusable, not returned; SQLite: the file is rewritten)")
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
	w.setSpec(retentionSpec("sqlite", "drop", 24))
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
				w.setSpec(retentionSpec("sqlite", action, 24))
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
