package generator

import (
	"fmt"
	"slices"
	"strings"
	"text/template"

	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/sqlitelex"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/sqliteschema"
)

// sqliteEngine writes SQLite's emulated partitions (templates/sqlite): it
// learns each table from the folder by replaying the user's migrations.
type sqliteEngine struct {
	dialect.Dialect
	schema *sqliteschema.Reader
}

func newSQLiteEngine() sqliteEngine {
	return sqliteEngine{Dialect: dialect.Must(dialect.SQLite), schema: sqliteschema.NewReader()}
}

func (sqliteEngine) funcs() template.FuncMap {
	return template.FuncMap{
		"view":         viewOf,
		"partitionDDL": partitionDDL,
		"defaultDDL":   defaultDDL,
		"indexDDLs":    indexDDLs,
		"keyCheck":     dialect.SQLiteKeyCheck,
		"keyExpr":      dialect.SQLiteKeyExpr,
		"viewName":     viewName,
	}
}

// viewName is the name CREATE VIEW gives the view: the table's name
// unquoted, as sqlc (which reads the goose folder as its schema) takes a
// view's name verbatim, quotes and all, and then cannot find the view a
// query names. A name that is one of SQLite's keywords stays quoted: SQLite
// needs it, and sqlc cannot follow such a view (README, "sqlc").
func viewName(t tmplTable) string {
	if sqlitelex.IsKeyword(t.Bare) {
		return t.Q
	}
	return t.Bare
}

func (sqliteEngine) convertNote() string { return " (converts the table to emulated partitions)" }

func (sqliteEngine) how(_ *spec.Spec, s *step) []string {
	t := s.table
	switch s.kind() {
	case kindCreate:
		how := []string{
			"Each partition is a table with the columns and constraints of " + t.Name + " plus a CHECK on its bounds;",
			"the view " + t.Name + " (UNION ALL of the partitions) and its INSTEAD OF triggers are rebuilt for the new set.",
		}
		if s.convert {
			how = append(how, "First partgen file of the table: its rows are copied into their partitions and the table becomes the view.")
		}
		return append(how, "Down: restores the previous set; it refuses to remove a partition that holds rows.")
	case kindPurge:
		return purgeHow
	}
	return []string{"Rebuilds the view and triggers without the partition, then " + map[folder.Op]string{
		folder.OpDetach: "leaves the table in place", folder.OpArchive: "renames the table to its archive name", folder.OpDrop: "drops the table"}[s.op] +
		"; one audit row in partgen_archive_log; all in one transaction.", retireDown(s)}
}

// definition is the user's table as the folder's migrations create it,
// before partgen's first file for it. The key must be one of its columns,
// and a primary key must include it.
func (e sqliteEngine) definition(sp *spec.Spec, mig *folder.Folder, t *spec.Table) (any, error) {
	st, err := e.schema.Read(mig, t.Name)
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
		return nil, sp.ErrorAt(t, "key", "set `key:` to the table's timestamp column",
			"table %s has no column %q (its columns: %s)", t.Name, t.Key, strings.Join(st.Columns, ", "))
	}
	if typ := st.Types[t.Key]; !timeColumnType(typ) {
		return nil, sp.ErrorAt(t, "key",
			"partition on a column that holds timestamps as text (TEXT, TIMESTAMP, DATETIME or no type), such as created_at; README, \"SQLite keys\"",
			"the key column %s of %s is declared %s: partgen partitions SQLite tables on timestamps stored as text, and values of type %s compare as numbers with the text bounds",
			t.Key, t.Name, typ, typ)
	}
	if len(st.PrimaryKey) > 0 && !slices.Contains(st.PrimaryKey, t.Key) {
		// As PostgreSQL requires of a partitioned table: each partition
		// enforces its key alone, so one that omits the partition key
		// (an INTEGER PRIMARY KEY above all, a rowid of each table) would
		// repeat across partitions.
		return nil, sp.ErrorAt(t, "key",
			fmt.Sprintf("make it PRIMARY KEY (%s, %s) in your migration, as PostgreSQL requires of partitioned tables", strings.Join(st.PrimaryKey, ", "), t.Key),
			"the primary key of %s (%s) does not include the partition key %s: each partition would enforce it alone",
			t.Name, strings.Join(st.PrimaryKey, ", "), t.Key)
	}
	return st, nil
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

