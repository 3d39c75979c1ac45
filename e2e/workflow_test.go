package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// The example GitHub Actions workflow (examples/github-actions/partgen.yml)
// is run here as a runner would run its shell steps: in a clone of a
// scratch repository whose "origin" is a bare repository, with go and git
// real and only the pull-request command (gh) a stub that records what it
// was asked. The uses: steps (checkout, setup-go) are what the test itself
// does: clone, and go on PATH. actionlint checks the file in CI (make
// lint-workflows).

const workflowFile = "../examples/github-actions/partgen.yml"

type workflow struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		If    string `yaml:"if"`
		Steps []struct {
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// ghStub records each call in $GH_LOG. pr list answers with the open pull
// request once pr create was called; pr create prints its URL.
const ghStub = `#!/bin/sh
[ -n "$GH_TOKEN" ] || { echo "gh stub: GH_TOKEN is empty" >&2; exit 4; }
echo "$*" >> "$GH_LOG"
case "$1 $2" in
"pr list") if grep -q '^pr create' "$GH_LOG"; then echo 1; fi ;;
"pr create") echo "https://github.com/example/svc/pull/1" ;;
*) echo "gh stub: unexpected gh $*" >&2; exit 3 ;;
esac
`

var expression = regexp.MustCompile(`^\$\{\{\s*(.*?)\s*\}\}$`)

type runner struct {
	t      *testing.T
	wf     workflow
	config string // PARTGEN_CONFIG, as a user sets it
	stub   string // directory of the gh stub
	ghLog  string
}

// job runs the shell steps of a job in ws. exprs gives the value of each
// ${{ }} expression the steps' env uses (the test plays the event); the
// job must use no other. It returns the steps' output and whether they all
// succeeded.
func (r *runner) job(name, ws string, exprs map[string]string) (string, bool) {
	t := r.t
	t.Helper()
	job, ok := r.wf.Jobs[name]
	if !ok {
		t.Fatalf("the workflow has no job %s", name)
	}
	output := filepath.Join(t.TempDir(), "github_output")
	base := goEnv("PATH="+r.stub+string(os.PathListSeparator)+os.Getenv("PATH"), "GH_LOG="+r.ghLog,
		"GITHUB_OUTPUT="+output, "RUNNER_TEMP="+t.TempDir(), "PARTGEN_AS_OF=")
	for k, v := range r.wf.Env {
		if k == "PARTGEN_CONFIG" {
			v = r.config
		}
		base = append(base, k+"="+v)
	}
	var all strings.Builder
	for _, st := range job.Steps {
		if st.Uses != "" {
			continue // actions/checkout and actions/setup-go: done by the test
		}
		if strings.Contains(st.Run, "${{") {
			t.Fatalf("step %q puts an expression into its script; pass it through env:", st.Name)
		}
		env := append([]string{}, base...)
		for k, v := range st.Env {
			if m := expression.FindStringSubmatch(v); m != nil {
				val, ok := exprs[m[1]]
				if !ok {
					t.Fatalf("step %q: no value for ${{ %s }}", st.Name, m[1])
				}
				v = val
			}
			env = append(env, k+"="+v)
		}
		script := filepath.Join(t.TempDir(), "step.sh")
		writeFile(t, script, st.Run)
		// GitHub's default shell on Linux runners.
		out, err := runMaybe(ws, env, "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		all.WriteString("== " + st.Name + "\n" + out)
		if err != nil {
			return all.String(), false
		}
	}
	return all.String(), true
}

func TestExampleWorkflow(t *testing.T) {
	raw, err := os.ReadFile(workflowFile)
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{t: t, config: "db/postgres/partgen.yaml", stub: t.TempDir()}
	if err := yaml.Unmarshal(raw, &r.wf); err != nil {
		t.Fatal(err)
	}
	if r.wf.Env["PARTGEN_CONFIG"] == "" || r.wf.Jobs["generate"].If == "" || r.wf.Jobs["check"].If == "" {
		t.Fatalf("the workflow lacks PARTGEN_CONFIG or a job's event condition: %+v", r.wf)
	}
	r.ghLog = filepath.Join(t.TempDir(), "gh.log")
	writeFile(t, r.ghLog, "")
	writeFile(t, filepath.Join(r.stub, "gh"), ghStub)
	if err := os.Chmod(filepath.Join(r.stub, "gh"), 0o755); err != nil {
		t.Fatal(err)
	}
	gitEnv := append(goEnv(), "GIT_AUTHOR_NAME=dev", "GIT_AUTHOR_EMAIL=dev@example.com", "GIT_COMMITTER_NAME=dev", "GIT_COMMITTER_EMAIL=dev@example.com")
	git := func(dir string, args ...string) string { t.Helper(); return runIn(t, dir, gitEnv, "git", args...) }
	gh := func() []string {
		data, _ := os.ReadFile(r.ghLog)
		return strings.Split(strings.TrimSpace(string(data)), "\n")
	}

	// The service's repository: partgen as a tool, migrations generated
	// for the pinned date, pushed to origin's main.
	origin := filepath.Join(t.TempDir(), "origin.git")
	git("", "init", "-q", "--bare", "-b", "main", origin)
	dev := t.TempDir()
	newService(t, dev)
	runIn(t, dev, goEnv(), "go", "get", "-tool", "github.com/partgen/partgen/cmd/partgen")
	runIn(t, dev, goEnv(), "go", "generate", "./...")
	git(dev, "init", "-q", "-b", "main")
	git(dev, "add", "-A")
	git(dev, "commit", "-q", "-m", "service with partgen")
	git(dev, "remote", "add", "origin", origin)
	git(dev, "push", "-q", "origin", "main")
	clone := func(branch string) string {
		ws := filepath.Join(t.TempDir(), "ws")
		git("", "clone", "-q", "-b", branch, origin, ws)
		return ws
	}
	schedule := map[string]string{"inputs.as_of": "2027-01-15", "github.ref_name": "main", "secrets.PARTGEN_PR_TOKEN || github.token": "a-token"}

	// The daily run on 2027-01-15: partgen writes files; they go to
	// partgen/scheduled and a pull request is opened.
	out, ok := r.job("generate", clone("main"), schedule)
	if !ok {
		t.Fatalf("scheduled run failed:\n%s", out)
	}
	git(dev, "fetch", "-q", "origin")
	added := git(dev, "diff", "--name-only", "origin/main", "origin/partgen/scheduled")
	if !strings.Contains(added, "db/postgres/20270115000000_partgen_create_orders_p2027_02_to_p2027_03.sql") || strings.Contains(added, "db/sqlite/") {
		t.Errorf("the pull request branch adds:\n%s\n%s", added, out)
	}
	if calls := gh(); len(calls) != 2 || !strings.HasPrefix(calls[0], "pr list --head partgen/scheduled --base main") ||
		!strings.HasPrefix(calls[1], "pr create --base main --head partgen/scheduled --title partgen: migrations as of 2027-01-15") {
		t.Errorf("gh calls: %q", calls)
	}

	// The next day's run, the pull request still open: the branch is
	// updated, no second pull request.
	if out, ok := r.job("generate", clone("main"), schedule); !ok || !strings.Contains(out, "updated pull request #1") {
		t.Errorf("second run (ok %v):\n%s", ok, out)
	}
	if calls := gh(); len(calls) != 3 || !strings.HasPrefix(calls[2], "pr list") {
		t.Errorf("gh calls after the second run: %q", calls)
	}

	// Merged. go generate with its pinned date changes nothing in the
	// merged tree (the pattern README explains), and the scheduled run has
	// nothing to do.
	git(dev, "merge", "-q", "--ff-only", "origin/partgen/scheduled")
	git(dev, "push", "-q", "origin", "main")
	merged := clone("main")
	runIn(t, merged, goEnv(), "go", "generate", "./...")
	if st := git(merged, "status", "--porcelain"); st != "" {
		t.Errorf("go generate with the pinned date changed the merged tree:\n%s", st)
	}
	if out, ok := r.job("generate", clone("main"), schedule); !ok || !strings.Contains(out, "partgen wrote nothing: no pull request needed") {
		t.Errorf("run after the merge (ok %v):\n%s", ok, out)
	}
	if calls := gh(); len(calls) != 3 {
		t.Errorf("gh was called after the merge: %q", calls)
	}

	// A pull request with a hand-written migration passes the check job.
	pr := map[string]string{"github.base_ref": "main"}
	git(dev, "switch", "-q", "-c", "feature")
	writeFile(t, filepath.Join(dev, "db", "postgres", "20270120000000_orders_note.sql"), "-- +goose Up\nALTER TABLE orders ADD COLUMN note text;\n-- +goose Down\nALTER TABLE orders DROP COLUMN note;\n")
	git(dev, "add", "-A")
	git(dev, "commit", "-q", "-m", "orders.note")
	git(dev, "push", "-q", "origin", "feature")
	if out, ok := r.jobAt("check", clone("feature"), pr, "2027-01-15"); !ok || !strings.Contains(out, "ok: ") {
		t.Errorf("check job on a good pull request (ok %v):\n%s", ok, out)
	}

	// A pull request whose partgen file sorts below a version main got
	// meanwhile: goose would refuse it once merged; the check job fails and
	// names it.
	git(dev, "switch", "-q", "main")
	git(dev, "switch", "-q", "-c", "late")
	runIn(t, dev, goEnv("PARTGEN_AS_OF=2027-02-15"), "go", "tool", "partgen", "generate", "--config", "db/postgres/partgen.yaml")
	git(dev, "add", "-A")
	git(dev, "commit", "-q", "-m", "partgen for 2027-02-15")
	git(dev, "push", "-q", "origin", "late")
	git(dev, "switch", "-q", "main")
	git(dev, "merge", "-q", "feature")
	writeFile(t, filepath.Join(dev, "db", "postgres", "20270301000000_orders_index.sql"), "-- +goose Up\nCREATE INDEX orders_id ON orders (id);\n-- +goose Down\nDROP INDEX orders_id;\n")
	git(dev, "add", "-A")
	git(dev, "commit", "-q", "-m", "orders index")
	git(dev, "push", "-q", "origin", "main")
	out, ok = r.jobAt("check", clone("late"), pr, "2027-02-15")
	if ok || !strings.Contains(out, "20270215000000_partgen_create_orders_p2027_04.sql: version 20270215000000 sorts below 20270301000000_orders_index.sql") {
		t.Errorf("check job on an out-of-order pull request (ok %v):\n%.2000s", ok, out)
	}
}

// jobAt runs a job with $PARTGEN_AS_OF pinned, since the check job, like
// a real one, plans for today.
func (r *runner) jobAt(name, ws string, exprs map[string]string, day string) (string, bool) {
	r.wf.Env["PARTGEN_AS_OF"] = day
	defer delete(r.wf.Env, "PARTGEN_AS_OF")
	return r.job(name, ws, exprs)
}
