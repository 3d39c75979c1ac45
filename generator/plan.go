package generator

import (
	"fmt"
	"strings"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
)

// File is one migration partgen would write.
type File struct {
	Name    string // base name, with version
	Version int64
	Table   string // the table's full name ([spec.Table.FullName])
	Purpose string // one line, for listings
	Body    []byte
}

// Plan is everything one run would write.
type Plan struct {
	Spec   *spec.Spec
	Folder *folder.Folder
	AsOf   calendar.Date
	Files  []File
}

// stepKind is the template a step renders with.
type stepKind int

const (
	kindCreate stepKind = iota // create range partitions and/or the default partition
	kindRetire                 // detach, archive or drop one partition
	kindPurge                  // drop a table retired earlier

	// The three files that adopt an ordinary table (adopt.go), on engines
	// that adopt in place (dialect.Dialect.AdoptsInPlace).
	kindAdoptCheck    // add CHECK (key < cutover) NOT VALID
	kindAdoptValidate // validate it
	kindAdoptSwap     // the table becomes the legacy partition; partitions from the cutover
)

// step is one file's worth of work, fully decided: rendering it is a pure
// function of the step, the spec and the version.
type step struct {
	table   *spec.Table
	op      folder.Op               // folder.OpCreate, or a retention op
	creates []folder.PartitionState // kindCreate: new range partitions
	dflt    bool                    // kindCreate: also creates the default partition
	target  *folder.PartitionState  // kindRetire, kindPurge
	before  []folder.PartitionState // attached range partitions before the file
	after   []folder.PartitionState // attached range partitions after the file
	why     []string                // the header's reasons
	convert bool                    // SQLite: the table's first partgen file converts it
	// hasDefault: the table has a default partition while the file runs
	// (created by an earlier file, or by this one).
	hasDefault bool
	// createLog: the file is the folder's first partgen file and creates
	// partgen_archive_log.
	createLog bool
	// legacy is the partition an adopted table becomes, FROM (MINVALUE) TO
	// (the cutover): set on the three adoption steps.
	legacy *folder.PartitionState
}

func (s *step) kind() stepKind {
	switch s.op {
	case folder.OpCreate:
		return kindCreate
	case folder.OpPurge:
		return kindPurge
	case folder.OpAdoptCheck:
		return kindAdoptCheck
	case folder.OpAdoptValidate:
		return kindAdoptValidate
	case folder.OpLegacy:
		return kindAdoptSwap
	}
	return kindRetire
}

// BuildPlan computes the files that bring the folder up to date for the
// as-of date (a civil date in the spec's zone). It is a pure function of
// (spec, mig, as-of) and reads no database. A mistake the spec or the
// folder shows is an [*spec.Error].
func BuildPlan(sp *spec.Spec, mig *folder.Folder, asOf calendar.Date) (*Plan, error) {
	plan := &Plan{Spec: sp, Folder: mig, AsOf: asOf}
	var steps []step
	for i := range sp.Tables {
		s, err := planTable(sp, mig, &sp.Tables[i], asOf)
		if err != nil {
			return nil, err
		}
		steps = append(steps, s...)
	}
	r, err := newRenderer(sp, mig)
	if err != nil {
		return nil, err
	}
	if err := r.checkEveryTable(); err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		return plan, nil
	}
	if !mig.HasPartgenFiles() {
		steps[0].createLog = true
	}
	versions := nextVersions(mig, asOf, len(steps))
	for i := range steps {
		s := &steps[i]
		body, err := r.render(s, versions[i])
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("%0*d_partgen_%s.sql", mig.Width, versions[i], fileSlug(s))
		plan.Files = append(plan.Files, File{Name: name, Version: versions[i], Table: s.table.FullName(), Purpose: purpose(sp, s), Body: body})
	}
	return plan, nil
}

