package check_test

import (
	"bytes"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/partgen/partgen/check"
	"github.com/partgen/partgen/internal/promtext"
	"github.com/partgen/partgen/rules"
)

func TestPrometheus(t *testing.T) {
	r := &check.Report{SchemaVersion: 1, Spec: "m/partgen.yaml", Folder: "m", AsOf: "2027-01-20", Health: rules.Critical,
		Tables: 2, PartgenFiles: 5, Base: "origin/main", Problems: []rules.Problem{
			{Severity: rules.SevWarning, Code: rules.CodeRunwayShort, Table: "a"},
			{Severity: rules.SevWarning, Code: rules.CodeRunwayShort, Table: "b"},
			{Severity: rules.SevCritical, Code: rules.CodeEdited, File: "m/x.sql"},
		}}
	problems, err := testutil.CollectAndLint(check.NewCollector(r))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	var buf bytes.Buffer
	if err := r.WritePrometheus(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := promtext.Series(&buf)
	if err != nil {
		t.Fatal(err)
	}
	k := promtext.Key
	want := map[string]float64{
		k("partgen_check_health"): 2,
		k("partgen_check_info", "spec", "m/partgen.yaml", "folder", "m"): 1,
		k("partgen_check_tables"):                                                  2,
		k("partgen_check_partgen_files"):                                           5,
		k("partgen_check_out_of_order_checked"):                                    1,
		k("partgen_check_problems", "code", "runway_short", "severity", "warning"): 2,
		k("partgen_check_problems", "code", "edited", "severity", "critical"):      1,
		k("partgen_check_problems", "code", "gap", "severity", "critical"):         0,
	}
	for s, v := range want {
		if g, ok := got[s]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", s, g, ok, v)
		}
	}
	if len(got) != 5+len(check.Codes) {
		t.Errorf("%d series, want %d: %v", len(got), 5+len(check.Codes), got)
	}
}
