package repository_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Issue 10: the example's data access is runtime code. It links partgen's
// calendar, dialect and sqlitepart, and none of goose, the YAML parser,
// partgen's generator, spec or folder, or the templates.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/partgen/partgen/examples/marketdata/repository").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, dep := range deps {
		for _, bad := range []string{"github.com/pressly/goose", "yaml", "github.com/partgen/partgen/generator", "github.com/partgen/partgen/spec", "github.com/partgen/partgen/folder", "text/template", "html/template"} {
			if strings.Contains(dep, bad) {
				t.Errorf("the repository depends on %s", dep)
			}
		}
	}
	if !strings.Contains(string(out), "github.com/partgen/partgen/sqlitepart\n") {
		t.Errorf("the repository does not use sqlitepart:\n%s", out)
	}
}
