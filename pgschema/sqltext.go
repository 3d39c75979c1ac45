//go:build cgo

package pgschema

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// exprText writes an expression back as SQL with PostgreSQL's deparser
// (wrapped in a SELECT, which is then taken off).
func exprText(n *pg_query.Node) string {
	if n == nil {
		return ""
	}
	tree := &pg_query.ParseResult{Stmts: []*pg_query.RawStmt{{Stmt: &pg_query.Node{Node: &pg_query.Node_SelectStmt{
		SelectStmt: &pg_query.SelectStmt{TargetList: []*pg_query.Node{pg_query.MakeResTargetNodeWithVal(n, -1)}},
	}}}}}
	s, err := pg_query.Deparse(tree)
	if err != nil {
		return "?"
	}
	return strings.TrimPrefix(s, "SELECT ")
}

// strVal is the text of a String, Integer, Float or Boolean node, or of an
// A_Const holding one.
func strVal(n *pg_query.Node) (string, bool) {
	if n == nil {
		return "", false
	}
	switch v := n.Node.(type) {
	case *pg_query.Node_String_:
		return v.String_.Sval, true
	case *pg_query.Node_Integer:
		return strconv.FormatInt(int64(v.Integer.Ival), 10), true
	case *pg_query.Node_Float:
		return v.Float.Fval, true
	case *pg_query.Node_Boolean:
		return strconv.FormatBool(v.Boolean.Boolval), true
	case *pg_query.Node_TypeName:
		return typeText(v.TypeName).Type, true
	case *pg_query.Node_AConst:
		c := v.AConst
		switch cv := c.Val.(type) {
		case *pg_query.A_Const_Sval:
			return cv.Sval.Sval, true
		case *pg_query.A_Const_Ival:
			return strconv.FormatInt(int64(cv.Ival.Ival), 10), true
		case *pg_query.A_Const_Fval:
			return cv.Fval.Fval, true
		case *pg_query.A_Const_Boolval:
			return strconv.FormatBool(cv.Boolval.Boolval), true
		}
	}
	return "", false
}

// names is a qualified name given as a list of String nodes.
func names(items []*pg_query.Node) []string {
	var out []string
	for _, it := range items {
		if s, ok := strVal(it); ok {
			out = append(out, s)
		}
	}
	return out
}

func listItems(n *pg_query.Node) []*pg_query.Node {
	if n == nil {
		return nil
	}
	if l, ok := n.Node.(*pg_query.Node_List); ok {
		return l.List.Items
	}
	return nil
}

// typeInfo is a type as PostgreSQL's format_type prints it.
type typeInfo struct {
	Type     string // with its modifier
	BaseType string // without
	Serial   bool   // serial, bigserial, smallserial: NOT NULL DEFAULT nextval(...)
}

// builtin maps the catalog names of built-in types (as the grammar gives
// them, or as a user may write them) to format_type's spelling.
var builtin = map[string]string{
	"int2": "smallint", "int4": "integer", "int8": "bigint",
	"smallint": "smallint", "integer": "integer", "int": "integer", "bigint": "bigint",
	"float4": "real", "float8": "double precision", "real": "real",
	"bool": "boolean", "boolean": "boolean",
	"numeric": "numeric", "decimal": "numeric",
	"varchar": "character varying", "bpchar": "character",
	"bit": "bit", "varbit": "bit varying",
	"timestamp": "timestamp without time zone", "timestamptz": "timestamp with time zone",
	"time": "time without time zone", "timetz": "time with time zone",
	"interval": "interval", "date": "date", "text": "text", "bytea": "bytea",
	"uuid": "uuid", "json": "json", "jsonb": "jsonb", "inet": "inet", "cidr": "cidr",
	"macaddr": "macaddr", "macaddr8": "macaddr8", "money": "money", "xml": "xml", "oid": "oid",
	"tsvector": "tsvector", "tsquery": "tsquery", "name": "name", "char": "\"char\"",
}

var serials = map[string]string{
	"serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
	"smallserial": "smallint", "serial2": "smallint",
}

// typeText normalises a type name to format_type's spelling.
func typeText(tn *pg_query.TypeName) typeInfo {
	if tn == nil {
		return typeInfo{}
	}
	ns := names(tn.Names)
	var mods []string
	for _, m := range tn.Typmods {
		if s, ok := strVal(m); ok {
			mods = append(mods, s)
		} else {
			mods = append(mods, exprText(m))
		}
	}
	last := ns[len(ns)-1]
	qualified := len(ns) > 1
	catalog := !qualified || (len(ns) == 2 && ns[0] == "pg_catalog")
	suffix := ""
	if len(tn.ArrayBounds) > 0 {
		suffix = "[]"
	}
	if catalog && !qualified {
		if base, ok := serials[last]; ok {
			return typeInfo{Type: base + suffix, BaseType: base + suffix, Serial: suffix == ""}
		}
	}
	base, ok := builtin[last]
	if !catalog || !ok {
		var q []string
		for _, n := range ns {
			q = append(q, quoteIdent(n))
		}
		base = strings.Join(q, ".")
		t := base
		if len(mods) > 0 {
			t += "(" + strings.Join(mods, ",") + ")"
		}
		return typeInfo{Type: t + suffix, BaseType: base + suffix}
	}
	t := base
	switch last {
	case "timestamp", "timestamptz", "time", "timetz":
		if len(mods) == 1 {
			word, zone, _ := strings.Cut(base, " ")
			t = word + "(" + mods[0] + ") " + zone
		}
	case "numeric", "decimal":
		switch len(mods) {
		case 1:
			t += "(" + mods[0] + ",0)"
		case 2:
			t += "(" + mods[0] + "," + mods[1] + ")"
		}
	case "varchar", "bpchar", "bit", "varbit":
		if len(mods) == 1 {
			t += "(" + mods[0] + ")"
		} else if last == "bpchar" {
			t = "bpchar" // format_type's spelling of bpchar without a length
		}
	case "interval":
		// Field restrictions (DAY TO SECOND) are a bit mask here; keep the
		// base name, which is what key checks compare.
	default:
		if len(mods) > 0 {
			t += "(" + strings.Join(mods, ",") + ")"
		}
	}
	return typeInfo{Type: t + suffix, BaseType: base + suffix}
}

// quoteIdent quotes an identifier as PostgreSQL's quote_ident does: only
// when it is not a plain lower-case name.
func quoteIdent(s string) string {
	plain := s != ""
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '$')) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
