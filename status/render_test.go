package status_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/status"
)

// renderedExample is the SQLite example with rows, a row in the default
// partition and a spec table that does not exist: every kind of value,
// null included.
func renderedExample(t *testing.T) *status.Report {
	t.Helper()
	e := sqliteExample(t)
	insertExample(e, false)
	sp := e.specWith(func(s *spec.Spec) {
		extra := s.Tables[0]
		extra.Name = "trades"
		s.Tables = append(s.Tables, extra)
	})
	return e.reportWith(sp, exampleNow)
}

// The JSON form parses back into the same report, and carries every field
// README documents for schema version 1.
func TestJSONRoundTrip(t *testing.T) {
	r := renderedExample(t)
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back status.Report
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("parse: %v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(*r, back) {
		t.Errorf("round trip differs:\n%+v\n%+v", *r, back)
	}

	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	hasKeys(t, "report", doc, "schema_version", "engine", "database", "now", "health", "exact_counts", "bytes_source",
		"database_bytes", "tables", "problems", "archive_log", "migrations")
	if doc["schema_version"] != float64(1) || doc["health"] != "critical" {
		t.Errorf("schema_version %v health %v", doc["schema_version"], doc["health"])
	}
	tables := doc["tables"].([]any)
	for _, tb := range tables {
		hasKeys(t, "table", tb.(map[string]any), "name", "exists", "partitioned", "interval", "premake", "timezone", "health",
			"runway", "partitions", "default_rows", "gaps", "overlaps", "retention_overdue", "not_created_by_partgen")
		hasKeys(t, "runway", tb.(map[string]any)["runway"].(map[string]any), "covered", "until", "seconds", "periods")
	}
	md := tables[0].(map[string]any)
	p := md["partitions"].([]any)[0].(map[string]any)
	hasKeys(t, "partition", p, "name", "lower", "upper", "state", "rows", "rows_exact", "bytes", "created_by_partgen", "created_by")
	if p["lower"] != "2026-01-01T00:00:00Z" || p["bytes"] != nil && r.BytesSource == "unavailable" {
		t.Errorf("partition %v", p)
	}
	trades := tables[2].(map[string]any)
	if trades["exists"] != false || trades["runway"].(map[string]any)["until"] != nil || trades["default_rows"] != nil {
		t.Errorf("missing table %v", trades)
	}
	hasKeys(t, "migrations", doc["migrations"].(map[string]any), "goose_table", "applied", "max_applied", "folder", "pending", "out_of_order")
	for _, p := range doc["problems"].([]any) {
		hasKeys(t, "problem", p.(map[string]any), "severity", "code", "message")
	}
}

func hasKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s has no %q: %v", what, k, m)
		}
	}
}

var (
	promNameRE   = `[a-zA-Z_:][a-zA-Z0-9_:]*`
	promSampleRE = regexp.MustCompile(`^(` + promNameRE + `)(?:\{(.*)\})? (\S+)$`)
	promHelpRE   = regexp.MustCompile(`^# HELP (` + promNameRE + `) (.+)$`)
	promTypeRE   = regexp.MustCompile(`^# TYPE (` + promNameRE + `) (gauge|counter|histogram|summary|untyped)$`)
	promLabelRE  = regexp.MustCompile(`^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)`)
)

