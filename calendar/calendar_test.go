package calendar_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/partgen/partgen/calendar"
)

// calendarZones are the zones the calendar's properties are proved in: no
// DST, a 1-hour DST at 02:00, a half-hour offset, a 30-minute DST, and zones
// whose DST change skips or repeats midnight itself (Santiago, Havana; Havana
// skipped the midnight of 2012-04-01, a month and quarter start; Asunción
// skipped 1990-10-01, a Monday, a month and a quarter start; São Paulo skipped
// the Monday 1997-10-06).
var calendarZones = []string{
	"UTC",
	"America/New_York",
	"Asia/Kolkata",
	"Australia/Lord_Howe",
	"America/Santiago",
	"America/Havana",
	"America/Asuncion",
	"America/Sao_Paulo",
}

var intervals = []calendar.Interval{calendar.Day, calendar.Week, calendar.Month, calendar.Quarter, calendar.Year}

// The span the properties are checked over: every period that starts in it.
var (
	spanFrom = calendar.Date{Year: 1989, Month: time.January, Day: 1}
	spanTo   = calendar.Date{Year: 2032, Month: time.January, Day: 1}
)

func loadZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func civil(t time.Time, loc *time.Location) calendar.Date {
	y, m, d := t.In(loc).Date()
	return calendar.Date{Year: y, Month: m, Day: d}
}

func before(a, b calendar.Date) bool {
	if a.Year != b.Year {
		return a.Year < b.Year
	}
	if a.Month != b.Month {
		return a.Month < b.Month
	}
	return a.Day < b.Day
}

// nextStartDate is the civil date the period after the one starting on d
// starts on, computed on noon UTC where no zone can interfere.
func nextStartDate(iv calendar.Interval, d calendar.Date) calendar.Date {
	n := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
	switch iv {
	case calendar.Day:
		n = n.AddDate(0, 0, 1)
	case calendar.Week:
		n = n.AddDate(0, 0, 7)
	case calendar.Month:
		n = n.AddDate(0, 1, 0)
	case calendar.Quarter:
		n = n.AddDate(0, 3, 0)
	case calendar.Year:
		n = n.AddDate(1, 0, 0)
	}
	y, m, dd := n.Date()
	return calendar.Date{Year: y, Month: m, Day: dd}
}

// aligned reports whether a period of iv may start on d.
func aligned(iv calendar.Interval, d calendar.Date) bool {
	switch iv {
	case calendar.Day:
		return true
	case calendar.Week:
		return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday() == time.Monday
	case calendar.Month:
		return d.Day == 1
	case calendar.Quarter:
		return d.Day == 1 && (d.Month-1)%3 == 0
	case calendar.Year:
		return d.Day == 1 && d.Month == time.January
	}
	return false
}

// wantLabel and wantName spell a period independently of the package.
func wantLabel(iv calendar.Interval, d calendar.Date) string {
	switch iv {
	case calendar.Day:
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	case calendar.Week:
		y, w := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	case calendar.Month:
		return fmt.Sprintf("%04d-%02d", d.Year, int(d.Month))
	case calendar.Quarter:
		return fmt.Sprintf("%04d-Q%d", d.Year, (int(d.Month)-1)/3+1)
	}
	return fmt.Sprintf("%04d", d.Year)
}

func wantName(table string, iv calendar.Interval, d calendar.Date) string {
	switch iv {
	case calendar.Day:
		return fmt.Sprintf("%s_p%04d_%02d_%02d", table, d.Year, int(d.Month), d.Day)
	case calendar.Week:
		y, w := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).ISOWeek()
		return fmt.Sprintf("%s_p%04dw%02d", table, y, w)
	case calendar.Month:
		return fmt.Sprintf("%s_p%04d_%02d", table, d.Year, int(d.Month))
	case calendar.Quarter:
		return fmt.Sprintf("%s_p%04dq%d", table, d.Year, (int(d.Month)-1)/3+1)
	}
	return fmt.Sprintf("%s_p%04d", table, d.Year)
}