// tableState is what the folder says about one table, and the periods the
// calendar asks for on the as-of date.
type tableState struct {
	existing   []folder.PartitionState
	attached   []folder.PartitionState // attached range partitions, in bound order
	hasDefault bool
	current    calendar.Period // the as-of period
	first      calendar.Period // first period the spec wants
	last       calendar.Period // current + premake
	cutoff     time.Time       // retention: partitions ending at or before it leave
	purge      time.Time       // drop_after: retired partitions ending at or before it are dropped
}

func planTable(sp *spec.Spec, mig *folder.Folder, t *spec.Table, asOf calendar.Date) ([]step, error) {
	st := readTable(sp, mig, t, asOf)
	steps, adopting, err := adoptSteps(sp, mig, t, asOf, &st)
	if err != nil {
		return nil, err
	}
	if adopting {
		swap := steps[len(steps)-1]
		st.attached, st.hasDefault = swap.after, swap.hasDefault
	} else {
		missing, err := missingPartitions(sp, t, &st)
		if err != nil {
			return nil, err
		}
		if s, ok := createStep(sp, mig, t, asOf, &st, missing); ok {
			steps = append(steps, s)
			st.attached = s.after
			st.hasDefault = s.hasDefault
		}
	}
	retire := retireSteps(sp, t, asOf, &st)
	steps = append(steps, retire...)
	return append(steps, purgeSteps(sp, t, &st, retire)...), nil
}

// readTable folds the folder's markers for t and lays out the calendar.
func readTable(sp *spec.Spec, mig *folder.Folder, t *spec.Table, asOf calendar.Date) tableState {
	loc := sp.Location
	st := tableState{existing: mig.Partitions(t.FullName())}
	st.current = calendar.PeriodOfDate(t.Interval, asOf, loc)
	st.first = st.current
	if t.Start != nil {
		st.first = calendar.PeriodOfDate(t.Interval, *t.Start, loc)
	}
	// Pick up where the folder ends: a period in which nobody ran generate
	// must still get its partition, or it stays a hole for good.
	var newest time.Time
	for _, p := range st.existing {
		if p.Default {
			if p.State == folder.StateAttached {
				st.hasDefault = true
			}
			continue
		}
		if p.Legacy && st.first.Lower.Before(p.Period.Upper) {
			// An adopted table's legacy partition holds every row before
			// the cutover; partitions start there.
			st.first = calendar.PeriodOf(t.Interval, p.Period.Upper, loc)
		}
		if p.Period.Upper.After(newest) {
			newest = p.Period.Upper
		}
		if p.State == folder.StateAttached {
			st.attached = append(st.attached, p)
		}
	}
	if !newest.IsZero() && newest.Before(st.first.Lower) {
		st.first = calendar.PeriodOf(t.Interval, newest, loc)
	}
	st.last = calendar.Shift(t.Interval, st.current, t.Premake, loc)
	st.cutoff = rules.RetentionCutoff(t, st.current, loc)
	st.purge = rules.PurgeCutoff(t, st.current, loc)
	return st
}

// missingPartitions lists the periods from first through last that no
// partgen file created, leaving out those already past retention.
func missingPartitions(sp *spec.Spec, t *spec.Table, st *tableState) ([]folder.PartitionState, error) {
	loc := sp.Location
	if st.first.Lower.After(st.last.Lower) {
		return nil, nil
	}
	var missing []folder.PartitionState
	for _, p := range calendar.Periods(t.Interval, st.first, st.last, loc) {
		if rules.PastRetention(p.Upper, st.cutoff) {
			continue // creating it would only retire it again
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
				return nil, sp.ErrorAt(t, "interval",
					"keep the interval the table was partitioned with, or set `start:` after the last existing partition",
					"table %s: the folder's partition %s [%s, %s) overlaps the %s period %s that the spec asks for",
					t.Name, e.Name, e.Period.Lower.Format(time.RFC3339), e.Period.Upper.Format(time.RFC3339), t.Interval, calendar.Label(t.Interval, p, loc))
			}
		}
		if !known {
			missing = append(missing, folder.PartitionState{Table: t.FullName(), Name: t.PartitionName(p), Period: p, State: folder.StateAttached})
		}
	}
	return missing, nil
}

