package migrations_test

import (
	"context"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/examples/marketdata/migrations"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/spec"
)

// The committed example applies to an empty PostgreSQL database, and every
// partition's bound is exactly its period's, as the catalog prints it.
func TestExamplePostgresBoundsAreExact(t *testing.T) {
	db, _ := testdb.Postgres(t)
	ctx := context.Background()
	sub, _ := fs.Sub(migrations.Postgres, "postgres")
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "provider", err)
	_, err = p.Up(ctx)
	testdb.Must(t, "goose up", err)

	sp, err := spec.Load("postgres/partgen.yaml")
	testdb.Must(t, "spec", err)
	mig, err := folder.Read("postgres")
	testdb.Must(t, "folder", err)
	conn, err := db.Conn(ctx)
	testdb.Must(t, "conn", err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "SET TimeZone = 'UTC'")
	testdb.Must(t, "set", err)
	for i := range sp.Tables {
		tbl := &sp.Tables[i]
		parts := mig.Partitions(tbl.FullName())
		if len(parts) == 0 {
			t.Fatalf("%s: no partitions in the committed folder", tbl.Name)
		}
		for _, ps := range parts {
			var bound string
			err := conn.QueryRowContext(ctx, `SELECT pg_catalog.pg_get_expr(c.relpartbound, c.oid) FROM pg_catalog.pg_class c
				JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid WHERE i.inhparent = $1::regclass AND c.relname = $2`, tbl.Name, ps.Name).Scan(&bound)
			testdb.Must(t, ps.Name, err)
			want := "DEFAULT"
			if !ps.Default {
				f := func(x time.Time) string { return x.UTC().Format("2006-01-02 00:00:00+00") }
				want = fmt.Sprintf("FOR VALUES FROM ('%s') TO ('%s')", f(ps.Period.Lower), f(ps.Period.Upper))
				if p := calendar.PeriodOf(tbl.Interval, ps.Period.Lower, sp.Location); !p.Equal(ps.Period) {
					t.Errorf("%s: marker period %v is not a calendar period", ps.Name, ps.Period)
				}
			}
			if bound != want {
				t.Errorf("%s: bound %q, want %q", ps.Name, bound, want)
			}
		}
	}
}

// The committed SQLite example applies to a new file and round-trips Down.
func TestExampleSQLiteAppliesAndRollsBack(t *testing.T) {
	db, _ := testdb.SQLite(t)
	ctx := context.Background()
	sub, _ := fs.Sub(migrations.SQLite, "sqlite")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "provider", err)
	_, err = p.Up(ctx)
	testdb.Must(t, "goose up", err)
	_, err = db.Exec("INSERT INTO market_data (instrument_id, ts, price, volume) VALUES (1, '2026-11-26 04:12:12.123456789+00:00', 10, 5)")
	testdb.Must(t, "insert", err)
	if n := testdb.Count(t, db, "SELECT count(*) FROM market_data_p2026_11"); n != 1 {
		t.Fatalf("the tick is not in market_data_p2026_11 (%d)", n)
	}
	_, err = p.DownTo(ctx, 20260101000000)
	testdb.Must(t, "down", err)
	if n := testdb.Count(t, db, "SELECT count(*) FROM market_data WHERE ts = '2026-11-26 04:12:12.123456789+00:00'"); n != 1 {
		t.Fatal("the tick did not survive the Down")
	}
}
