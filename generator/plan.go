package generator

import (
	"fmt"
	"sort"
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
	Table   string // the table's full name ([spec.Table.FullName]); empty for the audit log's file
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
	kindLog                    // create partgen_archive_log (a file of its own)

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
	targets []folder.PartitionState // kindRetire, kindPurge: every partition the file retires or drops, in bound order
	before  []folder.PartitionState // attached range partitions before the file
	after   []folder.PartitionState // attached range partitions after the file
	why     []string                // the header's reasons
	convert bool                    // SQLite: the table's first partgen file converts it
	// retentionFloor: the file's first partition starts later than the
	// spec asks because earlier periods are past retention (the instant
	// they end at or before); zero otherwise.
	retentionFloor time.Time
	// hasDefault: the table has a default partition while the file runs
	// (created by an earlier file, or by this one).
	hasDefault bool
	asOf       calendar.Date
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
		// A file whose view names partitions that only a later file, or
		// this run, creates: a creation file written before it was deleted
		// (say after it stopped on rows in the default partition). Written
		// after it, the new creation file would leave the view naming
		// tables that do not exist until then.
		var planned []string
		for _, st := range s {
			for _, p := range st.creates {
				planned = append(planned, p.Name)
			}
			if st.dflt {
				planned = append(planned, sp.Tables[i].DefaultPartitionName())
			}
		}
		if vas := mig.ViewsAhead(sp.Tables[i].FullName(), planned); len(vas) > 0 {
			msg, fix := vas[0].Explain(sp.Tables[i].FullName())
			return nil, &spec.Error{File: vas[0].File.Path, Line: vas[0].View.Line, Column: 1, Msg: msg, Fix: fix}
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
	for i := range steps {
		steps[i].asOf = asOf
	}
	// The audit trail's table gets a file of its own, the first of the
	// folder's first partgen run: a file no partition names (never among
	// those a user may delete), and a table sqlc, reading the folder, finds
	// before and after the first retirement alike.
	logAt := -1
	if !mig.HasArchiveLog() {
		logAt = 0
	}
	n := len(steps)
	if logAt >= 0 {
		n++
	}
	versions := nextVersions(mig, asOf, n)
	for i := range steps {
		if i == logAt {
			body, err := r.renderLog(asOf, versions[0])
			if err != nil {
				return nil, err
			}
			plan.Files = append(plan.Files, File{Name: fmt.Sprintf("%0*d_partgen_archive_log.sql", mig.Width, versions[0]), Version: versions[0],
				Purpose: "create partgen_archive_log, the audit trail of every partition partgen retires", Body: body})
			versions = versions[1:]
		}
		s := &steps[i]
		body, err := r.render(s, versions[0])
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("%0*d_partgen_%s.sql", mig.Width, versions[0], fileSlug(s))
		plan.Files = append(plan.Files, File{Name: name, Version: versions[0], Table: s.table.FullName(), Purpose: purpose(sp, s), Body: body})
		versions = versions[1:]
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
	// newest is the latest as-of date a partgen file for the table was
	// planned for; hasNewest is false for a table new to the folder (an
	// older as-of date creates its partitions as that date asks).
	newest    calendar.Date
	hasNewest bool
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
		missing, notes, err := missingPartitions(sp, t, &st)
		if err != nil {
			return nil, err
		}
		if s, ok := createStep(sp, mig, t, asOf, &st, missing); ok {
			s.why = append(s.why, notes...)
			steps = append(steps, splitForCitus(t, s)...)
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
	st.newest, st.hasNewest = mig.NewestAsOf(t.FullName())
	st.current = calendar.PeriodOfDate(t.Interval, asOf, loc)
	st.first = st.current
	if t.Start != nil {
		st.first = calendar.PeriodOfDate(t.Interval, *t.Start, loc)
	}
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
		if p.State == folder.StateAttached {
			st.attached = append(st.attached, p)
		}
	}
	st.last = calendar.Shift(t.Interval, st.current, t.Premake, loc)
	st.cutoff = rules.RetentionCutoff(t, st.current, loc)
	st.purge = rules.PurgeCutoff(t, st.current, loc)
	return st
}

// missingPartitions plans the partitions that leave no hole in the table's
// time line: from the first period the spec wants (start:, or the as-of
// period) through the as-of period plus premake, and across every span
// between the folder's partitions, so that a period in which nobody ran
// generate, an as-of date earlier than the last one used, or an interval
// change leaves no gap. It skips what is already past retention (or lies
// before partitions already retired: that part of the table is gone).
//
// Each uncovered span is cut into periods of the spec's interval where they
// fit; the rest (between the last partition of an earlier interval and the
// first boundary of the new one) gets partitions of that earlier interval,
// or days, which tile any span between midnights.
func missingPartitions(sp *spec.Spec, t *spec.Table, st *tableState) ([]folder.PartitionState, []string, error) {
	loc := sp.Location
	var existing []folder.PartitionState // range partitions in any state, by lower bound
	for _, p := range st.existing {
		if !p.Default {
			existing = append(existing, p)
		}
	}
	sort.SliceStable(existing, func(i, j int) bool { return existing[i].Period.Lower.Before(existing[j].Period.Lower) })
	lo, hi := st.first.Lower, st.last.Upper
	floor := st.cutoff // creating a partition that ends before it would only retire it again
	if st.hasNewest {
		// An as-of date earlier than one the folder was generated for does
		// not bring back what retention had left behind by then.
		if c := rules.RetentionCutoff(t, calendar.PeriodOfDate(t.Interval, st.newest, loc), loc); c.After(floor) {
			floor = c
		}
	}
	for _, p := range existing {
		if p.Period.Lower.Before(lo) {
			lo = p.Period.Lower
		}
		if p.Period.Upper.After(hi) {
			hi = p.Period.Upper
		}
		if p.State != folder.StateAttached && p.Period.Upper.After(floor) {
			floor = p.Period.Upper
		}
	}
	var missing []folder.PartitionState
	var notes []string
	taken := map[string]bool{}
	for _, p := range st.existing {
		taken[p.Name] = true
	}
	for _, span := range uncovered(lo, hi, existing) {
		tiles, err := tile(t.Interval, span, existing, loc)
		if err != nil {
			return nil, nil, sp.ErrorAt(t, "interval",
				"partition the table in the zone its partitions were made in (timezone:), or move the folder's partitions to midnights of this zone",
				"table %s: %v", t.Name, err)
		}
		fills := map[calendar.Interval]int{}
		var switchAt time.Time
		ownAfter := false // tiles of the spec's interval follow the fill in this span
		for _, tl := range tiles {
			if rules.PastRetention(tl.period.Upper, floor) {
				continue
			}
			name := t.PartitionName(tl.period)
			if tl.interval != t.Interval {
				name = calendar.PartitionName(calendar.DefaultNaming(tl.interval), t.Name, tl.period)
				fills[tl.interval]++
				switchAt = tl.period.Upper
			} else if len(fills) > 0 {
				ownAfter = true
			}
			if taken[name] {
				return nil, nil, sp.ErrorAt(t, "naming", "give the table a naming pattern that keeps periods of different lengths apart",
					"table %s: the partition for [%s, %s) would be named %s, which the folder already uses", t.Name,
					calendar.FormatInstant(tl.period.Lower.In(loc)), calendar.FormatInstant(tl.period.Upper.In(loc)), name)
			}
			taken[name] = true
			missing = append(missing, folder.PartitionState{Table: t.FullName(), Name: name, Period: tl.period, State: folder.StateAttached})
		}
		if len(fills) > 0 {
			then := "where the folder's partitions go on"
			if ownAfter {
				then = fmt.Sprintf("the first %s boundary, where %s partitions start", t.Interval, t.Interval)
			}
			notes = append(notes, fmt.Sprintf("The span from %s is off the %s calendar (the folder's partitions were made with another interval, or start elsewhere): %s fill it up to %s, %s.",
				calendar.FormatInstant(span.Lower.In(loc)), t.Interval, countIntervals(fills), calendar.FormatInstant(switchAt.In(loc)), then))
		}
	}
	return missing, notes, nil
}

// countIntervals writes counts such as "1 week and 3 day partition(s)".
func countIntervals(n map[calendar.Interval]int) string {
	var parts []string
	for _, in := range []calendar.Interval{calendar.Year, calendar.Quarter, calendar.Month, calendar.Week, calendar.Day} {
		if n[in] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[in], in))
		}
	}
	return strings.Join(parts, " and ") + " partition(s)"
}

