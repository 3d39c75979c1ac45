package repository_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/examples/marketdata/migrations"
	"github.com/partgen/partgen/examples/marketdata/repository"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/spec"
)

// harness is one engine with the example domain applied.
type harness struct {
	name  string
	repo  repository.Repository
	where func(t *testing.T, instrument int64, at time.Time) string // the partition holding a tick
	count func(t *testing.T) int64
	res   time.Duration // the key's resolution on this engine
}

func postgresHarness(t *testing.T) *harness {
	db, dsn := testdb.Postgres(t)
	sub, _ := fs.Sub(migrations.Postgres, "postgres")
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "provider", err)
	_, err = p.Up(context.Background())
	testdb.Must(t, "goose up", err)
	pool, err := pgxpool.New(context.Background(), dsn)
	testdb.Must(t, "pool", err)
	t.Cleanup(pool.Close)
	return &harness{
		name: "postgres",
		repo: repository.NewPostgres(pool),
		where: func(t *testing.T, instrument int64, at time.Time) string {
			var s string
			testdb.Must(t, "where", db.QueryRow("SELECT tableoid::regclass::text FROM market_data WHERE instrument_id = $1 AND ts = $2", instrument, at).Scan(&s))
			return s
		},
		count: func(t *testing.T) int64 { return testdb.Count(t, db, "SELECT count(*) FROM market_data") },
		res:   time.Microsecond,
	}
}

func sqliteHarness(t *testing.T) *harness {
	db, _ := testdb.SQLite(t)
	sub, _ := fs.Sub(migrations.SQLite, "sqlite")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "provider", err)
	_, err = p.Up(context.Background())
	testdb.Must(t, "goose up", err)
	return &harness{
		name: "sqlite",
		repo: repository.NewSQLite(db),
		where: func(t *testing.T, instrument int64, at time.Time) string {
			key := at.UTC().Format("2006-01-02 15:04:05.999999999-07:00")
			var found []string
			for m := 1; m <= 12; m++ {
				for _, y := range []int{2026, 2027} {
					name := fmt.Sprintf("market_data_p%d_%02d", y, m)
					var n int64
					if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM %q WHERE instrument_id = ? AND ts = ?", name), instrument, key).Scan(&n); err == nil && n > 0 {
						found = append(found, name)
					}
				}
			}
			return strings.Join(found, ",")
		},
		count: func(t *testing.T) int64 { return testdb.Count(t, db, "SELECT count(*) FROM market_data") },
		res:   time.Nanosecond,
	}
}

func forEach(t *testing.T, f func(t *testing.T, h *harness)) {
	for name, mk := range map[string]func(*testing.T) *harness{"postgres": postgresHarness, "sqlite": sqliteHarness} {
		t.Run(name, func(t *testing.T) { f(t, mk(t)) })
	}
}

func TestTicksRoundTripAtPeriodEdges(t *testing.T) {
	forEach(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		var ticks []repository.Tick
		for m := time.September; m <= time.December; m++ {
			start := time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC)
			end := start.AddDate(0, 1, 0)
			ticks = append(ticks,
				repository.Tick{InstrumentID: 7, TS: start, Price: 100.25, Volume: 1},
				repository.Tick{InstrumentID: 7, TS: end.Add(-h.res), Price: 101.5, Volume: 2})
		}
		// One through InsertTick, the rest as a batch.
		if err := h.repo.InsertTick(ctx, ticks[0]); err != nil {
			t.Fatal(err)
		}
		n, err := h.repo.InsertTicks(ctx, ticks[1:])
		if err != nil || n != int64(len(ticks)-1) {
			t.Fatalf("InsertTicks = %d, %v", n, err)
		}
		for _, tk := range ticks {
			want := fmt.Sprintf("market_data_p%d_%02d", tk.TS.Year(), int(tk.TS.Month()))
			if got := h.where(t, 7, tk.TS); got != want {
				t.Errorf("tick at %s is in %q, want %s", tk.TS.Format(time.RFC3339Nano), got, want)
			}
		}
		got, err := h.repo.TicksInRange(ctx, 7, ticks[0].TS, ticks[len(ticks)-1].TS.Add(h.res))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ticks) {
			t.Fatalf("TicksInRange returned %d ticks, want %d", len(got), len(ticks))
		}
		for i := range got {
			if !got[i].TS.Equal(ticks[i].TS) || got[i].Price != ticks[i].Price || got[i].Volume != ticks[i].Volume {
				t.Errorf("tick %d: got %+v, want %+v", i, got[i], ticks[i])
			}
		}
		// Half-open: the range ending at a period's start excludes it.
		got, err = h.repo.TicksInRange(ctx, 7, ticks[0].TS, ticks[2].TS)
		if err != nil || len(got) != 2 {
			t.Fatalf("TicksInRange to the next month's start = %d ticks, %v; want 2", len(got), err)
		}
		latest, err := h.repo.LatestTicks(ctx, ticks[0].TS)
		if err != nil || len(latest) != 1 || !latest[0].TS.Equal(ticks[len(ticks)-1].TS) {
			t.Fatalf("LatestTicks = %+v, %v", latest, err)
		}
		stats, err := h.repo.InstrumentStats(ctx, ticks[0].TS, ticks[len(ticks)-1].TS.Add(h.res))
		if err != nil || len(stats) != 1 || stats[0].Ticks != 8 || stats[0].Low != 100.25 || stats[0].High != 101.5 || stats[0].Volume != 12 {
			t.Fatalf("InstrumentStats = %+v, %v", stats, err)
		}
	})
}

