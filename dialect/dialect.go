// Package dialect is the on-disk contract of each engine partgen writes
// for: how a partition's bounds are written into a migration and read back
// from the database, where a retired partition goes, which key types an
// engine partitions on, and the spec rules that follow from them. The
// writer and the reader of each contract sit side by side in the engine's
// file (postgres.go, sqlite.go), so they cannot drift apart.
//
// The package is a leaf: the generator, status, check and the runtime
// packages an application links all import it, and it imports no database
// driver, no YAML parser, no goose and no templates.
//
// Adding an engine: one file here implementing [Dialect] and an entry in
// the registry, then the generator's engine file and template directory
// (CONTRIBUTING.md, "Adding a dialect").
package dialect

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/partgen/partgen/calendar"
)

// Name is an engine's name as the spec's `dialect:` writes it.
type Name string

// The engines partgen writes for.
const (
	Postgres Name = "postgres"
	SQLite   Name = "sqlite"
)

// KeyType is the SQL type of a partition key column, as the spec's
// `key_type:` writes it.
type KeyType string

// The key types partgen partitions on.
const (
	Timestamptz KeyType = "timestamptz" // PostgreSQL timestamp with time zone; SQLite canonical UTC text
	Timestamp   KeyType = "timestamp"   // PostgreSQL timestamp without time zone: civil time
	Date        KeyType = "date"        // PostgreSQL date
)

// Dialect is one engine's contract. Implementations are stateless values
// registered in [Lookup]'s table.
type Dialect interface {
	// Name is the spec's `dialect:` value.
	Name() Name
	// Title is the engine's name in prose: PostgreSQL, SQLite.
	Title() string
	// KeyTypes lists the key types the engine accepts; the first is the
	// default when the spec gives none.
	KeyTypes() []KeyType
	// Schemas reports whether tables live in named schemas: `schema:` is
	// accepted and archived partitions move to `archive_schema:` (which is
	// then required). Without schemas an archived partition is renamed.
	Schemas() bool
	// Literal writes a bound of a key of type kt as a SQL literal that means
	// the same value under every session setting.
	Literal(kt KeyType, t time.Time) string
	// ReadBounds reads a partition's bounds back from the text the database
	// holds (PostgreSQL: pg_get_expr of relpartbound; SQLite: the
	// partition's CREATE TABLE). dflt is true for a default partition; ok is
	// false when the text holds no bounds partgen can read.
	ReadBounds(text, key string, kt KeyType, loc *time.Location) (p calendar.Period, dflt, ok bool)
	// Archived is where action archive puts a partition of a table in
	// schema: the schema (empty: the table's own) and the name.
	Archived(schema, archiveSchema, partition string) (toSchema, name string)
	// ConcurrentDetach reports whether retirement detaches without blocking
	// writers, in a file of its own outside a transaction. A default
	// partition rules it out on PostgreSQL.
	ConcurrentDetach(hasDefault bool) bool
	// AdoptsInPlace reports whether an ordinary table can become the first
	// partition of a new partitioned table without copying its rows (spec
	// `adopt: true`; PostgreSQL: ATTACH behind a validated CHECK). An
	// engine that does not converts the table in its first file instead.
	AdoptsInPlace() bool
}

var registry = map[Name]Dialect{
	Postgres: postgres{},
	SQLite:   sqlite{},
}

// aliases are other spellings `dialect:` accepts.
var aliases = map[string]Name{"postgresql": Postgres, "sqlite3": SQLite}

// Lookup returns the dialect registered under n.
func Lookup(n Name) (Dialect, bool) {
	d, ok := registry[n]
	return d, ok
}

// Must returns the dialect registered under n and panics for an unknown
// name: a spec that loaded always names a registered one.
func Must(n Name) Dialect {
	d, ok := registry[n]
	if !ok {
		panic(fmt.Sprintf("dialect: %q is not registered", n))
	}
	return d
}

// Parse reads a `dialect:` value: a registered name or an alias of one
// (postgresql, sqlite3).
func Parse(s string) (Name, bool) {
	if _, ok := registry[Name(s)]; ok {
		return Name(s), true
	}
	n, ok := aliases[s]
	return n, ok
}

// Names lists the registered names, sorted.
func Names() []Name {
	var out []Name
	for n := range registry {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// QuoteIdent quotes an identifier for SQL text, doubling inner quotes. Spec
// identifiers are validated to be plain, but quoting keeps reserved words
// such as "order" working.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// QuoteLiteral quotes a SQL string literal.
func QuoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Qualify is the quoted name of name in schema, or name alone when schema
// is empty (the search_path decides).
func Qualify(schema, name string) string {
	if schema == "" {
		return QuoteIdent(name)
	}
	return QuoteIdent(schema) + "." + QuoteIdent(name)
}
