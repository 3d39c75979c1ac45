package status

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/partgen/partgen/generator"
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
	tables        map[string]*tableFacts // by generator.TableKey
	archiveLog    []ArchiveEntry
	gooseTable    bool
	applied       []int64 // ascending
}

type tableFacts struct {
	exists      bool
	partitioned bool
	what        string // what the name is when it is not partitioned, for messages
	attached    []partFact
	retired     []partFact
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
	state         string // retired partitions: StateDetached or StateArchived
	partition     string // retired partitions: the name it had while attached
}

// evaluate applies every rule. folder may be nil (then nothing is known
// about which partitions partgen created, nor about pending migrations).
func evaluate(spec *generator.Spec, folder *generator.Folder, f *facts, now time.Time) *Report {
	r := &Report{
		SchemaVersion: SchemaVersion,
		Engine:        f.engine,
		Now:           now.UTC(),
		Health:        OK,
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
	for i := range spec.Tables {
		t := &spec.Tables[i]
		tf := f.tables[t.FullName()]
		if tf == nil {
			tf = &tableFacts{}
		}
		tr, problems := evaluateTable(spec, t, folder, tf, now)
		r.Tables = append(r.Tables, tr)
		r.Problems = append(r.Problems, problems...)
	}
	mig, problems := evaluateMigrations(folder, f)
	r.Migrations = mig
	r.Problems = append(r.Problems, problems...)
	for _, p := range r.Problems {
		r.Health = worse(r.Health, healthOf(p.Severity))
	}
	return r
}

func evaluateTable(spec *generator.Spec, t *generator.Table, folder *generator.Folder, tf *tableFacts, now time.Time) (Table, []Problem) {
	key := t.FullName()
	loc := spec.Location
	tr := Table{
		Name:             key,
		Exists:           tf.exists,
		Partitioned:      tf.partitioned,
		Interval:         string(t.Interval),
		Premake:          t.Premake,
		Timezone:         spec.Timezone,
		Health:           OK,
		Partitions:       []Partition{},
		Gaps:             []Range{},
		Overlaps:         []Overlap{},
		RetentionOverdue: []string{},
		NotPartgen:       []string{},
	}
	var problems []Problem
	add := func(sev Severity, code, partition, format string, args ...any) {
		problems = append(problems, Problem{Severity: sev, Code: code, Table: key, Partition: partition, Message: fmt.Sprintf(format, args...)})
		tr.Health = worse(tr.Health, healthOf(sev))
	}
	if !tf.exists {
		add(SevCritical, CodeTableMissing, "", "table %s does not exist in the database: apply the migrations (goose up), or remove the table from %s", key, spec.File)
		return tr, problems
	}

	created := map[string]string{} // partition -> the partgen file that created it
	if folder != nil {
		for _, p := range folder.Partitions(key) {
			if p.CreatedBy != "" {
				created[p.Name] = p.CreatedBy
			}
		}
	}
	current := generator.PeriodOf(t.Interval, now, loc)

	var ranges []Partition // attached range partitions with readable bounds
	for _, pf := range tf.attached {
		p := partitionOf(pf, folder, created)
		switch {
		case pf.dflt:
			p.State = StateDefault
			n := int64(0)
			if pf.rows != nil {
				n = *pf.rows
			}
			tr.DefaultRows = &n
			if n > 0 {
				then := "the partgen file that creates their range fails until they are moved out (on_default_rows: fail)"
				if t.OnDefaultRows == generator.DefaultRowsMove {
					then = "the partgen file that creates their range moves them in (on_default_rows: move)"
				}
				add(SevWarning, CodeRowsInDefault, pf.name,
					"the default partition %s holds %d row(s) that match no range partition: the runway or the start date is too short for them; %s", pf.name, n, then)
			}
		case pf.lower == nil || pf.upper == nil:
			p.State = StateUnknown
			add(SevWarning, CodeUnreadableBound, pf.name,
				"partition %s has bounds partgen cannot read (%s); it is left out of the runway, gap and overlap checks", pf.name, pf.bound)
		default:
			switch {
			case !pf.upper.After(now):
				p.State = StatePast
			case !pf.lower.After(now):
				p.State = StateCurrent
			default:
				p.State = StateFuture
			}
			ranges = append(ranges, p)
		}
		if pf.detachPending {
			add(SevWarning, CodeDetachPending, pf.name,
				"partition %s is pending detach (an interrupted DETACH ... CONCURRENTLY): run goose up again, or ALTER TABLE %s DETACH PARTITION %s FINALIZE", pf.name, key, pf.name)
		}
		if p.CreatedByPartgen != nil && !*p.CreatedByPartgen {
			tr.NotPartgen = append(tr.NotPartgen, pf.name)
			add(SevInfo, CodeNotPartgen, pf.name, "partition %s was not created by a partgen migration of this folder", pf.name)
		}
		tr.Partitions = append(tr.Partitions, p)
	}
	if !tf.partitioned && len(tf.attached) == 0 {
		what := tf.what
		if what == "" {
			what = "not partitioned"
		}
		add(SevCritical, CodeNotPartitioned, "",
			"table %s is %s: no partition exists yet; apply the partgen migrations (goose up)", key, what)
	}

	// Gaps and overlaps between attached range partitions, in bound order.
	sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].Lower.Before(*ranges[j].Lower) })
	if len(ranges) > 0 {
		reach := ranges[0] // the partition reaching furthest so far
		for _, p := range ranges[1:] {
			switch {
			case p.Lower.Before(*reach.Upper):
				end := *reach.Upper
				if p.Upper.Before(end) {
					end = *p.Upper
				}
				tr.Overlaps = append(tr.Overlaps, Overlap{A: reach.Name, B: p.Name, Lower: p.Lower.UTC(), Upper: end.UTC()})
				add(SevCritical, CodeOverlap, p.Name, "partitions %s and %s overlap on [%s, %s): a row there matches both; detach or drop the one no partgen migration created",
					reach.Name, p.Name, fmtTime(*p.Lower, loc), fmtTime(end, loc))
			case p.Lower.After(*reach.Upper):
				tr.Gaps = append(tr.Gaps, Range{Lower: reach.Upper.UTC(), Upper: p.Lower.UTC()})
				add(SevCritical, CodeGap, "", "no partition covers [%s, %s) between %s and %s: rows there fail or land in the default partition; attach a partition for that range",
					fmtTime(*reach.Upper, loc), fmtTime(*p.Lower, loc), reach.Name, p.Name)
			}
			if p.Upper.After(*reach.Upper) {
				reach = p
			}
		}
	}

	tr.Runway = runway(t, ranges, now, loc)
	if len(ranges) > 0 || tf.partitioned {
		switch {
		case !tr.Runway.Covered:
			add(SevCritical, CodeRunwayExhausted, "", "no partition of %s covers now (%s): inserts fail or land in the default partition; run partgen generate, review and deploy the migration", key, fmtTime(now, loc))
		case tr.Runway.Periods < 1 && t.Premake >= 1:
			add(SevCritical, CodeRunwayCritical, "", "the partitions of %s end at %s, less than one whole %s after the current one (%s); premake is %d: run partgen generate and deploy the migration now",
				key, fmtTime(*tr.Runway.Until, loc), t.Interval, generator.Label(t.Interval, current, loc), t.Premake)
		case tr.Runway.Periods < t.Premake:
			add(SevWarning, CodeRunwayShort, "", "the partitions of %s end at %s, %d whole %s(s) after the current one (%s); premake is %d: run partgen generate and deploy the migration",
				key, fmtTime(*tr.Runway.Until, loc), tr.Runway.Periods, t.Interval, generator.Label(t.Interval, current, loc), t.Premake)
		}
	}

	if ret := t.Retention; ret != nil {
		cutoff := generator.Shift(t.Interval, current, -ret.Keep, loc).Lower
		for _, p := range ranges {
			if !p.Upper.After(cutoff) {
				tr.RetentionOverdue = append(tr.RetentionOverdue, p.Name)
				add(SevWarning, CodeRetentionOverdue, p.Name, "partition %s ends at %s, past retention (keep %d %s(s) before %s), and is still attached: run partgen generate and deploy the %s migration",
					p.Name, fmtTime(*p.Upper, loc), ret.Keep, t.Interval, generator.Label(t.Interval, current, loc), ret.Action)
			}
		}
	}

	for _, pf := range tf.retired {
		p := partitionOf(pf, folder, created)
		p.State = pf.state
		tr.Partitions = append(tr.Partitions, p)
	}
	sortPartitions(tr.Partitions)
	return tr, problems
}

