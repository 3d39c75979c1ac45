package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

const pgBase = `-- +goose Up
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    ts timestamptz NOT NULL,
    payload text
) PARTITION BY RANGE (ts);
CREATE TABLE alerts (raised_at timestamptz NOT NULL, body text) PARTITION BY RANGE (raised_at);

-- +goose Down
DROP TABLE alerts;
DROP TABLE events;
`

const pgSpec = `version: 1
dialect: postgres
migrations: .
timezone: Europe/Berlin
tables:
  - name: events
    key: ts
    interval: month
    premake: 2
    start: 2026-09-01
    retention: { keep: 3, action: detach, drop_after: 1 }
  - name: alerts
    key: raised_at
    interval: week
    premake: 1
    default_partition: true
    retention: { keep: 4, action: drop }
`

const sqliteBase = `-- +goose Up
CREATE TABLE events (
    id INTEGER NOT NULL,
    ts TEXT NOT NULL,
    payload TEXT,
    PRIMARY KEY (id, ts)
);
CREATE INDEX events_ts ON events (ts);

-- +goose Down
DROP TABLE events;
`

const sqliteSpec = `version: 1
dialect: sqlite
migrations: .
tables:
  - name: events
    key: ts
    interval: month
    premake: 2
    start: 2026-10-01
    retention: { keep: 2, action: archive, drop_after: 1 }
`

// specFolder is a goose folder with a spec and a hand-written base migration.
func specFolder(t *testing.T, sp, base string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "partgen.yaml"), sp)
	write(t, filepath.Join(dir, "20260101000000_base.sql"), base)
	return dir
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// cli runs partgen with args and returns the exit code and both outputs.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// snapshot hashes every file below dir (dot files included) by relative path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			out[rel+"/"] = "dir"
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSnapshot(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %s changed or disappeared", what, k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("%s: %s appeared", what, k)
		}
	}
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			t.Fatalf("unexpected folder %s", e.Name())
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dst, e.Name()), string(data))
	}
	return dst
}

