package status

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
)

// facts is what one database says about a spec's tables, before any
// judgement. The collectors (postgres.go, sqlite.go) fill it; evaluate turns
// it into a Report. Keeping the two apart lets every health rule be tested
// on facts alone, and both engines share every rule.
type facts struct {
	engine        string
	exact         bool
	bytesSource   string
	databaseBytes *int64
	tables        map[string]*tableFacts // by spec.Table.FullName
	archiveLog    []ArchiveEntry
	gooseTable    bool
	applied       []int64 // ascending
}

type tableFacts struct {
	exists      bool
	partitioned bool
	key         *partKey // PostgreSQL: the table's partition key; nil when unknown
	what        string   // what the name is when it is not partitioned, for messages
	attached    []partFact
	retired     []partFact
}

// partKey is a partitioned table's key as the catalog says.
type partKey struct {
	strategy   string // r, l, h
	columns    int
	definition string // as pg_get_partkeydef prints it: RANGE (created_at)
	column     string // the first key column, "" for an expression
	typ        string // its type as format_type prints it
}

type partFact struct {
	name          string
	schema        string
	lower, upper  *time.Time // nil: default partition, or bounds not readable
	dflt          bool
	bound         string // the database's own text of bounds it could not read
	rows          *int64
	exact         bool
	bytes         *int64
	detachPending bool
	state         State  // retired partitions: StateDetached or StateArchived
	partition     string // retired partitions: the name it had while attached
	// legacy: the bound is FROM (MINVALUE) TO (upper), an adopted table's
	// legacy partition (lower is nil, bound holds the text).
	legacy bool
}

// evaluate applies every rule. mig may be nil (then nothing is known about
// which partitions partgen created, nor about pending migrations); migErr
// says why, when reading it failed.
func evaluate(sp *spec.Spec, mig *folder.Folder, migErr error, f *facts, now time.Time) *Report {
	r := &Report{
		SchemaVersion: SchemaVersion,
		Engine:        f.engine,
		Now:           now.UTC(),
		ExactCounts:   f.exact,
		BytesSource:   f.bytesSource,
		DatabaseBytes: f.databaseBytes,
		Tables:        []Table{},
		Problems:      []Problem{},
		ArchiveLog:    f.archiveLog,
	}
	if r.ArchiveLog == nil {
		r.ArchiveLog = []ArchiveEntry{}
	}
	for i := range sp.Tables {
		t := &sp.Tables[i]
		tf := f.tables[t.FullName()]
		if tf == nil {
			tf = &tableFacts{}
		}
		tr, problems := evaluateTable(sp, t, mig, pendingOf(mig, f), pendingPartgen(mig, f, t.FullName()), tf, now)
		r.Tables = append(r.Tables, tr)
		r.Problems = append(r.Problems, problems...)
	}
	mismatched := map[string]string{}
	for _, p := range r.Problems {
		if p.Code == rules.CodeKeyMismatch {
			mismatched[p.Table] = p.Message
		}
	}
	mg, problems := evaluateMigrations(mig, migErr, f, mismatched)
	r.Migrations = mg
	r.Problems = append(r.Problems, problems...)
	r.Health = rules.HealthOf(r.Problems)
	return r
}

// tableEval is one table's evaluation in progress: the report entry, its
// findings, and what the rules share.
type tableEval struct {
	sp      *spec.Spec
	t       *spec.Table
	tf      *tableFacts
	now     time.Time
	loc     *time.Location
	current calendar.Period
	created map[string]string // partition -> the partgen file that created it
	pending pendingFiles      // the folder's files goose has not applied; nil without a folder
	mig     *folder.Folder
	ranges  []Partition // attached range partitions with readable bounds
	out     Table
	found   []Problem
	// pendingTable are the table's partgen files in the folder that the
	// database has not applied.
	pendingTable []string
	// keyMismatch: the table is not partitioned as the spec says, so every
	// partgen file for it fails at goose up (ruleKey).
	keyMismatch bool
}

