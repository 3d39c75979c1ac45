package generator

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/pgschema"
	"github.com/partgen/partgen/spec"
)

// Adopting an ordinary table (spec adopt: true), zero-copy: three files,
// each reviewed, timed and retried on its own (templates/postgres/adopt_*):
//
//  1. adopt_check: CHECK (key IS NOT NULL AND key < cutover) NOT VALID on
//     the table (ACCESS EXCLUSIVE for an instant; no scan);
//  2. adopt_validate: VALIDATE CONSTRAINT, a scan under SHARE UPDATE
//     EXCLUSIVE, which lets readers and writers go on;
//  3. adopt_swap: one short transaction: the table is renamed to its legacy
//     name, a partitioned table with its columns, keys, indexes, comments
//     and grants takes its name, and the table is attached FROM (MINVALUE)
//     TO (cutover), which scans nothing thanks to the validated CHECK and
//     attaches its indexes rather than building new ones; the partitions
//     from the cutover on are created in the same transaction.
//
// The folder records the legacy partition with a marker op=legacy that has
// no from= (folder.OpLegacy); after the swap it is a partition like any
// other, which retention retires as a whole once the cutover falls past
// keep.

// adoptLockSlice bounds each attempt of an adoption file to take ACCESS
// EXCLUSIVE on the table: writers queue behind a waiting lock request, so
// each wait is kept this short and retried (after a pause that lets them
// through) until lock_timeout is spent.
const adoptLockSlice = "10ms"

// cutoverConstraint is the CHECK the first file adds and the swap relies on.
const cutoverConstraint = "partgen_cutover"

// adoptSteps plans the adoption of t. adopting is true when it returns the
// three files (the spec adopts t and the folder has no file for it yet);
// otherwise steps is nil and the table is planned as any other (its legacy
// partition, once adopted, is among the folder's partitions). A folder
// whose adoption is incomplete, or that contradicts the spec, is an
// [*spec.Error].
func adoptSteps(sp *spec.Spec, mig *folder.Folder, t *spec.Table, asOf calendar.Date, st *tableState) (steps []step, adopting bool, err error) {
	key := t.FullName()
	ad := mig.Adoption(key)
	if ad != nil {
		return nil, false, adoptedAlready(sp, mig, t, ad)
	}
	if !t.Adopt {
		return nil, false, nil
	}
	if mig.HasTable(key) {
		return nil, false, sp.ErrorAt(t, "adopt", "remove `adopt: true`: partgen partitions the table already",
			"table %s has partgen partitions in %s, so it is partitioned already: there is no ordinary table to adopt", t.Name, mig.Dir)
	}
	loc := sp.Location
	cutover := spec.CutoverAt(t, asOf, loc)
	if !cutover.After(st.current.Lower) {
		return nil, false, sp.ErrorAt(t, "cutover", fmt.Sprintf("set `cutover:` to %s or later (or remove it for the default, %s)",
			calendar.DateOf(calendar.Shift(t.Interval, st.current, 1, loc).Lower, loc), calendar.DateOf(spec.DefaultCutover(t, asOf, loc), loc)),
			"cutover %s is not after the start of the current %s (%s): the application writes rows at or after it now, and the CHECK the adoption adds would refuse them",
			calendar.DateOf(cutover, loc), t.Interval, calendar.Label(t.Interval, st.current, loc))
	}
	legacy := folder.PartitionState{Table: key, Name: t.LegacyName, Period: calendar.Period{Upper: cutover}, Legacy: true, State: folder.StateAttached}
	// Partitions from the cutover through the premake horizon, and at
	// least the cutover's own period: from the cutover on, rows have a
	// partition even if nobody runs generate.
	first := calendar.PeriodOf(t.Interval, cutover, loc)
	last := st.last
	if last.Lower.Before(first.Lower) {
		last = first
	}
	var creates []folder.PartitionState
	for _, p := range calendar.Periods(t.Interval, first, last, loc) {
		creates = append(creates, folder.PartitionState{Table: key, Name: t.PartitionName(p), Period: p, State: folder.StateAttached})
	}
	after := mergeAttached([]folder.PartitionState{legacy}, creates)
	why := adoptWhy(sp, t, asOf, st, cutover)
	base := step{table: t, legacy: &legacy, why: why}
	check, validate, swap := base, base, base
	check.op, validate.op = folder.OpAdoptCheck, folder.OpAdoptValidate
	swap.op, swap.creates, swap.dflt, swap.before, swap.after, swap.hasDefault = folder.OpLegacy, creates, t.DefaultPartition, nil, after, t.DefaultPartition
	return []step{check, validate, swap}, true, nil
}

