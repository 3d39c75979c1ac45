package status

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/partgen/partgen/rules"
)

// The page is one file with its CSS and script inline: it loads nothing
// else (no CDN, no font, no favicon request), so it works offline, from a
// file, and behind a proxy that serves only partgen.
//
//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("status").Funcs(template.FuncMap{
	// pct is a position or size on the time axis, for a style attribute.
	"pct": func(f float64) template.CSS { return template.CSS(strconv.FormatFloat(f, 'f', 3, 64) + "%") },
}).Parse(htmlSource))

// HTMLOptions steer [Report.WriteHTML].
type HTMLOptions struct {
	// Title heads the page; default "partgen status".
	Title string
	// Note is a line under the title, e.g. how old the report is
	// (`partgen serve` says when it was read).
	Note string
	// Error is shown in a banner above the report, e.g. why the database
	// could not be read (serve shows its last good report under it).
	Error string
	// Refresh makes the browser reload the page this often (0: never).
	Refresh time.Duration
}

// WriteHTML writes the report as one self-contained HTML page: per table,
// its partitions on a time axis coloured by state, the rows and bytes of
// each, gaps and overlaps marked, a line at the report's instant and one at
// the end of the runway, then the partitions as a list and the problems.
// Each partition is an element with the attributes data-partition,
// data-state, data-lower and data-upper (RFC 3339 UTC, empty when unknown),
// each gap one with class "gap" and data-lower, data-upper, so a browser
// test or a script can read the page. A nil r writes the page with only the
// options' Note and Error (serve before its first successful read).
func (r *Report) WriteHTML(w io.Writer, opts HTMLOptions) error {
	if opts.Title == "" {
		opts.Title = "partgen status"
	}
	page := htmlPage{Title: opts.Title, Note: opts.Note, Error: opts.Error, States: States}
	if opts.Refresh > 0 {
		page.Refresh = int(opts.Refresh.Round(time.Second) / time.Second)
		if page.Refresh < 1 {
			page.Refresh = 1
		}
	}
	if r != nil {
		page.Report = true
		page.Health = string(r.Health)
		page.Engine = r.Engine
		page.Database = r.Database
		page.Now = r.Now.UTC().Format(time.RFC3339)
		page.Rows = rowsNote(r)
		page.Bytes = string(r.BytesSource)
		if r.DatabaseBytes != nil {
			page.Bytes += ", whole file " + humanBytes(*r.DatabaseBytes)
		}
		for _, t := range r.Tables {
			page.Tables = append(page.Tables, htmlTableOf(r, t))
		}
		for _, p := range r.Problems {
			if p.Table == "" {
				page.Problems = append(page.Problems, htmlProblemOf(p))
			}
		}
		m := r.Migrations
		switch {
		case !m.GooseTable:
			page.Migrations = "no goose_db_version table: goose has never run here"
		case !m.Folder:
			page.Migrations = fmt.Sprintf("%d applied, highest %d (goose folder not read)", m.Applied, m.MaxApplied)
		default:
			page.Migrations = fmt.Sprintf("%d applied, highest %d; %d pending, %d out of order", m.Applied, m.MaxApplied, len(m.Pending), len(m.OutOfOrder))
		}
		for _, e := range r.ArchiveLog {
			page.ArchiveLog = append(page.ArchiveLog, htmlArchive{
				Table: e.ParentTable, Partition: e.PartitionName, Action: e.Action, As: e.ArchivedAs,
				Lower: e.Lower.UTC().Format("2006-01-02 15:04"), Upper: e.Upper.UTC().Format("2006-01-02 15:04"),
				Rows: strconv.FormatInt(e.RowCount, 10), Bytes: bytesText(e.TotalBytes),
				At: e.ArchivedAt.UTC().Format("2006-01-02 15:04:05"), Version: e.MigrationVersion,
			})
		}
	}
	ew := &errWriter{w: w}
	if err := htmlTemplate.Execute(ew, page); err != nil {
		return err
	}
	return ew.err
}