// pendingPartgen lists the partgen files for table that the database has
// not applied (nil without a folder or goose's table).
func pendingPartgen(mig *folder.Folder, f *facts, table string) []string {
	if mig == nil || !f.gooseTable {
		return nil
	}
	applied := map[int64]bool{}
	for _, v := range f.applied {
		applied[v] = true
	}
	var out []string
	for _, mf := range mig.Files {
		if !mf.Partgen || applied[mf.Version] {
			continue
		}
		for _, m := range mf.Markers {
			if m.Table == table {
				out = append(out, mf.Name)
				break
			}
		}
	}
	return out
}

// runwayAdvice is what to do about a short runway: fix the key when the
// table is not partitioned as the spec says (every partgen file fails
// then), else apply pending files or generate new ones (runwayFix).
func (e *tableEval) runwayAdvice(rw rules.Runway, generic string) string {
	if e.keyMismatch {
		return "partgen's files for it fail until its partition key matches the spec (see key_mismatch)"
	}
	return e.runwayFix(rw, generic)
}

func (e *tableEval) add(sev rules.Severity, code rules.Code, partition, format string, args ...any) {
	e.found = append(e.found, Problem{Severity: sev, Code: code, Table: e.out.Name, Partition: partition, Message: fmt.Sprintf(format, args...)})
	e.out.Health = rules.Worse(e.out.Health, sev.Health())
}

// tableRules run in order on every table that exists.
var tableRules = []func(*tableEval){
	ruleAttached,
	ruleNotPartitioned,
	ruleKey,
	ruleGapsAndOverlaps,
	ruleRunway,
	ruleRetention,
	ruleRetired,
}

func evaluateTable(sp *spec.Spec, t *spec.Table, mig *folder.Folder, pending pendingFiles, pendingTable []string, tf *tableFacts, now time.Time) (Table, []Problem) {
	e := &tableEval{sp: sp, t: t, tf: tf, now: now, loc: sp.Location, created: map[string]string{}, pending: pending, pendingTable: pendingTable, mig: mig}
	e.out = Table{
		Name:             t.FullName(),
		Exists:           tf.exists,
		Partitioned:      tf.partitioned,
		Interval:         string(t.Interval),
		Premake:          t.Premake,
		Timezone:         sp.Timezone,
		Health:           rules.OK,
		Partitions:       []Partition{},
		Gaps:             []Range{},
		Overlaps:         []Overlap{},
		RetentionOverdue: []string{},
		NotPartgen:       []string{},
	}
	if !tf.exists {
		e.add(rules.SevCritical, rules.CodeTableMissing, "", "table %s does not exist in the database: apply the migrations (goose up), or remove the table from %s", e.out.Name, sp.File)
		return e.out, e.found
	}
	if mig != nil {
		e.created = map[string]string{}
		for _, p := range mig.Partitions(e.out.Name) {
			if p.CreatedBy != "" {
				e.created[p.Name] = p.CreatedBy
			}
		}
	} else {
		e.created = nil
	}
	e.current = calendar.PeriodOf(t.Interval, now, e.loc)
	for _, rule := range tableRules {
		rule(e)
	}
	sortPartitions(e.out.Partitions)
	return e.out, e.found
}

