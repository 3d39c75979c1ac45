//go:build cgo

package pgschema

import (
	"fmt"
	"reflect"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// replayer follows one folder's statements into a Catalog.
type replayer struct {
	cat *Catalog
	src Source
	// path is the search_path a SET in the current file gave (nil: the
	// default). goose runs each file in its own transaction, and the
	// reader keeps a SET to the file it is in.
	path []string
	// leaked is a session-level SET search_path of an earlier file: goose
	// may or may not run later files on that connection, so an unqualified
	// name in them is not followed with certainty.
	leaked *Note
	// fileLeak is the current file's last session-level SET search_path
	// (nil after one back to the default); fileSet tells there was one.
	fileLeak *Note
	fileSet  bool
}

func (r *replayer) file(s Source) {
	r.src, r.path = s, nil
	if s.Go {
		r.opaque(Note{Pos: Pos{File: s.Name, Version: s.Version}, Reason: "a Go migration, which the reader cannot see into"})
		return
	}
	up, ok := UpSection(s.SQL)
	if !ok {
		return
	}
	stmts, failed := statements(s, up)
	for _, f := range failed {
		r.opaque(f)
	}
	r.fileLeak, r.fileSet = nil, false
	for _, st := range stmts {
		r.statement(st)
	}
	if r.fileSet {
		r.leaked = r.fileLeak
	}
}

// opaque records a statement that could have done anything to any table.
func (r *replayer) opaque(n Note) {
	r.cat.Opaque = append(r.cat.Opaque, n)
	for _, t := range r.cat.tables {
		unknown(t, n)
	}
}

func unknown(t *Table, n Note) {
	if t.Unknown == "" {
		t.Unknown = n.String()
	}
}

func note(st stmt, format string, args ...any) Note {
	return Note{Pos: st.pos, Reason: fmt.Sprintf(format, args...)}
}

// kind is a statement node's type name: CreateStmt, DoStmt, ...
func kind(n *pg_query.Node) string {
	if n == nil || n.Node == nil {
		return "empty"
	}
	return strings.TrimPrefix(reflect.TypeOf(n.Node).Elem().Name(), "Node_")
}

// ignored statements never change what the reader records of a table.
// Functions are ignored too: a function body that changes a table when
// called (from a SELECT) is not followed.
var ignored = map[string]bool{
	"SelectStmt": true, "InsertStmt": true, "UpdateStmt": true, "DeleteStmt": true, "MergeStmt": true,
	"CreateFunctionStmt": true, "AlterFunctionStmt": true, "CreateSeqStmt": true, "AlterSeqStmt": true,
	"ViewStmt": true, "CreateTrigStmt": true, "CreateEventTrigStmt": true, "CreateExtensionStmt": true, "AlterExtensionStmt": true,
	"CompositeTypeStmt": true, "CreateEnumStmt": true, "AlterEnumStmt": true, "CreateDomainStmt": true, "DefineStmt": true,
	"CreatePolicyStmt": true, "AlterPolicyStmt": true, "CreatePublicationStmt": true, "AlterPublicationStmt": true,
	"CreateSubscriptionStmt": true, "CreateRoleStmt": true, "AlterRoleStmt": true, "DropRoleStmt": true, "GrantRoleStmt": true,
	"TransactionStmt": true, "VariableShowStmt": true, "LockStmt": true, "VacuumStmt": true, "ExplainStmt": true,
	"CreateTableSpaceStmt": true, "DropTableSpaceStmt": true, "AlterTableSpaceOptionsStmt": true, "CreateStatsStmt": true, "RuleStmt": true,
	"NotifyStmt": true, "ListenStmt": true, "AlterDefaultPrivilegesStmt": true, "AlterOwnerStmt": true, "CreateCastStmt": true,
	"RefreshMatViewStmt": true, "ClusterStmt": true, "ReindexStmt": true, "TruncateStmt": true, "CopyStmt": true,
	"CreateOpClassStmt": true, "CreateConversionStmt": true, "CreateFdwStmt": true, "CreateForeignServerStmt": true,
	"CreateUserMappingStmt": true, "CreateForeignTableStmt": true, "ImportForeignSchemaStmt": true, "PrepareStmt": true,
	"DeallocateStmt": true, "DiscardStmt": true, "CheckPointStmt": true, "DeclareCursorStmt": true, "ClosePortalStmt": true,
	"FetchStmt": true, "ConstraintsSetStmt": true, "SecLabelStmt": true, "AlterDatabaseSetStmt": true, "AlterDatabaseStmt": true,
	"CreatedbStmt": true, "DropdbStmt": true, "AlterSystemStmt": true, "CreateAmStmt": true, "CreateTransformStmt": true,
	"AlterStatsStmt": true, "CreatePLangStmt": true, "AlterTSDictionaryStmt": true, "AlterTSConfigurationStmt": true,
}

// statement applies one statement.
func (r *replayer) statement(st stmt) {
	r.observe(st) // dependents and column comments (observe.go)
	switch n := st.node.Node.(type) {
	case *pg_query.Node_CreateStmt:
		r.createTable(n.CreateStmt, st)
	case *pg_query.Node_CreateTableAsStmt:
		if n.CreateTableAsStmt.Objtype == pg_query.ObjectType_OBJECT_TABLE && n.CreateTableAsStmt.Into != nil {
			rel := n.CreateTableAsStmt.Into.Rel
			t := r.newTable(rel, st, n.CreateTableAsStmt.IfNotExists)
			if t != nil {
				unknown(t, note(st, "CREATE TABLE ... AS takes its columns from a query the reader does not evaluate"))
			}
		}
	case *pg_query.Node_AlterTableStmt:
		r.alterTable(n.AlterTableStmt, st)
	case *pg_query.Node_RenameStmt:
		r.rename(n.RenameStmt, st)
	case *pg_query.Node_AlterObjectSchemaStmt:
		s := n.AlterObjectSchemaStmt
		if s.ObjectType == pg_query.ObjectType_OBJECT_TABLE {
			if t := r.lookup(s.Relation, st); t != nil {
				t.Schema = s.Newschema
			}
		}
	case *pg_query.Node_IndexStmt:
		r.createIndex(n.IndexStmt, st)
	case *pg_query.Node_DropStmt:
		r.drop(n.DropStmt, st)
	case *pg_query.Node_CommentStmt:
		c := n.CommentStmt
		if c.Objtype == pg_query.ObjectType_OBJECT_TABLE {
			if t := r.lookupNames(names(listItems(c.Object)), st); t != nil {
				t.Comment = c.Comment
			}
		}
	case *pg_query.Node_GrantStmt:
		g := n.GrantStmt
		if g.Targtype == pg_query.GrantTargetType_ACL_TARGET_OBJECT && g.Objtype == pg_query.ObjectType_OBJECT_TABLE {
			for _, o := range g.Objects {
				if rv, ok := o.Node.(*pg_query.Node_RangeVar); ok {
					if t := r.lookup(rv.RangeVar, st); t != nil {
						t.Grants = append(t.Grants, st.text)
					}
				}
			}
		}
	case *pg_query.Node_CreateSchemaStmt:
		r.createSchema(n.CreateSchemaStmt, st)
	case *pg_query.Node_VariableSetStmt:
		r.set(n.VariableSetStmt, st)
	case *pg_query.Node_DoStmt:
		r.opaque(note(st, "a DO block, which may change any table"))
	case *pg_query.Node_CallStmt:
		r.opaque(note(st, "a CALL of a procedure, which may change any table"))
	case *pg_query.Node_ExecuteStmt:
		r.opaque(note(st, "an EXECUTE of a prepared statement, which the reader does not follow"))
	default:
		k := kind(st.node)
		if ignored[k] {
			return
		}
		for _, rv := range rangeVars(st.node) {
			if t := r.find(r.resolve(rv)); t != nil {
				unknown(t, note(st, "a %s statement, which the reader does not model", k))
			}
		}
	}
}

// rangeVars lists every relation a statement names.
func rangeVars(n *pg_query.Node) []*pg_query.RangeVar {
	var out []*pg_query.RangeVar
	walkNodes(n, func(m protoreflect.Message) bool {
		if rv, ok := m.Interface().(*pg_query.RangeVar); ok {
			out = append(out, rv)
		}
		return true
	})
	return out
}

// walkNodes calls visit on every message of the parse tree under n, depth
// first, and descends into a message's fields only when visit returns true.
func walkNodes(n *pg_query.Node, visit func(protoreflect.Message) bool) {
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if !visit(m) {
			return
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			if fd.Kind() != protoreflect.MessageKind || fd.IsMap() {
				return true
			}
			if fd.IsList() {
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					walk(l.Get(i).Message())
				}
				return true
			}
			walk(v.Message())
			return true
		})
	}
	walk(n.ProtoReflect())
}

