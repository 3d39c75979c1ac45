package sqlitepart

import (
	"strings"

	"github.com/partgen/partgen/internal/sqlitelex"
)

// A route sends a statement's references to a view to one of its
// partition tables.
type route struct{ view, table string }

// rewrite returns query with every reference to a routed view, as a table
// in a FROM or JOIN list or the target of INSERT, UPDATE or DELETE, replaced
// by the partition table. The partition table takes the view's name as its
// alias (unless the statement gives the reference an alias of its own), so
// a qualified column such as logins.ts still resolves. Everything else is
// left as written: string literals, comments, column names, an alias that
// happens to equal the view's name, a table-valued function, a common table
// expression of the view's name and the references inside it.
//
// The statement is read token by token with SQLite's own lexical rules
// (package sqlitelex); a view is recognised by its position in the grammar,
// never by its spelling alone.
func rewrite(query string, routes []route) string {
	toks := sqlitelex.Tokens(query)
	refs := tableRefs(toks)
	if len(refs) == 0 {
		return query
	}
	ctes := cteNames(toks)
	var b strings.Builder
	last := 0
	for _, r := range refs {
		name := toks[r.name]
		if r.schema >= 0 && !strings.EqualFold(toks[r.schema].Name(), "main") {
			continue
		}
		if ctes[strings.ToLower(name.Name())] {
			continue
		}
		table := ""
		for _, rt := range routes {
			if sqlitelex.SameName(rt.view, name.Name()) {
				table = rt.table
				break
			}
		}
		if table == "" {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(query) + 32)
		}
		b.WriteString(query[last:name.Start])
		b.WriteString(sqlitelex.Quote(table))
		if !r.aliased {
			b.WriteString(" AS ")
			b.WriteString(name.Text)
		}
		last = name.End
	}
	if last == 0 {
		return query
	}
	b.WriteString(query[last:])
	return b.String()
}

// ref is one table reference: the token of its name, of its schema
// qualifier (-1 when none) and whether it has an alias of its own.
type ref struct {
	name, schema int
	aliased      bool
}

// tableRefs finds the table references of a statement by their place in
// SQLite's grammar: after FROM, JOIN, a comma of a FROM list, INSERT/REPLACE
// ... INTO, UPDATE [OR action] and DELETE FROM, at any depth of nested
// queries.
func tableRefs(toks []sqlitelex.Token) []ref {
	var out []ref
	// inFrom[d] is true while the tokens at depth d are a FROM list, where
	// a comma introduces another table.
	inFrom := []bool{false}
	expect := false // the next token starts a table-or-subquery
	target := false // ... or is the target table of INSERT or UPDATE
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		d := len(inFrom) - 1
		switch {
		case t.Text == "(":
			// A parenthesised FROM item is a subquery or a nested join list.
			nested := expect && i+1 < len(toks) && !toks[i+1].Is("SELECT") && !toks[i+1].Is("WITH") && !toks[i+1].Is("VALUES")
			inFrom = append(inFrom, nested)
			expect = nested
			continue
		case t.Text == ")":
			if d > 0 {
				inFrom = inFrom[:d]
			}
			expect = false
			continue
		case t.Text == ",":
			expect = inFrom[d]
			continue
		case t.Text == ";":
			inFrom = []bool{false}
			expect = false
			continue
		}
		if t.Kind == sqlitelex.Word {
			switch strings.ToUpper(t.Text) {
			case "FROM":
				// a IS [NOT] DISTINCT FROM b is a comparison (SQLite 3.39).
				if i > 0 && toks[i-1].Is("DISTINCT") && i > 1 && (toks[i-2].Is("IS") || toks[i-2].Is("NOT")) {
					continue
				}
				inFrom[d] = true
				expect = true
				continue
			case "JOIN":
				expect = true
				continue
			case "INTO":
				expect, target = true, true
				inFrom[d] = false
				continue
			case "UPDATE":
				// UPDATE [OR action] table; not the DO UPDATE of an upsert.
				if i > 0 && toks[i-1].Is("DO") {
					continue
				}
				j := i + 1
				if j+1 < len(toks) && toks[j].Is("OR") {
					j += 2
				}
				i = j - 1
				expect, target = true, true
				inFrom[d] = false
				continue
			case "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "WINDOW", "UNION", "INTERSECT", "EXCEPT",
				"RETURNING", "SET", "VALUES", "SELECT", "ON", "USING", "DEFAULT":
				if t.Is("ON") || t.Is("USING") {
					// A join constraint: the list goes on after it.
					expect = false
					continue
				}
				inFrom[d] = false
				expect = false
				continue
			}
		}
		if !expect {
			continue
		}
		isTarget := target
		expect, target = false, false
		// A string literal where a table name belongs is SQLite's legacy
		// spelling of a name; it is left alone (the view is then read whole).
		if !t.IsName() {
			continue
		}
		r := ref{name: i, schema: -1}
		if i+2 < len(toks) && toks[i+1].Text == "." && toks[i+2].IsName() {
			r.schema, r.name = i, i+2
			i += 2
		}
		if !isTarget && i+1 < len(toks) && toks[i+1].Text == "(" {
			continue // a table-valued function: json_each(...)
		}
		switch {
		case i+1 < len(toks) && toks[i+1].Is("AS"):
			r.aliased = true
		case i+1 < len(toks) && (toks[i+1].IsName() || toks[i+1].Kind == sqlitelex.String) && !isJoinWord(toks[i+1]):
			r.aliased = true
		}
		out = append(out, r)
	}
	return out
}

// isJoinWord reports whether a word that may follow a table name starts a
// join or a clause rather than being the table's alias. SQLite's parser
// takes these as keywords there, although they are not reserved elsewhere.
func isJoinWord(t sqlitelex.Token) bool {
	if t.Kind != sqlitelex.Word {
		return false
	}
	switch strings.ToUpper(t.Text) {
	case "INDEXED", "NOT", "NATURAL", "LEFT", "RIGHT", "FULL", "INNER", "CROSS", "OUTER", "JOIN",
		"ON", "USING", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "WINDOW", "UNION", "INTERSECT",
		"EXCEPT", "RETURNING", "SET", "VALUES", "SELECT", "DEFAULT", "WITH", "OFFSET":
		return true
	}
	return false
}

// cteNames lists the names a WITH clause of the statement defines, lower
// case: a reference to one of them is the common table expression, not a
// table, even when it shares a view's name.
func cteNames(toks []sqlitelex.Token) map[string]bool {
	var out map[string]bool
	for i := 0; i < len(toks); i++ {
		if !toks[i].Is("WITH") {
			continue
		}
		j := i + 1
		if j < len(toks) && toks[j].Is("RECURSIVE") {
			j++
		}
		for j < len(toks) && toks[j].IsName() {
			name := toks[j].Name()
			j++
			if j < len(toks) && toks[j].Text == "(" {
				j = skipGroup(toks, j)
			}
			if j >= len(toks) || !toks[j].Is("AS") {
				break
			}
			if out == nil {
				out = map[string]bool{}
			}
			out[strings.ToLower(name)] = true
			j++
			for j < len(toks) && (toks[j].Is("NOT") || toks[j].Is("MATERIALIZED")) {
				j++
			}
			if j >= len(toks) || toks[j].Text != "(" {
				break
			}
			j = skipGroup(toks, j)
			if j >= len(toks) || toks[j].Text != "," {
				break
			}
			j++
		}
	}
	return out
}

// skipGroup returns the index after the parenthesised group opening at i.
func skipGroup(toks []sqlitelex.Token, i int) int {
	depth := 0
	for ; i < len(toks); i++ {
		switch toks[i].Text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}