// ruleAttached gives each attached partition its state and reports the
// default partition's rows, unreadable bounds, interrupted detaches and
// partitions partgen did not create.
func ruleAttached(e *tableEval) {
	for _, pf := range e.tf.attached {
		p := partitionOf(pf, e.created)
		switch {
		case pf.dflt:
			p.State = StateDefault
			n := int64(0)
			if pf.rows != nil {
				n = *pf.rows
			}
			e.out.DefaultRows = &n
			if n > 0 {
				then := "the partgen file that creates their range fails until they are moved out (on_default_rows: fail)"
				if e.t.OnDefaultRows == spec.DefaultRowsMove {
					then = "the partgen file that creates their range moves them in (on_default_rows: move)"
				}
				e.add(rules.SevWarning, rules.CodeRowsInDefault, pf.name,
					"the default partition %s holds %d row(s) that match no range partition. Rows past the runway: %s. Rows before the first partition (earlier than start:, or past retention) stay: no partgen file creates their range; delete them, or set an earlier start: or a larger keep:", pf.name, n, then)
			}
		case pf.legacy && e.legacy(pf.name):
			p.State, p.Bound = StateLegacy, ""
			e.ranges = append(e.ranges, p)
		case pf.lower == nil || pf.upper == nil:
			p.Upper = nil
			p.State = StateUnknown
			e.add(rules.SevWarning, rules.CodeUnreadableBound, pf.name,
				"partition %s has bounds partgen cannot read (%s); it is left out of the runway, gap and overlap checks", pf.name, pf.bound)
		default:
			switch {
			case !pf.upper.After(e.now):
				p.State = StatePast
			case !pf.lower.After(e.now):
				p.State = StateCurrent
			default:
				p.State = StateFuture
			}
			e.ranges = append(e.ranges, p)
		}
		if pf.detachPending {
			e.add(rules.SevWarning, rules.CodeDetachPending, pf.name,
				"partition %s is pending detach (an interrupted DETACH ... CONCURRENTLY): run goose up again, or ALTER TABLE %s DETACH PARTITION %s FINALIZE", pf.name, e.out.Name, pf.name)
		}
		if p.CreatedByPartgen != nil && !*p.CreatedByPartgen {
			e.out.NotPartgen = append(e.out.NotPartgen, pf.name)
			e.add(rules.SevInfo, rules.CodeNotPartgen, pf.name, "partition %s was not created by a partgen migration of this folder", pf.name)
		}
		e.out.Partitions = append(e.out.Partitions, p)
	}
}

// ruleNotPartitioned: the table exists but nothing partitions it yet.
func ruleNotPartitioned(e *tableEval) {
	if e.tf.partitioned || len(e.tf.attached) > 0 {
		return
	}
	what := e.tf.what
	if what == "" {
		what = "not partitioned"
	}
	if e.mig != nil {
		if ad := e.mig.Adoption(e.out.Name); ad != nil && ad.Swap != "" {
			var files []string
			for _, f := range []string{ad.Check, ad.Validate, ad.Swap} {
				if f != "" && (e.pending == nil || e.pending.has(f)) {
					files = append(files, f)
				}
			}
			e.add(rules.SevCritical, rules.CodeNotPartitioned, "",
				"table %s is %s: its adoption is not applied yet; goose up applies %s, which make it the partition %s before %s (until the swap, the table refuses rows at or after that cutover once the first file is applied)",
				e.out.Name, what, strings.Join(files, ", "), ad.Legacy, fmtTime(ad.Cutover, e.loc))
			return
		}
	}
	e.add(rules.SevCritical, rules.CodeNotPartitioned, "",
		"table %s is %s: no partition exists yet; apply the partgen migrations (goose up)", e.out.Name, what)
}

// ruleKey: a PostgreSQL table partitioned otherwise than the spec says
// (another column, strategy or key type) makes every partgen file for it
// fail at goose up; generating more files does not help.
func ruleKey(e *tableEval) {
	k := e.tf.key
	if k == nil {
		return
	}
	want := dialect.PostgresTypeName(e.t.KeyType)
	if k.strategy == "r" && k.columns == 1 && k.column == e.t.Key && k.typ == want {
		return
	}
	e.keyMismatch = true
	is := "PARTITION BY " + k.definition
	if k.column != "" {
		is += fmt.Sprintf(" with %s of type %s", k.column, k.typ)
	}
	files := "its pending partgen files"
	if len(e.pendingTable) > 0 {
		files = strings.Join(e.pendingTable, ", ")
	}
	e.add(rules.SevCritical, rules.CodeKeyMismatch, "",
		"table %s is %s, but the spec says PARTITION BY RANGE (%s) with %s of type %s: partgen's files for it fail at goose up; correct key: or key_type: in %s (or the table), delete %s and run partgen generate again",
		e.out.Name, is, e.t.Key, e.t.Key, want, e.sp.File, files)
}

func (e *tableEval) rangeList() []rules.Range {
	out := make([]rules.Range, len(e.ranges))
	for i, p := range e.ranges {
		out[i] = rules.Range{Name: p.Name, Period: calendar.Period{Upper: *p.Upper}}
		if p.Lower != nil { // nil for the legacy partition: MINVALUE, before every instant
			out[i].Period.Lower = *p.Lower
		}
	}
	return out
}

