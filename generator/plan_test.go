package generator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/spec"
)

// A day table in Santiago across the midnight DST skips (2026-09-06): the
// plan ends (Shift used to return the same period forever there), and the
// bounds meet at 01:00 -03, the first instant of the 6th.
func TestPlanAcrossSkippedMidnight(t *testing.T) {
	sp, err := spec.Parse(filepath.Join(t.TempDir(), "partgen.yaml"), []byte(
		"version: 1\ndialect: postgres\nmigrations: .\ntimezone: America/Santiago\ntables:\n  - name: ev\n    key: ts\n    interval: day\n    premake: 3\n    start: 2026-09-04\n"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	base := filepath.Join(dir, "20260101000000_base.sql")
	if err := os.WriteFile(base, []byte("-- +goose Up\nCREATE TABLE ev (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mig := &folder.Folder{Dir: dir, Timestamped: true, Width: 14,
		Files: []folder.MigrationFile{{Name: "20260101000000_base.sql", Path: base, Version: 20260101000000}}}
	plan, err := generator.BuildPlan(sp, mig, calendar.Date{Year: 2026, Month: time.September, Day: 5})
	if err != nil {
		t.Fatal(err)
	}
	files := tableFiles(plan.Files)
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	body := string(files[0].Body)
	for _, want := range []string{
		"name=ev_p2026_09_05 from=2026-09-05T00:00:00-04:00 to=2026-09-06T01:00:00-03:00\n",
		"name=ev_p2026_09_06 from=2026-09-06T01:00:00-03:00 to=2026-09-07T00:00:00-03:00\n",
		"name=ev_p2026_09_08 from=2026-09-08T00:00:00-03:00 to=2026-09-09T00:00:00-03:00\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the plan lacks the marker %q:\n%s", want, body)
		}
	}
	if n := strings.Count(body, "-- partgen:partition op=create"); n != 5 {
		t.Errorf("%d partitions, want 2026-09-04 through 2026-09-08", n)
	}
}
