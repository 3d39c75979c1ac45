package dialect

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/internal/sqlitelex"
)

// sqlite emulates range partitions: one table per period with a CHECK on
// its bounds, a view under the table's name (UNION ALL of the partitions)
// and INSTEAD OF triggers that route writes. Keys are stored as canonical
// UTC text ([SQLiteKeyLayout]).
type sqlite struct{}

func (sqlite) Name() Name { return SQLite }

func (sqlite) Title() string { return "SQLite" }

func (sqlite) KeyTypes() []KeyType { return []KeyType{Timestamptz} }

func (sqlite) Schemas() bool { return false }

// ConcurrentDetach is false: a retirement rebuilds the view in one
// transaction, which SQLite serialises anyway.
func (sqlite) ConcurrentDetach(bool) bool { return false }

// AdoptsInPlace is false: the table's first partgen file converts an
// ordinary table by copying its rows into the partition tables (SQLite has
// no ATTACH), with no setting needed.
func (sqlite) AdoptsInPlace() bool { return false }

// Archived renames: SQLite has no schemas to move a table into, so an
// archived partition becomes archive_partition in the same file.
func (sqlite) Archived(_, archiveSchema, partition string) (string, string) {
	return "", SQLiteArchivedName(archiveSchema, partition)
}

// SQLiteArchivedName is the name a partition archived on SQLite keeps:
// prefix_partition, or the partition's own name without a prefix.
func SQLiteArchivedName(prefix, partition string) string {
	if prefix == "" {
		return partition
	}
	return prefix + "_" + partition
}

// Literal writes a bound as a canonical key string literal.
func (sqlite) Literal(_ KeyType, t time.Time) string { return QuoteLiteral(SQLiteKey(t)) }

// SQLiteKeyLayout is the canonical storage form of a SQLite partition key:
// the text go-sqlite3 writes for a UTC time.Time. It sorts as text in time
// order, whatever the number of fractional digits.
const SQLiteKeyLayout = "2006-01-02 15:04:05.999999999-07:00"

// SQLiteKey writes an instant in the canonical form.
func SQLiteKey(t time.Time) string { return t.UTC().Format(SQLiteKeyLayout) }

// ParseSQLiteKey reads any form the view's triggers accept: the canonical
// form, another offset, a Z, a T separator, or no offset (SQLite's own
// convention for UTC, as datetime('now') writes it).
func ParseSQLiteKey(s string) (time.Time, error) {
	for _, layout := range []string{
		"2006-01-02 15:04:05.999999999-07:00",
		"2006-01-02T15:04:05.999999999-07:00",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999Z07:00",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp in a form partgen accepts (such as %s)", s, SQLiteKey(time.Date(2026, 11, 26, 4, 12, 12, 500000000, time.UTC)))
}

// SQLiteKeyCheck is a SQL condition, true when the expression x is already
// in the canonical form: seconds, optional fractional digits, and +00:00.
// Short enough to read in every CHECK and trigger; the range bounds beside
// it pin the digits.
func SQLiteKeyCheck(x string) string {
	return fmt.Sprintf("(%[1]s GLOB '????-??-?? ??:??:??+00:00' OR %[1]s GLOB '????-??-?? ??:??:??.[0-9]*+00:00')", x)
}

// SQLiteKeyExpr is a SQL expression converting x to the canonical form, or
// NULL when x is not a timestamp. The fraction is carried over digit for
// digit: SQLite's date functions keep only milliseconds and would round
// 12.9999999 up to 13.
func SQLiteKeyExpr(x string) string {
	offLen := fmt.Sprintf("(CASE WHEN %[1]s GLOB '*Z' THEN 1 WHEN %[1]s GLOB '*[+-][0-9][0-9]:[0-9][0-9]' THEN 6 ELSE 0 END)", x)
	rest := fmt.Sprintf("substr(%s, 20, length(%s) - 19 - %s)", x, x, offLen)
	frac := fmt.Sprintf("(CASE WHEN %[1]s = '' THEN '' WHEN %[1]s GLOB '.[0-9]*' AND substr(%[1]s, 2) NOT GLOB '*[^0-9]*' THEN %[1]s END)", rest)
	off := fmt.Sprintf("(CASE WHEN %[1]s GLOB '*Z' THEN 'Z' WHEN %[1]s GLOB '*[+-][0-9][0-9]:[0-9][0-9]' THEN substr(%[1]s, -6) ELSE '' END)", x)
	return fmt.Sprintf("(CASE WHEN %s THEN %s WHEN %s GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]*' THEN strftime('%%Y-%%m-%%d %%H:%%M:%%S', substr(%s, 1, 19) || %s) || %s || '+00:00' END)",
		SQLiteKeyCheck(x), x, x, x, off, frac)
}

