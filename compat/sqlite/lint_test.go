package sqlitecompat_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFloorLint reads every file partgen writes over the scenario's
// timeline and refuses syntax and functions newer than SQLite 3.34.0. The
// scenario runs each statement on 3.34.0, which catches a syntax error; this
// also catches a function in a trigger body or a branch the scenario does
// not reach, which SQLite would only miss at run time ("no such function").
func TestFloorLint(t *testing.T) {
	w := newWorkspace(t)
	for _, asOf := range []string{"2026-11-26", "2027-01-15", "2027-02-15", "2027-04-15", "2027-08-15"} {
		w.generate(asOf)
	}
	files := 0
	for _, name := range w.sqlFiles() {
		if !strings.Contains(name, "_partgen_") {
			continue // the user's own migration
		}
		files++
		body, err := os.ReadFile(filepath.Join(w.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range floorProblems(string(body)) {
			t.Errorf("%s: %s", name, p)
		}
	}
	if files < 10 {
		t.Fatalf("only %d partgen files to read", files)
	}
}

// The lint must see what it is for: each of these was, or could be, in a
// partgen file, and each breaks SQLite 3.34.
func TestFloorLintCatches(t *testing.T) {
	for _, bad := range []string{
		"SELECT RAISE(ABORT, 'partgen: ' || NEW.ts);",        // 3.47
		"SELECT RAISE(ABORT, NEW.msg);",                      // 3.47
		"SELECT 'x' FROM t HAVING count(*) > 0;",             // 3.39
		"SELECT unixepoch(ts) FROM t;",                       // 3.38
		"SELECT j ->> '$.a' FROM t;",                         // 3.38
		"SELECT concat(a, b) FROM t;",                        // 3.44
		"CREATE TABLE t (a INTEGER) STRICT;",                 // 3.37
		"DELETE FROM t RETURNING a;",                         // 3.35
		"ALTER TABLE t DROP COLUMN a;",                       // 3.35
		"SELECT a FROM t WHERE a IS NOT DISTINCT FROM b;",    // 3.39
		"SELECT a FROM t RIGHT JOIN u USING (a);",            // 3.39
		"SELECT floor(a) FROM t;",                            // 3.35
		"SELECT strftime('%F', a) FROM t;",                   // 3.44
		"SELECT datetime(a, 'subsec') FROM t;",               // 3.42
		"SELECT 1_000;",                                      // 3.46
		"SELECT json_extract(a, '$.b') FROM t;",              // a compile option before 3.38
		"ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);",      // 3.53
		"WITH c AS MATERIALIZED (SELECT 1) SELECT * FROM c;", // 3.35
		"SELECT iif(a, 1) FROM t;",                           // two arguments: 3.48
		"SELECT RAISE(ABORT, 'a') || 'b';",                   // fine, but the next one is not
		"SELECT RAISE(ABORT, 'a' 'b');",                      // not a literal either
	} {
		probs := floorProblems(bad)
		if strings.HasPrefix(bad, "SELECT RAISE(ABORT, 'a') ||") {
			if len(probs) != 0 {
				t.Errorf("%s: flagged %v", bad, probs)
			}
			continue
		}
		if len(probs) == 0 {
			t.Errorf("not flagged: %s", bad)
		}
	}
	for _, good := range []string{
		"SELECT RAISE(ABORT, 'it''s a literal'), RAISE(IGNORE);",
		"SELECT count(*) FROM t GROUP BY a HAVING count(*) > 1;",
		"SELECT strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), substr(a, -6), coalesce(a, 1), iif(a, 1, 2);",
		"-- unixepoch( in a comment\nSELECT 'concat(' FROM \"floor\";",
		"ALTER TABLE a RENAME TO b; ALTER TABLE b ADD COLUMN c TEXT;",
	} {
		if probs := floorProblems(good); len(probs) != 0 {
			t.Errorf("%s: flagged %v", good, probs)
		}
	}
}

// newerFunctions are SQL functions added after 3.34.0 (math functions need
// a compile option even then), or only compiled in by option before 3.38
// (JSON), with the release that brought them.
var newerFunctions = map[string]string{
	"unixepoch": "3.38", "format": "3.38", "concat": "3.44", "concat_ws": "3.44",
	"string_agg": "3.44", "octet_length": "3.43", "timediff": "3.43", "unhex": "3.41",
	"unistr": "3.50", "unistr_quote": "3.50", "if": "3.48", "median": "3.47 (CLI)",
	"percentile": "3.47 (CLI)", "sign": "3.35", "acos": "3.35", "acosh": "3.35",
	"asin": "3.35", "asinh": "3.35", "atan": "3.35", "atan2": "3.35", "atanh": "3.35",
	"ceil": "3.35", "ceiling": "3.35", "cos": "3.35", "cosh": "3.35", "degrees": "3.35",
	"exp": "3.35", "floor": "3.35", "ln": "3.35", "log": "3.35", "log10": "3.35",
	"log2": "3.35", "mod": "3.35", "pi": "3.35", "pow": "3.35", "power": "3.35",
	"radians": "3.35", "sin": "3.35", "sinh": "3.35", "sqrt": "3.35", "tan": "3.35",
	"tanh": "3.35", "trunc": "3.35",
}

// newerKeywords are keywords of syntax added after 3.34.0.
var newerKeywords = map[string]string{
	"STRICT": "3.37 (STRICT tables)", "RETURNING": "3.35 (RETURNING)",
	"MATERIALIZED": "3.35 (MATERIALIZED hints)", "RIGHT": "3.39 (RIGHT JOIN)",
	"FULL": "3.39 (FULL JOIN)",
}

var dateFunctions = map[string]bool{"date": true, "time": true, "datetime": true, "julianday": true, "strftime": true}

type sqlTok struct {
	kind byte // 'w' word, 's' string literal, 'i' quoted identifier, 'n' number, 'p' punctuation
	text string
}

func sqlTokens(sql string) []sqlTok {
	var toks []sqlTok
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case strings.HasPrefix(sql[i:], "/*"):
			if j := strings.Index(sql[i+2:], "*/"); j >= 0 {
				i += j + 4
			} else {
				i = len(sql)
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
			kind := byte('i')
			if c == '\'' {
				kind = 's'
			}
			toks = append(toks, sqlTok{kind, sql[i:min(j+1, len(sql))]})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(sql) && (sql[j] >= '0' && sql[j] <= '9' || sql[j] == '_' || sql[j] == '.' || sql[j] == 'x' || sql[j] >= 'a' && sql[j] <= 'f' || sql[j] >= 'A' && sql[j] <= 'F') {
				j++
			}
			toks = append(toks, sqlTok{'n', sql[i:j]})
			i = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			j := i
			for j < len(sql) && (sql[j] == '_' || sql[j] == '$' || sql[j] >= '0' && sql[j] <= '9' || sql[j] >= 'a' && sql[j] <= 'z' || sql[j] >= 'A' && sql[j] <= 'Z' || sql[j] >= 0x80) {
				j++
			}
			toks = append(toks, sqlTok{'w', sql[i:j]})
			i = j
		default:
			n := 1
			for _, op := range []string{"->>", "->", "||", "<=", ">=", "<>", "!=", "==", "<<", ">>"} {
				if strings.HasPrefix(sql[i:], op) {
					n = len(op)
					break
				}
			}
			toks = append(toks, sqlTok{'p', sql[i : i+n]})
			i += n
		}
	}
	return toks
}

// floorProblems lists what in a SQL text needs a SQLite newer than 3.34.0.
func floorProblems(sql string) []string {
	toks := sqlTokens(sql)
	var out []string
	bad := func(i int, format string, args ...any) {
		lo, hi := max(0, i-4), min(len(toks), i+6)
		var ctx []string
		for _, t := range toks[lo:hi] {
			ctx = append(ctx, t.text)
		}
		out = append(out, fmt.Sprintf(format, args...)+" near: "+strings.Join(ctx, " "))
	}
	word := func(i int, w string) bool {
		return i < len(toks) && toks[i].kind == 'w' && strings.EqualFold(toks[i].text, w)
	}
	punct := func(i int, p string) bool { return i < len(toks) && toks[i].kind == 'p' && toks[i].text == p }
	groupBy := false // seen in the current statement
	for i, tk := range toks {
		switch tk.kind {
		case 'p':
			switch tk.text {
			case "->", "->>":
				bad(i, "the %s operator needs 3.38", tk.text)
			case ";":
				groupBy = false
			}
			continue
		case 'n':
			if strings.Contains(tk.text, "_") {
				bad(i, "a digit separator needs 3.46")
			}
			continue
		case 's', 'i':
			continue
		}
		lower := strings.ToLower(tk.text)
		upper := strings.ToUpper(tk.text)
		call := punct(i+1, "(")
		switch {
		case upper == "RAISE" && call:
			// RAISE(IGNORE) or RAISE(kind, 'literal'): before 3.47 nothing else.
			if word(i+2, "IGNORE") && punct(i+3, ")") {
				continue
			}
			if !(i+5 < len(toks) && toks[i+2].kind == 'w' && punct(i+3, ",") && toks[i+4].kind == 's' && punct(i+5, ")")) {
				bad(i, "RAISE takes only a string literal message before 3.47")
			}
		case call && newerFunctions[lower] != "":
			bad(i, "%s() needs %s", lower, newerFunctions[lower])
		case call && (strings.HasPrefix(lower, "json") || strings.HasPrefix(lower, "jsonb")):
			bad(i, "%s() is built in only from 3.38 (a compile option before)", lower)
		case call && lower == "iif":
			// iif(c, a, b) is 3.32; two arguments or more than three, 3.48 and 3.49.
			if n := callArgs(toks, i+1); n != 3 {
				bad(i, "iif() with %d arguments needs 3.48", n)
			}
		case call && dateFunctions[lower]:
			for k, a := range literalArgs(toks, i+1) {
				if lower == "strftime" && k == 0 {
					for j := 0; j+1 < len(a); j++ {
						if a[j] == '%' {
							if !strings.ContainsRune("dfHjJmMsSwWY%", rune(a[j+1])) {
								bad(i, "strftime %%%c needs 3.44 or later", a[j+1])
							}
							j++
						}
					}
					continue
				}
				switch strings.ToLower(strings.TrimSpace(a)) {
				case "subsec", "subsecond":
					bad(i, "the %s modifier needs 3.42", a)
				case "auto", "julianday":
					bad(i, "the %s modifier needs 3.45", a)
				case "ceiling", "floor":
					bad(i, "the %s modifier needs 3.46", a)
				}
			}
		case upper == "GROUP" && word(i+1, "BY"):
			groupBy = true
		case upper == "HAVING" && !groupBy:
			bad(i, "HAVING without GROUP BY needs 3.39")
		case upper == "DISTINCT" && i > 0 && (word(i-1, "IS") || word(i-1, "NOT") && word(i-2, "IS")):
			bad(i, "IS [NOT] DISTINCT FROM needs 3.39")
		case upper == "ALTER" && word(i+1, "TABLE"):
			j := i + 3
			if punct(j, ".") {
				j += 2
			}
			if !(word(j, "RENAME") || word(j, "ADD") && !word(j+1, "CONSTRAINT")) {
				bad(i, "only ALTER TABLE ... RENAME and ADD [COLUMN] are 3.34 (DROP COLUMN 3.35, constraints 3.53)")
			}
		case newerKeywords[upper] != "":
			if (upper == "RIGHT" || upper == "FULL") && !(word(i+1, "JOIN") || word(i+1, "OUTER")) {
				continue
			}
			bad(i, "%s needs %s", upper, newerKeywords[upper])
		}
	}
	return out
}

// callArgs counts the top-level arguments of the call whose "(" is at open.
func callArgs(toks []sqlTok, open int) int {
	depth, commas := 0, 0
	for j := open; j < len(toks); j++ {
		if toks[j].kind != 'p' {
			continue
		}
		switch toks[j].text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				if j == open+1 {
					return 0
				}
				return commas + 1
			}
		case ",":
			if depth == 1 {
				commas++
			}
		}
	}
	return commas + 1
}

// literalArgs are the string-literal arguments (unquoted) of the call whose
// "(" is at open, at its top level.
func literalArgs(toks []sqlTok, open int) []string {
	var out []string
	depth := 0
	for j := open; j < len(toks); j++ {
		t := toks[j]
		if t.kind == 'p' && t.text == "(" {
			depth++
		} else if t.kind == 'p' && t.text == ")" {
			depth--
			if depth == 0 {
				break
			}
		} else if t.kind == 's' && depth == 1 {
			out = append(out, strings.ReplaceAll(t.text[1:len(t.text)-1], "''", "'"))
		}
	}
	return out
}
