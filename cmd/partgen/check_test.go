package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partgen/partgen/folder"
)

// checkFolderCopy copies the example PostgreSQL folder (pinned to
// 2026-11-26) into a temporary directory and returns the spec's path.
func checkFolderCopy(t *testing.T, parent string) string {
	t.Helper()
	src := "../../examples/marketdata/migrations/postgres"
	dst := filepath.Join(parent, "migrations")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dst, "partgen.yaml")
}

// writePartgenFile writes a file that looks generated, with a valid
// checksum, creating the given partitions of market_data: "name from to".
func writePartgenFile(t *testing.T, dir, name string, partitions ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(folder.GeneratedLine + "\n--\n-- Written by a test.\n--\n")
	for _, p := range partitions {
		f := strings.Fields(p)
		b.WriteString("-- partgen:partition op=create table=market_data name=" + f[0] + " from=" + f[1] + " to=" + f[2] + "\n")
	}
	b.WriteString("-- partgen:checksum sha256=\n\n-- +goose Up\nSELECT 1;\n\n-- +goose Down\nSELECT 1;\n")
	body := b.String()
	body = strings.Replace(body, "sha256=\n", "sha256="+folder.Checksum([]byte(body))+"\n", 1)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheckPassesOnTheExample(t *testing.T) {
	for _, sp := range []string{examplePGSpec, exampleSQLiteSpec} {
		code, out, errOut := runPartgen(t, "check", "--as-of", "2026-11-26", "--config", sp)
		if code != 0 || !strings.HasPrefix(out, "ok: ") || strings.Count(out, "\n") != 1 || errOut != "" {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", sp, code, out, errOut)
		}
		if !strings.Contains(out, "out-of-order not checked (no --base)") {
			t.Errorf("the summary should say the order rule was skipped: %s", out)
		}
	}
}

func TestCheckShortRunway(t *testing.T) {
	mdFile := "20261126000001_partgen_create_market_data_p2026_01_to_p2027_02.sql"
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		lines []string // each must be in stdout, one problem per line
	}{
		{"a month and a quarter later", []string{"--as-of", "2027-01-15"}, 1, []string{
			mdFile + ": market_data has 1 whole month(s) of partitions after 2027-01, fewer than 3",
			"alert_log has 1 whole quarter(s) of partitions after 2027-Q1, fewer than 2",
		}},
		{"past the last partition", []string{"--as-of", "2027-03-05"}, 1, []string{
			"partgen.yaml: market_data has 0 whole month(s) of partitions after 2027-03, fewer than 3: no partition of it covers the as-of period",
			"alert_log has 1 whole quarter(s) of partitions after 2027-Q1, fewer than 2",
		}},
		{"--runway above premake", []string{"--as-of", "2026-11-26", "--runway", "4"}, 1, []string{
			"market_data has 3 whole month(s) of partitions after 2026-11, fewer than 4",
			"alert_log has 2 whole quarter(s) of partitions after 2026-Q4, fewer than 4",
		}},
		{"--runway 0 in the last month", []string{"--as-of", "2027-02-10", "--runway", "0"}, 0, []string{"ok: "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runPartgen(t, append([]string{"check", "--config", examplePGSpec}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			for _, l := range tc.lines {
				if !strings.Contains(out, l) {
					t.Errorf("stdout lacks %q:\n%s", l, out)
				}
			}
			if tc.code == 1 {
				if n := strings.Count(out, "\n"); n != len(tc.lines) {
					t.Errorf("%d lines, want one per problem (%d):\n%s", n, len(tc.lines), out)
				}
				if !strings.Contains(out, "run partgen generate --config") || !strings.Contains(errOut, "check found") {
					t.Errorf("no fix or no summary on stderr:\n%s\n%s", out, errOut)
				}
			}
		})
	}
}

func TestCheckEditedFile(t *testing.T) {
	sp := checkFolderCopy(t, t.TempDir())
	file := filepath.Join(filepath.Dir(sp), "20261126000002_partgen_create_alert_log_p2026q1_to_p2027q2.sql")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), "SET LOCAL lock_timeout = '5000ms';", "SET LOCAL lock_timeout = '60s';", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runPartgen(t, "check", "--config", sp, "--as-of", "2026-11-26")
	if code != 1 || !strings.Contains(out, file+": partgen file was edited by hand") || strings.Count(out, "\n") != 1 {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// A checksum line removed is an edit too.
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), "-- partgen:checksum", "-- checksum", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runPartgen(t, "check", "--config", sp, "--as-of", "2026-11-26")
	if code != 1 || !strings.Contains(out, "partgen file has no checksum line") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestCheckGapAndOverlap(t *testing.T) {
	t.Run("gap", func(t *testing.T) {
		sp := checkFolderCopy(t, t.TempDir())
		f := writePartgenFile(t, filepath.Dir(sp), "20261127000000_partgen_create_market_data_p2027_04.sql",
			"market_data_p2027_04 2027-04-01T00:00:00Z 2027-05-01T00:00:00Z")
		code, out, _ := runPartgen(t, "check", "--config", sp, "--as-of", "2026-11-26")
		want := f + ": no partition of market_data covers [2027-03-01 00:00:00 +00:00, 2027-04-01 00:00:00 +00:00), between market_data_p2027_02"
		if code != 1 || !strings.Contains(out, want) || strings.Count(out, "\n") != 1 {
			t.Errorf("exit %d, want a line %q:\n%s", code, want, out)
		}
	})
	t.Run("overlap", func(t *testing.T) {
		sp := checkFolderCopy(t, t.TempDir())
		f := writePartgenFile(t, filepath.Dir(sp), "20261127000000_partgen_create_market_data_x.sql",
			"market_data_x 2027-02-15T00:00:00Z 2027-03-15T00:00:00Z")
		code, out, _ := runPartgen(t, "check", "--config", sp, "--as-of", "2026-11-26")
		want := f + ": partition market_data_x [2027-02-15 00:00:00 +00:00, 2027-03-15 00:00:00 +00:00) of market_data overlaps market_data_p2027_02"
		if code != 1 || !strings.Contains(out, want) || strings.Count(out, "\n") != 1 {
			t.Errorf("exit %d, want a line %q:\n%s", code, want, out)
		}
	})
}

// git runs in the test's own repository, never in the project's.
func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=partgen test", "-c", "user.email=test@partgen.invalid", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// A partgen file generated on a branch, while the base branch gained a
// hand-written migration with a later version: once merged, databases that
// have the base applied refuse the partgen file.
func TestCheckOutOfOrderAgainstBase(t *testing.T) {
	repo := t.TempDir()
	sp := checkFolderCopy(t, repo)
	dir := filepath.Dir(sp)
	git(t, repo, "init", "-q")
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("20261201000000_add_index.sql", "-- +goose Up\nCREATE INDEX market_data_volume_idx ON market_data (volume);\n-- +goose Down\nDROP INDEX market_data_volume_idx;\n")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "base")

	late := writePartgenFile(t, dir, "20261127000000_partgen_create_market_data_p2027_03.sql",
		"market_data_p2027_03 2027-03-01T00:00:00Z 2027-04-01T00:00:00Z")

	code, out, errOut := runPartgen(t, "check", "--config", sp, "--as-of", "2026-11-26")
	if code != 0 {
		t.Errorf("without --base the folder is fine (a partgen file below a hand-written one is normal): exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runPartgen(t, "check", "--config", sp, "--as-of", "2026-11-26", "--base", "HEAD")
	want := late + ": version 20261127000000 sorts below 20261201000000_add_index.sql (version 20261201000000) on HEAD"
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "delete "+late+" and run partgen generate") || strings.Count(out, "\n") != 1 {
		t.Errorf("exit %d, want a line %q:\n%s", code, want, out)
	}

	// Once the base has the partgen file, it is applied wherever the base
	// is, and nothing is out of order.
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "partgen")
	code, out, _ = runPartgen(t, "check", "--config", sp, "--as-of", "2026-11-26", "--base", "HEAD")
	if code != 0 || !strings.Contains(out, "no version below HEAD's highest") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// An older base (before the partgen file) whose highest version is
	// below the file's: the file is pending there, but in order.
	code, out, _ = runPartgen(t, "check", "--config", sp, "--as-of", "2026-11-26", "--base", "HEAD~1")
	if code != 1 || !strings.Contains(out, "sorts below 20261201000000_add_index.sql") {
		t.Errorf("HEAD~1 has the later hand-written file: exit %d\n%s", code, out)
	}
}

func TestCheckUsageErrorsExit2(t *testing.T) {
	notRepo := checkFolderCopy(t, t.TempDir())
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"negative runway", []string{"--config", examplePGSpec, "--runway", "-1"}, "--runway -1"},
		{"bad as-of", []string{"--config", examplePGSpec, "--as-of", "2026-02-30"}, "--as-of"},
		{"missing spec", []string{"--config", "nope.yaml"}, "nope.yaml: cannot read the spec"},
		{"unknown ref", []string{"--config", notRepo, "--base", "no-such-branch"}, "--base no-such-branch: not a commit"},
		{"argument", []string{"--config", examplePGSpec, "extra"}, "takes no arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runPartgen(t, append([]string{"check"}, tc.args...)...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want 2; stderr lacks %q:\n%s", code, tc.want, errOut)
			}
		})
	}
	code, out, _ := runPartgen(t, "check", "--help")
	for _, want := range []string{"--runway", "--base", "--as-of", "Out of order is a fact about a database", "run partgen generate again", "Exit codes"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("check --help lacks %q", want)
		}
	}
}

