package bench

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/internal/testdb"
)

// Issue 7: pg_partman's run_maintenance vs partgen's migrations for the same
// step. Both tables are monthly, made 25 months back with premake 3 and a
// default partition (pg_partman 4 always makes one for native sets, so
// partgen's spec asks for one too); rows fill the 25 past months. The step
// raises premake to 4 and sets retention to 24 months: each side must create
// one partition (current + 4) and drop one (the oldest). Timed: one
// `SELECT partman.run_maintenance(...)` vs goose up of partgen's files for
// that step. Each round uses a fresh database; the sides alternate.

const partmanTable = `CREATE TABLE %s (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    instrument int NOT NULL,
    ts         timestamptz NOT NULL,
    price      double precision NOT NULL,
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX %[1]s_instrument_ts ON %[1]s (instrument, ts);`

func partmanSpec(start string, premake, keep int) string {
	return fmt.Sprintf(`version: 1
dialect: postgres
migrations: .
timezone: UTC
tables:
  - name: pg_side
    key: ts
    interval: month
    premake: %d
    start: %s
    default_partition: true
    retention: {keep: %d, action: drop}
`, premake, start, keep)
}

// partitionBounds lists a parent's range partitions as "lower" strings, in order.
func partitionBounds(tb testing.TB, db *sql.DB, parent string) []string {
	rows, err := db.Query(`SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_partition_tree($1) t
		JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf ORDER BY 1`, parent)
	must(tb, "partition bounds", err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		must(tb, "scan", rows.Scan(&s))
		out = append(out, s)
	}
	return out
}

func BenchmarkPartman(b *testing.B) {
	admin, _ := testdb.Postgres(b)
	if queryInt(b, admin, "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_partman'") == 0 {
		skip(b, "pg_partman is not installed on the server: apt-get install -y postgresql-15-partman")
	}
	now := time.Now().UTC()
	asOf := date(now.Year(), now.Month(), now.Day())
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -25, 0) // oldest month, to be retired
	rowsN := *flagPMRows
	fill := func(db *sql.DB, table string) {
		exec(b, db, fmt.Sprintf(`INSERT INTO %s (instrument, ts, price)
			SELECT i %% 500, $2::timestamptz + (i::float8 / $1) * ($3::timestamptz - $2::timestamptz), (i %% 9973) / 100.0
			FROM generate_series(0, $1 - 1) AS i`, table), rowsN, first, first.AddDate(0, 25, 0))
		exec(b, db, "VACUUM (ANALYZE) "+table)
	}
	var partmanMS, partgenMS []float64
	var version string
	b.ResetTimer()
	for r := 1; r <= *flagRounds; r++ {
		b.StopTimer()
		db, _ := testdb.Postgres(b)
		db.SetMaxOpenConns(1) // one session: SET and maintenance run on the same connection
		exec(b, db, "SET TIME ZONE 'UTC'")
		exec(b, db, "CREATE SCHEMA partman")
		exec(b, db, "CREATE EXTENSION pg_partman SCHEMA partman")
		if version == "" {
			db.QueryRow("SELECT extversion FROM pg_extension WHERE extname = 'pg_partman'").Scan(&version)
			if version >= "5" {
				b.Fatalf("pg_partman %s: this benchmark uses the 4.x create_parent signature", version)
			}
		}
		// pg_partman side.
		exec(b, db, fmt.Sprintf(partmanTable, "pm_side"))
		exec(b, db, `SELECT partman.create_parent(p_parent_table := 'public.pm_side', p_control := 'ts', p_type := 'native',
			p_interval := 'monthly', p_premake := 3, p_start_partition := $1, p_jobmon := false)`, first.Format("2006-01-02 15:04:05+00"))
		// Without infinite_time_partitions pg_partman premakes from the newest
		// row, not the calendar; partgen always uses the calendar.
		// pg_partman 4.7 premakes at maintenance until the last partition's
		// lower bound passes now + premake: mid-month, premake 3 at
		// maintenance makes the month partgen's premake 4 makes (create_parent
		// with premake 3 made one fewer). So premake stays 3 on this side.
		exec(b, db, `UPDATE partman.part_config SET premake = 3, retention = '24 months', retention_keep_table = false,
			infinite_time_partitions = true WHERE parent_table = 'public.pm_side'`)
		fill(db, "pm_side")

		// partgen side.
		w := newWorkspace(b, "20000101000000_pg_side.sql", "-- +goose Up\n"+fmt.Sprintf(partmanTable, "pg_side")+"\n-- +goose Down\nDROP TABLE pg_side;\n")
		w.setSpec(partmanSpec(first.Format("2006-01-02"), 3, 25))
		w.generate(asOf)
		w.up(db, goose.DialectPostgres)
		fill(db, "pg_side")
		w.setSpec(partmanSpec(first.Format("2006-01-02"), 4, 24))
		plan := w.generate(asOf)
		if len(plan.Files) != 2 {
			b.Fatalf("round %d: partgen planned %d files for the step, want 2 (create one, drop one)", r, len(plan.Files))
		}
		before := map[string][]string{"pm_side": partitionBounds(b, db, "pm_side"), "pg_side": partitionBounds(b, db, "pg_side")}
		if len(before["pm_side"]) != len(before["pg_side"]) {
			b.Fatalf("round %d: before the step pg_partman has %d partitions, partgen %d", r, len(before["pm_side"]), len(before["pg_side"]))
		}
		p := w.provider(db, goose.DialectPostgres)
		partman := func() {
			exec(b, db, "CHECKPOINT")
			b.StartTimer()
			d := exec(b, db, "SELECT partman.run_maintenance(p_parent_table := 'public.pm_side', p_jobmon := false)")
			b.StopTimer()
			partmanMS = append(partmanMS, ms(d))
		}
		partgen := func() {
			exec(b, db, "CHECKPOINT")
			b.StartTimer()
			began := time.Now()
			_, err := p.Up(context.Background())
			d := time.Since(began)
			b.StopTimer()
			must(b, "goose up", err)
			partgenMS = append(partgenMS, ms(d))
		}
		alternate(r, partgen, partman)
		after := map[string][]string{"pm_side": partitionBounds(b, db, "pm_side"), "pg_side": partitionBounds(b, db, "pg_side")}
		for _, t := range []string{"pm_side", "pg_side"} {
			if len(after[t]) != len(before[t]) || after[t][1] == before[t][1] || after[t][len(after[t])-1] == before[t][len(before[t])-1] {
				b.Fatalf("round %d: %s did not create one and drop one partition:\nbefore %v\nafter  %v", r, t, before[t], after[t])
			}
		}
		if fmt.Sprint(after["pm_side"]) != fmt.Sprint(after["pg_side"]) {
			b.Fatalf("round %d: the two sides ended with different partitions:\npg_partman %v\npartgen    %v", r, after["pm_side"], after["pg_side"])
		}
		if queryInt(b, db, "SELECT count(*) FROM pm_side") != queryInt(b, db, "SELECT count(*) FROM pg_side") {
			b.Fatalf("round %d: the two tables hold different rows after the step", r)
		}
	}
	pm, pg := median(partmanMS), median(partgenMS)
	record(b, "rows", float64(rowsN), "rows", "per table, over 25 months")
	record(b, "run_maintenance", pm, "ms", "pg_partman "+version+": premake one month and drop the oldest (median)")
	record(b, "partgen_up", pg, "ms", "goose up of partgen's two files for the same step (median)")
	record(b, "partgen/partman", pg/pm, "ratio", "")
}
