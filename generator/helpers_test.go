package generator_test

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files (testdata/cases/*/want, error.txt) from the current output")

// workspace is a spec and its goose folder in a temporary directory.
type workspace struct {
	t    *testing.T
	dir  string // the goose folder; the spec lives in it
	spec string
}

func newWorkspace(t *testing.T, specText, base string) *workspace {
	t.Helper()
	dir := t.TempDir()
	w := &workspace{t: t, dir: dir, spec: filepath.Join(dir, "partgen.yaml")}
	must(t, os.WriteFile(w.spec, []byte(specText), 0o644))
	if base != "" {
		must(t, os.WriteFile(filepath.Join(dir, "20260101000000_base.sql"), []byte(base), 0o644))
	}
	return w
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (w *workspace) loadSpec() *spec.Spec {
	w.t.Helper()
	s, err := spec.Load(w.spec)
	must(w.t, err)
	return s
}

// plan computes the files for asOf without writing them.
func (w *workspace) plan(asOf string) *generator.Plan {
	w.t.Helper()
	d, err := calendar.ParseDate(asOf)
	must(w.t, err)
	p, err := generator.Generate(w.loadSpec(), d)
	if err != nil {
		w.t.Fatalf("generate as of %s: %v", asOf, err)
	}
	return p
}

// generate writes the files for asOf and returns them.
func (w *workspace) generate(asOf string) *generator.Plan {
	w.t.Helper()
	p := w.plan(asOf)
	if _, err := p.Write(); err != nil {
		w.t.Fatalf("write: %v", err)
	}
	return p
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + itoa(i+1) + ":\n  golden: " + x + "\n  actual: " + y
		}
	}
	return ""
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(b[n:])
}

// provider opens goose on the workspace's folder.
func (w *workspace) provider(db *sql.DB, dialect goose.Dialect, opts ...goose.ProviderOption) *goose.Provider {
	w.t.Helper()
	p, err := goose.NewProvider(dialect, db, os.DirFS(w.dir), append([]goose.ProviderOption{goose.WithLogger(goose.NopLogger())}, opts...)...)
	must(w.t, err)
	return p
}

func (w *workspace) up(db *sql.DB, dialect goose.Dialect) {
	w.t.Helper()
	if _, err := w.provider(db, dialect).Up(context.Background()); err != nil {
		w.t.Fatalf("goose up: %v", err)
	}
}

// tableFiles leaves out the file that creates partgen_archive_log (the
// first of a folder's first run): the files that name partitions.
func tableFiles(files []generator.File) []generator.File {
	var out []generator.File
	for _, f := range files {
		if !strings.HasSuffix(f.Name, "_partgen_archive_log.sql") {
			out = append(out, f)
		}
	}
	return out
}