// legacy reports whether a partition FROM (MINVALUE) is the legacy
// partition of an adopted table: the folder's marker says so, or there is
// no folder to ask. One the folder does not know was made by hand, and its
// bound stays unreadable.
func (e *tableEval) legacy(name string) bool {
	if e.mig == nil {
		return true
	}
	for _, p := range e.mig.Partitions(e.out.Name) {
		if p.Name == name {
			return p.Legacy
		}
	}
	return false
}

// ruleGapsAndOverlaps sweeps the attached range partitions in bound order.
func ruleGapsAndOverlaps(e *tableEval) {
	gaps, overlaps := rules.Sweep(e.rangeList())
	for _, o := range overlaps {
		e.out.Overlaps = append(e.out.Overlaps, Overlap{A: o.A.Name, B: o.B.Name, Lower: o.Period.Lower.UTC(), Upper: o.Period.Upper.UTC()})
		e.add(rules.SevCritical, rules.CodeOverlap, o.B.Name, "partitions %s and %s overlap on [%s, %s): a row there matches both; detach or drop the one no partgen migration created",
			o.A.Name, o.B.Name, fmtTime(o.Period.Lower, e.loc), fmtTime(o.Period.Upper, e.loc))
	}
	for _, g := range gaps {
		e.out.Gaps = append(e.out.Gaps, Range{Lower: g.Period.Lower.UTC(), Upper: g.Period.Upper.UTC()})
		e.add(rules.SevCritical, rules.CodeGap, "", "no partition covers [%s, %s) between %s and %s: rows there fail or land in the default partition; attach a partition for that range",
			fmtTime(g.Period.Lower, e.loc), fmtTime(g.Period.Upper, e.loc), g.Before.Name, g.After.Name)
	}
}

// ruleRunway follows the unbroken run of partitions from now.
func ruleRunway(e *tableEval) {
	t := e.t
	rw := rules.RunwayAt(t.Interval, e.rangeList(), e.now, e.loc)
	if rw.Covered {
		u := rw.Until.UTC()
		e.out.Runway = Runway{Covered: true, Until: &u, Seconds: int64(rw.Until.Sub(e.now) / time.Second), Periods: rw.Periods}
	}
	if len(e.ranges) == 0 && !e.tf.partitioned {
		return
	}
	label := calendar.Label(t.Interval, e.current, e.loc)
	switch {
	case !rw.Covered:
		e.add(rules.SevCritical, rules.CodeRunwayExhausted, "", "no partition of %s covers now (%s): inserts fail or land in the default partition; %s", e.out.Name, fmtTime(e.now, e.loc),
			e.runwayAdvice(rw, "run partgen generate, review and deploy the migration"))
	case rw.Periods < 1 && t.Premake >= 1:
		e.add(rules.SevCritical, rules.CodeRunwayCritical, "", "the partitions of %s end at %s, less than one whole %s after the current one (%s); premake is %d: %s",
			e.out.Name, fmtTime(rw.Until, e.loc), t.Interval, label, t.Premake, e.runwayAdvice(rw, "run partgen generate and deploy the migration now"))
	case rw.Periods < t.Premake:
		e.add(rules.SevWarning, rules.CodeRunwayShort, "", "the partitions of %s end at %s, %d whole %s(s) after the current one (%s); premake is %d: %s",
			e.out.Name, fmtTime(rw.Until, e.loc), rw.Periods, t.Interval, label, t.Premake, e.runwayAdvice(rw, "run partgen generate and deploy the migration"))
	}
}

