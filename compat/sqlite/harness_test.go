package sqlitecompat_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // "sqlite3": the bundled 3.34.0, or the system library with -tags libsqlite3
	"github.com/pressly/goose/v3"
)

// partgenBin is the partgen binary built from the repository root.
var (
	partgenBin string
	repoRoot   string
)

func TestMain(m *testing.M) {
	root, err := findRepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	repoRoot = root
	dir, err := os.MkdirTemp("", "partgen-compat-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	partgenBin = filepath.Join(dir, "partgen")
	// The main module with its own go.mod (and its own go-sqlite3): only
	// the binary's output, SQL files, reaches the SQLite under test.
	build := exec.Command("go", "build", "-C", root, "-o", partgenBin, "./cmd/partgen")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build partgen:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// findRepoRoot walks up from the working directory to the main module.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if f, err := os.Open(filepath.Join(dir, "go.mod")); err == nil {
			first, _ := bufio.NewReader(f).ReadString('\n')
			f.Close()
			if strings.TrimSpace(first) == "module github.com/partgen/partgen" {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the partgen repository root (go.mod of github.com/partgen/partgen) above the working directory")
		}
		dir = parent
	}
}

// The user's side of the scenario: three tables of their own, made by their
// own goose migration, and partgen.yaml beside it.
const spec = `version: 1
dialect: sqlite
migrations: .
timezone: UTC
tables:
  - name: audit_events       # a default partition that must stay clean, and plain drops
    key: at
    interval: month
    premake: 1
    start: 2026-10-01
    default_partition: true
    on_default_rows: fail
    retention: { keep: 3, action: drop }
  - name: logins             # no default: a key outside every range is refused
    key: ts
    interval: month
    premake: 2
    start: 2026-09-01
    retention: { keep: 4, action: archive, archive_schema: archive, drop_after: 1 }
  - name: sessions           # a default whose rows move into new partitions
    key: started_at
    interval: quarter
    premake: 1
    start: 2026-07-01
    default_partition: true
    on_default_rows: move
    retention: { keep: 2, action: detach, drop_after: 1 }
`

const baseVersion = 20260101000000

const baseMigration = `-- +goose Up
CREATE TABLE logins (
    user_id INTEGER   NOT NULL,
    ts      TIMESTAMP NOT NULL,
    ip      TEXT      NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, ts)
);
CREATE INDEX logins_ts_idx ON logins (ts);
CREATE TABLE sessions (
    id         INTEGER NOT NULL,
    started_at TEXT    NOT NULL,
    user_id    INTEGER NOT NULL,
    PRIMARY KEY (id, started_at)
);
CREATE UNIQUE INDEX sessions_user_start ON sessions (user_id, started_at);
CREATE TABLE audit_events (
    id   INTEGER NOT NULL,
    at   TEXT    NOT NULL,
    what TEXT    NOT NULL CHECK (what <> ''),
    PRIMARY KEY (id, at)
);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE sessions;
DROP TABLE logins;
`

// families are the user's tables; every partition, default, detached or
// archived table of one starts with its name (archived: archive_<name>).
var families = []string{"audit_events", "logins", "sessions"}

type workspace struct {
	t      *testing.T
	dir    string // the goose folder
	dbPath string
	db     *sql.DB
}

