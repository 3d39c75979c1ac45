package spec

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// The keys a spec accepts at each level, read from the raw shapes' yaml
// tags so that the list cannot drift from the decoder's.
var (
	topKeys       = yamlKeys(rawSpec{})
	tableKeys     = yamlKeys(rawTable{})
	retentionKeys = yamlKeys(rawRetention{})
)

func yamlKeys(v any) []string {
	t := reflect.TypeOf(v)
	keys := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("yaml"); tag != "" {
			keys = append(keys, strings.Split(tag, ",")[0])
		}
	}
	return keys
}

// didYouMean is " (did you mean X?)" when one of the candidates is a likely
// misspelling of s, else "". A candidate qualifies when it is at most two
// edits away and fewer edits than half its length (so "kep" finds keep but
// "wat" finds nothing), or when s is one word of a snake_case candidate
// ("after" finds drop_after). Case is ignored: "Month" finds month.
func didYouMean(s string, candidates []string) string {
	if best := closest(s, candidates); best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return ""
}

// synonyms are words users write for a spec key or value, from other
// tools' vocabularies (pg_partman's p_interval 'daily', a "partition
// column"): each maps to the word partgen uses, suggested when it is a
// candidate.
var synonyms = map[string]string{
	"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter",
	"yearly": "year", "annual": "year", "annually": "year",
	"column": "key", "key_column": "key", "partition_key": "key", "partition_column": "key",
	"partition_by": "key", "control": "key",
	"type": "key_type", "column_type": "key_type",
	"table": "name", "table_name": "name",
	"retain": "retention", "retention_policy": "retention",
	"zone": "timezone", "time_zone": "timezone", "tz": "timezone",
	"ahead": "premake", "pre_make": "premake",
	"engine": "dialect", "driver": "dialect", "database": "dialect",
	"postgresql": "postgres", "sqlite3": "sqlite",
}

func closest(s string, candidates []string) string {
	ls := strings.ToLower(s)
	if w, ok := synonyms[ls]; ok && slices.Contains(candidates, w) {
		return w
	}
	best, bestD := "", 3
	for _, c := range candidates {
		d := editDistance(ls, strings.ToLower(c))
		if d < bestD && 2*d < len(c) {
			best, bestD = c, d
		}
	}
	if best != "" || ls == "" {
		return best
	}
	for _, c := range candidates {
		if strings.HasPrefix(c, ls+"_") || strings.HasSuffix(c, "_"+ls) || strings.Contains(c, "_"+ls+"_") {
			return c
		}
	}
	return ""
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and swaps of two adjacent bytes each
// cost one ("mvoe" is one edit from move). Spec keys and values are ASCII.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

var unknownFieldRE = regexp.MustCompile(`unknown field "([^"]*)"`)

// suggestKey adds "did you mean" to the decoder's `unknown field "x"`
// message, from the keys of the mapping the field sits in (top level, a
// table entry or retention), found by the key's position in the file; or,
// for a key of another level, where it belongs. fix, when not empty, says
// what to write or where to move the key.
func suggestKey(file *ast.File, msg string, line, col int) (_ string, fix string) {
	m := unknownFieldRE.FindStringSubmatch(msg)
	if m == nil || file == nil {
		return msg, ""
	}
	keys := keysAround(file, line, col)
	if keys == nil {
		return msg, ""
	}
	if best := closest(m[1], keys); best != "" {
		return msg + didYouMean(m[1], keys), "write " + best + "; the keys are listed in README, \"The spec\""
	}
	for _, level := range []struct {
		keys  []string
		where string
	}{{topKeys, "at the top level"}, {tableKeys, "in a table entry under tables:"}, {retentionKeys, "under retention:"}} {
		if &level.keys[0] != &keys[0] && slices.Contains(level.keys, m[1]) {
			return fmt.Sprintf("%s (%s belongs %s)", msg, m[1], level.where), "move " + m[1] + ": to where it belongs, " + level.where
		}
	}
	return msg, ""
}

// keysAround is the list of keys valid in the mapping whose key sits at
// line:col, or nil when no spec mapping has a key there.
func keysAround(file *ast.File, line, col int) []string {
	at := func(mv *ast.MappingValueNode) bool {
		tk := mv.Key.GetToken()
		return tk != nil && tk.Position != nil && tk.Position.Line == line && tk.Position.Column == col
	}
	for _, doc := range file.Docs {
		for _, top := range pairs(doc.Body) {
			if at(top) {
				return topKeys
			}
			if top.Key.String() != "tables" {
				continue
			}
			seq, ok := unwrap(top.Value).(*ast.SequenceNode)
			if !ok {
				continue
			}
			for _, item := range seq.Values {
				for _, tv := range pairs(item) {
					if at(tv) {
						return tableKeys
					}
					if tv.Key.String() != "retention" {
						continue
					}
					for _, rv := range pairs(tv.Value) {
						if at(rv) {
							return retentionKeys
						}
					}
				}
			}
		}
	}
	return nil
}

// pairs are the key-value pairs of a mapping node, block or flow, through
// anchors and tags.
func pairs(n ast.Node) []*ast.MappingValueNode {
	switch n := unwrap(n).(type) {
	case *ast.MappingNode:
		return n.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}
	}
	return nil
}

func unwrap(n ast.Node) ast.Node {
	for {
		switch nn := n.(type) {
		case *ast.AnchorNode:
			n = nn.Value
		case *ast.TagNode:
			n = nn.Value
		default:
			return n
		}
	}
}

// enumError is the error of an unknown value of an enumerated key: the
// message names the value and, when one of the accepted values is close,
// suggests it; the fix lists them all.
// note, when not empty, is added to the fix in parentheses.
func (v *validator) enumError(p, what, got string, accepted []string, note string) error {
	fix := "write one of " + strings.Join(accepted, ", ")
	if best := closest(got, accepted); best != "" {
		fix = "write " + best + "; the values are " + strings.Join(accepted, ", ")
	}
	if note != "" {
		fix += " (" + note + ")"
	}
	return v.errf(p, fix, "unknown %s %q%s", what, got, didYouMean(got, accepted))
}