func TestNoPartitionIsTypedAndAtomic(t *testing.T) {
	forEach(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		outside := time.Date(2031, 5, 5, 5, 5, 5, 0, time.UTC)
		batch := []repository.Tick{
			{InstrumentID: 1, TS: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Price: 1},
			{InstrumentID: 1, TS: outside, Price: 1},
		}
		_, err := h.repo.InsertTicks(ctx, batch)
		if !errors.Is(err, repository.ErrNoPartition) {
			t.Fatalf("err = %v, want ErrNoPartition", err)
		}
		var e *repository.Error
		if !errors.As(err, &e) || e.Table != "market_data" || !e.Key.Equal(outside) || e.Op != "InsertTicks" {
			t.Fatalf("error %#v does not name the table, key and operation", e)
		}
		if !strings.Contains(err.Error(), "no partition of market_data for 2031-05-05T05:05:05Z") {
			t.Errorf("message %q", err)
		}
		if n := h.count(t); n != 0 {
			t.Fatalf("%d rows written by a refused batch", n)
		}
		if err := h.repo.InsertTick(ctx, batch[1]); !errors.Is(err, repository.ErrNoPartition) {
			t.Fatalf("InsertTick outside: %v", err)
		}
	})
}

func TestInvalidInput(t *testing.T) {
	forEach(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
		checks := map[string]error{
			"instrument 0":   h.repo.InsertTick(ctx, repository.Tick{InstrumentID: 0, TS: now}),
			"negative price": h.repo.InsertTick(ctx, repository.Tick{InstrumentID: 1, TS: now, Price: -1}),
			"no timestamp":   h.repo.InsertTick(ctx, repository.Tick{InstrumentID: 1}),
		}
		_, checks["reversed range"] = h.repo.TicksInRange(ctx, 1, now, now.Add(-time.Hour))
		_, checks["empty range"] = h.repo.InstrumentStats(ctx, now, now)
		_, checks["bad severity"] = h.repo.AlertsInRange(ctx, now, now.Add(time.Hour), "panic")
		_, checks["alert severity"] = h.repo.InsertAlert(ctx, repository.Alert{InstrumentID: 1, RaisedAt: now, Severity: "loud"})
		_, checks["negative instrument"] = h.repo.TicksInRange(ctx, -3, now, now.Add(time.Hour))
		for what, err := range checks {
			if !errors.Is(err, repository.ErrInvalidInput) {
				t.Errorf("%s: err = %v, want ErrInvalidInput", what, err)
			}
		}
	})
}

func TestAlerts(t *testing.T) {
	forEach(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		base := time.Date(2026, 9, 30, 23, 0, 0, 0, time.UTC) // the end of Q3
		var ids []int64
		for i, sev := range []string{"info", "warning", "critical", "warning"} {
			id, err := h.repo.InsertAlert(ctx, repository.Alert{InstrumentID: int64(i + 1), RaisedAt: base.Add(time.Duration(i) * time.Hour), Severity: sev, Message: "m"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] <= ids[i-1] {
				t.Fatalf("ids not increasing: %v", ids)
			}
		}
		// Before every partition: the example's alert_log has a default partition.
		if _, err := h.repo.InsertAlert(ctx, repository.Alert{InstrumentID: 9, RaisedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Severity: "info"}); err != nil {
			t.Fatalf("alert for the default partition: %v", err)
		}
		got, err := h.repo.AlertsInRange(ctx, base, base.Add(24*time.Hour), "warning")
		if err != nil || len(got) != 2 || got[0].Severity != "warning" || !got[0].RaisedAt.Equal(base.Add(time.Hour)) {
			t.Fatalf("warnings = %+v, %v", got, err)
		}
		all, err := h.repo.AlertsInRange(ctx, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), base.Add(24*time.Hour))
		if err != nil || len(all) != 5 {
			t.Fatalf("all alerts = %d, %v", len(all), err)
		}
	})
}

