package generator

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/spec"
)

// tmplTable is what templates know of the parent table.
type tmplTable struct {
	Bare    string // market_data or schema.market_data
	Q       string // quoted, qualified
	QName   string // quoted, unqualified: what RENAME TO takes
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
	StagedQ      string // PostgreSQL: quoted name in partgen_staging while a concurrent detach runs
	Staged       string
	Period       calendar.Period
	Lower        string // bound literal typed like the key
	Upper        string
	LowerTZ      string // bound as a timestamptz literal, for the audit log
	UpperTZ      string
	LowerText    string // bound as PostgreSQL prints a timestamptz, for comments and messages
	UpperText    string
	Label        string
	// Legacy: an adopted table, FROM (MINVALUE) TO (the cutover); Lower is
	// MINVALUE, LowerTZ '-infinity'::timestamptz.
	Legacy bool
	// Check is the CHECK expression that matches the bounds (without the
	// lower one for the legacy partition), for an ATTACH that scans nothing.
	Check string
}

// tmplData is everything a template sees of one step.
type tmplData struct {
	Title      string
	Why        []string
	SpecFile   string
	SpecValues string
	How        []string
	Markers    []string
	Version    int64
	AsOf       calendar.Date // the date the file was planned for

	Op          folder.Op
	T           tmplTable
	LockTimeout string
	KeyTypeName string // the key's type as format_type prints it

	Creates         []tmplPart
	CreatesReversed []tmplPart
	CreateDefault   bool
	HasDefault      bool
	Default         tmplPart
	Move            bool

	// Targets are the partitions a retirement or purge file works on, in
	// bound order; Target is the one a shared template is rendering (see
	// each).
	Targets         []tmplPart
	TargetsReversed []tmplPart
	Target          *tmplPart
	Concurrent      bool
	ArchiveSchema   string
	// ExactRows: the audit row counts rows with count(*) instead of taking
	// the planner's estimate (retention exact_row_count; always on Citus,
	// whose coordinator keeps no statistics of the shards).
	ExactRows bool
	// Citus: the table is distributed on a Citus cluster (spec citus:).
	Citus bool

	// The attached range partitions before and after the file (SQLite
	// rebuilds its view from them).
	Before []tmplPart
	After  []tmplPart
	// Convert: the table's first partgen file, which converts an ordinary
	// table (SQLite). ConvertFix is what its refusal of a row outside every
	// partition tells the user to change.
	Convert    bool
	ConvertFix string
	// Def is what the engine read of the table from the folder (SQLite:
	// *sqliteschema.Table); nil when it reads nothing.
	Def any

	// Legacy is the partition an adopted table becomes (the adoption
	// files); LockSlice bounds each attempt to lock the table, and
	// CutoverConstraint names the CHECK of the first file.
	Legacy            *tmplPart
	LockSlice         string
	CutoverConstraint string
}

// renderer renders the steps of one plan. It caches each table's
// definition; the output of a step depends on nothing but the step.
type renderer struct {
	sp   *spec.Spec
	mig  *folder.Folder
	eng  engine
	tmpl *template.Template
	defs map[string]any
}

func engineOf(sp *spec.Spec) engine { return engines[sp.Dialect]() }

func newRenderer(sp *spec.Spec, mig *folder.Folder) (*renderer, error) {
	eng := engineOf(sp)
	t, err := parseTemplates(eng)
	if err != nil {
		return nil, err
	}
	return &renderer{sp: sp, mig: mig, eng: eng, tmpl: t, defs: map[string]any{}}, nil
}

func (r *renderer) definition(t *spec.Table) (any, error) {
	if d, ok := r.defs[t.FullName()]; ok {
		return d, nil
	}
	d, err := r.eng.definition(r.sp, r.mig, t)
	if err != nil {
		return nil, err
	}
	r.defs[t.FullName()] = d
	return d, nil
}

func tableData(t *spec.Table) tmplTable {
	bare := t.FullName()
	return tmplTable{Bare: bare, Q: t.Quoted(), QName: dialect.QuoteIdent(t.Name), QBare: bare, Key: dialect.QuoteIdent(t.Key), KeyBare: t.Key}
}

