// Package check is `partgen check`, the CI guard: it reads only the spec and
// the goose folder, never a database, and reports short runways, hand-edited
// partgen files, gaps and overlaps among the partitions the markers leave
// attached, and partgen files that goose would refuse as out of order
// against a base branch. Its findings are [rules.Problem] values with the
// same codes `partgen status` uses.
package check

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
)

// SchemaVersion is the version of the JSON form of a [Report].
const SchemaVersion = 1

// Options steer one check.
type Options struct {
	// Runway is the number of whole periods of partitions required after
	// the as-of period; negative means each table's premake.
	Runway int
	// Base names a git ref whose files count as applied (BaseFiles, from
	// [BaseFiles]); empty skips the out-of-order rule.
	Base      string
	BaseFiles map[string]int64
}

// Report is the outcome of one check.
type Report struct {
	SchemaVersion int             `json:"schema_version"`
	Spec          string          `json:"spec"`
	Folder        string          `json:"folder"`
	AsOf          string          `json:"as_of"`
	Health        rules.Health    `json:"health"`
	Tables        int             `json:"tables"`
	PartgenFiles  int             `json:"partgen_files"`
	Base          string          `json:"base,omitempty"` // empty: out of order was not checked
	Problems      []rules.Problem `json:"problems"`
}

// Run checks the folder for the as-of date.
func Run(sp *spec.Spec, mig *folder.Folder, asOf calendar.Date, opts Options) *Report {
	r := &Report{SchemaVersion: SchemaVersion, Spec: Rel(sp.File), Folder: Rel(sp.Migrations), AsOf: asOf.String(),
		Tables: len(sp.Tables), Base: opts.Base, Problems: []rules.Problem{}}
	for _, mf := range mig.Files {
		if mf.Partgen {
			r.PartgenFiles++
		}
	}
	r.Problems = append(r.Problems, edited(mig)...)
	for i := range sp.Tables {
		r.Problems = append(r.Problems, viewsAhead(sp, mig, &sp.Tables[i], asOf)...)
		r.Problems = append(r.Problems, tableProblems(sp, mig, &sp.Tables[i], asOf, opts.Runway)...)
	}
	if opts.Base != "" {
		r.Problems = append(r.Problems, order(sp, mig, opts.Base, opts.BaseFiles, asOf)...)
	}
	r.Health = rules.HealthOf(r.Problems)
	return r
}

// edited finds partgen files that no longer match their checksum.
func edited(mig *folder.Folder) []rules.Problem {
	var out []rules.Problem
	for _, mf := range mig.Files {
		if !mf.Edited() {
			continue
		}
		p := rules.Problem{Severity: rules.SevCritical, Code: rules.CodeEdited, File: Rel(mf.Path)}
		if mf.Checksum == "" {
			p.Message = fmt.Sprintf("partgen file has no checksum line: it was edited by hand; restore it from version control (git checkout -- %s), or, if no database has applied it, delete it and run partgen generate",
				Rel(mf.Path))
		} else {
			p.Message = fmt.Sprintf("partgen file was edited by hand (declared sha256 %.12s..., content %.12s...); restore it from version control (git checkout -- %s), or, if no database has applied it, delete it and run partgen generate",
				mf.Checksum, mf.Actual, Rel(mf.Path))
		}
		out = append(out, p)
	}
	return out
}

// kept names the partitions of t that the as-of date keeps, from the
// retention cutoff (or start:, or the as-of period) through premake: a view
// naming one of them that no file creates was written after a creation
// file that is gone (unlike a partition past retention, whose files a user
// may trim).
func kept(sp *spec.Spec, t *spec.Table, asOf calendar.Date) []string {
	loc := sp.Location
	current := calendar.PeriodOfDate(t.Interval, asOf, loc)
	first := current
	if t.Retention != nil {
		first = calendar.Shift(t.Interval, current, -t.Retention.Keep, loc)
	} else if t.Start != nil {
		first = calendar.PeriodOfDate(t.Interval, *t.Start, loc)
	}
	if t.Start != nil {
		if s := calendar.PeriodOfDate(t.Interval, *t.Start, loc); s.Lower.After(first.Lower) {
			first = s
		}
	}
	last := calendar.Shift(t.Interval, current, t.Premake, loc)
	var names []string
	for p := first; !p.Lower.After(last.Lower) && len(names) < 10000; p = calendar.Shift(t.Interval, p, 1, loc) {
		names = append(names, t.PartitionName(p))
	}
	return names
}

// viewsAhead finds SQLite partgen files whose view of t names partitions
// that only a later file creates, or that the as-of date keeps and no file
// creates ([folder.Folder.ViewsAhead]).
func viewsAhead(sp *spec.Spec, mig *folder.Folder, t *spec.Table, asOf calendar.Date) []rules.Problem {
	var out []rules.Problem
	for _, va := range mig.ViewsAhead(t.FullName(), kept(sp, t, asOf)) {
		msg, fix := va.Explain(t.FullName())
		out = append(out, rules.Problem{Severity: rules.SevCritical, Code: rules.CodeViewAhead, Table: t.FullName(), Partition: va.Missing[0],
			File: Rel(va.File.Path), Message: msg + "; " + fix})
	}
	return out
}