// parseProm reads the text exposition format line by line, strictly: every
// sample belongs to a family announced by HELP and TYPE, families are
// contiguous, series are unique. It returns series -> value, a series being
// name{label="value",...} with labels sorted.
func parseProm(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	help, typ := map[string]bool{}, map[string]bool{}
	closed := map[string]bool{}
	current := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	line := 0
	for sc.Scan() {
		line++
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "# HELP "):
			m := promHelpRE.FindStringSubmatch(l)
			if m == nil || help[m[1]] {
				t.Fatalf("line %d: bad or repeated HELP: %q", line, l)
			}
			help[m[1]] = true
			if current != "" {
				closed[current] = true
			}
			current = m[1]
		case strings.HasPrefix(l, "# TYPE "):
			m := promTypeRE.FindStringSubmatch(l)
			if m == nil || typ[m[1]] || m[1] != current || m[2] != "gauge" {
				t.Fatalf("line %d: bad TYPE: %q", line, l)
			}
			typ[m[1]] = true
		case strings.HasPrefix(l, "#") || l == "":
			t.Fatalf("line %d: unexpected %q", line, l)
		default:
			m := promSampleRE.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("line %d: not a sample: %q", line, l)
			}
			name := m[1]
			if name != current || !typ[name] || closed[name] {
				t.Fatalf("line %d: sample of %s outside its family", line, name)
			}
			var labels []string
			rest := m[2]
			for rest != "" {
				lm := promLabelRE.FindStringSubmatch(rest)
				if lm == nil {
					t.Fatalf("line %d: bad labels %q", line, m[2])
				}
				v := strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\n`, "\n").Replace(lm[2])
				labels = append(labels, lm[1]+"="+strconv.Quote(v))
				rest = rest[len(lm[0]):]
			}
			sort.Strings(labels)
			v, err := strconv.ParseFloat(m[3], 64)
			if err != nil {
				t.Fatalf("line %d: value %q: %v", line, m[3], err)
			}
			series := name + "{" + strings.Join(labels, ",") + "}"
			if _, dup := out[series]; dup {
				t.Fatalf("line %d: duplicate series %s", line, series)
			}
			out[series] = v
		}
	}
	return out
}

func TestPrometheusParses(t *testing.T) {
	r := renderedExample(t)
	var buf bytes.Buffer
	if err := r.WritePrometheus(&buf); err != nil {
		t.Fatal(err)
	}
	got := parseProm(t, buf.String())
	md := table1(t, r, "market_data")
	for series, want := range map[string]float64{
		`partgen_health{}`:                                                                             2,
		`partgen_table_health{table="market_data"}`:                                                    0,
		`partgen_table_health{table="alert_log"}`:                                                      1,
		`partgen_table_health{table="trades"}`:                                                         2,
		`partgen_table_exists{table="trades"}`:                                                         0,
		`partgen_runway_seconds{table="market_data"}`:                                                  float64(md.Runway.Seconds),
		`partgen_runway_periods{table="market_data"}`:                                                  3,
		`partgen_premake_periods{table="alert_log"}`:                                                   2,
		`partgen_partitions{state="current",table="market_data"}`:                                      1,
		`partgen_partitions{state="future",table="market_data"}`:                                       3,
		`partgen_partitions{state="default",table="alert_log"}`:                                        1,
		`partgen_partition_rows{partition="market_data_p2026_11",state="current",table="market_data"}`: 1000,
		`partgen_partition_rows{partition="alert_log_default",state="default",table="alert_log"}`:      1,
		`partgen_default_rows{table="alert_log"}`:                                                      1,
		`partgen_gaps{table="market_data"}`:                                                            0,
		`partgen_problems{severity="critical"}`:                                                        1,
		`partgen_problems{severity="warning"}`:                                                         1,
		`partgen_migrations_pending{}`:                                                                 0,
		`partgen_report_timestamp_seconds{}`:                                                           float64(exampleNow.Unix()),
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
	rows := 0
	for series := range got {
		if strings.HasPrefix(series, "partgen_partition_rows{") {
			rows++
		}
	}
	if rows != 21 {
		t.Errorf("%d partition row series, want 21", rows)
	}
}

// Label values with quotes, backslashes and newlines survive the round trip.
func TestPrometheusEscapes(t *testing.T) {
	odd := "odd \"name\" \\ with\nnewline"
	n := int64(5)
	r := &status.Report{Health: rules.OK, Now: time.Unix(0, 0).UTC(), Tables: []status.Table{{
		Name: "t", Exists: true, Health: rules.OK,
		Partitions: []status.Partition{{Name: odd, State: status.StatePast, Rows: &n}},
	}}}
	var buf bytes.Buffer
	if err := r.WritePrometheus(&buf); err != nil {
		t.Fatal(err)
	}
	got := parseProm(t, buf.String())
	series := fmt.Sprintf(`partgen_partition_rows{partition=%s,state="past",table="t"}`, strconv.Quote(odd))
	if got[series] != 5 {
		t.Errorf("%s not found in:\n%s", series, buf.String())
	}
}

// The table form names every partition with its figures.
func TestTableForm(t *testing.T) {
	r := renderedExample(t)
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"partgen status: CRITICAL",
		"market_data  (month, premake 3, timezone UTC): ok",
		"runway: 94d 12h, to 2027-03-01 00:00 +00:00, 3 whole month(s) after the current one",
		"rows in the default partition: 1",
		"trades  (month, premake 3, timezone UTC): critical",
		"missing from the database",
		"CRITICAL  trades     table_missing",
		"archive log: empty",
		"migrations: 3 applied, highest 20261126000001; 0 pending, 0 out of order",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table form lacks %q:\n%s", want, out)
		}
	}
	re := regexp.MustCompile(`(?m)^  market_data_p2026_11 +2026-11-01 00:00 \+00:00 +2026-12-01 00:00 \+00:00 +current +1000 +\S+( \S+)? +yes$`)
	if !re.MatchString(out) {
		t.Errorf("no aligned row for market_data_p2026_11:\n%s", out)
	}
}
