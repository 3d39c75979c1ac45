package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// A Go service of its own, outside partgen's module, that uses partgen the
// way README's "Install" says: a tool of its module, called through go
// generate and go tool. Its tables are its own (orders, page_views), on
// both engines.

const svcPostgresBase = `-- +goose Up
CREATE TABLE orders (
    id bigint NOT NULL,
    created_at timestamptz NOT NULL,
    total_cents bigint NOT NULL
) PARTITION BY RANGE (created_at);
CREATE TABLE page_views (viewed_at timestamptz NOT NULL, path text NOT NULL) PARTITION BY RANGE (viewed_at);

-- +goose Down
DROP TABLE page_views;
DROP TABLE orders;
`

const svcSQLiteBase = `-- +goose Up
CREATE TABLE orders (
    id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    PRIMARY KEY (id, created_at)
);
CREATE TABLE page_views (viewed_at TEXT NOT NULL, path TEXT NOT NULL);

-- +goose Down
DROP TABLE page_views;
DROP TABLE orders;
`

// svcSpec is the service's spec for an engine; the modeline points editors
// at the published schema.
func svcSpec(dialect string) string {
	extra := ""
	if dialect == "postgres" {
		extra = "      archive_schema: archive\n"
	}
	return `# yaml-language-server: $schema=https://raw.githubusercontent.com/partgen/partgen/main/schema/partgen.schema.json
version: 1
dialect: ` + dialect + `
migrations: .
tables:
  - name: orders
    key: created_at
    interval: month
    premake: 2
    start: 2026-09-01
    retention:
      keep: 12
      action: archive
` + extra + `  - name: page_views
    key: viewed_at
    interval: day
    premake: 7
    start: 2026-11-20
    retention: { keep: 30, action: drop }
`
}

// svcGenerate is the service's go:generate file: the date is pinned, so go
// generate gives the same files on every day (README, "Pinned dates"). The
// directive is spelt in two pieces so that go generate in partgen's own
// module does not take these lines for its own.
const svcGenerate = "// Package db holds the service's goose migrations.\npackage db\n\n" +
	"//go:" + "generate go tool partgen generate --config postgres/partgen.yaml --as-of 2026-11-26\n" +
	"//go:" + "generate go tool partgen generate --config sqlite/partgen.yaml --as-of 2026-11-26\n"