// namedTable is the default naming pattern of an interval for one table.
type namedTable struct {
	Name   string
	naming string
}

func defaultTable(iv calendar.Interval) namedTable {
	return namedTable{Name: "market_data", naming: calendar.DefaultNaming(iv)}
}

func (t namedTable) PartitionName(p calendar.Period) string {
	return calendar.PartitionName(t.naming, t.Name, p)
}

// isFirstInstant reports whether t is the first instant of its civil date in
// loc: the nanosecond before it lies on an earlier date.
func isFirstInstant(t time.Time, loc *time.Location) bool {
	return before(civil(t.Add(-time.Nanosecond), loc), civil(t, loc))
}

// walk lists the periods from the one containing spanFrom through the last
// one starting before spanTo, by Shift(+1). It stops (and fails) when a
// period does not move forward, so a calendar bug cannot hang the suite.
func walk(t *testing.T, iv calendar.Interval, loc *time.Location) []calendar.Period {
	t.Helper()
	end := spanTo.In(loc)
	p := calendar.PeriodOfDate(iv, spanFrom, loc)
	var out []calendar.Period
	for p.Lower.Before(end) {
		out = append(out, p)
		next := calendar.Shift(iv, p, 1, loc)
		if !next.Lower.After(p.Lower) {
			t.Fatalf("Shift(+1) of %v does not move forward: %v", p, next)
		}
		p = next
		if len(out) > 20000 {
			t.Fatal("runaway walk")
		}
	}
	return out
}

