package generator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Dialect is the database engine a spec renders for.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Retention actions.
const (
	ActionDrop    = "drop"
	ActionDetach  = "detach"
	ActionArchive = "archive"
)

// What a migration does when the default partition already holds rows of a new range.
const (
	DefaultRowsFail = "fail"
	DefaultRowsMove = "move"
)

// DefaultPremake follows pg_partman's default of four periods ahead.
const DefaultPremake = 4

// DefaultLockTimeout bounds how long a PostgreSQL migration waits for a lock
// before it gives up (and can simply be rerun), as written into migrations.
const DefaultLockTimeout = "5000ms"

// Spec is a validated partgen.yaml.
type Spec struct {
	File        string         // path of the spec file as given
	Version     int            // always 1
	Dialect     Dialect        // postgres | sqlite
	Migrations  string         // goose folder, resolved against the spec's directory
	Timezone    string         // IANA name
	Location    *time.Location // loaded Timezone
	LockTimeout string         // PostgreSQL lock_timeout for generated migrations
	Tables      []Table
}

// Table is one partitioned table of the spec.
type Table struct {
	Name             string
	Schema           string // PostgreSQL schema; empty means the search_path
	Key              string
	KeyType          string // PostgreSQL type of the key: timestamptz | timestamp | date
	Interval         Interval
	Premake          int
	Start            *Date // first period; nil means the as-of period
	DefaultPartition bool
	OnDefaultRows    string // fail | move
	Naming           string // partition name pattern
	Retention        *Retention
	Line             int // line of the table's entry in the spec, for messages
}

// Retention says what happens to partitions that fall out of the window.
type Retention struct {
	Keep          int
	Action        string
	ArchiveSchema string
	DropAfter     int
}

// Date is a calendar date without a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// In returns midnight of the date in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// SpecError is a problem in a spec file, with where it is and how to fix it.
type SpecError struct {
	File   string
	Line   int
	Column int
	Msg    string
	Fix    string
}

func (e *SpecError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Fix != "" {
		b.WriteString("\n  fix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// The raw shapes mirror the YAML; pointers tell "absent" from "zero".
type rawSpec struct {
	Version     *int       `yaml:"version"`
	Dialect     *string    `yaml:"dialect"`
	Migrations  *string    `yaml:"migrations"`
	Timezone    *string    `yaml:"timezone"`
	LockTimeout *string    `yaml:"lock_timeout"`
	Tables      []rawTable `yaml:"tables"`
}

type rawTable struct {
	Name             *string       `yaml:"name"`
	Schema           *string       `yaml:"schema"`
	Key              *string       `yaml:"key"`
	KeyType          *string       `yaml:"key_type"`
	Interval         *string       `yaml:"interval"`
	Premake          *int          `yaml:"premake"`
	Start            *string       `yaml:"start"`
	DefaultPartition *bool         `yaml:"default_partition"`
	OnDefaultRows    *string       `yaml:"on_default_rows"`
	Naming           *string       `yaml:"naming"`
	Retention        *rawRetention `yaml:"retention"`
}

type rawRetention struct {
	Keep          *int    `yaml:"keep"`
	Action        *string `yaml:"action"`
	ArchiveSchema *string `yaml:"archive_schema"`
	DropAfter     *int    `yaml:"drop_after"`
}

// identRE is deliberately narrow: lower-case SQL identifiers that need no
// quoting rules of their own, so a name means the same thing in the YAML, in
// PostgreSQL's catalog and in SQLite's.
var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

const maxIdentBytes = 63

// LoadSpec reads and validates a spec file.
func LoadSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &SpecError{File: path, Msg: fmt.Sprintf("cannot read the spec: %v", errors.Unwrap(err)),
			Fix: "create partgen.yaml (see README, \"The spec\") or pass --config FILE"}
	}
	return ParseSpec(path, data)
}

// ParseSpec validates spec text; path is used for messages and to resolve the
// migrations folder.
func ParseSpec(path string, data []byte) (*Spec, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(path, err, "fix the YAML syntax at that position")
	}
	var raw rawSpec
	if err := decodeYAML(data, &raw); err != nil {
		return nil, yamlError(path, err, "")
	}
	v := &validator{path: path, file: file}
	if err := v.noEmptyValues(); err != nil {
		return nil, err
	}
	return v.spec(&raw)
}