func TestPostgresLockTimeoutAndConnect(t *testing.T) {
	db, dsn := testdb.Postgres(t)
	sub, _ := fs.Sub(migrations.Postgres, "postgres")
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "provider", err)
	_, err = p.Up(context.Background())
	testdb.Must(t, "up", err)
	ctx := context.Background()
	holder, err := db.BeginTx(ctx, nil)
	testdb.Must(t, "begin", err)
	defer holder.Rollback()
	_, err = holder.Exec("LOCK TABLE market_data IN ACCESS EXCLUSIVE MODE")
	testdb.Must(t, "lock", err)
	pool, err := pgxpool.New(ctx, dsn+"&lock_timeout=200")
	testdb.Must(t, "pool", err)
	defer pool.Close()
	err = repository.NewPostgres(pool).InsertTick(ctx, repository.Tick{InstrumentID: 1, TS: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Price: 1})
	if !errors.Is(err, repository.ErrLockTimeout) {
		t.Fatalf("err = %v, want ErrLockTimeout", err)
	}
	bad, err := pgxpool.New(ctx, "postgres://root@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	testdb.Must(t, "pool", err)
	defer bad.Close()
	_, err = repository.NewPostgres(bad).LatestTicks(ctx, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	if !errors.Is(err, repository.ErrConnect) {
		t.Fatalf("err = %v, want ErrConnect", err)
	}
}

func TestInTxAlwaysEnds(t *testing.T) {
	db, _ := testdb.SQLite(t)
	ctx := context.Background()
	_, err := db.Exec("CREATE TABLE t (x INTEGER)")
	testdb.Must(t, "create", err)
	boom := errors.New("boom")
	err = repository.InTx(ctx, db, func(tx *sql.Tx) error {
		tx.Exec("INSERT INTO t VALUES (1)")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	func() {
		defer func() { recover() }()
		repository.InTx(ctx, db, func(tx *sql.Tx) error {
			tx.Exec("INSERT INTO t VALUES (2)")
			panic("oops")
		})
	}()
	testdb.Must(t, "commit", repository.InTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.Exec("INSERT INTO t VALUES (3)")
		return err
	}))
	// With one connection, a transaction left open would block this query.
	if n := testdb.Count(t, db, "SELECT coalesce(sum(x), 0) FROM t"); n != 3 {
		t.Fatalf("sum = %d, want only the committed 3", n)
	}
}

// A repository that outlives a migration sees the partitions it added: the
// partitions follow SQLite's schema_version (package sqlitepart).
func TestSQLiteRepositorySeesNewPartitions(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"partgen.yaml", "20260101000000_create_market_tables.sql"} {
		b, err := os.ReadFile(filepath.Join("..", "migrations", "sqlite", name))
		testdb.Must(t, "read", err)
		testdb.Must(t, "write", os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	generate := func(asOf string) {
		sp, err := spec.Load(filepath.Join(dir, "partgen.yaml"))
		testdb.Must(t, "spec", err)
		d, _ := calendar.ParseDate(asOf)
		plan, err := generator.Generate(sp, d)
		testdb.Must(t, "generate", err)
		_, err = plan.Write()
		testdb.Must(t, "write", err)
	}
	db, _ := testdb.SQLite(t)
	up := func() {
		p, err := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS(dir), goose.WithLogger(goose.NopLogger()))
		testdb.Must(t, "provider", err)
		_, err = p.Up(context.Background())
		testdb.Must(t, "up", err)
	}
	generate("2026-11-26")
	up()
	repo := repository.NewSQLite(db)
	ctx := context.Background()
	april := repository.Tick{InstrumentID: 1, TS: time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC), Price: 1}
	if err := repo.InsertTick(ctx, april); !errors.Is(err, repository.ErrNoPartition) {
		t.Fatalf("April 2027 before its partition exists: %v", err)
	}
	generate("2027-01-15")
	up()
	if err := repo.InsertTick(ctx, april); err != nil {
		t.Fatalf("April 2027 after the migration: %v", err)
	}
	got, err := repo.LatestTicks(ctx, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(got) != 1 || !got[0].TS.Equal(april.TS) {
		t.Fatalf("LatestTicks = %+v, %v", got, err)
	}
}