// runwayFix is the advice for a short runway: when partgen files already in
// the folder but not applied would extend it, applying them (naming the
// files, and whether partgen generate is still needed after them); else
// generic.
func (e *tableEval) runwayFix(rw rules.Runway, generic string) string {
	if e.mig == nil || e.pending == nil {
		return generic
	}
	attached := map[string]bool{}
	for _, p := range e.ranges {
		attached[p.Name] = true
	}
	ranges := e.rangeList()
	var extra []rules.Range
	byName := map[string]string{}
	for _, ps := range e.mig.Partitions(e.out.Name) {
		if ps.Default || ps.State != folder.StateAttached || attached[ps.Name] || !e.pending.has(ps.CreatedBy) {
			continue
		}
		extra = append(extra, rules.Range{Name: ps.Name, Period: ps.Period})
		byName[ps.Name] = ps.CreatedBy
	}
	if len(extra) == 0 {
		return generic
	}
	after := rules.RunwayAt(e.t.Interval, append(ranges, extra...), e.now, e.loc)
	if !after.Covered || (rw.Covered && !after.Until.After(rw.Until)) {
		return generic
	}
	// The files whose partitions the longer runway uses.
	var files []string
	for _, r := range extra {
		if r.Period.Lower.Before(after.Until) && r.Period.Upper.After(e.now) && !slices.Contains(files, byName[r.Name]) {
			files = append(files, byName[r.Name])
		}
	}
	sort.Strings(files)
	apply := fmt.Sprintf("goose up applies %s (already in the folder), which extend(s) the partitions to %s, %d whole %s(s) after the current one (if goose up fails on one, its message says the fix)",
		strings.Join(files, ", "), fmtTime(after.Until, e.loc), after.Periods, e.t.Interval)
	if after.Periods >= e.t.Premake {
		return apply
	}
	return apply + "; then run partgen generate for the rest and deploy it"
}

// pendingFiles are the names of the folder's files a database has not
// applied.
type pendingFiles map[string]bool

func (p pendingFiles) has(name string) bool { return name != "" && p[name] }

// pendingOf lists the folder's files that goose has not applied to the
// database: all of them when it has no goose table. nil without a folder.
func pendingOf(mig *folder.Folder, f *facts) pendingFiles {
	if mig == nil {
		return nil
	}
	applied := map[int64]bool{}
	for _, v := range f.applied {
		applied[v] = true
	}
	out := pendingFiles{}
	for _, mf := range mig.Files {
		if !applied[mf.Version] {
			out[mf.Name] = true
		}
	}
	return out
}

// ruleRetention finds attached partitions past the spec's retention.
func ruleRetention(e *tableEval) {
	t := e.t
	cutoff := rules.RetentionCutoff(t, e.current, e.loc)
	retiredBy := map[string]string{} // partition -> the folder's file that retires it
	if e.mig != nil {
		for _, ps := range e.mig.Partitions(e.out.Name) {
			if ps.RetiredBy != "" {
				retiredBy[ps.Name] = ps.RetiredBy
			}
		}
	}
	for _, p := range e.ranges {
		if !rules.PastRetention(*p.Upper, cutoff) {
			continue
		}
		e.out.RetentionOverdue = append(e.out.RetentionOverdue, p.Name)
		fix := fmt.Sprintf("run partgen generate and deploy the %s migration", t.Retention.Action)
		if file := retiredBy[p.Name]; e.pending.has(file) {
			fix = fmt.Sprintf("goose up applies %s (already in the folder), which retires it (%s)", file, t.Retention.Action)
		}
		e.add(rules.SevWarning, rules.CodeRetentionOverdue, p.Name, "partition %s ends at %s, past retention (keep %d %s(s) before %s), and is still attached: %s",
			p.Name, fmtTime(*p.Upper, e.loc), t.Retention.Keep, t.Interval, calendar.Label(t.Interval, e.current, e.loc), fix)
	}
}

// ruleRetired lists the detached and archived tables that still exist.
func ruleRetired(e *tableEval) {
	for _, pf := range e.tf.retired {
		p := partitionOf(pf, e.created)
		p.State = pf.state
		e.out.Partitions = append(e.out.Partitions, p)
	}
}

// partitionOf is the report entry of a partition; created is nil when the
// report has no folder.
func partitionOf(pf partFact, created map[string]string) Partition {
	p := Partition{Name: pf.name, Schema: pf.schema, Rows: pf.rows, RowsExact: pf.exact, Bytes: pf.bytes, Bound: pf.bound}
	if pf.partition != "" && pf.partition != pf.name {
		p.AttachedName = pf.partition
	}
	if pf.lower != nil && !pf.lower.IsZero() { // zero: a retired legacy partition, FROM (MINVALUE)
		l := pf.lower.UTC()
		p.Lower = &l
	}
	if pf.upper != nil {
		u := pf.upper.UTC()
		p.Upper = &u
	}
	if created != nil {
		name := pf.name
		if pf.partition != "" {
			name = pf.partition
		}
		by, ok := created[name]
		p.CreatedByPartgen = &ok
		p.CreatedBy = by
	}
	return p
}

