package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
)

var partgenBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "partgen-e2e-")
	if err != nil {
		panic(err)
	}
	partgenBin = filepath.Join(dir, "partgen")
	build := exec.Command("go", "build", "-tags", "failpoint", "-o", partgenBin, "github.com/partgen/partgen/cmd/partgen")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		panic("build partgen: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// exampleFolder copies an example goose folder's hand-written base and
// spec (not the committed generated files) into a temporary directory.
func exampleFolder(t *testing.T, engine string) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join("..", "examples", "marketdata", "migrations", engine)
	for _, name := range []string{"partgen.yaml", "20260101000000_create_market_tables.sql"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func partgen(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(partgenBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// snapshot hashes every file of a folder, hidden ones included.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range entries {
		if e.Name() == ".partgen.lock" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		m[e.Name()] = hex.EncodeToString(sum[:])
	}
	return m
}

func sqlFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.sql"))
	sort.Strings(files)
	return files
}

// checkIntact asserts every partgen file in the folder is whole: it parses
// and its checksum matches.
func checkIntact(t *testing.T, dir string) {
	t.Helper()
	mig, err := folder.Read(dir)
	if err != nil {
		t.Fatalf("folder unreadable after the crash: %v", err)
	}
	for _, f := range mig.Files {
		if f.Edited() {
			t.Fatalf("%s is not whole (checksum mismatch)", f.Name)
		}
	}
}

// A run stopped between writing its temporary files and renaming them
// leaves no migration behind, and the next run writes the same files as a
// clean run would.
func TestCrashBeforeRenameLeavesNoPartialFile(t *testing.T) {
	dir := exampleFolder(t, "postgres")
	sp := filepath.Join(dir, "partgen.yaml")
	out, err := partgen(t, []string{"PARTGEN_FAILPOINT=after-temp-files"}, "generate", "--config", sp, "--as-of", "2026-11-26")
	if err == nil {
		t.Fatalf("the failpoint did not stop the run: %s", out)
	}
	if got := sqlFiles(t, dir); len(got) != 1 {
		t.Fatalf("after the crash the folder has %d .sql files, want only the base: %v", len(got), got)
	}
	checkIntact(t, dir)
	if _, err := partgen(t, nil, "generate", "--config", sp, "--as-of", "2026-11-26"); err != nil {
		t.Fatal(err)
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".partgen-*.tmp")); len(tmps) != 0 {
		t.Errorf("stale temporary files left: %v", tmps)
	}
	clean := exampleFolder(t, "postgres")
	if _, err := partgen(t, nil, "generate", "--config", filepath.Join(clean, "partgen.yaml"), "--as-of", "2026-11-26"); err != nil {
		t.Fatal(err)
	}
	a, b := snapshot(t, dir), snapshot(t, clean)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("after a crash and a rerun the folder differs from a clean run:\n%v\n%v", a, b)
	}
}

// Killing generate at arbitrary moments never leaves a partial migration.
func TestKilledGenerateLeavesWholeFiles(t *testing.T) {
	dir := t.TempDir()
	var sp strings.Builder
	sp.WriteString("version: 1\ndialect: postgres\nmigrations: .\ntables:\n")
	var base strings.Builder
	base.WriteString("-- +goose Up\n")
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&sp, "  - {name: t%02d, key: ts, interval: day, premake: 30, start: 2024-01-01}\n", i)
		fmt.Fprintf(&base, "CREATE TABLE t%02d (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n", i)
	}
	os.WriteFile(filepath.Join(dir, "partgen.yaml"), []byte(sp.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "20240101000000_base.sql"), []byte(base.String()), 0o644)
	for i, delay := range []time.Duration{5, 20, 50, 100, 200, 400, 800} {
		cmd := exec.Command(partgenBin, "generate", "--config", filepath.Join(dir, "partgen.yaml"), "--as-of", fmt.Sprintf("2026-%02d-15", 1+i))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		checkIntact(t, dir)
	}
	// A final clean run completes the folder; a second one writes nothing.
	for i := 0; i < 2; i++ {
		out, err := partgen(t, nil, "generate", "--config", filepath.Join(dir, "partgen.yaml"), "--as-of", "2026-07-15")
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if i == 1 && !strings.Contains(out, "nothing written") {
			t.Fatalf("second run wrote: %s", out)
		}
	}
	checkIntact(t, dir)
}

// Two generate processes at once on one folder leave one consistent set.
func TestConcurrentGenerateWritesOneSet(t *testing.T) {
	for round := 0; round < 5; round++ {
		dir := exampleFolder(t, "sqlite")
		sp := filepath.Join(dir, "partgen.yaml")
		var wg sync.WaitGroup
		outs := make([]string, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = partgen(t, nil, "generate", "--config", sp, "--as-of", "2026-11-26")
			}()
		}
		wg.Wait()
		for i := range 2 {
			if errs[i] != nil {
				t.Fatalf("run %d: %v: %s", i, errs[i], outs[i])
			}
		}
		if n := strings.Count(outs[0]+outs[1], "wrote "); n != 3 {
			t.Fatalf("the two runs wrote %d files together, want 3 (one set):\n%s\n%s", n, outs[0], outs[1])
		}
		if got := sqlFiles(t, dir); len(got) != 4 {
			t.Fatalf("folder has %d .sql files, want 4: %v", len(got), got)
		}
		checkIntact(t, dir)
	}
}

// Two goose processes applying the same generated files at once, with
// goose's session locker, apply each migration exactly once.
func TestConcurrentGooseUpAppliesOnce(t *testing.T) {
	dir := exampleFolder(t, "postgres")
	if out, err := partgen(t, nil, "generate", "--config", filepath.Join(dir, "partgen.yaml"), "--as-of", "2026-11-26"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	_, dsn := testdb.Postgres(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	applied := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			locker, err := lock.NewPostgresSessionLocker()
			if err != nil {
				errs[i] = err
				return
			}
			p, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS(dir), goose.WithSessionLocker(locker), goose.WithLogger(goose.NopLogger()))
			if err != nil {
				errs[i] = err
				return
			}
			res, err := p.Up(ctx)
			applied[i], errs[i] = len(res), err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goose %d: %v", i, err)
		}
	}
	if applied[0]+applied[1] != 4 {
		t.Fatalf("the two runs applied %d + %d migrations, want 4 in all", applied[0], applied[1])
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := testdb.Count(t, db, "SELECT count(*) FROM (SELECT version_id FROM goose_db_version GROUP BY version_id HAVING count(*) > 1) twice"); n != 0 {
		t.Fatal("a version was recorded twice")
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhparent = 'market_data'::regclass"); n != 14 {
		t.Fatalf("market_data has %d partitions, want 14", n)
	}
}
