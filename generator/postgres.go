package generator

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"text/template"

	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/pgschema"
	"github.com/partgen/partgen/spec"
)

// postgresEngine writes PostgreSQL declarative partitions (templates/postgres).
type postgresEngine struct{ dialect.Dialect }

func (postgresEngine) funcs() template.FuncMap {
	return template.FuncMap{
		// pgPart pairs a file's data with one of its partitions for the
		// pg_new_partition template.
		"pgPart": func(d *tmplData, p tmplPart) pgNewPartition { return pgNewPartition{D: d, P: p} },
		// pgBound does the same for the pg_unless_attached template.
		"pgBound": func(d *tmplData, p tmplPart, dflt bool) pgPartitionBound {
			return pgPartitionBound{D: d, P: p, Default: dflt}
		},
		// adoptPhase pairs a file's data with the adoption file it is
		// ("check" or "swap") for the pg_adopt_guard template.
		"adoptPhase": func(d *tmplData, phase string) adoptGuard { return adoptGuard{D: d, Phase: phase} },
		// underParent is a file's data with another (quoted, bare) parent,
		// for pg_new_partition: the swap makes partitions of the new table
		// while it is staged under another name.
		"underParent": func(d *tmplData, q, bare string) *tmplData {
			c := *d
			c.T.Q, c.T.QBare, c.T.Bare = q, bare, bare
			return &c
		},
	}
}

// pgPartitionBound is the argument of the pg_unless_attached template: the
// partition, and whether it is the table's default partition.
type pgPartitionBound struct {
	D       *tmplData
	P       tmplPart
	Default bool
}

// adoptGuard is the argument of the pg_adopt_guard template.
type adoptGuard struct {
	D     *tmplData
	Phase string
}

// pgNewPartition is the argument of the pg_new_partition template.
type pgNewPartition struct {
	D *tmplData
	P tmplPart
}

// checksEveryRun: the parent is checked against the folder on every run,
// even one that writes nothing, so that a parent added after partgen's
// files (or a wrong name) is reported before the next file is due.
func (postgresEngine) checksEveryRun() {}

// pgParent is what the PostgreSQL templates know of the parent from the
// folder (.Def): the properties each new partition copies, and the
// description of the live parent the apply-time check expects.
type pgParent struct {
	// Unknown says why the folder cannot tell what the parent is ("" when
	// it can); the file then copies nothing and the apply-time check is
	// the guard.
	Unknown string
	// From is where the folder creates the parent (file:line:column).
	From         string
	Tablespace   string // quoted, "" for the default
	Unlogged     bool
	AccessMethod string // quoted, "" for the default
	// ReplicaIdentity is "FULL", "NOTHING", "USING INDEX" or "" (DEFAULT,
	// which a new table has already).
	ReplicaIdentity string
	// Adopt is set while the table is being adopted (spec adopt: true, an
	// ordinary table, no adoption in the folder yet): what the three
	// adoption files write (adopt.go).
	Adopt *pgAdopt
	table *pgschema.Table
}

// Assumed is the live parent the file is written for, as the apply-time
// check describes it: "tablespace slow_disk, logged, replica identity
// full, access method default".
func (p *pgParent) Assumed() string {
	ts, am, ri, pers := "default", "default", "default", "logged"
	if p.table != nil {
		if p.table.Tablespace != "" {
			ts = p.table.Tablespace
		}
		if p.table.AccessMethod != "" {
			am = p.table.AccessMethod
		}
		if p.Unlogged {
			pers = "unlogged"
		}
		switch p.table.ReplicaIdentity {
		case pgschema.IdentityFull, pgschema.IdentityNothing:
			ri = p.table.ReplicaIdentity
		case pgschema.IdentityIndex:
			ri = "using index " + p.table.ReplicaIndex
		}
	}
	return fmt.Sprintf("tablespace %s, %s, replica identity %s, access method %s", ts, pers, ri, am)
}

// ReplicaIndexOf is the quoted name of partition's copy of the parent's
// replica identity index: LIKE ... INCLUDING ALL names each copied index
// afresh for the new table, as PostgreSQL's ChooseIndexName does.
func (p *pgParent) ReplicaIndexOf(partition string) string {
	names := pgschema.LikeIndexNames(partition, p.table, nil)
	for i, ix := range p.table.Indexes {
		if ix.Name == p.table.ReplicaIndex {
			return dialect.QuoteIdent(names[i])
		}
	}
	return dialect.QuoteIdent(p.table.ReplicaIndex)
}

