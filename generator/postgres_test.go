package generator_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
)

// pgScenario is one golden spec, applied to a real PostgreSQL.
type pgScenario struct {
	name     string
	zone     string
	interval string
	keyType  string
	premake  int
	start    string
	asOf     string
	extra    string // more table keys, indented like the others
}

var pgScenarios = []pgScenario{
	{name: "pg_month_utc", zone: "UTC", interval: "month", keyType: "timestamptz", premake: 3, start: "2026-09-01", asOf: "2026-11-26"},
	{name: "pg_day_new_york_dst", zone: "America/New_York", interval: "day", keyType: "timestamptz", premake: 3, start: "2026-10-30", asOf: "2026-10-31"},
	{name: "pg_week_kolkata", zone: "Asia/Kolkata", interval: "week", keyType: "timestamptz", premake: 2, start: "2026-12-21", asOf: "2026-12-31"},
	{name: "pg_quarter_lord_howe", zone: "Australia/Lord_Howe", interval: "quarter", keyType: "timestamptz", premake: 4, asOf: "2026-11-26"},
	{name: "pg_year_utc", zone: "UTC", interval: "year", keyType: "timestamptz", premake: 1, asOf: "2026-11-26"},
	{name: "pg_month_timestamp_new_york", zone: "America/New_York", interval: "month", keyType: "timestamp", premake: 2, asOf: "2026-11-26"},
	{name: "pg_day_date_key", zone: "UTC", interval: "day", keyType: "date", premake: 2, asOf: "2026-11-26"},
	{name: "pg_month_default_move", zone: "UTC", interval: "month", keyType: "timestamptz", premake: 1, asOf: "2026-11-26",
		extra: "    default_partition: true\n    on_default_rows: move\n"},
	{name: "pg_month_default_fail", zone: "Europe/Berlin", interval: "month", keyType: "timestamptz", premake: 1, asOf: "2026-11-26",
		extra: "    default_partition: true\n"},
	{name: "pg_month_schema_naming", zone: "UTC", interval: "month", keyType: "timestamptz", premake: 1, asOf: "2026-11-26",
		extra: "    schema: ticks\n    naming: \"{table}_{YYYY}{MM}\"\n"},
}

func (s pgScenario) spec() string {
	b := fmt.Sprintf("version: 1\ndialect: postgres\nmigrations: .\ntimezone: %s\ntables:\n  - name: events\n    key: ts\n    key_type: %s\n    interval: %s\n    premake: %d\n",
		s.zone, s.keyType, s.interval, s.premake)
	if s.start != "" {
		b += "    start: " + s.start + "\n"
	}
	return b + s.extra
}

func (s pgScenario) base() string {
	table := "events"
	pre := ""
	if strings.Contains(s.extra, "schema: ticks") {
		table, pre = "ticks.events", "CREATE SCHEMA ticks;\n"
	}
	return fmt.Sprintf(`-- +goose Up
%sCREATE TABLE %s (
    id      bigint GENERATED ALWAYS AS IDENTITY,
    ts      %s NOT NULL,
    payload text,
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX ON %s (ts);

-- +goose Down
DROP TABLE %s;
`, pre, table, s.keyType, table, table)
}

// keyValue is how a test writes an instant into a key of the scenario's type.
func keyValue(keyType string, t time.Time) any {
	switch keyType {
	case "timestamp":
		return t.Format("2006-01-02 15:04:05.999999")
	case "date":
		return t.Format("2006-01-02")
	}
	return t
}

// lastInstant is the last value of the key's type inside a period.
func lastInstant(keyType string, p calendar.Period) time.Time {
	if keyType == "date" {
		return p.Upper.AddDate(0, 0, -1)
	}
	return p.Upper.Add(-time.Microsecond)
}

// pgDatabase makes a fresh database whose session time zone is far from the
// spec's, so a bound that followed the session would land visibly wrong.
func pgDatabase(t *testing.T) *sql.DB {
	t.Helper()
	first, dsn := testdb.Postgres(t)
	var name string
	must(t, first.QueryRow("SELECT current_database()").Scan(&name))
	_, err := first.Exec("ALTER DATABASE " + name + " SET timezone = 'Pacific/Chatham'")
	must(t, err)
	first.Close()
	db, err := sql.Open("pgx", dsn) // new sessions pick the setting up
	must(t, err)
	t.Cleanup(func() { db.Close() })
	var tz string
	must(t, db.QueryRow("SHOW timezone").Scan(&tz))
	if tz != "Pacific/Chatham" {
		t.Fatalf("session time zone is %s", tz)
	}
	return db
}