func partitionOf(pf partFact, folder *generator.Folder, created map[string]string) Partition {
	p := Partition{Name: pf.name, Schema: pf.schema, Rows: pf.rows, RowsExact: pf.exact, Bytes: pf.bytes, Bound: pf.bound}
	if pf.lower != nil {
		l := pf.lower.UTC()
		p.Lower = &l
	}
	if pf.upper != nil {
		u := pf.upper.UTC()
		p.Upper = &u
	}
	if folder != nil {
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
		if ps[i].Lower != nil && ps[j].Lower != nil && !ps[i].Lower.Equal(*ps[j].Lower) {
			return ps[i].Lower.Before(*ps[j].Lower)
		}
		return ps[i].Name < ps[j].Name
	})
}

// runway follows the unbroken run of range partitions from now. Periods
// counts the whole periods after the current one that the run covers.
func runway(t *generator.Table, ranges []Partition, now time.Time, loc *time.Location) Runway {
	until := now
	covered := false
	for {
		next := until
		for _, p := range ranges {
			if !p.Lower.After(until) && p.Upper.After(until) && p.Upper.After(next) {
				next = *p.Upper
			}
		}
		if !next.After(until) {
			break
		}
		covered = true
		until = next
	}
	if !covered {
		return Runway{}
	}
	u := until.UTC()
	rw := Runway{Covered: true, Until: &u, Seconds: int64(until.Sub(now) / time.Second)}
	p := generator.PeriodOf(t.Interval, now, loc)
	for i := 0; i < 100000; i++ {
		p = generator.Shift(t.Interval, p, 1, loc)
		if p.Upper.After(until) {
			break
		}
		rw.Periods++
	}
	return rw
}