// ReplicaIndexName is the quoted name of the parent's replica identity
// index.
func (p *pgParent) ReplicaIndexName() string { return dialect.QuoteIdent(p.table.ReplicaIndex) }

// Copies reports whether the file sets any property on new partitions.
func (p *pgParent) Copies() bool {
	return p.Tablespace != "" || p.Unlogged || p.AccessMethod != "" || p.ReplicaIdentity != ""
}

// definition reads the parent from the folder's own migrations
// ([pgschema.Read]) and fails, pointing at the spec, on what the folder
// shows to be wrong: no such table, not PARTITION BY RANGE on the spec's
// key, a key of another type than key_type, or a parent created after
// partgen's first file for it. What the folder cannot tell is left to the
// apply-time check each file makes.
func (postgresEngine) definition(sp *spec.Spec, mig *folder.Folder, t *spec.Table) (any, error) {
	cat, err := readCatalog(mig)
	if err != nil {
		return nil, err
	}
	pt, ok := cat.Table(t.Schema, t.Name)
	if !ok {
		if len(cat.Opaque) > 0 {
			o := cat.Opaque[len(cat.Opaque)-1]
			if t.Adopt && mig.Adoption(t.FullName()) == nil {
				return nil, sp.ErrorAt(t, "adopt", "create the table in a migration partgen can read (plain SQL, no DO block), or recreate it PARTITION BY RANGE ("+t.Key+") yourself and remove `adopt:`",
					"partgen cannot adopt %s: the folder does not create it, but %s may (%s); the swap file writes the table's columns, keys and indexes from the folder", t.FullName(), o.Reason, o.Pos)
			}
			return &pgParent{Unknown: fmt.Sprintf("the folder does not create %s, but %s may (%s)", t.FullName(), o.Reason, o.Pos)}, nil
		}
		return nil, notFound(sp, mig, cat, t)
	}
	var adopt *pgAdopt
	adopted := mig.Adoption(t.FullName()) != nil
	switch {
	case pt.PartitionBy == nil && t.Adopt && !adopted:
		if adopt, err = adoptDef(sp, cat, t, pt); err != nil {
			return nil, err
		}
	case pt.PartitionBy != nil && t.Adopt && !adopted:
		return nil, sp.ErrorAt(t, "adopt", "remove `adopt: true`: partgen adds partitions to a partitioned table as it is",
			"table %s is partitioned already (%s): there is no ordinary table to adopt", t.FullName(), pt.Set["partition by"])
	}
	if pt.Unknown != "" {
		return &pgParent{Unknown: pt.Unknown}, nil
	}
	if err := checkParent(sp, mig, t, pt, adopted || adopt != nil); err != nil {
		return nil, err
	}
	p := &pgParent{From: pt.Created.String(), table: pt, Unlogged: pt.Unlogged, Adopt: adopt}
	if pt.Tablespace != "" {
		p.Tablespace = dialect.QuoteIdent(pt.Tablespace)
	}
	if pt.AccessMethod != "" {
		p.AccessMethod = dialect.QuoteIdent(pt.AccessMethod)
	}
	switch pt.ReplicaIdentity {
	case pgschema.IdentityFull:
		p.ReplicaIdentity = "FULL"
	case pgschema.IdentityNothing:
		p.ReplicaIdentity = "NOTHING"
	case pgschema.IdentityIndex:
		if _, ok := pt.Index(pt.ReplicaIndex); !ok {
			return &pgParent{Unknown: fmt.Sprintf("%s: replica identity USING INDEX %s, an index the folder does not create on %s",
				pt.Set["replica identity"], pt.ReplicaIndex, pt.Name)}, nil
		}
		p.ReplicaIdentity = "USING INDEX"
	}
	return p, nil
}

// lastCatalog keeps the catalog of the last folder read: a run asks for
// every table of the spec, and a folder does not change once read. It
// holds the folder itself, so the pointer cannot be reused by another.
var lastCatalog struct {
	sync.Mutex
	mig *folder.Folder
	cat *pgschema.Catalog
}

