package status

import (
	"regexp"
	"strings"
	"time"
)

// pgBoundRE matches a single-column range bound as pg_get_expr prints it.
var pgBoundRE = regexp.MustCompile(`^FOR VALUES FROM \((.+)\) TO \((.+)\)$`)

// parsePGBound reads relpartbound's text. It returns dflt for the default
// partition and ok=false for bounds partgen does not write (MINVALUE,
// MAXVALUE, several columns, infinity).
//
// The text follows the session's DateStyle (the report's connection uses
// ISO, PostgreSQL's default) and, for timestamptz, its TimeZone: the offset
// is printed, so any zone parses to the same instant. timestamp and date
// keys have no zone; partgen writes them as wall time in the spec's zone, so
// they are read back in loc.
func parsePGBound(expr, keyType string, loc *time.Location) (lower, upper *time.Time, dflt, ok bool) {
	expr = strings.TrimSpace(expr)
	if expr == "DEFAULT" {
		return nil, nil, true, true
	}
	m := pgBoundRE.FindStringSubmatch(expr)
	if m == nil {
		return nil, nil, false, false
	}
	l, lok := pgValue(m[1], keyType, loc)
	u, uok := pgValue(m[2], keyType, loc)
	if !lok || !uok {
		return nil, nil, false, false
	}
	return &l, &u, false, true
}

var pgTimestamptzLayouts = []string{
	"2006-01-02 15:04:05.999999999-07",
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999-07:00:00",
}

func pgValue(v, keyType string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if len(v) < 2 || v[0] != '\'' || v[len(v)-1] != '\'' || strings.Contains(v[1:len(v)-1], "'") {
		return time.Time{}, false // MINVALUE, MAXVALUE, several columns
	}
	s := v[1 : len(v)-1]
	switch keyType {
	case "date":
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		return t, err == nil
	case "timestamp":
		t, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", s, loc)
		return t, err == nil
	}
	for _, layout := range pgTimestamptzLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// quoteIdent quotes an identifier for SQL text, doubling inner quotes.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
