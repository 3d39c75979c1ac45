package results

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleRun() *Run {
	return &Run{
		Meta: Meta{Started: time.Date(2026, 11, 30, 17, 5, 0, 0, time.UTC), WallSeconds: 305.4, Commit: "abc123",
			Command: "-test.bench .", CPU: "Example CPU", Cores: 2, MemoryGB: 23.4, Kernel: "6.1",
			LoadStart: "1.00, 2.00, 3.00", LoadEnd: "0.50, 1.00, 2.00", Go: "go1.26.8", PostgreSQL: "PostgreSQL 15.20", SQLite: "3.54.1"},
		Figures: []Figure{
			{Bench: "BenchmarkA", Name: "partitioned", Value: 682.74, Unit: "ms", Note: "median"},
			{Bench: "BenchmarkA", Name: "partitioned/plain", Value: 0.6165, Unit: "ratio", Target: &Target{"<=", 1.2}},
			{Bench: "BenchmarkB/x", Name: "drop_big/delete", Value: 0.25, Unit: "ratio", Note: "a|b", Target: &Target{"<=", 0.1}},
			{Bench: "BenchmarkB/x", Name: "rows", Value: 10_000_000, Unit: "rows"},
		},
		Skipped: []Skipped{{Bench: "BenchmarkPartman", Reason: "pg_partman is not installed"}},
	}
}

func TestMarkdownHasEveryFigureAndVerdict(t *testing.T) {
	md := Markdown(sampleRun())
	for _, want := range []string{
		"| date | 2026-11-30 17:05 UTC |",
		"| commit | abc123 (the code measured; ",
		"| CPU | Example CPU, 2 cores |",
		"| wall time | 5m5s |",
		"| BenchmarkA | partitioned/plain | 0.617 | <= 1.200 | met |",
		"| BenchmarkB/x | drop_big/delete | 0.250 | <= 0.100 | **missed** |",
		"### BenchmarkA\n",
		"| partitioned | 682.7 | ms | median |",
		"| drop_big/delete | 0.250 | ratio | target <= 0.100; a\\|b |",
		"| rows | 10,000,000 | rows |  |",
		"- BenchmarkPartman: pg_partman is not installed",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	r := sampleRun()
	r.Meta.Dirty = []string{"bench/x_test.go"}
	if md := Markdown(r); !strings.Contains(md, "| commit | abc123 with uncommitted changes in bench/x_test.go (the code measured;") {
		t.Errorf("a dirty tree is not said:\n%s", md)
	}
}

func TestRewriteKeepsTheHandWrittenText(t *testing.T) {
	doc := "# Benchmarks\n\nmethod text\n\n" + Begin + "\nold figures\n" + End + "\n\nmore text\n"
	out, err := Rewrite([]byte(doc), "new figures\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Benchmarks\n\nmethod text\n\n" + Begin + "\nnew figures\n" + End + "\n\nmore text\n"
	if string(out) != want {
		t.Errorf("Rewrite =\n%s\nwant\n%s", out, want)
	}
	for _, bad := range []string{"no markers", End + "\n" + Begin, Begin + Begin + End, Begin + End + End} {
		if _, err := Rewrite([]byte(bad), "x"); !errors.Is(err, ErrNoMarkers) {
			t.Errorf("Rewrite(%q) = %v, want ErrNoMarkers", bad, err)
		}
	}
}

func TestWriteReadRewriteFile(t *testing.T) {
	dir := t.TempDir()
	js, md := filepath.Join(dir, "results.json"), filepath.Join(dir, "BENCHMARKS.md")
	if err := Write(js, sampleRun()); err != nil {
		t.Fatal(err)
	}
	run, err := Read(js)
	if err != nil || len(run.Figures) != 4 || run.Figures[1].Target.Value != 1.2 || !run.Meta.Started.Equal(sampleRun().Meta.Started) {
		t.Fatalf("Read = %+v, %v", run, err)
	}
	if err := os.WriteFile(md, []byte("intro\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := RewriteFile(md, run); !errors.Is(err, ErrNoMarkers) {
		t.Fatalf("RewriteFile without markers = %v", err)
	}
	if err := os.WriteFile(md, []byte("intro\n"+Begin+"\n"+End+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := RewriteFile(md, run); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(md)
	if !strings.HasPrefix(string(b), "intro\n"+Begin+"\nWritten by `make bench`") || !strings.HasSuffix(string(b), End+"\n") {
		t.Errorf("rewritten document:\n%s", b)
	}
	if err := Write(js, &Run{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(js); err == nil {
		t.Error("Read accepted a run without figures")
	}
}

func TestFormat(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 0.004567: "0.00457", 1.23456: "1.235", 123.456: "123.5", 4718.4: "4,718", 1234567: "1,234,567", -2500: "-2,500"} {
		if got := Format(v); got != want {
			t.Errorf("Format(%v) = %q, want %q", v, got, want)
		}
	}
}
