package check

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pressly/goose/v3"
)

// BaseFiles lists the migrations the git ref has in dir: name -> version.
// It only reads the repository (git must be on the PATH).
func BaseFiles(dir, ref string) (map[string]int64, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errors.New("--base needs git on the PATH")
	}
	var stderr bytes.Buffer
	verify := exec.Command("git", "-C", dir, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	verify.Stderr = &stderr
	if err := verify.Run(); err != nil {
		return nil, fmt.Errorf("--base %s: not a commit in the git repository of %s (fetch it first, e.g. git fetch origin main)%s", ref, Rel(dir), gitDetail(&stderr))
	}
	stderr.Reset()
	ls := exec.Command("git", "-C", dir, "ls-tree", "--name-only", ref, "--", ".")
	ls.Stderr = &stderr
	out, err := ls.Output()
	if err != nil {
		return nil, fmt.Errorf("--base %s: git ls-tree failed%s", ref, gitDetail(&stderr))
	}
	files := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name := filepath.Base(line)
		ext := filepath.Ext(name)
		if line == "" || (ext != ".sql" && ext != ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if v, err := goose.NumericComponent(name); err == nil {
			files[name] = v
		}
	}
	return files, nil
}

func gitDetail(b *bytes.Buffer) string {
	if s := strings.TrimSpace(b.String()); s != "" {
		return ": " + s
	}
	return ""
}