// noEmptyValues refuses `key:` with nothing after it. The decoder would
// take it as absent, and a half-written `retention:` would silently mean
// "keep everything forever".
func (v *validator) noEmptyValues() error {
	var found error
	for _, doc := range v.file.Docs {
		ast.Walk(visitorFunc(func(n ast.Node) bool {
			if found != nil {
				return false
			}
			mv, ok := n.(*ast.MappingValueNode)
			if !ok {
				return true
			}
			if _, null := mv.Value.(*ast.NullNode); null {
				key := mv.Key.String()
				line, col := 0, 0
				if tk := mv.Key.GetToken(); tk != nil && tk.Position != nil {
					line, col = tk.Position.Line, tk.Position.Column
				}
				found = &SpecError{File: v.path, Line: line, Column: col, Msg: fmt.Sprintf("%s has no value", key),
					Fix: "give " + key + " a value, or remove the key to take its default"}
				return false
			}
			return true
		}), doc)
	}
	return found
}

type visitorFunc func(ast.Node) bool

func (f visitorFunc) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
}

// decodeYAML turns a panic of the YAML decoder into an error: go-yaml
// v1.19.2 dereferences nil on `tables: !!` (a tag without a value where a
// list belongs), found by FuzzParseSpec.
func decodeYAML(data []byte, raw *rawSpec) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML decoder failed (%v); look for a tag (!...) without a value", r)
		}
	}()
	return yaml.UnmarshalWithOptions(data, raw, yaml.Strict())
}

func yamlError(path string, err error, fix string) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		tk := ye.GetToken()
		msg := ye.GetMessage()
		line, col := 0, 0
		if tk != nil && tk.Position != nil {
			line, col = tk.Position.Line, tk.Position.Column
		}
		if fix == "" {
			fix = fixForYAML(msg)
		}
		return &SpecError{File: path, Line: line, Column: col, Msg: msg, Fix: fix}
	}
	return &SpecError{File: path, Msg: err.Error(), Fix: "fix the YAML syntax"}
}

func fixForYAML(msg string) string {
	switch {
	case strings.Contains(msg, "unknown field"):
		return "remove the key or correct its spelling; the keys are listed in README, \"The spec\""
	case strings.Contains(msg, "cannot unmarshal"), strings.Contains(msg, "type"):
		return "give the value the type README, \"The spec\", lists for this key"
	case strings.Contains(msg, "duplicate"):
		return "write each key once"
	}
	return "correct the value at that position"
}

type validator struct {
	path string
	file *ast.File
}

// at finds the position of a YAML path such as $.tables[1].interval, falling
// back to the nearest ancestor that exists.
func (v *validator) at(p string) (int, int) {
	for p != "" {
		if yp, err := yaml.PathString(p); err == nil {
			if n, err := yp.FilterFile(v.file); err == nil && n != nil {
				if tk := n.GetToken(); tk != nil && tk.Position != nil {
					return tk.Position.Line, tk.Position.Column
				}
			}
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			break
		}
		p = p[:i]
	}
	return 0, 0
}

func (v *validator) errf(p, fix, format string, args ...any) error {
	line, col := v.at(p)
	return &SpecError{File: v.path, Line: line, Column: col, Msg: fmt.Sprintf(format, args...), Fix: fix}
}

