package status_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/status"
)

// partElem matches one partition element of the page and its attributes.
var partElem = regexp.MustCompile(`<div class="part s-(\w+)" data-partition="([^"]*)" data-state="(\w+)" data-lower="([^"]*)" data-upper="([^"]*)" data-rows="(\d*)" data-bytes="(\d*)"`)

func page(t *testing.T, r *status.Report, opts status.HTMLOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, opts); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// The example's page: one element per partition with its state, bounds,
// rows and bytes, the now and runway lines, and nothing loaded from
// elsewhere.
func TestHTMLExample(t *testing.T) {
	r := renderedExample(t)
	out := page(t, r, status.HTMLOptions{})
	elems := partElem.FindAllStringSubmatch(out, -1)
	if len(elems) != 21 {
		t.Fatalf("%d partition elements, want 21", len(elems))
	}
	found := map[string][]string{}
	for _, m := range elems {
		if m[1] != m[3] {
			t.Errorf("%s: class s-%s, state %s", m[2], m[1], m[3])
		}
		found[m[2]] = m[3:]
	}
	want := map[string][]string{
		"market_data_p2026_11": {"current", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", "1000"},
		"market_data_p2026_01": {"past", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "3"},
		"market_data_p2027_02": {"future", "2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z", "2"},
		"alert_log_default":    {"default", "", "", "1"},
	}
	for name, w := range want {
		if got := found[name]; len(got) < 4 || strings.Join(got[:4], " ") != strings.Join(w, " ") {
			t.Errorf("%s: %v, want %v", name, got, w)
		}
	}
	for _, s := range []string{
		`<div class="line now" data-time="2026-11-26T12:00:00Z"`,
		`<div class="line runway-end flip" data-time="2027-03-01T00:00:00Z"`,
		`<section class="table" data-table="trades" data-health="critical">`,
		"the table is missing from the database",
		`<li data-code="table_missing">`,
		`<link rel="icon" href="data:,">`,
	} {
		if !strings.Contains(out, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	// Self-contained: no URL to fetch, no refresh unless asked.
	if regexp.MustCompile(`(?i)(src|href)="(https?:|//)|@import|url\(`).MatchString(out) || strings.Contains(out, "http-equiv") {
		t.Errorf("the page refers to something outside itself or refreshes")
	}
}

// Gaps, overlaps, unreadable bounds and retired partitions each have their
// mark; the options' note, error and refresh show; a nil report is a page.
func TestHTMLMarks(t *testing.T) {
	at := func(s string) *time.Time { v := ts(s); return &v }
	n := int64(7)
	r := &status.Report{Health: rules.Critical, Engine: "postgres", Now: ts("2026-03-15T00:00:00Z"), Tables: []status.Table{{
		Name: "app.events", Exists: true, Partitioned: true, Interval: "month", Premake: 1, Timezone: "Europe/Paris", Health: rules.Critical,
		Runway: status.Runway{Covered: true, Until: at("2026-04-01T00:00:00Z"), Seconds: 17 * 86400, Periods: 0},
		Partitions: []status.Partition{
			{Name: "events_p2026_01", State: status.StatePast, Lower: at("2026-01-01T00:00:00Z"), Upper: at("2026-02-01T00:00:00Z"), Rows: &n},
			{Name: "events_p2026_03", State: status.StateCurrent, Lower: at("2026-03-01T00:00:00Z"), Upper: at("2026-04-01T00:00:00Z")},
			{Name: "events_hand", State: status.StateCurrent, Lower: at("2026-03-10T00:00:00Z"), Upper: at("2026-03-20T00:00:00Z")},
			{Name: "events_odd", State: status.StateUnknown, Bound: "FOR VALUES FROM (MINVALUE) TO ('2025-01-01')"},
			{Name: "events_p2025_12", Schema: "archive", State: status.StateArchived, Lower: at("2025-12-01T00:00:00Z"), Upper: at("2026-01-01T00:00:00Z")},
		},
		Gaps:     []status.Range{{Lower: ts("2026-02-01T00:00:00Z"), Upper: ts("2026-03-01T00:00:00Z")}},
		Overlaps: []status.Overlap{{A: "events_p2026_03", B: "events_hand", Lower: ts("2026-03-10T00:00:00Z"), Upper: ts("2026-03-20T00:00:00Z")}},
	}}, Problems: []status.Problem{{Severity: rules.SevCritical, Code: rules.CodeGap, Table: "app.events", Message: "a <gap>"}}}
	out := page(t, r, status.HTMLOptions{Note: "read 3s ago", Error: "the latest read failed", Refresh: 30 * time.Second})
	for _, s := range []string{
		`<div class="gap" data-lower="2026-02-01T00:00:00Z" data-upper="2026-03-01T00:00:00Z"`,
		`<div class="overlap" data-a="events_p2026_03" data-b="events_hand" data-lower="2026-03-10T00:00:00Z" data-upper="2026-03-20T00:00:00Z"`,
		`data-partition="events_odd" data-state="unknown" data-lower="" data-upper=""`,
		`data-partition="events_p2025_12" data-state="archived" data-lower="2025-12-01T00:00:00Z"`,
		`<span class="name">p2026_01</span>`, // the table's name is dropped on the axis
		"a &lt;gap&gt;",                      // escaped
		`<p class="note" id="note">read 3s ago</p>`,
		`<p class="error" id="error" role="alert">the latest read failed</p>`,
		`<meta http-equiv="refresh" content="30">`,
		`2026-04-01 02:00 &#43;02:00`, // the runway's end in the table's zone, escaped
	} {
		if !strings.Contains(out, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	// The two overlapping partitions do not share a lane; the archived one
	// has a lane of its own.
	if n := strings.Count(out, `<div class="lane">`); n != 3 {
		t.Errorf("%d lanes, want 3", n)
	}

	out = page(t, nil, status.HTMLOptions{Error: "cannot connect"})
	if !strings.Contains(out, `role="alert">cannot connect</p>`) || strings.Contains(out, "<section") {
		t.Errorf("a nil report:\n%s", out)
	}
}