func (r *renderer) part(t *spec.Table, p folder.PartitionState) tmplPart {
	loc := r.sp.Location
	lower, upper := p.Period.Lower.In(loc), p.Period.Upper.In(loc)
	tp := tmplPart{
		Bare:      p.Name,
		Q:         dialect.Qualify(t.Schema, p.Name),
		QBare:     qualifiedBare(t.Schema, p.Name),
		Period:    p.Period,
		LowerText: calendar.FormatInstant(lower),
		UpperText: calendar.FormatInstant(upper),
	}
	if t.KeyType == dialect.Timestamp && !p.Default {
		// Civil time: the bounds are midnights, whatever DST does to them.
		tp.LowerText, tp.UpperText = calendar.DateOf(lower, loc).String()+" 00:00:00", calendar.DateOf(upper, loc).String()+" 00:00:00"
	}
	if p.Default {
		return tp
	}
	if p.Legacy {
		tp.Legacy, tp.LowerText, tp.Label = true, "MINVALUE", "before "+tp.UpperText
	} else {
		tp.Label = calendar.Label(partitionInterval(t, p.Period, loc), p.Period, loc)
	}
	tp.Retired, tp.RetiredBare = tp.Q, tp.QBare
	tp.StagedQ, tp.Staged = dialect.Qualify(stagingSchema, p.Name), qualifiedBare(stagingSchema, p.Name)
	if ret := t.Retention; ret != nil && ret.Action == spec.ActionArchive {
		schema, name := r.sp.Archived(t, p.Name)
		tp.Archived, tp.ArchivedBare = dialect.Qualify(schema, name), qualifiedBare(schema, name)
		if p.State == folder.StateArchived || p.State == folder.StateAttached {
			tp.Retired, tp.RetiredBare = tp.Archived, tp.ArchivedBare
		}
	}
	if p.State == folder.StateDetached {
		tp.Retired, tp.RetiredBare = tp.Q, tp.QBare
	}
	tp.Lower, tp.Upper = r.eng.Literal(t.KeyType, lower), r.eng.Literal(t.KeyType, upper)
	tp.LowerTZ, tp.UpperTZ = r.eng.Literal(dialect.Timestamptz, lower), r.eng.Literal(dialect.Timestamptz, upper)
	key := dialect.QuoteIdent(t.Key)
	tp.Check = fmt.Sprintf("%s IS NOT NULL AND %s >= %s AND %s < %s", key, key, tp.Lower, key, tp.Upper)
	if p.Legacy {
		tp.Lower, tp.LowerTZ = "MINVALUE", "'-infinity'::timestamptz"
		tp.Check = fmt.Sprintf("%s IS NOT NULL AND %s < %s", key, key, tp.Upper)
	}
	return tp
}

// stagingSchema holds a PostgreSQL partition while a concurrent detach
// retires it (templates/postgres/retire.sql.tmpl), so that every step of the
// file moves it forward and a rerun finds it.
const stagingSchema = "partgen_staging"

// located is a step's data with a location a shared template works on.
type located struct {
	*tmplData
	Loc     string // quoted
	LocBare string // for to_regclass and size functions
}

func from(d *tmplData, loc, locBare string) located { return located{d, loc, locBare} }

// targetNames lists partitions for a message: "p1 was", "p1, p2 were".
func targetNames(ps []tmplPart) string {
	var names []string
	for _, p := range ps {
		names = append(names, p.QBare)
	}
	if len(names) == 1 {
		return names[0] + " was"
	}
	return strings.Join(names, ", ") + " were"
}

// retiredNames is targetNames for the tables retired partitions became.
func retiredNames(ps []tmplPart) string {
	var names []string
	for _, p := range ps {
		names = append(names, p.RetiredBare)
	}
	if len(names) == 1 {
		return "table " + names[0] + " was"
	}
	return "tables " + strings.Join(names, ", ") + " were"
}

// each is a step's data with Target set to one of its Targets, for the
// templates that repeat per partition.
func each(d *tmplData, p tmplPart) *tmplData {
	c := *d
	c.Target = &p
	return &c
}

func qualifiedBare(schema, name string) string {
	if schema == "" {
		return name
	}
	return schema + "." + name
}

// convertFix is the fix a conversion gives for a row outside every
// partition, by where the row lies: before the partitions (an earlier
// start:, or, when retention is why they begin where they do, a larger
// keep: or deleting it), after them (a larger premake:), or NULL.
func convertFix(sp *spec.Spec, s *step) string {
	if s.retentionFloor.IsZero() {
		return "a row before the partitions needs an earlier start:, one after them a larger premake: (or default_partition: true for either), a NULL key a value"
	}
	return fmt.Sprintf("a row before %s is past retention (keep %d): raise keep: or delete it (a default partition would hold it for good: retention never reaches it); a row after the partitions needs a larger premake: or default_partition: true, a NULL key a value",
		calendar.FormatInstant(s.retentionFloor.In(sp.Location)), s.table.Retention.Keep)
}