// uncovered is [lo, hi) without the periods of existing (sorted by lower
// bound), as spans in time order.
func uncovered(lo, hi time.Time, existing []folder.PartitionState) []calendar.Period {
	var out []calendar.Period
	at := lo
	for _, p := range existing {
		if !at.Before(hi) {
			break
		}
		if p.Period.Lower.After(at) {
			end := p.Period.Lower
			if end.After(hi) {
				end = hi
			}
			out = append(out, calendar.Period{Lower: at, Upper: end})
		}
		if p.Period.Upper.After(at) {
			at = p.Period.Upper
		}
	}
	if at.Before(hi) {
		out = append(out, calendar.Period{Lower: at, Upper: hi})
	}
	return out
}

// tiled is one planned partition and the interval its period belongs to.
type tiled struct {
	period   calendar.Period
	interval calendar.Interval
}

// tile cuts span into periods: of iv wherever a whole one fits; the part of
// the span before the first boundary of iv gets periods of the interval of
// the partition just before the span (the interval the table had), or days
// where those do not fit.
func tile(iv calendar.Interval, span calendar.Period, existing []folder.PartitionState, loc *time.Location) ([]tiled, error) {
	var before calendar.Interval
	for _, p := range existing {
		if !p.Period.Upper.After(span.Lower) {
			if in, ok := intervalOf(p.Period, loc); ok {
				before = in
			}
		}
	}
	var out []tiled
	for at := span.Lower; at.Before(span.Upper); {
		own := calendar.PeriodOf(iv, at, loc)
		if own.Lower.Equal(at) && !own.Upper.After(span.Upper) {
			out = append(out, tiled{own, iv})
			at = own.Upper
			continue
		}
		limit := own.Upper // the next boundary of iv
		if limit.After(span.Upper) {
			limit = span.Upper
		}
		placed := false
		for _, in := range []calendar.Interval{before, calendar.Day} {
			if in == "" {
				continue
			}
			p := calendar.PeriodOf(in, at, loc)
			if p.Lower.Equal(at) && !p.Upper.After(limit) {
				out = append(out, tiled{p, in})
				at, placed = p.Upper, true
				break
			}
		}
		if !placed {
			return nil, fmt.Errorf("the span from %s to %s does not start or end at a midnight of %s", calendar.FormatInstant(span.Lower), calendar.FormatInstant(span.Upper), loc)
		}
	}
	return out, nil
}

