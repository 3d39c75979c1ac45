package generator_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/spec"
)

// casesDir holds one directory per golden case, laid out like sqlc's
// internal/endtoend/testdata:
//
//	<name>/case.yaml      as_of: the dates generate runs for, in order;
//	                      insert: per table, the statement that writes one
//	                      row with the key as its only parameter (the apply
//	                      tests); default_rows: true to park a row in each
//	                      default partition after every run
//	<name>/partgen.yaml   the spec (migrations: .)
//	<name>/*.sql          the hand-written base migrations
//	<name>/want/          every file partgen writes over the runs
//	<name>/error.txt      instead of want/: the error the last run fails
//	                      with ($CASE stands for the case's folder)
//
// TestCases runs every case without a database; `go test ./generator
// -update` rewrites want/ and error.txt for review. TestCasesApply* apply the
// same cases to real PostgreSQL and SQLite.
const casesDir = "../testdata/cases"

type goldenCase struct {
	name string
	dir  string
	// From case.yaml.
	AsOf        []string          `yaml:"as_of"`
	Insert      map[string]string `yaml:"insert"`
	DefaultRows bool              `yaml:"default_rows"`
	// Tablespaces the base migration uses: the PostgreSQL apply test
	// creates them (in directories of their own) before it applies the case.
	Tablespaces []string `yaml:"tablespaces"`
	// SpecAt replaces the spec with another file of the case before the
	// run for that as-of date (a change of interval, say).
	SpecAt map[string]string `yaml:"spec_at"`
}

func loadCases(t *testing.T) []goldenCase {
	t.Helper()
	entries, err := os.ReadDir(casesDir)
	must(t, err)
	var out []goldenCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c := goldenCase{name: e.Name(), dir: filepath.Join(casesDir, e.Name())}
		data, err := os.ReadFile(filepath.Join(c.dir, "case.yaml"))
		must(t, err)
		if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
			t.Fatalf("%s/case.yaml: %v", c.name, err)
		}
		if len(c.AsOf) == 0 {
			t.Fatalf("%s/case.yaml names no as_of date", c.name)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatal("no golden cases")
	}
	return out
}

// workspace copies the case's inputs (spec and base migrations) into a
// fresh folder.
func (c goldenCase) workspace(t *testing.T) *workspace {
	t.Helper()
	w := newWorkspace(t, "", "")
	entries, err := os.ReadDir(c.dir)
	must(t, err)
	for _, e := range entries {
		if e.IsDir() || (e.Name() != "partgen.yaml" && filepath.Ext(e.Name()) != ".sql") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(c.dir, e.Name()))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(w.dir, e.Name()), data, 0o644))
	}
	return w
}

// step plans and writes the files for one as-of date.
func (c goldenCase) step(w *workspace, asOf string) (*generator.Plan, error) {
	d, err := calendar.ParseDate(asOf)
	if err != nil {
		return nil, err
	}
	if file, ok := c.SpecAt[asOf]; ok {
		data, err := os.ReadFile(filepath.Join(c.dir, file))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(w.spec, data, 0o644); err != nil {
			return nil, err
		}
	}
	sp, err := spec.Load(w.spec)
	if err != nil {
		return nil, err
	}
	p, err := generator.Generate(sp, d)
	if err != nil {
		return nil, err
	}
	_, err = p.Write()
	return p, err
}

func TestCases(t *testing.T) {
	for _, c := range loadCases(t) {
		t.Run(c.name, func(t *testing.T) {
			w := c.workspace(t)
			got := map[string][]byte{}
			var runErr error
			for _, asOf := range c.AsOf {
				p, err := c.step(w, asOf)
				if err != nil {
					runErr = err
					break
				}
				for _, f := range p.Files {
					got[f.Name] = f.Body
				}
			}
			errPath := filepath.Join(c.dir, "error.txt")
			if runErr != nil {
				var se *spec.Error
				if !errors.As(runErr, &se) {
					t.Errorf("the error is %T, not a *spec.Error naming the file and fix: %v", runErr, runErr)
				}
				text := strings.ReplaceAll(runErr.Error(), w.dir, "$CASE") + "\n"
				compareFile(t, errPath, []byte(text))
				return
			}
			if _, err := os.Stat(errPath); err == nil {
				t.Fatalf("%s expects an error, but every run succeeded", errPath)
			}
			compareDir(t, filepath.Join(c.dir, "want"), got)
			// Idempotent: the last date again writes nothing.
			if again := w.plan(c.AsOf[len(c.AsOf)-1]); len(again.Files) != 0 {
				t.Errorf("a second run for %s would write %d file(s)", c.AsOf[len(c.AsOf)-1], len(again.Files))
			}
		})
	}
}

func compareFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		must(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./generator -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs; review and run go test ./generator -update\n%s", path, firstDiff(string(want), string(got)))
	}
}

// compareDir compares the files partgen wrote with dir, name by name.
func compareDir(t *testing.T, dir string, got map[string][]byte) {
	t.Helper()
	if *update {
		must(t, os.RemoveAll(dir))
		must(t, os.MkdirAll(dir, 0o755))
		for name, body := range got {
			must(t, os.WriteFile(filepath.Join(dir, name), body, 0o644))
		}
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("%v (run go test ./generator -update to create it)", err)
	}
	want := map[string]bool{}
	for _, e := range entries {
		want[e.Name()] = true
		body, ok := got[e.Name()]
		if !ok {
			t.Errorf("%s/%s was not written", dir, e.Name())
			continue
		}
		compareFile(t, filepath.Join(dir, e.Name()), body)
	}
	var extra []string
	for name := range got {
		if !want[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		t.Errorf("%s was written but is not in %s (run go test ./generator -update)", name, dir)
	}
}
