package generator

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// SQLiteTable is a table as the user's own migrations define it, read back
// from sqlite_schema after replaying them.
type SQLiteTable struct {
	Name       string
	SQL        string   // CREATE TABLE statement as stored in sqlite_schema
	Columns    []string // in declaration order
	PrimaryKey []string // in key order; empty without a declared primary key
	Indexes    []SQLiteIndex
	// NotNullDefaults maps NOT NULL columns that have a DEFAULT to its SQL.
	// A view has no defaults, so an INSERT through it that omits such a
	// column arrives as NULL; the triggers apply the default instead.
	NotNullDefaults map[string]string
}

// SQLiteIndex is one index the user created (automatic indexes are left
// out: the table's own UNIQUE and PRIMARY KEY clauses recreate them).
type SQLiteIndex struct {
	Name string
	SQL  string
}

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

// canonicalKeyCheck is true when x is already in the canonical form:
// seconds, optional fractional digits, and +00:00. Short enough to read in
// every CHECK and trigger; the range bounds beside it pin the digits.
func canonicalKeyCheck(x string) string {
	return fmt.Sprintf("(%[1]s GLOB '????-??-?? ??:??:??+00:00' OR %[1]s GLOB '????-??-?? ??:??:??.[0-9]*+00:00')", x)
}

// canonicalKeyExpr converts x to the canonical form, or NULL when x is not
// a timestamp. The fraction is carried over digit for digit: SQLite's date
// functions keep only milliseconds and would round 12.9999999 up to 13.
func canonicalKeyExpr(x string) string {
	offLen := fmt.Sprintf("(CASE WHEN %[1]s GLOB '*Z' THEN 1 WHEN %[1]s GLOB '*[+-][0-9][0-9]:[0-9][0-9]' THEN 6 ELSE 0 END)", x)
	rest := fmt.Sprintf("substr(%s, 20, length(%s) - 19 - %s)", x, x, offLen)
	frac := fmt.Sprintf("(CASE WHEN %[1]s = '' THEN '' WHEN %[1]s GLOB '.[0-9]*' AND substr(%[1]s, 2) NOT GLOB '*[^0-9]*' THEN %[1]s END)", rest)
	off := fmt.Sprintf("(CASE WHEN %[1]s GLOB '*Z' THEN 'Z' WHEN %[1]s GLOB '*[+-][0-9][0-9]:[0-9][0-9]' THEN substr(%[1]s, -6) ELSE '' END)", x)
	return fmt.Sprintf("(CASE WHEN %s THEN %s WHEN %s GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]*' THEN strftime('%%Y-%%m-%%d %%H:%%M:%%S', substr(%s, 1, 19) || %s) || %s || '+00:00' END)",
		canonicalKeyCheck(x), x, x, x, off, frac)
}

// sqliteToken is a lexical token of a SQLite statement: enough to find
// names and parentheses without being fooled by strings and comments.
type sqliteToken struct {
	text       string
	start, end int
}

func sqliteTokens(sql string) []sqliteToken {
	var toks []sqliteToken
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				i = len(sql)
			} else {
				i += j + 4
			}
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			j := i + 1
			for j < len(sql) {
				if sql[j] == closer {
					if closer != ']' && j+1 < len(sql) && sql[j+1] == closer {
						j += 2
						continue
					}
					break
				}
				j++
			}
			toks = append(toks, sqliteToken{sql[i:min(j+1, len(sql))], i, min(j+1, len(sql))})
			i = j + 1
		case isWordByte(c):
			j := i
			for j < len(sql) && isWordByte(sql[j]) {
				j++
			}
			toks = append(toks, sqliteToken{sql[i:j], i, j})
			i = j
		default:
			toks = append(toks, sqliteToken{sql[i : i+1], i, i + 1})
			i++
		}
	}
	return toks
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// nameSpan finds a possibly schema-qualified name starting at token i and
// returns the index of the token after it.
func nameSpan(toks []sqliteToken, i int) int {
	if i+2 < len(toks) && toks[i+1].text == "." {
		return i + 3
	}
	return i + 1
}