// check --trimmable prints the files folder.Trimmable allows deleting, one
// path a line, and checks nothing (exit 0 even where check would fail).
func TestCheckTrimmable(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "partgen.yaml")
	if err := os.WriteFile(spec, []byte("version: 1\ndialect: postgres\nmigrations: .\ntimezone: UTC\ntables:\n"+
		"  - {name: clicks, key: at, interval: day, premake: 1, start: 2026-01-01, retention: {keep: 2, action: drop}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "20260101000000_base.sql"), []byte("-- +goose Up\n"+
		"CREATE TABLE clicks (id bigint NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for d := 1; d <= 9; d++ {
		if code, _, errOut := runPartgen(t, "generate", "--config", spec, "--as-of", fmt.Sprintf("2026-01-%02d", d)); code != 0 {
			t.Fatalf("generate: exit %d: %s", code, errOut)
		}
	}
	mig, err := folder.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := mig.Trimmable()
	if len(want) < 4 {
		t.Fatalf("only %d trimmable files after 9 daily runs: %v", len(want), want)
	}
	code, out, errOut := runPartgen(t, "check", "--trimmable", "--as-of", "2020-01-01", "--config", spec)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(want) {
		t.Fatalf("printed %q, want %d paths %v", out, len(want), want)
	}
	for i, l := range lines {
		if filepath.Base(l) != want[i] {
			t.Errorf("line %d: %s, want %s", i, l, want[i])
		}
	}
}