func newWorkspace(t *testing.T) *workspace {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "partgen.yaml"), spec)
	writeFile(t, filepath.Join(dir, fmt.Sprintf("%d_create_app_tables.sql", baseVersion)), baseMigration)
	dbPath := filepath.Join(t.TempDir(), "app.db")
	db, err := sql.Open("sqlite3", "file:"+dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &workspace{t: t, dir: dir, dbPath: dbPath, db: db}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// generate runs `partgen generate` for an as-of date and returns the names
// of the files it wrote.
func (w *workspace) generate(asOf string) []string {
	w.t.Helper()
	before := w.sqlFiles()
	cmd := exec.Command(partgenBin, "generate", "--config", filepath.Join(w.dir, "partgen.yaml"), "--as-of", asOf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		w.t.Fatalf("partgen generate --as-of %s: %v\n%s", asOf, err, out.String())
	}
	var added []string
	for _, f := range w.sqlFiles() {
		if !contains(before, f) {
			added = append(added, f)
		}
	}
	if len(added) == 0 {
		w.t.Fatalf("partgen generate --as-of %s wrote nothing:\n%s", asOf, out.String())
	}
	return added
}

func (w *workspace) sqlFiles() []string {
	w.t.Helper()
	m, err := filepath.Glob(filepath.Join(w.dir, "*.sql"))
	if err != nil {
		w.t.Fatal(err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	sort.Strings(m)
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// provider sees the folder as it is now; goose reads the sources once.
func (w *workspace) provider() *goose.Provider {
	w.t.Helper()
	p, err := goose.NewProvider(goose.DialectSQLite3, w.db, os.DirFS(w.dir), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *workspace) up() error {
	_, err := w.provider().Up(context.Background())
	return err
}

func (w *workspace) mustUp() {
	w.t.Helper()
	if err := w.up(); err != nil {
		w.t.Fatalf("goose up: %v", err)
	}
}

func (w *workspace) version() int64 {
	w.t.Helper()
	v, err := w.provider().GetDBVersion(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

func (w *workspace) exec(query string, args ...any) {
	w.t.Helper()
	if _, err := w.db.Exec(query, args...); err != nil {
		w.t.Fatalf("%s %v: %v", query, args, err)
	}
}

// mustFail runs a statement that partgen's SQL must refuse and checks that
// the message says every fragment.
func (w *workspace) mustFail(query string, args []any, fragments ...string) {
	w.t.Helper()
	_, err := w.db.Exec(query, args...)
	if err == nil {
		w.t.Fatalf("%s %v succeeded; want an error saying %q", query, args, fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			w.t.Errorf("%s %v: error %q does not say %q", query, args, err, f)
		}
	}
}

func (w *workspace) count(query string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.db.QueryRow(query, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (w *workspace) integrityOK() {
	w.t.Helper()
	var s string
	if err := w.db.QueryRow("PRAGMA integrity_check").Scan(&s); err != nil || s != "ok" {
		w.t.Fatalf("PRAGMA integrity_check = %q, %v", s, err)
	}
}

// tables lists the tables of a family (partitions, default, detached and
// archived ones, or the user's table itself).
func (w *workspace) tables(family string) []string {
	w.t.Helper()
	rows, err := w.db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'
		AND (name = ? OR name LIKE ? ESCAPE '\' OR name LIKE ? ESCAPE '\') ORDER BY name`,
		family, like(family)+`\_%`, like("archive_"+family)+`\_%`)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		w.t.Fatal(err)
	}
	return out
}

func like(s string) string { return strings.ReplaceAll(s, "_", `\_`) }

// whereIs names the tables of a family that hold a row with this key text.
func (w *workspace) whereIs(family, key, value string) []string {
	w.t.Helper()
	var out []string
	for _, tbl := range w.tables(family) {
		if w.count(fmt.Sprintf(`SELECT count(*) FROM "%s" WHERE "%s" = ?`, tbl, key), value) > 0 {
			out = append(out, tbl)
		}
	}
	return out
}

func (w *workspace) assertIn(family, key, value, want string) {
	w.t.Helper()
	if got := w.whereIs(family, key, value); len(got) != 1 || got[0] != want {
		w.t.Errorf("%s %s=%s is in %v, want [%s]", family, key, value, got, want)
	}
}

// everyRow is the multiset of every row of the user's data, wherever it
// lives (the table, its partitions, the default, detached and archived
// tables), as a count and a hash: equal before and after means no row was
// lost, duplicated or changed.
func (w *workspace) everyRow() (int, string) {
	w.t.Helper()
	var lines []string
	for _, fam := range families {
		for _, tbl := range w.tables(fam) {
			lines = append(lines, w.rowLines(fam, tbl)...)
		}
	}
	return digest(lines)
}

// rowLines is each row of a table as text, prefixed with its family.
func (w *workspace) rowLines(fam, tbl string) []string {
	w.t.Helper()
	rows, err := w.db.Query(fmt.Sprintf(`SELECT * FROM "%s"`, tbl))
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			w.t.Fatal(err)
		}
		parts := []string{fam}
		for _, v := range vals {
			switch x := v.(type) {
			case []byte:
				parts = append(parts, string(x))
			case time.Time: // go-sqlite3 reads TIMESTAMP columns as time.Time
				parts = append(parts, x.UTC().Format(time.RFC3339Nano))
			default:
				parts = append(parts, fmt.Sprint(x))
			}
		}
		lines = append(lines, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		w.t.Fatal(err)
	}
	return lines
}

// rowsByTable is every row of the user's data by the table holding it.
func (w *workspace) rowsByTable() map[string][]string {
	w.t.Helper()
	out := map[string][]string{}
	for _, fam := range families {
		for _, tbl := range w.tables(fam) {
			out[tbl] = w.rowLines(fam, tbl)
		}
	}
	return out
}

// digest is the count and hash of a multiset of row lines.
func digest(lines []string) (int, string) {
	lines = append([]string(nil), lines...)
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return len(lines), hex.EncodeToString(h[:8])
}

// objectType is "table", "view" or "" for a name in the schema.
func (w *workspace) objectType(name string) string {
	w.t.Helper()
	var typ string
	err := w.db.QueryRow("SELECT type FROM sqlite_master WHERE name = ? AND type IN ('table', 'view')", name).Scan(&typ)
	if errors.Is(err, sql.ErrNoRows) {
		return ""
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return typ
}

// run starts a program that must exist: a missing tool fails the test.
func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (.ci/run installs it: apt-get install -y sqlite3 python3 libsqlite3-dev): %v", name, err)
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, out.String(), errOut.String())
	}
	return out.String()
}