// createStep is the file that creates the missing partitions, and the
// default partition when the spec asks for one the folder lacks.
func createStep(sp *spec.Spec, mig *folder.Folder, t *spec.Table, asOf calendar.Date, st *tableState, missing []folder.PartitionState) (step, bool) {
	dflt := t.DefaultPartition && !st.hasDefault
	if len(missing) == 0 && !dflt {
		return step{}, false
	}
	s := step{
		table: t, op: folder.OpCreate, creates: missing, dflt: dflt,
		before: st.attached, after: mergeAttached(st.attached, missing),
		convert:    !mig.HasTable(t.FullName()),
		hasDefault: st.hasDefault || dflt,
	}
	s.why = createWhy(sp, t, asOf, st, missing)
	return s, true
}

// retireSteps is one file per attached partition past retention.
func retireSteps(sp *spec.Spec, t *spec.Table, asOf calendar.Date, st *tableState) []step {
	if t.Retention == nil {
		return nil
	}
	loc := sp.Location
	op := retireOp[t.Retention.Action]
	var steps []step
	for _, p := range st.attached {
		if !rules.PastRetention(p.Period.Upper, st.cutoff) {
			continue
		}
		before := st.attached
		st.attached = removeAttached(st.attached, p.Name)
		target := p
		steps = append(steps, step{table: t, op: op, target: &target, before: before, after: st.attached, hasDefault: st.hasDefault,
			why: []string{
				fmt.Sprintf("As of %s the spec keeps %d %s period(s) before the current one (%s):", asOf, t.Retention.Keep, t.Interval, calendar.Label(t.Interval, st.current, loc)),
				fmt.Sprintf("partitions ending at or before %s leave the live table.", st.cutoff.Format("2006-01-02 15:04:05 -07:00")),
				fmt.Sprintf("%s covers [%s, %s), computed from the calendar, never from its name or its data.", p.Name, lowerText(p), calendar.FormatInstant(p.Period.Upper)),
			}})
	}
	return steps
}

// retireOp is the marker operation of each retention action.
var retireOp = map[spec.Action]folder.Op{spec.ActionDrop: folder.OpDrop, spec.ActionDetach: folder.OpDetach, spec.ActionArchive: folder.OpArchive}

// purgeSteps is one file per retired table past drop_after, including those
// this very run retires.
func purgeSteps(sp *spec.Spec, t *spec.Table, st *tableState, retiring []step) []step {
	if t.Retention == nil || t.Retention.DropAfter == 0 {
		return nil
	}
	loc := sp.Location
	now := map[string]bool{}
	for _, s := range retiring {
		now[s.target.Name] = true
	}
	var steps []step
	for _, p := range st.existing {
		retired := p.State == folder.StateDetached || p.State == folder.StateArchived
		if (!retired && !now[p.Name]) || p.Default || !rules.PastRetention(p.Period.Upper, st.purge) {
			continue
		}
		target := p
		if !retired { // retired by this very run
			target.State = map[folder.Op]folder.State{folder.OpDetach: folder.StateDetached, folder.OpArchive: folder.StateArchived}[retireOp[t.Retention.Action]]
		}
		steps = append(steps, step{table: t, op: folder.OpPurge, target: &target, before: st.attached, after: st.attached, hasDefault: st.hasDefault,
			why: []string{
				fmt.Sprintf("The spec drops retired partitions drop_after: %d %s period(s) after they left the live table (keep %d + %d before %s).",
					t.Retention.DropAfter, t.Interval, t.Retention.Keep, t.Retention.DropAfter, calendar.Label(t.Interval, st.current, loc)),
				fmt.Sprintf("%s covers [%s, %s), which ends at or before %s.", p.Name, lowerText(p), calendar.FormatInstant(p.Period.Upper), st.purge.Format("2006-01-02 15:04:05 -07:00")),
			}})
	}
	return steps
}

// lowerText is a partition's lower bound for prose: MINVALUE for the
// legacy partition of an adopted table.
func lowerText(p folder.PartitionState) string {
	if p.Legacy {
		return "MINVALUE"
	}
	return calendar.FormatInstant(p.Period.Lower)
}

