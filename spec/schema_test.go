package spec_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/partgen/partgen/spec"
)

// schemaFile is the JSON Schema of partgen.yaml that editors use (through
// the yaml-language-server modeline of each spec).
const schemaFile = "../schema/partgen.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	f, err := os.Open(schemaFile)
	must(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	must(t, err)
	abs, _ := filepath.Abs(schemaFile)
	must(t, c.AddResource(abs, doc))
	s, err := c.Compile(abs)
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

// yamlValue is a YAML document as the JSON value a YAML editor validates;
// ok is false when the text is not YAML.
func yamlValue(text string) (any, bool) {
	j, err := yaml.YAMLToJSON([]byte(text))
	if err != nil {
		return nil, false
	}
	if len(bytes.TrimSpace(j)) == 0 {
		return nil, true // an empty document is null
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		return nil, false
	}
	return v, true
}

// Every partgen.yaml in the repository loads and is valid under the schema,
// and, outside test fixtures, names the schema in a yaml-language-server
// modeline whose path leads to it. So does the README's spec, which documents every key.
func TestSchemaAcceptsTheRepositorySpecs(t *testing.T) {
	sch := compileSchema(t)
	schemaAbs, _ := filepath.Abs(schemaFile)
	modeline := regexp.MustCompile(`(?m)^# yaml-language-server: \$schema=(\S+)$`)
	var specs []string
	must(t, filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "run" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.Name() == "partgen.yaml" {
			specs = append(specs, path)
		}
		return nil
	}))
	if len(specs) < 2 {
		t.Fatalf("found only %v", specs)
	}
	for _, path := range specs {
		text, err := os.ReadFile(path)
		must(t, err)
		if _, err := spec.Load(path); err != nil {
			t.Errorf("%s does not load: %v", path, err)
		}
		v, ok := yamlValue(string(text))
		if !ok {
			t.Errorf("%s is not YAML", path)
			continue
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s is not valid under the schema: %v", path, err)
		}
		if strings.Contains(filepath.ToSlash(path), "/testdata/") {
			continue // test fixtures: valid, but no editor opens them
		}
		m := modeline.FindSubmatch(text)
		if m == nil {
			t.Errorf("%s has no `# yaml-language-server: $schema=...` line", path)
			continue
		}
		if target, _ := filepath.Abs(filepath.Join(filepath.Dir(path), string(m[1]))); target != schemaAbs {
			t.Errorf("%s: $schema=%s leads to %s, not %s", path, m[1], target, schemaAbs)
		}
	}

	readmeSpec, _ := readmeSpecBlock(t)
	if _, err := spec.Parse("README.md", []byte(readmeSpec)); err != nil {
		t.Errorf("README's spec does not load: %v", err)
	}
	v, ok := yamlValue(readmeSpec)
	if !ok {
		t.Fatalf("README's spec block is not YAML:\n%s", readmeSpec)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("README's spec is not valid under the schema: %v", err)
	}
}

// readmeSpecBlock is the YAML block under README's "## The spec", and its
// comments by key path (tables.interval, tables.retention.keep).
func readmeSpecBlock(t *testing.T) (string, map[string]string) {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	must(t, err)
	_, after, ok := strings.Cut(string(readme), "\n## The spec\n")
	if !ok {
		t.Fatal(`README has no "## The spec" section`)
	}
	_, after, ok = strings.Cut(after, "```yaml\n")
	block, _, ok2 := strings.Cut(after, "```")
	if !ok || !ok2 {
		t.Fatal(`README's "The spec" section has no yaml block`)
	}
	comments := map[string]string{}
	line := regexp.MustCompile(`^(\s*)(- )?([a-z_]+):[^#]*(#\s*(.+))?$`)
	var parents []string // key path by indentation
	var indents []int
	for _, l := range strings.Split(block, "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		indent := len(m[1]) + len(m[2])
		for len(indents) > 0 && indents[len(indents)-1] >= indent {
			indents, parents = indents[:len(indents)-1], parents[:len(parents)-1]
		}
		key := m[3]
		path := strings.Join(append(append([]string{}, parents...), key), ".")
		if m[5] != "" {
			comments[path] = strings.TrimSpace(m[5])
		}
		indents, parents = append(indents, indent), append(parents, key)
	}
	return block, comments
}

