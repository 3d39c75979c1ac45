//go:build cgo

package pgschema

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// observe records, before a statement is applied, what it makes depend on
// the folder's tables ([Catalog.Dependents]) or drops again, and the
// comments of columns. Names resolve as the replayer resolves them (the
// search path in force); an object the reader cannot follow (a DO block)
// is not seen, which is why an adoption checks the live catalog again
// before it changes anything.
func (r *replayer) observe(st stmt) {
	switch n := st.node.Node.(type) {
	case *pg_query.Node_ViewStmt:
		v := n.ViewStmt
		name := r.depName(v.View)
		r.forget(DependentView, name, "")
		r.reads(DependentView, name, v.Query, st)
	case *pg_query.Node_CreateTableAsStmt:
		c := n.CreateTableAsStmt
		if c.Objtype == pg_query.ObjectType_OBJECT_MATVIEW && c.Into != nil {
			r.reads(DependentMatview, r.depName(c.Into.Rel), c.Query, st)
		}
	case *pg_query.Node_CreateTrigStmt:
		c := n.CreateTrigStmt
		if t := r.find(r.resolve(c.Relation)); t != nil {
			r.forget(DependentTrigger, c.Trigname, t.FullName())
			r.depend(Dependent{Kind: DependentTrigger, Name: c.Trigname, Pos: st.pos}, t)
		}
	case *pg_query.Node_RuleStmt:
		c := n.RuleStmt
		if t := r.find(r.resolve(c.Relation)); t != nil {
			r.forget(DependentRule, c.Rulename, t.FullName())
			r.depend(Dependent{Kind: DependentRule, Name: c.Rulename, Pos: st.pos}, t)
		}
	case *pg_query.Node_CreatePolicyStmt:
		c := n.CreatePolicyStmt
		if t := r.find(r.resolve(c.Table)); t != nil {
			r.depend(Dependent{Kind: DependentPolicy, Name: c.PolicyName, Pos: st.pos}, t)
		}
	case *pg_query.Node_CreateStmt:
		r.createDeps(n.CreateStmt, st)
	case *pg_query.Node_AlterTableStmt:
		r.alterDeps(n.AlterTableStmt, st)
	case *pg_query.Node_CreatePublicationStmt:
		c := n.CreatePublicationStmt
		r.publish(c.Pubname, c.Pubobjects, viaRoot(c.Options), st)
	case *pg_query.Node_AlterPublicationStmt:
		r.alterPublication(n.AlterPublicationStmt, st)
	case *pg_query.Node_DropStmt:
		r.dropDeps(n.DropStmt)
	case *pg_query.Node_CommentStmt:
		c := n.CommentStmt
		if c.Objtype == pg_query.ObjectType_OBJECT_COLUMN {
			ns := names(listItems(c.Object))
			if len(ns) >= 2 {
				if t := r.lookupNames(ns[:len(ns)-1], st); t != nil {
					if col, ok := t.Column(ns[len(ns)-1]); ok {
						col.Comment = c.Comment
					}
				}
			}
		}
	}
}

func (r *replayer) depName(rv *pg_query.RangeVar) string {
	if rv == nil {
		return ""
	}
	q := qname{r.creationSchema(rv), rv.Relname}
	return q.schema + "." + q.name
}

// reads records a view (or materialized view) of every folder table its
// query names.
func (r *replayer) reads(kind, name string, query *pg_query.Node, st stmt) {
	if query == nil {
		return
	}
	seen := map[*Table]bool{}
	for _, rv := range rangeVars(query) {
		if t := r.find(r.resolve(rv)); t != nil && !seen[t] {
			seen[t] = true
			r.depend(Dependent{Kind: kind, Name: name, Pos: st.pos}, t)
		}
	}
}

func (r *replayer) depend(d Dependent, t *Table) {
	d.onSchema, d.onName = t.Schema, t.Name
	r.cat.deps = append(r.cat.deps, d)
}

// forget drops the dependents of a kind with a name (and, for objects that
// live on a table, on that table: schema.name; "" for any).
func (r *replayer) forget(kind, name, on string) {
	var keep []Dependent
	for _, d := range r.cat.deps {
		if d.Kind == kind && d.Name == name && (on == "" || d.onSchema+"."+d.onName == on || d.Table == on) {
			continue
		}
		keep = append(keep, d)
	}
	r.cat.deps = keep
}

