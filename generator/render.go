package generator

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/partgen/partgen/templates"
)

// tmplTable is what templates know of the parent table.
type tmplTable struct {
	Bare    string // market_data or schema.market_data
	Q       string // quoted, qualified
	QBare   string // qualified without quotes, for to_regclass and messages
	Key     string // quoted key column
	KeyBare string
}

// tmplPart is what templates know of one partition.
type tmplPart struct {
	Bare         string
	Q            string
	QBare        string
	Archived     string // quoted archive location (archive schema, or SQLite archive name)
	ArchivedBare string
	Retired      string // quoted location once retired
	RetiredBare  string
	Lower        string // bound literal typed like the key
	Upper        string
	LowerTZ      string // bound as a timestamptz literal, for the audit log
	UpperTZ      string
	LowerText    string
	UpperText    string
	Label        string
}

type tmplData struct {
	Title      string
	Why        []string
	SpecFile   string
	SpecValues string
	How        []string
	Markers    []string
	Version    int64

	Op          string
	T           tmplTable
	LockTimeout string
	KeyTypeName string // the key's type as format_type prints it

	Creates         []tmplPart
	CreatesReversed []tmplPart
	CreateDefault   bool
	HasDefault      bool
	Default         tmplPart
	Move            bool
	CreateLog       bool

	Target        *tmplPart
	Concurrent    bool
	ArchiveSchema string

	// SQLite: the attached set before and after, to rebuild the view.
	Before []tmplPart
	After  []tmplPart
	Adopt  bool
	SQLite *SQLiteTable
}

type renderer struct {
	spec     *Spec
	folder   *Folder
	opts     Options
	tmpl     *template.Template
	logMade  bool // an earlier file (in the folder or this plan) creates partgen_archive_log
	defaults map[string]bool
	sqlite   map[string]*SQLiteTable
}