// qname is a schema-qualified name, resolved.
type qname struct{ schema, name string }

// searchPath is the schemas an unqualified name is looked up in.
func (r *replayer) searchPath() []string {
	if r.path == nil {
		return []string{DefaultSchema}
	}
	var out []string
	for _, s := range r.path {
		if s != "$user" && s != "pg_temp" {
			out = append(out, s)
		}
	}
	return out
}

// resolve names the table an existing relation reference points at: its
// schema, or the first schema of the search path that holds it.
func (r *replayer) resolve(rv *pg_query.RangeVar) qname {
	if rv.Schemaname != "" {
		return qname{rv.Schemaname, rv.Relname}
	}
	path := r.searchPath()
	for _, s := range path {
		if r.find(qname{s, rv.Relname}) != nil {
			return qname{s, rv.Relname}
		}
	}
	if len(path) == 0 {
		return qname{DefaultSchema, rv.Relname}
	}
	return qname{path[0], rv.Relname}
}

func (r *replayer) find(q qname) *Table {
	for _, t := range r.cat.tables {
		if t.Schema == q.schema && t.Name == q.name {
			return t
		}
	}
	return nil
}

// lookup finds the known table a statement names, nil when the folder
// does not hold it. An unqualified name after a leaked session search_path
// makes the table unknown.
func (r *replayer) lookup(rv *pg_query.RangeVar, st stmt) *Table {
	if rv == nil {
		return nil
	}
	t := r.find(r.resolve(rv))
	if t != nil && rv.Schemaname == "" && r.path == nil && r.leaked != nil {
		unknown(t, note(st, "%s is named without a schema after %s set search_path for the session (%s): goose may run this file on that connection or another", rv.Relname, r.leaked.File, r.leaked.Pos))
	}
	return t
}