// Each key's description in the schema begins with, or contains, the
// README's comment on that key, so the editor says what the README says.
func TestSchemaDescriptionsMatchTheREADME(t *testing.T) {
	raw, err := os.ReadFile(schemaFile)
	must(t, err)
	var doc struct {
		Properties map[string]struct {
			Description string `json:"description"`
		} `json:"properties"`
		Defs map[string]struct {
			Properties map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	must(t, json.Unmarshal(raw, &doc))
	_, comments := readmeSpecBlock(t)
	if len(comments) < 18 {
		t.Fatalf("found only %d commented keys in README's spec: %v", len(comments), comments)
	}
	for path, comment := range comments {
		var desc string
		switch parts := strings.Split(path, "."); {
		case len(parts) == 1:
			desc = doc.Properties[parts[0]].Description
		case len(parts) == 2 && parts[0] == "tables":
			desc = doc.Defs["table"].Properties[parts[1]].Description
		case len(parts) == 3 && parts[1] == "retention":
			desc = doc.Defs["retention"].Properties[parts[2]].Description
		}
		if desc == "" {
			t.Errorf("the schema has no description for %s", path)
			continue
		}
		if !strings.Contains(strings.ToLower(desc), strings.ToLower(comment)) {
			t.Errorf("%s: the schema says %q, README says %q", path, desc, comment)
		}
	}
}

// loaderOnly are broken specs the schema cannot catch: their values have
// the right type and shape, and only partgen's own checks (a zone that
// loads, names once suffixed, naming patterns that sort, values across
// tables) find the problem. Every other broken spec that is YAML must be
// rejected by the schema too: above all the wrong types, unknown keys and
// unknown enum values.
var loaderOnly = map[string]string{
	"two tables share partition names":     "a rule across tables",
	"zone on Mars":                         "whether a zone loads needs the zone database",
	"duplicate table":                      "a rule across tables",
	"start February 30":                    "the calendar, not a pattern",
	"lock_timeout zero":                    "a value rule",
	"lock_timeout below a millisecond":     "a value rule",
	"name over 63 bytes once suffixed":     "depends on the naming pattern",
	"day name over 63 bytes once suffixed": "depends on the naming pattern",
	"default partition name over 63 bytes": "depends on the suffix",
	"naming that repeats every year":       "what a pattern names needs the calendar",
	"naming without a period":              "what a pattern names needs the calendar",
	"naming that does not sort":            "what a pattern names needs the calendar",
	"week naming with the calendar year":   "what a pattern names needs the calendar",
	"day naming without the day":           "what a pattern names needs the calendar",
	"naming that starts with a digit":      "what a pattern names needs the calendar",
	"archive_schema is the table's schema": "a rule between two values",
	"adopt with citus":                     "a rule between two values (citus: may come from the top level)",
	"sqlite archived name over 63 bytes":   "depends on the prefix and the naming",
	"cutover mid-month":                    "whether a date starts a period needs the calendar",
	"cutover on a Sunday for weeks":        "whether a date starts a period needs the calendar",
	"legacy_name is the table's name":      "a rule between two values",
	"legacy name over 63 bytes":            "depends on the suffix",
	"legacy name taken by a partition":     "depends on the naming pattern",
}

func TestSchemaRejectsWhatTheLoaderRejects(t *testing.T) {
	sch := compileSchema(t)
	byName := map[string]bool{}
	rejected := 0
	for _, tc := range brokenSpecs {
		byName[tc.name] = true
		v, ok := yamlValue(tc.spec)
		if !ok {
			continue // a YAML syntax error: no editor validates it against a schema
		}
		err := sch.Validate(v)
		if why, only := loaderOnly[tc.name]; only {
			if err == nil {
				continue
			}
			t.Errorf("%q is listed as loader-only (%s) but the schema rejects it too: take it off the list (%v)", tc.name, why, err)
			continue
		}
		if err == nil {
			t.Errorf("%q: the loader says %q, the schema accepts\n%s", tc.name, tc.msg, tc.spec)
			continue
		}
		rejected++
	}
	for name := range loaderOnly {
		if !byName[name] {
			t.Errorf("loaderOnly names %q, which is not a broken spec", name)
		}
	}
	if rejected < 70 {
		t.Errorf("the schema rejects only %d broken specs", rejected)
	}
	// Type, enum and unknown-key reasons in particular, by the loader's message.
	typeOrEnum := regexp.MustCompile(`cannot unmarshal|must be a whole number|was used where|unknown field|unknown (dialect|interval|key_type|on_default_rows|retention action)|has no value|unsupported spec version|not a plain SQL identifier|overflow`)
	for _, tc := range brokenSpecs {
		if v, ok := yamlValue(tc.spec); ok && typeOrEnum.MatchString(tc.msg) {
			if _, only := loaderOnly[tc.name]; !only && sch.Validate(v) == nil {
				t.Errorf("%q is a type or enum error the schema misses", tc.name)
			}
		}
	}
}

// The did-you-mean cases are enum and key errors too.
func TestSchemaRejectsMisspellings(t *testing.T) {
	sch := compileSchema(t)
	for _, text := range []string{
		pgHead + "  - name: ev\n    key: ts\n    interval: montly\n",
		pgTable + "    premke: 3\n",
		pgTable + "    retention: { keep: 8, action: drop, after: 3 }\n",
		"version: 1\ndialect: postgress\nmigrations: .\ntables:\n" + entry,
	} {
		v, ok := yamlValue(text)
		if !ok || sch.Validate(v) == nil {
			t.Errorf("the schema accepts\n%s", text)
		}
	}
	// And accepts what the loader accepts.
	for _, text := range []string{
		"version: 1\ndialect: postgresql\nmigrations: .\ntables:\n" + entry,
		sqliteTbl + "    retention: { keep: 2, action: archive }\n",
		pgTable + "    retention: { keep: 2, action: detach, drop_after: 4 }\n",
		pgTable + "    premake: 0\n    schema: ticks\n    key_type: date\n",
		pgTable + "    default_partition: true\n    on_default_rows: move\n",
		pgTable + "    adopt: true\n    cutover: 2027-01-01\n    legacy_name: ev_before_2027\n",
		"version: 1\ndialect: postgres\nmigrations: .\nlock_timeout: 1500ms\ntimezone: America/Argentina/Buenos_Aires\ntables:\n" + entry,
	} {
		if _, err := spec.Parse("partgen.yaml", []byte(text)); err != nil {
			t.Fatalf("the loader rejects %s: %v", text, err)
		}
		v, _ := yamlValue(text)
		if err := sch.Validate(v); err != nil {
			t.Errorf("the schema rejects what the loader accepts:\n%s\n%v", text, err)
		}
	}
}
