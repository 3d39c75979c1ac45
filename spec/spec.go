// Package spec reads and validates partgen.yaml: the tables partgen keeps,
// their key, interval, premake, retention and naming. Every problem is an
// [*Error] naming the file, line and column and saying how to fix it. The
// spec's engine ([dialect.Name]) supplies the rules that differ between
// engines (key types, schemas).
package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
)

// Action is what retention does with a partition past `keep`.
type Action string

// Retention actions.
const (
	ActionDrop    Action = "drop"    // detach and drop: the rows are gone
	ActionDetach  Action = "detach"  // detach; the table stays where it is
	ActionArchive Action = "archive" // detach and move to the archive schema (SQLite: rename)
)

// DefaultRows is what a migration does when the default partition already
// holds rows of a range it creates.
type DefaultRows string

// The on_default_rows policies.
const (
	DefaultRowsFail DefaultRows = "fail" // fail, naming the rows' range
	DefaultRowsMove DefaultRows = "move" // move them into the new partition in the same transaction
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
	Dialect     dialect.Name   // postgres | sqlite
	Migrations  string         // goose folder, resolved against the spec's directory
	Timezone    string         // IANA name
	Location    *time.Location // loaded Timezone
	LockTimeout string         // PostgreSQL lock_timeout for generated migrations
	Tables      []Table

	migrationsAt [2]int // line and column of `migrations:`
}

// Table is one partitioned table of the spec.
type Table struct {
	Name             string
	Schema           string // PostgreSQL schema; empty means the search_path
	Key              string
	KeyType          dialect.KeyType
	Interval         calendar.Interval
	Premake          int
	Start            *calendar.Date // first period; nil means the as-of period
	DefaultPartition bool
	OnDefaultRows    DefaultRows
	Naming           string // partition name pattern
	Retention        *Retention
	// Citus makes the table's files safe on a Citus cluster (the table is
	// distributed): no DETACH ... CONCURRENTLY, lock_timeout propagated to
	// the workers, one partition per creation file (README, "Citus").
	// From the spec's top-level citus:, or the table's own.
	Citus bool
	// Adopt: the table is an ordinary PostgreSQL table of the user's, which
	// partgen turns into a partitioned one without copying it: the table
	// becomes the legacy partition FROM (MINVALUE) TO (the cutover) of a new
	// partitioned table under its name (README, "Adopting an existing
	// table"). Only where [dialect.Dialect.AdoptsInPlace].
	Adopt bool
	// Cutover is the first instant (the start of a period) the legacy
	// partition does not hold; nil means the default the generator derives
	// from the as-of date ([DefaultCutover]).
	Cutover *calendar.Date
	// LegacyName is the name the adopted table keeps as a partition
	// (default <name>_legacy).
	LegacyName string
	Line       int // line of the table's entry in the spec, for messages

	pos map[string][2]int // field -> line, column in the spec
}

// Retention says what happens to partitions that fall out of the window.
type Retention struct {
	Keep          int // periods kept attached before the current one
	Action        Action
	ArchiveSchema string // PostgreSQL: the schema archived partitions move to; SQLite: their name prefix
	DropAfter     int    // periods after retirement before the retired table is dropped; 0: never
	// ExactRowCount makes the audit row count a retired partition's rows
	// with count(*), a scan of the whole partition; by default PostgreSQL's
	// statistics give the figure when the partition has been analysed.
	ExactRowCount bool
}

// Error is a problem in the spec or in a file it leads to (the goose
// folder, a migration), with where it is and how to fix it. Error() prints
// file:line:column: message, then the fix on its own line.
type Error struct {
	File   string
	Line   int
	Column int
	Msg    string
	Fix    string
}

func (e *Error) Error() string {
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
	Citus       *bool      `yaml:"citus"`
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
	Citus            *bool         `yaml:"citus"`
	Adopt            *bool         `yaml:"adopt"`
	Cutover          *string       `yaml:"cutover"`
	LegacyName       *string       `yaml:"legacy_name"`
}

type rawRetention struct {
	Keep          *int    `yaml:"keep"`
	Action        *string `yaml:"action"`
	ArchiveSchema *string `yaml:"archive_schema"`
	DropAfter     *int    `yaml:"drop_after"`
	ExactRowCount *bool   `yaml:"exact_row_count"`
}

