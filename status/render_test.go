package status_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"

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
		"migrations: 4 applied, highest 20261126000002; 0 pending, 0 out of order",
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