func (r *replayer) lookupNames(ns []string, st stmt) *Table {
	switch len(ns) {
	case 1:
		return r.lookup(&pg_query.RangeVar{Relname: ns[0]}, st)
	case 2:
		return r.lookup(&pg_query.RangeVar{Schemaname: ns[0], Relname: ns[1]}, st)
	case 3:
		return r.lookup(&pg_query.RangeVar{Schemaname: ns[1], Relname: ns[2]}, st)
	}
	return nil
}

// creationSchema is where CREATE puts an unqualified name: the first
// schema of the search path.
func (r *replayer) creationSchema(rv *pg_query.RangeVar) string {
	if rv.Schemaname != "" {
		return rv.Schemaname
	}
	if p := r.searchPath(); len(p) > 0 {
		return p[0]
	}
	return DefaultSchema
}

// newTable adds an empty table for a CREATE statement, nil when the name
// is taken (CREATE ... IF NOT EXISTS then does nothing; without it goose
// up would fail, and the existing table is marked unknown).
func (r *replayer) newTable(rv *pg_query.RangeVar, st stmt, ifNotExists bool) *Table {
	if rv == nil || rv.Relpersistence == "t" {
		return nil // temporary tables end with the session
	}
	q := qname{r.creationSchema(rv), rv.Relname}
	if old := r.find(q); old != nil {
		if !ifNotExists {
			unknown(old, note(st, "a second CREATE of %s.%s, which PostgreSQL refuses", q.schema, q.name))
		}
		return nil
	}
	t := &Table{Schema: q.schema, Name: q.name, Created: st.pos, Options: map[string]string{}, ReplicaIdentity: IdentityDefault, Set: map[string]Pos{}}
	if rv.Relpersistence == "u" {
		t.Unlogged = true
		t.Set["persistence"] = st.pos
	}
	if rv.Schemaname == "" && r.path == nil && r.leaked != nil {
		unknown(t, note(st, "%s is created without a schema after %s set search_path for the session (%s): goose may run this file on that connection or another", q.name, r.leaked.File, r.leaked.Pos))
	}
	r.cat.tables = append(r.cat.tables, t)
	return t
}

func (r *replayer) createTable(cs *pg_query.CreateStmt, st stmt) {
	exists := r.find(qname{r.creationSchema(cs.Relation), cs.Relation.Relname}) != nil
	t := r.newTable(cs.Relation, st, cs.IfNotExists)
	if t == nil {
		return
	}
	if cs.IfNotExists && !exists && len(r.cat.Opaque) > 0 {
		last := r.cat.Opaque[len(r.cat.Opaque)-1]
		unknown(t, note(st, "CREATE TABLE IF NOT EXISTS after %s (%s), which may have created the table first", last.Pos, last.Reason))
	}
	if cs.Tablespacename != "" {
		t.Tablespace = cs.Tablespacename
		t.Set["tablespace"] = st.pos
	}
	if cs.AccessMethod != "" {
		t.AccessMethod = cs.AccessMethod
		t.Set["access method"] = st.pos
	}
	if len(cs.Options) > 0 {
		setOptions(t, cs.Options)
		t.Set["options"] = st.pos
	}
	if ps := cs.Partspec; ps != nil {
		t.PartitionBy = partitionKey(ps)
		t.Set["partition by"] = st.pos
	}
	switch {
	case cs.OfTypename != nil:
		unknown(t, note(st, "CREATE TABLE ... OF a composite type, whose columns the reader does not follow"))
	case cs.Partbound != nil && len(cs.InhRelations) == 1:
		if rv, ok := cs.InhRelations[0].Node.(*pg_query.Node_RangeVar); ok {
			q := r.resolve(rv.RangeVar)
			t.PartitionOf = q.schema + "." + q.name
			if parent := r.find(q); parent != nil {
				t.Columns = append(t.Columns, parent.Columns...)
			} else {
				unknown(t, note(st, "a partition of %s.%s, which the folder does not create", q.schema, q.name))
			}
		}
	case len(cs.InhRelations) > 0:
		unknown(t, note(st, "CREATE TABLE ... INHERITS, whose inherited columns the reader does not follow"))
	}
	var ixc []*pg_query.Constraint
	for _, el := range cs.TableElts {
		switch e := el.Node.(type) {
		case *pg_query.Node_ColumnDef:
			col, cons := r.columnDef(t, e.ColumnDef)
			t.Columns = append(t.Columns, col)
			ixc = append(ixc, cons...)
		case *pg_query.Node_Constraint:
			if c := tableConstraint(t, e.Constraint); c != nil {
				ixc = append(ixc, c)
			}
		case *pg_query.Node_TableLikeClause:
			unknown(t, note(st, "CREATE TABLE ... (LIKE ...), whose copied columns and indexes the reader does not follow"))
		}
	}
	for _, c := range cs.Constraints {
		if cc, ok := c.Node.(*pg_query.Node_Constraint); ok {
			if c := tableConstraint(t, cc.Constraint); c != nil {
				ixc = append(ixc, c)
			}
		}
	}
	// PostgreSQL creates the primary key's index first, then the other
	// constraint indexes in the order written (transformIndexConstraints).
	for _, c := range ixc {
		if c.Contype == pg_query.ConstrType_CONSTR_PRIMARY {
			r.constraintIndex(t, c)
		}
	}
	for _, c := range ixc {
		if c.Contype != pg_query.ConstrType_CONSTR_PRIMARY {
			r.constraintIndex(t, c)
		}
	}
}