// Load reads and validates a spec file. Every problem is an [*Error].
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read the spec: %v", errors.Unwrap(err)),
			Fix: "create partgen.yaml (see README, \"The spec\") or pass --config FILE"}
	}
	return Parse(path, data)
}

// Parse validates spec text; path is used for messages and to resolve the
// migrations folder. Every problem is an [*Error].
func Parse(path string, data []byte) (*Spec, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(path, err, "fix the YAML syntax at that position", nil)
	}
	var raw rawSpec
	if err := decodeYAML(data, &raw); err != nil {
		return nil, yamlError(path, err, "", file)
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
				found = &Error{File: v.path, Line: line, Column: col, Msg: fmt.Sprintf("%s has no value", key),
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

// yamlError turns an error of the YAML parser or decoder into an [*Error]
// at its position. file, when the text parsed, lets an unknown key get a
// "did you mean" from the keys valid where it stands.
func yamlError(path string, err error, fix string, file *ast.File) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		tk := ye.GetToken()
		msg := ye.GetMessage()
		line, col := 0, 0
		if tk != nil && tk.Position != nil {
			line, col = tk.Position.Line, tk.Position.Column
		}
		if m, f, ok := typeMessage(file, msg, line, col); ok {
			return &Error{File: path, Line: line, Column: col, Msg: m, Fix: f}
		}
		msg, keyFix := suggestKey(file, msg, line, col)
		if keyFix != "" && fix == "" {
			fix = keyFix
		}
		if fix == "" {
			fix = fixForYAML(msg)
		}
		return &Error{File: path, Line: line, Column: col, Msg: msg, Fix: fix}
	}
	return &Error{File: path, Msg: err.Error(), Fix: "fix the YAML syntax"}
}

// goTypeRE matches the decoder's wording for a value of the wrong type,
// which names Go types ("into Go struct field rawSpec.Tables of type int").
var goTypeRE = regexp.MustCompile(`cannot unmarshal (.+) into Go (?:struct field \S+|value) of type (\w+)`)

// typeMessage rewrites a wrong-type error in the spec's own terms: the key,
// what it takes (with its unit) and how to write it, never Go's types.
func typeMessage(file *ast.File, msg string, line, col int) (string, string, bool) {
	m := goTypeRE.FindStringSubmatch(msg)
	if m == nil || file == nil {
		return "", "", false
	}
	key, value := keyAt(file, line, col)
	if key == "" {
		return "", "", false
	}
	var want, example string
	switch {
	case key == "version":
		return fmt.Sprintf("version must be 1, not %s", value), "write version: 1", true
	}
	switch m[2] {
	case "int":
		want, example = "a whole number", key+": 3"
		if unit, ok := countUnits[key]; ok {
			want += " of " + unit
		}
		if strings.Contains(msg, "overflow") {
			return fmt.Sprintf("%s is %s, too large for a count", key, value), "write a number such as " + example, true
		}
	case "bool":
		if value == "" {
			value = m[1]
		}
		return fmt.Sprintf("%s must be true or false, not %s", key, value), "write " + key + ": true or " + key + ": false, without quotes (YAML 1.2 reads yes, no, on and off as text)", true
	case "string":
		if value == "" {
			value = m[1]
		}
		return fmt.Sprintf("%s must be a single value, not %s", key, value), "write it as " + key + ": " + exampleValues[key] + ", one value on the line", true
	default:
		return "", "", false
	}
	if value == "" {
		value = m[1]
	}
	return fmt.Sprintf("%s must be %s, not %s", key, want, value), "write it as " + example + ", without a unit or quotes", true
}

// countUnits says what each count of the spec counts.
var countUnits = map[string]string{
	"premake":    "periods (of the table's interval) made ahead of the current one",
	"keep":       "periods (of the table's interval) kept before the current one",
	"drop_after": "periods (of the table's interval) after retirement",
}

var exampleValues = map[string]string{"interval": "month", "dialect": "postgres", "key": "created_at", "name": "events",
	"action": "archive", "timezone": "UTC", "migrations": "db/migrations", "key_type": "timestamptz"}

