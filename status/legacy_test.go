package status_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/status"
)

// An adopted table (issue 18): before the swap, status says which files
// make it partitioned; after, its legacy partition is state legacy, FROM
// (MINVALUE) (lower null) to the cutover, with rows and bytes; retention
// archives it as a whole once the cutover falls past keep. The dates lie
// far ahead: the adoption refuses a cutover the database's clock has passed.
func TestLegacyPartitionPostgres(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		testdb.Must(t, "write "+name, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("partgen.yaml", "version: 1\ndialect: postgres\nmigrations: .\ntables:\n"+
		"  - {name: orders, key: placed_at, interval: month, premake: 2, adopt: true, retention: {keep: 12, action: archive, archive_schema: old}}\n")
	write("20260101000000_base.sql", `-- +goose Up
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY, placed_at timestamptz NOT NULL, PRIMARY KEY (id, placed_at));
INSERT INTO orders (placed_at) SELECT timestamptz '2096-01-01 00:00:00+00' + i * interval '1 hour' FROM generate_series(1, 500) i;
-- +goose Down
DROP TABLE orders;
`)
	db, dsn := testdb.Postgres(t)
	e := &example{t: t, sqlDB: db, pg: pgConnect(t, dsn)}
	e.src = status.Postgres(e.pg)
	up := func() {
		t.Helper()
		gooseUp(t, db, goose.DialectPostgres, os.DirFS(dir))
		e.spec, e.folder = loadExample(t, dir)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS(dir), goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "provider", err)
	_, err = p.UpTo(t.Context(), 20260101000000)
	testdb.Must(t, "base", err)

	generateInto(t, dir, calendar.Date{Year: 2096, Month: 11, Day: 26})
	e.spec, e.folder = loadExample(t, dir)
	r := e.report(ts("2096-11-26T12:00:00Z"), true)
	expect(t, "before the swap", r, rules.Critical, "orders:not_partitioned")
	if msg := r.Problems[0].Message; !strings.Contains(msg, "its adoption is not applied yet; goose up applies 20961126000001_partgen_adopt_check_orders.sql, 20961126000002_partgen_adopt_validate_orders.sql, 20961126000003_partgen_adopt_swap_orders.sql, which make it the partition orders_legacy before 2097-01-01 00:00:00 +00:00") {
		t.Errorf("not_partitioned says %q", msg)
	}

	up()
	r = e.report(ts("2096-11-30T12:00:00Z"), true)
	expect(t, "after the swap", r, rules.OK)
	lp := partition(t, r, "orders", "orders_legacy")
	if lp.State != status.StateLegacy || lp.Lower != nil || lp.Upper == nil || !lp.Upper.Equal(ts("2097-01-01T00:00:00Z")) ||
		lp.Rows == nil || *lp.Rows != 500 || lp.Bytes == nil || *lp.Bytes == 0 || lp.CreatedByPartgen == nil || !*lp.CreatedByPartgen || lp.Bound != "" {
		t.Errorf("the legacy partition is %+v", lp)
	}
	if tb := table1(t, r, "orders"); !tb.Runway.Covered || tb.Runway.Periods != 2 || tb.Partitions[0].Name != "orders_legacy" {
		t.Errorf("runway %+v, partitions %+v", tb.Runway, tb.Partitions)
	}
	var text, js, prom bytes.Buffer
	testdb.Must(t, "table", r.WriteTable(&text))
	testdb.Must(t, "json", r.WriteJSON(&js))
	testdb.Must(t, "prometheus", r.WritePrometheus(&prom))
	if !strings.Contains(text.String(), "orders_legacy    MINVALUE") || !strings.Contains(text.String(), "legacy") {
		t.Errorf("the table shows\n%s", text.String())
	}
	if !strings.Contains(js.String(), `"name": "orders_legacy",`) || !strings.Contains(js.String(), `"lower": null,`) || !strings.Contains(js.String(), `"state": "legacy"`) {
		t.Errorf("the JSON shows\n%s", js.String())
	}
	for _, line := range []string{
		`partgen_partition_state{partition="orders_legacy",state="legacy",table="orders"} 1`,
		`partgen_partitions{state="legacy",table="orders"} 1`,
		`partgen_partition_upper_timestamp_seconds{partition="orders_legacy",table="orders"} 4.0`, // 2097-01-01
	} {
		if !strings.Contains(prom.String(), line) {
			t.Errorf("no %s in\n%s", line, prom.String())
		}
	}
	if strings.Contains(prom.String(), `partgen_partition_lower_timestamp_seconds{partition="orders_legacy"`) {
		t.Errorf("the legacy partition has a lower bound series")
	}

	// Keep 12 as of 2098-02-10: the cutover 2097-01-01 is past the
	// retention cutoff 2097-02-01, so the legacy partition leaves whole.
	generateInto(t, dir, calendar.Date{Year: 2098, Month: 2, Day: 10})
	up()
	r = e.report(ts("2098-02-10T12:00:00Z"), true)
	expect(t, "after retention", r, rules.OK)
	lp = partition(t, r, "orders", "orders_legacy")
	if lp.State != status.StateArchived || lp.Schema != "old" || lp.Lower != nil || !lp.Upper.Equal(ts("2097-01-01T00:00:00Z")) || lp.Rows == nil || *lp.Rows != 500 {
		t.Errorf("the archived legacy partition is %+v", lp)
	}
	found := false
	for _, a := range r.ArchiveLog {
		if a.PartitionName == "orders_legacy" {
			found = a.Action == "archive" && a.ArchivedAs == "old.orders_legacy" && a.Lower.IsZero() && a.Upper.Equal(ts("2097-01-01T00:00:00Z"))
		}
	}
	if !found {
		t.Errorf("no archive log entry for orders_legacy: %+v", r.ArchiveLog)
	}
}