func TestCalendarPeriodsAreContiguousAlignedAndNamedInOrder(t *testing.T) {
	for _, zone := range calendarZones {
		loc := loadZone(t, zone)
		for _, iv := range intervals {
			t.Run(zone+"/"+string(iv), func(t *testing.T) {
				ps := walk(t, iv, loc)
				tbl := defaultTable(iv)
				wantDate := civil(ps[0].Lower, loc)
				names := map[string]int{}
				for i, p := range ps {
					d := civil(p.Lower, loc)
					if !p.Lower.Before(p.Upper) {
						t.Fatalf("period %d %v: Start is not before End", i, p)
					}
					if d != wantDate {
						t.Fatalf("period %d starts on %s, want %s (the periods skip or repeat a date)", i, d, wantDate)
					}
					if !aligned(iv, d) {
						t.Errorf("period %d starts on %s, not aligned to a %s", i, d, iv)
					}
					if !isFirstInstant(p.Lower, loc) {
						t.Errorf("period %d Start %s is not the first instant of %s in %s", i, p.Lower.In(loc), d, zone)
					}
					if !isFirstInstant(p.Upper, loc) {
						t.Errorf("period %d End %s is not the first instant of its date in %s", i, p.Upper.In(loc), zone)
					}
					if next := nextStartDate(iv, d); civil(p.Upper, loc) != next {
						t.Errorf("period %d [%s, %s) ends on %s, want %s", i, p.Lower.In(loc), p.Upper.In(loc), civil(p.Upper, loc), next)
					}
					if i+1 < len(ps) {
						q := ps[i+1]
						if !p.Upper.Equal(q.Lower) {
							t.Errorf("period %d ends at %s but the next starts at %s", i, p.Upper.In(loc), q.Lower.In(loc))
						}
						if p.Overlaps(q) || q.Overlaps(p) {
							t.Errorf("periods %d and %d overlap: %v %v", i, i+1, p, q)
						}
						if !p.Overlaps(p) {
							t.Errorf("period %d does not overlap itself", i)
						}
					}
					if back := calendar.Shift(iv, p, -1, loc); i > 0 && !back.Equal(ps[i-1]) {
						t.Errorf("Shift(-1) of period %d is %v, want %v", i, back, ps[i-1])
					}
					if got := calendar.PeriodOfDate(iv, d, loc); !got.Equal(p) {
						t.Errorf("PeriodOfDate(%s) = %v, want %v", d, got, p)
					}
					if got, want := calendar.Label(iv, p, loc), wantLabel(iv, d); got != want {
						t.Errorf("Label of period starting %s = %q, want %q", d, got, want)
					}
					name := tbl.PartitionName(p)
					if want := wantName(tbl.Name, iv, d); name != want {
						t.Errorf("PartitionName of period starting %s = %q, want %q", d, name, want)
					}
					if j, dup := names[name]; dup {
						t.Errorf("periods %d and %d are both named %q", j, i, name)
					}
					names[name] = i
					if i > 0 {
						if prev := tbl.PartitionName(ps[i-1]); prev >= name {
							t.Errorf("name %q of period %d does not sort after %q", name, i, prev)
						}
					}
					wantDate = nextStartDate(iv, d)
				}
				// Every date of the span maps to the period of the walk that holds it
				// (its noon exists in every zone and lies on the date).
				i := 0
				for d := civil(ps[0].Lower, loc); before(d, spanTo); d = nextStartDate(calendar.Day, d) {
					noon := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, loc)
					for i < len(ps) && !ps[i].Upper.After(noon) {
						i++
					}
					if i == len(ps) {
						break
					}
					if got := calendar.PeriodOfDate(iv, d, loc); !got.Equal(ps[i]) {
						t.Fatalf("PeriodOfDate(%s) = [%s, %s), want [%s, %s)",
							d, got.Lower.In(loc), got.Upper.In(loc), ps[i].Lower.In(loc), ps[i].Upper.In(loc))
					}
				}
				// Periods agrees with the walk, and with itself on sub-ranges.
				all := calendar.Periods(iv, ps[0], ps[len(ps)-1], loc)
				if len(all) != len(ps) {
					t.Fatalf("Periods lists %d periods, the walk %d", len(all), len(ps))
				}
				for i := range all {
					if !all[i].Equal(ps[i]) {
						t.Fatalf("Periods[%d] = %v, walk %v", i, all[i], ps[i])
					}
				}
				if one := calendar.Periods(iv, ps[3], ps[3], loc); len(one) != 1 || !one[0].Equal(ps[3]) {
					t.Errorf("Periods(p, p) = %v, want just p", one)
				}
				if none := calendar.Periods(iv, ps[4], ps[3], loc); len(none) != 0 {
					t.Errorf("Periods(later, earlier) = %v, want none", none)
				}
				if got := calendar.Shift(iv, ps[10], 7, loc); !got.Equal(ps[17]) {
					t.Errorf("Shift(+7) of period 10 = %v, want period 17 %v", got, ps[17])
				}
				if got := calendar.Shift(iv, ps[17], -7, loc); !got.Equal(ps[10]) {
					t.Errorf("Shift(-7) of period 17 = %v, want period 10 %v", got, ps[10])
				}
				if got := calendar.Shift(iv, ps[10], 0, loc); !got.Equal(ps[10]) {
					t.Errorf("Shift(0) = %v, want %v", got, ps[10])
				}
			})
		}
	}
}

