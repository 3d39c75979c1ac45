package generator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
)

const downSafetyPG = `version: 1
dialect: postgres
migrations: .
timezone: UTC
tables:
  - {name: ticks, key: ts, interval: month, premake: 2, retention: {keep: 3, action: archive, archive_schema: cold}}
  - {name: alerts, key: ts, interval: quarter, premake: 1, default_partition: true, retention: {keep: 2, action: detach}}
  - {name: events, key: ts, interval: month, premake: 1}
`

const downSafetySQLite = `version: 1
dialect: sqlite
migrations: .
timezone: UTC
tables:
  - {name: ticks, key: ts, interval: month, premake: 2, retention: {keep: 3, action: archive}}
  - {name: alerts, key: ts, interval: quarter, premake: 1, default_partition: true, retention: {keep: 2, action: detach}}
  - {name: events, key: ts, interval: month, premake: 1}
`

// everyRow sums the rows of every user table, live, detached or archived.
func everyRow(t *testing.T, e *engine) (int64, int64) {
	t.Helper()
	var q string
	if e.dialect == "postgres" {
		q = `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_catalog.pg_class c
		     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		     WHERE c.relkind = 'r' AND n.nspname IN ('public', 'cold') AND c.relname ~ '^(ticks|alerts|events)_'`
	} else {
		q = `SELECT '"' || name || '"' FROM sqlite_schema WHERE type = 'table' AND name GLOB '*_*' AND name NOT IN ('partgen_archive_log', 'goose_db_version') AND name NOT GLOB 'sqlite_*'
		     UNION ALL SELECT '"' || name || '"' FROM sqlite_schema WHERE type = 'table' AND name IN ('ticks', 'alerts', 'events')`
	}
	rows, err := e.db.Query(q)
	must(t, err)
	var tables []string
	for rows.Next() {
		var s string
		must(t, rows.Scan(&s))
		tables = append(tables, s)
	}
	rows.Close()
	var n, sum int64
	for _, tb := range tables {
		n += testdb.Count(t, e.db, "SELECT count(*) FROM "+tb)
		sum += testdb.Count(t, e.db, "SELECT coalesce(sum(v), 0) FROM "+tb)
	}
	return n, sum
}

// With rows in every partition, stepping every Down back towards the base
// and every Up again loses no row: each Down either keeps every row or stops
// with a clear message before touching any.
func TestDownNeverLosesRows(t *testing.T) {
	for _, c := range []struct {
		name string
		e    func(*testing.T) *engine
		spec string
		base string
	}{
		{"postgres", pgEngine, downSafetyPG, pgRetentionBase},
		{"sqlite", sqliteEngine, downSafetySQLite, sqliteRetentionBase},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := c.e(t)
			w := newWorkspace(t, c.spec, c.base)
			sp := w.loadSpec()
			ctx := context.Background()
			id := 0
			for step := 0; step < 14; step++ {
				asOf := time.Date(2026, time.Month(1+step), 10, 0, 0, 0, 0, time.UTC)
				w.generate(asOf.Format("2006-01-02"))
				w.up(e.db, e.dialect)
				mig, err := folder.Read(w.dir)
				must(t, err)
				for i := range sp.Tables {
					tbl := &sp.Tables[i]
					for _, p := range mig.Partitions(tbl.FullName()) {
						// Rows in every partition that has begun, as in real life;
						// the premade ones ahead stay empty.
						if p.State != folder.StateAttached || p.Default || p.Period.Lower.After(asOf) {
							continue
						}
						id++
						must(t, e.insert(tbl.Name, id, p.Period.Lower.Add(time.Hour)))
					}
				}
			}
			n0, s0 := everyRow(t, e)
			if n0 < 50 {
				t.Fatalf("setup: only %d rows", n0)
			}
			p := w.provider(e.db, e.dialect)
			downs := 0
			for {
				_, err := p.Down(ctx)
				n, s := everyRow(t, e)
				if n != n0 || s != s0 {
					t.Fatalf("after %d Down(s) (err %v): %d rows, sum %d; before: %d rows, sum %d", downs, err, n, s, n0, s0)
				}
				if err != nil {
					if !strings.Contains(err.Error(), "partgen: ") || !(strings.Contains(err.Error(), "would be lost") || strings.Contains(err.Error(), "cannot undo")) {
						t.Fatalf("Down stopped without a clear partgen message: %v", err)
					}
					break
				}
				downs++
				if v, err := p.GetDBVersion(ctx); err == nil && v <= 20260101000000 {
					break
				}
			}
			if downs < 3 {
				t.Errorf("only %d Down(s) ran before the refusal", downs)
			}
			if _, err := w.provider(e.db, e.dialect).Up(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
			if n, s := everyRow(t, e); n != n0 || s != s0 {
				t.Fatalf("after Up again: %d rows, sum %d; want %d, %d", n, s, n0, s0)
			}
			t.Logf("%s: %d rows, %d Down(s) before the first refusal", c.name, n0, downs)
		})
	}
}
