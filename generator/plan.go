package generator

import (
	"fmt"
	"strings"
	"time"
)

// SQLiteSchemaFunc returns the user's own definition of a table as the goose
// folder creates it, before partgen touched it. The generator stays free of
// database drivers; package sqliteschema provides the real one.
type SQLiteSchemaFunc func(folder *Folder, table string) (*SQLiteTable, error)

// Options steer one planning run.
type Options struct {
	AsOf         Date             // the day the plan is for, in the spec's zone
	SQLiteSchema SQLiteSchemaFunc // required for dialect sqlite
}

// File is one migration partgen would write.
type File struct {
	Name    string // base name, with version
	Version int64
	Table   string
	Purpose string // one line, for listings
	Body    []byte
}

// Plan is everything one run would write.
type Plan struct {
	Spec   *Spec
	Folder *Folder
	AsOf   Date
	Files  []File
}

// step is one file's worth of work before versions and rendering.
type step struct {
	table   *Table
	op      string           // OpCreate (with optional default), or a retention op
	creates []PartitionState // OpCreate: new range partitions
	dflt    bool             // OpCreate: also creates the default partition
	target  *PartitionState  // retention ops
	before  []PartitionState // attached partitions before the file (for SQLite's view)
	after   []PartitionState // attached partitions after the file
	why     []string
	adopt   bool // SQLite: first partgen file of the table converts it
}


// BuildPlan computes the files that bring the folder up to date for the as-of
// date. It is a pure function of (spec, folder, as-of) and reads no database.
func BuildPlan(spec *Spec, folder *Folder, opts Options) (*Plan, error) {
	plan := &Plan{Spec: spec, Folder: folder, AsOf: opts.AsOf}
	var steps []step
	for i := range spec.Tables {
		t := &spec.Tables[i]
		s, err := planTable(spec, folder, t, opts.AsOf)
		if err != nil {
			return nil, err
		}
		steps = append(steps, s...)
	}
	if len(steps) == 0 {
		return plan, nil
	}
	versions := nextVersions(folder, opts.AsOf, len(steps))
	r, err := newRenderer(spec, folder, opts)
	if err != nil {
		return nil, err
	}
	for i, s := range steps {
		name := fmt.Sprintf("%0*d_partgen_%s.sql", folder.Width, versions[i], fileSlug(&s))
		body, err := r.render(&s, versions[i])
		if err != nil {
			return nil, err
		}
		plan.Files = append(plan.Files, File{Name: name, Version: versions[i], Table: s.table.FullName(), Purpose: purpose(spec, &s), Body: body})
	}
	return plan, nil
}