func TestCalendarPeriodOfContainsTheInstant(t *testing.T) {
	for _, zone := range calendarZones {
		loc := loadZone(t, zone)
		for _, iv := range intervals {
			t.Run(zone+"/"+string(iv), func(t *testing.T) {
				ps := walk(t, iv, loc)
				check := func(x time.Time, why string) {
					t.Helper()
					got := calendar.PeriodOf(iv, x, loc)
					if !got.Contains(x) {
						t.Fatalf("PeriodOf(%s, %s) = [%s, %s) does not contain it (%s)",
							x.In(loc), x.UTC(), got.Lower.In(loc), got.Upper.In(loc), why)
					}
					// It is the one period of the walk that holds x.
					i := sort.Search(len(ps), func(i int) bool { return ps[i].Upper.After(x) })
					if i < len(ps) && ps[i].Contains(x) && !got.Equal(ps[i]) {
						t.Fatalf("PeriodOf(%s) = %v, but period %d %v holds it", x.In(loc), got, i, ps[i])
					}
					// The same instant in another location is the same instant.
					if other := calendar.PeriodOf(iv, x.In(time.FixedZone("X", 5*3600+1800)), loc); !other.Equal(got) {
						t.Fatalf("PeriodOf depends on the instant's own location: %v vs %v", other, got)
					}
				}
				for _, p := range ps {
					check(p.Lower, "a period's first instant")
					check(p.Upper.Add(-time.Nanosecond), "a period's last nanosecond")
					check(p.Lower.Add(p.Upper.Sub(p.Lower)/2), "a period's middle")
				}
				// Around every zone transition in the span, including the
				// skipped and repeated hours, minute by minute.
				from, to := spanFrom.In(loc), spanTo.In(loc)
				for x := from; x.Before(to); {
					_, end := x.ZoneBounds()
					if end.IsZero() || !end.Before(to) {
						break
					}
					for y := end.Add(-3 * time.Hour); y.Before(end.Add(3 * time.Hour)); y = y.Add(7 * time.Minute) {
						check(y, "near a zone transition")
					}
					check(end, "a zone transition")
					check(end.Add(-time.Nanosecond), "just before a zone transition")
					x = end
				}
				// Instants spread over the span, from a fixed seed.
				r := rand.New(rand.NewPCG(1, uint64(len(zone))))
				for range 2000 {
					x := from.Add(time.Duration(r.Int64N(int64(to.Sub(from)))))
					check(x, "a random instant")
				}
			})
		}
	}
}

