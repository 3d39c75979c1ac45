package generator_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
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
// migration itself, before any bound is written in the wrong type.
func TestPostgresRefusesAParentUnlikeTheSpec(t *testing.T) {
	for _, c := range []struct{ name, spec, base, want string }{
		{"key type", "    key_type: date\n", "ts timestamptz NOT NULL", "with ts of type date; found r 1 ts timestamp with time zone"},
		{"key column", "", "ts timestamptz NOT NULL, at timestamptz", "found r 1 at timestamp with time zone"},
		{"not partitioned", "", "", "found a table that is not partitioned"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sp := "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - name: ev\n    key: ts\n    interval: month\n    premake: 1\n" + c.spec
			base := "-- +goose Up\nCREATE TABLE ev (" + c.base + ") PARTITION BY RANGE (" + map[bool]string{true: "at", false: "ts"}[c.name == "key column"] + ");\n"
			if c.base == "" {
				base = "-- +goose Up\nCREATE TABLE ev (ts timestamptz NOT NULL);\n"
			}
			w := newWorkspace(t, sp, base)
			w.generate("2026-11-26")
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
