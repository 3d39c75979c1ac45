package pgschema

import "sort"

// Kinds of [Dependent]: the objects an adoption cannot carry as they are
// (or, for a publication, carries only as the folder says).
const (
	DependentView        = "view"
	DependentMatview     = "materialized view"
	DependentTrigger     = "trigger"
	DependentRule        = "rule"
	DependentPolicy      = "policy"
	DependentRLS         = "row level security"
	DependentPublication = "publication"
	DependentChild       = "inheritance child"
	DependentForeignKey  = "foreign key"
)

// Dependent is an object the folder's migrations make depend on a table: a
// view or materialized view that reads it, a trigger, rule or policy on
// it, row level security enabled on it, a publication that lists it, a
// table that inherits from it, or another table's foreign key that
// references it. Adopting the table (renaming it and putting a
// partitioned table in its place) would leave each one pointing at the
// renamed table, or silently not applying to the new one.
type Dependent struct {
	Kind string
	// Name is the object's name: schema.name for a view, a table (child,
	// foreign key's table) or the publication's name; a trigger, rule,
	// policy or foreign key constraint's own name.
	Name string
	// Table is the table it hangs on when that is not the adopted table
	// itself (a foreign key's referencing table), as schema.name.
	Table string
	// ViaRoot: a publication with publish_via_partition_root = true, which
	// keeps publishing the changes of every partition under the parent's
	// name; Filtered: a publication whose entry for the table has a column
	// list or a row filter (PostgreSQL 15 and later).
	ViaRoot, Filtered bool
	Pos               Pos
	// onSchema and onName are the table it depends on.
	onSchema, onName string
}

// Dependents lists what the folder makes depend on schema.name ("" is
// [DefaultSchema]), in the order the migrations created them.
func (c *Catalog) Dependents(schema, name string) []Dependent {
	if schema == "" {
		schema = DefaultSchema
	}
	var out []Dependent
	for _, d := range c.deps {
		if d.onSchema == schema && d.onName == name {
			out = append(out, d)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pos.Version < out[j].Pos.Version })
	return out
}