func TestCalendarSpotNames(t *testing.T) {
	asOf := calendar.Date{Year: 2026, Month: time.November, Day: 26}
	for _, tc := range []struct {
		iv    calendar.Interval
		name  string
		label string
		start string // in UTC
		end   string
	}{
		{calendar.Day, "market_data_p2026_11_26", "2026-11-26", "2026-11-26T00:00:00Z", "2026-11-27T00:00:00Z"},
		{calendar.Week, "market_data_p2026w48", "2026-W48", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"},
		{calendar.Month, "market_data_p2026_11", "2026-11", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"},
		{calendar.Quarter, "market_data_p2026q4", "2026-Q4", "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{calendar.Year, "market_data_p2026", "2026", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
	} {
		p := calendar.PeriodOfDate(tc.iv, asOf, time.UTC)
		if got := defaultTable(tc.iv).PartitionName(p); got != tc.name {
			t.Errorf("%s: name %q, want %q", tc.iv, got, tc.name)
		}
		if got := calendar.Label(tc.iv, p, time.UTC); got != tc.label {
			t.Errorf("%s: label %q, want %q", tc.iv, got, tc.label)
		}
		if got := p.Lower.UTC().Format(time.RFC3339); got != tc.start {
			t.Errorf("%s: start %s, want %s", tc.iv, got, tc.start)
		}
		if got := p.Upper.UTC().Format(time.RFC3339); got != tc.end {
			t.Errorf("%s: end %s, want %s", tc.iv, got, tc.end)
		}
	}
}

// ISO weeks belong to the ISO year: the week of Monday 2026-12-28 is 2026w53,
// and so is 2027-01-01 (a Friday); 2027-01-04 opens 2027w01. 2024-12-30 (a
// Monday) opens 2025w01 although its calendar year is 2024.
func TestCalendarISOWeekNames(t *testing.T) {
	tbl := defaultTable(calendar.Week)
	for _, tc := range []struct {
		date  calendar.Date
		name  string
		label string
		start calendar.Date
	}{
		{calendar.Date{Year: 2026, Month: 12, Day: 28}, "market_data_p2026w53", "2026-W53", calendar.Date{Year: 2026, Month: 12, Day: 28}},
		{calendar.Date{Year: 2027, Month: 1, Day: 1}, "market_data_p2026w53", "2026-W53", calendar.Date{Year: 2026, Month: 12, Day: 28}},
		{calendar.Date{Year: 2027, Month: 1, Day: 3}, "market_data_p2026w53", "2026-W53", calendar.Date{Year: 2026, Month: 12, Day: 28}},
		{calendar.Date{Year: 2027, Month: 1, Day: 4}, "market_data_p2027w01", "2027-W01", calendar.Date{Year: 2027, Month: 1, Day: 4}},
		{calendar.Date{Year: 2024, Month: 12, Day: 31}, "market_data_p2025w01", "2025-W01", calendar.Date{Year: 2024, Month: 12, Day: 30}},
		{calendar.Date{Year: 2021, Month: 1, Day: 1}, "market_data_p2020w53", "2020-W53", calendar.Date{Year: 2020, Month: 12, Day: 28}},
		{calendar.Date{Year: 2026, Month: 1, Day: 1}, "market_data_p2026w01", "2026-W01", calendar.Date{Year: 2025, Month: 12, Day: 29}},
	} {
		for _, zone := range calendarZones {
			loc := loadZone(t, zone)
			p := calendar.PeriodOfDate(calendar.Week, tc.date, loc)
			if got := civil(p.Lower, loc); got != tc.start {
				t.Errorf("%s in %s: week starts %s, want %s", tc.date, zone, got, tc.start)
			}
			if got := tbl.PartitionName(p); got != tc.name {
				t.Errorf("%s in %s: name %q, want %q", tc.date, zone, got, tc.name)
			}
			if got := calendar.Label(calendar.Week, p, loc); got != tc.label {
				t.Errorf("%s in %s: label %q, want %q", tc.date, zone, got, tc.label)
			}
		}
	}
}

// A midnight that DST skips: the period of that date starts at the first
// instant that exists on it (01:00 local), and the day before is 23 hours.
func TestCalendarSkippedMidnight(t *testing.T) {
	for _, tc := range []struct {
		zone  string
		iv    calendar.Interval
		date  calendar.Date
		start string // the first instant of date, UTC
	}{
		{"America/Havana", calendar.Day, calendar.Date{Year: 2026, Month: 3, Day: 8}, "2026-03-08T05:00:00Z"},
		{"America/Havana", calendar.Month, calendar.Date{Year: 2012, Month: 4, Day: 1}, "2012-04-01T05:00:00Z"},
		{"America/Havana", calendar.Quarter, calendar.Date{Year: 2012, Month: 5, Day: 17}, "2012-04-01T05:00:00Z"},
		{"America/Santiago", calendar.Day, calendar.Date{Year: 2026, Month: 9, Day: 6}, "2026-09-06T04:00:00Z"},
		{"America/Asuncion", calendar.Week, calendar.Date{Year: 1990, Month: 10, Day: 3}, "1990-10-01T04:00:00Z"},
	} {
		loc := loadZone(t, tc.zone)
		p := calendar.PeriodOfDate(tc.iv, tc.date, loc)
		if got := p.Lower.UTC().Format(time.RFC3339); got != tc.start {
			t.Errorf("%s %s of %s starts at %s (%s local), want %s", tc.zone, tc.iv, tc.date, got, p.Lower.In(loc), tc.start)
		}
		if got := calendar.Shift(tc.iv, p, -1, loc); !got.Upper.Equal(p.Lower) {
			t.Errorf("%s: the period before ends at %s, want %s", tc.zone, got.Upper.UTC(), p.Lower.UTC())
		}
		if got := calendar.Shift(tc.iv, p, 1, loc); !got.Lower.Equal(p.Upper) || !got.Lower.After(p.Lower) {
			t.Errorf("%s: the period after is %v, want it to start at %s", tc.zone, got, p.Upper.UTC())
		}
	}
}

func TestParseInterval(t *testing.T) {
	for _, iv := range intervals {
		if got, ok := calendar.ParseInterval(string(iv)); !ok || got != iv {
			t.Errorf("ParseInterval(%q) = %q, %v", iv, got, ok)
		}
	}
	for _, s := range []string{"", "Day", "days", "hour", "fortnight", " month"} {
		if _, ok := calendar.ParseInterval(s); ok {
			t.Errorf("ParseInterval(%q) accepted", s)
		}
	}
}
