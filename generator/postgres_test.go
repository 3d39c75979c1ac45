package generator_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/internal/testdb"
)

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

// A spec whose key or key_type does not match the parent is stopped by the
// migration itself, before any bound is written in the wrong type, when the
// folder cannot show the mistake at generate (here the parent is created
// inside a DO block). goose shows the exception's message, not its HINT:
// the message itself says the fix.
func TestPostgresRefusesAParentUnlikeTheSpec(t *testing.T) {
	for _, c := range []struct{ name, spec, ddl, want string }{
		{"key type", "    key_type: date\n", "CREATE TABLE ev (ts timestamptz NOT NULL) PARTITION BY RANGE (ts)",
			"partgen: ev must be PARTITION BY RANGE (ts) with ts of type date, but it is PARTITION BY RANGE (ts) with ts of type timestamp with time zone. Fix: correct key: or key_type: for ev in partgen.yaml (or the table), delete this file and the partgen files after it that goose has not applied, then run partgen generate again"},
		{"key column", "", "CREATE TABLE ev (ts timestamptz NOT NULL, at timestamptz) PARTITION BY RANGE (at)",
			"but it is PARTITION BY RANGE (at) with at of type timestamp with time zone. Fix: correct key:"},
		{"expression key", "", "CREATE TABLE ev (ts timestamp NOT NULL) PARTITION BY RANGE ((ts + interval '1 day'))",
			"but it is PARTITION BY RANGE (((ts + '1 day'::interval))). Fix:"},
		{"not partitioned", "", "CREATE TABLE ev (ts timestamptz NOT NULL)", "but it is not partitioned. Fix:"},
		{"missing", "", "CREATE TABLE events (ts timestamptz NOT NULL) PARTITION BY RANGE (ts)",
			"partgen: table ev does not exist when this file runs. Fix: create it in a migration that sorts before this file, or correct name: for it in partgen.yaml; then delete this file and the partgen files after it that goose has not applied, and run partgen generate again"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sp := "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - name: ev\n    key: ts\n    interval: month\n    premake: 1\n" + c.spec
			base := "-- +goose Up\n-- +goose StatementBegin\nDO $$ BEGIN EXECUTE " + dialect.QuoteLiteral(c.ddl) + "; END $$;\n-- +goose StatementEnd\n"
			w := newWorkspace(t, sp, base)
			p := w.generate("2026-11-26")
			if body := string(tableFiles(p.Files)[0].Body); !strings.Contains(body, "-- The folder does not show what ev is (") {
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

// Issue 14 (1), the reported input: rows at 00:00 and 00:30 of the day whose
// midnight Santiago's DST skips belong to that day's partition.
func TestTimestampKeyAtASkippedMidnight(t *testing.T) {
	w := newWorkspace(t, "version: 1\ndialect: postgres\nmigrations: .\ntimezone: America/Santiago\ntables:\n  - {name: visits, key: visited_at, key_type: timestamp, interval: day, premake: 3}\n",
		"-- +goose Up\nCREATE TABLE visits (id bigint not null, visited_at timestamp not null) PARTITION BY RANGE (visited_at);\n")
	w.generate("2026-09-04")
	db := pgDatabase(t)
	w.up(db, goose.DialectPostgres)
	for at, want := range map[string]string{
		"2026-09-05 23:59:59.999999": "visits_p2026_09_05",
		"2026-09-06 00:00:00":        "visits_p2026_09_06",
		"2026-09-06 00:30:00":        "visits_p2026_09_06",
		"2026-09-06 01:00:00":        "visits_p2026_09_06",
	} {
		var where string
		must(t, db.QueryRow("INSERT INTO visits VALUES (1, $1) RETURNING tableoid::regclass::text", at).Scan(&where))
		if where != want {
			t.Errorf("a visit at %s landed in %s, want %s", at, where, want)
		}
	}
	var bound string
	must(t, db.QueryRow("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'visits_p2026_09_05'").Scan(&bound))
	if bound != "FOR VALUES FROM ('2026-09-05 00:00:00') TO ('2026-09-06 00:00:00')" {
		t.Errorf("visits_p2026_09_05: %s", bound)
	}
}
