package generator_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/sqliteschema"
)

var sqliteschemaRead = sqliteschema.Read

const sqliteSpec = `version: 1
dialect: sqlite
migrations: .
timezone: UTC
tables:
  - name: market_data
    key: ts
    interval: month
    premake: 2
    start: 2026-09-01
  - name: alert_log
    key: raised_at
    interval: quarter
    premake: 1
    default_partition: true
    on_default_rows: move
`

const sqliteBase = `-- +goose Up
CREATE TABLE market_data (
    instrument_id INTEGER NOT NULL,
    ts            TEXT    NOT NULL,
    price         REAL    NOT NULL,
    volume        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (instrument_id, ts)
);
CREATE INDEX market_data_ts_idx ON market_data (ts);
CREATE TABLE alert_log (
    id        INTEGER NOT NULL,
    raised_at TEXT    NOT NULL,
    severity  TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    message   TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (id, raised_at)
);
CREATE UNIQUE INDEX alert_by_message ON alert_log (message, raised_at);

-- +goose Down
DROP TABLE alert_log;
DROP TABLE market_data;
`

// rowsChecksum hashes every row of a table or view in a stable order.
func rowsChecksum(t *testing.T, db *sql.DB, table, order string) (int, string) {
	t.Helper()
	rows, err := db.Query(fmt.Sprintf("SELECT * FROM %s ORDER BY %s", table, order))
	must(t, err)
	defer rows.Close()
	cols, _ := rows.Columns()
	h := sha256.New()
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		must(t, rows.Scan(ptrs...))
		fmt.Fprintln(h, vals...)
		n++
	}
	must(t, rows.Err())
	return n, hex.EncodeToString(h.Sum(nil))
}

// whereIs returns the partition tables of a spec table that hold a key.
func whereIs(t *testing.T, db *sql.DB, w *workspace, table, key, value string) []string {
	t.Helper()
	mig, err := folder.Read(w.dir)
	must(t, err)
	var found []string
	for _, p := range mig.Partitions(table) {
		if p.State != folder.StateAttached {
			continue
		}
		if testdb.Count(t, db, fmt.Sprintf("SELECT count(*) FROM %q WHERE %q = ?", p.Name, key), value) > 0 {
			found = append(found, p.Name)
		}
	}
	return found
}

