package sqlitecompat_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// systemTools opens the file with the system's sqlite3 shell and Python's
// sqlite3 module, the tools a user reaches for first. Before the floor was
// kept, both called the file a "malformed database schema".
func systemTools(t *testing.T, w *workspace, input, stored, partition string) {
	n := w.count("SELECT count(*) FROM logins")
	out := run(t, "", "sqlite3", w.dbPath, "PRAGMA integrity_check; SELECT count(*) FROM logins")
	if want := "ok\n" + strconv.Itoa(n) + "\n"; out != want {
		t.Fatalf("sqlite3 shell printed %q, want %q", out, want)
	}
	t.Logf("sqlite3 shell %s", strings.Fields(run(t, "", "sqlite3", "--version"))[0])

	// Python reads through the view, inserts through it with a key in
	// another form, and finds the row in its partition in canonical form.
	const py = `import sqlite3, sys
path, ts, part = sys.argv[1:]
con = sqlite3.connect(path)
n = con.execute("SELECT count(*) FROM logins").fetchone()[0]
with con:
    con.execute("INSERT INTO logins (user_id, ts, ip) VALUES (?, ?, ?)", (4242, ts, "python"))
    stored = con.execute('SELECT ts FROM "%s" WHERE user_id = 4242' % part).fetchone()[0]
    print(sqlite3.sqlite_version, n, stored)
    con.execute("DELETE FROM logins WHERE user_id = 4242")
print(con.execute("SELECT count(*) FROM logins").fetchone()[0])
`
	out = run(t, "", "python3", "-c", py, w.dbPath, input, partition)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("python printed %q", out)
	}
	f := strings.Fields(lines[0])
	if len(f) != 4 || f[1] != strconv.Itoa(n) || f[2]+" "+f[3] != stored || lines[1] != strconv.Itoa(n) {
		t.Fatalf("python printed %q; want the SQLite version, %d, %s, then %d", out, n, stored, n)
	}
	t.Logf("python3 sqlite3 module on SQLite %s", f[0])
	w.integrityOK()
}

// readmePython runs the README's Python example, verbatim, in a directory
// where app.db is this file, and checks what it prints. It also holds the
// README to its word that Python's own TIMESTAMP converter fails on keys.
func readmePython(t *testing.T, w *workspace) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)\n```python\n(.*?)\n```\n").FindAllSubmatch(readme, -1)
	if len(blocks) != 1 {
		t.Fatalf("README.md has %d python blocks, want the one this test runs", len(blocks))
	}
	snippet := string(blocks[0][1])
	if filepath.Base(w.dbPath) != "app.db" {
		t.Fatalf("the snippet opens app.db; the test file is %s", w.dbPath)
	}
	out := run(t, filepath.Dir(w.dbPath), "python3", "-c", snippet)
	want := "8 2026-12-01 00:00:00+00:00\n7 2026-12-01 01:30:00+00:00\n"
	if out != want {
		t.Fatalf("the README's Python example printed\n%s\nwant\n%s", out, want)
	}
	for _, k := range []string{"2026-12-01 00:00:00+00:00", "2026-12-01 01:30:00+00:00"} {
		w.assertIn("logins", "ts", k, "logins_p2026_12")
	}
	w.exec("DELETE FROM logins WHERE user_id IN (7, 8)")

	const builtin = `import sqlite3, sys, warnings
warnings.simplefilter("ignore", DeprecationWarning)
con = sqlite3.connect(sys.argv[1], detect_types=sqlite3.PARSE_DECLTYPES)
try:
    con.execute("SELECT ts FROM logins LIMIT 1").fetchone()
    print("read")
except ValueError as e:
    print("ValueError")
`
	if got := strings.TrimSpace(run(t, "", "python3", "-c", builtin, w.dbPath)); got != "ValueError" {
		t.Errorf("Python's built-in TIMESTAMP converter now reads partgen's keys (%s): update the README", got)
	}
}