func rowsNote(r *Report) string {
	switch {
	case r.Engine == "sqlite":
		return "exact count(*)"
	case r.ExactCounts:
		return "exact count(*) (--exact)"
	}
	if r.BytesSource == "citus_total_relation_size" {
		return "~ estimates from pg_class.reltuples; Citus's distributed tables and the default partition are counted exactly"
	}
	return "~ estimates from pg_class.reltuples; the default partition is counted exactly"
}

type htmlPage struct {
	Title, Note, Error string
	Refresh            int
	Report             bool
	Health, Engine     string
	Database, Now      string
	Rows, Bytes        string
	Migrations         string
	States             []State
	Tables             []htmlTable
	Problems           []htmlProblem // report-wide
	ArchiveLog         []htmlArchive
}

type htmlTable struct {
	Name, Health, Interval, Timezone string
	Premake                          int
	Exists, Partitioned              bool
	Runway                           string
	DefaultRows                      string
	Axis                             bool // any partition or marker to place
	Lanes                            [][]htmlPart
	Unplaced                         []htmlPart // default, unknown bounds
	Gaps                             []htmlMark
	Overlaps                         []htmlMark
	Now, RunwayEnd                   *htmlMark
	Ticks                            []htmlMark
	Partitions                       []htmlPart // every partition, in report order
	Problems                         []htmlProblem
}

type htmlPart struct {
	Name, State, Lower, Upper string // data attributes
	Short                     string // the name without the table's prefix, on the axis
	LowerText, UpperText      string // in the table's zone
	Rows, Bytes, Partgen      string
	RowsN, BytesN             string // data-rows, data-bytes: empty when unknown
	Left, Width               float64
	Fill                      float64 // rows relative to the table's fullest partition, 0-100
	Title                     string
}

type htmlMark struct {
	Left, Width  float64
	Flip         bool   // a line near the right edge labels itself on its left
	Lower, Upper string // RFC 3339 UTC
	Label        string
	A, B         string // overlaps
}

type htmlProblem struct{ Severity, Code, Partition, Message string }

type htmlArchive struct {
	Table, Partition, Action, As string
	Lower, Upper, Rows, Bytes    string
	At                           string
	Version                      int64
}

func htmlProblemOf(p rules.Problem) htmlProblem {
	part := p.Partition
	if part == "" {
		part = p.File
	}
	return htmlProblem{Severity: string(p.Severity), Code: string(p.Code), Partition: part, Message: p.Message}
}

