package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A partgen built with CGO_ENABLED=0 has no SQLite (go-sqlite3 is C): a
// SQLite spec or database says exactly that and how to rebuild, exits 2 and
// writes nothing; PostgreSQL specs, which need no cgo, work.
func TestBuiltWithoutCgo(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "partgen")
	runIn(t, repoRoot(t), goEnv("CGO_ENABLED=0"), "go", "build", "-o", bin, "./cmd/partgen")
	run := func(args ...string) (string, int) {
		out, err := runMaybe("", os.Environ(), bin, args...)
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out, code
	}

	dir := exampleFolder(t, "sqlite")
	before := snapshot(t, dir)
	for _, cmd := range []string{"generate", "plan"} {
		out, code := run(cmd, "--config", filepath.Join(dir, "partgen.yaml"), "--as-of", "2026-11-26")
		if code != 2 || !strings.Contains(out, "built with CGO_ENABLED=0, and SQLite needs cgo") ||
			!strings.Contains(out, "fix: rebuild partgen with cgo: CGO_ENABLED=1 and a C compiler") || strings.Contains(out, "valid SQLite") {
			t.Errorf("%s on a SQLite spec without cgo: exit %d\n%s", cmd, code, out)
		}
	}
	if after := snapshot(t, dir); len(after) != len(before) {
		t.Errorf("files were written: %v", after)
	}
	db := filepath.Join(t.TempDir(), "x.db")
	writeFile(t, db, "")
	out, code := run("status", "--db", "sqlite:"+db, "--config", filepath.Join(dir, "partgen.yaml"))
	if code != 2 || !strings.Contains(out, "SQLite needs cgo") {
		t.Errorf("status on a SQLite database without cgo: exit %d\n%s", code, out)
	}

	pg := exampleFolder(t, "postgres")
	if out, code := run("generate", "--config", filepath.Join(pg, "partgen.yaml"), "--as-of", "2026-11-26"); code != 0 || !strings.Contains(out, "wrote ") {
		t.Errorf("a PostgreSQL spec needs no cgo: exit %d\n%s", code, out)
	}
	out, _ = run("version")
	if !strings.Contains(out, "cgo off") || !strings.Contains(out, "sqlite:   not linked: this partgen binary was built with CGO_ENABLED=0") {
		t.Errorf("version without cgo:\n%s", out)
	}
}

// partgen version names the commit a binary was built from, and says when
// the checkout had uncommitted changes. Go stamps that only in a repository
// whose .git is a directory (not in a git worktree, whose .git is a file),
// so the test copies this tree into a fresh repository and builds there.
func TestVersionNamesTheCommit(t *testing.T) {
	root := repoRoot(t)
	repo := t.TempDir()
	list := runIn(t, root, os.Environ(), "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, name := range strings.Split(strings.TrimRight(list, "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(repo, name), string(data))
	}
	gitEnv := append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.com", "GIT_AUTHOR_DATE=2026-11-26T10:00:00Z", "GIT_COMMITTER_DATE=2026-11-26T10:00:00Z")
	runIn(t, repo, gitEnv, "git", "init", "-q")
	runIn(t, repo, gitEnv, "git", "add", "-A")
	runIn(t, repo, gitEnv, "git", "commit", "-q", "-m", "snapshot")
	head := strings.TrimSpace(runIn(t, repo, gitEnv, "git", "rev-parse", "HEAD"))

	build := func() string {
		bin := filepath.Join(t.TempDir(), "partgen")
		runIn(t, repo, goEnv(), "go", "build", "-buildvcs=true", "-tags", "failpoint", "-o", bin, "./cmd/partgen")
		return runIn(t, repo, os.Environ(), bin, "version")
	}
	out := build()
	if !strings.Contains(out, "revision: "+head+" 2026-11-26T10:00:00Z\n") {
		t.Errorf("want revision %s at the commit time:\n%s", head, out)
	}
	// Go 1.24+ gives the main module a pseudo-version from the commit.
	if !regexp.MustCompile(`(?m)^partgen v0\.0\.0-20261126100000-` + head[:12] + `$`).MatchString(out) {
		t.Errorf("want the pseudo-version of %s:\n%s", head[:12], out)
	}
	if !strings.Contains(out, "tags:     failpoint\n") || strings.Contains(out, "modified") {
		t.Errorf("tags or modified flag:\n%s", out)
	}

	writeFile(t, filepath.Join(repo, "NOTES"), "an uncommitted file\n")
	out = build()
	if !strings.Contains(out, "revision: "+head+" 2026-11-26T10:00:00Z (modified: uncommitted changes)") || !strings.Contains(out, "+dirty") {
		t.Errorf("want the modified flag after an uncommitted change:\n%s", out)
	}
}
