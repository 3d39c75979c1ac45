// Package rules is partgen's one coverage-and-rules engine: the sweep that
// finds gaps and overlaps among partitions, the runway, the retention
// cutoffs, and the [Problem] values (with stable codes) that both `partgen
// check` (reading the goose folder) and `partgen status` (reading a
// database) report. Given the same partitions, both say the same thing.
//
// Everything here is a pure function of its arguments: no clock, no
// database, no files.
package rules

import (
	"sort"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/spec"
)

// Range is one attached range partition: a name and its bounds.
type Range struct {
	Name   string
	Period calendar.Period
}

// Overlap is the span two attached partitions both cover.
type Overlap struct {
	A, B   Range
	Period calendar.Period
}

// Gap is a span no attached partition covers, between two that do.
type Gap struct {
	Before, After Range // the partitions either side
	Period        calendar.Period
}

// Sweep walks the ranges in bound order and returns the holes between them
// and the spans covered twice. ranges need not be sorted; it is not
// modified.
func Sweep(ranges []Range) (gaps []Gap, overlaps []Overlap) {
	rs := sorted(ranges)
	if len(rs) == 0 {
		return nil, nil
	}
	reach := rs[0] // the partition reaching furthest so far
	for _, r := range rs[1:] {
		switch {
		case r.Period.Lower.Before(reach.Period.Upper):
			end := reach.Period.Upper
			if r.Period.Upper.Before(end) {
				end = r.Period.Upper
			}
			overlaps = append(overlaps, Overlap{A: reach, B: r, Period: calendar.Period{Lower: r.Period.Lower, Upper: end}})
		case r.Period.Lower.After(reach.Period.Upper):
			gaps = append(gaps, Gap{Before: reach, After: r, Period: calendar.Period{Lower: reach.Period.Upper, Upper: r.Period.Lower}})
		}
		if r.Period.Upper.After(reach.Period.Upper) {
			reach = r
		}
	}
	return gaps, overlaps
}

func sorted(ranges []Range) []Range {
	rs := append([]Range(nil), ranges...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Period.Lower.Before(rs[j].Period.Lower) })
	return rs
}

// Runway is how far the unbroken run of partitions that contains an instant
// reaches.
type Runway struct {
	// Covered is false when no range contains the instant.
	Covered bool
	// Until is the first instant after the run: where inserts start to
	// fail. Zero when not covered.
	Until time.Time
	// Last is the range that ends the run.
	Last Range
	// Periods counts the whole periods of the interval after the one that
	// contains the instant that the run covers: the unit of premake.
	Periods int
}

// RunwayAt follows the unbroken run of ranges from at and counts the whole
// periods of iv (in loc) it covers after the period containing at.
func RunwayAt(iv calendar.Interval, ranges []Range, at time.Time, loc *time.Location) Runway {
	until := at
	var rw Runway
	for {
		next := until
		for _, r := range ranges {
			if !r.Period.Lower.After(until) && r.Period.Upper.After(until) && r.Period.Upper.After(next) {
				next, rw.Last = r.Period.Upper, r
			}
		}
		if !next.After(until) {
			break
		}
		rw.Covered = true
		until = next
	}
	if !rw.Covered {
		return Runway{}
	}
	rw.Until = until
	for p := calendar.Shift(iv, calendar.PeriodOf(iv, at, loc), 1, loc); !p.Upper.After(until); p = calendar.Shift(iv, p, 1, loc) {
		rw.Periods++
	}
	return rw
}

// RetentionCutoff is the instant partitions of t that end at or before it
// leave the live table, when current is the period of now (or of the as-of
// date): the lower bound of the period keep periods before current. Zero
// without retention. Computed from the calendar, never from names or data.
func RetentionCutoff(t *spec.Table, current calendar.Period, loc *time.Location) time.Time {
	if t.Retention == nil {
		return time.Time{}
	}
	return calendar.Shift(t.Interval, current, -t.Retention.Keep, loc).Lower
}

// PurgeCutoff is the instant retired partitions of t that end at or before
// it are dropped (drop_after periods after the retention cutoff). Zero when
// retired partitions are kept.
func PurgeCutoff(t *spec.Table, current calendar.Period, loc *time.Location) time.Time {
	if t.Retention == nil || t.Retention.DropAfter == 0 {
		return time.Time{}
	}
	return calendar.Shift(t.Interval, current, -(t.Retention.Keep + t.Retention.DropAfter), loc).Lower
}

// PastRetention reports whether a partition ending at upper is past the
// cutoff (a zero cutoff: nothing is).
func PastRetention(upper, cutoff time.Time) bool {
	return !cutoff.IsZero() && !upper.After(cutoff)
}