// render writes one step as a goose migration with its checksum.
func (r *renderer) render(s *step, version int64) ([]byte, error) {
	t := s.table
	key := t.FullName()
	d := &tmplData{
		Version:     version,
		AsOf:        s.asOf,
		Op:          s.op,
		T:           tableData(t),
		LockTimeout: r.sp.LockTimeout,
		SpecFile:    filepath.Base(r.sp.File),
		SpecValues:  specValues(r.sp, t),
		Convert:     s.convert,
		ConvertFix:  convertFix(r.sp, s),
		KeyTypeName: dialect.PostgresTypeName(t.KeyType),
		Title:       titleCase(purpose(r.sp, s)) + ".",
		Why:         s.why,
		HasDefault:  s.hasDefault,
		Default:     r.part(t, folder.PartitionState{Name: t.DefaultPartitionName(), Default: true}),
		Move:        t.OnDefaultRows == spec.DefaultRowsMove,
		Citus:       t.Citus,
		How:         r.eng.how(r.sp, s),
	}
	for _, p := range s.before {
		d.Before = append(d.Before, r.part(t, p))
	}
	for _, p := range s.after {
		d.After = append(d.After, r.part(t, p))
	}
	var markers []folder.Marker
	switch s.kind() {
	case kindCreate:
		markers = r.creates(d, s, markers)
	case kindRetire:
		d.Concurrent = r.eng.ConcurrentDetach(s.hasDefault) && !t.Citus
		d.ExactRows = t.Retention.ExactRowCount || t.Citus
		if t.Retention.Action == spec.ActionArchive {
			d.ArchiveSchema = dialect.QuoteIdent(t.Retention.ArchiveSchema)
		}
		fallthrough
	case kindPurge:
		d.ExactRows = t.Retention.ExactRowCount || t.Citus
		for _, p := range s.targets {
			d.Targets = append(d.Targets, r.part(t, p))
			markers = append(markers, folder.Marker{Op: s.op, Table: key, Name: p.Name, From: p.Period.Lower, To: p.Period.Upper})
		}
		for i := len(d.Targets) - 1; i >= 0; i-- {
			d.TargetsReversed = append(d.TargetsReversed, d.Targets[i])
		}
	case kindAdoptCheck, kindAdoptValidate, kindAdoptSwap:
		lp := r.part(t, *s.legacy)
		d.Legacy, d.LockSlice, d.CutoverConstraint = &lp, adoptLockSlice, cutoverConstraint
		markers = append(markers, folder.Marker{Op: s.op, Table: key, Name: s.legacy.Name, To: s.legacy.Period.Upper})
		if s.kind() == kindAdoptSwap {
			markers = r.creates(d, s, markers)
		}
	}
	def, err := r.definition(t)
	if err != nil {
		return nil, err
	}
	d.Def = def
	for _, m := range markers {
		d.Markers = append(d.Markers, localMarker(m, r.sp.Location).String())
	}
	var buf bytes.Buffer
	name := templateName(s.kind())
	if err := r.tmpl.ExecuteTemplate(&buf, name, d); err != nil {
		return nil, fmt.Errorf("render %s for %s: %w", name, t.Name, err)
	}
	return folder.Seal(tidy(buf.Bytes())), nil
}

// creates fills the file's data with the step's new partitions (and
// default partition) and returns markers with theirs appended.
func (r *renderer) creates(d *tmplData, s *step, markers []folder.Marker) []folder.Marker {
	t, key := s.table, s.table.FullName()
	d.CreateDefault = s.dflt
	if s.dflt {
		markers = append(markers, folder.Marker{Op: folder.OpDefault, Table: key, Name: t.DefaultPartitionName()})
	}
	for _, p := range s.creates {
		d.Creates = append(d.Creates, r.part(t, p))
		markers = append(markers, folder.Marker{Op: folder.OpCreate, Table: key, Name: p.Name, From: p.Period.Lower, To: p.Period.Upper})
	}
	for i := len(d.Creates) - 1; i >= 0; i-- {
		d.CreatesReversed = append(d.CreatesReversed, d.Creates[i])
	}
	return markers
}

// renderLog writes the file that creates partgen_archive_log.
func (r *renderer) renderLog(asOf calendar.Date, version int64) ([]byte, error) {
	d := &tmplData{
		Version:  version,
		AsOf:     asOf,
		SpecFile: filepath.Base(r.sp.File),
		Title:    "Create partgen_archive_log, the audit trail of every partition partgen retires.",
		Why: []string{"Every retirement partgen writes (detach, archive, drop, purge) adds one row to it, in the same",
			"transaction as the action. The table has a file of its own, the first of partgen's first run here,",
			"that no partition names: it stays when applied partgen files are deleted (README, \"Keeping the folder",
			"bounded\")."},
		How:     []string{"Down: keeps the table; the history of retirements is never dropped by a migration."},
		Markers: []string{folder.ArchiveLogMarker},
	}
	var buf bytes.Buffer
	if err := r.tmpl.ExecuteTemplate(&buf, templateNames[kindLog], d); err != nil {
		return nil, fmt.Errorf("render %s: %w", templateNames[kindLog], err)
	}
	return folder.Seal(tidy(buf.Bytes())), nil
}