// adoptedAlready checks an adoption the folder records: all three files,
// and the spec's cutover (when it gives one) the folder's.
func adoptedAlready(sp *spec.Spec, mig *folder.Folder, t *spec.Table, ad *folder.Adoption) error {
	var missing []string
	for _, f := range []struct{ file, what string }{{ad.Check, "adopt_check"}, {ad.Validate, "adopt_validate"}, {ad.Swap, "adopt_swap"}} {
		if f.file == "" {
			missing = append(missing, f.what)
		}
	}
	if len(missing) > 0 {
		return sp.ErrorAt(t, "adopt", "restore the missing file(s) from version control; or, if no database has applied the adoption, delete its remaining partgen files and run partgen generate again",
			"the folder %s adopts %s with some of its three files only: the %s file(s) are missing", mig.Dir, t.FullName(), strings.Join(missing, " and "))
	}
	loc := sp.Location
	if t.Cutover != nil {
		if want := calendar.PeriodOfDate(t.Interval, *t.Cutover, loc).Lower; !want.Equal(ad.Cutover) {
			return sp.ErrorAt(t, "cutover", fmt.Sprintf("set `cutover: %s` (or remove it): the cutover is decided once, by the adoption's files", calendar.DateOf(ad.Cutover, loc)),
				"cutover %s differs from the cutover %s of the adoption in %s", t.Cutover, calendar.DateOf(ad.Cutover, loc), ad.Swap)
		}
	}
	return nil
}

func adoptWhy(sp *spec.Spec, t *spec.Table, asOf calendar.Date, st *tableState, cutover time.Time) []string {
	loc := sp.Location
	why := []string{
		fmt.Sprintf("%s is an ordinary table in the folder's migrations and the spec says adopt: true: it becomes the", t.Name),
		fmt.Sprintf("partition %s of a new partitioned %s, FROM (MINVALUE) TO (%s), without copying a row.", t.LegacyName, t.Name, calendar.FormatInstant(cutover)),
	}
	if t.Cutover != nil {
		why = append(why, fmt.Sprintf("The cutover is the spec's cutover: %s.", t.Cutover))
	} else {
		why = append(why, fmt.Sprintf("The cutover %s is the start of the %s after the one after %s (the current one as of %s), so",
			calendar.DateOf(cutover, loc), t.Interval, calendar.Label(t.Interval, st.current, loc), asOf),
			"that until the swap has been deployed every row the application writes is still below it.")
	}
	return why
}

func adoptPurpose(sp *spec.Spec, s *step) string {
	t, c := s.table, calendar.FormatInstant(s.legacy.Period.Upper)
	switch s.op {
	case folder.OpAdoptCheck:
		return fmt.Sprintf("adopt %s (1 of 3): CHECK (%s < %s) NOT VALID", t.Name, t.Key, c)
	case folder.OpAdoptValidate:
		return fmt.Sprintf("adopt %s (2 of 3): validate the CHECK (%s < %s)", t.Name, t.Key, c)
	}
	what := fmt.Sprintf("adopt %s (3 of 3): it becomes the partition %s before %s", t.Name, s.legacy.Name, c)
	if n := len(s.creates); n > 0 {
		what += fmt.Sprintf(", with %d %s partition(s), %s through %s", n, t.Interval,
			calendar.Label(t.Interval, s.creates[0].Period, sp.Location), calendar.Label(t.Interval, s.creates[n-1].Period, sp.Location))
	}
	if s.dflt {
		what += ", and its default partition"
	}
	return what
}

