package generator

import (
	"embed"
	"fmt"
	"strings"
	"text/template"

	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/spec"
)

// templateFS holds templates/common/*.tmpl and one directory per engine,
// named like the engine's [dialect.Name].
//
//go:embed templates
var templateFS embed.FS

// engine is the generator's side of one dialect: its templates, what it
// reads from the folder beyond the spec, and the prose of the header. The
// on-disk contract (literals, bounds, archived names) is the embedded
// [dialect.Dialect]; adding an engine is a file here implementing engine,
// an entry in engines, a template directory and its [dialect.Dialect].
type engine interface {
	dialect.Dialect
	// funcs are the engine's own template functions.
	funcs() template.FuncMap
	// definition reads what rendering t needs beyond the spec, from the
	// folder (SQLite: the user's table definition); the templates see it as
	// .Def. A mistake the folder shows is an [*spec.Error].
	definition(sp *spec.Spec, mig *folder.Folder, t *spec.Table) (any, error)
	// convertNote is added to the purpose of a table's first file, which
	// converts an ordinary table ("" when the engine converts nothing).
	convertNote() string
	// how explains the file's mechanics in its header.
	how(sp *spec.Spec, s *step) []string
}

// engines maps every registered dialect to its generator engine; init
// refuses to start without one for each.
var engines = map[dialect.Name]func() engine{
	dialect.Postgres: func() engine { return postgresEngine{dialect.Must(dialect.Postgres)} },
	dialect.SQLite:   func() engine { return newSQLiteEngine() },
}

// templateNames are the files every engine's directory must have, one per
// kind of step.
var templateNames = map[stepKind]string{
	kindCreate: "create.sql.tmpl",
	kindRetire: "retire.sql.tmpl",
	kindPurge:  "purge.sql.tmpl",
	kindLog:    "log.sql.tmpl",
}

// adoptTemplateNames are the files of the three adoption steps, which the
// directory of an engine that adopts in place
// ([dialect.Dialect.AdoptsInPlace]) must have too.
var adoptTemplateNames = map[stepKind]string{
	kindAdoptCheck:    "adopt_check.sql.tmpl",
	kindAdoptValidate: "adopt_validate.sql.tmpl",
	kindAdoptSwap:     "adopt_swap.sql.tmpl",
}

// templateName is the template a kind of step renders with.
func templateName(k stepKind) string {
	if n, ok := templateNames[k]; ok {
		return n
	}
	return adoptTemplateNames[k]
}

func init() {
	for _, n := range dialect.Names() {
		if engines[n] == nil {
			panic(fmt.Sprintf("generator: dialect %q has no engine (add it to engines in engine.go)", n))
		}
	}
}

// parseTemplates parses the common templates and the engine's directory,
// and checks that every kind of step has its template.
func parseTemplates(eng engine) (*template.Template, error) {
	funcs := template.FuncMap{
		"literal":      dialect.QuoteLiteral,
		"join":         strings.Join,
		"quote":        dialect.QuoteIdent,
		"from":         from,
		"each":         each,
		"targetNames":  targetNames,
		"retiredNames": retiredNames,
	}
	for k, f := range eng.funcs() {
		funcs[k] = f
	}
	dir := "templates/" + string(eng.Name())
	t, err := template.New("partgen").Funcs(funcs).ParseFS(templateFS, "templates/common/*.tmpl", dir+"/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse the %s templates: %w", eng.Name(), err)
	}
	required := templateNames
	if eng.AdoptsInPlace() {
		required = map[stepKind]string{}
		for k, n := range templateNames {
			required[k] = n
		}
		for k, n := range adoptTemplateNames {
			required[k] = n
		}
	}
	for _, name := range required {
		if t.Lookup(name) == nil {
			return nil, fmt.Errorf("%s/%s is missing", dir, name)
		}
	}
	return t, nil
}