func planTable(spec *Spec, folder *Folder, t *Table, asOf Date) ([]step, error) {
	loc := spec.Location
	key := t.FullName()
	existing := folder.Partitions(key)
	current := PeriodOfDate(t.Interval, asOf, loc)
	first := current
	if t.Start != nil {
		first = PeriodOfDate(t.Interval, *t.Start, loc)
	}
	// Pick up where the folder ends: a period in which nobody ran generate
	// must still get its partition, or it stays a hole for good.
	var newest time.Time
	for _, p := range existing {
		if !p.Default && p.Period.Upper.After(newest) {
			newest = p.Period.Upper
		}
	}
	if !newest.IsZero() && newest.Before(first.Lower) {
		first = PeriodOf(t.Interval, newest, loc)
	}
	last := Shift(t.Interval, current, t.Premake, loc)

	var cutoff, purgeCutoff time.Time // partitions ending at or before these are retired / purged
	if t.Retention != nil {
		cutoff = Shift(t.Interval, current, -t.Retention.Keep, loc).Lower
		if t.Retention.DropAfter > 0 {
			purgeCutoff = Shift(t.Interval, current, -(t.Retention.Keep + t.Retention.DropAfter), loc).Lower
		}
	}

	var attached []PartitionState
	hasDefault := false
	for _, p := range existing {
		if p.Default {
			if p.State == StateAttached {
				hasDefault = true
			}
			continue
		}
		if p.State == StateAttached {
			attached = append(attached, p)
		}
	}

	var missing []PartitionState
	if !first.Lower.After(last.Lower) {
		for _, p := range Periods(t.Interval, first, last, loc) {
			if !cutoff.IsZero() && !p.Upper.After(cutoff) {
				continue // already past retention: creating it would only archive it again
			}
			known := false
			for _, e := range existing {
				if e.Default {
					continue
				}
				if e.Period.Equal(p) {
					known = true
					break
				}
				if e.Period.Overlaps(p) {
					return nil, &SpecError{File: spec.File, Line: t.Line, Column: 1,
						Msg: fmt.Sprintf("table %s: the folder's partition %s [%s, %s) overlaps the %s period %s that the spec asks for",
							t.Name, e.Name, e.Period.Lower.Format(time.RFC3339), e.Period.Upper.Format(time.RFC3339), t.Interval, Label(t.Interval, p, loc)),
						Fix: "keep the interval the table was partitioned with, or set `start:` after the last existing partition"}
				}
			}
			if !known {
				missing = append(missing, PartitionState{Table: key, Name: PartitionName(t, p), Period: p, State: StateAttached})
			}
		}
	}

	var steps []step
	adopt := !folder.HasTable(key)
	if len(missing) > 0 || (t.DefaultPartition && !hasDefault) {
		after := mergeAttached(attached, missing)
		s := step{table: t, op: OpCreate, creates: missing, dflt: t.DefaultPartition && !hasDefault, before: attached, after: after, adopt: adopt}
		s.why = createWhy(spec, t, asOf, current, last, missing, attached)
		steps = append(steps, s)
		attached = after
		if s.dflt {
			hasDefault = true
		}
	}

	if t.Retention == nil {
		return steps, nil
	}
	op := map[string]string{ActionDrop: OpDrop, ActionDetach: OpDetach, ActionArchive: OpArchive}[t.Retention.Action]
	retiring := map[string]bool{}
	for _, p := range attached {
		if p.Period.Upper.After(cutoff) {
			continue
		}
		before := attached
		attached = removeAttached(attached, p.Name)
		target := p
		retiring[p.Name] = true
		s := step{table: t, op: op, target: &target, before: before, after: attached}
		s.why = []string{
			fmt.Sprintf("As of %s the spec keeps %d %s period(s) before the current one (%s):", asOf, t.Retention.Keep, t.Interval, Label(t.Interval, current, loc)),
			fmt.Sprintf("partitions ending at or before %s leave the live table.", cutoff.Format("2006-01-02 15:04:05 -07:00")),
			fmt.Sprintf("%s covers [%s, %s), computed from the calendar, never from its name or its data.", p.Name, fmtInstant(p.Period.Lower), fmtInstant(p.Period.Upper)),
		}
		steps = append(steps, s)
	}
	if t.Retention.DropAfter > 0 {
		for _, p := range existing {
			retired := p.State == StateDetached || p.State == StateArchived
			if (!retired && !retiring[p.Name]) || p.Default || p.Period.Upper.After(purgeCutoff) {
				continue
			}
			target := p
			if !retired { // retired by this very run
				target.State = map[string]string{OpDetach: StateDetached, OpArchive: StateArchived}[op]
			}
			s := step{table: t, op: OpPurge, target: &target, before: attached, after: attached}
			s.why = []string{
				fmt.Sprintf("The spec drops retired partitions drop_after: %d %s period(s) after they left the live table (keep %d + %d before %s).",
					t.Retention.DropAfter, t.Interval, t.Retention.Keep, t.Retention.DropAfter, Label(t.Interval, current, loc)),
				fmt.Sprintf("%s covers [%s, %s), which ends at or before %s.", p.Name, fmtInstant(p.Period.Lower), fmtInstant(p.Period.Upper), purgeCutoff.Format("2006-01-02 15:04:05 -07:00")),
			}
			steps = append(steps, s)
		}
	}
	return steps, nil
}