func mergeAttached(a, b []folder.PartitionState) []folder.PartitionState {
	out := append(append([]folder.PartitionState(nil), a...), b...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Period.Lower.Before(out[j-1].Period.Lower); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func removeAttached(a []folder.PartitionState, name string) []folder.PartitionState {
	var out []folder.PartitionState
	for _, p := range a {
		if p.Name != name {
			out = append(out, p)
		}
	}
	return out
}

func createWhy(sp *spec.Spec, t *spec.Table, asOf calendar.Date, st *tableState, missing []folder.PartitionState) []string {
	loc := sp.Location
	from := "the current period"
	if t.Start != nil {
		from = "start: " + t.Start.String()
	}
	why := []string{
		fmt.Sprintf("As of %s (%s) the current %s is %s; the spec wants partitions from %s",
			asOf, sp.Timezone, t.Interval, calendar.Label(t.Interval, st.current, loc), from),
		fmt.Sprintf("through %s (premake: %d period(s) ahead), made from the calendar, never from the data.",
			calendar.Label(t.Interval, st.last, loc), t.Premake),
	}
	if len(st.attached) == 0 {
		why = append(why, "The folder holds no partition of this table yet.")
	} else {
		l := st.attached[len(st.attached)-1]
		why = append(why, fmt.Sprintf("The folder's partitions reach %s (%s).", calendar.FormatInstant(l.Period.Upper), l.Name))
	}
	return why
}

func fileSlug(s *step) string {
	switch s.kind() {
	case kindAdoptCheck:
		return "adopt_check_" + s.table.Name
	case kindAdoptValidate:
		return "adopt_validate_" + s.table.Name
	case kindAdoptSwap:
		return "adopt_swap_" + s.table.Name
	}
	if s.op != folder.OpCreate {
		return string(s.op) + "_" + s.target.Name
	}
	if len(s.creates) == 0 {
		return "create_" + s.table.DefaultPartitionName()
	}
	first, last := s.creates[0].Name, s.creates[len(s.creates)-1].Name
	if first == last {
		return "create_" + first
	}
	return "create_" + first + "_to_" + strings.TrimPrefix(strings.TrimPrefix(last, s.table.Name), "_")
}

func purpose(sp *spec.Spec, s *step) string {
	t := s.table
	switch s.op {
	case folder.OpCreate:
		n := len(s.creates)
		what := fmt.Sprintf("create %d %s partition(s) of %s", n, t.Interval, t.Name)
		if n > 0 {
			what += fmt.Sprintf(", %s through %s", calendar.Label(t.Interval, s.creates[0].Period, sp.Location), calendar.Label(t.Interval, s.creates[n-1].Period, sp.Location))
		}
		if s.dflt {
			what += ", and its default partition"
		}
		if s.convert {
			what += engineOf(sp).convertNote()
		}
		return what
	case folder.OpDetach:
		return fmt.Sprintf("detach %s from %s (retention keep %d)", s.target.Name, t.Name, t.Retention.Keep)
	case folder.OpArchive:
		return fmt.Sprintf("archive %s of %s (retention keep %d)", s.target.Name, t.Name, t.Retention.Keep)
	case folder.OpDrop:
		return fmt.Sprintf("drop %s of %s (retention keep %d)", s.target.Name, t.Name, t.Retention.Keep)
	case folder.OpPurge:
		return fmt.Sprintf("drop retired %s of %s (drop_after %d)", s.target.Name, t.Name, t.Retention.DropAfter)
	case folder.OpAdoptCheck, folder.OpAdoptValidate, folder.OpLegacy:
		return adoptPurpose(sp, s)
	}
	return string(s.op)
}

// nextVersions assigns n fixed-width, collision-free versions. A timestamped
// folder gets the as-of date's midnight, or the last version + 1 when that is
// not later; a sequential folder gets max + 1.
func nextVersions(mig *folder.Folder, asOf calendar.Date, n int) []int64 {
	v := mig.MaxVersion() + 1
	if mig.Timestamped {
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