func adoptHow(sp *spec.Spec, s *step) []string {
	lt := sp.LockTimeout
	switch s.kind() {
	case kindAdoptCheck:
		return []string{
			"ADD CONSTRAINT ... NOT VALID takes ACCESS EXCLUSIVE on the table for an instant and scans nothing; the lock is",
			fmt.Sprintf("asked for in attempts of %s (writers queue behind a waiting request no longer), retried for up to %s.", adoptLockSlice, lt),
			"From here on the table refuses rows at or after the cutover (and a NULL key) until the swap.",
			"Down: drops the CHECK.",
		}
	case kindAdoptValidate:
		return []string{
			"VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE: readers and writers go on; autovacuum, ANALYZE",
			"and other DDL on the table wait for it, and the scan's snapshot holds back VACUUM's horizon while it runs.",
			"statement_timeout is lifted for this transaction only. A failure names the rows that stop it.",
			"Down: makes the CHECK NOT VALID again (drops and adds it back, an instant under ACCESS EXCLUSIVE).",
		}
	}
	return []string{
		fmt.Sprintf("One transaction. ACCESS EXCLUSIVE on the table, in attempts of %s retried for up to %s, is held while", adoptLockSlice, lt),
		"it is renamed, a partitioned table takes its name and it is ATTACHed: no scan (the CHECK is validated), and its",
		"indexes become the new ones' partitions instead of being built again. Every assumption is checked first.",
		"Down: detaches it, moves the rows written to the newer partitions back into it and gives it its name back.",
	}
}

// pgAdopt is what the adoption files know of the table, from the folder's
// migrations (pgParent.Adopt). Names are quoted and schema-qualified where
// a statement needs them so; *Bare forms are for messages and to_regclass.
type pgAdopt struct {
	From string // where the folder creates the table
	// Staged is where the swap builds the partitioned table before it takes
	// the lock (quoted, in StagingSchema, itself quoted); StagedBare unquoted.
	Staged        string
	StagedBare    string
	StagingSchema string
	Legacy        string // quoted, qualified: the table's name once it is the legacy partition
	LegacyBare    string // qualified, unquoted
	LegacyName    string // quoted, unqualified: RENAME TO takes a bare name
	Columns       []adoptColumn
	Checks        []adoptCheck
	Indexes       []adoptIndex
	Identities    []adoptColumn // columns with GENERATED ... AS IDENTITY
	Sequenced     []adoptColumn // columns whose default calls nextval (serial): the sequence's owner moves
	Comment       string        // a literal, "" for none
	Grants        []string      // the folder's GRANT and REVOKE statements on the table
	// Signature is the table's columns as the apply-time check prints the
	// live ones: "id bigint not null identity always, ts timestamp with
	// time zone not null".
	Signature string
	// IndexNames and CheckNames are the sorted, comma-separated names the
	// live table must have, for the apply-time check.
	IndexNames string
	CheckNames string
	// Publications are those the folder adds the table to, with
	// publish_via_partition_root: the swap moves them to the new table.
	Publications []string
	// InsertColumns lists the columns an INSERT gives values (all but
	// generated ones), quoted: the swap's Down moves rows back with it.
	InsertColumns string
}

type adoptColumn struct {
	Name    string // quoted
	Bare    string
	Def     string // the column's definition in CREATE TABLE, without its name
	Comment string // a literal, "" for none
	When    string // identity: ALWAYS or BY DEFAULT
}

type adoptCheck struct {
	Name string // quoted
	Expr string
}

