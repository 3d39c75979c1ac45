package pgschema

import (
	"strconv"
	"unicode/utf8"
)

// nameDataLen is PostgreSQL's NAMEDATALEN: identifiers hold at most 63 bytes.
const nameDataLen = 64

// makeObjectName is PostgreSQL's makeObjectName (src/backend/commands/
// indexcmds.c): name1_name2_label, truncating the longer of name1 and name2
// first so that the whole fits in 63 bytes, at a character boundary.
func makeObjectName(name1, name2, label string) string {
	overhead := 0
	n1, n2 := len(name1), len(name2)
	if name2 != "" {
		overhead++
	}
	if label != "" {
		overhead += len(label) + 1
	}
	avail := nameDataLen - 1 - overhead
	for n1+n2 > avail {
		if n1 > n2 {
			n1--
		} else {
			n2--
		}
	}
	s := clip(name1, n1)
	if name2 != "" {
		s += "_" + clip(name2, n2)
	}
	if label != "" {
		s += "_" + label
	}
	return s
}

// clip cuts s to at most n bytes without splitting a UTF-8 character
// (pg_mbcliplen).
func clip(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// chooseRelationName is PostgreSQL's ChooseRelationName: the first of
// name1_name2_label, ..._label1, ..._label2 that taken does not hold.
func chooseRelationName(name1, name2, label string, taken func(string) bool) string {
	mod := label
	for pass := 1; ; pass++ {
		n := makeObjectName(name1, name2, mod)
		if !taken(n) {
			return n
		}
		mod = label + strconv.Itoa(pass)
	}
}

// indexColumnNames is PostgreSQL's ChooseIndexColumnNames: each key and
// INCLUDE column's name, "expr" for an expression, made unique within the
// index with a number.
func indexColumnNames(ix *Index) []string {
	var out []string
	add := func(orig string) {
		cur := orig
		for i := 1; ; i++ {
			clash := false
			for _, o := range out {
				if o == cur {
					clash = true
					break
				}
			}
			if !clash {
				break
			}
			nbuf := strconv.Itoa(i)
			cur = clip(orig, nameDataLen-1-len(nbuf)) + nbuf
		}
		out = append(out, cur)
	}
	for i, c := range ix.Columns {
		if ix.Expressions[i] {
			add("expr")
		} else {
			add(c)
		}
	}
	for _, c := range ix.Include {
		add(c)
	}
	return out
}

// indexNameAddition is PostgreSQL's ChooseIndexNameAddition: the column
// names joined with "_", stopping once 64 bytes are reached.
func indexNameAddition(cols []string) string {
	buf := ""
	for _, c := range cols {
		if buf != "" {
			buf += "_"
		}
		buf += clip(c, nameDataLen)
		if len(buf) >= nameDataLen {
			break
		}
	}
	return buf
}

// chooseIndexName is PostgreSQL's ChooseIndexName for an index of table.
func chooseIndexName(table string, ix *Index, taken func(string) bool) string {
	switch ix.Constraint {
	case "primary key":
		return chooseRelationName(table, "", "pkey", taken)
	case "exclude":
		return chooseRelationName(table, indexNameAddition(indexColumnNames(ix)), "excl", taken)
	case "unique":
		return chooseRelationName(table, indexNameAddition(indexColumnNames(ix)), "key", taken)
	}
	return chooseRelationName(table, indexNameAddition(indexColumnNames(ix)), "idx", taken)
}

// LikeIndexNames returns the names PostgreSQL gives the indexes that
// `CREATE TABLE table (LIKE parent INCLUDING ALL)` copies from parent, in
// the order of parent.Indexes: each is named afresh for table, as
// ChooseIndexName does (table_pkey, table_cols_key for a UNIQUE constraint,
// table_cols_excl, table_cols_idx, "expr" for an expression), numbered when
// a name repeats. taken reports names already used by other relations of
// the schema (nil: none). Measured on PostgreSQL 14, 15 and 18: the LIKE
// copy and a native PARTITION OF get the same names.
func LikeIndexNames(table string, parent *Table, taken func(string) bool) []string {
	var out []string
	used := map[string]bool{table: true}
	for i := range parent.Indexes {
		n := chooseIndexName(table, &parent.Indexes[i], func(s string) bool { return used[s] || (taken != nil && taken(s)) })
		used[n] = true
		out = append(out, n)
	}
	return out
}
