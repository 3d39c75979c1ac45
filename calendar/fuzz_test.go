package calendar_test

import (
	"testing"
	"time"

	"github.com/partgen/partgen/calendar"
)

// FuzzPeriodOf: for any instant between 1900 and 2100, any zone of the list
// and any interval, the period holds the instant and its neighbours touch it.
func FuzzPeriodOf(f *testing.F) {
	f.Add(int64(1795651200), uint8(0), uint8(0))  // 2026-11-26 UTC, day
	f.Add(int64(1772946000), uint8(5), uint8(0))  // Havana 2026-03-08 01:00, the skipped midnight
	f.Add(int64(1333256400), uint8(5), uint8(3))  // Havana 2012-04-01, a quarter starting after midnight
	f.Add(int64(1788667200), uint8(4), uint8(1))  // Santiago 2026-09-06
	f.Add(int64(1775314800), uint8(3), uint8(2))  // Lord Howe 2026-04-05 02:00 +11, back 30 minutes
	f.Add(int64(-2208988800), uint8(2), uint8(4)) // 1900, Kolkata
	f.Add(int64(4102444799), uint8(1), uint8(4))  // 2099-12-31, New York
	f.Add(int64(-1), uint8(255), uint8(255))
	zones := make([]*time.Location, len(calendarZones))
	for i, z := range calendarZones {
		zones[i] = loadZone(f, z)
	}
	const lo, hi = int64(-2208988800), int64(4102444800) // 1900-01-01 .. 2100-01-01 UTC
	f.Fuzz(func(t *testing.T, sec int64, zone, interval uint8) {
		if sec < lo || sec >= hi {
			sec = lo + ((sec%(hi-lo))+(hi-lo))%(hi-lo)
		}
		loc := zones[int(zone)%len(zones)]
		iv := intervals[int(interval)%len(intervals)]
		x := time.Unix(sec, int64(uint64(sec)%1e9))
		p := calendar.PeriodOf(iv, x, loc)
		if !p.Lower.Before(p.Upper) || !p.Contains(x) {
			t.Fatalf("%s %s: PeriodOf(%s) = [%s, %s)", loc, iv, x.In(loc), p.Lower.In(loc), p.Upper.In(loc))
		}
		next, prev := calendar.Shift(iv, p, 1, loc), calendar.Shift(iv, p, -1, loc)
		if !next.Lower.Equal(p.Upper) {
			t.Fatalf("%s %s: Shift(+1) of [%s, %s) starts at %s", loc, iv, p.Lower.In(loc), p.Upper.In(loc), next.Lower.In(loc))
		}
		if !prev.Upper.Equal(p.Lower) {
			t.Fatalf("%s %s: Shift(-1) of [%s, %s) ends at %s", loc, iv, p.Lower.In(loc), p.Upper.In(loc), prev.Upper.In(loc))
		}
		if got := calendar.PeriodOf(iv, p.Lower, loc); !got.Equal(p) {
			t.Fatalf("%s %s: PeriodOf(Start) = %v, want %v", loc, iv, got, p)
		}
		if got := calendar.PeriodOfDate(iv, civil(p.Lower, loc), loc); !got.Equal(p) {
			t.Fatalf("%s %s: PeriodOfDate(Start's date) = %v, want %v", loc, iv, got, p)
		}
		if !isFirstInstant(p.Lower, loc) || !aligned(iv, civil(p.Lower, loc)) {
			t.Fatalf("%s %s: Start %s is not the first instant of an aligned date", loc, iv, p.Lower.In(loc))
		}
	})
}