// createDeps records a new table's foreign keys to folder tables, and
// inheritance from one.
func (r *replayer) createDeps(cs *pg_query.CreateStmt, st stmt) {
	child := r.depName(cs.Relation)
	if cs.Partbound == nil {
		for _, in := range cs.InhRelations {
			if rv, ok := in.Node.(*pg_query.Node_RangeVar); ok {
				if t := r.find(r.resolve(rv.RangeVar)); t != nil {
					r.depend(Dependent{Kind: DependentChild, Name: child, Pos: st.pos}, t)
				}
			}
		}
	}
	tableName := cs.Relation.GetRelname()
	for _, el := range cs.TableElts {
		switch e := el.Node.(type) {
		case *pg_query.Node_ColumnDef:
			for _, cn := range e.ColumnDef.Constraints {
				if c := cn.GetConstraint(); c != nil && c.Contype == pg_query.ConstrType_CONSTR_FOREIGN {
					r.foreignKey(child, tableName, c, []string{e.ColumnDef.Colname}, st)
				}
			}
		case *pg_query.Node_Constraint:
			if e.Constraint.Contype == pg_query.ConstrType_CONSTR_FOREIGN {
				r.foreignKey(child, tableName, e.Constraint, names(e.Constraint.FkAttrs), st)
			}
		}
	}
}

func (r *replayer) foreignKey(from, fromName string, c *pg_query.Constraint, cols []string, st stmt) {
	t := r.find(r.resolve(c.Pktable))
	if t == nil {
		return
	}
	name := c.Conname
	if name == "" {
		name = makeObjectName(fromName, strings.Join(cols, "_"), "fkey")
	}
	r.depend(Dependent{Kind: DependentForeignKey, Name: name, Table: from, Pos: st.pos}, t)
}

func (r *replayer) alterDeps(as *pg_query.AlterTableStmt, st stmt) {
	if as.Objtype != pg_query.ObjectType_OBJECT_TABLE || as.Relation == nil {
		return
	}
	q := r.resolve(as.Relation)
	self := q.schema + "." + q.name
	t := r.find(q)
	for _, c := range as.Cmds {
		cmd := c.GetAlterTableCmd()
		if cmd == nil {
			continue
		}
		switch cmd.Subtype {
		case pg_query.AlterTableType_AT_AddConstraint:
			if con := cmd.Def.GetConstraint(); con != nil && con.Contype == pg_query.ConstrType_CONSTR_FOREIGN {
				r.foreignKey(self, q.name, con, names(con.FkAttrs), st)
			}
		case pg_query.AlterTableType_AT_DropConstraint:
			r.forget(DependentForeignKey, cmd.Name, self)
		case pg_query.AlterTableType_AT_EnableRowSecurity, pg_query.AlterTableType_AT_ForceRowSecurity:
			if t != nil {
				r.forget(DependentRLS, t.FullName(), "")
				r.depend(Dependent{Kind: DependentRLS, Name: t.FullName(), Pos: st.pos}, t)
			}
		case pg_query.AlterTableType_AT_DisableRowSecurity:
			if t != nil {
				r.forget(DependentRLS, t.FullName(), "")
			}
		case pg_query.AlterTableType_AT_AddInherit:
			if rv := cmd.Def.GetRangeVar(); rv != nil {
				if p := r.find(r.resolve(rv)); p != nil {
					r.depend(Dependent{Kind: DependentChild, Name: self, Pos: st.pos}, p)
				}
			}
		case pg_query.AlterTableType_AT_DropInherit:
			r.forget(DependentChild, self, "")
		}
	}
}

// viaRoot reads publish_via_partition_root from a publication's options.
func viaRoot(opts []*pg_query.Node) *bool {
	for _, o := range opts {
		if d := o.GetDefElem(); d != nil && d.Defname == "publish_via_partition_root" {
			v := true
			if s, ok := strVal(d.Arg); ok {
				v = s == "true" || s == "on" || s == "1"
			}
			return &v
		}
	}
	return nil
}

// publish records the tables a publication lists.
func (r *replayer) publish(pub string, objs []*pg_query.Node, via *bool, st stmt) {
	for _, o := range objs {
		spec := o.GetPublicationObjSpec()
		if spec == nil || spec.Pubtable == nil {
			continue
		}
		if t := r.find(r.resolve(spec.Pubtable.Relation)); t != nil {
			r.forget(DependentPublication, pub, t.FullName())
			r.depend(Dependent{Kind: DependentPublication, Name: pub, ViaRoot: via != nil && *via,
				Filtered: spec.Pubtable.WhereClause != nil || len(spec.Pubtable.Columns) > 0, Pos: st.pos}, t)
		}
	}
}

func (r *replayer) alterPublication(a *pg_query.AlterPublicationStmt, st stmt) {
	if via := viaRoot(a.Options); via != nil {
		for i := range r.cat.deps {
			if d := &r.cat.deps[i]; d.Kind == DependentPublication && d.Name == a.Pubname {
				d.ViaRoot = *via
			}
		}
	}
	via := false
	for _, d := range r.cat.deps {
		if d.Kind == DependentPublication && d.Name == a.Pubname {
			via = d.ViaRoot
		}
	}
	switch a.Action {
	case pg_query.AlterPublicationAction_AP_SetObjects:
		if len(a.Pubobjects) > 0 {
			r.forget(DependentPublication, a.Pubname, "")
		}
		r.publish(a.Pubname, a.Pubobjects, &via, st)
	case pg_query.AlterPublicationAction_AP_AddObjects:
		r.publish(a.Pubname, a.Pubobjects, &via, st)
	case pg_query.AlterPublicationAction_AP_DropObjects:
		for _, o := range a.Pubobjects {
			if spec := o.GetPublicationObjSpec(); spec != nil && spec.Pubtable != nil {
				if t := r.find(r.resolve(spec.Pubtable.Relation)); t != nil {
					r.forget(DependentPublication, a.Pubname, t.FullName())
				}
			}
		}
	}
}

