package status_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/status"
)

// rows inserted by insertExample, per partition; every other partition is empty.
var wantRows = map[string]int64{
	"market_data_p2026_01": 3,
	"market_data_p2026_02": 1,
	"market_data_p2026_11": 1000,
	"market_data_p2027_02": 2,
	"alert_log_p2026q4":    2,
	"alert_log_default":    1,
}

// insertExample writes rows at the edges of periods through the parent
// (PostgreSQL) or the view (SQLite), so routing puts them where the report
// must find them.
func insertExample(e *example, pg bool) {
	e.t.Helper()
	p := func(int) string { return "?" }
	if pg {
		p = func(i int) string { return fmt.Sprintf("$%d", i) }
	}
	tx, err := e.sqlDB.Begin()
	testdb.Must(e.t, "begin", err)
	exec := func(query string, args ...any) {
		e.t.Helper()
		_, err := tx.Exec(query, args...)
		testdb.Must(e.t, query, err)
	}
	tick := fmt.Sprintf("INSERT INTO market_data (instrument_id, ts, price, volume) VALUES (%s, %s, 1, 1)", p(1), p(2))
	for i, key := range []string{
		"2026-01-01 00:00:00+00:00", "2026-01-15 12:00:00+00:00", "2026-01-31 23:59:59.999999+00:00", // p2026_01
		"2026-02-01 00:00:00+00:00",                              // p2026_02, the first instant
		"2027-02-01 00:00:00+00:00", "2027-02-28 23:59:59+00:00", // p2027_02, the last partition
	} {
		exec(tick, i+1, key)
	}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 1000; i++ {
		exec(tick, 100+i%7, start.Add(time.Duration(i)*time.Hour/2).Format("2006-01-02 15:04:05-07:00"))
	}
	// PostgreSQL's id is GENERATED ALWAYS; SQLite's is an ordinary column.
	alert := fmt.Sprintf("INSERT INTO alert_log (id, instrument_id, raised_at, severity, message) VALUES (%s, 1, %s, 'info', 'x')", p(1), p(2))
	if pg {
		alert = "INSERT INTO alert_log (instrument_id, raised_at, severity, message) VALUES ($1::int * 0 + 1, $2, 'info', 'x')"
	}
	exec(alert, 1, "2026-10-01 00:00:00+00:00")
	exec(alert, 2, "2026-12-31 23:59:59+00:00")
	exec(alert, 3, "2031-05-05 00:00:00+00:00") // beyond every range: the default partition
	testdb.Must(e.t, "commit", tx.Commit())
}

// checkFigures compares every partition of the example with what was inserted.
func checkFigures(t *testing.T, r *status.Report, exactWanted bool) {
	t.Helper()
	n := 0
	for _, tb := range r.Tables {
		for _, p := range tb.Partitions {
			n++
			want := wantRows[p.Name]
			if p.Rows == nil {
				t.Errorf("%s: rows unknown, want %d", p.Name, want)
				continue
			}
			if *p.Rows != want {
				t.Errorf("%s: rows %d, want %d", p.Name, *p.Rows, want)
			}
			if exactWanted && !p.RowsExact {
				t.Errorf("%s: rows not exact", p.Name)
			}
			if p.CreatedByPartgen == nil || !*p.CreatedByPartgen {
				t.Errorf("%s: not marked as created by partgen", p.Name)
			}
		}
	}
	if n != 14+7 {
		t.Errorf("%d partitions, want 21 (14 months, 6 quarters and a default)", n)
	}
	md := table1(t, r, "market_data")
	for name, state := range map[string]status.State{
		"market_data_p2026_10": status.StatePast, "market_data_p2026_11": status.StateCurrent, "market_data_p2026_12": status.StateFuture,
	} {
		if got := partition(t, r, "market_data", name).State; got != state {
			t.Errorf("%s: state %s, want %s", name, got, state)
		}
	}
	if got := partition(t, r, "alert_log", "alert_log_default").State; got != status.StateDefault {
		t.Errorf("default partition state %s", got)
	}
	p := partition(t, r, "market_data", "market_data_p2026_02")
	if !p.Lower.Equal(ts("2026-02-01T00:00:00Z")) || !p.Upper.Equal(ts("2026-03-01T00:00:00Z")) {
		t.Errorf("market_data_p2026_02 bounds [%v, %v)", p.Lower, p.Upper)
	}
	if !md.Runway.Covered || !md.Runway.Until.Equal(ts("2027-03-01T00:00:00Z")) || md.Runway.Periods != 3 {
		t.Errorf("market_data runway %+v, want until 2027-03-01, 3 periods", md.Runway)
	}
	if want := int64(ts("2027-03-01T00:00:00Z").Sub(exampleNow) / time.Second); md.Runway.Seconds != want {
		t.Errorf("runway seconds %d, want %d", md.Runway.Seconds, want)
	}
	al := table1(t, r, "alert_log")
	if al.DefaultRows == nil || *al.DefaultRows != 1 {
		t.Errorf("alert_log default rows %v, want 1", al.DefaultRows)
	}
	if al.Runway.Periods != 2 || !al.Runway.Until.Equal(ts("2027-07-01T00:00:00Z")) {
		t.Errorf("alert_log runway %+v", al.Runway)
	}
	if md.DefaultRows != nil {
		t.Errorf("market_data has no default partition, got default rows %d", *md.DefaultRows)
	}
	// The one row in the default partition is the only finding.
	if got := codes(r, rules.SevInfo); len(got) != 1 || got["alert_log:"+string(rules.CodeRowsInDefault)] != 1 {
		t.Errorf("problems %v, want only alert_log:rows_in_default", r.Problems)
	}
	// Both causes are named: rows past the runway wait for the file that
	// creates their range; rows before the first partition (before start:
	// or past retention) stay, since no file will create theirs.
	for _, p := range r.Problems {
		if p.Code == rules.CodeRowsInDefault && (!strings.Contains(p.Message, "Rows past the runway: the partgen file that creates their range moves them in") ||
			!strings.Contains(p.Message, "Rows before the first partition (earlier than start:, or past retention) stay")) {
			t.Errorf("rows_in_default: %s", p.Message)
		}
	}
	if r.Health != rules.Warning {
		t.Errorf("health %s, want warning", r.Health)
	}
	if r.Migrations.Applied != 4 || r.Migrations.MaxApplied != 20261126000002 || len(r.Migrations.Pending) != 0 {
		t.Errorf("migrations %+v", r.Migrations)
	}
}