// keyAt finds the mapping key whose value starts at line:col, and the
// value's text.
func keyAt(file *ast.File, line, col int) (key, value string) {
	for _, doc := range file.Docs {
		ast.Walk(visitorFunc(func(n ast.Node) bool {
			if key != "" {
				return false
			}
			mv, ok := n.(*ast.MappingValueNode)
			if !ok {
				return true
			}
			if tk := mv.Value.GetToken(); tk != nil && tk.Position != nil && tk.Position.Line == line && tk.Position.Column == col {
				key, value = mv.Key.String(), strings.TrimSpace(mv.Value.String())
				return false
			}
			return true
		}), doc)
	}
	return key, value
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
	path    string
	file    *ast.File
	dialect dialect.Dialect
	citus   bool // the spec's top-level citus:
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
	return &Error{File: v.path, Line: line, Column: col, Msg: fmt.Sprintf(format, args...), Fix: fix}
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
	d, ok := dialect.Parse(*raw.Dialect)
	if !ok {
		var names []string
		for _, n := range dialect.Names() {
			names = append(names, string(n))
		}
		return nil, v.enumError("$.dialect", "dialect", *raw.Dialect, names, "")
	}
	s.Dialect = d
	v.dialect = dialect.Must(d)
	if raw.Migrations == nil || strings.TrimSpace(*raw.Migrations) == "" {
		return nil, v.errf("$", "add `migrations: <goose folder>` (relative to this file)", "the spec does not name its migrations folder")
	}
	s.Migrations = *raw.Migrations
	s.migrationsAt[0], s.migrationsAt[1] = v.at("$.migrations")
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
	if raw.Citus != nil && *raw.Citus && s.Dialect != dialect.Postgres {
		return nil, v.errf("$.citus", "remove citus:; Citus is a PostgreSQL extension", "citus is a PostgreSQL setting")
	}
	v.citus = raw.Citus != nil && *raw.Citus
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
		if t.Adopt {
			names = append(names, t.LegacyName)
		}
		if t.DefaultPartition {
			names = append(names, t.DefaultPartitionName())
		}
		p := calendar.PeriodOfDate(t.Interval, calendar.Date{Year: 2026, Month: time.January, Day: 1}, time.UTC)
		for end := p.Lower.AddDate(2, 0, 0); p.Lower.Before(end); p = calendar.Shift(t.Interval, p, 1, time.UTC) {
			names = append(names, t.PartitionName(p))
		}
		if t.Adopt && slices.Contains(names[1:], t.LegacyName) {
			return v.errf(fmt.Sprintf("$.tables[%d].legacy_name", i), "name the legacy partition otherwise, such as "+t.Name+"_legacy",
				"table %s would name a partition %q, the legacy_name", t.Name, t.LegacyName)
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
	if len(name) > calendar.MaxIdentBytes {
		return v.errf(p, "use a shorter name (PostgreSQL truncates identifiers at 63 bytes)",
			"%s %q is %d bytes long, over the limit of 63", what, name, len(name))
	}
	if !calendar.IsPlainIdent(name) {
		return v.errf(p, "use lower-case letters, digits and underscores, starting with a letter or underscore",
			"%s %q is not a plain SQL identifier", what, name)
	}
	return nil
}

func (v *validator) table(s *Spec, i int, r *rawTable) (*Table, error) {
	base := fmt.Sprintf("$.tables[%d]", i)
	line, _ := v.at(base)
	t := &Table{Line: line, Premake: DefaultPremake, KeyType: v.dialect.KeyTypes()[0], OnDefaultRows: DefaultRowsFail, pos: map[string][2]int{}}
	for _, f := range tableFields {
		if l, c := v.at(base + "." + f); l > 0 {
			t.pos[f] = [2]int{l, c}
		}
	}
	t.pos[""] = [2]int{line, 1}
	if r.Name == nil {
		return nil, v.errf(base, "add `name: <table>`", "table entry %d has no name", i+1)
	}
	t.Name = *r.Name
	if err := v.ident(base+".name", "table name", t.Name); err != nil {
		return nil, err
	}
	if r.Schema != nil {
		if !v.dialect.Schemas() {
			return nil, v.errf(base+".schema", "remove `schema:`; "+v.dialect.Title()+" tables live in one schema", "schema is not a %s setting", v.dialect.Title())
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
		switch kt := dialect.KeyType(*r.KeyType); kt {
		case dialect.Timestamptz, dialect.Timestamp, dialect.Date:
			t.KeyType = kt
		default:
			return nil, v.enumError(base+".key_type", "key_type", *r.KeyType,
				[]string{string(dialect.Timestamptz), string(dialect.Timestamp), string(dialect.Date)}, "the key column's PostgreSQL type")
		}
		if !slices.Contains(v.dialect.KeyTypes(), t.KeyType) {
			if s.Dialect == dialect.SQLite {
				return nil, v.errf(base+".key_type", "remove key_type; SQLite keys are stored as UTC text (README, \"SQLite keys\")",
					"key_type %q is not supported on SQLite", t.KeyType)
			}
			return nil, v.errf(base+".key_type", "remove key_type", "key_type %q is not supported on %s", t.KeyType, v.dialect.Title())
		}
	}
	if r.Interval == nil {
		return nil, v.errf(base, "add `interval: day|week|month|quarter|year`", "table %q has no interval", t.Name)
	}
	iv, ok := calendar.ParseInterval(*r.Interval)
	if !ok {
		return nil, v.enumError(base+".interval", "interval", *r.Interval, []string{"day", "week", "month", "quarter", "year"}, "")
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
		d, err := calendar.ParseDate(*r.Start)
		if err != nil {
			return nil, v.errf(base+".start", "write the first period's date as YYYY-MM-DD", "start: %v", err)
		}
		t.Start = &d
	}
	if r.DefaultPartition != nil {
		t.DefaultPartition = *r.DefaultPartition
	}
	if r.OnDefaultRows != nil {
		switch dr := DefaultRows(*r.OnDefaultRows); dr {
		case DefaultRowsFail, DefaultRowsMove:
			t.OnDefaultRows = dr
		default:
			return nil, v.enumError(base+".on_default_rows", "on_default_rows", *r.OnDefaultRows,
				[]string{string(DefaultRowsFail), string(DefaultRowsMove)}, "")
		}
		if !t.DefaultPartition {
			return nil, v.errf(base+".on_default_rows", "set `default_partition: true` or remove on_default_rows",
				"on_default_rows needs a default partition")
		}
	}
	t.Naming = calendar.DefaultNaming(t.Interval)
	if r.Naming != nil {
		t.Naming = *r.Naming
	}
	if err := calendar.CheckNaming(t.Naming, t.Name, t.Interval); err != nil {
		if r.Naming == nil { // the default pattern only fails on a long name
			return nil, v.errf(base+".name", "use a shorter table name, or a shorter `naming:` pattern", "table name %q: %v", t.Name, err)
		}
		return nil, v.errf(base+".naming", "use a pattern such as "+calendar.DefaultNaming(t.Interval)+" whose fields identify and order every period", "naming: %v", err)
	}
	if t.DefaultPartition {
		if err := v.ident(base+".name", "default partition name", t.DefaultPartitionName()); err != nil {
			return nil, err
		}
	}
	t.Citus = v.citus
	if r.Citus != nil {
		if *r.Citus && s.Dialect != dialect.Postgres {
			return nil, v.errf(base+".citus", "remove citus:; Citus is a PostgreSQL extension", "citus is a PostgreSQL setting")
		}
		t.Citus = *r.Citus
	}
	if r.Retention != nil {
		ret, err := v.retention(s, base+".retention", t, r.Retention)
		if err != nil {
			return nil, err
		}
		t.Retention = ret
	}
	if err := v.adopt(base, t, r); err != nil {
		return nil, err
	}
	return t, nil
}

// adopt reads adopt, cutover and legacy_name. Adoption is an engine's rule
// ([dialect.Dialect.AdoptsInPlace]); the cutover must start a period of
// the table's interval in the spec's zone, so that the partitions after it
// are whole periods; start has no meaning beside it (the legacy partition
// holds everything before the cutover).
func (v *validator) adopt(base string, t *Table, r *rawTable) error {
	if r.Adopt != nil {
		t.Adopt = *r.Adopt
	}
	if t.Adopt && !v.dialect.AdoptsInPlace() {
		return v.errf(base+".adopt", "remove `adopt:`; the table's first partgen file converts an ordinary "+v.dialect.Title()+" table by itself",
			"adopt is not a %s setting", v.dialect.Title())
	}
	if r.Cutover != nil {
		if !t.Adopt {
			return v.errf(base+".cutover", "set `adopt: true`, or remove cutover", "cutover only applies to an adopted table (adopt: true)")
		}
		d, err := calendar.ParseDate(*r.Cutover)
		if err != nil {
			return v.errf(base+".cutover", "write the cutover as YYYY-MM-DD, the first day of a "+string(t.Interval), "cutover: %v", err)
		}
		if p := calendar.PeriodOfDate(t.Interval, d, time.UTC); calendar.DateOf(p.Lower, time.UTC) != d {
			next := calendar.Shift(t.Interval, p, 1, time.UTC)
			return v.errf(base+".cutover", fmt.Sprintf("use %s or %s, the start of a %s", calendar.DateOf(p.Lower, time.UTC), calendar.DateOf(next.Lower, time.UTC), t.Interval),
				"cutover %s is not the first day of a %s: the partitions after the legacy one are whole periods", d, t.Interval)
		}
		t.Cutover = &d
	}
	if r.LegacyName != nil {
		if !t.Adopt {
			return v.errf(base+".legacy_name", "set `adopt: true`, or remove legacy_name", "legacy_name only applies to an adopted table (adopt: true)")
		}
		t.LegacyName = *r.LegacyName
		if err := v.ident(base+".legacy_name", "legacy name", t.LegacyName); err != nil {
			return err
		}
		if t.LegacyName == t.Name {
			return v.errf(base+".legacy_name", "name the legacy partition otherwise, such as "+t.Name+"_legacy", "legacy_name is the table's own name")
		}
	} else if t.Adopt {
		t.LegacyName = t.Name + "_legacy"
		if err := v.ident(base+".name", "legacy partition name", t.LegacyName); err != nil {
			return v.errf(base+".name", "set `legacy_name:` to a name of at most 63 bytes", "table name %q: the legacy partition %q would be %d bytes long, over the limit of 63",
				t.Name, t.LegacyName, len(t.LegacyName))
		}
	}
	if t.Adopt && t.Citus {
		return v.errf(base+".adopt", "adopt the table on PostgreSQL first (without citus:), distribute it with create_distributed_table after the swap, then set citus: true",
			"adopt does not apply to a Citus table: the swap renames and attaches tables Citus would have to distribute")
	}
	if t.Adopt && t.Start != nil {
		return v.errf(base+".start", "remove start:; the legacy partition holds every row before the cutover, and partitions start there",
			"start does not apply to an adopted table")
	}
	return nil
}

// DefaultCutover is the cutover of an adopted table without `cutover:`:
// the start of the period after the as-of period plus one (as of
// 2026-11-26, monthly: 2027-01-01). The adoption's first file makes the
// table refuse rows at or after the cutover until the swap makes them go to
// partitions of their own, so the cutover must lie after every key the
// application writes until the files are deployed: the rest of the as-of
// period and one whole period more leave time to review and deploy them.
func DefaultCutover(t *Table, asOf calendar.Date, loc *time.Location) time.Time {
	return calendar.Shift(t.Interval, calendar.PeriodOfDate(t.Interval, asOf, loc), 2, loc).Lower
}

// CutoverAt is the cutover of an adopted table as an instant: the spec's
// cutover date at the start of its period in loc, or [DefaultCutover].
func CutoverAt(t *Table, asOf calendar.Date, loc *time.Location) time.Time {
	if t.Cutover != nil {
		return calendar.PeriodOfDate(t.Interval, *t.Cutover, loc).Lower
	}
	return DefaultCutover(t, asOf, loc)
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
	switch a := Action(*r.Action); a {
	case ActionDrop, ActionDetach, ActionArchive:
		ret.Action = a
	default:
		return nil, v.enumError(p+".action", "retention action", *r.Action,
			[]string{string(ActionDrop), string(ActionDetach), string(ActionArchive)}, "")
	}
	if r.ArchiveSchema != nil {
		if ret.Action != ActionArchive {
			return nil, v.errf(p+".archive_schema", "remove archive_schema or use `action: archive`", "archive_schema only applies to action archive")
		}
		ret.ArchiveSchema = *r.ArchiveSchema
		if err := v.ident(p+".archive_schema", "archive schema", ret.ArchiveSchema); err != nil {
			return nil, err
		}
		if v.dialect.Schemas() && ret.ArchiveSchema == t.Schema {
			return nil, v.errf(p+".archive_schema", "name another schema", "archive_schema is the table's own schema")
		}
	} else if ret.Action == ActionArchive {
		if v.dialect.Schemas() {
			return nil, v.errf(p, "add `archive_schema: archive` (created if missing)", "action archive needs archive_schema on %s", v.dialect.Title())
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
	if r.ExactRowCount != nil {
		ret.ExactRowCount = *r.ExactRowCount
	}
	if ret.Action != ActionDrop {
		_, name := v.dialect.Archived(t.Schema, ret.ArchiveSchema, t.PartitionName(calendar.Period{Lower: time.Date(2000, 1, 3, 0, 0, 0, 0, time.UTC)}))
		if err := v.ident(p, "archived table name", name); err != nil {
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

// FolderError points an error about the migrations folder itself (a folder
// that does not exist, is a file, cannot be read: an [*Error] whose File is
// the folder) at the spec's `migrations:` line, where the fix is made, and
// names the folder in the message. Other errors pass through.
func (s *Spec) FolderError(err error) error {
	var e *Error
	if !errors.As(err, &e) || filepath.Clean(e.File) != filepath.Clean(s.Migrations) {
		return err
	}
	return &Error{File: s.File, Line: s.migrationsAt[0], Column: s.migrationsAt[1],
		Msg: fmt.Sprintf("migrations: %s: %s", s.Migrations, e.Msg), Fix: e.Fix}
}

// Quoted is the table's quoted name, schema-qualified when the spec gives a schema.
func (t *Table) Quoted() string { return dialect.Qualify(t.Schema, t.Name) }

// PartitionName is the name of the table's partition for period p, from
// its naming pattern.
func (t *Table) PartitionName(p calendar.Period) string {
	return calendar.PartitionName(t.Naming, t.Name, p)
}

// DefaultPartitionName is the name of the table's default partition.
func (t *Table) DefaultPartitionName() string { return t.Name + "_default" }

// Archived is where action archive puts the table's partition: the schema
// (empty: the table's own) and the name, as the spec's engine places it.
func (s *Spec) Archived(t *Table, partition string) (schema, name string) {
	prefix := ""
	if t.Retention != nil {
		prefix = t.Retention.ArchiveSchema
	}
	return dialect.Must(s.Dialect).Archived(t.Schema, prefix, partition)
}

// tableFields are the keys of a table entry whose position [Spec.ErrorAt]
// can point at.
var tableFields = []string{"name", "schema", "key", "key_type", "interval", "premake", "start",
	"default_partition", "on_default_rows", "naming", "retention", "retention.keep", "retention.action",
	"retention.archive_schema", "retention.drop_after", "retention.exact_row_count", "citus", "adopt", "cutover", "legacy_name"}

// At is the line and column of a field of the table's entry ("key",
// "retention.keep"), or of the entry itself when the field is not written.
func (t *Table) At(field string) (line, col int) {
	if p, ok := t.pos[field]; ok {
		return p[0], p[1]
	}
	if i := strings.LastIndexByte(field, '.'); i > 0 {
		return t.At(field[:i])
	}
	if p, ok := t.pos[""]; ok {
		return p[0], p[1]
	}
	return t.Line, 1
}

// ErrorAt is an [*Error] about a table, pointing at one of its fields in
// the spec (see [Table.At]).
func (s *Spec) ErrorAt(t *Table, field, fix, format string, args ...any) *Error {
	line, col := t.At(field)
	return &Error{File: s.File, Line: line, Column: col, Msg: fmt.Sprintf(format, args...), Fix: fix}
}
