package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/spec"
)

// Issue 6, item 6: the tool itself. A spec of 100 monthly tables starting
// ten years back (120 partitions each with premake 3: 12,000 partitions in
// 100 files), generated into a folder holding only the base migration; the
// no-op second run on that folder; and the no-op run on a folder of 10,000+
// migration files that 50 monthly CI runs would leave (one creation and one
// archival file per table per month). Targets: under 1 s each.

const (
	scaleTables     = 100
	scalePartitions = 120 // per table, premake 3 included
)

var scaleAsOf = date(2026, 1, 15)

// scaleStart is the first month: scalePartitions months end with the
// as-of month's premake 3.
func scaleStart() calendar.Date {
	return addMonths(date(scaleAsOf.Year, scaleAsOf.Month, 1), -(scalePartitions - 3 - 1))
}

func scaleSpec() string {
	var b strings.Builder
	b.WriteString("version: 1\ndialect: postgres\nmigrations: .\ntimezone: UTC\ntables:\n")
	for i := 0; i < scaleTables; i++ {
		fmt.Fprintf(&b, `  - name: t_%03d
    key: ts
    interval: month
    premake: 3
    start: %s
    retention: {keep: 120, action: archive, archive_schema: archive}
`, i, scaleStart())
	}
	return b.String()
}

func scaleBase() string {
	var b strings.Builder
	b.WriteString("-- +goose Up\n")
	for i := 0; i < scaleTables; i++ {
		fmt.Fprintf(&b, "CREATE TABLE t_%03d (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL, v int NOT NULL, PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);\n", i)
	}
	b.WriteString("-- +goose Down\n")
	for i := 0; i < scaleTables; i++ {
		fmt.Fprintf(&b, "DROP TABLE t_%03d;\n", i)
	}
	return b.String()
}

// scaleFolder makes a fresh folder with the spec and the base migration.
func scaleFolder(b *testing.B) *workspace {
	w := newWorkspace(b, "20150101000000_tables.sql", scaleBase())
	w.setSpec(scaleSpec())
	return w
}

// generateOnce is what `partgen generate` does: load the spec, lock the
// folder, read it, plan, write.
func generateOnce(b *testing.B, w *workspace, asOf calendar.Date) int {
	sp, err := spec.Load(w.spec)
	must(b, "load spec", err)
	unlock, err := folder.Lock(w.dir)
	must(b, "lock folder", err)
	defer unlock()
	plan, err := generator.Generate(sp, asOf)
	must(b, "generate", err)
	_, err = plan.Write()
	must(b, "write", err)
	return len(plan.Files)
}

func countFiles(b *testing.B, dir string) int {
	m, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	must(b, "glob", err)
	return len(m)
}

func BenchmarkGenerateScale(b *testing.B) {
	// Setup shared by the sub-benchmarks: the folder after the first run,
	// and the folder after 50 more monthly runs.
	second := scaleFolder(b)
	generateOnce(b, second, scaleAsOf)
	big := scaleFolder(b)
	began := time.Now()
	generateOnce(b, big, scaleAsOf)
	asOf := scaleAsOf
	for countFiles(b, big.dir) < 10_000 {
		asOf = addMonths(asOf, 1)
		generateOnce(b, big, asOf)
	}
	b.Logf("built a folder of %d migration files in %v (as of %s)", countFiles(b, big.dir), time.Since(began).Round(time.Millisecond), asOf)

	b.Run("first-run", func(b *testing.B) {
		b.ReportAllocs()
		var files int
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			w := scaleFolder(b)
			b.StartTimer()
			files = generateOnce(b, w, scaleAsOf)
		}
		b.StopTimer()
		if files != scaleTables+1 {
			b.Fatalf("first run wrote %d files, want %d (one per table and partgen_archive_log's)", files, scaleTables+1)
		}
		recordTarget(b, "time", ms(b.Elapsed())/float64(b.N), "ms", "100 tables x 120 monthly partitions: 101 files written (one per table, and partgen_archive_log's)", "<=", 1000)
	})
	b.Run("noop-second-run", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if n := generateOnce(b, second, scaleAsOf); n != 0 {
				b.Fatalf("second run wrote %d files", n)
			}
		}
		recordTarget(b, "time", ms(b.Elapsed())/float64(b.N), "ms", "101 files in the folder, nothing to write", "<=", 1000)
	})
	b.Run("noop-10k-files", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if n := generateOnce(b, big, asOf); n != 0 {
				b.Fatalf("run on the 10k folder wrote %d files", n)
			}
		}
		recordTarget(b, "time", ms(b.Elapsed())/float64(b.N), "ms", fmt.Sprintf("%d files in the folder, nothing to write", countFiles(b, big.dir)), "<=", 1000)
	})
	b.Run("binary", func(b *testing.B) {
		if _, err := os.Stat("/usr/bin/time"); err != nil {
			skip(b, "/usr/bin/time is not installed; peak memory of the binary is not measured")
		}
		bin := partgenBinary(b)
		run := func(w *workspace, asOf calendar.Date) (time.Duration, float64) {
			return timeCommand(b, bin, "generate", "--config", w.spec, "--as-of", asOf.String())
		}
		for i := 0; i < b.N; i++ {
			first := scaleFolder(b)
			d1, rss1 := run(first, scaleAsOf)
			d2, rss2 := run(first, scaleAsOf)
			d3, rss3 := run(big, asOf)
			record(b, "first_run", ms(d1), "ms", "the built binary, wall clock (process start included)")
			record(b, "first_run_maxrss", rss1, "MB", "peak resident memory")
			record(b, "noop_second_run", ms(d2), "ms", "")
			record(b, "noop_second_run_maxrss", rss2, "MB", "")
			record(b, "noop_10k_files", ms(d3), "ms", "")
			record(b, "noop_10k_files_maxrss", rss3, "MB", "")
		}
	})
}

var (
	elapsedRE = regexp.MustCompile(`Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)`)
	maxRSSRE  = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)
)

// timeField reads wall time and peak RSS (MB) from /usr/bin/time -v.
func timeField(b *testing.B, out string) (time.Duration, float64) {
	e := elapsedRE.FindStringSubmatch(out)
	r := maxRSSRE.FindStringSubmatch(out)
	if e == nil || r == nil {
		b.Fatalf("cannot read /usr/bin/time -v output:\n%s", out)
	}
	h, _ := strconv.Atoi("0" + e[1])
	m, _ := strconv.Atoi(e[2])
	s, _ := strconv.ParseFloat(e[3], 64)
	kb, _ := strconv.ParseFloat(r[1], 64)
	return time.Duration((float64(h*3600+m*60) + s) * float64(time.Second)), kb / 1024
}