func (v *validator) spec(raw *rawSpec) (*Spec, error) {
	s := &Spec{File: v.path, Version: 1, Timezone: "UTC", LockTimeout: DefaultLockTimeout}
	if raw.Version == nil {
		return nil, v.errf("$", "add `version: 1` at the top", "the spec has no version")
	}
	if err := v.whole("$.version", "version"); err != nil {
		return nil, err
	}
	if *raw.Version != 1 {
		return nil, v.errf("$.version", "write `version: 1`", "unsupported spec version %d", *raw.Version)
	}
	if raw.Dialect == nil {
		return nil, v.errf("$", "add `dialect: postgres` or `dialect: sqlite`", "the spec has no dialect")
	}
	switch d := Dialect(*raw.Dialect); d {
	case Postgres, SQLite:
		s.Dialect = d
	default:
		return nil, v.errf("$.dialect", "write `dialect: postgres` or `dialect: sqlite`", "unknown dialect %q", *raw.Dialect)
	}
	if raw.Migrations == nil || strings.TrimSpace(*raw.Migrations) == "" {
		return nil, v.errf("$", "add `migrations: <goose folder>` (relative to this file)", "the spec does not name its migrations folder")
	}
	s.Migrations = *raw.Migrations
	if !filepath.IsAbs(s.Migrations) {
		s.Migrations = filepath.Join(filepath.Dir(v.path), s.Migrations)
	}
	if raw.Timezone != nil {
		s.Timezone = *raw.Timezone
	}
	loc, err := loadZone(s.Timezone)
	if err != nil {
		return nil, v.errf("$.timezone", "use an IANA zone name such as UTC, Europe/Berlin or America/New_York",
			"time zone %q does not load: %v", s.Timezone, err)
	}
	s.Location = loc
	if raw.LockTimeout != nil {
		d, err := time.ParseDuration(*raw.LockTimeout)
		if err != nil || d <= 0 || d%time.Millisecond != 0 {
			return nil, v.errf("$.lock_timeout", "write a positive whole number of milliseconds or seconds, such as 5s or 1500ms",
				"lock_timeout %q is not a usable duration", *raw.LockTimeout)
		}
		s.LockTimeout = fmt.Sprintf("%dms", d.Milliseconds())
	}
	if len(raw.Tables) == 0 {
		return nil, v.errf("$", "list at least one table under `tables:`", "the spec names no tables")
	}
	seen := map[string]int{}
	for i := range raw.Tables {
		t, err := v.table(s, i, &raw.Tables[i])
		if err != nil {
			return nil, err
		}
		q := t.Schema + "." + t.Name
		if first, dup := seen[q]; dup {
			return nil, v.errf(fmt.Sprintf("$.tables[%d].name", i), "remove one of the two entries",
				"table %q is listed twice (first at line %d)", t.Name, first)
		}
		seen[q] = t.Line
		s.Tables = append(s.Tables, *t)
	}
	if err := v.distinctNames(s); err != nil {
		return nil, err
	}
	return s, nil
}

// distinctNames makes sure no two tables of one schema would name a
// partition (or a default partition) alike, or like another spec table:
// a naming pattern without {table} could otherwise make two tables share
// partitions. It compares two years of names from 2026.
func (v *validator) distinctNames(s *Spec) error {
	owner := map[string]int{}
	for i := range s.Tables {
		t := &s.Tables[i]
		owner[t.Schema+"."+t.Name] = i
	}
	for i := range s.Tables {
		t := &s.Tables[i]
		names := []string{}
		if t.DefaultPartition {
			names = append(names, DefaultPartitionName(t))
		}
		p := PeriodOfDate(t.Interval, Date{2026, time.January, 1}, time.UTC)
		for end := p.Lower.AddDate(2, 0, 0); p.Lower.Before(end); p = Shift(t.Interval, p, 1, time.UTC) {
			names = append(names, PartitionName(t, p))
		}
		for _, n := range names {
			key := t.Schema + "." + n
			if j, taken := owner[key]; taken && j != i {
				other := &s.Tables[j]
				return v.errf(fmt.Sprintf("$.tables[%d].naming", i), "include {table} in the naming pattern, or make the patterns of the two tables differ",
					"table %s would name a partition %q, which %s already uses (line %d)", t.Name, n, other.Name, other.Line)
			}
			owner[key] = i
		}
	}
	return nil
}

func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, errors.New("empty name")
	}
	if name == "Local" {
		return nil, errors.New("Local depends on the machine; name the zone")
	}
	return time.LoadLocation(name)
}

// whole rejects a count not written as a YAML integer. The decoder truncates
// 2.9 to 2 and reads "3" as 3; `keep: 2.9` would retire a period early.
func (v *validator) whole(p, key string) error {
	yp, err := yaml.PathString(p)
	if err != nil {
		return nil
	}
	n, err := yp.FilterFile(v.file)
	for err == nil && n != nil {
		switch nn := n.(type) {
		case *ast.IntegerNode, *ast.AliasNode:
			return nil
		case *ast.AnchorNode:
			n = nn.Value
			continue
		}
		return v.errf(p, "write a whole number, such as 3, without quotes", "%s must be a whole number, not %s", key, n.String())
	}
	return nil
}