// dropDeps forgets what a DROP removes: the object itself, or a table
// that was a dependent (a child, or the referencing side of a foreign key).
func (r *replayer) dropDeps(ds *pg_query.DropStmt) {
	for _, o := range ds.Objects {
		switch ds.RemoveType {
		case pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW, pg_query.ObjectType_OBJECT_TABLE:
			ns := names(listItems(o))
			if len(ns) == 0 {
				continue
			}
			rv := &pg_query.RangeVar{Relname: ns[len(ns)-1]}
			if len(ns) > 1 {
				rv.Schemaname = ns[len(ns)-2]
			}
			name := r.depName(rv)
			if rv.Schemaname == "" {
				q := r.resolve(rv)
				name = q.schema + "." + q.name
			}
			for _, k := range []string{DependentView, DependentMatview, DependentChild} {
				r.forget(k, name, "")
			}
			var keep []Dependent
			for _, d := range r.cat.deps {
				if d.Kind == DependentForeignKey && d.Table == name {
					continue
				}
				keep = append(keep, d)
			}
			r.cat.deps = keep
		case pg_query.ObjectType_OBJECT_TRIGGER, pg_query.ObjectType_OBJECT_RULE, pg_query.ObjectType_OBJECT_POLICY:
			ns := names(listItems(o))
			if len(ns) < 2 {
				continue
			}
			kind := map[pg_query.ObjectType]string{pg_query.ObjectType_OBJECT_TRIGGER: DependentTrigger,
				pg_query.ObjectType_OBJECT_RULE: DependentRule, pg_query.ObjectType_OBJECT_POLICY: DependentPolicy}[ds.RemoveType]
			var tables []string
			if t := r.lookupNames(ns[:len(ns)-1], stmt{}); t != nil {
				tables = append(tables, t.FullName())
			}
			for _, on := range tables {
				var keep []Dependent
				for _, d := range r.cat.deps {
					if d.Kind == kind && d.Name == ns[len(ns)-1] && d.onSchema+"."+d.onName == on {
						continue
					}
					keep = append(keep, d)
				}
				r.cat.deps = keep
			}
		case pg_query.ObjectType_OBJECT_PUBLICATION:
			if s, ok := strVal(o); ok {
				r.forget(DependentPublication, s, "")
			}
		}
	}
}

// elemText is one key element of an index as the deparser writes it back
// (`ts DESC NULLS LAST`, `lower(code) text_pattern_ops`, `(a + b)`).
func elemText(ie *pg_query.IndexElem) string {
	one := &pg_query.IndexStmt{Idxname: "x", Relation: &pg_query.RangeVar{Relname: "t", Inh: true, Relpersistence: "p"},
		AccessMethod: "btree", IndexParams: []*pg_query.Node{{Node: &pg_query.Node_IndexElem{IndexElem: ie}}}}
	s, err := pg_query.Deparse(&pg_query.ParseResult{Stmts: []*pg_query.RawStmt{{Stmt: &pg_query.Node{Node: &pg_query.Node_IndexStmt{IndexStmt: one}}}}})
	const head = "CREATE INDEX x ON t USING btree ("
	if err != nil || !strings.HasPrefix(s, head) || !strings.HasSuffix(s, ")") {
		if ie.Name != "" {
			return quoteIdent(ie.Name)
		}
		return "(" + exprText(ie.Expr) + ")"
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, head), ")")
}

// checkColumn is the column PostgreSQL names an unnamed table CHECK after:
// the one column its expression uses, or "" when it uses several or none.
func checkColumn(expr *pg_query.Node) string {
	if expr == nil {
		return ""
	}
	cols := map[string]bool{}
	var last string
	walkColumnRefs(expr, func(name string) {
		cols[name] = true
		last = name
	})
	if len(cols) == 1 {
		return last
	}
	return ""
}

func walkColumnRefs(n *pg_query.Node, f func(string)) {
	walkNodes(n, func(m protoreflect.Message) bool {
		if cr, ok := m.Interface().(*pg_query.ColumnRef); ok {
			if ns := names(cr.Fields); len(ns) > 0 {
				f(ns[len(ns)-1])
			}
			return false
		}
		return true
	})
}

// constraintName is a constraint's name: the one given, or the one
// PostgreSQL's ChooseConstraintName gives it (table_column_label, or
// table_label without a column).
func constraintName(t *Table, given, column, label string) string {
	if given != "" {
		return given
	}
	taken := map[string]bool{}
	for _, c := range t.Constraints {
		taken[c.Name] = true
	}
	return chooseRelationName(t.Name, column, label, func(s string) bool { return taken[s] })
}
