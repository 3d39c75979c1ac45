package status

import (
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
)

// Rules that a live database cannot easily be put into are checked on facts.

func spec1(t *testing.T, yaml string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("partgen.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func monthly(names ...string) []partFact {
	var out []partFact
	for _, n := range names { // "2026-11" -> [2026-11-01, 2026-12-01) UTC
		l, _ := time.Parse("2006-01", n)
		u := l.AddDate(0, 1, 0)
		out = append(out, partFact{name: "t_p" + strings.ReplaceAll(n, "-", "_"), lower: &l, upper: &u, rows: ptr(int64(0))})
	}
	return out
}

func problemCodes(r *Report) []string {
	var out []string
	for _, p := range r.Problems {
		out = append(out, string(p.Severity)+":"+string(p.Code))
	}
	return out
}

const monthSpec = `version: 1
dialect: postgres
migrations: .
tables:
  - name: t
    key: ts
    interval: month
    premake: 2
`

func TestDetachPendingAndUnreadableBounds(t *testing.T) {
	s := spec1(t, monthSpec)
	parts := monthly("2026-11", "2026-12", "2027-01")
	parts[0].detachPending = true
	parts = append(parts, partFact{name: "t_old", bound: "FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00+00')", rows: ptr(int64(0))})
	f := &facts{engine: "postgres", tables: map[string]*tableFacts{"t": {exists: true, partitioned: true, attached: parts}}}
	r := evaluate(s, nil, nil, f, *at("2026-11-15T00:00:00Z"))
	got := strings.Join(problemCodes(r), " ")
	if got != "warning:unreadable_bound warning:detach_pending" && got != "warning:detach_pending warning:unreadable_bound" {
		t.Errorf("problems %q", got)
	}
	if r.Health != rules.Warning {
		t.Errorf("health %s", r.Health)
	}
	tb := r.Tables[0]
	if last := tb.Partitions[len(tb.Partitions)-1]; last.Name != "t_old" || last.State != StateUnknown || last.Bound == "" {
		t.Errorf("unreadable partition %+v", last)
	}
	if tb.Runway.Periods != 2 {
		t.Errorf("runway %+v", tb.Runway)
	}
	if tb.Partitions[0].CreatedByPartgen != nil {
		t.Errorf("without a folder, created_by_partgen is unknown (nil)")
	}
}

// premake 0 asks for nothing ahead: only an uncovered now is critical.
func TestPremakeZero(t *testing.T) {
	s := spec1(t, strings.Replace(monthSpec, "premake: 2", "premake: 0", 1))
	f := &facts{engine: "postgres", tables: map[string]*tableFacts{"t": {exists: true, partitioned: true, attached: monthly("2026-11")}}}
	if r := evaluate(s, nil, nil, f, *at("2026-11-15T00:00:00Z")); r.Health != rules.OK {
		t.Errorf("premake 0, current month covered: %v", problemCodes(r))
	}
	if r := evaluate(s, nil, nil, f, *at("2026-12-01T00:00:00Z")); r.Health != rules.Critical || problemCodes(r)[0] != "critical:runway_exhausted" {
		t.Errorf("premake 0, nothing covers now: %v", problemCodes(r))
	}
}

// Periods are the spec zone's: in New York, December starts at 05:00 UTC.
func TestRunwayInTheSpecZone(t *testing.T) {
	s := spec1(t, strings.Replace(monthSpec, "migrations: .", "migrations: .\ntimezone: America/New_York", 1))
	loc := s.Location
	var parts []partFact
	for m := time.November; m <= time.December+2; m++ {
		l := time.Date(2026, m, 1, 0, 0, 0, 0, loc)
		u := time.Date(2026, m+1, 1, 0, 0, 0, 0, loc)
		parts = append(parts, partFact{name: "p" + l.Format("2006_01"), lower: &l, upper: &u, rows: ptr(int64(0))})
	}
	f := &facts{engine: "postgres", tables: map[string]*tableFacts{"t": {exists: true, partitioned: true, attached: parts}}}
	// 03:00 UTC on December 1st is still November 30th in New York.
	r := evaluate(s, nil, nil, f, *at("2026-12-01T03:00:00Z"))
	if rw := r.Tables[0].Runway; rw.Periods != 3 || !rw.Until.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, loc)) {
		t.Errorf("runway %+v, want 3 whole months until 2027-03-01 in New York", rw)
	}
	if r.Health != rules.OK {
		t.Errorf("problems %v", problemCodes(r))
	}
	r = evaluate(s, nil, nil, f, *at("2026-12-01T05:00:00Z"))
	if rw := r.Tables[0].Runway; rw.Periods != 2 {
		t.Errorf("runway %+v, want 2 once December starts in New York", rw)
	}
}