// partitionInterval is the interval of a partition of t: the spec's, or
// the one whose period it is (a partition made before an interval change,
// or one that fills up to the first boundary of the new interval).
func partitionInterval(t *spec.Table, p calendar.Period, loc *time.Location) calendar.Interval {
	if calendar.PeriodOf(t.Interval, p.Lower, loc).Equal(p) {
		return t.Interval
	}
	if in, ok := intervalOf(p, loc); ok {
		return in
	}
	return t.Interval
}

// intervalOf finds the interval whose period p is, if any.
func intervalOf(p calendar.Period, loc *time.Location) (calendar.Interval, bool) {
	for _, in := range []calendar.Interval{calendar.Day, calendar.Week, calendar.Month, calendar.Quarter, calendar.Year} {
		if calendar.PeriodOf(in, p.Lower, loc).Equal(p) {
			return in, true
		}
	}
	return "", false
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
	if pastRetentionStart(t, st, missing) {
		s.retentionFloor = st.cutoff
	}
	return s, true
}

// splitForCitus gives each new partition a file of its own on Citus: while
// a creation file runs, Citus makes every insert into the table wait on a
// worker from the first ATTACH to the COMMIT, so the stall grows with the
// partitions in the file (measured on Citus 13.2: 110-148 ms for one, 1.0-1.6
// s for thirteen). The default partition, when new, comes with the first.
func splitForCitus(t *spec.Table, s step) []step {
	if !t.Citus || len(s.creates) < 2 {
		return []step{s}
	}
	var out []step
	before := s.before
	for i, p := range s.creates {
		one := s
		one.creates = []folder.PartitionState{p}
		one.dflt = s.dflt && i == 0
		one.convert = s.convert && i == 0
		one.before = before
		one.after = mergeAttached(before, one.creates)
		before = one.after
		out = append(out, one)
	}
	return out
}