func TestSQLiteAdoptRouteAndRoundTrip(t *testing.T) {
	w := newWorkspace(t, sqliteSpec, sqliteBase)
	db, _ := testdb.SQLite(t)
	ctx := context.Background()
	p := w.provider(db, goose.DialectSQLite3)
	_, err := p.Up(ctx) // the base only: the user's ordinary tables
	must(t, err)

	// Rows written before partgen, in every form a program might have used.
	pre := map[string]string{ // as written -> canonical
		"2026-09-01 00:00:00+00:00":           "2026-09-01 00:00:00+00:00",
		"2026-09-30 23:59:59.999999999+00:00": "2026-09-30 23:59:59.999999999+00:00",
		"2026-10-31 19:00:00-05:00":           "2026-11-01 00:00:00+00:00",
		"2026-11-01 05:29:59.5+05:30":         "2026-10-31 23:59:59.5+00:00",
		"2026-11-15T12:00:00Z":                "2026-11-15 12:00:00+00:00",
		"2026-11-16 08:00:00":                 "2026-11-16 08:00:00+00:00",
	}
	for k := range pre {
		_, err := db.Exec("INSERT INTO market_data (instrument_id, ts, price) VALUES (1, ?, 1.5)", k)
		must(t, err)
	}
	_, err = db.Exec("INSERT INTO alert_log (id, raised_at, severity, message) VALUES (1, '2020-01-01 00:00:00+00:00', 'info', 'old'), (2, '2026-11-26 10:00:00+00:00', 'critical', 'now')")
	must(t, err)

	w.generate("2026-11-26")
	p = w.provider(db, goose.DialectSQLite3) // goose reads the folder when the provider is made
	_, err = p.Up(ctx)
	must(t, err)

	for written, canon := range pre {
		got := whereIs(t, db, w, "market_data", "ts", canon)
		want := "market_data_p" + canon[:4] + "_" + canon[5:7]
		if len(got) != 1 || got[0] != want {
			t.Errorf("pre-existing row %s (canonical %s) is in %v, want %s", written, canon, got, want)
		}
	}
	if got := whereIs(t, db, w, "alert_log", "raised_at", "2020-01-01 00:00:00+00:00"); len(got) != 1 || got[0] != "alert_log_default" {
		t.Errorf("row outside every quarter is in %v, want the default", got)
	}
	if typ := testdb.Count(t, db, "SELECT count(*) FROM sqlite_schema WHERE type = 'view' AND name = 'market_data'"); typ != 1 {
		t.Fatal("market_data is not a view after adoption")
	}

	// Edges of every period, through the view, with fractions and offsets.
	mig, err := folder.Read(w.dir)
	must(t, err)
	id := 100
	for _, part := range mig.Partitions("market_data") {
		first := part.Period.Lower.UTC()
		last := part.Period.Upper.Add(-time.Nanosecond).UTC()
		forms := []string{
			dialect.SQLiteKey(first),
			dialect.SQLiteKey(last),
			first.In(time.FixedZone("", -5*3600)).Format("2006-01-02 15:04:05.999999999-07:00"),
			last.In(time.FixedZone("", 5*3600+1800)).Format("2006-01-02 15:04:05.999999999-07:00"),
			last.Format("2006-01-02T15:04:05.999999999Z07:00"),
		}
		for _, f := range forms {
			id++
			_, err := db.Exec("INSERT INTO market_data (instrument_id, ts, price) VALUES (?, ?, 2.5)", id, f)
			if err != nil {
				t.Fatalf("insert %s: %v", f, err)
			}
			canon := mustParse(t, f)
			got := whereIs(t, db, w, "market_data", "ts", dialect.SQLiteKey(canon))
			if len(got) != 1 || got[0] != part.Name {
				t.Errorf("%s (canonical %s) is in %v, want %s", f, dialect.SQLiteKey(canon), got, part.Name)
			}
		}
	}
	// A go-sqlite3 time.Time in another zone is normalised too.
	ny, _ := time.LoadLocation("America/New_York")
	_, err = db.Exec("INSERT INTO market_data (instrument_id, ts, price) VALUES (900, ?, 1)", time.Date(2026, 11, 30, 20, 30, 0, 0, ny))
	must(t, err)
	if got := whereIs(t, db, w, "market_data", "ts", "2026-12-01 01:30:00+00:00"); len(got) != 1 || got[0] != "market_data_p2026_12" {
		t.Errorf("New York evening of Nov 30 is in %v, want market_data_p2026_12", got)
	}

	// Outside every partition, no default: a clear error, nothing stored.
	_, err = db.Exec("INSERT INTO market_data (instrument_id, ts, price) VALUES (1, '2030-01-01 00:00:00+00:00', 1)")
	if err == nil || !strings.Contains(err.Error(), "no partition of market_data for a ts at or after 2027-02-01 00:00:00+00:00") {
		t.Errorf("insert outside: err = %v", err)
	}
	_, err = db.Exec("INSERT INTO market_data (instrument_id, ts, price) VALUES (1, 'yesterday', 1)")
	if err == nil || !strings.Contains(err.Error(), "is not a timestamp") {
		t.Errorf("insert of a non-timestamp: err = %v", err)
	}
	// Direct writes to a partition in the wrong form or period are refused by its CHECK.
	if _, err = db.Exec("INSERT INTO market_data_p2026_11 (instrument_id, ts, price) VALUES (1, '2026-11-20 10:00:00-05:00', 1)"); err == nil {
		t.Error("a non-canonical key was stored directly in a partition")
	}
	if _, err = db.Exec("INSERT INTO market_data_p2026_11 (instrument_id, ts, price) VALUES (1, '2026-12-20 10:00:00+00:00', 1)"); err == nil {
		t.Error("a December key was stored in the November partition")
	}

	// UPDATE across periods moves the row; DELETE removes it.
	_, err = db.Exec("UPDATE market_data SET ts = '2026-12-05 00:00:00+00:00', price = 9 WHERE instrument_id = 1 AND ts = '2026-11-15 12:00:00+00:00'")
	must(t, err)
	if got := whereIs(t, db, w, "market_data", "ts", "2026-12-05 00:00:00+00:00"); len(got) != 1 || got[0] != "market_data_p2026_12" {
		t.Errorf("updated row is in %v, want market_data_p2026_12", got)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM market_data WHERE ts = '2026-11-15 12:00:00+00:00'"); n != 0 {
		t.Errorf("old version of the updated row still there (%d)", n)
	}
	_, err = db.Exec("UPDATE market_data SET price = price * 2 WHERE ts >= '2026-09-01' AND ts < '2026-10-01'")
	must(t, err)
	_, err = db.Exec("DELETE FROM market_data WHERE instrument_id = 900")
	must(t, err)
	if n := testdb.Count(t, db, "SELECT count(*) FROM market_data_p2026_12 WHERE instrument_id = 900"); n != 0 {
		t.Error("deleted row still in its partition")
	}
	// An update whose new key fits nowhere fails and keeps the row.
	if _, err = db.Exec("UPDATE market_data SET ts = '2031-01-01 00:00:00+00:00' WHERE instrument_id = 101"); err == nil {
		t.Error("update into no partition succeeded")
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM market_data WHERE instrument_id = 101"); n != 1 {
		t.Errorf("row 101 after the refused update: %d rows", n)
	}

	// The default partition routes, and a later file moves its rows in.
	_, err = db.Exec("INSERT INTO alert_log (id, raised_at, severity) VALUES (3, '2027-04-02 00:00:00+00:00', 'warning')")
	must(t, err)
	if got := whereIs(t, db, w, "alert_log", "raised_at", "2027-04-02 00:00:00+00:00"); len(got) != 1 || got[0] != "alert_log_default" {
		t.Errorf("alert beyond the runway is in %v, want the default", got)
	}
	beforeN, beforeSum := rowsChecksum(t, db, "market_data", "instrument_id, ts")
	alertsN, alertsSum := rowsChecksum(t, db, "alert_log", "id, raised_at")

	w.generate("2027-01-15")
	p = w.provider(db, goose.DialectSQLite3)
	_, err = p.Up(ctx)
	must(t, err)
	if got := whereIs(t, db, w, "alert_log", "raised_at", "2027-04-02 00:00:00+00:00"); len(got) != 1 || got[0] != "alert_log_p2027q2" {
		t.Errorf("after the next quarter's file the alert is in %v, want alert_log_p2027q2", got)
	}
	if n, sum := rowsChecksum(t, db, "market_data", "instrument_id, ts"); n != beforeN || sum != beforeSum {
		t.Errorf("market_data changed by the next file: %d rows (was %d)", n, beforeN)
	}

	// Down refuses while a partition to remove holds rows.
	_, err = db.Exec("INSERT INTO market_data (instrument_id, ts, price) VALUES (7, '2027-03-03 00:00:00+00:00', 1)")
	must(t, err)
	if _, err = p.Down(ctx); err == nil || !strings.Contains(err.Error(), "row(s) that would be lost") {
		t.Fatalf("down with rows in a new partition: err = %v", err)
	}
	_, err = db.Exec("DELETE FROM market_data WHERE instrument_id = 7")
	must(t, err)
	// Moved rows block the alert_log Down too: take it back by hand first.
	_, err = db.Exec("DELETE FROM alert_log WHERE id = 3")
	must(t, err)
	alertsN--
	_, err = p.DownTo(ctx, 20260101000000)
	must(t, err)
	if typ := testdb.Count(t, db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'market_data'"); typ != 1 {
		t.Fatal("market_data is not a table again after Down")
	}
	if n, sum := rowsChecksum(t, db, "market_data", "instrument_id, ts"); n != beforeN || sum != beforeSum {
		t.Errorf("Down to the base lost or changed rows: %d rows (was %d)", n, beforeN)
	}
	if n, _ := rowsChecksum(t, db, "alert_log", "id, raised_at"); n != alertsN {
		t.Errorf("alert_log after Down: %d rows, want %d (%s)", n, alertsN, alertsSum)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM sqlite_schema WHERE name = 'market_data_ts_idx'"); n != 1 {
		t.Error("the user's index was not restored by Down")
	}
	_, err = p.Up(ctx)
	must(t, err)
	if n, sum := rowsChecksum(t, db, "market_data", "instrument_id, ts"); n != beforeN || sum != beforeSum {
		t.Errorf("Up again lost or changed rows: %d rows (was %d)", n, beforeN)
	}
}