func readCatalog(mig *folder.Folder) (*pgschema.Catalog, error) {
	lastCatalog.Lock()
	defer lastCatalog.Unlock()
	if lastCatalog.mig == mig {
		return lastCatalog.cat, nil
	}
	cat, err := pgschema.Read(mig)
	if err != nil {
		return nil, err
	}
	lastCatalog.mig, lastCatalog.cat = mig, cat
	return cat, nil
}

func notFound(sp *spec.Spec, mig *folder.Folder, cat *pgschema.Catalog, t *spec.Table) error {
	var names []string
	for _, s := range cat.Similar(t.Schema, t.Name) {
		if s.Schema == pgschema.DefaultSchema && t.Schema == "" || s.Schema == t.Schema {
			names = append(names, fmt.Sprintf("`name: %s`", s.Name))
		} else {
			names = append(names, fmt.Sprintf("`name: %s` with `schema: %s`", s.Name, s.Schema))
		}
	}
	fix := "create the table in a migration of yours (CREATE TABLE ... PARTITION BY RANGE (" + t.Key + ")), or correct `name:`"
	if len(names) > 0 {
		fix = "did you mean " + strings.Join(names, " or ") + "? Otherwise " + fix
	}
	where := "schema " + pgschema.DefaultSchema
	if t.Schema != "" {
		where = "schema " + t.Schema
	}
	return sp.ErrorAt(t, "name", fix, "no migration in %s creates table %s (in %s); partgen reads the Up sections of the folder's own migrations",
		mig.Dir, t.Name, where)
}

// keyTypeOf maps format_type's spelling back to the spec's key_type.
var keyTypeOf = map[string]dialect.KeyType{
	"timestamp with time zone":    dialect.Timestamptz,
	"timestamp without time zone": dialect.Timestamp,
	"date":                        dialect.Date,
}

// checkParent checks the folder's parent against the spec. adopted: the
// folder shows an ordinary table that partgen's adoption files partition
// (or are about to) by the spec's key.
func checkParent(sp *spec.Spec, mig *folder.Folder, t *spec.Table, pt *pgschema.Table, adopted bool) error {
	name := t.FullName()
	created := pt.Created.String()
	pk := pt.PartitionBy
	if adopted {
		pk = &pgschema.PartitionKey{Strategy: pgschema.StrategyRange, Columns: []string{t.Key}, Expressions: []bool{false}}
	}
	if pk == nil {
		return sp.ErrorAt(t, "name", fmt.Sprintf("set `adopt: true` for %s: partgen then makes the table the first partition of a partitioned %s without copying it and without stopping writers (README, \"Adopting an existing table\"); or recreate it in a migration with PARTITION BY RANGE (%s)", name, name, t.Key),
			"table %s is an ordinary table (%s creates it without PARTITION BY): partgen adds range partitions to a partitioned table, and adopts an ordinary one only when the spec says so", name, created)
	}
	at := pt.Set["partition by"].String()
	if pk.Strategy != pgschema.StrategyRange {
		return sp.ErrorAt(t, "name", fmt.Sprintf("partition %s BY RANGE (%s) in its migration, or leave it out of the spec", name, t.Key),
			"table %s is PARTITION BY %s (%s), not RANGE: partgen makes time ranges", name, strings.ToUpper(pk.Strategy)+" ("+strings.Join(pk.Columns, ", ")+")", at)
	}
	if len(pk.Columns) != 1 || pk.Expressions[0] {
		return sp.ErrorAt(t, "key", fmt.Sprintf("partition %s BY RANGE (%s): one column, no expression", name, t.Key),
			"table %s is PARTITION BY RANGE (%s) (%s): partgen needs a single key column", name, strings.Join(pk.Columns, ", "), at)
	}
	if key := pk.Columns[0]; key != t.Key && !adopted {
		return sp.ErrorAt(t, "key", fmt.Sprintf("set `key: %s`, the column %s is partitioned by", key, name),
			"table %s is partitioned by %s (%s), not by %s", name, key, at, t.Key)
	}
	if col, ok := pt.Column(t.Key); ok {
		if want := dialect.PostgresTypeName(t.KeyType); col.BaseType != want {
			fix := "partgen partitions timestamptz, timestamp and date keys: change the column's type in a migration, or leave the table out of the spec"
			if kt, ok := keyTypeOf[col.BaseType]; ok {
				fix = fmt.Sprintf("set `key_type: %s`", kt)
			}
			field := "key_type"
			if !written(t, field) {
				field = "key" // the default key_type: point at the key
			}
			return sp.ErrorAt(t, field, fix, "the key %s of %s is %s (%s) but key_type is %s (%s)", t.Key, name, col.BaseType, created, t.KeyType, want)
		}
	}
	// partgen's new files take versions after the folder's highest
	// (nextVersions), so only files already in the folder can sort before
	// the parent.
	var early []string
	for _, f := range mig.Files {
		if !f.Partgen || f.Version >= pt.Created.Version {
			continue
		}
		for _, m := range f.Markers {
			if m.Table == name {
				early = append(early, f.Name)
				break
			}
		}
	}
	if len(early) > 0 {
		return &spec.Error{File: filepath.Join(mig.Dir, pt.Created.File), Line: pt.Created.Line, Column: pt.Created.Column,
			Msg: fmt.Sprintf("table %s is created at version %d, after partgen's %s: goose up runs that file first, before the table exists",
				name, pt.Created.Version, strings.Join(early, ", ")),
			Fix: fmt.Sprintf("give %s a version below %d (rename the file), or, if partgen's file(s) were never applied, delete %s and run partgen generate again (new files get versions after the folder's highest)",
				pt.Created.File, firstVersion(mig, early[0]), strings.Join(early, ", "))}
	}
	return nil
}