func (v *validator) ident(p, what, name string) error {
	if name == "" {
		return v.errf(p, "give the "+what+" a name", "empty %s", what)
	}
	if len(name) > maxIdentBytes {
		return v.errf(p, "use a shorter name (PostgreSQL truncates identifiers at 63 bytes)",
			"%s %q is %d bytes long, over the limit of 63", what, name, len(name))
	}
	if !identRE.MatchString(name) {
		return v.errf(p, "use lower-case letters, digits and underscores, starting with a letter or underscore",
			"%s %q is not a plain SQL identifier", what, name)
	}
	return nil
}

func (v *validator) table(s *Spec, i int, r *rawTable) (*Table, error) {
	base := fmt.Sprintf("$.tables[%d]", i)
	line, _ := v.at(base)
	t := &Table{Line: line, Premake: DefaultPremake, KeyType: "timestamptz", OnDefaultRows: DefaultRowsFail}
	if r.Name == nil {
		return nil, v.errf(base, "add `name: <table>`", "table entry %d has no name", i+1)
	}
	t.Name = *r.Name
	if err := v.ident(base+".name", "table name", t.Name); err != nil {
		return nil, err
	}
	if r.Schema != nil {
		if s.Dialect == SQLite {
			return nil, v.errf(base+".schema", "remove `schema:`; SQLite tables live in one schema", "schema is a PostgreSQL setting")
		}
		t.Schema = *r.Schema
		if err := v.ident(base+".schema", "schema name", t.Schema); err != nil {
			return nil, err
		}
	}
	if r.Key == nil {
		return nil, v.errf(base, "add `key: <timestamp column>`", "table %q has no partition key", t.Name)
	}
	t.Key = *r.Key
	if err := v.ident(base+".key", "key column", t.Key); err != nil {
		return nil, err
	}
	if r.KeyType != nil {
		switch *r.KeyType {
		case "timestamptz", "timestamp", "date":
			t.KeyType = *r.KeyType
		default:
			return nil, v.errf(base+".key_type", "write timestamptz, timestamp or date (the key column's PostgreSQL type)",
				"unknown key_type %q", *r.KeyType)
		}
		if s.Dialect == SQLite && t.KeyType != "timestamptz" {
			return nil, v.errf(base+".key_type", "remove key_type; SQLite keys are stored as UTC text (README, \"SQLite keys\")",
				"key_type %q is not supported on SQLite", t.KeyType)
		}
	}
	if r.Interval == nil {
		return nil, v.errf(base, "add `interval: day|week|month|quarter|year`", "table %q has no interval", t.Name)
	}
	iv, ok := ParseInterval(*r.Interval)
	if !ok {
		return nil, v.errf(base+".interval", "write one of day, week, month, quarter, year", "unknown interval %q", *r.Interval)
	}
	t.Interval = iv
	if r.Premake != nil {
		if err := v.whole(base+".premake", "premake"); err != nil {
			return nil, err
		}
		if *r.Premake < 0 {
			return nil, v.errf(base+".premake", "write 0 or more periods", "premake is %d; it cannot be negative", *r.Premake)
		}
		if *r.Premake > 1000 {
			return nil, v.errf(base+".premake", "premake counts periods ahead; a few are enough because CI regenerates", "premake %d is over 1000 periods", *r.Premake)
		}
		t.Premake = *r.Premake
	}
	if r.Start != nil {
		d, err := ParseDate(*r.Start)
		if err != nil {
			return nil, v.errf(base+".start", "write the first period's date as YYYY-MM-DD", "start: %v", err)
		}
		t.Start = &d
	}
	if r.DefaultPartition != nil {
		t.DefaultPartition = *r.DefaultPartition
	}
	if r.OnDefaultRows != nil {
		switch *r.OnDefaultRows {
		case DefaultRowsFail, DefaultRowsMove:
			t.OnDefaultRows = *r.OnDefaultRows
		default:
			return nil, v.errf(base+".on_default_rows", "write fail or move", "unknown on_default_rows %q", *r.OnDefaultRows)
		}
		if !t.DefaultPartition {
			return nil, v.errf(base+".on_default_rows", "set `default_partition: true` or remove on_default_rows",
				"on_default_rows needs a default partition")
		}
	}
	t.Naming = DefaultNaming(t.Interval)
	if r.Naming != nil {
		t.Naming = *r.Naming
	}
	if err := checkNaming(t); err != nil {
		if r.Naming == nil { // the default pattern only fails on a long name
			return nil, v.errf(base+".name", "use a shorter table name, or a shorter `naming:` pattern", "table name %q: %v", t.Name, err)
		}
		return nil, v.errf(base+".naming", "use a pattern such as "+DefaultNaming(t.Interval)+" whose fields identify and order every period", "naming: %v", err)
	}
	if t.DefaultPartition {
		if err := v.ident(base+".name", "default partition name", DefaultPartitionName(t)); err != nil {
			return nil, err
		}
	}
	if r.Retention != nil {
		ret, err := v.retention(s, base+".retention", t, r.Retention)
		if err != nil {
			return nil, err
		}
		t.Retention = ret
	}
	return t, nil
}