// retireSteps is one file per table and run for every attached partition
// past retention (each still audited and reversible on its own).
func retireSteps(sp *spec.Spec, t *spec.Table, asOf calendar.Date, st *tableState) []step {
	if t.Retention == nil {
		return nil
	}
	loc := sp.Location
	before := st.attached
	var targets []folder.PartitionState
	for _, p := range st.attached {
		if rules.PastRetention(p.Period.Upper, st.cutoff) {
			targets = append(targets, p)
			st.attached = removeAttached(st.attached, p.Name)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	why := []string{
		fmt.Sprintf("As of %s the spec keeps %d %s period(s) before the current one (%s):", asOf, t.Retention.Keep, t.Interval, calendar.Label(t.Interval, st.current, loc)),
		fmt.Sprintf("partitions ending at or before %s leave the live table.", st.cutoff.Format("2006-01-02 15:04:05 -07:00")),
	}
	why = append(why, coverLines(targets)...)
	why = append(why, "Bounds come from the calendar, never from names or data.")
	return []step{{table: t, op: retireOp[t.Retention.Action], targets: targets, before: before, after: st.attached, hasDefault: st.hasDefault, why: why}}
}

// coverLines says what each partition covers, one line each.
func coverLines(ps []folder.PartitionState) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s covers [%s, %s).", p.Name, lowerText(p), calendar.FormatInstant(p.Period.Upper)))
	}
	return out
}

// retireOp is the marker operation of each retention action.
var retireOp = map[spec.Action]folder.Op{spec.ActionDrop: folder.OpDrop, spec.ActionDetach: folder.OpDetach, spec.ActionArchive: folder.OpArchive}

