package generator

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/partgen/partgen/dialect"
)

// Every registered dialect has an engine whose templates parse and cover
// every kind of step.
func TestEveryDialectHasAnEngine(t *testing.T) {
	for _, n := range dialect.Names() {
		mk := engines[n]
		if mk == nil {
			t.Fatalf("dialect %s has no engine", n)
		}
		eng := mk()
		if eng.Name() != n {
			t.Errorf("engine for %s says it is %s", n, eng.Name())
		}
		if _, err := parseTemplates(eng); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

// The sqlc schema partgen's status queries compile against declares
// partgen_archive_log exactly as the templates create it.
func TestCatalogSchemaMatchesTheTemplates(t *testing.T) {
	create := regexp.MustCompile(`(?s)CREATE TABLE IF NOT EXISTS partgen_archive_log \(.*?\n\);`)
	for _, tc := range []struct{ tmpl, schema string }{
		{"templates/postgres/log.tmpl", "../internal/catalog/postgres/schema.sql"},
		{"templates/sqlite/view.tmpl", "../internal/catalog/sqlite/schema.sql"},
	} {
		tmpl, err := templateFS.ReadFile(tc.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		schema, err := os.ReadFile(filepath.FromSlash(tc.schema))
		if err != nil {
			t.Fatal(err)
		}
		want := create.Find(tmpl)
		if want == nil {
			t.Fatalf("%s creates no partgen_archive_log", tc.tmpl)
		}
		if !strings.Contains(string(schema), string(want)) {
			t.Errorf("%s does not declare partgen_archive_log as %s creates it:\n%s", tc.schema, tc.tmpl, want)
		}
	}
}