func skipIfNotExists(toks []sqliteToken, i int) int {
	if i+2 < len(toks) && strings.EqualFold(toks[i].text, "IF") && strings.EqualFold(toks[i+1].text, "NOT") && strings.EqualFold(toks[i+2].text, "EXISTS") {
		return i + 3
	}
	return i
}

// PartitionDDL turns the user's CREATE TABLE into one for a partition: the
// new name, and an extra table constraint before the closing parenthesis.
func (st *SQLiteTable) PartitionDDL(name, constraint string) (string, error) {
	toks := sqliteTokens(st.SQL)
	i := 0
	for i < len(toks) && !strings.EqualFold(toks[i].text, "TABLE") {
		i++
	}
	i = skipIfNotExists(toks, i+1)
	if i >= len(toks) {
		return "", fmt.Errorf("cannot read the CREATE TABLE of %s", st.Name)
	}
	nameEnd := nameSpan(toks, i)
	if nameEnd >= len(toks) || toks[nameEnd].text != "(" {
		return "", fmt.Errorf("table %s is not created with a column list (CREATE TABLE ... AS SELECT is not supported)", st.Name)
	}
	depth, close := 0, -1
	for j := nameEnd; j < len(toks); j++ {
		switch toks[j].text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				close = j
			}
		}
		if close >= 0 {
			break
		}
	}
	if close < 0 {
		return "", fmt.Errorf("cannot find the end of the column list of %s", st.Name)
	}
	body := st.SQL[toks[nameEnd].start:toks[close].start]
	body = strings.TrimRight(body, " \t\r\n")
	tail := st.SQL[toks[close].start:]
	out := "CREATE TABLE " + quoteIdent(name) + " " + body
	if constraint != "" {
		out += ",\n    " + constraint + "\n"
	}
	return out + tail, nil
}

// IndexDDL rewrites one of the user's CREATE INDEX statements for a partition.
func (st *SQLiteTable) IndexDDL(ix SQLiteIndex, partition string) (string, error) {
	toks := sqliteTokens(ix.SQL)
	i := 0
	for i < len(toks) && !strings.EqualFold(toks[i].text, "INDEX") {
		i++
	}
	i = skipIfNotExists(toks, i+1)
	if i >= len(toks) {
		return "", fmt.Errorf("cannot read index %s", ix.Name)
	}
	nameEnd := nameSpan(toks, i)
	if nameEnd >= len(toks) || !strings.EqualFold(toks[nameEnd].text, "ON") || nameEnd+1 >= len(toks) {
		return "", fmt.Errorf("cannot read index %s", ix.Name)
	}
	tblEnd := nameSpan(toks, nameEnd+1)
	if tblEnd > len(toks) {
		return "", fmt.Errorf("cannot read index %s", ix.Name)
	}
	newName := PartitionIndexName(st.Name, ix.Name, partition)
	var b strings.Builder
	b.WriteString(ix.SQL[:toks[i].start])
	b.WriteString(quoteIdent(newName))
	b.WriteString(" ON ")
	b.WriteString(quoteIdent(partition))
	if tblEnd < len(toks) {
		b.WriteString(" ")
		b.WriteString(ix.SQL[toks[tblEnd].start:])
	}
	return b.String(), nil
}

// PartitionIndexName names a partition's copy of an index: the table's name
// in the index name is replaced by the partition's, else it is prefixed.
func PartitionIndexName(table, index, partition string) string {
	if rest, ok := strings.CutPrefix(index, table+"_"); ok {
		return partition + "_" + rest
	}
	return partition + "_" + index
}

// Identity is the columns that pick out one row for UPDATE and DELETE
// through the view: the primary key, or every column when there is none.
func (st *SQLiteTable) Identity() []string {
	if len(st.PrimaryKey) > 0 {
		return st.PrimaryKey
	}
	return st.Columns
}

// sqliteRange is a merged run of contiguous partitions, for the catch-all.
type sqliteRange struct{ Lower, Upper, LowerText, UpperText string }

func mergedRanges(parts []tmplPart) []sqliteRange {
	var out []sqliteRange
	for _, p := range parts {
		if n := len(out); n > 0 && out[n-1].Upper == p.Lower {
			out[n-1].Upper, out[n-1].UpperText = p.Upper, p.UpperText
			continue
		}
		out = append(out, sqliteRange{p.Lower, p.Upper, p.LowerText, p.UpperText})
	}
	return out
}

