package main

import (
	"strings"
	"testing"

	"github.com/partgen/partgen/internal/promtext"
)

// check --format prometheus prints the gauges and keeps check's exit codes.
func TestCheckFormatPrometheus(t *testing.T) {
	for _, tc := range []struct {
		asOf        string
		code        int
		runwayShort float64
	}{{"2026-11-26", 0, 0}, {"2027-01-20", 1, 2}} {
		code, out, _ := runPartgen(t, "check", "--as-of", tc.asOf, "--config", examplePGSpec, "--format", "prometheus")
		got, err := promtext.Series(strings.NewReader(out))
		if err != nil || code != tc.code {
			t.Fatalf("as of %s: exit %d, parse %v:\n%s", tc.asOf, code, err, out)
		}
		if v := got[promtext.Key("partgen_check_problems", "code", "runway_short", "severity", "warning")]; v != tc.runwayShort {
			t.Errorf("as of %s: runway_short %v, want %v\n%s", tc.asOf, v, tc.runwayShort, out)
		}
	}
	if code, _, errOut := runPartgen(t, "check", "--config", examplePGSpec, "--format", "xml"); code != 2 || !strings.Contains(errOut, "use text, json or prometheus") {
		t.Errorf("--format xml: exit %d %s", code, errOut)
	}
}
