package repository

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/spec"
)

// A write routed by the catalog before a migration commits, and written
// after it, is routed again on the new schema: without the check, an alert
// of 2027-Q3 routed to the default partition would land there although the
// migration has just created (and moved the default's rows into) its
// quarter's partition.
func TestSQLiteWriteRetriesWhenAMigrationMovesPartitions(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"partgen.yaml", "20260101000000_create_market_tables.sql"} {
		b, err := os.ReadFile(filepath.Join("..", "migrations", "sqlite", name))
		testdb.Must(t, "read", err)
		testdb.Must(t, "write", os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	generate := func(asOf string) {
		sp, err := spec.Load(filepath.Join(dir, "partgen.yaml"))
		testdb.Must(t, "spec", err)
		d, err := calendar.ParseDate(asOf)
		testdb.Must(t, "date", err)
		plan, err := generator.Generate(sp, d)
		testdb.Must(t, "generate", err)
		_, err = plan.Write()
		testdb.Must(t, "write plan", err)
	}
	db, _ := testdb.SQLite(t)
	up := func() {
		p, err := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS(dir), goose.WithLogger(goose.NopLogger()))
		testdb.Must(t, "provider", err)
		_, err = p.Up(context.Background())
		testdb.Must(t, "goose up", err)
	}
	generate("2026-11-26") // market_data through 2027-02, alert_log through 2027-Q2 and a default
	up()
	ctx := context.Background()
	repo := NewSQLite(db)

	hooked := 0
	testHookRouted = func() {
		hooked++
		if hooked == 1 {
			generate("2027-05-15") // adds 2027-03.. and 2027-Q3..; moves the default's rows
			up()
		}
	}
	t.Cleanup(func() { testHookRouted = nil })

	q3 := time.Date(2027, 8, 1, 12, 0, 0, 0, time.UTC)
	id, err := repo.InsertAlert(ctx, Alert{InstrumentID: 1, RaisedAt: q3, Severity: "info", Message: "routed before the migration"})
	if err != nil {
		t.Fatal(err)
	}
	if hooked != 2 {
		t.Fatalf("the write was routed %d times, want 2 (once before the migration, once after)", hooked)
	}
	in := func(table string) int64 {
		return testdb.Count(t, db, `SELECT count(*) FROM "`+table+`" WHERE id = ?`, id)
	}
	if got, dflt := in("alert_log_p2027q3"), in("alert_log_default"); got != 1 || dflt != 0 {
		t.Fatalf("alert %d: %d row(s) in alert_log_p2027q3, %d in alert_log_default; want 1 and 0", id, got, dflt)
	}

	// A batch of ticks routed before a migration is routed again after it.
	hooked = 0
	testHookRouted = func() {
		hooked++
		if hooked == 1 {
			generate("2027-08-15")
			up()
		}
	}
	ticks := []Tick{
		{InstrumentID: 1, TS: time.Date(2027, 3, 31, 23, 59, 59, 0, time.UTC), Price: 1},
		{InstrumentID: 1, TS: time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC), Price: 2},
	}
	n, err := repo.InsertTicks(ctx, ticks)
	if err != nil || n != 2 {
		t.Fatalf("InsertTicks = %d, %v", n, err)
	}
	if hooked != 2 {
		t.Fatalf("the batch was routed %d times, want 2", hooked)
	}
	for _, want := range []string{"market_data_p2027_03", "market_data_p2027_04"} {
		if got := testdb.Count(t, db, `SELECT count(*) FROM "`+want+`"`); got != 1 {
			t.Errorf("%s holds %d rows, want 1", want, got)
		}
	}
}
