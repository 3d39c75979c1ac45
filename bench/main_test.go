package bench

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/bench/results"
	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/spec"
)

// Sizes. The defaults run the whole set in a few minutes on 2 shared cores;
// -bench-full (or PARTGEN_BENCH_FULL=1) switches to the sizes.
var (
	flagFull       = flag.Bool("bench-full", false, "use the issue's full sizes (5M rows PostgreSQL, 2M SQLite); also PARTGEN_BENCH_FULL=1")
	flagSQLiteRows = flag.Int("bench-sqlite-rows", 0, "rows of the SQLite retention benchmark (default 500k, 2M with -bench-full)")
	flagRounds     = flag.Int("bench-rounds", 3, "alternated rounds per side; medians are taken over them")
	flagHold       = flag.Duration("bench-reader-hold", 2*time.Second, "how long the writer-stall reader keeps its transaction open")
	flagPMRows     = flag.Int("bench-partman-rows", 120_000, "rows per table in the pg_partman comparison")
)

func full() bool { return *flagFull || os.Getenv("PARTGEN_BENCH_FULL") == "1" }

func sqliteRows() int {
	switch {
	case *flagSQLiteRows > 0:
		return *flagSQLiteRows
	case full():
		return 2_000_000
	}
	return 500_000
}

// -bench-json names the file the run's figures and machine are written to
// (`make bench` passes bench/results.json; bench/cmd/benchmd then rewrites
// BENCHMARKS.md's results section from it). Without it nothing is written.
var flagJSON = flag.String("bench-json", "", "write the run's figures, machine and versions to this JSON file (see bench/results)")

// TestMain prints every figure the benchmarks recorded as one table after
// the run and, with -bench-json, writes them with the run's machine and
// versions: the only source of BENCHMARKS.md's figures.
func TestMain(m *testing.M) {
	flag.Parse()
	started := time.Now().UTC()
	load := loadAverage()
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	printSummary()
	if *flagJSON != "" && code == 0 && len(figures) > 0 {
		meta := machine()
		meta.Started, meta.WallSeconds = started, time.Since(started).Seconds()
		meta.LoadStart, meta.LoadEnd = load, loadAverage()
		run := &results.Run{Meta: meta, Figures: figures, Skipped: skipped}
		if err := results.Write(*flagJSON, run); err != nil {
			fmt.Fprintln(os.Stderr, "bench: writing the results:", err)
			code = 1
		} else {
			fmt.Printf("bench: %d figures written to %s\n", len(figures), *flagJSON)
		}
	}
	os.Exit(code)
}

var (
	figMu   sync.Mutex
	figures []results.Figure
	skipped []results.Skipped
)

// record reports a figure to the benchmark framework and keeps it for the
// summary and the JSON (a later run of the same benchmark replaces it).
func record(b *testing.B, name string, value float64, unit, note string) {
	b.Helper()
	keep(b, results.Figure{Bench: b.Name(), Name: name, Value: value, Unit: unit, Note: note})
}

// recordTarget is record for a figure an issue bounds: op is "<=" or ">=".
func recordTarget(b *testing.B, name string, value float64, unit, note, op string, target float64) {
	b.Helper()
	keep(b, results.Figure{Bench: b.Name(), Name: name, Value: value, Unit: unit, Note: note,
		Target: &results.Target{Op: op, Value: target}})
}

func keep(b *testing.B, f results.Figure) {
	b.ReportMetric(f.Value, f.Name+"_"+f.Unit)
	figMu.Lock()
	defer figMu.Unlock()
	for i, g := range figures {
		if g.Bench == f.Bench && g.Name == f.Name {
			figures[i] = f
			return
		}
	}
	figures = append(figures, f)
}

// skip ends a benchmark that cannot run here and says so in the results.
func skip(b *testing.B, reason string) {
	b.Helper()
	figMu.Lock()
	skipped = append(skipped, results.Skipped{Bench: b.Name(), Reason: reason})
	figMu.Unlock()
	b.Skip(reason)
}

