package dialect

import (
	"regexp"
	"strings"
	"time"

	"github.com/partgen/partgen/calendar"
)

// postgres is PostgreSQL's declarative range partitioning (14 and later).
type postgres struct{}

func (postgres) Name() Name { return Postgres }

func (postgres) Title() string { return "PostgreSQL" }

func (postgres) KeyTypes() []KeyType { return []KeyType{Timestamptz, Timestamp, Date} }

func (postgres) Schemas() bool { return true }

func (postgres) ConcurrentDetach(hasDefault bool) bool { return !hasDefault }

// AdoptsInPlace: the table becomes the legacy partition FROM (MINVALUE) TO
// (cutover) of a new partitioned table under its name (README, "Adopting an
// existing table").
func (postgres) AdoptsInPlace() bool { return true }

func (postgres) Archived(schema, archiveSchema, partition string) (string, string) {
	return archiveSchema, partition
}

// Literal writes a bound so that it means the same value under every
// session TimeZone: an explicit offset for timestamptz, the civil midnight
// of the bound's date for timestamp (which holds civil time, so its periods
// start at 00:00 even on a day whose midnight DST skips: America/Santiago's
// 2026-09-06 starts at 01:00 -03 as an instant, at '2026-09-06 00:00:00' as
// a timestamp), the date for date keys. Measured: a bound written without
// an offset follows the session TimeZone ('2027-03-01' became 05:00 UTC
// under New York). t is a period bound (the first instant of a civil date)
// in the spec's zone.
func (postgres) Literal(kt KeyType, t time.Time) string {
	switch kt {
	case Timestamp:
		return QuoteLiteral(t.Format("2006-01-02")+" 00:00:00") + "::timestamp"
	case Date:
		return QuoteLiteral(t.Format("2006-01-02")) + "::date"
	}
	return QuoteLiteral(calendar.FormatInstant(t)) + "::timestamptz"
}

// pgBoundRE matches a single-column range bound as pg_get_expr prints it.
var pgBoundRE = regexp.MustCompile(`^FOR VALUES FROM \((.+)\) TO \((.+)\)$`)

// ReadBounds reads relpartbound's text as pg_get_expr prints it. It returns
// dflt for the default partition and ok=false for bounds partgen does not
// write (MINVALUE, MAXVALUE, several columns, infinity).
//
// The text follows the session's DateStyle (ISO, PostgreSQL's default, is
// expected) and, for timestamptz, its TimeZone: the offset is printed, so
// any zone parses to the same instant. timestamp and date keys have no zone;
// partgen writes them as wall time in the spec's zone, so they are read
// back in loc.
func (postgres) ReadBounds(text, _ string, kt KeyType, loc *time.Location) (calendar.Period, bool, bool) {
	text = strings.TrimSpace(text)
	if text == "DEFAULT" {
		return calendar.Period{}, true, true
	}
	m := pgBoundRE.FindStringSubmatch(text)
	if m == nil {
		return calendar.Period{}, false, false
	}
	l, lok := pgValue(m[1], kt, loc)
	u, uok := pgValue(m[2], kt, loc)
	if !lok || !uok {
		return calendar.Period{}, false, false
	}
	return calendar.Period{Lower: l, Upper: u}, false, true
}

// pgLegacyRE matches the bound of an adopted table's legacy partition.
var pgLegacyRE = regexp.MustCompile(`^FOR VALUES FROM \(MINVALUE\) TO \((.+)\)$`)

// ReadLegacyBound reads the upper bound of a partition FROM (MINVALUE) TO
// (x), as pg_get_expr prints the legacy partition of an adopted table
// (spec adopt: true); ok is false for any other bound. Like [ReadBounds],
// timestamp and date keys are read in loc.
func ReadLegacyBound(text string, kt KeyType, loc *time.Location) (upper time.Time, ok bool) {
	m := pgLegacyRE.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return time.Time{}, false
	}
	return pgValue(m[1], kt, loc)
}

var pgTimestamptzLayouts = []string{
	"2006-01-02 15:04:05.999999999-07",
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999-07:00:00",
}

func pgValue(v string, kt KeyType, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if len(v) < 2 || v[0] != '\'' || v[len(v)-1] != '\'' || strings.Contains(v[1:len(v)-1], "'") {
		return time.Time{}, false // MINVALUE, MAXVALUE, several columns
	}
	s := v[1 : len(v)-1]
	switch kt {
	case Date:
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		return t, err == nil
	case Timestamp:
		if date, clock, _ := strings.Cut(s, " "); clock == "00:00:00" {
			// A civil midnight stands for the first instant of its date,
			// also where DST skips midnight itself, as the calendar has it.
			d, err := calendar.ParseDate(date)
			if err != nil {
				return time.Time{}, false
			}
			return calendar.PeriodOfDate(calendar.Day, d, loc).Lower, true
		}
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

// PostgresTypeName is a key type as format_type prints it, for the
// apply-time check that the parent's key has the spec's type.
func PostgresTypeName(kt KeyType) string {
	switch kt {
	case Timestamp:
		return "timestamp without time zone"
	case Date:
		return "date"
	}
	return "timestamp with time zone"
}
