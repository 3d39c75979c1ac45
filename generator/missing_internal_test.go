package generator

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
)

// missingByScan is missingPartitions as it was first written: every period
// against every partition of the table. The merge walk must give the same
// list, and the same error naming the same partition.
func missingByScan(sp *spec.Spec, t *spec.Table, st *tableState) ([]folder.PartitionState, error) {
	loc := sp.Location
	if st.first.Lower.After(st.last.Lower) {
		return nil, nil
	}
	var missing []folder.PartitionState
	for _, p := range calendar.Periods(t.Interval, st.first, st.last, loc) {
		if rules.PastRetention(p.Upper, st.cutoff) {
			continue
		}
		known := false
		for _, e := range st.existing {
			if e.Default {
				continue
			}
			if e.Period.Equal(p) {
				known = true
				break
			}
			if e.Period.Overlaps(p) {
				return nil, fmt.Errorf("overlap %s %s", e.Name, calendar.Label(t.Interval, p, loc))
			}
		}
		if !known {
			missing = append(missing, folder.PartitionState{Table: t.FullName(), Name: t.PartitionName(p), Period: p, State: folder.StateAttached})
		}
	}
	return missing, nil
}

func TestMissingPartitionsMatchesTheFullScan(t *testing.T) {
	sp, err := spec.Parse("partgen.yaml", []byte(`version: 1
dialect: postgres
migrations: .
timezone: Europe/Berlin
tables:
  - name: ev
    key: ts
    interval: month
    premake: 3
    start: 2025-01-01
    retention: {keep: 6, action: drop}
`))
	if err != nil {
		t.Fatal(err)
	}
	tbl := &sp.Tables[0]
	loc := sp.Location
	rng := rand.New(rand.NewSource(16))
	months := calendar.Periods(calendar.Month, calendar.PeriodOfDate(calendar.Month, calendar.Date{Year: 2024, Month: 6, Day: 1}, loc),
		calendar.PeriodOfDate(calendar.Month, calendar.Date{Year: 2026, Month: 12, Day: 1}, loc), loc)
	for trial := 0; trial < 2000; trial++ {
		// A folder's partitions: most months, some missing, and now and then
		// a week, a quarter or a shifted range (an interval changed by hand).
		var existing []folder.PartitionState
		for i, m := range months {
			switch r := rng.Intn(20); {
			case r < 14:
				existing = append(existing, folder.PartitionState{Name: fmt.Sprintf("m%d", i), Period: m})
			case r == 14:
				existing = append(existing, folder.PartitionState{Name: fmt.Sprintf("w%d", i), Period: calendar.Period{Lower: m.Lower, Upper: m.Lower.AddDate(0, 0, 7)}})
			case r == 15 && trial%3 == 0:
				existing = append(existing, folder.PartitionState{Name: fmt.Sprintf("q%d", i), Period: calendar.Period{Lower: m.Lower, Upper: m.Lower.AddDate(0, 3, 0)}})
			case r == 16 && trial%5 == 0:
				existing = append(existing, folder.PartitionState{Name: fmt.Sprintf("s%d", i), Period: calendar.Period{Lower: m.Lower.Add(12 * time.Hour), Upper: m.Upper.Add(12 * time.Hour)}})
			}
		}
		if rng.Intn(4) == 0 {
			existing = append(existing, folder.PartitionState{Name: "ev_default", Default: true})
		}
		// folder.Partitions' order: by lower bound, the default last.
		sort.SliceStable(existing, func(i, j int) bool {
			if existing[i].Default != existing[j].Default {
				return !existing[i].Default
			}
			return existing[i].Period.Lower.Before(existing[j].Period.Lower)
		})
		asOf := calendar.Date{Year: 2025 + rng.Intn(2), Month: time.Month(1 + rng.Intn(12)), Day: 1 + rng.Intn(28)}
		st := tableState{existing: existing}
		st.current = calendar.PeriodOfDate(tbl.Interval, asOf, loc)
		st.first = calendar.PeriodOfDate(tbl.Interval, calendar.Date{Year: 2024, Month: time.Month(1 + rng.Intn(12)), Day: 1}, loc)
		st.last = calendar.Shift(tbl.Interval, st.current, tbl.Premake, loc)
		if rng.Intn(2) == 0 {
			st.cutoff = calendar.Shift(tbl.Interval, st.current, -6, loc).Lower
		}
		got, gotErr := missingPartitions(sp, tbl, &st)
		want, wantErr := missingByScan(sp, tbl, &st)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("trial %d: error %v, the full scan says %v", trial, gotErr, wantErr)
		}
		if gotErr != nil {
			var name string
			fmt.Sscanf(wantErr.Error(), "overlap %s", &name)
			if se, ok := gotErr.(*spec.Error); !ok || !strings.Contains(se.Msg, "partition "+name+" [") {
				t.Fatalf("trial %d: error %v, the full scan names %s", trial, gotErr, wantErr)
			}
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("trial %d: missing\n%v\nthe full scan:\n%v", trial, got, want)
		}
	}
}
