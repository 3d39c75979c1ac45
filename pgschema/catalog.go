// Package pgschema learns PostgreSQL tables offline, from the goose folder
// alone: it parses the Up sections of the user's own migrations with
// PostgreSQL's parser (libpg_query through pg_query_go, the parser sqlc
// uses) and follows, in version order, the statements that shape a table
// (CREATE TABLE, ALTER TABLE, CREATE INDEX, DROP, RENAME, COMMENT, GRANT,
// CREATE SCHEMA, SET search_path). No database is needed, and nothing is
// guessed: a statement the reader cannot follow (a DO block, EXECUTE, CALL,
// a Go migration, an ALTER TABLE subcommand it does not model, CREATE TABLE
// ... AS/LIKE/OF/INHERITS, a statement that does not parse) marks the
// tables it may have touched [Table.Unknown], with the reason and where.
//
// partgen's own files (folder.MigrationFile.Partgen) are skipped: they add
// partitions, which this package does not model, and never change a parent.
package pgschema

import (
	"fmt"
	"sort"
)

// DefaultSchema is where an unqualified name resolves when the folder does
// not SET search_path: the first schema of PostgreSQL's default search path
// ("$user", public) that usually exists.
const DefaultSchema = "public"

// Pos is where a statement starts: the migration file (base name), its
// goose version, and the 1-based line and column (in bytes) of the
// statement's first token.
type Pos struct {
	File    string
	Version int64
	Line    int
	Column  int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Note is something the reader could not follow, and where.
type Note struct {
	Pos
	Reason string
}

func (n Note) String() string { return n.Pos.String() + ": " + n.Reason }

// Replica identities, as ALTER TABLE ... REPLICA IDENTITY spells them.
const (
	IdentityDefault = "default"
	IdentityFull    = "full"
	IdentityNothing = "nothing"
	IdentityIndex   = "index"
)

// Partition strategies, as PARTITION BY spells them (lower case).
const (
	StrategyRange = "range"
	StrategyList  = "list"
	StrategyHash  = "hash"
)

// Table is one table as the folder's Up sections leave it.
type Table struct {
	Schema string
	Name   string
	// Created is the CREATE TABLE statement: its file, version, line and
	// column.
	Created Pos
	Columns []Column
	// PartitionBy is nil for a table that is not partitioned.
	PartitionBy *PartitionKey
	// PartitionOf is the qualified parent of a table created with
	// CREATE TABLE ... PARTITION OF ("" otherwise).
	PartitionOf string
	Tablespace  string            // "" is the database default
	Options     map[string]string // storage parameters (WITH/SET): fillfactor, toast.autovacuum_enabled, ...; never nil
	Unlogged    bool
	// AccessMethod is the table access method of USING or SET ACCESS METHOD
	// ("" when the folder names none).
	AccessMethod string
	// ReplicaIdentity is one of the Identity constants; ReplicaIndex names
	// the index for [IdentityIndex].
	ReplicaIdentity string
	ReplicaIndex    string
	// Indexes in creation order (PostgreSQL's OID order, which is the order
	// LIKE ... INCLUDING INDEXES copies them in): the indexes of PRIMARY KEY,
	// UNIQUE and EXCLUDE constraints and those of CREATE INDEX.
	Indexes     []Index
	Constraints []Constraint
	Comment     string
	// Grants are the GRANT and REVOKE statements on the table, as written
	// back by the parser.
	Grants []string
	// Set says where the folder last set each property: "partition by",
	// "tablespace", "options", "persistence", "access method", "replica
	// identity".
	Set map[string]Pos
	// Unknown is why the folder cannot tell what the table is (with the
	// statement's location), "" when every statement that touched it was
	// followed. The other fields then hold what the reader saw, which the
	// database may contradict.
	Unknown string
}

// FullName is schema.name.
func (t *Table) FullName() string { return t.Schema + "." + t.Name }

// Column returns the named column.
func (t *Table) Column(name string) (*Column, bool) {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i], true
		}
	}
	return nil, false
}

