package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/examples/marketdata/db/sqlitedb"
	"github.com/partgen/partgen/examples/marketdata/repository"
	"github.com/partgen/partgen/internal/testdb"
)

// Issue 6, item 3: range reads through the repository on 24 and 120 monthly
// partitions vs the same queries on the unpartitioned table.
//
// market_data has P monthly partitions (made by partgen's generated
// migration, applied with goose) ending 2025-12, and -bench-read-month-rows
// rows per month (10,000; 10 instruments, evenly spread in time), so the
// 120-partition table holds five times the 24-partition one's history and
// every query returns the same amount of data at both sizes. The plain
// table holds the same rows with the same primary key and index. Both are
// ANALYZEd.
//
// Per round, each side runs 200 "one instrument over one day" queries
// (repository.TicksInRange, days and instruments spread over the whole
// range) and 12 "one month aggregated" queries (repository.InstrumentStats
// over a whole calendar month). Baselines: PostgreSQL, the repository over a
// connection that renames market_data to plain (the same sqlc statements,
// the same pgx code); SQLite, sqlc's statements for the view run on the
// plain table with the repository's conversion of the rows, and the same
// statements on the view itself (UNION ALL of every partition: no pruning
// but SQLite's own push-down of the WHERE into each arm). One untimed
// warm-up pass per side, then 5 alternated rounds (at least -bench-rounds).

const (
	readDayQueries   = 200
	readMonthQueries = 12
	readInstruments  = 10
)

func readRounds() int { return max(5, *flagRounds) }

type readQuery struct {
	instrument int64
	from, to   time.Time
}

// readQueries spreads the day and month queries over the P months from start.
func readQueries(from time.Time, parts int) (days, months []readQuery) {
	totalDays := int(from.AddDate(0, parts, 0).Sub(from) / (24 * time.Hour))
	for k := 0; k < readDayQueries; k++ {
		d := from.AddDate(0, 0, (k*7919)%totalDays)
		days = append(days, readQuery{instrument: int64(k%readInstruments + 1), from: d, to: d.AddDate(0, 0, 1)})
	}
	for k := 0; k < readMonthQueries; k++ {
		m := from.AddDate(0, k*parts/readMonthQueries, 0)
		months = append(months, readQuery{from: m, to: m.AddDate(0, 1, 0)})
	}
	return days, months
}

// readSide is one way of running the two queries.
type readSide struct {
	name  string
	ticks func(ctx context.Context, instrument int64, from, to time.Time) ([]repository.Tick, error)
	stats func(ctx context.Context, from, to time.Time) ([]repository.Stats, error)
}

// runReads times each side's day and month queries over alternated rounds
// and records per-query medians and the ratios to the side named baseline.
func runReads(b *testing.B, sides []readSide, baseline string, days, months []readQuery, notes map[string]string) {
	ctx := context.Background()
	type result struct{ ticks, stats int }
	pass := func(s readSide) (dayMS, monthMS float64, res result) {
		began := time.Now()
		for _, q := range days {
			t, err := s.ticks(ctx, q.instrument, q.from, q.to)
			if err != nil {
				b.Fatalf("%s: ticks: %v", s.name, err)
			}
			res.ticks += len(t)
		}
		dayMS = ms(time.Since(began))
		began = time.Now()
		for _, q := range months {
			st, err := s.stats(ctx, q.from, q.to)
			if err != nil {
				b.Fatalf("%s: stats: %v", s.name, err)
			}
			for _, x := range st {
				res.stats += int(x.Ticks)
			}
		}
		monthMS = ms(time.Since(began))
		return dayMS, monthMS, res
	}
	// Warm-up, and every side must return the same rows.
	var want result
	for i, s := range sides {
		_, _, res := pass(s)
		if i == 0 {
			want = res
		} else if res != want {
			b.Fatalf("%s returned %d ticks and %d aggregated rows, %s %d and %d", s.name, res.ticks, res.stats, sides[0].name, want.ticks, want.stats)
		}
	}
	if want.ticks == 0 || want.stats == 0 {
		b.Fatalf("the queries returned nothing: %+v", want)
	}
	dayS, monthS := map[string][]float64{}, map[string][]float64{}
	b.ResetTimer()
	for r := 1; r <= readRounds(); r++ {
		for i := range sides {
			s := sides[i]
			if r%2 == 0 {
				s = sides[len(sides)-1-i]
			}
			d, m, _ := pass(s)
			dayS[s.name] = append(dayS[s.name], d)
			monthS[s.name] = append(monthS[s.name], m)
		}
	}
	b.StopTimer()
	record(b, "day_rows_per_query", float64(want.ticks)/float64(len(days)), "rows", "ticks one instrument-day query returns (mean)")
	record(b, "month_rows_per_query", float64(want.stats)/float64(len(months)), "rows", "rows one month aggregate reads")
	for _, s := range sides {
		record(b, "day_"+s.name, 1000*median(dayS[s.name])/float64(len(days)), "us", "per query (median of rounds); "+notes[s.name])
		record(b, "month_"+s.name, 1000*median(monthS[s.name])/float64(len(months)), "us", "per query (median of rounds)")
	}
	for _, s := range sides {
		if s.name == baseline {
			continue
		}
		day, month := median(dayS[s.name])/median(dayS[baseline]), median(monthS[s.name])/median(monthS[baseline])
		if s.name == "partitioned" {
			recordTarget(b, "day_"+s.name+"/"+baseline, day, "ratio", "", "<=", 1.2)
			recordTarget(b, "month_"+s.name+"/"+baseline, month, "ratio", "", "<=", 1.2)
			continue
		}
		record(b, "day_"+s.name+"/"+baseline, day, "ratio", "")
		record(b, "month_"+s.name+"/"+baseline, month, "ratio", "")
	}
}