func mustParse(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := dialect.ParseSQLiteKey(s)
	must(t, err)
	return v
}

func TestSQLiteAdoptionRefusesRowsOutsideEveryPartition(t *testing.T) {
	sp := strings.Replace(sqliteSpec, "    start: 2026-09-01\n", "", 1)
	w := newWorkspace(t, sp, sqliteBase)
	db, _ := testdb.SQLite(t)
	ctx := context.Background()
	p := w.provider(db, goose.DialectSQLite3)
	_, err := p.Up(ctx)
	must(t, err)
	_, err = db.Exec("INSERT INTO market_data (instrument_id, ts, price) VALUES (1, '2025-05-05 05:05:05+00:00', 1), (2, '2026-11-20 00:00:00+00:00', 2)")
	must(t, err)
	w.generate("2026-11-26")
	_, err = w.provider(db, goose.DialectSQLite3).Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "cannot convert market_data: a row's ts is NULL or outside every partition, which cover [2026-11-01 00:00:00+00:00, 2027-02-01 00:00:00+00:00)") ||
		!strings.Contains(err.Error(), "a row before the partitions needs an earlier start:, one after them a larger premake: (or default_partition: true for either)") {
		t.Fatalf("adoption with a row outside: err = %v", err)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'market_data'"); n != 1 {
		t.Fatal("market_data is no longer a table after the refused adoption")
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM market_data"); n != 2 {
		t.Fatalf("market_data holds %d rows after the refused adoption, want 2", n)
	}
}