// localMarker writes marker instants in the spec's zone, so a reviewer reads
// the same wall time as in the SQL.
func localMarker(m folder.Marker, loc *time.Location) folder.Marker {
	m.From, m.To = m.From.In(loc), m.To.In(loc)
	_, off1 := m.From.Zone()
	_, off2 := m.To.Zone()
	if m.From.IsZero() { // the legacy partition has no lower bound
		m.From, off1 = time.Time{}, 0
	}
	if off1%60 != 0 || off2%60 != 0 {
		// RFC 3339 has no seconds in offsets: such instants go in UTC.
		m.From, m.To = m.From.UTC(), m.To.UTC()
	}
	return m
}

// tidy strips trailing spaces and collapses runs of blank lines that
// conditional template sections leave behind, wraps lines longer than
// maxLine for a readable diff, and ends the file with one newline.
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
		out = append(out, wrapLine(l, maxLine)...)
	}
	s := strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
	return []byte(s)
}

// maxLine is the width generated SQL is wrapped to, where SQL allows.
const maxLine = 120

// wrapLine breaks a line longer than width at spaces outside string
// literals and quoted identifiers: a comment line into more comment lines,
// a SQL line into continuation lines indented four more spaces (SQL and
// PL/pgSQL treat a newline as a space there). It never breaks partgen's
// marker lines or goose's annotations, never inside a literal (a line that
// is one long literal stays long), never after a semicolon (goose ends a
// statement at a line ending in one), and a SQL line with a trailing
// comment only before the comment.
func wrapLine(l string, width int) []string {
	if len(l) <= width || strings.HasPrefix(l, "-- partgen:") || strings.HasPrefix(l, "-- +goose") {
		return []string{l}
	}
	indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
	body := l[len(indent):]
	if strings.HasPrefix(body, "--") {
		prefix := indent + "-- "
		words := strings.Fields(strings.TrimPrefix(body, "--"))
		var out []string
		cur := prefix
		for _, w := range words {
			if cur != prefix && len(cur)+1+len(w) > width {
				out = append(out, cur)
				cur = prefix
			}
			if cur != prefix {
				cur += " "
			}
			cur += w
		}
		return append(out, cur)
	}
	// Spaces where the line may break, and where a trailing comment starts.
	var breaks []int
	end := len(l)
	var quote byte
	for i := len(indent); i < len(l); i++ {
		c := l[i]
		switch {
		case quote != 0:
			if c == quote {
				if i+1 < len(l) && l[i+1] == quote {
					i++ // doubled quote inside the literal
				} else {
					quote = 0
				}
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '-' && i+1 < len(l) && l[i+1] == '-':
			end = i
			i = len(l)
		case c == ' ' && i > len(indent) && l[i-1] != ' ' && l[i-1] != ';':
			breaks = append(breaks, i)
		}
	}
	cont := indent + "    "
	var out []string
	start, prefix := len(indent), indent
	for {
		limit := width - len(prefix) + start
		if len(l)-start+len(prefix) <= width {
			break
		}
		cut := -1
		for _, b := range breaks {
			if b > start && b <= limit && b < end {
				cut = b
			}
		}
		if cut < 0 { // no break fits: take the first one after, if any
			for _, b := range breaks {
				if b > start && b < end {
					cut = b
					break
				}
			}
		}
		if cut < 0 {
			break
		}
		out = append(out, prefix+strings.TrimRight(l[start:cut], " "))
		start = cut
		for start < len(l) && l[start] == ' ' {
			start++
		}
		prefix = cont
	}
	return append(out, prefix+l[start:])
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func specValues(sp *spec.Spec, t *spec.Table) string {
	parts := []string{
		"table " + t.Name,
		"key " + t.Key,
		"interval " + string(t.Interval),
		fmt.Sprintf("premake %d", t.Premake),
		"timezone " + sp.Timezone,
	}
	if t.Start != nil {
		parts = append(parts, "start "+t.Start.String())
	}
	if t.DefaultPartition {
		parts = append(parts, "default_partition true (on_default_rows "+string(t.OnDefaultRows)+")")
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
