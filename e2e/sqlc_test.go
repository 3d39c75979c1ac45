package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the committed sqlc output of internal/sqlcuser")

// The pinned sqlc on a user's goose folders (internal/sqlcuser: its own
// tables, queries and sqlc.yaml whose schema is each folder), after partgen
// wrote its files at three as-of dates: the first files (creation, and on
// SQLite the conversion), then retirements (archive and drop), then the
// purge of the archived partitions. After each, sqlc compiles on both
// engines and its Go is byte for byte what is committed: one model per
// partitioned table (PostgreSQL: the parent; SQLite: the view, with the
// user's column types) and the plain table, and nothing per partition,
// default, archived or purged table, and partgen_archive_log, whose file is
// the first of the folder's first run (PostgreSQL's models, without
// omit_unused_structs, hold it at every step). The committed Go is built by
// the module's own build (go vet ./... compiles it).
func TestSqlcOnAUsersFolder(t *testing.T) {
	root := repoRoot(t)
	src := filepath.Join(root, "internal", "sqlcuser")
	work := t.TempDir()
	for _, f := range []string{"sqlc.yaml", "postgres/queries.sql", "sqlite/queries.sql",
		"postgres/migrations/partgen.yaml", "postgres/migrations/20260101000000_create_tables.sql",
		"sqlite/migrations/partgen.yaml", "sqlite/migrations/20260101000000_create_tables.sql"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(work, f), string(data))
	}
	partition := regexp.MustCompile(`(?i)(logins|page_views|pageviews?)_?(p\d{4}|default)|Old[A-Z]|old_`)
	for _, step := range []struct{ asOf, writes string }{
		{"2026-11-26", "_partgen_create_"},
		{"2027-02-10", "_partgen_archive_logins_p2026_"},
		{"2027-04-10", "_partgen_purge_logins_p2026_"},
	} {
		for _, engine := range []string{"postgres", "sqlite"} {
			out, err := partgen(t, nil, "generate", "--config", filepath.Join(work, engine, "migrations", "partgen.yaml"), "--as-of", step.asOf)
			if err != nil || !strings.Contains(out, step.writes) {
				t.Fatalf("%s: partgen generate --as-of %s: %v, want a file %s*\n%s", engine, step.asOf, err, step.writes, out)
			}
		}
		runIn(t, root, os.Environ(), "go", "-C", "tools", "tool", "sqlc", "generate", "-f", filepath.Join(work, "sqlc.yaml"))
		for _, pkg := range []string{"pgdb", "sqlitedb"} {
			got := readDir(t, filepath.Join(work, pkg))
			if *update && step.asOf == "2027-04-10" {
				for name, body := range got {
					writeFile(t, filepath.Join(src, pkg, name), body)
				}
			}
			want := readDir(t, filepath.Join(src, pkg))
			models := []string{"Account", "Login", "PageView"}
			if pkg == "pgdb" {
				// partgen_archive_log's file is the first of the folder's
				// first run: the model is there from the start.
				models = append(models, "PartgenArchiveLog")
			}
			for name, body := range want {
				if got[name] != body {
					t.Errorf("as of %s, sqlc's %s/%s differs from the committed one (go test ./e2e -run TestSqlcOnAUsersFolder -update rewrites it):\n%s",
						step.asOf, pkg, name, firstDifference(body, got[name]))
				}
			}
			for name, body := range got {
				if _, ok := want[name]; !ok {
					t.Errorf("as of %s, sqlc wrote %s/%s, which is not committed", step.asOf, pkg, name)
				}
				if m := partition.FindString(body); m != "" {
					t.Errorf("as of %s, %s/%s names a partition or archived table: %s", step.asOf, pkg, name, m)
				}
			}
			var names []string
			for _, m := range regexp.MustCompile(`(?m)^type (\w+) struct`).FindAllStringSubmatch(got["models.go"], -1) {
				names = append(names, m[1])
			}
			if strings.Join(names, " ") != strings.Join(models, " ") {
				t.Errorf("as of %s, %s models: %v, want %v", step.asOf, pkg, names, models)
			}
		}
	}
	if strings.Count(readDir(t, filepath.Join(src, "sqlitedb"))["models.go"], "time.Time") != 2 {
		t.Error("sqlitedb's models lost the user's DATETIME columns (time.Time)")
	}
}

func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(data)
	}
	return out
}

func firstDifference(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  committed: " + w + "\n  sqlc:      " + g
		}
	}
	return ""
}