// From a new user's trial: when start: is early enough and retention is
// why the partitions begin later, the refusal says so (raise keep: or
// delete the row), not "an earlier start:"; a row after the partitions
// still gets its own fix.
func TestSQLiteConversionRefusalNamesRetention(t *testing.T) {
	sp := strings.Replace(sqliteSpec, "    start: 2026-09-01\n", "    start: 2026-01-01\n    retention: {keep: 2, action: drop}\n", 1)
	w := newWorkspace(t, sp, sqliteBase)
	db, _ := testdb.SQLite(t)
	ctx := context.Background()
	_, err := w.provider(db, goose.DialectSQLite3).Up(ctx)
	must(t, err)
	_, err = db.Exec("INSERT INTO market_data (instrument_id, ts, price) VALUES (1, '2026-03-05 05:05:05+00:00', 1)")
	must(t, err)
	w.generate("2026-11-26")
	_, err = w.provider(db, goose.DialectSQLite3).Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "a row before 2026-09-01 00:00:00+00 is past retention (keep 2): raise keep: or delete it") ||
		strings.Contains(err.Error(), "earlier start:") || !strings.Contains(err.Error(), "a row after the partitions needs a larger premake: or default_partition: true") {
		t.Fatalf("conversion with a row past retention: err = %v", err)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM market_data"); n != 1 {
		t.Fatalf("market_data holds %d rows after the refused conversion, want 1", n)
	}
}

func TestSQLitePrimaryKeyMustIncludeTheKey(t *testing.T) {
	base := "-- +goose Up\nCREATE TABLE market_data (id INTEGER PRIMARY KEY, ts TEXT NOT NULL);\nCREATE TABLE alert_log (id INTEGER NOT NULL, raised_at TEXT NOT NULL, PRIMARY KEY (id, raised_at));\n"
	w := newWorkspace(t, sqliteSpec, base)
	d, _ := calendar.ParseDate("2026-11-26")
	_, err := generator.Generate(w.loadSpec(), d)
	var se *spec.Error
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "primary key of market_data (id) does not include the partition key ts") || se.Line != 7 || se.Column != 10 {
		t.Fatalf("err = %v", err)
	}
}
