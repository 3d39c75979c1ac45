package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	oscmd "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/check"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/status"
)

// Issue 16, item 4: the tool at 100 tables x 120 monthly partitions (12,000
// partitions, 100 partgen files and partgen_archive_log's) on PostgreSQL. The folder is the scale
// spec's first generate run (scale_test.go); goose applies it to a fresh
// database, one row goes into every past month of every table, then
// ANALYZE (so every partition has statistics, as a live database has).
//
// Timed: the built binary (`make build`), wall time from process start to
// exit, and its peak resident memory (/usr/bin/time -v):
//
//	partgen status --db URL --config partgen.yaml --now 2026-01-15T12:00:00Z
//	partgen check  --config partgen.yaml --as-of 2026-01-15
//	partgen generate --config partgen.yaml --as-of 2026-01-15   (nothing to write)
//
// Targets: each under 1 s. The same three in-process (status on an open
// pool) run first, untimed, to check the outcome (every partition seen,
// health ok, nothing to write); run with -cpuprofile to profile them:
//
//	go test -tags sqlite_dbstat ./bench -run '^$' -bench ToolScale/in-process -benchtime 1x -cpuprofile cpu.out

var scaleNow = time.Date(scaleAsOf.Year, scaleAsOf.Month, scaleAsOf.Day, 12, 0, 0, 0, time.UTC)