// SQLiteBoundsCheck is the table constraint that holds a partition's key
// (the quoted column key) to [lower, upper) and to the canonical form, so
// no direct write can put a row in the wrong table. [sqlite.ReadBounds]
// reads it back.
func SQLiteBoundsCheck(key string, p calendar.Period) string {
	return fmt.Sprintf("CONSTRAINT partgen_bounds CHECK (%s >= %s AND %s < %s AND %s)",
		key, QuoteLiteral(SQLiteKey(p.Lower)), key, QuoteLiteral(SQLiteKey(p.Upper)), SQLiteKeyCheck(key))
}

// SQLiteKeyFormCheck is the table constraint of a default partition: any
// period, but the key (the quoted column key) in the canonical form, or
// NULL, which no range takes. [SQLitePartition] reads it back.
func SQLiteKeyFormCheck(key string) string {
	return fmt.Sprintf("CONSTRAINT partgen_key_form CHECK (%s IS NULL OR %s)", key, SQLiteKeyCheck(key))
}

// ReadBounds reads a partition's range back from its CREATE TABLE: the
// CHECK ("key" >= 'lower' AND "key" < 'upper' ...) [SQLiteBoundsCheck]
// writes, or one written like it by hand. A default partition has no
// bounds: dflt is never true here, the caller knows it by name.
func (sqlite) ReadBounds(tableSQL, key string, _ KeyType, _ *time.Location) (calendar.Period, bool, bool) {
	p, ok := SQLiteBounds(tableSQL, key)
	return p, false, ok
}

// SQLiteBounds is [Dialect.ReadBounds] for SQLite.
func SQLiteBounds(tableSQL, key string) (calendar.Period, bool) {
	k := `(?:"` + regexp.QuoteMeta(key) + `"|` + regexp.QuoteMeta(key) + `)`
	re, err := regexp.Compile(k + `\s*>=\s*'([^']+)'\s+AND\s+` + k + `\s*<\s*'([^']+)'`)
	if err != nil {
		return calendar.Period{}, false
	}
	m := re.FindStringSubmatch(tableSQL)
	if m == nil {
		return calendar.Period{}, false
	}
	lo, err1 := ParseSQLiteKey(m[1])
	hi, err2 := ParseSQLiteKey(m[2])
	if err1 != nil || err2 != nil {
		return calendar.Period{}, false
	}
	return calendar.Period{Lower: lo, Upper: hi}, true
}

// SQLitePartition reads what a table's CREATE TABLE says it is to partgen:
// a range partition, whose CHECK [SQLiteBoundsCheck] names the key column
// (CONSTRAINT partgen_bounds CHECK ("key" >= ...)), or a default partition,
// whose CHECK holds the key to the canonical form only (CONSTRAINT
// partgen_key_form CHECK ("key" IS NULL OR ...)). ok is false for any other
// table. Read the bounds of a range partition with [SQLiteBounds].
func SQLitePartition(tableSQL string) (key string, dflt, ok bool) {
	toks := sqlitelex.Tokens(tableSQL)
	for i := 0; i+4 < len(toks); i++ {
		if !toks[i].Is("CONSTRAINT") || !toks[i+2].Is("CHECK") || toks[i+3].Text != "(" || !toks[i+4].IsName() {
			continue
		}
		switch toks[i+1].Name() {
		case "partgen_bounds":
			return toks[i+4].Name(), false, true
		case "partgen_key_form":
			return toks[i+4].Name(), true, true
		}
	}
	return "", false, false
}

// sqliteViewMemberRE finds the tables a view selects from: one
// `SELECT ... FROM "partition"` per UNION ALL branch.
var sqliteViewMemberRE = regexp.MustCompile(`(?i)\bFROM\s+("(?:[^"]|"")+"|` + "`[^`]+`" + `|\[[^\]]+\]|[A-Za-z_][A-Za-z0-9_$]*)`)

// SQLiteViewMembers lists the tables a view's SQL selects from, in order,
// once each: for partgen's views, the partitions attached to the table.
func SQLiteViewMembers(viewSQL string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range sqliteViewMemberRE.FindAllStringSubmatch(viewSQL, -1) {
		name := unquoteIdent(m[1])
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// unquoteIdent removes SQL identifier quotes ("x", `x`, [x]).
func unquoteIdent(s string) string {
	if len(s) >= 2 {
		switch {
		case s[0] == '"' && s[len(s)-1] == '"':
			return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
		case s[0] == '`' && s[len(s)-1] == '`', s[0] == '[' && s[len(s)-1] == ']':
			return s[1 : len(s)-1]
		}
	}
	return s
}