// written reports whether the spec's entry for t writes field: a field it
// does not write has the position of the entry itself, which comes before
// the value of its name on the same line.
func written(t *spec.Table, field string) bool {
	l, c := t.At(field)
	nl, nc := t.At("name")
	return l != nl || c > nc
}

func firstVersion(mig *folder.Folder, name string) int64 {
	for _, f := range mig.Files {
		if f.Name == name {
			return f.Version
		}
	}
	return 0
}

func (postgresEngine) convertNote() string { return "" }

func (e postgresEngine) how(sp *spec.Spec, s *step) []string {
	switch s.kind() {
	case kindCreate:
		how := []string{
			"Lock-safe: each partition is created LIKE the parent with a CHECK matching its bounds, then ATTACHed",
			fmt.Sprintf("(SHARE UPDATE EXCLUSIVE on the parent, no validation scan); lock_timeout %s.", sp.LockTimeout),
		}
		if s.hasDefault {
			if s.table.OnDefaultRows == spec.DefaultRowsMove {
				how = append(how, "Rows of a new range found in the default partition are moved into it in this transaction.")
			} else {
				how = append(how, "The migration fails, naming the range, if the default partition holds rows of a new range.")
			}
		}
		if s.table.Citus {
			how = append(how, "Citus: one partition per file (inserts wait on a worker from the first ATTACH to the COMMIT);",
				"lock_timeout reaches the workers (citus.propagate_set_commands = 'local').")
		}
		return append(how, "Down: drops these partitions only while they are empty; it never drops rows.")
	case kindPurge:
		return purgeHow
	case kindAdoptCheck, kindAdoptValidate, kindAdoptSwap:
		return adoptHow(sp, s)
	}
	var how []string
	switch {
	case s.table.Citus:
		how = append(how, "Citus: a plain DETACH in one transaction (Citus refuses DETACH ... CONCURRENTLY), with the audit",
			"row; lock_timeout reaches the workers (citus.propagate_set_commands = 'local').")
	case e.ConcurrentDetach(s.hasDefault):
		how = append(how, "DETACH ... CONCURRENTLY in a NO TRANSACTION file; every statement is safe to rerun after an",
			"interruption (a pending detach is FINALIZEd). The audit row and the "+string(s.op)+" commit together.")
	default:
		how = append(how, "Plain DETACH in one transaction (a default partition rules out CONCURRENTLY), with the audit row.")
	}
	return append(how, retireDown(s))
}

var purgeHow = []string{"Drops the retired table and writes one partgen_archive_log row (action purge) in one transaction.",
	"Down: fails; the rows are gone."}

func retireDown(s *step) string {
	if s.op == folder.OpDrop {
		return "Down: fails; the rows are gone."
	}
	return "Down: re-attaches the table with all its rows and removes the audit row."
}