// purgeSteps is one file per table and run for every retired table past
// drop_after, including those this very run retires.
func purgeSteps(sp *spec.Spec, t *spec.Table, st *tableState, retiring []step) []step {
	if t.Retention == nil || t.Retention.DropAfter == 0 {
		return nil
	}
	loc := sp.Location
	now := map[string]bool{}
	for _, s := range retiring {
		for _, p := range s.targets {
			now[p.Name] = true
		}
	}
	var targets []folder.PartitionState
	for _, p := range st.existing {
		retired := p.State == folder.StateDetached || p.State == folder.StateArchived
		if (!retired && !now[p.Name]) || p.Default || !rules.PastRetention(p.Period.Upper, st.purge) {
			continue
		}
		if !retired { // retired by this very run
			p.State = map[folder.Op]folder.State{folder.OpDetach: folder.StateDetached, folder.OpArchive: folder.StateArchived}[retireOp[t.Retention.Action]]
		}
		targets = append(targets, p)
	}
	if len(targets) == 0 {
		return nil
	}
	why := []string{
		fmt.Sprintf("The spec drops retired partitions drop_after: %d %s period(s) after they left the live table (keep %d + %d before %s):",
			t.Retention.DropAfter, t.Interval, t.Retention.Keep, t.Retention.DropAfter, calendar.Label(t.Interval, st.current, loc)),
		fmt.Sprintf("retired partitions ending at or before %s are dropped.", st.purge.Format("2006-01-02 15:04:05 -07:00")),
	}
	return []step{{table: t, op: folder.OpPurge, targets: targets, before: st.attached, after: st.attached, hasDefault: st.hasDefault,
		why: append(why, coverLines(targets)...)}}
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

// pastRetentionStart reports whether a table's first file starts later
// than the spec asks because its first periods are already past retention.
func pastRetentionStart(t *spec.Table, st *tableState, missing []folder.PartitionState) bool {
	return t.Retention != nil && len(st.existing) == 0 && len(missing) > 0 && rules.PastRetention(st.first.Upper, st.cutoff)
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
	if pastRetentionStart(t, st, missing) {
		why = append(why, fmt.Sprintf("Periods ending at or before %s are past retention (keep %d) and are not created: this file starts at %s.",
			calendar.FormatInstant(st.cutoff.In(loc)), t.Retention.Keep, calendar.Label(partitionInterval(t, missing[0].Period, loc), missing[0].Period, loc)))
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
		first, last := s.targets[0].Name, s.targets[len(s.targets)-1].Name
		if first == last {
			return string(s.op) + "_" + first
		}
		return string(s.op) + "_" + first + "_to_" + strings.TrimPrefix(strings.TrimPrefix(last, s.table.Name), "_")
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
		count := map[calendar.Interval]int{}
		for _, c := range s.creates {
			count[partitionInterval(t, c.Period, sp.Location)]++
		}
		what := fmt.Sprintf("create %d %s partition(s) of %s", n, t.Interval, t.Name)
		if len(count) > 1 || (n > 0 && count[t.Interval] == 0) {
			what = fmt.Sprintf("create %s of %s", countIntervals(count), t.Name)
		}
		switch {
		case n == 1:
			first := s.creates[0].Period
			what = fmt.Sprintf("create the %s partition of %s, %s", partitionInterval(t, first, sp.Location), t.Name,
				calendar.Label(partitionInterval(t, first, sp.Location), first, sp.Location))
		case n > 1:
			first, last := s.creates[0].Period, s.creates[n-1].Period
			what += fmt.Sprintf(", %s through %s", calendar.Label(partitionInterval(t, first, sp.Location), first, sp.Location),
				calendar.Label(partitionInterval(t, last, sp.Location), last, sp.Location))
		}
		if s.dflt {
			what += ", and its default partition"
		}
		if s.convert {
			what += engineOf(sp).convertNote()
		}
		return what
	case folder.OpDetach:
		return fmt.Sprintf("detach %s from %s (retention keep %d)", names(s.targets), t.Name, t.Retention.Keep)
	case folder.OpArchive:
		return fmt.Sprintf("archive %s of %s (retention keep %d)", names(s.targets), t.Name, t.Retention.Keep)
	case folder.OpDrop:
		return fmt.Sprintf("drop %s of %s (retention keep %d)", names(s.targets), t.Name, t.Retention.Keep)
	case folder.OpPurge:
		return fmt.Sprintf("drop retired %s of %s (drop_after %d)", names(s.targets), t.Name, t.Retention.DropAfter)
	case folder.OpAdoptCheck, folder.OpAdoptValidate, folder.OpLegacy:
		return adoptPurpose(sp, s)
	}
	return string(s.op)
}

// names lists partitions for a purpose line: one name, or the first and
// the last with the count.
func names(ps []folder.PartitionState) string {
	if len(ps) == 1 {
		return ps[0].Name
	}
	return fmt.Sprintf("%d partitions, %s through %s,", len(ps), ps[0].Name, ps[len(ps)-1].Name)
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