// newFiles lists the migrations in after that are not in before.
func newFiles(before, after map[string]string) []string {
	var out []string
	for k := range after {
		if _, ok := before[k]; !ok && strings.HasSuffix(k, ".sql") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

type planned struct {
	name, purpose string
	body          string
}

// parsePlan splits plan's output into files: "==> NAME (PURPOSE)\n" + body,
// with one blank line between files.
func parsePlan(t *testing.T, out string) []planned {
	t.Helper()
	if !strings.HasPrefix(out, "==> ") {
		t.Fatalf("plan output does not start with a file header:\n%s", out)
	}
	var files []planned
	for _, part := range strings.Split(strings.TrimPrefix(out, "==> "), "\n==> ") {
		head, body, ok := strings.Cut(part, "\n")
		if !ok {
			t.Fatalf("header without body: %q", part)
		}
		name, purpose, ok := strings.Cut(head, " (")
		if !ok || !strings.HasSuffix(purpose, ")") {
			t.Fatalf("header %q is not NAME (PURPOSE)", head)
		}
		// The separator's blank line is the newline the split consumed, so
		// each body is intact.
		files = append(files, planned{name, strings.TrimSuffix(purpose, ")"), body})
	}
	return files
}

func TestGenerateWritesThenNothing(t *testing.T) {
	for _, tc := range []struct{ name, spec, base string }{
		{"postgres", pgSpec, pgBase},
		{"sqlite", sqliteSpec, sqliteBase},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := specFolder(t, tc.spec, tc.base)
			sp := filepath.Join(dir, "partgen.yaml")
			before := snapshot(t, dir)

			code, out, errOut := cli(t, "generate", "--config", sp, "--as-of", "2026-11-26")
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if errOut != "" {
				t.Errorf("stderr: %s", errOut)
			}
			after := snapshot(t, dir)
			written := newFiles(before, after)
			if len(written) == 0 {
				t.Fatalf("no file written; stdout:\n%s", out)
			}
			for _, f := range written {
				if !strings.HasPrefix(f, "20261126") || !strings.Contains(f, "_partgen_") {
					t.Errorf("file %s: want the as-of date's version and a partgen name", f)
				}
				if !strings.Contains(out, "wrote "+filepath.Join(dir, f)+"\n") {
					t.Errorf("stdout does not name %s:\n%s", f, out)
				}
				data, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(string(data), "-- Code generated by partgen. DO NOT EDIT.\n") {
					t.Errorf("%s does not open with the generated line", f)
				}
			}
			if got := strings.Count(out, "wrote "); got != len(written) {
				t.Errorf("stdout reports %d files, the folder has %d new ones:\n%s", got, len(written), out)
			}
			for k := range after {
				if strings.HasSuffix(k, ".tmp") {
					t.Errorf("temporary file %s left behind", k)
				}
			}

			// Same spec, folder and date: nothing to do, not one byte changed.
			code, out, errOut = cli(t, "generate", "--config", sp, "--as-of", "2026-11-26")
			if code != 0 || errOut != "" {
				t.Fatalf("second run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if !strings.Contains(out, "nothing written") || !strings.Contains(out, "2026-11-26") {
				t.Errorf("second run says:\n%s", out)
			}
			sameSnapshot(t, "second run", after, snapshot(t, dir))

			// plan agrees that there is nothing to do.
			code, out, _ = cli(t, "plan", "--config", sp, "--as-of", "2026-11-26")
			if code != 0 || !strings.Contains(out, "generate would write nothing") {
				t.Errorf("plan on an up-to-date folder: exit %d\n%s", code, out)
			}
		})
	}
}

// plan prints exactly the bytes generate writes, and writes nothing, at every
// step of a folder's life (creation, then retention and purge months later).
func TestPlanPrintsWhatGenerateWrites(t *testing.T) {
	for _, tc := range []struct {
		name, spec, base string
		ops              []string
	}{
		{"postgres", pgSpec, pgBase, []string{"create", "detach", "purge", "drop"}},
		{"sqlite", sqliteSpec, sqliteBase, []string{"create", "archive", "purge"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := specFolder(t, tc.spec, tc.base)
			var all []string
			for _, asOf := range []string{"2026-11-26", "2027-02-03", "2027-05-31"} {
				fresh := copyDir(t, dir) // plan sees the folder as generate is about to
				freshBefore := snapshot(t, fresh)

				code, planOut, errOut := cli(t, "plan", "-c", filepath.Join(fresh, "partgen.yaml"), "--as-of", asOf)
				if code != 0 {
					t.Fatalf("plan %s: exit %d\n%s", asOf, code, errOut)
				}
				sameSnapshot(t, "plan "+asOf, freshBefore, snapshot(t, fresh))
				code, names, _ := cli(t, "plan", "--names", "-c", filepath.Join(fresh, "partgen.yaml"), "--as-of", asOf)
				if code != 0 {
					t.Fatalf("plan --names %s: exit %d", asOf, code)
				}

				before := snapshot(t, dir)
				code, genOut, errOut := cli(t, "generate", "--config", filepath.Join(dir, "partgen.yaml"), "--as-of", asOf)
				if code != 0 {
					t.Fatalf("generate %s: exit %d\n%s", asOf, code, errOut)
				}
				written := newFiles(before, snapshot(t, dir))
				all = append(all, written...)

				files := parsePlan(t, planOut)
				if len(files) != len(written) {
					t.Fatalf("as of %s plan shows %d files, generate wrote %d\nplan:\n%s\ngenerate:\n%s", asOf, len(files), len(written), planOut, genOut)
				}
				nameLines := strings.Split(strings.TrimSuffix(names, "\n"), "\n")
				if len(nameLines) != len(files) {
					t.Errorf("plan --names lists %d lines for %d files:\n%s", len(nameLines), len(files), names)
				}
				for i, f := range files {
					if f.name != written[i] {
						t.Errorf("as of %s file %d: plan names %s, generate wrote %s", asOf, i, f.name, written[i])
						continue
					}
					data, err := os.ReadFile(filepath.Join(dir, f.name))
					if err != nil {
						t.Fatal(err)
					}
					if f.body != string(data) {
						t.Errorf("as of %s, %s: plan's text differs from the written file\nplan:\n%s\nfile:\n%s", asOf, f.name, f.body, data)
					}
					if !strings.Contains(genOut, f.purpose) {
						t.Errorf("generate does not print the purpose %q", f.purpose)
					}
					if i < len(nameLines) && nameLines[i] != f.name+"\t"+f.purpose {
						t.Errorf("plan --names line %q, want %q", nameLines[i], f.name+"\t"+f.purpose)
					}
				}
			}
			// The steps covered creation, retirement and the later purge.
			for _, op := range tc.ops {
				found := false
				for _, f := range all {
					found = found || strings.Contains(f, "_partgen_"+op+"_")
				}
				if !found {
					t.Errorf("no %s file among %v", op, all)
				}
			}
		})
	}
}

func TestInvalidSpecExits2AndWritesNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec string
		pos  string // file:line:column suffix expected in stderr
		msg  string
	}{
		{"wrong type", strings.Replace(pgSpec, "premake: 2", "premake: two", 1), "partgen.yaml:9:14: ", "premake must be a whole number"},
		{"unknown key", strings.Replace(pgSpec, "    premake: 1\n", "    premake: 1\n    prmake: 1\n", 1), "partgen.yaml:16:5: ", `unknown field "prmake"`},
		{"hostile name", strings.Replace(pgSpec, "name: alerts", "name: alerts; DROP TABLE events", 1), "partgen.yaml:12:11: ", "not a plain SQL identifier"},
		{"bad zone", strings.Replace(pgSpec, "Europe/Berlin", "Mars/Olympus", 1), "partgen.yaml:4:11: ", "does not load"},
		{"retention", strings.Replace(pgSpec, "keep: 3", "keep: 0", 1), "partgen.yaml:11:24: ", "keep is 0"},
		{"yaml syntax", pgSpec + "  - name: [\n", "partgen.yaml:18:11: ", "not found"},
	} {
		for _, cmd := range []string{"generate", "plan"} {
			t.Run(tc.name+"/"+cmd, func(t *testing.T) {
				dir := specFolder(t, tc.spec, pgBase)
				before := snapshot(t, dir)
				sp := filepath.Join(dir, "partgen.yaml")
				code, out, errOut := cli(t, cmd, "--config", sp, "--as-of", "2026-11-26")
				if code != 2 {
					t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
				}
				if !strings.Contains(errOut, dir+string(filepath.Separator)+tc.pos) || !strings.Contains(errOut, tc.msg) {
					t.Errorf("stderr does not say %s...%s:\n%s", tc.pos, tc.msg, errOut)
				}
				if !strings.Contains(errOut, "\n  fix: ") {
					t.Errorf("stderr has no fix:\n%s", errOut)
				}
				if out != "" {
					t.Errorf("stdout: %s", out)
				}
				sameSnapshot(t, cmd+" with an invalid spec", before, snapshot(t, dir))
			})
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := specFolder(t, pgSpec, pgBase)
	sp := filepath.Join(dir, "partgen.yaml")
	noFolder := t.TempDir()
	write(t, filepath.Join(noFolder, "partgen.yaml"), strings.Replace(pgSpec, "migrations: .", "migrations: db", 1))
	before := snapshot(t, dir)
	for _, tc := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"bad as-of", []string{"--config", sp, "--as-of", "2026-13-01"}, `--as-of: "2026-13-01" is not a date`},
		{"as-of with a time", []string{"--config", sp, "--as-of", "2026-11-26T10:00:00Z"}, "--as-of"},
		{"as-of empty-ish", []string{"--config", sp, "--as-of", "tomorrow"}, "--as-of"},
		{"unknown flag", []string{"--config", sp, "--as-of", "2026-11-26", "--force"}, "unknown flag: --force"},
		{"unknown shorthand", []string{"-x"}, "unknown shorthand flag"},
		{"flag without value", []string{"--config"}, "flag needs an argument"},
		{"extra argument", []string{"--config", sp, "--as-of", "2026-11-26", "now"}, "takes no arguments"},
		{"missing config", []string{"--config", filepath.Join(dir, "nope.yaml"), "--as-of", "2026-11-26"}, "nope.yaml: cannot read the spec"},
		{"missing migrations folder", []string{"--config", filepath.Join(noFolder, "partgen.yaml"), "--as-of", "2026-11-26"}, "the migrations folder does not exist"},
	} {
		for _, cmd := range []string{"generate", "plan"} {
			t.Run(tc.name+"/"+cmd, func(t *testing.T) {
				code, out, errOut := cli(t, append([]string{cmd}, tc.args...)...)
				if code != 2 {
					t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
				}
				if !strings.Contains(errOut, tc.want) {
					t.Errorf("stderr does not contain %q:\n%s", tc.want, errOut)
				}
				if !strings.HasPrefix(errOut, "partgen: ") {
					t.Errorf("stderr does not start with partgen: %q", errOut)
				}
			})
		}
	}
	sameSnapshot(t, "usage errors", before, snapshot(t, dir))
	if _, err := os.Stat(filepath.Join(noFolder, "db")); !os.IsNotExist(err) {
		t.Errorf("the missing migrations folder was created: %v", err)
	}
}