func evaluateMigrations(folder *generator.Folder, f *facts) (Migrations, []Problem) {
	m := Migrations{GooseTable: f.gooseTable, Applied: len(f.applied), Folder: folder != nil, Pending: []string{}, OutOfOrder: []string{}}
	if len(f.applied) > 0 {
		m.MaxApplied = f.applied[len(f.applied)-1]
	}
	var problems []Problem
	if folder == nil || !f.gooseTable {
		return m, problems
	}
	applied := map[int64]bool{}
	for _, v := range f.applied {
		applied[v] = true
	}
	var regenerate []string
	for _, mf := range folder.Files {
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
			problems = append(problems, Problem{Severity: SevWarning, Code: CodeOutOfOrder,
				Message: fmt.Sprintf("%s (version %d) is not applied and sorts below the highest applied version %d: goose up refuses it; give it a version above %d", mf.Name, mf.Version, m.MaxApplied, m.MaxApplied)})
			continue
		}
		problems = append(problems, Problem{Severity: SevInfo, Code: CodePending,
			Message: fmt.Sprintf("%s is in the goose folder but not applied: goose up applies it", mf.Name)})
	}
	for _, name := range regenerate {
		problems = append(problems, Problem{Severity: SevWarning, Code: CodeOutOfOrder,
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
