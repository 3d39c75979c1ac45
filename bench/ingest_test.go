package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/examples/marketdata/repository"
	"github.com/partgen/partgen/internal/testdb"
)

// Issue 6, items 1 and 2, and issue 16, item 1: ingest through the
// repository's batch insert. SQLite runs at 200k and at 1M rows.
//
// N ticks spread evenly in time order over the 24 months 2024-01..2025-12
// (500 instruments), written in calls of -bench-batch rows (10,000).
//
// PostgreSQL: repository.NewPostgres(pool).InsertTicks, one COPY (pgx
// CopyFrom) per call into the partitioned parent, 24 monthly partitions made
// by partgen's generated migration applied with goose; vs the same
// InsertTicks over a connection that renames market_data to plain: the same
// COPY, same client code, into an unpartitioned table with the same columns,
// primary key and index. Each side starts from an empty table (TRUNCATE, then
// CHECKPOINT, untimed); autovacuum is off on both.
//
// SQLite: repository.NewSQLite(db).InsertTicks (straight into each row's
// partition table, one transaction per call) vs sqlc's InsertTick into one
// plain table with the same primary key and index, one transaction and one
// prepared statement per batch of the same size; and vs the same statement
// on the view, whose INSTEAD OF triggers route each row. Every side writes
// into a fresh file each round (the partitioned ones are copies of a file
// goose brought up once).

func BenchmarkIngestPostgres(b *testing.B) {
	ctx := context.Background()
	n, batch := ingestRows(), *flagBatch
	db, dsn := testdb.Postgres(b)
	start := date(2024, 1, 1)
	w := monthlyWorkspace(b, "postgres", start, 24)
	w.up(db, goose.DialectPostgres)
	if got := pgLeafCount(b, db); got != 24 {
		b.Fatalf("market_data has %d partitions, want 24", got)
	}
	exec(b, db, repoPlainPG)
	pgAutovacuumOff(b, db)
	pool := newPool(b, dsn)
	part := repository.NewPostgres(pool)
	plain := repository.NewPostgres(newPGRenamed(pool, "plain"))
	ticks := makeTicks(n, 500, startTime(start), startTime(addMonths(start, 24)))

	load := func(repo repository.Repository, table string) float64 {
		exec(b, db, "TRUNCATE "+table)
		exec(b, db, "CHECKPOINT")
		began := time.Now()
		for i := 0; i < n; i += batch {
			if _, err := repo.InsertTicks(ctx, ticks[i:min(i+batch, n)]); err != nil {
				b.Fatalf("InsertTicks into %s: %v", table, err)
			}
		}
		d := time.Since(began)
		if got := queryInt(b, db, "SELECT count(*) FROM "+table); got != int64(n) {
			b.Fatalf("%s holds %d rows after the load, want %d", table, got, n)
		}
		return ms(d)
	}
	b.Logf("%d rows in InsertTicks calls of %d, %d rounds per side", n, batch, *flagRounds)
	var partMS, plainMS []float64
	b.ResetTimer()
	for r := 1; r <= *flagRounds; r++ {
		if r%2 == 1 {
			partMS = append(partMS, load(part, "market_data"))
			plainMS = append(plainMS, load(plain, "plain"))
		} else {
			plainMS = append(plainMS, load(plain, "plain"))
			partMS = append(partMS, load(part, "market_data"))
		}
	}
	b.StopTimer()
	p, q := median(partMS), median(plainMS)
	record(b, "rows", float64(n), "rows", fmt.Sprintf("24 monthly partitions, InsertTicks calls of %d rows", batch))
	record(b, "partitioned", p, "ms", "repository InsertTicks: COPY into the partitioned parent (median)")
	record(b, "plain", q, "ms", "the same COPY into the unpartitioned table (median)")
	record(b, "partitioned_rows_per_s", float64(n)/(p/1000), "rows/s", "")
	recordTarget(b, "partitioned/plain", p/q, "ratio", "", "<=", 1.0)
}

func BenchmarkIngestSQLite(b *testing.B) {
	for _, n := range sqliteIngestSizes() {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) { benchIngestSQLite(b, n) })
	}
}

