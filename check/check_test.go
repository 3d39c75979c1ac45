package check_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/check"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// copyCase copies a golden case's spec, base and expected files into dir.
func copyCase(t *testing.T, name, dir string) {
	t.Helper()
	src := filepath.Join("..", "testdata", "cases", name)
	for _, sub := range []string{"", "want"} {
		entries, err := os.ReadDir(filepath.Join(src, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() || e.Name() == "case.yaml" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(src, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func run(t *testing.T, dir string, asOf string, opts check.Options) *check.Report {
	t.Helper()
	sp, err := spec.Load(filepath.Join(dir, "partgen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	mig, err := folder.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := calendar.ParseDate(asOf)
	if err != nil {
		t.Fatal(err)
	}
	return check.Run(sp, mig, d, opts)
}

func codes(r *check.Report) string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, string(p.Code)+"@"+p.Table)
	}
	return strings.Join(out, " ")
}

// A folder exactly as partgen wrote it passes; broken by hand, check names
// each fault with the code status uses.
func TestCheckFindsEachFault(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "migrations")
	must(t, os.Mkdir(dir, 0o755))
	copyCase(t, "pg_default_move_later", dir)
	if r := run(t, dir, "2027-03-20", check.Options{Runway: -1}); len(r.Problems) != 0 || r.Health != rules.OK {
		t.Fatalf("a folder partgen wrote has problems: %+v", r.Problems)
	}
	// A deleted file leaves a gap; an edited one no longer matches its
	// checksum; a date at the end of the runway finds it short; a base
	// branch whose highest version is above a partgen file it lacks finds
	// that file out of order.
	must(t, os.Remove(filepath.Join(dir, "20270110000000_partgen_create_readings_p2027_01_to_p2027_02.sql")))
	edited := filepath.Join(dir, "20270320000000_partgen_create_readings_p2027_03_to_p2027_04.sql")
	data, err := os.ReadFile(edited)
	must(t, err)
	must(t, os.WriteFile(edited, bytes.Replace(data, []byte("lock_timeout = '5000ms'"), []byte("lock_timeout = '1s'"), 1), 0o644))
	base := map[string]int64{
		"20260101000000_base.sql":                                         20260101000000,
		"20261126000000_partgen_archive_log.sql":                          20261126000000,
		"20261126000001_partgen_create_readings_p2026_11_to_p2026_12.sql": 20261126000001,
		"20270401000000_add_sensor.sql":                                   20270401000000,
	}
	// Messages name files relative to the working directory, as a CI log does.
	wd, err := os.Getwd()
	must(t, err)
	t.Chdir(filepath.Dir(dir))
	r := run(t, filepath.Base(dir), "2027-04-10", check.Options{Runway: -1, Base: "origin/main", BaseFiles: base})
	t.Chdir(wd)
	want := "edited@ gap@readings runway_short@readings out_of_order@"
	if got := codes(r); got != want {
		t.Errorf("codes:\n got %s\nwant %s", got, want)
	}
	if r.Health != rules.Critical {
		t.Errorf("health %s", r.Health)
	}
	golden(t, r)
}

// golden pins the text and JSON forms of a report (paths made relative to
// the case folder).
func golden(t *testing.T, r *check.Report) {
	t.Helper()
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"report.txt", func(b *bytes.Buffer) error { return r.WriteText(b) }},
		{"report.json", func(b *bytes.Buffer) error { return r.WriteJSON(b) }},
	} {
		var b bytes.Buffer
		must(t, f.write(&b))
		path := filepath.Join("testdata", f.name)
		if *update {
			must(t, os.MkdirAll("testdata", 0o755))
			must(t, os.WriteFile(path, b.Bytes(), 0o644))
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./check -update)", err)
		}
		if !bytes.Equal(want, b.Bytes()) {
			t.Errorf("%s differs; review and run go test ./check -update\n%s", path, b.String())
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// From two new users' trials: checked for a date older than the one the
// folder was generated for, a runway that retention of the newer date
// retired is not fixed by generating for the older date (generate writes
// nothing then), and check says so instead of advising it.
func TestRunwayOfAnOlderDate(t *testing.T) {
	dir := t.TempDir()
	copyCase(t, "pg_retention", dir)
	r := run(t, dir, "2026-02-10", check.Options{Runway: -1})
	var found bool
	for _, p := range r.Problems {
		if p.Table != "events" || p.Code != rules.CodeRunwayExhausted {
			continue
		}
		found = true
		if strings.Contains(p.Message, "--as-of 2026-02-10") || !strings.Contains(p.Message, "generated as of 2026-07-15, after 2026-02-10, and retention as of that date retired the partitions of 2026-02") ||
			!strings.Contains(p.Message, "partgen check --as-of 2026-07-15") {
			t.Errorf("message: %s", p.Message)
		}
	}
	if !found {
		t.Fatalf("no runway_exhausted for events: %+v", r.Problems)
	}
	if r := run(t, dir, "2026-07-15", check.Options{Runway: -1}); len(r.Problems) != 0 {
		t.Errorf("as of the folder's date: %+v", r.Problems)
	}
	// A short runway an older date's generate does fill (a larger premake)
	// keeps the usual advice.
	sp, err := os.ReadFile(filepath.Join(dir, "partgen.yaml"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "partgen.yaml"), []byte(strings.Replace(string(sp), "    premake: 2\n", "    premake: 8\n", 1)), 0o644))
	r = run(t, dir, "2026-06-20", check.Options{Runway: -1})
	found = false
	for _, p := range r.Problems {
		if p.Table == "ticks" && p.Code == rules.CodeRunwayShort {
			found = true
			if !strings.Contains(p.Message, "run partgen generate --config partgen.yaml --as-of 2026-06-20") && !strings.Contains(p.Message, "--as-of 2026-06-20 and commit") {
				t.Errorf("message: %s", p.Message)
			}
		}
	}
	if !found {
		t.Errorf("no runway_short for ticks with premake 8: %+v", r.Problems)
	}
}
