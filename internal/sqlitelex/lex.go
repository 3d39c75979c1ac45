// Package sqlitelex splits SQLite SQL text into tokens the way SQLite's own
// tokenizer does (tokenize.c): string literals, quoted identifiers in all
// four spellings ("x", `x`, [x], and a string literal where SQLite accepts
// one as a name), blobs, numbers, parameters, operators, and comments,
// which it drops. Code that looks for names in SQL text cannot then be
// fooled by a string, a comment or a quoted name that happens to hold them.
//
// It is a leaf package: partgen's generator, the dialect's readers and the
// runtime package sqlitepart use it, and it imports nothing but the
// standard library.
package sqlitelex

import "strings"

// Kind is what a token is.
type Kind int

// The kinds of token.
const (
	Word   Kind = iota // an unquoted identifier or keyword: SELECT, logins
	Quoted             // a quoted identifier: "x", `x` or [x]
	String             // a string literal: 'x'
	Blob               // a blob literal: x'00'
	Number             // 12, 1.5e3, 0x1F
	Param              // ?, ?1, :name, @name, $name
	Punct              // an operator or punctuation: ( ) , . ; = <> || ...
)

// Token is one token of a statement: its kind, its text as written, and its
// byte offsets in the statement [Start, End).
type Token struct {
	Kind       Kind
	Text       string
	Start, End int
}

// Is reports whether t is the keyword (or unquoted word) kw, ignoring case.
func (t Token) Is(kw string) bool { return t.Kind == Word && strings.EqualFold(t.Text, kw) }

// Name is the identifier t spells: an unquoted word as written, a quoted one
// without its quotes (doubled quotes undone). SQLite compares names without
// regard to ASCII case; so does [SameName].
func (t Token) Name() string {
	switch t.Kind {
	case Quoted, String:
		return Unquote(t.Text)
	}
	return t.Text
}

// IsName reports whether t can stand for a table or column name: a word
// that is not a reserved keyword, or a quoted identifier.
func (t Token) IsName() bool {
	return t.Kind == Quoted || t.Kind == Word && !reserved[strings.ToUpper(t.Text)]
}

// SameName reports whether two identifiers name the same object in SQLite,
// which folds ASCII case.
func SameName(a, b string) bool { return strings.EqualFold(a, b) }

// Unquote removes the quotes of a quoted identifier or string literal
// ("x", `x`, [x], 'x'), undoing doubled quote characters.
func Unquote(s string) string {
	if len(s) < 2 {
		return s
	}
	switch q := s[0]; {
	case q == '[' && s[len(s)-1] == ']':
		return s[1 : len(s)-1]
	case (q == '"' || q == '`' || q == '\'') && s[len(s)-1] == q:
		return strings.ReplaceAll(s[1:len(s)-1], string([]byte{q, q}), string(q))
	}
	return s
}

// Quote writes name as a double-quoted identifier.
func Quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// Tokens splits sql into tokens. Text SQLite would reject (an unterminated
// string or comment) still yields tokens: the last one runs to the end.
func Tokens(sql string) []Token {
	var out []Token
	i := 0
	for i < len(sql) {
		c := sql[i]
		start := i
		kind := Punct
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			if j := strings.Index(sql[i+2:], "*/"); j < 0 {
				i = len(sql)
			} else {
				i += j + 4
			}
			continue
		case (c == 'x' || c == 'X') && i+1 < len(sql) && sql[i+1] == '\'':
			kind, i = Blob, quoted(sql, i+1, '\'')
		case c == '\'':
			kind, i = String, quoted(sql, i, '\'')
		case c == '"' || c == '`':
			kind, i = Quoted, quoted(sql, i, c)
		case c == '[':
			kind = Quoted
			if j := strings.IndexByte(sql[i:], ']'); j < 0 {
				i = len(sql)
			} else {
				i += j + 1
			}
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(sql) && sql[i+1] >= '0' && sql[i+1] <= '9':
			kind, i = Number, number(sql, i)
		case c == '?':
			kind = Param
			i++
			for i < len(sql) && sql[i] >= '0' && sql[i] <= '9' {
				i++
			}
		case c == ':' || c == '@' || c == '$':
			kind = Param
			i++
			for i < len(sql) && (wordByte(sql[i]) || sql[i] == ':' && i+1 < len(sql) && sql[i+1] == ':') {
				if sql[i] == ':' {
					i++
				}
				i++
			}
		case wordByte(c):
			kind = Word
			for i < len(sql) && wordByte(sql[i]) {
				i++
			}
		default:
			i += punct(sql[i:])
		}
		out = append(out, Token{Kind: kind, Text: sql[start:i], Start: start, End: i})
	}
	return out
}