func htmlTableOf(r *Report, t Table) htmlTable {
	loc, err := time.LoadLocation(t.Timezone)
	if err != nil {
		loc = time.UTC
	}
	ht := htmlTable{Name: t.Name, Health: string(t.Health), Interval: t.Interval, Timezone: t.Timezone, Premake: t.Premake,
		Exists: t.Exists, Partitioned: t.Partitioned}
	for _, p := range r.Problems {
		if p.Table == t.Name {
			ht.Problems = append(ht.Problems, htmlProblemOf(p))
		}
	}
	switch {
	case !t.Exists:
		ht.Runway = "the table is missing from the database"
	case !t.Partitioned && len(t.Partitions) == 0:
		ht.Runway = "the table is not partitioned"
	case !t.Runway.Covered:
		ht.Runway = "none: no partition covers now"
	default:
		ht.Runway = fmt.Sprintf("%s, to %s, %d whole %s(s) after the current one", humanDuration(time.Duration(t.Runway.Seconds)*time.Second),
			t.Runway.Until.In(loc).Format("2006-01-02 15:04 -07:00"), t.Runway.Periods, t.Interval)
	}
	if t.DefaultRows != nil {
		ht.DefaultRows = strconv.FormatInt(*t.DefaultRows, 10)
	}

	// The axis spans every placed partition, gap, now and the runway end.
	var lo, hi time.Time
	widen := func(a, b time.Time) {
		if lo.IsZero() || a.Before(lo) {
			lo = a
		}
		if hi.IsZero() || b.After(hi) {
			hi = b
		}
	}
	var maxRows int64
	for _, p := range t.Partitions {
		switch {
		case p.Lower != nil && p.Upper != nil:
			widen(*p.Lower, *p.Upper)
		case p.Upper != nil && p.State == StateLegacy:
			widen(*p.Upper, *p.Upper) // FROM (MINVALUE): drawn from the axis' start
		}
		if p.Rows != nil && *p.Rows > maxRows {
			maxRows = *p.Rows
		}
	}
	if !lo.IsZero() || len(t.Partitions) > 0 {
		ht.Axis = true
	}
	if !ht.Axis {
		ht.Partitions = nil
		return ht
	}
	widen(r.Now, r.Now)
	if t.Runway.Until != nil {
		widen(*t.Runway.Until, *t.Runway.Until)
	}
	span := hi.Sub(lo)
	if span <= 0 {
		span = 24 * time.Hour
	}
	pad := span / 50
	lo, hi = lo.Add(-pad), hi.Add(pad)
	span = hi.Sub(lo)
	pos := func(at time.Time) float64 { return float64(at.Sub(lo)) / float64(span) * 100 }

	var placed []htmlPart
	var retired []htmlPart
	for _, p := range t.Partitions {
		hp := htmlPart{Name: p.Name, Short: shortName(t.Name, p), State: string(p.State), Lower: rfc(p.Lower), Upper: rfc(p.Upper),
			LowerText: lowerBound(p, loc), UpperText: bound(p.Upper, loc),
			Rows: rowsText(p), Bytes: bytesText(p.Bytes), Partgen: partgenText(p.CreatedByPartgen)}
		if p.Rows != nil {
			hp.RowsN = strconv.FormatInt(*p.Rows, 10)
			if maxRows > 0 {
				hp.Fill = float64(*p.Rows) / float64(maxRows) * 100
			}
		}
		if p.Bytes != nil {
			hp.BytesN = strconv.FormatInt(*p.Bytes, 10)
		}
		name := p.Name
		if p.Schema != "" && (p.State == StateArchived || p.State == StateDetached) {
			name = p.Schema + "." + p.Name
		}
		hp.Title = fmt.Sprintf("%s (%s)\n[%s, %s)\nrows %s, bytes %s", name, p.State, hp.LowerText, hp.UpperText, hp.Rows, hp.Bytes)
		if p.Bound != "" {
			hp.Title += "\nbound: " + p.Bound
		}
		ht.Partitions = append(ht.Partitions, hp)
		switch {
		case p.State == StateLegacy && p.Upper != nil:
			hp.Left, hp.Width = 0, pos(*p.Upper)
		case p.Lower == nil || p.Upper == nil:
			ht.Unplaced = append(ht.Unplaced, hp)
			continue
		default:
			hp.Left, hp.Width = pos(*p.Lower), pos(*p.Upper)-pos(*p.Lower)
		}
		if p.State == StateDetached || p.State == StateArchived {
			retired = append(retired, hp)
		} else {
			placed = append(placed, hp)
		}
	}
	ht.Lanes = append(lanes(placed), lanes(retired)...)
	for _, g := range t.Gaps {
		ht.Gaps = append(ht.Gaps, htmlMark{Left: pos(g.Lower), Width: pos(g.Upper) - pos(g.Lower), Lower: g.Lower.UTC().Format(time.RFC3339),
			Upper: g.Upper.UTC().Format(time.RFC3339), Label: fmt.Sprintf("gap [%s, %s)", g.Lower.In(loc).Format("2006-01-02 15:04"), g.Upper.In(loc).Format("2006-01-02 15:04"))})
	}
	for _, o := range t.Overlaps {
		ht.Overlaps = append(ht.Overlaps, htmlMark{Left: pos(o.Lower), Width: pos(o.Upper) - pos(o.Lower), Lower: o.Lower.UTC().Format(time.RFC3339),
			Upper: o.Upper.UTC().Format(time.RFC3339), A: o.A, B: o.B, Label: fmt.Sprintf("%s and %s overlap on [%s, %s)", o.A, o.B,
				o.Lower.In(loc).Format("2006-01-02 15:04"), o.Upper.In(loc).Format("2006-01-02 15:04"))})
	}
	ht.Now = &htmlMark{Left: pos(r.Now), Flip: pos(r.Now) > 85, Lower: r.Now.UTC().Format(time.RFC3339), Label: "now " + r.Now.In(loc).Format("2006-01-02 15:04")}
	if t.Runway.Until != nil {
		ht.RunwayEnd = &htmlMark{Left: pos(*t.Runway.Until), Flip: pos(*t.Runway.Until) > 85, Lower: t.Runway.Until.UTC().Format(time.RFC3339),
			Label: "runway ends " + t.Runway.Until.In(loc).Format("2006-01-02 15:04")}
	}
	for _, at := range ticks(lo, hi, loc) {
		ht.Ticks = append(ht.Ticks, htmlMark{Left: pos(at), Lower: at.UTC().Format(time.RFC3339), Label: tickLabel(at, loc)})
	}
	return ht
}