// repoRoot is partgen's checkout (the e2e package's parent).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// newService writes the service module into dir: go.mod with a replace of
// partgen's module by this checkout (partgen is not fetched from the
// network), go.sum seeded from partgen's so no checksum database is asked,
// the specs and base migrations, and the go:generate file.
func newService(t *testing.T, dir string) {
	t.Helper()
	root := repoRoot(t)
	warmModuleCache(t, root)
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go \S+$`).Find(gomod)
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/svc\n\n"+string(goLine)+"\n\nreplace github.com/partgen/partgen => "+root+"\n")
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "go.sum"), string(sum))
	writeFile(t, filepath.Join(dir, "db", "db.go"), svcGenerate)
	writeFile(t, filepath.Join(dir, "db", "postgres", "partgen.yaml"), svcSpec("postgres"))
	writeFile(t, filepath.Join(dir, "db", "postgres", "20260101000000_create_tables.sql"), svcPostgresBase)
	writeFile(t, filepath.Join(dir, "db", "sqlite", "partgen.yaml"), svcSpec("sqlite"))
	writeFile(t, filepath.Join(dir, "db", "sqlite", "20260101000000_create_tables.sql"), svcSQLiteBase)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	warmOnce sync.Once
	warmOut  string
	warmErr  error
)

// warmModuleCache loads partgen's whole module graph into the module cache
// once, through the user's module proxy: a new module's go get reads the
// go.mod of every module in partgen's unpruned graph (jackc/pgpassfile's
// go.mod names no go version, so its requirements, testify v1.3.0 among
// them, are read too), and building partgen alone never fetches them. On a
// fresh machine the services below (GOPROXY=off) fail without it.
func warmModuleCache(t *testing.T, root string) {
	t.Helper()
	warmOnce.Do(func() {
		cmd := exec.Command("go", "list", "-m", "all")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		warmOut, warmErr = string(out), err
	})
	if warmErr != nil {
		t.Fatalf("go list -m all in %s (loads partgen's module graph into the cache): %v\n%s", root, warmErr, warmOut)
	}
}

// goEnv is the environment of the go command in the service: no module
// proxy (the module cache holds partgen's dependencies, the replace gives
// partgen), no workspace, this toolchain.
func goEnv(extra ...string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOFLAGS", "GOPROXY", "GOWORK", "GOTOOLCHAIN", "CGO_CFLAGS", "CGO_ENABLED":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	return append(env, extra...)
}

// run runs a command in dir and returns its combined output; it fails the
// test on a non-zero exit unless allowFail.
func runIn(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := runMaybe(dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func runMaybe(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// The README's install path, end to end, in a module that is not partgen's:
// go get -tool, go generate ./... through go tool partgen, a second go
// generate that changes nothing, go tool partgen check and version, and
// go install of the version go.mod pins.
func TestInstallAsGoTool(t *testing.T) {
	svc := t.TempDir()
	newService(t, svc)
	env := goEnv()
	runIn(t, svc, env, "go", "get", "-tool", "github.com/partgen/partgen/cmd/partgen")
	gomod, _ := os.ReadFile(filepath.Join(svc, "go.mod"))
	if !strings.Contains(string(gomod), "tool github.com/partgen/partgen/cmd/partgen") {
		t.Fatalf("go get -tool did not add the tool directive:\n%s", gomod)
	}

	out := runIn(t, svc, env, "go", "generate", "./...")
	for _, engine := range []string{"postgres", "sqlite"} {
		dir := filepath.Join(svc, "db", engine)
		files := sqlFiles(t, dir)
		names := strings.Join(files, "\n")
		for _, want := range []string{"20261126000001_partgen_create_orders_p2026_09_to_p2027_01.sql", "_partgen_create_page_views_p2026_11_20_to_p2026_12_03.sql"} {
			if !strings.Contains(names, want) {
				t.Errorf("%s: no file *%s after go generate:\n%s\n%s", engine, want, names, out)
			}
		}
		before := snapshot(t, dir)
		runIn(t, svc, env, "go", "generate", "./...")
		if after := snapshot(t, dir); len(after) != len(before) {
			t.Errorf("%s: a second go generate with the pinned date changed the folder", engine)
		} else {
			for k, v := range before {
				if after[k] != v {
					t.Errorf("%s: a second go generate rewrote %s", engine, k)
				}
			}
		}
		out := runIn(t, svc, env, "go", "tool", "partgen", "check", "--config", filepath.Join("db", engine, "partgen.yaml"), "--as-of", "2026-11-26")
		if !strings.HasPrefix(out, "ok: ") || !strings.Contains(out, "2 table(s)") {
			t.Errorf("%s: go tool partgen check:\n%s", engine, out)
		}
	}

	out = runIn(t, svc, env, "go", "tool", "partgen", "version")
	if !strings.Contains(out, "module:   github.com/partgen/partgen v0.0.0-00010101000000-000000000000 => "+repoRoot(t)) {
		t.Errorf("go tool partgen version does not name the replaced module:\n%s", out)
	}

	gobin := t.TempDir()
	runIn(t, svc, goEnv("GOBIN="+gobin), "go", "install", "github.com/partgen/partgen/cmd/partgen")
	out = runIn(t, svc, env, filepath.Join(gobin, "partgen"), "--version")
	if !strings.HasPrefix(out, "partgen v0.0.0-00010101000000-000000000000\n") {
		t.Errorf("go install gave a binary that says:\n%s", out)
	}
}

// SQLite partition sizes need SQLite's dbstat table compiled into
// go-sqlite3. go tool takes no -tags (and ignores GOFLAGS=-tags), but it
// honours CGO_CFLAGS, which reaches go-sqlite3's copy of SQLite: README,
// "SQLite sizes", says so; this pins both halves.
func TestDBStatThroughGoTool(t *testing.T) {
	svc := t.TempDir()
	newService(t, svc)
	runIn(t, svc, goEnv(), "go", "get", "-tool", "github.com/partgen/partgen/cmd/partgen")
	for _, tc := range []struct {
		name   string
		env    []string
		dbstat bool
	}{
		{"plain", goEnv(), false},
		{"GOFLAGS -tags is ignored by go tool", append(goEnv(), "GOFLAGS=-mod=mod -tags=sqlite_dbstat"), false},
		{"CGO_CFLAGS reaches SQLite", goEnv("CGO_CFLAGS=-O2 -g -DSQLITE_ENABLE_DBSTAT_VTAB"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := runIn(t, svc, tc.env, "go", "tool", "partgen", "version")
			if got := strings.Contains(out, "dbstat compiled in"); got != tc.dbstat {
				t.Errorf("dbstat compiled in: %v, want %v\n%s", got, tc.dbstat, out)
			}
		})
	}
}