func TestUnknownCommandExits2(t *testing.T) {
	code, out, errOut := cli(t, "generat", "--as-of", "2026-11-26")
	if code != 2 || !strings.Contains(errOut, `unknown command "generat"`) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "generate") {
		t.Errorf("no suggestion: %s", errOut)
	}
}

// Without --config, partgen reads ./partgen.yaml; none here.
func TestDefaultConfigIsInTheWorkingDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	code, _, errOut := cli(t, "plan", "--as-of", "2026-11-26")
	if code != 2 || !strings.Contains(errOut, "partgen.yaml: cannot read the spec") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	write(t, "partgen.yaml", pgSpec)
	write(t, "20260101000000_base.sql", pgBase)
	code, out, errOut := cli(t, "generate", "--as-of", "2026-11-26")
	if code != 0 || !strings.Contains(out, "wrote 20261126000000_partgen_") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"generate", "plan", "Exit codes"}},
		{[]string{"help"}, []string{"generate", "plan"}},
		{[]string{"generate", "--help"}, []string{"--config", "--as-of", "-c,", "YYYY-MM-DD", "partgen generate"}},
		{[]string{"generate", "-h"}, []string{"--config", "--as-of"}},
		{[]string{"plan", "--help"}, []string{"--config", "--as-of", "--names", "partgen plan"}},
		{[]string{"help", "plan"}, []string{"--names"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := cli(t, tc.args...)
			if code != 0 {
				t.Errorf("exit %d\n%s", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("help does not mention %q:\n%s", w, out)
				}
			}
		})
	}
}

