package calendar

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// MaxIdentBytes is PostgreSQL's identifier limit (NAMEDATALEN - 1): longer
// names are silently truncated, so partgen refuses them.
const MaxIdentBytes = 63

// identRE is deliberately narrow: lower-case SQL identifiers that need no
// quoting rules of their own, so a name means the same thing in the YAML, in
// PostgreSQL's catalog and in SQLite's.
var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// IsPlainIdent reports whether s is a lower-case SQL identifier partgen
// accepts for tables, columns, schemas and partitions: [a-z_][a-z0-9_]*.
func IsPlainIdent(s string) bool { return identRE.MatchString(s) }

// DefaultNaming returns the pg_partman 4 / Citus style pattern of an interval.
func DefaultNaming(iv Interval) string {
	switch iv {
	case Day:
		return "{table}_p{YYYY}_{MM}_{DD}"
	case Week:
		return "{table}_p{IYYY}w{IW}"
	case Month:
		return "{table}_p{YYYY}_{MM}"
	case Quarter:
		return "{table}_p{YYYY}q{Q}"
	case Year:
		return "{table}_p{YYYY}"
	}
	return "{table}_p{YYYY}_{MM}_{DD}"
}

var namingFields = []string{"{table}", "{YYYY}", "{MM}", "{DD}", "{Q}", "{IYYY}", "{IW}"}

// PartitionName renders a naming pattern for the period: {table} becomes
// table, the date fields come from the period's lower bound in its own zone.
func PartitionName(pattern, table string, p Period) string {
	return renderName(pattern, table, p.Lower)
}

func renderName(pattern, table string, start time.Time) string {
	y, m, d := start.Date()
	iy, iw := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).ISOWeek()
	r := strings.NewReplacer(
		"{table}", table,
		"{YYYY}", fmt.Sprintf("%04d", y),
		"{MM}", fmt.Sprintf("%02d", int(m)),
		"{DD}", fmt.Sprintf("%02d", d),
		"{Q}", fmt.Sprintf("%d", (int(m)-1)/3+1),
		"{IYYY}", fmt.Sprintf("%04d", iy),
		"{IW}", fmt.Sprintf("%02d", iw),
	)
	return r.Replace(pattern)
}

// CheckNaming proves a pattern on a long run of consecutive periods of iv:
// every name must be a plain identifier of at most [MaxIdentBytes], unique,
// and sort like the periods do, so that listings, dashboards and `ls` show
// partitions in time order.
func CheckNaming(pattern, table string, iv Interval) error {
	rest := pattern
	for _, f := range namingFields {
		rest = strings.ReplaceAll(rest, f, "")
	}
	if strings.ContainsAny(rest, "{}") {
		return fmt.Errorf("%q has an unknown field; the fields are %s", pattern, strings.Join(namingFields, " "))
	}
	loc := time.UTC
	p := PeriodOfDate(iv, Date{1999, time.December, 27}, loc)
	n := map[Interval]int{Day: 800, Week: 160, Month: 60, Quarter: 40, Year: 30}[iv]
	prev := ""
	for i := 0; i < n; i++ {
		name := PartitionName(pattern, table, p)
		if len(name) > MaxIdentBytes {
			return fmt.Errorf("partition names such as %q are %d bytes, over PostgreSQL's 63", name, len(name))
		}
		if !IsPlainIdent(name) {
			return fmt.Errorf("%q makes %q, which is not a plain identifier", pattern, name)
		}
		if name <= prev {
			return fmt.Errorf("%q names %s %q and the next period %q: names must be unique and sort in period order",
				pattern, iv, prev, name)
		}
		prev = name
		p = Shift(iv, p, 1, loc)
	}
	return nil
}