type adoptIndex struct {
	Name       string // quoted, unqualified: the name the new table's index takes
	Bare       string
	Legacy     string // quoted, unqualified: the legacy table's index, renamed
	LegacyBare string
	Qualified  string // the index under its current name, quoted and qualified: ALTER INDEX takes it
	LegacyQ    string // the renamed index, qualified
	Create     string // the statement that gives the new table the index
}

// adoptDef reads what adopting t needs from the folder's table pt, and
// refuses, naming the object and the fix, what partgen cannot carry: keys
// without the partition key, EXCLUDE constraints, foreign keys, views,
// triggers, rules, policies, inheritance, publications that would stop
// publishing the table's changes under its name, an UNLOGGED table. The
// live catalog is checked again at apply time (the folder may not show
// everything).
func adoptDef(sp *spec.Spec, cat *pgschema.Catalog, t *spec.Table, pt *pgschema.Table) (*pgAdopt, error) {
	name := t.FullName()
	refuse := func(fix, format string, args ...any) error {
		return sp.ErrorAt(t, "adopt", fix, "partgen cannot adopt %s: "+format, append([]any{name}, args...)...)
	}
	if pt.Unknown != "" {
		return nil, refuse("make the migrations say what the table is (partgen does not look into DO blocks, EXECUTE or Go migrations), or recreate it PARTITION BY RANGE ("+t.Key+") yourself and remove `adopt:`",
			"the folder does not show what it is (%s), and the swap file writes its columns, keys and indexes from the folder", pt.Unknown)
	}
	if pt.Unlogged {
		return nil, refuse("make it a logged table first (ALTER TABLE ... SET LOGGED, in a migration of yours), or leave it out of the spec",
			"it is UNLOGGED (%s), which PostgreSQL 18 refuses for a partitioned table", pt.Set["persistence"])
	}
	if pt.PartitionOf != "" {
		return nil, refuse("leave it out of the spec", "it is a partition of %s", pt.PartitionOf)
	}
	key, ok := pt.Column(t.Key)
	if !ok {
		return nil, sp.ErrorAt(t, "key", keyColumnFix(pt), "table %s (%s) has no column %s", name, pt.Created, t.Key)
	}
	if want := dialect.PostgresTypeName(t.KeyType); key.BaseType != want {
		fix := "partgen partitions timestamptz, timestamp and date keys: change the column's type in a migration, or leave the table out of the spec"
		if kt, ok := keyTypeOf[key.BaseType]; ok {
			fix = fmt.Sprintf("set `key_type: %s`", kt)
		}
		return nil, sp.ErrorAt(t, "key", fix, "the key %s of %s is %s (%s) but key_type is %s (%s)", t.Key, name, key.BaseType, pt.Created, t.KeyType, want)
	}
	for _, ix := range pt.Indexes {
		switch {
		case ix.Constraint == "exclude":
			return nil, refuse(fmt.Sprintf("drop the constraint %s before partgen's files and add it to the partitioned table after the swap (with the key in it, compared with =)", ix.Name),
				"the EXCLUDE constraint %s cannot be carried", ix.Name)
		case ix.Unique && !includesKey(ix, t.Key):
			what, fix := "unique index", fmt.Sprintf("in a migration before partgen's files, create a unique index that adds %s (CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s, %s)) and drop %s",
				t.Key, suggestIndexName(ix.Name, t.Key), name, strings.Join(ix.Columns, ", "), t.Key, ix.Name)
			switch ix.Constraint {
			case "primary key":
				what = "primary key"
				fix = fmt.Sprintf("in a migration before partgen's files: CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s, %s); then ALTER TABLE %s DROP CONSTRAINT %s, ADD CONSTRAINT %s PRIMARY KEY USING INDEX %s",
					suggestIndexName(ix.Name, t.Key), name, strings.Join(ix.Columns, ", "), t.Key, name, ix.Name, ix.Name, suggestIndexName(ix.Name, t.Key))
			case "unique":
				what = "unique constraint"
			}
			return nil, refuse(fix, "its %s %s (%s) does not include the partition key %s, which PostgreSQL requires of a partitioned table",
				what, ix.Name, strings.Join(ix.Columns, ", "), t.Key)
		}
	}
	for _, c := range pt.Constraints {
		if c.Kind == "foreign key" {
			return nil, refuse(fmt.Sprintf("drop %s in a migration before partgen's files, and add it to the partitioned %s in one after them (ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT)", c.Name, name),
				"its foreign key %s (%s) is not carried over to the partitioned table", c.Name, strings.Join(c.Columns, ", "))
		}
		if c.Kind == "check" && c.Name == "" {
			return nil, refuse("name the CHECK constraint in its migration", "the folder does not tell the name of a CHECK constraint (%s)", c.Expr)
		}
		if c.Name == cutoverConstraint {
			return nil, refuse("rename the constraint "+cutoverConstraint, "it has a constraint named %s, the name the adoption's CHECK takes", cutoverConstraint)
		}
	}
	a := &pgAdopt{From: pt.Created.String()}
	if err := refuseDependents(sp, cat, t, pt, a); err != nil {
		return nil, err
	}
	fillAdopt(a, cat, t, pt)
	return a, nil
}