// The one test that reads the clock: without --as-of, generate plans for
// today in the spec's zone (UTC here), so the files carry today's version.
func TestGenerateWithoutAsOfUsesToday(t *testing.T) {
	sp := strings.Replace(pgSpec, "Europe/Berlin", "UTC", 1)
	sp = strings.Replace(sp, "    start: 2026-09-01\n", "", 1)
	dir := specFolder(t, sp, pgBase)
	// A base version far in the past, so today's midnight is the next version.
	if err := os.Rename(filepath.Join(dir, "20260101000000_base.sql"), filepath.Join(dir, "20000101000000_base.sql")); err != nil {
		t.Fatal(err)
	}
	day0 := time.Now().UTC().Format("20060102")
	code, out, errOut := cli(t, "generate", "--config", filepath.Join(dir, "partgen.yaml"))
	day1 := time.Now().UTC().Format("20060102")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, string(filepath.Separator)+day0+"000000_partgen_") && !strings.Contains(out, string(filepath.Separator)+day1+"000000_partgen_") {
		t.Errorf("want files versioned %s000000 (today), got:\n%s", day0, out)
	}
	month := time.Now().UTC().Format("p2006_01")
	if !strings.Contains(out, "events_"+month) {
		t.Errorf("want the current month's partition events_%s, got:\n%s", month, out)
	}
}

// A goose folder partgen cannot use is reported with the file (and line)
// and exit 2, and the folder is left as it was.
func TestBadFolderExits2(t *testing.T) {
	brokenMarker := "-- Code generated by partgen. DO NOT EDIT.\n--\n-- partgen:partition op=create table=events name=events_p2026_11 from=2026-11-01 to=soon\n-- +goose Up\nSELECT 1;\n"
	for _, tc := range []struct {
		name  string
		spec  string
		base  string
		extra map[string]string
		want  string
	}{
		{"broken partgen marker", pgSpec, pgBase, map[string]string{"20261101000000_partgen_create_events.sql": brokenMarker},
			"20261101000000_partgen_create_events.sql:3:1: unreadable partgen marker"},
		{"duplicate version", pgSpec, pgBase, map[string]string{"20260101000000_again.sql": "-- +goose Up\nSELECT 1;\n"},
			"version 20260101000000 is also used by"},
		{"sqlite migration that does not run", sqliteSpec, sqliteBase, map[string]string{"20260102000000_broken.sql": "-- +goose Up\nCREATE TABLE oops (;\n"},
			"20260102000000_broken.sql: replaying the migrations into an in-memory SQLite failed"},
		{"sqlite table never created", strings.Replace(sqliteSpec, "name: events", "name: evnts", 1), sqliteBase, nil,
			"the migrations never create table evnts"},
	} {
		for _, cmd := range []string{"generate", "plan"} {
			t.Run(tc.name+"/"+cmd, func(t *testing.T) {
				dir := specFolder(t, tc.spec, tc.base)
				for name, body := range tc.extra {
					write(t, filepath.Join(dir, name), body)
				}
				before := snapshot(t, dir)
				code, out, errOut := cli(t, cmd, "--config", filepath.Join(dir, "partgen.yaml"), "--as-of", "2026-11-26")
				if code != 2 || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "fix: ") {
					t.Errorf("exit %d, want 2 and %q with a fix\nstdout:\n%s\nstderr:\n%s", code, tc.want, out, errOut)
				}
				sameSnapshot(t, tc.name, before, snapshot(t, dir))
			})
		}
	}
}
