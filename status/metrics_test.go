package status_test

import (
	"bytes"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/internal/promtext"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/status"
)

func promSeries(t *testing.T, r *status.Report) (map[string]float64, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WritePrometheus(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := promtext.Series(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("the exposition does not parse: %v\n%s", err, buf.String())
	}
	return got, buf.String()
}

// lintClean fails on every problem promlint (client_golang's testutil)
// finds: names in base units, no type in a name, help on every family.
func lintClean(t *testing.T, r *status.Report) {
	t.Helper()
	problems, err := testutil.CollectAndLint(status.NewCollector(r))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

func TestPrometheusSeries(t *testing.T) {
	r := renderedExample(t)
	lintClean(t, r)
	got, text := promSeries(t, r)
	md := table1(t, r, "market_data")
	k := promtext.Key
	for series, want := range map[string]float64{
		k("partgen_health"): 2,
		k("partgen_table_health", "table", "market_data"):                                                             0,
		k("partgen_table_health", "table", "alert_log"):                                                               1,
		k("partgen_table_health", "table", "trades"):                                                                  2,
		k("partgen_table_exists", "table", "trades"):                                                                  0,
		k("partgen_runway_seconds", "table", "market_data"):                                                           float64(md.Runway.Seconds),
		k("partgen_runway_periods", "table", "market_data"):                                                           3,
		k("partgen_runway_end_timestamp_seconds", "table", "market_data"):                                             float64(ts("2027-03-01T00:00:00Z").Unix()),
		k("partgen_premake_periods", "table", "alert_log"):                                                            2,
		k("partgen_partitions", "table", "market_data", "state", "current"):                                           1,
		k("partgen_partitions", "table", "market_data", "state", "future"):                                            3,
		k("partgen_partitions", "table", "alert_log", "state", "default"):                                             1,
		k("partgen_partitions", "table", "alert_log", "state", "archived"):                                            0,
		k("partgen_partition_rows", "table", "market_data", "partition", "market_data_p2026_11"):                      1000,
		k("partgen_partition_rows", "table", "alert_log", "partition", "alert_log_default"):                           1,
		k("partgen_partition_state", "table", "market_data", "partition", "market_data_p2026_11", "state", "current"): 1,
		k("partgen_partition_state", "table", "market_data", "partition", "market_data_p2026_11", "state", "past"):    0,
		k("partgen_partition_state", "table", "alert_log", "partition", "alert_log_default", "state", "default"):      1,
		k("partgen_partition_lower_timestamp_seconds", "table", "market_data", "partition", "market_data_p2026_11"):   float64(ts("2026-11-01T00:00:00Z").Unix()),
		k("partgen_partition_upper_timestamp_seconds", "table", "market_data", "partition", "market_data_p2026_11"):   float64(ts("2026-12-01T00:00:00Z").Unix()),
		k("partgen_default_rows", "table", "alert_log"):                                                               1,
		k("partgen_gaps", "table", "market_data"):                                                                     0,
		k("partgen_detach_pending_partitions", "table", "market_data"):                                                0,
		k("partgen_retention_overdue_partitions", "table", "market_data"):                                             0,
		k("partgen_problems", "severity", "critical"):                                                                 1,
		k("partgen_problems", "severity", "warning"):                                                                  1,
		k("partgen_migrations_pending"):                                                                               0,
		k("partgen_migrations_applied"):                                                                               4,
		k("partgen_report_timestamp_seconds"):                                                                         float64(exampleNow.Unix()),
		k("partgen_report_info", "engine", "sqlite", "database", "", "bytes_source", r.BytesSource):                   1,
	} {
		if v, ok := got[series]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", series, v, ok, want)
		}
	}
	for series := range got {
		if strings.Contains(series, `table="trades"`) && strings.HasPrefix(series, "partgen_runway") {
			t.Errorf("a missing table has no runway: %s", series)
		}
	}
	// 14 market_data months and 6 alert_log quarters plus its default, each
	// with one series per state.
	if n := count(got, "partgen_partition_rows{"); n != 21 {
		t.Errorf("%d partition row series, want 21", n)
	}
	if n := count(got, "partgen_partition_state{"); n != 21*len(status.States) {
		t.Errorf("%d partition state series, want %d", n, 21*len(status.States))
	}
	if strings.Contains(text, "partgen_default_rows{table=\"market_data\"}") {
		t.Errorf("a table without a default partition has no default rows series")
	}
}

func count(series map[string]float64, prefix string) int {
	n := 0
	for s := range series {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// Label values with quotes, backslashes and newlines survive the round
// trip; a label value that is not UTF-8 fails the one metric, not the
// process.
func TestPrometheusEscapes(t *testing.T) {
	odd := "odd \"name\" \\ with\nnewline"
	n := int64(5)
	r := &status.Report{Health: rules.OK, Now: time.Unix(0, 0).UTC(), Tables: []status.Table{{
		Name: "t", Exists: true, Health: rules.OK,
		Partitions: []status.Partition{{Name: odd, State: status.StatePast, Rows: &n}},
	}}}
	got, text := promSeries(t, r)
	if s := promtext.Key("partgen_partition_rows", "table", "t", "partition", odd); got[s] != 5 {
		t.Errorf("%s not found in:\n%s", s, text)
	}
	r.Tables[0].Partitions[0].Name = "bad \xff"
	var buf bytes.Buffer
	if err := r.WritePrometheus(&buf); err == nil || !strings.Contains(err.Error(), "partgen_partition_rows") {
		t.Errorf("a label value that is not UTF-8: err %v", err)
	}
}

// A partition's series keep the label set {table, partition} from its
// creation to its archival: the state is a series of its own, and an
// archived SQLite partition (renamed archive_...) keeps its partition label.
// Rows and bytes of market_data_p2026_01 are followed from future (as of
// December 2025) through current and past to archived (February 2028).
func TestPartitionSeriesKeepLabelsPostgres(t *testing.T) {
	testSeriesKeepLabels(t, "postgres", goose.DialectPostgres)
}

func TestPartitionSeriesKeepLabelsSQLite(t *testing.T) {
	testSeriesKeepLabels(t, "sqlite", goose.DialectSQLite3)
}

func testSeriesKeepLabels(t *testing.T, engine string, dialect goose.Dialect) {
	e, dir, up := exampleCopy(t, engine, dialect)
	up()
	e.exec(map[string]string{
		"postgres": "INSERT INTO market_data (instrument_id, ts, price, volume) VALUES (1, '2026-01-05 00:00:00+00', 1, 1)",
		"sqlite":   "INSERT INTO market_data (instrument_id, ts, price, volume) VALUES (1, '2026-01-05 00:00:00+00:00', 1, 1)",
	}[engine])

	const name = "market_data_p2026_01"
	type life struct {
		state  status.State
		bytes  string   // the report's bytes_source
		labels []string // every partgen_partition_* series of the partition, without values
	}
	seen := func(r *status.Report) life {
		t.Helper()
		lintClean(t, r)
		got, _ := promSeries(t, r)
		l := life{bytes: r.BytesSource}
		for s, v := range got {
			if !strings.HasPrefix(s, "partgen_partition_") || !strings.Contains(s, `partition="`+name+`"`) {
				continue
			}
			l.labels = append(l.labels, s)
			if strings.HasPrefix(s, "partgen_partition_state{") && v == 1 {
				rest := s[strings.Index(s, `state="`)+len(`state="`):]
				l.state = status.State(rest[:strings.IndexByte(rest, '"')])
			}
		}
		sort.Strings(l.labels)
		return l
	}
	var lives []life
	for _, now := range []string{"2025-12-15T00:00:00Z", "2026-01-15T00:00:00Z", "2026-11-26T12:00:00Z"} {
		lives = append(lives, seen(e.report(ts(now), true)))
	}
	generateInto(t, dir, calendar.Date{Year: 2028, Month: 2, Day: 15})
	up()
	lives = append(lives, seen(e.report(ts("2028-02-15T12:00:00Z"), true)))

	want := []status.State{status.StateFuture, status.StateCurrent, status.StatePast, status.StateArchived}
	for i, l := range lives {
		if l.state != want[i] {
			t.Errorf("step %d: state %q, want %q; series %v", i, l.state, want[i], l.labels)
		}
		if strings.Join(l.labels, "\n") != strings.Join(lives[0].labels, "\n") {
			t.Errorf("step %d (%s): the series changed:\n%s\nwant\n%s", i, l.state, strings.Join(l.labels, "\n"), strings.Join(lives[0].labels, "\n"))
		}
	}
	want4 := 4 + len(status.States) // rows, bytes, lower, upper and the states
	if lives[0].bytes == "unavailable" {
		want4-- // a build without dbstat knows no SQLite bytes (nodbstat_test.go)
	}
	if n := len(lives[0].labels); n != want4 {
		t.Errorf("%d series for %s, want %d: %v", n, name, want4, lives[0].labels)
	}
}