// tableProblems finds gaps, overlaps and a short runway among the partitions the
// folder's markers leave attached to t. want < 0 means the table's premake.
func tableProblems(sp *spec.Spec, mig *folder.Folder, t *spec.Table, asOf calendar.Date, want int) []rules.Problem {
	loc := sp.Location
	key := t.FullName()
	byName := map[string]folder.PartitionState{}
	var ranges []rules.Range
	for _, p := range mig.Partitions(key) {
		if p.State == folder.StateAttached && !p.Default {
			byName[p.Name] = p
			ranges = append(ranges, rules.Range{Name: p.Name, Period: p.Period})
		}
	}
	path := func(file string) string { return Rel(filepath.Join(mig.Dir, file)) }
	var out []rules.Problem
	gaps, overlaps := rules.Sweep(ranges)
	for _, o := range overlaps {
		a, b := byName[o.A.Name], byName[o.B.Name]
		out = append(out, rules.Problem{Severity: rules.SevCritical, Code: rules.CodeOverlap, Table: key, Partition: b.Name, File: path(b.CreatedBy),
			Message: fmt.Sprintf("partition %s [%s, %s) of %s overlaps %s [%s, %s) from %s; delete the file that should not exist (if no database has applied it) and run partgen generate",
				b.Name, fmtBound(b.Period.Lower, loc), fmtBound(b.Period.Upper, loc), key,
				a.Name, fmtBound(a.Period.Lower, loc), fmtBound(a.Period.Upper, loc), a.CreatedBy)})
	}
	for _, g := range gaps {
		a, b := byName[g.Before.Name], byName[g.After.Name]
		out = append(out, rules.Problem{Severity: rules.SevCritical, Code: rules.CodeGap, Table: key, File: path(b.CreatedBy),
			Message: fmt.Sprintf("no partition of %s covers [%s, %s), between %s (%s) and %s; a file that created it was probably deleted: restore it from version control if a database applied it, else partgen generate writes one that fills the hole",
				key, fmtBound(g.Period.Lower, loc), fmtBound(g.Period.Upper, loc), a.Name, a.CreatedBy, b.Name)})
	}

	n := want
	if n < 0 {
		n = t.Premake
	}
	current := calendar.PeriodOfDate(t.Interval, asOf, loc)
	rw := rules.RunwayAt(t.Interval, ranges, current.Lower, loc)
	if rw.Covered && rw.Periods >= n {
		return out
	}
	where, reach := Rel(sp.File), "no partition of it covers the as-of period"
	if rw.Covered {
		where = path(byName[rw.Last.Name].CreatedBy)
		reach = fmt.Sprintf("its partitions end at %s (%s)", fmtBound(rw.Until, loc), rw.Last.Name)
	}
	code, sev := rules.CodeRunwayShort, rules.SevWarning
	if !rw.Covered {
		code, sev = rules.CodeRunwayExhausted, rules.SevCritical
	}
	fix := fmt.Sprintf("run partgen generate --config %s --as-of %s and commit the new file", Rel(sp.File), asOf)
	if newest, ok := mig.NewestAsOf(key); ok && asOf.Before(newest) && !rw.Covered &&
		rules.PastRetention(current.Upper, rules.RetentionCutoff(t, calendar.PeriodOfDate(t.Interval, newest, loc), loc)) {
		// The as-of period is past the retention of the folder's newest
		// date: generate never brings such a partition back.
		fix = fmt.Sprintf("the folder's partgen files for %s were generated as of %s, after %s, and retention as of that date retired the partitions of %s; generate does not bring them back: check as of %s or later (partgen check --as-of %s)",
			key, newest, asOf, calendar.Label(t.Interval, current, loc), newest, newest)
	}
	return append(out, rules.Problem{Severity: sev, Code: code, Table: key, File: where,
		Message: fmt.Sprintf("%s has %d whole %s(s) of partitions after %s, fewer than %d: %s; %s",
			key, rw.Periods, t.Interval, calendar.Label(t.Interval, current, loc), n, reach, fix)})
}

// order flags partgen files that base does not have and whose version is
// below base's highest: once merged, goose would refuse them on every
// database that has base applied.
func order(sp *spec.Spec, mig *folder.Folder, base string, baseFiles map[string]int64, asOf calendar.Date) []rules.Problem {
	var maxV int64
	var maxName string
	for name, v := range baseFiles {
		if v > maxV || (v == maxV && name > maxName) {
			maxV, maxName = v, name
		}
	}
	var late []folder.MigrationFile
	for _, mf := range mig.Files {
		if _, ok := baseFiles[mf.Name]; ok || !mf.Partgen || mf.Version >= maxV {
			continue
		}
		late = append(late, mf)
	}
	var names []string
	for _, mf := range late {
		names = append(names, Rel(mf.Path))
	}
	var out []rules.Problem
	for _, mf := range late {
		out = append(out, rules.Problem{Severity: rules.SevWarning, Code: rules.CodeOutOfOrder, File: Rel(mf.Path),
			Message: fmt.Sprintf("version %d sorts below %s (version %d) on %s: goose refuses a pending migration below the highest applied version, so databases that have %s applied would refuse this file; merge %s, delete %s and run partgen generate --config %s --as-of %s (new files get versions after the folder's highest)",
				mf.Version, maxName, maxV, base, base, base, strings.Join(names, " "), Rel(sp.File), asOf)})
	}
	return out
}

// Rel shortens a path for messages when it lies below the working
// directory.
func Rel(p string) string {
	if r, err := filepath.Rel(".", p); err == nil && !filepath.IsAbs(r) && len(r) < len(p) {
		return r
	}
	return p
}

func fmtBound(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04:05 -07:00")
}
