package calendar

import (
	"fmt"
	"time"
)

// Date is a civil date without a zone: the spec's `start:`, an as-of date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// In returns midnight of the date in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is an earlier date than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// DateOf is the civil date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// Interval is the length of one partition's period.
type Interval string

const (
	Day     Interval = "day"
	Week    Interval = "week" // ISO week, starting Monday
	Month   Interval = "month"
	Quarter Interval = "quarter" // starting January, April, July, October
	Year    Interval = "year"
)

// ParseInterval accepts the spec's interval names.
func ParseInterval(s string) (Interval, bool) {
	switch iv := Interval(s); iv {
	case Day, Week, Month, Quarter, Year:
		return iv, true
	}
	return "", false
}

// Period is a half-open range [Lower, Upper) of instants, the bounds of one
// partition. Both bounds are local midnights in the spec's zone, so every bound is a pure function of
// (zone, interval, date) and never of the hour or session a job runs in.
type Period struct {
	Lower time.Time
	Upper time.Time
}

// Contains reports whether t lies in [Lower, Upper).
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Lower) && t.Before(p.Upper) }

// Overlaps reports whether two periods share an instant.
func (p Period) Overlaps(q Period) bool { return p.Lower.Before(q.Upper) && q.Lower.Before(p.Upper) }

// Equal reports whether two periods have the same bounds.
func (p Period) Equal(q Period) bool { return p.Lower.Equal(q.Lower) && p.Upper.Equal(q.Upper) }

// midnight is the first instant of the civil date (y, m, d) in loc. One
// period's Upper is computed exactly like the next one's Lower, so periods stay
// contiguous. Where DST skips midnight itself (America/Havana, Santiago,
// Asuncion), time.Date answers with an instant of the day before in zones
// west of UTC (Havana's 2026-03-08 00:00 becomes 03-07 23:00 -05); the date
// then starts where that zone ends, at 01:00 of the new offset.
func midnight(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	for i := 0; i < 4; i++ {
		ty, tm, td := t.Date()
		if ty == y && tm == m && td == d {
			break
		}
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.After(t) {
			break
		}
		t = end
	}
	return t
}

// floorDate is the civil date on which the period containing date starts.
func floorDate(iv Interval, y int, m time.Month, d int) (int, time.Month, int) {
	switch iv {
	case Day:
		return y, m, d
	case Week:
		wd := int(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday())
		back := (wd + 6) % 7 // days since Monday
		t := time.Date(y, m, d-back, 12, 0, 0, 0, time.UTC)
		return t.Year(), t.Month(), t.Day()
	case Month:
		return y, m, 1
	case Quarter:
		return y, time.Month((int(m)-1)/3*3 + 1), 1
	case Year:
		return y, time.January, 1
	}
	panic("unknown interval " + string(iv))
}

// addDate moves a period's starting civil date by n periods.
func addDate(iv Interval, y int, m time.Month, d int, n int) (int, time.Month, int) {
	var t time.Time
	noon := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	switch iv {
	case Day:
		t = noon(y, m, d+n)
	case Week:
		t = noon(y, m, d+7*n)
	case Month:
		t = noon(y, m+time.Month(n), 1)
	case Quarter:
		t = noon(y, m+time.Month(3*n), 1)
	case Year:
		t = noon(y+n, m, 1)
	default:
		panic("unknown interval " + string(iv))
	}
	return t.Year(), t.Month(), t.Day()
}

// PeriodOf returns the period of the interval that contains instant t, in loc.
func PeriodOf(iv Interval, t time.Time, loc *time.Location) Period {
	lt := t.In(loc)
	y, m, d := floorDate(iv, lt.Year(), lt.Month(), lt.Day())
	p := periodStarting(iv, y, m, d, loc)
	// A zone whose midnight is skipped by DST starts that day a little after
	// midnight; an instant in the skipped hour's wall-clock neighbourhood can
	// then sit before Lower. Step back one period in that rare case.
	for t.Before(p.Lower) {
		p = Shift(iv, p, -1, loc)
	}
	for !t.Before(p.Upper) {
		p = Shift(iv, p, 1, loc)
	}
	return p
}

// PeriodOfDate returns the period containing local midnight of the date.
func PeriodOfDate(iv Interval, d Date, loc *time.Location) Period {
	y, m, dd := floorDate(iv, d.Year, d.Month, d.Day)
	return periodStarting(iv, y, m, dd, loc)
}

func periodStarting(iv Interval, y int, m time.Month, d int, loc *time.Location) Period {
	ny, nm, nd := addDate(iv, y, m, d, 1)
	return Period{Lower: midnight(y, m, d, loc), Upper: midnight(ny, nm, nd, loc)}
}

// Shift returns the period n periods after p (before it for negative n).
func Shift(iv Interval, p Period, n int, loc *time.Location) Period {
	s := p.startDate(loc)
	y, m, d := addDate(iv, s.Year, s.Month, s.Day, n)
	return periodStarting(iv, y, m, d, loc)
}

// startDate is the civil date the period starts on. Lower may be later than
// midnight when DST skipped midnight, but never on another date.
func (p Period) startDate(loc *time.Location) Date {
	t := p.Lower.In(loc)
	return Date{t.Year(), t.Month(), t.Day()}
}

// Periods lists the consecutive periods from the one starting at first
// through the one starting at last, inclusive.
func Periods(iv Interval, first, last Period, loc *time.Location) []Period {
	var out []Period
	for p := first; !p.Lower.After(last.Lower); p = Shift(iv, p, 1, loc) {
		out = append(out, p)
	}
	return out
}

// Label is a short human name for a period in the spec's zone: 2026-11-26,
// 2026-W48, 2026-11, 2026-Q4, 2026.
func Label(iv Interval, p Period, loc *time.Location) string {
	d := p.startDate(loc)
	switch iv {
	case Day:
		return d.String()
	case Week:
		y, w := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case Month:
		return fmt.Sprintf("%04d-%02d", d.Year, int(d.Month))
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", d.Year, (int(d.Month)-1)/3+1)
	case Year:
		return fmt.Sprintf("%04d", d.Year)
	}
	return d.String()
}

// FormatInstant shows an instant as PostgreSQL prints a timestamptz, with
// the offset of its own zone: 2026-12-01 00:00:00+01, or +05:30, or, for
// historical offsets such as Monrovia's, -00:44:30.
func FormatInstant(t time.Time) string {
	_, off := t.Zone()
	switch {
	case off%3600 == 0:
		return t.Format("2006-01-02 15:04:05-07")
	case off%60 == 0:
		return t.Format("2006-01-02 15:04:05-07:00")
	}
	return t.Format("2006-01-02 15:04:05-07:00:00")
}
