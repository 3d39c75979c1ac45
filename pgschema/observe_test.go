//go:build cgo

package pgschema

import (
	"context"
	"sort"
	"testing"

	"github.com/partgen/partgen/internal/testdb"
)

func deps(c *Catalog, schema, name string) []string {
	var out []string
	for _, d := range c.Dependents(schema, name) {
		s := d.Kind + " " + d.Name
		if d.Table != "" {
			s += " on " + d.Table
		}
		if d.ViaRoot {
			s += " via root"
		}
		if d.Filtered {
			s += " filtered"
		}
		out = append(out, s)
	}
	return out
}

// What depends on a table, as an adoption must know: created, replaced,
// dropped, in any schema of the search path.
func TestDependents(t *testing.T) {
	c := replay(`-- +goose Up
CREATE TABLE orders (id bigint, ts timestamptz NOT NULL, PRIMARY KEY (id, ts));
CREATE TABLE other (id int);
CREATE VIEW v1 AS SELECT o.id FROM orders o JOIN other x ON x.id = o.id;
CREATE VIEW v2 AS SELECT 1 FROM other;
CREATE OR REPLACE VIEW v2 AS SELECT id FROM orders;
CREATE VIEW dropped AS SELECT * FROM orders;
DROP VIEW dropped;
CREATE MATERIALIZED VIEW counts AS SELECT count(*) FROM orders;
CREATE TRIGGER t1 AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f();
CREATE TRIGGER t2 AFTER INSERT ON orders FOR EACH STATEMENT EXECUTE FUNCTION f();
DROP TRIGGER t2 ON orders;
CREATE RULE r1 AS ON DELETE TO orders DO INSTEAD NOTHING;
CREATE POLICY p1 ON orders USING (true);
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE TABLE child () INHERITS (orders);
CREATE TABLE lines (order_id bigint, ts timestamptz, FOREIGN KEY (order_id, ts) REFERENCES orders);
CREATE TABLE notes (order_id bigint, ts timestamptz, CONSTRAINT note_order FOREIGN KEY (order_id, ts) REFERENCES orders);
ALTER TABLE notes DROP CONSTRAINT note_order;
CREATE TABLE gone (order_id bigint, ts timestamptz, FOREIGN KEY (order_id, ts) REFERENCES orders);
DROP TABLE gone;
CREATE PUBLICATION a FOR TABLE orders;
CREATE PUBLICATION b FOR TABLE other, orders WITH (publish_via_partition_root = true);
CREATE PUBLICATION c FOR TABLE orders (id, ts);
ALTER PUBLICATION a SET (publish_via_partition_root = true);
CREATE PUBLICATION d FOR TABLE orders;
ALTER PUBLICATION d DROP TABLE orders;
`)
	got := deps(c, "", "orders")
	want := []string{
		"view public.v1", "view public.v2", "materialized view public.counts", "trigger t1", "rule r1", "policy p1",
		"row level security public.orders", "inheritance child public.child", "foreign key lines_order_id_ts_fkey on public.lines",
		"publication a via root", "publication b via root", "publication c filtered",
	}
	sort.Strings(got)
	sort.Strings(want)
	eq(t, "dependents", got, want)
	eq(t, "other's", deps(c, "", "other"), []string{"view public.v1", "publication b via root"})

	c = replay("-- +goose Up\nCREATE TABLE orders (id int);\nALTER TABLE orders ENABLE ROW LEVEL SECURITY;\nALTER TABLE orders DISABLE ROW LEVEL SECURITY;\nCREATE TABLE kid () INHERITS (orders);\nALTER TABLE kid NO INHERIT orders;\nCREATE PUBLICATION p FOR TABLE orders;\nDROP PUBLICATION p;\n")
	eq(t, "dependents after they went", deps(c, "", "orders"), []string(nil))
}

// Column comments, index elements as written, and the names PostgreSQL
// gives unnamed CHECK and foreign key constraints: the swap file states
// them, and its apply-time check compares them with the database's.
func TestWhatAnAdoptionCopies(t *testing.T) {
	ddl := `CREATE TABLE refs (id int PRIMARY KEY);
CREATE TABLE orders (
    id bigint CHECK (id > 0),
    ts timestamptz NOT NULL,
    code text,
    ref int REFERENCES refs,
    CHECK (code <> ''),
    CHECK (id < 1000000 AND code IS NOT NULL),
    CHECK (id > -1)
);
CREATE INDEX orders_code_idx ON orders (lower(code) text_pattern_ops, ts DESC NULLS LAST, code COLLATE "C");`
	c := replay("-- +goose Up\n" + ddl + "\nCOMMENT ON COLUMN orders.code IS 'the code';\n")
	tb := table(t, c, "", "orders")
	col, _ := tb.Column("code")
	eq(t, "column comment", col.Comment, "the code")
	ix, _ := tb.Index("orders_code_idx")
	eq(t, "elements", ix.Elems, []string{"lower(code) text_pattern_ops", "ts DESC NULLS LAST", `code COLLATE "C"`})
	var names []string
	for _, k := range tb.Constraints {
		names = append(names, k.Name)
	}
	db, _ := testdb.Postgres(t)
	if _, err := db.ExecContext(context.Background(), ddl); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT conname FROM pg_constraint WHERE conrelid = 'orders'::regclass ORDER BY oid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var live []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != "orders_ts_not_null" { // PostgreSQL 18 names NOT NULL constraints too
			live = append(live, n)
		}
	}
	sort.Strings(names)
	sort.Strings(live)
	eq(t, "constraint names (reader vs PostgreSQL)", names, live)
}