func BenchmarkToolScale(b *testing.B) {
	ctx := context.Background()
	w := scaleFolder(b)
	generateOnce(b, w, scaleAsOf)
	db, dsn := testdb.Postgres(b)
	began := time.Now()
	w.up(db, goose.DialectPostgres)
	parts := queryInt(b, db, `SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent WHERE c.relkind = 'p' AND c.relname LIKE 't\_%'`)
	if parts != scaleTables*scalePartitions {
		b.Fatalf("the database has %d partitions, want %d", parts, scaleTables*scalePartitions)
	}
	for i := 0; i < scaleTables; i++ {
		exec(b, db, fmt.Sprintf(`INSERT INTO t_%03d (ts, v) SELECT m, 1 FROM generate_series($1::timestamptz, $2::timestamptz, interval '1 month') AS m`, i),
			startTime(scaleStart()).Add(12*time.Hour), scaleNow)
	}
	exec(b, db, "ANALYZE")
	b.Logf("applied %d partitions (%d files) with goose, filled and analysed in %v", parts, countFiles(b, w.dir)-1, time.Since(began).Round(time.Second))
	pool := newPool(b, dsn)

	inProcess := map[string]func() error{
		"status": func() error {
			sp, err := spec.Load(w.spec)
			if err != nil {
				return err
			}
			mig, err := folder.Read(sp.Migrations)
			if err != nil {
				return err
			}
			r, err := status.Read(ctx, status.Postgres(pool), sp, scaleNow, status.Options{Folder: mig, Database: "bench"})
			if err != nil {
				return err
			}
			seen := 0
			for _, t := range r.Tables {
				seen += len(t.Partitions)
			}
			if seen != scaleTables*scalePartitions || r.Health != rules.OK {
				return fmt.Errorf("status saw %d partitions, health %s; want %d, ok", seen, r.Health, scaleTables*scalePartitions)
			}
			return r.WriteTable(io.Discard)
		},
		"check": func() error {
			sp, err := spec.Load(w.spec)
			if err != nil {
				return err
			}
			mig, err := folder.Read(sp.Migrations)
			if err != nil {
				return err
			}
			r := check.Run(sp, mig, scaleAsOf, check.Options{Runway: -1})
			if r.Health != rules.OK || r.PartgenFiles != scaleTables+1 { // and partgen_archive_log's file
				return fmt.Errorf("check: health %s over %d partgen files: %v", r.Health, r.PartgenFiles, r.Problems)
			}
			return r.WriteText(io.Discard)
		},
		"generate": func() error {
			if n := generateOnce(b, w, scaleAsOf); n != 0 {
				return fmt.Errorf("generate planned %d files on a folder that is up to date", n)
			}
			return nil
		},
	}
	b.Run("in-process", func(b *testing.B) {
		for _, name := range []string{"status", "check", "generate"} {
			began := time.Now()
			must(b, name, inProcess[name]())
			b.Logf("%s in-process: %v", name, time.Since(began).Round(time.Millisecond))
		}
	})

	b.Run("binary", func(b *testing.B) {
		if _, err := oscmd.LookPath("/usr/bin/time"); err != nil {
			skip(b, "/usr/bin/time is not installed (apt-get install time): the binary is not measured")
		}
		bin := partgenBinary(b)
		commands := []struct {
			name string
			args []string
		}{
			{"status", []string{"status", "--db", dsn, "--config", w.spec, "--now", scaleNow.Format(time.RFC3339)}},
			{"check", []string{"check", "--config", w.spec, "--as-of", scaleAsOf.String()}},
			{"generate", []string{"generate", "--config", w.spec, "--as-of", scaleAsOf.String()}},
		}
		// The JSON report, untimed: the binary sees every partition.
		out, err := oscmd.Command(bin, "status", "--db", dsn, "--config", w.spec, "--now", scaleNow.Format(time.RFC3339), "--format", "json").Output()
		must(b, "partgen status --format json", err)
		var doc struct {
			Health string `json:"health"`
			Tables []struct {
				Partitions []json.RawMessage `json:"partitions"`
			} `json:"tables"`
		}
		must(b, "read the JSON report", json.Unmarshal(out, &doc))
		seen := 0
		for _, t := range doc.Tables {
			seen += len(t.Partitions)
		}
		if seen != scaleTables*scalePartitions || doc.Health != "ok" {
			b.Fatalf("partgen status --format json: %d partitions, health %s", seen, doc.Health)
		}
		wall, rss := map[string][]float64{}, map[string][]float64{}
		for r := 1; r <= *flagRounds; r++ {
			for i := range commands {
				c := commands[i]
				if r%2 == 0 {
					c = commands[len(commands)-1-i]
				}
				d, m := timeCommand(b, bin, c.args...)
				wall[c.name], rss[c.name] = append(wall[c.name], ms(d)), append(rss[c.name], m)
			}
		}
		for _, c := range commands {
			recordTarget(b, c.name, median(wall[c.name]), "ms", "partgen "+strings.Join(c.args[:1], " ")+", wall clock incl. process start (median)", "<=", 1000)
			record(b, c.name+"_maxrss", median(rss[c.name]), "MB", "peak resident memory (median)")
		}
		record(b, "partitions", float64(scaleTables*scalePartitions), "partitions", fmt.Sprintf("%d tables x %d monthly, %d partgen files", scaleTables, scalePartitions, scaleTables+1))
	})
}

// timeCommand runs the binary under /usr/bin/time -v and returns its wall
// time, measured here around the whole run (process start included; the
// time's own "0:00.12" has only 10 ms steps), and its peak resident memory
// in MB as /usr/bin/time reads it. (getrusage of a child started by a Go
// program counts the parent's pages the child shared before exec: it says
// the bench process's size, not partgen's.) Exit status 1 and 2 are
// findings (status, check), not failures.
func timeCommand(b *testing.B, bin string, args ...string) (time.Duration, float64) {
	b.Helper()
	cmd := oscmd.Command("/usr/bin/time", append([]string{"-v", bin}, args...)...)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	began := time.Now()
	err := cmd.Run()
	d := time.Since(began)
	if err != nil {
		var ee *oscmd.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() > 2 {
			b.Fatalf("partgen %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
	}
	_, rss := timeField(b, stderr.String())
	return d, rss
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// partgenBinary builds cmd/partgen once per run, as `make build` does.
func partgenBinary(b *testing.B) string {
	b.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "partgen-bench-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "partgen")
		out, err := oscmd.Command("go", "build", "-tags", "sqlite_dbstat", "-o", binPath, "../cmd/partgen").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	must(b, "build partgen", binErr)
	return binPath
}