func BenchmarkReadsPostgres(b *testing.B) {
	for _, parts := range []int{24, 120} {
		b.Run(fmt.Sprintf("partitions=%d", parts), func(b *testing.B) { readsPostgres(b, parts) })
	}
}

func readsPostgres(b *testing.B, parts int) {
	db, dsn := testdb.Postgres(b)
	start := addMonths(date(2026, 1, 1), -parts)
	w := monthlyWorkspace(b, "postgres", start, parts)
	w.up(db, goose.DialectPostgres)
	if got := pgLeafCount(b, db); got != int64(parts) {
		b.Fatalf("market_data has %d partitions, want %d", got, parts)
	}
	exec(b, db, repoPlainPG)
	from, to := startTime(start), startTime(addMonths(start, parts))
	n := readMonthRows() * parts
	b.Logf("filling %d rows over %d months into market_data and plain", n, parts)
	for _, table := range []string{"market_data", "plain"} {
		exec(b, db, fmt.Sprintf(`INSERT INTO %s (instrument_id, ts, price, volume)
			SELECT i %% %d + 1, $2::timestamptz + (i::float8 / $1) * ($3::timestamptz - $2::timestamptz), (i %% 9973) / 100.0, i %% 1000
			FROM generate_series(0, $1 - 1) AS i`, table, readInstruments), n, from, to)
		exec(b, db, "VACUUM (ANALYZE) "+table)
	}
	pool := newPool(b, dsn)
	part := repository.NewPostgres(pool)
	plain := repository.NewPostgres(newPGRenamed(pool, "plain"))
	days, months := readQueries(from, parts)
	sides := []readSide{
		{"partitioned", part.TicksInRange, part.InstrumentStats},
		{"plain", plain.TicksInRange, plain.InstrumentStats},
	}
	record(b, "rows", float64(n), "rows", fmt.Sprintf("%d monthly partitions, %d rows a month", parts, readMonthRows()))
	runReads(b, sides, "plain", days, months, map[string]string{
		"partitioned": "repository on the partitioned parent",
		"plain":       "the same statements on the unpartitioned table",
	})
}

func BenchmarkReadsSQLite(b *testing.B) {
	for _, parts := range []int{24, 120} {
		b.Run(fmt.Sprintf("partitions=%d", parts), func(b *testing.B) { readsSQLite(b, parts) })
	}
}

// Keys in partgen's canonical UTC text, whole seconds.
const sqliteReadFill = `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?1)
INSERT INTO %s (instrument_id, ts, price, volume)
SELECT i %% %d + 1, strftime('%%Y-%%m-%%d %%H:%%M:%%S', ?2 + i * ?3 / ?1, 'unixepoch') || '+00:00', (i %% 9973) / 100.0, i %% 1000
FROM s`

func readsSQLite(b *testing.B, parts int) {
	dir := b.TempDir()
	partDB := openSQLite(b, filepath.Join(dir, "part.db"))
	plainDB := openSQLite(b, filepath.Join(dir, "plain.db"))
	start := addMonths(date(2026, 1, 1), -parts)
	from, to := startTime(start), startTime(addMonths(start, parts))
	n := readMonthRows() * parts
	span := int64(to.Sub(from) / time.Second)
	b.Logf("filling %d rows over %d months into market_data (converted by partgen's first file) and plain", n, parts)
	w := monthlyWorkspace(b, "sqlite", start, parts)
	w.upTo(partDB, goose.DialectSQLite3, repoBaseVersion)
	exec(b, partDB, fmt.Sprintf(sqliteReadFill, "market_data", readInstruments), n, from.Unix(), span)
	w.up(partDB, goose.DialectSQLite3) // converts: the partition tables, the view, the triggers
	if got := queryInt(b, partDB, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name GLOB 'market_data_p*'"); got != int64(parts) {
		b.Fatalf("market_data has %d partitions, want %d", got, parts)
	}
	exec(b, plainDB, repoPlainSQLite)
	exec(b, plainDB, fmt.Sprintf(sqliteReadFill, "plain", readInstruments), n, from.Unix(), span)
	exec(b, partDB, "ANALYZE")
	exec(b, plainDB, "ANALYZE")

	repo := repository.NewSQLite(partDB)
	plainQ := sqlitedb.New(newSQLiteRenamed(plainDB, "plain"))
	viewQ := sqlitedb.New(partDB)
	days, months := readQueries(from, parts)
	sides := []readSide{
		{"partitioned", repo.TicksInRange, repo.InstrumentStats},
		{"plain",
			func(ctx context.Context, i int64, f, t time.Time) ([]repository.Tick, error) {
				return sqliteTicks(ctx, plainQ, i, f, t)
			},
			func(ctx context.Context, f, t time.Time) ([]repository.Stats, error) {
				return sqliteStats(ctx, plainQ, f, t)
			}},
		{"view",
			func(ctx context.Context, i int64, f, t time.Time) ([]repository.Tick, error) {
				return sqliteTicks(ctx, viewQ, i, f, t)
			},
			func(ctx context.Context, f, t time.Time) ([]repository.Stats, error) {
				return sqliteStats(ctx, viewQ, f, t)
			}},
	}
	record(b, "rows", float64(n), "rows", fmt.Sprintf("%d monthly partitions, %d rows a month", parts, readMonthRows()))
	runReads(b, sides, "plain", days, months, map[string]string{
		"partitioned": "repository: only the partitions the range overlaps",
		"plain":       "sqlc's statements on the unpartitioned table",
		"view":        "sqlc's statements on the view: every partition probed",
	})
}