// quoted returns the offset after the quoted run that starts at i with the
// quote q, where a doubled q stands for one.
func quoted(sql string, i int, q byte) int {
	for j := i + 1; j < len(sql); j++ {
		if sql[j] == q {
			if j+1 < len(sql) && sql[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(sql)
}

func number(sql string, i int) int {
	if sql[i] == '0' && i+1 < len(sql) && (sql[i+1] == 'x' || sql[i+1] == 'X') {
		i += 2
		for i < len(sql) && (isDigit(sql[i]) || sql[i] >= 'a' && sql[i] <= 'f' || sql[i] >= 'A' && sql[i] <= 'F' || sql[i] == '_') {
			i++
		}
		return i
	}
	for i < len(sql) && (isDigit(sql[i]) || sql[i] == '_') {
		i++
	}
	if i < len(sql) && sql[i] == '.' {
		i++
		for i < len(sql) && (isDigit(sql[i]) || sql[i] == '_') {
			i++
		}
	}
	if i < len(sql) && (sql[i] == 'e' || sql[i] == 'E') {
		j := i + 1
		if j < len(sql) && (sql[j] == '+' || sql[j] == '-') {
			j++
		}
		if j < len(sql) && isDigit(sql[j]) {
			i = j
			for i < len(sql) && isDigit(sql[i]) {
				i++
			}
		}
	}
	return i
}

// punct is the length of the operator at the start of s.
func punct(s string) int {
	for _, op := range []string{"->>", "||", "<=", ">=", "==", "!=", "<>", "<<", ">>", "->"} {
		if strings.HasPrefix(s, op) {
			return len(op)
		}
	}
	return 1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// wordByte is a byte of an unquoted identifier: SQLite takes every byte of
// a multi-byte UTF-8 character as one.
func wordByte(c byte) bool {
	return c == '_' || c == '$' || isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// IsKeyword reports whether name is one of SQLite's keywords
// (https://sqlite.org/lang_keywords.html), which a name must be quoted to
// be used as. Case does not matter.
func IsKeyword(name string) bool { return keywords[strings.ToUpper(name)] }

// keywords are SQLite's 147 keywords as of 3.47 (none was added since 3.34
// that partgen's SQL would use as a name).
var keywords = set(`ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT
BEFORE BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE
CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED
DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN
FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE
IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST
LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON OR
ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE
REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS
SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE
UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT`)

// reserved are the keywords that cannot stand unquoted where a table name
// or alias is expected (SQLite's parser takes the others as names when
// they fit nowhere else); a word after FROM that is one of these ends the
// table list.
var reserved = set(`ALL AND AS BETWEEN BY CASE CHECK COLLATE COMMIT CONSTRAINT CREATE CROSS
DEFAULT DEFERRABLE DELETE DISTINCT DROP ELSE ESCAPE EXCEPT EXISTS FOREIGN FROM FULL GLOB GROUP
HAVING IN INDEX INDEXED INNER INSERT INTERSECT INTO IS ISNULL JOIN LEFT LIMIT MATCH NATURAL NOT
NOTHING NOTNULL NULL ON OR ORDER OUTER PRIMARY REFERENCES REGEXP RETURNING RIGHT SELECT SET TABLE
THEN TO UNION UNIQUE UPDATE USING VALUES WHEN WHERE WINDOW WITH`)

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