func partitionKey(ps *pg_query.PartitionSpec) *PartitionKey {
	k := &PartitionKey{Strategy: map[pg_query.PartitionStrategy]string{
		pg_query.PartitionStrategy_PARTITION_STRATEGY_RANGE: StrategyRange,
		pg_query.PartitionStrategy_PARTITION_STRATEGY_LIST:  StrategyList,
		pg_query.PartitionStrategy_PARTITION_STRATEGY_HASH:  StrategyHash,
	}[ps.Strategy]}
	for _, p := range ps.PartParams {
		pe, ok := p.Node.(*pg_query.Node_PartitionElem)
		if !ok {
			continue
		}
		if pe.PartitionElem.Name != "" {
			k.Columns = append(k.Columns, pe.PartitionElem.Name)
			k.Expressions = append(k.Expressions, false)
		} else {
			k.Columns = append(k.Columns, "("+exprText(pe.PartitionElem.Expr)+")")
			k.Expressions = append(k.Expressions, true)
		}
	}
	return k
}

func setOptions(t *Table, opts []*pg_query.Node) {
	for _, o := range opts {
		d, ok := o.Node.(*pg_query.Node_DefElem)
		if !ok {
			continue
		}
		v, _ := strVal(d.DefElem.Arg)
		if d.DefElem.Arg == nil {
			v = "true" // WITH (autovacuum_enabled) means true
		}
		t.Options[optionName(d.DefElem)] = v
	}
}

func optionName(d *pg_query.DefElem) string {
	if d.Defnamespace != "" {
		return d.Defnamespace + "." + d.Defname
	}
	return d.Defname
}

// columnDef reads a column and returns its PRIMARY KEY and UNIQUE
// constraints, which need an index.
func (r *replayer) columnDef(t *Table, cd *pg_query.ColumnDef) (Column, []*pg_query.Constraint) {
	ti := typeText(cd.TypeName)
	col := Column{Name: cd.Colname, Type: ti.Type, BaseType: ti.BaseType, NotNull: cd.IsNotNull}
	if ti.Serial {
		col.NotNull = true
		seq := quoteIdent(makeObjectName(t.Name, cd.Colname, "seq"))
		if t.Schema != DefaultSchema {
			seq = quoteIdent(t.Schema) + "." + seq // as pg_get_expr prints it outside the search path
		}
		col.Default = fmt.Sprintf("nextval('%s'::regclass)", seq)
	}
	var ixc []*pg_query.Constraint
	for _, cn := range cd.Constraints {
		c, ok := cn.Node.(*pg_query.Node_Constraint)
		if !ok {
			continue
		}
		con := c.Constraint
		switch con.Contype {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			col.NotNull = true
		case pg_query.ConstrType_CONSTR_NULL:
			col.NotNull = false
		case pg_query.ConstrType_CONSTR_DEFAULT:
			col.Default = exprText(con.RawExpr)
		case pg_query.ConstrType_CONSTR_IDENTITY:
			col.Identity = identityWhen(con.GeneratedWhen)
			col.NotNull = true
		case pg_query.ConstrType_CONSTR_GENERATED:
			col.Generated = exprText(con.RawExpr)
		case pg_query.ConstrType_CONSTR_CHECK:
			t.Constraints = append(t.Constraints, Constraint{Name: constraintName(t, con.Conname, cd.Colname, "check"), Kind: "check", Columns: []string{cd.Colname}, Expr: exprText(con.RawExpr)})
		case pg_query.ConstrType_CONSTR_FOREIGN:
			t.Constraints = append(t.Constraints, Constraint{Name: constraintName(t, con.Conname, cd.Colname, "fkey"), Kind: "foreign key", Columns: []string{cd.Colname}})
		case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE:
			cp := proto.Clone(con).(*pg_query.Constraint)
			cp.Keys = []*pg_query.Node{pg_query.MakeStrNode(cd.Colname)}
			if con.Contype == pg_query.ConstrType_CONSTR_PRIMARY {
				col.NotNull = true
			}
			ixc = append(ixc, cp)
		}
	}
	return col, ixc
}

func identityWhen(w string) string {
	if w == "d" {
		return "by default"
	}
	return "always"
}

// tableConstraint records a CHECK or FOREIGN KEY constraint and returns
// a PRIMARY KEY, UNIQUE or EXCLUDE one, which needs an index.
func tableConstraint(t *Table, con *pg_query.Constraint) *pg_query.Constraint {
	switch con.Contype {
	case pg_query.ConstrType_CONSTR_CHECK:
		t.Constraints = append(t.Constraints, Constraint{Name: constraintName(t, con.Conname, checkColumn(con.RawExpr), "check"), Kind: "check", Expr: exprText(con.RawExpr)})
	case pg_query.ConstrType_CONSTR_FOREIGN:
		t.Constraints = append(t.Constraints, Constraint{Name: constraintName(t, con.Conname, strings.Join(names(con.FkAttrs), "_"), "fkey"), Kind: "foreign key", Columns: names(con.FkAttrs)})
	case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE, pg_query.ConstrType_CONSTR_EXCLUSION:
		return con
	}
	return nil
}