func includesKey(ix pgschema.Index, key string) bool {
	for i, c := range ix.Columns {
		if !ix.Expressions[i] && c == key {
			return true
		}
	}
	return false
}

func suggestIndexName(name, key string) string {
	n := strings.TrimSuffix(strings.TrimSuffix(name, "_pkey"), "_key") + "_" + key + "_key"
	if len(n) > calendar.MaxIdentBytes {
		n = n[:calendar.MaxIdentBytes]
	}
	return n
}

// refuseDependents refuses the objects the folder makes depend on the
// table, naming them all; publications that publish via the partition root
// are carried (a.Publications).
func refuseDependents(sp *spec.Spec, cat *pgschema.Catalog, t *spec.Table, pt *pgschema.Table, a *pgAdopt) error {
	byKind := map[string][]string{}
	var kinds []string
	add := func(kind, what string) {
		if byKind[kind] == nil {
			kinds = append(kinds, kind)
		}
		byKind[kind] = append(byKind[kind], what)
	}
	for _, d := range cat.Dependents(pt.Schema, pt.Name) {
		at := fmt.Sprintf("%s (%s)", d.Name, d.Pos)
		switch d.Kind {
		case pgschema.DependentPublication:
			if d.ViaRoot && !d.Filtered {
				a.Publications = append(a.Publications, d.Name)
				continue
			}
			add(d.Kind, at)
		case pgschema.DependentForeignKey:
			add(d.Kind, fmt.Sprintf("%s of %s (%s)", d.Name, d.Table, d.Pos))
		case pgschema.DependentRLS:
			add(d.Kind, fmt.Sprintf("enabled (%s)", d.Pos))
		default:
			add(d.Kind, at)
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	var what, fixes []string
	for _, k := range kinds {
		what = append(what, fmt.Sprintf("%s %s", plural(k, len(byKind[k])), strings.Join(byKind[k], ", ")))
		fixes = append(fixes, dependentFix[k])
	}
	return sp.ErrorAt(t, "adopt", strings.Join(fixes, "; "),
		"partgen cannot adopt %s: %s would not follow it to the partitioned table", t.FullName(), strings.Join(what, "; "))
}

func plural(kind string, n int) string {
	if kind == pgschema.DependentRLS {
		return kind
	}
	if n == 1 {
		return "the " + kind
	}
	switch kind {
	case pgschema.DependentChild:
		return "the inheritance children"
	case pgschema.DependentPolicy:
		return "the policies"
	}
	return "the " + kind + "s"
}

// dependentFix says what to do about each kind of dependent.
var dependentFix = map[string]string{
	pgschema.DependentView:        "drop the views in a migration before partgen's files and create them again in one after the swap file (they then read the partitioned table)",
	pgschema.DependentMatview:     "drop the materialized views before partgen's files and create them again after the swap file",
	pgschema.DependentTrigger:     "drop the triggers before partgen's files and create them on the partitioned table after the swap file (a row trigger there is cloned to every partition; TG_TABLE_NAME is then the partition's name)",
	pgschema.DependentRule:        "drop the rules before partgen's files and recreate them (or triggers) after the swap file",
	pgschema.DependentPolicy:      "drop the policies before partgen's files, and enable row level security and create them on the partitioned table in a migration right after the swap file",
	pgschema.DependentRLS:         "disable row level security before partgen's files and enable it on the partitioned table right after the swap file",
	pgschema.DependentPublication: "ALTER PUBLICATION ... SET (publish_via_partition_root = true) (and no column list or row filter) before partgen's files, so that subscribers keep receiving the table's changes under its name; the swap then moves the publication to the partitioned table",
	pgschema.DependentChild:       "detach the inheritance children (ALTER TABLE ... NO INHERIT) before partgen's files",
	pgschema.DependentForeignKey:  "drop those foreign keys before partgen's files and add them again, referencing the partitioned table, after the swap file (ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT)",
}

// fillAdopt writes the table's definition as the swap file states it.
func fillAdopt(a *pgAdopt, cat *pgschema.Catalog, t *spec.Table, pt *pgschema.Table) {
	a.Legacy, a.LegacyBare, a.LegacyName = dialect.Qualify(t.Schema, t.LegacyName), qualifiedBare(t.Schema, t.LegacyName), dialect.QuoteIdent(t.LegacyName)
	a.Staged, a.StagedBare, a.StagingSchema = dialect.Qualify(stagingSchema, t.Name), qualifiedBare(stagingSchema, t.Name), dialect.QuoteIdent(stagingSchema)
	var sig []string
	for _, c := range pt.Columns {
		col := adoptColumn{Name: dialect.QuoteIdent(c.Name), Bare: c.Name}
		def := c.Type
		s := c.Name + " " + c.Type
		if c.Generated != "" {
			def += " GENERATED ALWAYS AS (" + c.Generated + ") STORED"
		} else if c.Default != "" && c.Identity == "" {
			def += " DEFAULT " + c.Default
		}
		if c.NotNull {
			def += " NOT NULL"
			s += " not null"
		}
		if c.Identity != "" {
			col.When = strings.ToUpper(c.Identity)
			s += " identity " + c.Identity
		}
		if c.Generated != "" {
			s += " generated"
		}
		col.Def = def
		if c.Comment != "" {
			col.Comment = dialect.QuoteLiteral(c.Comment)
		}
		a.Columns = append(a.Columns, col)
		if col.When != "" {
			a.Identities = append(a.Identities, col)
		}
		if strings.Contains(c.Default, "nextval(") && c.Identity == "" {
			a.Sequenced = append(a.Sequenced, col)
		}
		sig = append(sig, s)
	}
	a.Signature = strings.Join(sig, ", ")
	var ins []string
	for _, c := range pt.Columns {
		if c.Generated == "" {
			ins = append(ins, dialect.QuoteIdent(c.Name))
		}
	}
	a.InsertColumns = strings.Join(ins, ", ")
	var checks []string
	for _, c := range pt.Constraints {
		if c.Kind == "check" {
			a.Checks = append(a.Checks, adoptCheck{Name: dialect.QuoteIdent(c.Name), Expr: c.Expr})
			checks = append(checks, c.Name)
		}
	}
	sort.Strings(checks)
	a.CheckNames = strings.Join(checks, ",")
	taken := map[string]bool{}
	for _, o := range cat.Tables() {
		if o.Schema != pt.Schema {
			continue
		}
		taken[o.Name] = true
		for _, ix := range o.Indexes {
			taken[ix.Name] = true
		}
	}
	taken[t.LegacyName] = true
	var names []string
	for _, ix := range pt.Indexes {
		legacy := legacyIndexName(ix.Name, t.Name, t.LegacyName, taken)
		taken[legacy] = true
		a.Indexes = append(a.Indexes, adoptIndex{
			Name: dialect.QuoteIdent(ix.Name), Bare: ix.Name, Legacy: dialect.QuoteIdent(legacy), LegacyBare: legacy,
			Qualified: dialect.Qualify(t.Schema, ix.Name), LegacyQ: dialect.Qualify(t.Schema, legacy),
			Create: indexStatement(dialect.Qualify(stagingSchema, t.Name), ix),
		})
		names = append(names, ix.Name)
	}
	sort.Strings(names)
	a.IndexNames = strings.Join(names, ",")
	if pt.Comment != "" {
		a.Comment = dialect.QuoteLiteral(pt.Comment)
	}
	a.Grants = pt.Grants
}

// legacyIndexName is the name an index of the adopted table takes, so that
// the new table's index can have the old name: the table's name prefix
// replaced by the legacy name (events_ts_idx -> events_legacy_ts_idx), or
// the legacy name put before it, within 63 bytes and unique in the schema.
func legacyIndexName(index, table, legacy string, taken map[string]bool) string {
	base := legacy + "_" + index
	if rest, ok := strings.CutPrefix(index, table+"_"); ok {
		base = legacy + "_" + rest
	}
	clip := func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	}
	name := clip(base, calendar.MaxIdentBytes)
	for i := 1; taken[name]; i++ {
		suffix := fmt.Sprint(i)
		name = clip(base, calendar.MaxIdentBytes-len(suffix)) + suffix
	}
	return name
}

// indexStatement is the statement that gives the new table (quoted
// parent) an index like ix: ADD CONSTRAINT for a primary key or unique
// constraint, CREATE INDEX otherwise. Its definition must equal the legacy
// table's index for ATTACH to take that one instead of building one; the
// swap checks it before the ATTACH.
func indexStatement(parent string, ix pgschema.Index) string {
	quoted := func(cols []string) string {
		var q []string
		for _, c := range cols {
			q = append(q, dialect.QuoteIdent(c))
		}
		return strings.Join(q, ", ")
	}
	include := ""
	if len(ix.Include) > 0 {
		include = " INCLUDE (" + quoted(ix.Include) + ")"
	}
	if ix.Constraint == "primary key" || ix.Constraint == "unique" {
		kind := "UNIQUE"
		if ix.Primary {
			kind = "PRIMARY KEY"
		}
		s := fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s (%s)%s", parent, dialect.QuoteIdent(ix.Name), kind, quoted(ix.Columns), include)
		if ix.Tablespace != "" {
			s += " USING INDEX TABLESPACE " + dialect.QuoteIdent(ix.Tablespace)
		}
		return s
	}
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	method := ix.Method
	if method == "" {
		method = "btree"
	}
	s := fmt.Sprintf("CREATE %sINDEX %s ON %s USING %s (%s)%s", unique, dialect.QuoteIdent(ix.Name), parent, method, strings.Join(ix.Elems, ", "), include)
	if ix.Tablespace != "" {
		s += " TABLESPACE " + dialect.QuoteIdent(ix.Tablespace)
	}
	if ix.Where != "" {
		s += " WHERE " + ix.Where
	}
	return s
}

// keyColumnFix is the fix for a key: that names no column of pt: the
// table's date and time columns, which partgen can partition by.
func keyColumnFix(pt *pgschema.Table) string {
	var cols []string
	for _, c := range pt.Columns {
		if _, ok := keyTypeOf[c.BaseType]; ok {
			cols = append(cols, "`key: "+c.Name+"`")
		}
	}
	switch len(cols) {
	case 0:
		return "set `key:` to the table's timestamp column; the folder shows none (timestamptz, timestamp or date)"
	case 1:
		return "write " + cols[0] + ", the table's only date or time column"
	}
	return "set `key:` to one of the table's date and time columns: " + strings.Join(cols, ", ")
}