func TestPostgresScenarios(t *testing.T) {
	for _, sc := range pgScenarios {
		t.Run(sc.name, func(t *testing.T) {
			w := newWorkspace(t, sc.spec(), sc.base())
			plan := w.generate(sc.asOf)
			if len(plan.Files) == 0 {
				t.Fatal("no files generated")
			}
			golden(t, sc.name, plan.Files...)
			if again := w.plan(sc.asOf); len(again.Files) != 0 {
				t.Fatalf("second run would write %d files", len(again.Files))
			}

			db := pgDatabase(t)
			w.up(db, goose.DialectPostgres)

			sp := w.loadSpec()
			tbl := &sp.Tables[0]
			qual := tbl.Quoted()
			mig, err := folder.Read(w.dir)
			must(t, err)
			parts := mig.Partitions(tbl.FullName())
			var ranges []folder.PartitionState
			for _, p := range parts {
				if !p.Default {
					ranges = append(ranges, p)
				}
			}
			for _, p := range ranges {
				for _, at := range []time.Time{p.Period.Lower, lastInstant(sc.keyType, p.Period)} {
					var where string
					err := db.QueryRow(fmt.Sprintf("INSERT INTO %s (ts, payload) VALUES ($1, 'edge') RETURNING tableoid::regclass::text", qual),
						keyValue(sc.keyType, at)).Scan(&where)
					must(t, err)
					if want := p.Name; !strings.HasSuffix(where, want) {
						t.Errorf("row at %s landed in %s, want %s", at, where, want)
					}
				}
			}
			// Just outside the whole range: no partition, or the default.
			before := ranges[0].Period.Lower.Add(-time.Microsecond)
			if sc.keyType == "date" {
				before = ranges[0].Period.Lower.AddDate(0, 0, -1)
			}
			var where string
			err = db.QueryRow(fmt.Sprintf("INSERT INTO %s (ts, payload) VALUES ($1, 'outside') RETURNING tableoid::regclass::text", qual),
				keyValue(sc.keyType, before)).Scan(&where)
			if tbl.DefaultPartition {
				must(t, err)
				if !strings.HasSuffix(where, tbl.DefaultPartitionName()) {
					t.Errorf("row before the first period landed in %s, want the default", where)
				}
			} else if err == nil || !strings.Contains(err.Error(), "no partition of relation") {
				t.Errorf("row before the first period: err = %v, want no partition", err)
			}

			// Down refuses to lose rows, and says how many.
			p := w.provider(db, goose.DialectPostgres)
			ctx := context.Background()
			_, err = p.DownTo(ctx, 20260101000000)
			if err == nil || !strings.Contains(err.Error(), "row(s) that would be lost") {
				t.Fatalf("down with rows: err = %v, want a refusal naming the rows", err)
			}
			_, err = db.Exec("DELETE FROM " + qual)
			must(t, err)
			_, err = p.DownTo(ctx, 20260101000000)
			must(t, err)
			if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhparent = $1::regclass", qual); n != 0 {
				t.Errorf("after down: %d partitions left", n)
			}
			w.up(db, goose.DialectPostgres) // and up again from the base
		})
	}
}

// A spec whose key or key_type does not match the parent is stopped by the
// migration itself, before any bound is written in the wrong type, when the
// folder cannot show the mistake at generate (here the parent is created
// inside a DO block). goose shows the exception's message, not its HINT:
// the message itself says the fix.
func TestPostgresRefusesAParentUnlikeTheSpec(t *testing.T) {
	for _, c := range []struct{ name, spec, ddl, want string }{
		{"key type", "    key_type: date\n", "CREATE TABLE ev (ts timestamptz NOT NULL) PARTITION BY RANGE (ts)",
			"partgen: ev must be PARTITION BY RANGE (ts) with ts of type date, but it is PARTITION BY RANGE (ts) with ts of type timestamp with time zone. Fix: correct key: or key_type: for ev in partgen.yaml (or the table), delete this file and run partgen generate again"},
		{"key column", "", "CREATE TABLE ev (ts timestamptz NOT NULL, at timestamptz) PARTITION BY RANGE (at)",
			"but it is PARTITION BY RANGE (at) with at of type timestamp with time zone. Fix: correct key:"},
		{"expression key", "", "CREATE TABLE ev (ts timestamp NOT NULL) PARTITION BY RANGE ((ts + interval '1 day'))",
			"but it is PARTITION BY RANGE (((ts + '1 day'::interval))). Fix:"},
		{"not partitioned", "", "CREATE TABLE ev (ts timestamptz NOT NULL)", "but it is not partitioned. Fix:"},
		{"missing", "", "CREATE TABLE events (ts timestamptz NOT NULL) PARTITION BY RANGE (ts)",
			"partgen: table ev does not exist when this file runs. Fix: create it in a migration that sorts before this file, or correct name: for it in partgen.yaml; then delete this file and run partgen generate again"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sp := "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - name: ev\n    key: ts\n    interval: month\n    premake: 1\n" + c.spec
			base := "-- +goose Up\n-- +goose StatementBegin\nDO $$ BEGIN EXECUTE " + dialect.QuoteLiteral(c.ddl) + "; END $$;\n-- +goose StatementEnd\n"
			w := newWorkspace(t, sp, base)
			p := w.generate("2026-11-26")
			if body := string(p.Files[0].Body); !strings.Contains(body, "-- The folder does not show what ev is (") {
				t.Errorf("the file does not say that the folder cannot tell:\n%s", body)
			}
			db := pgDatabase(t)
			_, err := w.provider(db, goose.DialectPostgres).Up(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_class WHERE relname LIKE 'ev\\_p%'"); n != 0 {
				t.Fatalf("%d partition tables created", n)
			}
		})
	}
}