// Key is the canonical key text a bound literal quotes, for messages:
// '2026-12-01 00:00:00+00:00' -> 2026-12-01 00:00:00+00:00.
func (v sqliteView) Key(literal string) string {
	if len(literal) >= 2 && literal[0] == '\'' && literal[len(literal)-1] == '\'' {
		return strings.ReplaceAll(literal[1:len(literal)-1], "''", "'")
	}
	return literal
}

// Covered lists the merged ranges of the partitions in canonical key text,
// for messages that must name them literally: before SQLite 3.47 RAISE
// takes only a string literal, so a message cannot quote the offending key.
func (v sqliteView) Covered() string {
	if len(v.Ranges) == 0 {
		return "no range"
	}
	var out []string
	for _, r := range v.Ranges {
		out = append(out, "["+v.Key(r.Lower)+", "+v.Key(r.Upper)+")")
	}
	return strings.Join(out, ", ")
}

// First and Last are the first and last merged ranges (the view has at
// least one partition wherever they are used).
func (v sqliteView) First() sqliteRange { return v.Ranges[0] }
func (v sqliteView) Last() sqliteRange  { return v.Ranges[len(v.Ranges)-1] }

// FindOutside is a query for the user to run on the table a refused
// conversion left as it was: the rows whose key is NULL or outside every
// range. Such a table still holds keys in any accepted form; datetime()
// reads every offset, Z and T, in SQLite 3.34 too, and the fraction it drops
// cannot cross a bound, which is always a whole second.
func (v sqliteView) FindOutside() string {
	k := fmt.Sprintf("datetime(%s)", v.T.Key)
	var in []string
	for _, r := range v.Ranges {
		in = append(in, fmt.Sprintf("(%s >= '%.19s' AND %s < '%.19s')", k, v.Key(r.Lower), k, v.Key(r.Upper)))
	}
	q := fmt.Sprintf("SELECT * FROM %s WHERE %s IS NULL", v.T.Q, v.T.Key)
	if len(in) > 0 {
		q += " OR NOT (" + strings.Join(in, " OR ") + ")"
	}
	return q
}

// sqliteView is what the view-and-triggers template needs.
type sqliteView struct {
	T          tmplTable
	Table      *SQLiteTable
	Parts      []tmplPart
	Default    *tmplPart
	Ranges     []sqliteRange
	Columns    string   // quoted column list
	NewValues  string   // NEW."c", ... with the key as is
	NormValues string   // NEW."c", ... with the key normalised
	IdentityOf []string // "c" IS OLD."c" terms
	Canonical  string   // canonical check of NEW.key
	Normalised string   // canonical form of NEW.key
	NewKey     string   // NEW.key, with the column's DEFAULT when the insert omits it
}

func (r *renderer) viewOf(d *tmplData, parts []tmplPart, withDefault bool) sqliteView {
	st := d.SQLite
	v := sqliteView{T: d.T, Table: st, Parts: parts, Ranges: mergedRanges(parts)}
	if withDefault {
		dp := d.Default
		v.Default = &dp
	}
	newKey := "NEW." + d.T.Key
	if dflt, ok := st.NotNullDefaults[d.T.KeyBare]; ok {
		// The view has no defaults: an insert that omits the key brings NULL.
		newKey = fmt.Sprintf("coalesce(NEW.%s, %s)", d.T.Key, dflt)
	}
	v.NewKey = newKey
	var cols, news, norms []string
	for _, c := range st.Columns {
		q := quoteIdent(c)
		cols = append(cols, q)
		val := "NEW." + q
		if dflt, ok := st.NotNullDefaults[c]; ok {
			val = fmt.Sprintf("coalesce(%s, %s)", val, dflt)
		}
		news = append(news, val)
		if c == d.T.KeyBare {
			norms = append(norms, canonicalKeyExpr(newKey))
		} else {
			norms = append(norms, val)
		}
	}
	for _, c := range st.Identity() {
		v.IdentityOf = append(v.IdentityOf, fmt.Sprintf("%s IS OLD.%s", quoteIdent(c), quoteIdent(c)))
	}
	v.Columns = strings.Join(cols, ", ")
	v.NewValues = strings.Join(news, ", ")
	v.NormValues = strings.Join(norms, ", ")
	v.Canonical = canonicalKeyCheck(newKey)
	v.Normalised = canonicalKeyExpr(newKey)
	return v
}