func printSummary() {
	figMu.Lock()
	defer figMu.Unlock()
	if len(figures) == 0 {
		return
	}
	fmt.Println()
	fmt.Println("== partgen benchmark summary (ratios are partgen / baseline, medians of alternated rounds)")
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tfigure\tvalue\tunit\ttarget\tnote")
	for _, f := range figures {
		target := ""
		if f.Target != nil {
			target = f.Target.String()
			if !f.Target.Met(f.Value) {
				target += " MISSED"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Bench, f.Name, results.Format(f.Value), f.Unit, target, f.Note)
	}
	tw.Flush()
	for _, s := range skipped {
		fmt.Printf("skipped %s: %s\n", s.Bench, s.Reason)
	}
}

// mean is the arithmetic mean of xs (0 for none).
func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mb(bytes int64) float64 { return float64(bytes) / (1 << 20) }

func must(tb testing.TB, what string, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

func exec(tb testing.TB, db *sql.DB, query string, args ...any) time.Duration {
	tb.Helper()
	began := time.Now()
	if _, err := db.Exec(query, args...); err != nil {
		tb.Fatalf("%s: %v", firstLine(query), err)
	}
	return time.Since(began)
}

func queryInt(tb testing.TB, db *sql.DB, query string, args ...any) int64 {
	tb.Helper()
	var n sql.NullInt64
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", firstLine(query), err)
	}
	return n.Int64
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

func date(y int, m time.Month, d int) calendar.Date {
	return calendar.Date{Year: y, Month: m, Day: d}
}

// addMonths moves a date by whole months (the day stays below 29 here).
func addMonths(d calendar.Date, n int) calendar.Date {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).AddDate(0, n, 0)
	return date(t.Year(), t.Month(), t.Day())
}

// workspace is a spec and its goose folder in a temporary directory, used
// the way a user's repository is: generate, write, goose up.
type workspace struct {
	tb   testing.TB
	dir  string
	spec string
}

func newWorkspace(tb testing.TB, baseName, base string) *workspace {
	tb.Helper()
	dir := tb.TempDir()
	w := &workspace{tb: tb, dir: dir, spec: filepath.Join(dir, "partgen.yaml")}
	if base != "" {
		must(tb, "write base migration", os.WriteFile(filepath.Join(dir, baseName), []byte(base), 0o644))
	}
	return w
}

func (w *workspace) setSpec(text string) {
	w.tb.Helper()
	must(w.tb, "write spec", os.WriteFile(w.spec, []byte(text), 0o644))
}

// generate writes the files partgen plans for asOf and returns the plan.
func (w *workspace) generate(asOf calendar.Date) *generator.Plan {
	w.tb.Helper()
	sp, err := spec.Load(w.spec)
	must(w.tb, "load spec", err)
	plan, err := generator.Generate(sp, asOf)
	must(w.tb, "generate as of "+asOf.String(), err)
	_, err = plan.Write()
	must(w.tb, "write plan", err)
	return plan
}

func (w *workspace) provider(db *sql.DB, dialect goose.Dialect) *goose.Provider {
	w.tb.Helper()
	p, err := goose.NewProvider(dialect, db, os.DirFS(w.dir), goose.WithLogger(goose.NopLogger()))
	must(w.tb, "goose provider", err)
	return p
}

func (w *workspace) up(db *sql.DB, dialect goose.Dialect) {
	w.tb.Helper()
	_, err := w.provider(db, dialect).Up(context.Background())
	must(w.tb, "goose up", err)
}

func (w *workspace) upTo(db *sql.DB, dialect goose.Dialect, version int64) time.Duration {
	w.tb.Helper()
	p := w.provider(db, dialect)
	began := time.Now()
	_, err := p.UpTo(context.Background(), version)
	must(w.tb, fmt.Sprintf("goose up to %d", version), err)
	return time.Since(began)
}

// retentionFile finds the plan's one retention file (drop/archive/detach).
func retentionFile(tb testing.TB, plan *generator.Plan) generator.File {
	tb.Helper()
	var found []generator.File
	for _, f := range plan.Files {
		// Creation files and the file that creates partgen_archive_log (written
		// before a folder's first retirement) are applied untimed.
		if !strings.Contains(f.Name, "_partgen_create_") && !strings.HasSuffix(f.Name, "_partgen_archive_log.sql") {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		var names []string
		for _, f := range plan.Files {
			names = append(names, f.Name)
		}
		tb.Fatalf("want exactly one retention file, plan has %v", names)
	}
	return found[0]
}

// alternate runs partgen's side and the baseline in one round, partgen
// first in odd rounds and the baseline first in even ones, so that neither
// side always meets a cold or a warm machine.
func alternate(round int, partgen, baseline func()) {
	if round%2 == 1 {
		partgen()
		baseline()
		return
	}
	baseline()
	partgen()
}