func mergeAttached(a, b []PartitionState) []PartitionState {
	out := append(append([]PartitionState(nil), a...), b...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Period.Lower.Before(out[j-1].Period.Lower); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func removeAttached(a []PartitionState, name string) []PartitionState {
	var out []PartitionState
	for _, p := range a {
		if p.Name != name {
			out = append(out, p)
		}
	}
	return out
}

func createWhy(spec *Spec, t *Table, asOf Date, current, last Period, missing, attached []PartitionState) []string {
	loc := spec.Location
	from := "the current period"
	if t.Start != nil {
		from = "start: " + t.Start.String()
	}
	why := []string{
		fmt.Sprintf("As of %s (%s) the current %s is %s; the spec wants partitions from %s",
			asOf, spec.Timezone, t.Interval, Label(t.Interval, current, loc), from),
		fmt.Sprintf("through %s (premake: %d period(s) ahead), made from the calendar, never from the data.",
			Label(t.Interval, last, loc), t.Premake),
	}
	if len(attached) == 0 {
		why = append(why, "The folder holds no partition of this table yet.")
	} else {
		l := attached[len(attached)-1]
		why = append(why, fmt.Sprintf("The folder's partitions reach %s (%s).", fmtInstant(l.Period.Upper), l.Name))
	}
	return why
}

// fmtInstant shows an instant as PostgreSQL prints a timestamptz.
func fmtInstant(t time.Time) string {
	_, off := t.Zone()
	switch {
	case off%3600 == 0:
		return t.Format("2006-01-02 15:04:05-07")
	case off%60 == 0:
		return t.Format("2006-01-02 15:04:05-07:00")
	}
	return t.Format("2006-01-02 15:04:05-07:00:00") // historical offsets such as Monrovia's -00:44:30
}

func fileSlug(s *step) string {
	switch s.op {
	case OpCreate:
		if len(s.creates) == 0 {
			return "create_" + DefaultPartitionName(s.table)
		}
		first, last := s.creates[0].Name, s.creates[len(s.creates)-1].Name
		if first == last {
			return "create_" + first
		}
		return "create_" + first + "_to_" + strings.TrimPrefix(strings.TrimPrefix(last, s.table.Name), "_")
	default:
		return s.op + "_" + s.target.Name
	}
}

func purpose(spec *Spec, s *step) string {
	switch s.op {
	case OpCreate:
		n := len(s.creates)
		what := fmt.Sprintf("create %d %s partition(s) of %s", n, s.table.Interval, s.table.Name)
		if n > 0 {
			what += fmt.Sprintf(", %s through %s", Label(s.table.Interval, s.creates[0].Period, spec.Location), Label(s.table.Interval, s.creates[n-1].Period, spec.Location))
		}
		if s.dflt {
			what += ", and its default partition"
		}
		if s.adopt && spec.Dialect == SQLite {
			what += " (converts the table to emulated partitions)"
		}
		return what
	case OpDetach:
		return fmt.Sprintf("detach %s from %s (retention keep %d)", s.target.Name, s.table.Name, s.table.Retention.Keep)
	case OpArchive:
		return fmt.Sprintf("archive %s of %s (retention keep %d)", s.target.Name, s.table.Name, s.table.Retention.Keep)
	case OpDrop:
		return fmt.Sprintf("drop %s of %s (retention keep %d)", s.target.Name, s.table.Name, s.table.Retention.Keep)
	case OpPurge:
		return fmt.Sprintf("drop retired %s of %s (drop_after %d)", s.target.Name, s.table.Name, s.table.Retention.DropAfter)
	}
	return s.op
}

// nextVersions assigns n fixed-width, collision-free versions. A timestamped
// folder gets the as-of date's midnight, or the last version + 1 when that is
// not later; a sequential folder gets max + 1.
func nextVersions(f *Folder, asOf Date, n int) []int64 {
	v := f.MaxVersion() + 1
	if f.Timestamped {
		base := int64(asOf.Year)*1e10 + int64(asOf.Month)*1e8 + int64(asOf.Day)*1e6
		if base > v {
			v = base
		}
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = v + int64(i)
	}
	return out
}