func (r *renderer) sqliteTable(t *Table) (*SQLiteTable, error) {
	if st, ok := r.sqlite[t.Name]; ok {
		return st, nil
	}
	if r.opts.SQLiteSchema == nil {
		return nil, fmt.Errorf("internal: no SQLite schema reader configured")
	}
	st, err := r.opts.SQLiteSchema(r.folder, t.Name)
	if err != nil {
		return nil, err
	}
	found := false
	for _, c := range st.Columns {
		if c == t.Key {
			found = true
		}
	}
	if !found {
		return nil, &SpecError{File: r.spec.File, Line: t.Line, Column: 1,
			Msg: fmt.Sprintf("table %s has no column %q (its columns: %s)", t.Name, t.Key, strings.Join(st.Columns, ", ")),
			Fix: "set `key:` to the table's timestamp column"}
	}
	if len(st.PrimaryKey) > 0 {
		has := false
		for _, c := range st.PrimaryKey {
			has = has || c == t.Key
		}
		if !has {
			// As PostgreSQL requires of a partitioned table: each partition
			// enforces its key alone, so one that omits the partition key
			// (an INTEGER PRIMARY KEY above all, a rowid of each table) would
			// repeat across partitions.
			return nil, &SpecError{File: r.spec.File, Line: t.Line, Column: 1,
				Msg: fmt.Sprintf("the primary key of %s (%s) does not include the partition key %s: each partition would enforce it alone",
					t.Name, strings.Join(st.PrimaryKey, ", "), t.Key),
				Fix: fmt.Sprintf("make it PRIMARY KEY (%s, %s) in your migration, as PostgreSQL requires of partitioned tables", strings.Join(st.PrimaryKey, ", "), t.Key)}
		}
	}
	r.sqlite[t.Name] = st
	return st, nil
}

// partitionDDL is the CREATE TABLE of one SQLite partition: the user's
// definition plus a CHECK that holds the key to the period and to the
// canonical form, so no direct write can put a row in the wrong table.
func (r *renderer) partitionDDL(d *tmplData, p tmplPart) (string, error) {
	k := d.T.Key
	c := fmt.Sprintf("CONSTRAINT partgen_bounds CHECK (%s >= %s AND %s < %s AND %s)", k, p.Lower, k, p.Upper, canonicalKeyCheck(k))
	return d.SQLite.PartitionDDL(p.Bare, c)
}

// defaultDDL is the CREATE TABLE of the default partition: any period, but
// still the canonical form (or NULL, which no range takes).
func (r *renderer) defaultDDL(d *tmplData) (string, error) {
	k := d.T.Key
	c := fmt.Sprintf("CONSTRAINT partgen_key_form CHECK (%s IS NULL OR %s)", k, canonicalKeyCheck(k))
	return d.SQLite.PartitionDDL(d.Default.Bare, c)
}

func (r *renderer) indexDDLs(d *tmplData, partition string) ([]string, error) {
	var out []string
	for _, ix := range d.SQLite.Indexes {
		s, err := d.SQLite.IndexDDL(ix, partition)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
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

// SQLiteBounds reads a partition's range back from its CREATE TABLE: the
// CHECK ("key" >= 'lower' AND "key" < 'upper' ...) partitionDDL writes, or
// one written like it by hand. The literals are canonical keys.
func SQLiteBounds(tableSQL, key string) (Period, bool) {
	k := `(?:"` + regexp.QuoteMeta(key) + `"|` + regexp.QuoteMeta(key) + `)`
	re, err := regexp.Compile(k + `\s*>=\s*'([^']+)'\s+AND\s+` + k + `\s*<\s*'([^']+)'`)
	if err != nil {
		return Period{}, false
	}
	m := re.FindStringSubmatch(tableSQL)
	if m == nil {
		return Period{}, false
	}
	lo, err1 := ParseSQLiteKey(m[1])
	hi, err2 := ParseSQLiteKey(m[2])
	if err1 != nil || err2 != nil {
		return Period{}, false
	}
	return Period{Start: lo, End: hi}, true
}