// taken reports whether a relation (table or index) of the schema has the name.
func (r *replayer) taken(schema string) func(string) bool {
	return func(n string) bool {
		for _, t := range r.cat.tables {
			if t.Schema != schema {
				continue
			}
			if t.Name == n {
				return true
			}
			for _, ix := range t.Indexes {
				if ix.Name == n {
					return true
				}
			}
		}
		return false
	}
}

// constraintIndex adds the index (and the constraint) of a PRIMARY KEY,
// UNIQUE or EXCLUDE constraint, named as PostgreSQL names it.
func (r *replayer) constraintIndex(t *Table, con *pg_query.Constraint) {
	ix := Index{Unique: true, Tablespace: con.Indexspace, Method: con.AccessMethod}
	switch con.Contype {
	case pg_query.ConstrType_CONSTR_PRIMARY:
		ix.Primary, ix.Constraint = true, "primary key"
	case pg_query.ConstrType_CONSTR_UNIQUE:
		ix.Constraint = "unique"
	case pg_query.ConstrType_CONSTR_EXCLUSION:
		ix.Constraint, ix.Unique = "exclude", false
	}
	if ix.Method == "btree" {
		ix.Method = ""
	}
	if con.Contype == pg_query.ConstrType_CONSTR_EXCLUSION {
		for _, e := range con.Exclusions {
			items := listItems(e)
			if len(items) > 0 {
				if ie, ok := items[0].Node.(*pg_query.Node_IndexElem); ok {
					addIndexElem(&ix, ie.IndexElem)
				}
			}
		}
	} else {
		for _, k := range names(con.Keys) {
			ix.Columns = append(ix.Columns, k)
			ix.Expressions = append(ix.Expressions, false)
			if con.Contype == pg_query.ConstrType_CONSTR_PRIMARY {
				if c, ok := t.Column(k); ok {
					c.NotNull = true
				}
			}
		}
	}
	ix.Include = names(con.Including)
	ix.Where = exprText(con.WhereClause)
	if con.Indexname != "" { // ADD CONSTRAINT ... USING INDEX: the index is renamed after the constraint
		old, ok := t.Index(con.Indexname)
		if !ok {
			return
		}
		ix = *old
		ix.Unique = true
		ix.Primary = con.Contype == pg_query.ConstrType_CONSTR_PRIMARY
		ix.Constraint = map[bool]string{true: "primary key", false: "unique"}[ix.Primary]
		name := con.Conname
		if name == "" {
			name = old.Name
		}
		if t.ReplicaIndex == old.Name {
			t.ReplicaIndex = name
		}
		ix.Name = name
		*old = ix
		t.Constraints = append(t.Constraints, Constraint{Name: name, Kind: ix.Constraint, Columns: ix.Columns})
		return
	}
	ix.Name = con.Conname
	if ix.Name == "" {
		ix.Name = chooseIndexName(t.Name, &ix, r.taken(t.Schema))
	}
	t.Indexes = append(t.Indexes, ix)
	t.Constraints = append(t.Constraints, Constraint{Name: ix.Name, Kind: ix.Constraint, Columns: ix.Columns})
}

func addIndexElem(ix *Index, ie *pg_query.IndexElem) {
	ix.Elems = append(ix.Elems, elemText(ie))
	if ie.Name != "" {
		ix.Columns = append(ix.Columns, ie.Name)
		ix.Expressions = append(ix.Expressions, false)
		return
	}
	ix.Columns = append(ix.Columns, exprText(ie.Expr))
	ix.Expressions = append(ix.Expressions, true)
}

func (r *replayer) createIndex(is *pg_query.IndexStmt, st stmt) {
	t := r.lookup(is.Relation, st)
	if t == nil {
		return
	}
	ix := Index{Unique: is.Unique, Method: is.AccessMethod, Tablespace: is.TableSpace, Where: exprText(is.WhereClause)}
	if ix.Method == "btree" {
		ix.Method = ""
	}
	for _, p := range is.IndexParams {
		if ie, ok := p.Node.(*pg_query.Node_IndexElem); ok {
			addIndexElem(&ix, ie.IndexElem)
		}
	}
	for _, p := range is.IndexIncludingParams {
		if ie, ok := p.Node.(*pg_query.Node_IndexElem); ok {
			ix.Include = append(ix.Include, ie.IndexElem.Name)
		}
	}
	ix.Name = is.Idxname
	if ix.Name == "" {
		ix.Name = chooseIndexName(t.Name, &ix, r.taken(t.Schema))
	} else if r.taken(t.Schema)(ix.Name) {
		return // IF NOT EXISTS: nothing; without it, goose up fails here
	}
	t.Indexes = append(t.Indexes, ix)
}

// indexOwner finds the table that has the named index.
func (r *replayer) indexOwner(rv *pg_query.RangeVar) (*Table, *Index) {
	path := []string{rv.Schemaname}
	if rv.Schemaname == "" {
		path = r.searchPath()
	}
	for _, s := range path {
		for _, t := range r.cat.tables {
			if t.Schema != s {
				continue
			}
			if ix, ok := t.Index(rv.Relname); ok {
				return t, ix
			}
		}
	}
	return nil, nil
}