func newRenderer(spec *Spec, folder *Folder, opts Options) (*renderer, error) {
	r := &renderer{spec: spec, folder: folder, opts: opts, defaults: map[string]bool{}, sqlite: map[string]*SQLiteTable{}}
	funcs := template.FuncMap{
		"view":         r.viewOf,
		"partitionDDL": r.partitionDDL,
		"defaultDDL":   r.defaultDDL,
		"indexDDLs":    r.indexDDLs,
		"keyCheck":     canonicalKeyCheck,
		"keyExpr":      canonicalKeyExpr,
		"literal":      quoteLiteral,
		"quote":        quoteIdent,
		"join":         strings.Join,
	}
	dir := string(spec.Dialect)
	t, err := template.New("partgen").Funcs(funcs).ParseFS(templates.FS, "common/*.tmpl", dir+"/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	r.tmpl = t
	for _, f := range folder.Files {
		if f.Partgen {
			r.logMade = true
		}
	}
	for i := range spec.Tables {
		t := &spec.Tables[i]
		for _, p := range folder.Partitions(t.FullName()) {
			if p.Default && p.State == StateAttached {
				r.defaults[t.FullName()] = true
			}
		}
	}
	return r, nil
}

func (r *renderer) table(t *Table) tmplTable {
	bare := t.FullName()
	return tmplTable{Bare: bare, Q: t.Quoted(), QBare: bare, Key: quoteIdent(t.Key), KeyBare: t.Key}
}

func (r *renderer) part(t *Table, p PartitionState) tmplPart {
	loc := r.spec.Location
	tp := tmplPart{
		Bare:      p.Name,
		Q:         qualify(t.Schema, p.Name),
		QBare:     p.Name,
		LowerText: fmtInstant(p.Period.Lower.In(loc)),
		UpperText: fmtInstant(p.Period.Upper.In(loc)),
	}
	if t.Schema != "" {
		tp.QBare = t.Schema + "." + p.Name
	}
	if p.Default {
		return tp
	}
	tp.Label = Label(t.Interval, p.Period, loc)
	tp.Retired, tp.RetiredBare = tp.Q, tp.QBare
	if ret := t.Retention; ret != nil && ret.Action == ActionArchive {
		if r.spec.Dialect == Postgres {
			tp.Archived = qualify(ret.ArchiveSchema, p.Name)
			tp.ArchivedBare = ret.ArchiveSchema + "." + p.Name
		} else {
			name := ArchivedName(t, ret, p.Name)
			tp.Archived, tp.ArchivedBare = quoteIdent(name), name
		}
		if p.State == StateArchived || p.State == StateAttached {
			tp.Retired, tp.RetiredBare = tp.Archived, tp.ArchivedBare
		}
	}
	if p.State == StateDetached {
		tp.Retired, tp.RetiredBare = tp.Q, tp.QBare
	}
	switch r.spec.Dialect {
	case Postgres:
		tp.Lower, tp.Upper = pgLiteral(t.KeyType, p.Period.Lower.In(loc)), pgLiteral(t.KeyType, p.Period.Upper.In(loc))
		tp.LowerTZ, tp.UpperTZ = pgLiteral("timestamptz", p.Period.Lower.In(loc)), pgLiteral("timestamptz", p.Period.Upper.In(loc))
	case SQLite:
		tp.Lower, tp.Upper = quoteLiteral(SQLiteKey(p.Period.Lower)), quoteLiteral(SQLiteKey(p.Period.Upper))
		tp.LowerTZ, tp.UpperTZ = tp.Lower, tp.Upper
	}
	return tp
}

// pgLiteral writes a bound so that it means the same instant under every
// session TimeZone: an explicit offset for timestamptz, the spec zone's wall
// time for timestamp (which has no zone), the date for date keys.
func pgLiteral(keyType string, t time.Time) string {
	switch keyType {
	case "timestamp":
		return quoteLiteral(t.Format("2006-01-02 15:04:05")) + "::timestamp"
	case "date":
		return quoteLiteral(t.Format("2006-01-02")) + "::date"
	}
	return quoteLiteral(fmtInstant(t)) + "::timestamptz"
}

func (r *renderer) render(s *step, version int64) ([]byte, error) {
	t := s.table
	key := t.FullName()
	d := &tmplData{
		Version:     version,
		Op:          s.op,
		T:           r.table(t),
		LockTimeout: r.spec.LockTimeout,
		SpecFile:    filepath.Base(r.spec.File),
		SpecValues:  specValues(r.spec, t),
		Adopt:       s.adopt,
		KeyTypeName: map[string]string{"timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone", "date": "date"}[t.KeyType],
	}
	d.Title = titleCase(purpose(r.spec, s)) + "."
	d.Why = s.why
	for _, p := range s.before {
		d.Before = append(d.Before, r.part(t, p))
	}
	for _, p := range s.after {
		d.After = append(d.After, r.part(t, p))
	}
	d.HasDefault = r.defaults[key] || s.dflt
	d.Default = r.part(t, PartitionState{Name: DefaultPartitionName(t), Default: true})
	d.Move = t.OnDefaultRows == DefaultRowsMove
	if !r.logMade {
		d.CreateLog = true
		r.logMade = true
	}
	var markers []Marker
	name := ""
	switch s.op {
	case OpCreate:
		name = "create.sql.tmpl"
		d.CreateDefault = s.dflt
		if s.dflt {
			markers = append(markers, Marker{Op: OpDefault, Table: key, Name: DefaultPartitionName(t)})
			r.defaults[key] = true
		}
		for _, p := range s.creates {
			d.Creates = append(d.Creates, r.part(t, p))
			markers = append(markers, Marker{Op: OpCreate, Table: key, Name: p.Name, From: p.Period.Lower, To: p.Period.Upper})
		}
		for i := len(d.Creates) - 1; i >= 0; i-- {
			d.CreatesReversed = append(d.CreatesReversed, d.Creates[i])
		}
		d.How = r.howCreate(t, s)
	case OpDetach, OpArchive, OpDrop:
		name = "retire.sql.tmpl"
		tp := r.part(t, *s.target)
		d.Target = &tp
		d.Concurrent = r.spec.Dialect == Postgres && !d.HasDefault
		if t.Retention.Action == ActionArchive {
			d.ArchiveSchema = quoteIdent(t.Retention.ArchiveSchema)
		}
		markers = append(markers, Marker{Op: s.op, Table: key, Name: s.target.Name, From: s.target.Period.Lower, To: s.target.Period.Upper})
		d.How = r.howRetire(t, s, d.Concurrent)
	case OpPurge:
		name = "purge.sql.tmpl"
		tp := r.part(t, *s.target)
		d.Target = &tp
		markers = append(markers, Marker{Op: OpPurge, Table: key, Name: s.target.Name, From: s.target.Period.Lower, To: s.target.Period.Upper})
		d.How = []string{"Drops the retired table and writes one partgen_archive_log row (action purge) in one transaction.",
			"Down: fails; the rows are gone."}
	}
	if r.spec.Dialect == SQLite {
		st, err := r.sqliteTable(t)
		if err != nil {
			return nil, err
		}
		d.SQLite = st
	}
	for _, m := range markers {
		d.Markers = append(d.Markers, localMarker(m, r.spec.Location).String())
	}
	var buf bytes.Buffer
	if err := r.tmpl.ExecuteTemplate(&buf, name, d); err != nil {
		return nil, fmt.Errorf("render %s for %s: %w", name, t.Name, err)
	}
	body := tidy(buf.Bytes())
	sum := Checksum(body)
	return bytes.Replace(body, []byte(checksumPrefix+"\n"), []byte(checksumPrefix+sum+"\n"), 1), nil
}

// localMarker writes marker instants in the spec's zone, so a reviewer reads
// the same wall time as in the SQL.
func localMarker(m Marker, loc *time.Location) Marker {
	m.From, m.To = m.From.In(loc), m.To.In(loc)
	_, off1 := m.From.Zone()
	_, off2 := m.To.Zone()
	if off1%60 != 0 || off2%60 != 0 {
		// RFC 3339 has no seconds in offsets: such instants go in UTC.
		m.From, m.To = m.From.UTC(), m.To.UTC()
	}
	return m
}

// tidy strips trailing spaces and collapses runs of blank lines that
// conditional template sections leave behind, and ends the file with one newline.
func tidy(b []byte) []byte {
	lines := strings.Split(string(b), "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	s := strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
	return []byte(s)
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func specValues(spec *Spec, t *Table) string {
	parts := []string{
		"table " + t.Name,
		"key " + t.Key,
		"interval " + string(t.Interval),
		fmt.Sprintf("premake %d", t.Premake),
		"timezone " + spec.Timezone,
	}
	if t.Start != nil {
		parts = append(parts, "start "+t.Start.String())
	}
	if t.DefaultPartition {
		parts = append(parts, "default_partition true (on_default_rows "+t.OnDefaultRows+")")
	}
	if r := t.Retention; r != nil {
		rs := fmt.Sprintf("retention keep %d action %s", r.Keep, r.Action)
		if r.ArchiveSchema != "" {
			rs += " archive_schema " + r.ArchiveSchema
		}
		if r.DropAfter > 0 {
			rs += fmt.Sprintf(" drop_after %d", r.DropAfter)
		}
		parts = append(parts, rs)
	}
	return strings.Join(parts, ", ")
}

func (r *renderer) howCreate(t *Table, s *step) []string {
	if r.spec.Dialect == SQLite {
		how := []string{
			"Each partition is a table with the columns and constraints of " + t.Name + " plus a CHECK on its bounds;",
			"the view " + t.Name + " (UNION ALL of the partitions) and its INSTEAD OF triggers are rebuilt for the new set.",
		}
		if s.adopt {
			how = append(how, "First partgen file of the table: its rows are copied into their partitions and the table becomes the view.")
		}
		return append(how, "Down: restores the previous set; it refuses to remove a partition that holds rows.")
	}
	how := []string{
		"Lock-safe: each partition is created LIKE the parent with a CHECK matching its bounds, then ATTACHed",
		fmt.Sprintf("(SHARE UPDATE EXCLUSIVE on the parent, no validation scan); lock_timeout %s.", r.spec.LockTimeout),
	}
	if r.defaults[t.FullName()] || s.dflt {
		if t.OnDefaultRows == DefaultRowsMove {
			how = append(how, "Rows of a new range found in the default partition are moved into it in this transaction.")
		} else {
			how = append(how, "The migration fails, naming the range, if the default partition holds rows of a new range.")
		}
	}
	return append(how, "Down: drops these partitions only while they are empty; it never drops rows.")
}

func (r *renderer) howRetire(t *Table, s *step, concurrent bool) []string {
	var how []string
	switch {
	case r.spec.Dialect == SQLite:
		how = append(how, "Rebuilds the view and triggers without the partition, then "+map[string]string{
			OpDetach: "leaves the table in place", OpArchive: "renames the table to its archive name", OpDrop: "drops the table"}[s.op]+
			"; one audit row in partgen_archive_log; all in one transaction.")
	case concurrent:
		how = append(how, "DETACH ... CONCURRENTLY in a NO TRANSACTION file; every statement is safe to rerun after an",
			"interruption (a pending detach is FINALIZEd). The audit row and the "+s.op+" commit together.")
	default:
		how = append(how, "Plain DETACH in one transaction (a default partition rules out CONCURRENTLY), with the audit row.")
	}
	if s.op == OpDrop {
		return append(how, "Down: fails; the rows are gone.")
	}
	return append(how, "Down: re-attaches the table with all its rows and removes the audit row.")
}