// sortPartitions orders range partitions by bound, then the default, then
// partitions with unreadable bounds, then retired ones.
func sortPartitions(ps []Partition) {
	group := func(p Partition) int {
		switch p.State {
		case StateDefault:
			return 1
		case StateUnknown:
			return 2
		case StateDetached, StateArchived:
			return 3
		}
		return 0
	}
	sort.SliceStable(ps, func(i, j int) bool {
		gi, gj := group(ps[i]), group(ps[j])
		if gi != gj {
			return gi < gj
		}
		if li, lj := ps[i].State == StateLegacy, ps[j].State == StateLegacy; li != lj {
			return li // FROM (MINVALUE): before every other bound
		}
		if ps[i].Lower != nil && ps[j].Lower != nil && !ps[i].Lower.Equal(*ps[j].Lower) {
			return ps[i].Lower.Before(*ps[j].Lower)
		}
		return ps[i].Name < ps[j].Name
	})
}

// evaluateMigrations lists pending and out-of-order files; mismatched maps
// a table whose key is not the spec's (ruleKey) to its finding, since its
// pending partgen files fail rather than apply.
func evaluateMigrations(mig *folder.Folder, migErr error, f *facts, mismatched map[string]string) (Migrations, []Problem) {
	m := Migrations{GooseTable: f.gooseTable, Applied: len(f.applied), Folder: mig != nil, Pending: []string{}, OutOfOrder: []string{}}
	if len(f.applied) > 0 {
		m.MaxApplied = f.applied[len(f.applied)-1]
	}
	var problems []Problem
	if migErr != nil {
		m.FolderError = migErr.Error()
		problems = append(problems, Problem{Severity: rules.SevWarning, Code: rules.CodeFolderUnread,
			Message: fmt.Sprintf("the goose folder was not read (%v): pending and out-of-order migrations and which partitions partgen created are unknown; run status where the spec's migrations: folder exists", migErr)})
	}
	if mig == nil || !f.gooseTable {
		return m, problems
	}
	applied := map[int64]bool{}
	for _, v := range f.applied {
		applied[v] = true
	}
	var regenerate []string
	for _, mf := range mig.Files {
		if applied[mf.Version] {
			continue
		}
		m.Pending = append(m.Pending, mf.Name)
		if mf.Version < m.MaxApplied {
			m.OutOfOrder = append(m.OutOfOrder, mf.Name)
			if mf.Partgen {
				regenerate = append(regenerate, mf.Name)
				continue
			}
			problems = append(problems, Problem{Severity: rules.SevWarning, Code: rules.CodeOutOfOrder, File: mf.Name,
				Message: fmt.Sprintf("%s (version %d) is not applied and sorts below the highest applied version %d: goose up refuses it; give it a version above %d", mf.Name, mf.Version, m.MaxApplied, m.MaxApplied)})
			continue
		}
		msg := fmt.Sprintf("%s is in the goose folder but not applied: goose up applies it", mf.Name)
		for _, m := range mf.Markers {
			if _, bad := mismatched[m.Table]; bad && mf.Partgen {
				msg = fmt.Sprintf("%s is in the goose folder but not applied, and goose up fails on it: table %s is not partitioned as the spec says (see key_mismatch)", mf.Name, m.Table)
				break
			}
		}
		problems = append(problems, Problem{Severity: rules.SevInfo, Code: rules.CodePending, File: mf.Name, Message: msg})
	}
	for _, name := range regenerate {
		problems = append(problems, Problem{Severity: rules.SevWarning, Code: rules.CodeOutOfOrder, File: name,
			Message: fmt.Sprintf("partgen file %s is not applied and sorts below the highest applied version %d: goose up refuses it; delete the pending partgen file(s) %s and run partgen generate again (new files get versions after the folder's highest)",
				name, m.MaxApplied, strings.Join(regenerate, ", "))})
	}
	return m, problems
}

// fmtTime shows an instant in the spec's zone with its offset, as partgen's
// migrations write bounds.
func fmtTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04:05 -07:00")
}