func (r *replayer) alterTable(as *pg_query.AlterTableStmt, st stmt) {
	switch as.Objtype {
	case pg_query.ObjectType_OBJECT_TABLE:
	case pg_query.ObjectType_OBJECT_INDEX:
		_, ix := r.indexOwner(as.Relation)
		if ix == nil {
			return
		}
		for _, c := range as.Cmds {
			if cmd, ok := c.Node.(*pg_query.Node_AlterTableCmd); ok && cmd.AlterTableCmd.Subtype == pg_query.AlterTableType_AT_SetTableSpace {
				ix.Tablespace = cmd.AlterTableCmd.Name
			}
		}
		return
	default:
		return
	}
	t := r.lookup(as.Relation, st)
	if t == nil {
		return
	}
	for _, c := range as.Cmds {
		cmd, ok := c.Node.(*pg_query.Node_AlterTableCmd)
		if ok {
			r.alterCmd(t, cmd.AlterTableCmd, st)
		}
	}
}

// harmless ALTER TABLE subcommands change nothing the reader records.
var harmless = map[pg_query.AlterTableType]bool{
	pg_query.AlterTableType_AT_ChangeOwner: true, pg_query.AlterTableType_AT_SetStatistics: true,
	pg_query.AlterTableType_AT_SetOptions: true, pg_query.AlterTableType_AT_ResetOptions: true,
	pg_query.AlterTableType_AT_SetStorage: true, pg_query.AlterTableType_AT_SetCompression: true,
	pg_query.AlterTableType_AT_ClusterOn: true, pg_query.AlterTableType_AT_DropCluster: true,
	pg_query.AlterTableType_AT_EnableTrig: true, pg_query.AlterTableType_AT_EnableAlwaysTrig: true,
	pg_query.AlterTableType_AT_EnableReplicaTrig: true, pg_query.AlterTableType_AT_DisableTrig: true,
	pg_query.AlterTableType_AT_EnableTrigAll: true, pg_query.AlterTableType_AT_DisableTrigAll: true,
	pg_query.AlterTableType_AT_EnableTrigUser: true, pg_query.AlterTableType_AT_DisableTrigUser: true,
	pg_query.AlterTableType_AT_EnableRule: true, pg_query.AlterTableType_AT_EnableAlwaysRule: true,
	pg_query.AlterTableType_AT_EnableReplicaRule: true, pg_query.AlterTableType_AT_DisableRule: true,
	pg_query.AlterTableType_AT_EnableRowSecurity: true, pg_query.AlterTableType_AT_DisableRowSecurity: true,
	pg_query.AlterTableType_AT_ForceRowSecurity: true, pg_query.AlterTableType_AT_NoForceRowSecurity: true,
	pg_query.AlterTableType_AT_AttachPartition: true, pg_query.AlterTableType_AT_DetachPartition: true,
	pg_query.AlterTableType_AT_DetachPartitionFinalize: true, pg_query.AlterTableType_AT_ValidateConstraint: true,
	pg_query.AlterTableType_AT_AlterConstraint: true, pg_query.AlterTableType_AT_GenericOptions: true,
	pg_query.AlterTableType_AT_AlterColumnGenericOptions: true,
}