// lanes stacks partitions in rows so that none overlaps another in its
// row: overlapping partitions (a fault status reports) stay visible.
func lanes(ps []htmlPart) [][]htmlPart {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Left < ps[j].Left })
	var out [][]htmlPart
	var ends []float64
next:
	for _, p := range ps {
		for i, end := range ends {
			if p.Left >= end-1e-9 {
				out[i] = append(out[i], p)
				ends[i] = p.Left + p.Width
				continue next
			}
		}
		out = append(out, []htmlPart{p})
		ends = append(ends, p.Left+p.Width)
	}
	return out
}

// ticks are calendar boundaries in the table's zone, the smallest step
// that gives at most 12 of them between lo and hi.
func ticks(lo, hi time.Time, loc *time.Location) []time.Time {
	type step struct{ y, m, d int }
	for _, s := range []step{{0, 0, 1}, {0, 0, 7}, {0, 1, 0}, {0, 3, 0}, {1, 0, 0}, {5, 0, 0}, {10, 0, 0}, {50, 0, 0}} {
		l := lo.In(loc)
		var at time.Time
		switch {
		case s.y > 0:
			at = time.Date(l.Year()-l.Year()%s.y, 1, 1, 0, 0, 0, 0, loc)
		case s.m > 0:
			at = time.Date(l.Year(), l.Month()-time.Month((int(l.Month())-1)%s.m), 1, 0, 0, 0, 0, loc)
		case s.d == 7:
			at = time.Date(l.Year(), l.Month(), l.Day()-(int(l.Weekday())+6)%7, 0, 0, 0, 0, loc)
		default:
			at = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
		}
		var out []time.Time
		for ; !at.After(hi) && len(out) <= 12; at = at.AddDate(s.y, s.m, s.d) {
			if !at.Before(lo) {
				out = append(out, at)
			}
		}
		if len(out) <= 12 {
			return out
		}
	}
	return nil
}

func tickLabel(at time.Time, loc *time.Location) string {
	l := at.In(loc)
	switch {
	case l.Month() == 1 && l.Day() == 1:
		return l.Format("2006")
	case l.Day() == 1:
		return l.Format("2006-01")
	}
	return l.Format("01-02")
}

// shortName drops the table's name from a partition's: p2026_11 on the axis
// says as much as market_data_p2026_11 in a narrow box.
func shortName(table string, p Partition) string {
	name := p.Name
	if p.AttachedName != "" {
		name = p.AttachedName
	}
	if i := strings.LastIndexByte(table, '.'); i >= 0 {
		table = table[i+1:]
	}
	if s, ok := strings.CutPrefix(name, table+"_"); ok && s != "" {
		return s
	}
	return name
}

func rfc(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