func (v *validator) retention(s *Spec, p string, t *Table, r *rawRetention) (*Retention, error) {
	ret := &Retention{}
	if r.Keep == nil {
		return nil, v.errf(p, "add `keep: N` (periods kept attached before the current one)", "retention has no keep")
	}
	if err := v.whole(p+".keep", "keep"); err != nil {
		return nil, err
	}
	if *r.Keep < 1 {
		return nil, v.errf(p+".keep", "keep at least 1 period", "retention keep is %d", *r.Keep)
	}
	if *r.Keep > 100000 {
		return nil, v.errf(p+".keep", "keep at most 100000 periods, or remove retention to keep everything", "retention keep is %d", *r.Keep)
	}
	ret.Keep = *r.Keep
	if r.Action == nil {
		return nil, v.errf(p, "add `action: drop|detach|archive`", "retention has no action")
	}
	switch *r.Action {
	case ActionDrop, ActionDetach, ActionArchive:
		ret.Action = *r.Action
	default:
		return nil, v.errf(p+".action", "write drop, detach or archive", "unknown retention action %q", *r.Action)
	}
	if r.ArchiveSchema != nil {
		if ret.Action != ActionArchive {
			return nil, v.errf(p+".archive_schema", "remove archive_schema or use `action: archive`", "archive_schema only applies to action archive")
		}
		ret.ArchiveSchema = *r.ArchiveSchema
		if err := v.ident(p+".archive_schema", "archive schema", ret.ArchiveSchema); err != nil {
			return nil, err
		}
		if s.Dialect == Postgres && ret.ArchiveSchema == t.Schema {
			return nil, v.errf(p+".archive_schema", "name another schema", "archive_schema is the table's own schema")
		}
	} else if ret.Action == ActionArchive {
		if s.Dialect == Postgres {
			return nil, v.errf(p, "add `archive_schema: archive` (created if missing)", "action archive needs archive_schema on PostgreSQL")
		}
		ret.ArchiveSchema = "archive"
	}
	if r.DropAfter != nil {
		if ret.Action == ActionDrop {
			return nil, v.errf(p+".drop_after", "remove drop_after, or use action detach or archive for two-phase retention",
				"drop_after does not apply to action drop")
		}
		if err := v.whole(p+".drop_after", "drop_after"); err != nil {
			return nil, err
		}
		if *r.DropAfter < 1 || *r.DropAfter > 100000 {
			return nil, v.errf(p+".drop_after", "write a number of periods from 1 to 100000", "drop_after is %d", *r.DropAfter)
		}
		ret.DropAfter = *r.DropAfter
	}
	if s.Dialect == SQLite && ret.Action != ActionDrop {
		if err := v.ident(p, "archived table name", ArchivedName(t, ret, PartitionName(t, Period{Lower: time.Date(2000, 1, 3, 0, 0, 0, 0, time.UTC)}))); err != nil {
			return nil, err
		}
	}
	return ret, nil
}

// FullName is the table's name as markers, messages and reports write it:
// schema.name, or name when the spec gives no schema. Unquoted.
func (t *Table) FullName() string {
	if t.Schema == "" {
		return t.Name
	}
	return t.Schema + "." + t.Name
}

// Quoted is the table's quoted name, schema-qualified when the spec gives a schema.
func (t *Table) Quoted() string { return qualify(t.Schema, t.Name) }

func qualify(schema, name string) string {
	if schema == "" {
		return quoteIdent(name)
	}
	return quoteIdent(schema) + "." + quoteIdent(name)
}

// quoteIdent quotes an identifier. Spec identifiers are validated to be plain,
// but quoting keeps reserved words such as "order" working.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteLiteral quotes a SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