func TestPostgresFigures(t *testing.T) {
	e := postgresExample(t)
	insertExample(e, true)
	e.exec("ANALYZE market_data")
	e.exec("ANALYZE alert_log")

	// Estimates: after ANALYZE, small tables are sampled whole.
	r := e.report(exampleNow, false)
	checkFigures(t, r, false)
	if r.ExactCounts || r.BytesSource != "relpages" || r.DatabaseBytes != nil {
		t.Errorf("exact %v, bytes source %s, database bytes %v", r.ExactCounts, r.BytesSource, r.DatabaseBytes)
	}
	if p := partition(t, r, "market_data", "market_data_p2026_11"); p.RowsExact {
		t.Errorf("without --exact, %s should be an estimate", p.Name)
	}
	if p := partition(t, r, "alert_log", "alert_log_default"); !p.RowsExact {
		t.Errorf("the default partition is always counted exactly")
	}
	// Estimated sizes: the pages ANALYZE counted, at least the heap's and
	// at most what pg_total_relation_size adds up (it counts the free space
	// and visibility maps too).
	for _, tb := range r.Tables {
		for _, p := range tb.Partitions {
			most := testdb.Count(t, e.sqlDB, "SELECT pg_total_relation_size($1::regclass)", p.Name)
			least := testdb.Count(t, e.sqlDB, "SELECT pg_relation_size($1::regclass)", p.Name)
			if p.Bytes == nil || *p.Bytes < least || *p.Bytes > most || most <= 0 {
				t.Errorf("%s: bytes %v, want between pg_relation_size %d and pg_total_relation_size %d", p.Name, p.Bytes, least, most)
			}
		}
	}
	if busy, idle := partition(t, r, "market_data", "market_data_p2026_11"), partition(t, r, "market_data", "market_data_p2026_12"); *busy.Bytes <= *idle.Bytes {
		t.Errorf("1000 rows take %d bytes, an empty partition %d", *busy.Bytes, *idle.Bytes)
	}

	// Exact counts and sizes, after more rows that no ANALYZE has seen.
	e.exec("INSERT INTO market_data VALUES (9, '2026-12-24 18:00:00+00', 1, 1)")
	wantRows["market_data_p2026_12"] = 1
	defer delete(wantRows, "market_data_p2026_12")
	rx := e.report(exampleNow, true)
	checkFigures(t, rx, true)
	if rx.BytesSource != "pg_total_relation_size" {
		t.Errorf("--exact bytes source %s", rx.BytesSource)
	}
	for _, tb := range rx.Tables {
		for _, p := range tb.Partitions {
			want := testdb.Count(t, e.sqlDB, "SELECT pg_total_relation_size($1::regclass)", p.Name)
			if p.Bytes == nil || *p.Bytes != want || want <= 0 {
				t.Errorf("--exact %s: bytes %v, want pg_total_relation_size %d", p.Name, p.Bytes, want)
			}
		}
	}
}

func TestSQLiteFigures(t *testing.T) {
	e := sqliteExample(t)
	insertExample(e, false)
	r := e.report(exampleNow, false)
	checkFigures(t, r, true) // SQLite always counts
	if r.Engine != "sqlite" || !r.ExactCounts || r.DatabaseBytes == nil || *r.DatabaseBytes <= 0 {
		t.Errorf("engine %s exact %v database bytes %v", r.Engine, r.ExactCounts, r.DatabaseBytes)
	}
	want := testdb.Count(t, e.sqlDB, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
	if *r.DatabaseBytes != want {
		t.Errorf("database bytes %d, want %d", *r.DatabaseBytes, want)
	}
	checkSQLiteBytes(t, e, r)
}

// The report follows the instant it is given, never the clock: the runway
// loses a period at each month's first instant.
func TestStatusIsPinnedToNow(t *testing.T) {
	e := sqliteExample(t)
	for _, tc := range []struct {
		now     time.Time
		periods int
		health  rules.Health
	}{
		{ts("2026-11-30T23:59:59Z"), 3, rules.OK},
		{ts("2026-12-01T00:00:00Z"), 2, rules.Warning},
		{ts("2027-02-28T23:59:59Z"), 0, rules.Critical},
	} {
		r := e.report(tc.now, false)
		if md := table1(t, r, "market_data"); md.Runway.Periods != tc.periods || r.Health != tc.health {
			t.Errorf("at %s: market_data runway %d periods, health %s; want %d, %s", tc.now, md.Runway.Periods, r.Health, tc.periods, tc.health)
		}
	}
}