func (r *replayer) alterCmd(t *Table, cmd *pg_query.AlterTableCmd, st stmt) {
	col, hasCol := t.Column(cmd.Name)
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_AddColumn:
		cd := cmd.Def.GetColumnDef()
		if cd == nil {
			break
		}
		if _, exists := t.Column(cd.Colname); exists {
			return // ADD COLUMN IF NOT EXISTS; without it goose up fails
		}
		c, ixc := r.columnDef(t, cd)
		t.Columns = append(t.Columns, c)
		for _, con := range ixc {
			r.constraintIndex(t, con)
		}
		return
	case pg_query.AlterTableType_AT_DropColumn:
		if !hasCol {
			return
		}
		dropColumn(t, cmd.Name)
		return
	case pg_query.AlterTableType_AT_AlterColumnType:
		if cd := cmd.Def.GetColumnDef(); cd != nil && hasCol {
			ti := typeText(cd.TypeName)
			col.Type, col.BaseType = ti.Type, ti.BaseType
			return
		}
	case pg_query.AlterTableType_AT_ColumnDefault:
		if hasCol {
			col.Default = exprText(cmd.Def)
			return
		}
	case pg_query.AlterTableType_AT_SetNotNull:
		if hasCol {
			col.NotNull = true
			return
		}
	case pg_query.AlterTableType_AT_DropNotNull:
		if hasCol {
			col.NotNull = false
			return
		}
	case pg_query.AlterTableType_AT_AddIdentity:
		if con := cmd.Def.GetConstraint(); con != nil && hasCol {
			col.Identity, col.NotNull = identityWhen(con.GeneratedWhen), true
			return
		}
	case pg_query.AlterTableType_AT_SetIdentity:
		if hasCol {
			for _, o := range listItems(cmd.Def) {
				if d := o.GetDefElem(); d != nil && d.Defname == "generated" {
					if v, ok := strVal(d.Arg); ok {
						// ATTRIBUTE_IDENTITY_ALWAYS is 'a' (97), BY DEFAULT 'd' (100).
						col.Identity = identityWhen(map[string]string{"97": "a", "100": "d"}[v])
					}
				}
			}
			return
		}
	case pg_query.AlterTableType_AT_DropIdentity:
		if hasCol {
			col.Identity = ""
			return
		}
	case pg_query.AlterTableType_AT_DropExpression:
		if hasCol {
			col.Generated = ""
			return
		}
	case pg_query.AlterTableType_AT_AddConstraint:
		if con := cmd.Def.GetConstraint(); con != nil {
			if c := tableConstraint(t, con); c != nil {
				r.constraintIndex(t, c)
			}
			return
		}
	case pg_query.AlterTableType_AT_DropConstraint:
		dropConstraint(t, cmd.Name)
		return
	case pg_query.AlterTableType_AT_ReplicaIdentity:
		if ri := cmd.Def.GetReplicaIdentityStmt(); ri != nil {
			t.ReplicaIdentity = map[string]string{"d": IdentityDefault, "f": IdentityFull, "n": IdentityNothing, "i": IdentityIndex}[ri.IdentityType]
			t.ReplicaIndex = ""
			if ri.IdentityType == "i" {
				t.ReplicaIndex = ri.Name
			}
			t.Set["replica identity"] = st.pos
			return
		}
	case pg_query.AlterTableType_AT_SetTableSpace:
		t.Tablespace = cmd.Name
		if t.Tablespace == "pg_default" {
			t.Tablespace = ""
		}
		t.Set["tablespace"] = st.pos
		return
	case pg_query.AlterTableType_AT_SetRelOptions:
		setOptions(t, listItems(cmd.Def))
		t.Set["options"] = st.pos
		return
	case pg_query.AlterTableType_AT_ResetRelOptions:
		for _, o := range listItems(cmd.Def) {
			if d := o.GetDefElem(); d != nil {
				delete(t.Options, optionName(d))
			}
		}
		t.Set["options"] = st.pos
		return
	case pg_query.AlterTableType_AT_SetLogged, pg_query.AlterTableType_AT_SetUnLogged:
		t.Unlogged = cmd.Subtype == pg_query.AlterTableType_AT_SetUnLogged
		t.Set["persistence"] = st.pos
		return
	case pg_query.AlterTableType_AT_SetAccessMethod:
		t.AccessMethod = cmd.Name
		t.Set["access method"] = st.pos
		return
	default:
		if harmless[cmd.Subtype] {
			return
		}
	}
	unknown(t, note(st, "ALTER TABLE %s %s, which the reader does not model", t.Name, strings.TrimPrefix(cmd.Subtype.String(), "AT_")))
}

func dropColumn(t *Table, name string) {
	var cols []Column
	for _, c := range t.Columns {
		if c.Name != name {
			cols = append(cols, c)
		}
	}
	t.Columns = cols
	// PostgreSQL drops the indexes and constraints that use the column.
	var ixs []Index
	for _, ix := range t.Indexes {
		uses := false
		for i, c := range ix.Columns {
			if !ix.Expressions[i] && c == name {
				uses = true
			}
		}
		for _, c := range ix.Include {
			if c == name {
				uses = true
			}
		}
		if uses {
			if t.ReplicaIndex == ix.Name {
				t.ReplicaIdentity, t.ReplicaIndex = IdentityNothing, ""
			}
			continue
		}
		ixs = append(ixs, ix)
	}
	t.Indexes = ixs
	var cons []Constraint
	for _, c := range t.Constraints {
		uses := false
		for _, cc := range c.Columns {
			if cc == name {
				uses = true
			}
		}
		if !uses {
			cons = append(cons, c)
		}
	}
	t.Constraints = cons
}

func dropConstraint(t *Table, name string) {
	var cons []Constraint
	for _, c := range t.Constraints {
		if c.Name != name {
			cons = append(cons, c)
		}
	}
	t.Constraints = cons
	var ixs []Index
	for _, ix := range t.Indexes {
		if ix.Constraint != "" && ix.Name == name {
			if t.ReplicaIndex == name {
				t.ReplicaIdentity, t.ReplicaIndex = IdentityNothing, ""
			}
			continue
		}
		ixs = append(ixs, ix)
	}
	t.Indexes = ixs
}

func (r *replayer) rename(rs *pg_query.RenameStmt, st stmt) {
	switch rs.RenameType {
	case pg_query.ObjectType_OBJECT_TABLE:
		if t := r.lookup(rs.Relation, st); t != nil {
			t.Name = rs.Newname
		}
	case pg_query.ObjectType_OBJECT_COLUMN:
		if rs.RelationType != pg_query.ObjectType_OBJECT_TABLE {
			return
		}
		t := r.lookup(rs.Relation, st)
		if t == nil {
			return
		}
		renameColumn(t, rs.Subname, rs.Newname)
	case pg_query.ObjectType_OBJECT_INDEX:
		t, ix := r.indexOwner(rs.Relation)
		if ix == nil {
			return
		}
		renameIndex(t, ix.Name, rs.Newname)
	case pg_query.ObjectType_OBJECT_TABCONSTRAINT:
		t := r.lookup(rs.Relation, st)
		if t == nil {
			return
		}
		if _, ok := t.Index(rs.Subname); ok {
			renameIndex(t, rs.Subname, rs.Newname)
			return
		}
		for i := range t.Constraints {
			if t.Constraints[i].Name == rs.Subname {
				t.Constraints[i].Name = rs.Newname
			}
		}
	case pg_query.ObjectType_OBJECT_SCHEMA:
		for _, t := range r.cat.tables {
			if t.Schema == rs.Subname {
				t.Schema = rs.Newname
			}
		}
		for i, s := range r.cat.Schemas {
			if s == rs.Subname {
				r.cat.Schemas[i] = rs.Newname
			}
		}
	}
}

