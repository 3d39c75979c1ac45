//go:build cgo

package pgschema

import (
	"errors"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"github.com/pganalyze/pg_query_go/v6/parser"
)

// Replay follows the Up sections of srcs, which must be in version order.
func Replay(srcs []Source) *Catalog {
	r := &replayer{cat: &Catalog{}}
	for _, s := range srcs {
		r.file(s)
	}
	return r.cat
}

// stmt is one parsed statement with its position.
type stmt struct {
	node *pg_query.Node
	pos  Pos
	text string
}

// statements parses the Up section of one file. When the section parses as
// a whole (as PostgreSQL would read it: dollar quotes, BEGIN ATOMIC bodies)
// its statements are returned; otherwise it is split at the lexer's
// semicolons and each piece parsed alone, and a piece that still does not
// parse is returned as a failure at its position.
func statements(src Source, up string) (stmts []stmt, failed []Note) {
	if res, err := pg_query.Parse(up); err == nil {
		for _, rs := range res.Stmts {
			off := skipBlank(up, int(rs.StmtLocation))
			end := int(rs.StmtLocation + rs.StmtLen)
			if rs.StmtLen == 0 {
				end = len(up)
			}
			stmts = append(stmts, stmt{node: rs.Stmt, pos: position(src, up, off), text: strings.TrimSpace(up[off:end])})
		}
		return stmts, nil
	}
	scan, err := pg_query.Scan(up)
	if err != nil {
		return nil, []Note{{Pos: position(src, up, skipBlank(up, 0)), Reason: "the Up section does not scan as PostgreSQL: " + err.Error()}}
	}
	var pieces [][2]int
	start := 0
	for _, tok := range scan.Tokens {
		if tok.Token == pg_query.Token_ASCII_59 {
			pieces = append(pieces, [2]int{start, int(tok.End)})
			start = int(tok.End)
		}
	}
	pieces = append(pieces, [2]int{start, len(up)})
	for _, p := range pieces {
		piece := up[p[0]:p[1]]
		off := skipBlank(up, p[0])
		if off >= p[1] {
			continue
		}
		res, err := pg_query.Parse(piece)
		if err != nil {
			at := off
			var pe *parser.Error
			if errors.As(err, &pe) && pe.Cursorpos > 0 {
				at = p[0] + pe.Cursorpos - 1
			}
			failed = append(failed, Note{Pos: position(src, up, at), Reason: "a statement PostgreSQL's parser (version 17's grammar) does not read: " + err.Error()})
			continue
		}
		for _, rs := range res.Stmts {
			o := skipBlank(up, p[0]+int(rs.StmtLocation))
			stmts = append(stmts, stmt{node: rs.Stmt, pos: position(src, up, o), text: strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(up[o:p[1]]), ";"))})
		}
	}
	return stmts, failed
}

// skipBlank moves past spaces and comments: a statement's location in the
// parser's output includes what precedes its first token.
func skipBlank(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f':
			i++
		case strings.HasPrefix(s[i:], "--"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			depth := 0
			for i < len(s) {
				if strings.HasPrefix(s[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(s[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		default:
			return i
		}
	}
	return i
}

func position(src Source, text string, off int) Pos {
	off = min(off, len(text))
	line := 1 + strings.Count(text[:off], "\n")
	col := off - strings.LastIndexByte(text[:off], '\n')
	return Pos{File: src.Name, Version: src.Version, Line: line, Column: col}
}