func benchIngestSQLite(b *testing.B, n int) {
	ctx := context.Background()
	batch := *flagBatch
	dir := b.TempDir()
	start := date(2024, 1, 1)
	template := filepath.Join(dir, "template.db")
	{
		db := openSQLite(b, template)
		w := monthlyWorkspace(b, "sqlite", start, 24)
		w.up(db, goose.DialectSQLite3)
		if got := queryInt(b, db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name GLOB 'market_data_p*'"); got != 24 {
			b.Fatalf("market_data has %d partitions, want 24", got)
		}
		must(b, "close template", db.Close())
	}
	ticks := makeTicks(n, 500, startTime(start), startTime(addMonths(start, 24)))
	file := 0
	// SQLite's default page cache is 2 MB: a plain table's primary-key index
	// soon outgrows it while a month's partition does not. The second run
	// gives every side a cache that holds everything, to separate what
	// partitioning saves in cache misses from what routing costs.
	for _, c := range []struct{ name, param string }{{"default-2MB", ""}, {"256MB", "&_cache_size=-262144"}} {
		b.Run("cache="+c.name, func(b *testing.B) {
			cache, params := c.name, c.param
			fresh := func(fromTemplate bool) string {
				file++
				path := filepath.Join(dir, fmt.Sprintf("round%d.db", file))
				if fromTemplate {
					copyFile(b, template, path)
				}
				return path
			}
			count := func(path, from string) int64 {
				db := openSQLite(b, path, params)
				defer db.Close()
				return queryInt(b, db, "SELECT count(*) FROM "+from)
			}
			sides := []struct {
				name string
				run  func() float64
			}{
				{"partitioned", func() float64 {
					path := fresh(true)
					db := openSQLite(b, path, params)
					repo := repository.NewSQLite(db)
					// A program's repository is long-lived: load its catalog of partitions untimed.
					_, err := repo.TicksInRange(ctx, 1, startTime(start), startTime(start).Add(time.Second))
					must(b, "warm the catalog", err)
					began := time.Now()
					for i := 0; i < n; i += batch {
						if _, err := repo.InsertTicks(ctx, ticks[i:min(i+batch, n)]); err != nil {
							b.Fatalf("InsertTicks: %v", err)
						}
					}
					d := time.Since(began)
					db.Close()
					if got := count(path, "market_data"); got != int64(n) {
						b.Fatalf("the view shows %d rows after the load, want %d", got, n)
					}
					return ms(d)
				}},
				{"plain", func() float64 {
					path := fresh(false)
					db := openSQLite(b, path, params)
					exec(b, db, repoPlainSQLite)
					began := time.Now()
					must(b, "insert into plain", sqliteInsert(ctx, db, "plain", ticks, batch))
					d := time.Since(began)
					db.Close()
					if got := count(path, "plain"); got != int64(n) {
						b.Fatalf("plain holds %d rows after the load, want %d", got, n)
					}
					return ms(d)
				}},
				{"view", func() float64 {
					path := fresh(true)
					db := openSQLite(b, path, params)
					began := time.Now()
					must(b, "insert through the view", sqliteInsert(ctx, db, "", ticks, batch))
					d := time.Since(began)
					db.Close()
					if got := count(path, "market_data"); got != int64(n) {
						b.Fatalf("the view shows %d rows after the load, want %d", got, n)
					}
					return ms(d)
				}},
			}
			if only := *flagIngestSides; only != "" {
				// Profiling one side (pprof, callgrind): run it alone, record nothing.
				for _, s := range sides {
					if strings.Contains(","+only+",", ","+s.name+",") {
						b.Logf("%s alone: %.0f ms", s.name, s.run())
					}
				}
				return
			}
			b.Logf("%d rows in batches of %d, %d rounds per side, page cache %s", n, batch, *flagRounds, cache)
			samples := map[string][]float64{}
			b.ResetTimer()
			for r := 1; r <= *flagRounds; r++ {
				for i := range sides {
					s := sides[i]
					if r%2 == 0 {
						s = sides[len(sides)-1-i]
					}
					samples[s.name] = append(samples[s.name], s.run())
				}
			}
			b.StopTimer()
			p, q, v := median(samples["partitioned"]), median(samples["plain"]), median(samples["view"])
			record(b, "rows", float64(n), "rows", fmt.Sprintf("24 monthly partitions, batches of %d rows", batch))
			record(b, "partitioned", p, "ms", "repository InsertTicks: straight into each row's partition table (median)")
			record(b, "plain", q, "ms", "sqlc's InsertTick into one plain table, same batching (median)")
			record(b, "view", v, "ms", "the same INSERT INTO market_data: the view's triggers route (median)")
			recordTarget(b, "partitioned/plain", p/q, "ratio", "", "<=", 1.2)
			recordTarget(b, "partitioned/view", p/v, "ratio", "below the view", "<=", 1.0)
			record(b, "view/plain", v/q, "ratio", "")
		})
	}
}