// renameIndex renames an index and, as PostgreSQL does, the constraint it
// backs.
func renameIndex(t *Table, from, to string) {
	for i := range t.Indexes {
		if t.Indexes[i].Name == from {
			t.Indexes[i].Name = to
		}
	}
	for i := range t.Constraints {
		if t.Constraints[i].Name == from && t.Constraints[i].Kind != "check" && t.Constraints[i].Kind != "foreign key" {
			t.Constraints[i].Name = to
		}
	}
	if t.ReplicaIndex == from {
		t.ReplicaIndex = to
	}
}

func renameColumn(t *Table, from, to string) {
	for i := range t.Columns {
		if t.Columns[i].Name == from {
			t.Columns[i].Name = to
		}
	}
	ren := func(cols []string, expr []bool) {
		for i := range cols {
			if cols[i] == from && (expr == nil || !expr[i]) {
				cols[i] = to
			}
		}
	}
	if t.PartitionBy != nil {
		ren(t.PartitionBy.Columns, t.PartitionBy.Expressions)
	}
	for i := range t.Indexes {
		ren(t.Indexes[i].Columns, t.Indexes[i].Expressions)
		ren(t.Indexes[i].Include, nil)
	}
	for i := range t.Constraints {
		ren(t.Constraints[i].Columns, nil)
	}
}

func (r *replayer) drop(ds *pg_query.DropStmt, st stmt) {
	switch ds.RemoveType {
	case pg_query.ObjectType_OBJECT_TABLE:
		for _, o := range ds.Objects {
			if t := r.lookupNames(names(listItems(o)), st); t != nil {
				r.removeTable(t)
			}
		}
	case pg_query.ObjectType_OBJECT_INDEX:
		for _, o := range ds.Objects {
			ns := names(listItems(o))
			rv := &pg_query.RangeVar{Relname: ns[len(ns)-1]}
			if len(ns) > 1 {
				rv.Schemaname = ns[len(ns)-2]
			}
			t, ix := r.indexOwner(rv)
			if ix == nil {
				continue
			}
			if t.ReplicaIndex == ix.Name {
				unknown(t, note(st, "DROP INDEX of the replica identity index %s: PostgreSQL keeps replica identity USING INDEX without an index", ix.Name))
			}
			var ixs []Index
			for _, o := range t.Indexes {
				if o.Name != ix.Name {
					ixs = append(ixs, o)
				}
			}
			t.Indexes = ixs
		}
	case pg_query.ObjectType_OBJECT_SCHEMA:
		for _, o := range ds.Objects {
			s, ok := strVal(o)
			if !ok {
				continue
			}
			var keep []*Table
			for _, t := range r.cat.tables {
				if t.Schema != s {
					keep = append(keep, t)
				}
			}
			r.cat.tables = keep
			var schemas []string
			for _, x := range r.cat.Schemas {
				if x != s {
					schemas = append(schemas, x)
				}
			}
			r.cat.Schemas = schemas
		}
	}
}

func (r *replayer) removeTable(t *Table) {
	var keep []*Table
	for _, o := range r.cat.tables {
		if o != t {
			keep = append(keep, o)
		}
	}
	r.cat.tables = keep
}

func (r *replayer) createSchema(cs *pg_query.CreateSchemaStmt, st stmt) {
	name := cs.Schemaname
	if name == "" && cs.Authrole != nil {
		name = cs.Authrole.Rolename
	}
	exists := false
	for _, s := range r.cat.Schemas {
		if s == name {
			exists = true
		}
	}
	if !exists {
		r.cat.Schemas = append(r.cat.Schemas, name)
	}
	if len(cs.SchemaElts) == 0 {
		return
	}
	saved := r.path
	r.path = []string{name}
	for _, el := range cs.SchemaElts {
		r.statement(stmt{node: el, pos: st.pos, text: st.text})
	}
	r.path = saved
}

// set follows SET search_path, and notes a session-level one.
func (r *replayer) set(vs *pg_query.VariableSetStmt, st stmt) {
	if vs.Kind == pg_query.VariableSetKind_VAR_RESET_ALL {
		r.path = nil
		if !vs.IsLocal {
			r.fileLeak, r.fileSet = nil, true
		}
		return
	}
	if vs.Name != "search_path" {
		return
	}
	switch vs.Kind {
	case pg_query.VariableSetKind_VAR_SET_VALUE:
		var p []string
		for _, a := range vs.Args {
			if s, ok := strVal(a); ok {
				p = append(p, s)
			}
		}
		r.path = p
	case pg_query.VariableSetKind_VAR_SET_DEFAULT, pg_query.VariableSetKind_VAR_RESET:
		r.path = nil
	default:
		return
	}
	if vs.IsLocal {
		return
	}
	r.fileSet, r.fileLeak = true, nil
	if r.path != nil {
		n := note(st, "SET search_path")
		r.fileLeak = &n
	}
}