// partitionTableDDL turns the user's CREATE TABLE into one for a
// partition: the new name, and an extra table constraint before the closing
// parenthesis.
func partitionTableDDL(st *sqliteschema.Table, name, constraint string) (string, error) {
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
	out := "CREATE TABLE " + dialect.QuoteIdent(name) + " " + body
	if constraint != "" {
		out += ",\n    " + constraint + "\n"
	}
	return out + tail, nil
}

// indexDDL rewrites one of the user's CREATE INDEX statements for a partition.
func indexDDL(st *sqliteschema.Table, ix sqliteschema.Index, partition string) (string, error) {
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
	newName := partitionIndexName(st.Name, ix.Name, partition)
	var b strings.Builder
	b.WriteString(ix.SQL[:toks[i].start])
	b.WriteString(dialect.QuoteIdent(newName))
	b.WriteString(" ON ")
	b.WriteString(dialect.QuoteIdent(partition))
	if tblEnd < len(toks) {
		b.WriteString(" ")
		b.WriteString(ix.SQL[toks[tblEnd].start:])
	}
	return b.String(), nil
}

// partitionIndexName names a partition's copy of an index: the table's name
// in the index name is replaced by the partition's, else it is prefixed.
func partitionIndexName(table, index, partition string) string {
	if rest, ok := strings.CutPrefix(index, table+"_"); ok {
		return partition + "_" + rest
	}
	return partition + "_" + index
}

// identity is the columns that pick out one row for UPDATE and DELETE
// through the view: the primary key, or every column when there is none.
func identity(st *sqliteschema.Table) []string {
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
	Table      *sqliteschema.Table
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

func viewOf(d *tmplData, parts []tmplPart, withDefault bool) sqliteView {
	st := d.Def.(*sqliteschema.Table)
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
		q := dialect.QuoteIdent(c)
		cols = append(cols, q)
		val := "NEW." + q
		if dflt, ok := st.NotNullDefaults[c]; ok {
			val = fmt.Sprintf("coalesce(%s, %s)", val, dflt)
		}
		news = append(news, val)
		if c == d.T.KeyBare {
			norms = append(norms, dialect.SQLiteKeyExpr(newKey))
		} else {
			norms = append(norms, val)
		}
	}
	for _, c := range identity(st) {
		v.IdentityOf = append(v.IdentityOf, fmt.Sprintf("%s IS OLD.%s", dialect.QuoteIdent(c), dialect.QuoteIdent(c)))
	}
	v.Columns = strings.Join(cols, ", ")
	v.NewValues = strings.Join(news, ", ")
	v.NormValues = strings.Join(norms, ", ")
	v.Canonical = dialect.SQLiteKeyCheck(newKey)
	v.Normalised = dialect.SQLiteKeyExpr(newKey)
	return v
}

// timeColumnType reports whether a column declared typ can hold partgen's
// canonical text keys as text. By SQLite's affinity rules (datatype3.html,
// "Determination Of Column Affinity"): INT in the name gives INTEGER
// affinity, REAL/FLOA/DOUB REAL, both of which turn a numeric-looking value
// into a number; BLOB stores values as they come; CHAR/CLOB/TEXT or no type
// keep text; NUMERIC affinity keeps a timestamp's text (it is not a number)
// but is accepted only for date and time names (DATE, DATETIME, TIMESTAMP).
func timeColumnType(typ string) bool {
	u := strings.ToUpper(typ)
	switch {
	case strings.Contains(u, "INT"), strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"), strings.Contains(u, "DOUB"), strings.Contains(u, "BLOB"):
		return false
	case u == "", strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"):
		return true
	}
	return strings.Contains(u, "DATE") || strings.Contains(u, "TIME")
}

// partitionDDL is the CREATE TABLE of one SQLite partition: the user's
// definition plus a CHECK that holds the key to the period and to the
// canonical form, so no direct write can put a row in the wrong table.
func partitionDDL(d *tmplData, p tmplPart) (string, error) {
	return partitionTableDDL(d.Def.(*sqliteschema.Table), p.Bare, dialect.SQLiteBoundsCheck(d.T.Key, p.Period))
}

// defaultDDL is the CREATE TABLE of the default partition: any period, but
// still the canonical form (or NULL, which no range takes).
func defaultDDL(d *tmplData) (string, error) {
	return partitionTableDDL(d.Def.(*sqliteschema.Table), d.Default.Bare, dialect.SQLiteKeyFormCheck(d.T.Key))
}

// indexDDLs are the user's indexes of the table, made for one partition.
func indexDDLs(d *tmplData, partition string) ([]string, error) {
	st := d.Def.(*sqliteschema.Table)
	var out []string
	for _, ix := range st.Indexes {
		s, err := indexDDL(st, ix, partition)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