// Index returns the named index.
func (t *Table) Index(name string) (*Index, bool) {
	for i := range t.Indexes {
		if t.Indexes[i].Name == name {
			return &t.Indexes[i], true
		}
	}
	return nil, false
}

// Column is one column of a table.
type Column struct {
	Name string
	// Type is the type as PostgreSQL's format_type(atttypid, atttypmod)
	// prints it: "timestamp(3) with time zone", "character varying(20)",
	// "numeric(18,8)", "integer[]"; a user-defined type as written.
	Type string
	// BaseType is the type without its modifier, as format_type(atttypid,
	// NULL) prints it: "timestamp with time zone".
	BaseType string
	NotNull  bool
	Default  string // the DEFAULT expression, as written back by the parser
	Identity string // "always", "by default" or ""
	// Generated is the expression of a GENERATED ALWAYS AS (...) STORED
	// column.
	Generated string
	// Comment is the column's COMMENT ON COLUMN.
	Comment string
}

// PartitionKey is a table's PARTITION BY clause.
type PartitionKey struct {
	Strategy string // StrategyRange, StrategyList or StrategyHash
	// Columns are the key's column names, or for an expression its text
	// in parentheses.
	Columns []string
	// Expressions[i] tells that Columns[i] is an expression.
	Expressions []bool
}

// Index is one index of a table.
type Index struct {
	Name    string
	Unique  bool
	Primary bool
	// Constraint is the constraint kind backing the index: "primary key",
	// "unique", "exclude", or "" for CREATE INDEX.
	Constraint string
	// Columns are the key columns: a name, or an expression's text.
	Columns []string
	// Expressions[i] tells that Columns[i] is an expression.
	Expressions []bool
	// Elems are the key elements of a CREATE INDEX as PostgreSQL's
	// deparser writes them back, with collation, operator class and
	// ordering: `ts DESC NULLS LAST`, `lower(code) text_pattern_ops`. Nil
	// for a PRIMARY KEY or UNIQUE constraint, whose elements are its
	// Columns.
	Elems      []string
	Include    []string
	Method     string // "" for the default (btree)
	Where      string // a partial index's predicate
	Tablespace string
}

// Constraint is one table constraint.
type Constraint struct {
	Name    string // as PostgreSQL names it (given, or chosen like PostgreSQL: PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY; "" when not predictable)
	Kind    string // "primary key", "unique", "check", "foreign key", "exclude"
	Columns []string
	Expr    string // CHECK expression
}

// Catalog is what the folder's Up sections create, in the order the
// migrations run.
type Catalog struct {
	tables []*Table
	// Opaque lists the statements that could have created, changed or
	// dropped any table (a DO block, a Go migration, CALL, EXECUTE, a
	// statement that does not parse). When it is not empty, a table the
	// catalog does not hold may exist all the same.
	Opaque []Note
	// Schemas created by CREATE SCHEMA (and not dropped).
	Schemas []string
	// deps are the objects that depend on tables ([Catalog.Dependents]).
	deps []Dependent
}

// Table returns the table named name in schema ("" means [DefaultSchema]).
// A table Read cannot rule out is not returned: see [Catalog.Opaque].
func (c *Catalog) Table(schema, name string) (*Table, bool) {
	if schema == "" {
		schema = DefaultSchema
	}
	for _, t := range c.tables {
		if t.Schema == schema && t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// Tables lists every table, sorted by schema and name.
func (c *Catalog) Tables() []*Table {
	out := append([]*Table(nil), c.tables...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Schema != out[j].Schema {
			return out[i].Schema < out[j].Schema
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Similar lists up to three tables whose names are close to name (in any
// schema, an exact name in another schema first), for "did you mean".
func (c *Catalog) Similar(schema, name string) []*Table {
	if schema == "" {
		schema = DefaultSchema
	}
	type cand struct {
		t *Table
		d int
	}
	var cs []cand
	limit := max(2, len(name)/3)
	for _, t := range c.tables {
		if t.Schema == schema && t.Name == name {
			continue
		}
		d := distance(name, t.Name)
		if d <= limit {
			cs = append(cs, cand{t, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].t.FullName() < cs[j].t.FullName()
	})
	var out []*Table
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].t)
	}
	return out
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
