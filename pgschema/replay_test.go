package pgschema

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// replay runs the files as versions 1, 2, ... of a folder.
func replay(files ...string) *Catalog {
	var srcs []Source
	for i, f := range files {
		srcs = append(srcs, Source{Name: fmt.Sprintf("%05d_m.sql", i+1), Version: int64(i + 1), SQL: f})
	}
	return Replay(srcs)
}

func table(t *testing.T, c *Catalog, schema, name string) *Table {
	t.Helper()
	tb, ok := c.Table(schema, name)
	if !ok {
		var have []string
		for _, x := range c.Tables() {
			have = append(have, x.FullName())
		}
		t.Fatalf("no table %s.%s; the catalog has %v (opaque: %v)", schema, name, have, c.Opaque)
	}
	return tb
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func indexNames(tb *Table) []string {
	var out []string
	for _, ix := range tb.Indexes {
		out = append(out, ix.Name)
	}
	return out
}

func TestCreateTable(t *testing.T) {
	c := replay(`-- A header comment goose ignores.
CREATE TABLE before_up (id int);

-- +goose Up
-- +goose StatementBegin
CREATE UNLOGGED TABLE tracking (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    ts         timestamptz NOT NULL DEFAULT now(),
    seen       timestamp(3) with time zone,
    price      numeric(18,8),
    code       varchar(12) UNIQUE,
    flag       char,
    tags       text[],
    n          serial,
    doubled    bigint GENERATED ALWAYS AS (id * 2) STORED,
    PRIMARY KEY (id, ts),
    CONSTRAINT positive CHECK (price > 0)
) PARTITION BY RANGE (ts) USING heap WITH (fillfactor = 70, toast.autovacuum_enabled = false) TABLESPACE slow_disk;
-- +goose StatementEnd

-- +goose Down
DROP TABLE tracking;
`)
	if _, ok := c.Table("", "before_up"); ok {
		t.Error("a statement before -- +goose Up was replayed")
	}
	tb := table(t, c, "public", "tracking")
	eq(t, "created", tb.Created, Pos{File: "00001_m.sql", Version: 1, Line: 6, Column: 1})
	want := []Column{
		{Name: "id", Type: "bigint", BaseType: "bigint", NotNull: true, Identity: "always"},
		{Name: "ts", Type: "timestamp with time zone", BaseType: "timestamp with time zone", NotNull: true, Default: "now()"},
		{Name: "seen", Type: "timestamp(3) with time zone", BaseType: "timestamp with time zone"},
		{Name: "price", Type: "numeric(18,8)", BaseType: "numeric"},
		{Name: "code", Type: "character varying(12)", BaseType: "character varying"},
		{Name: "flag", Type: "character(1)", BaseType: "character"},
		{Name: "tags", Type: "text[]", BaseType: "text[]"},
		{Name: "n", Type: "integer", BaseType: "integer", NotNull: true, Default: "nextval('tracking_n_seq'::regclass)"},
		{Name: "doubled", Type: "bigint", BaseType: "bigint", Generated: "id * 2"},
	}
	eq(t, "columns", tb.Columns, want)
	eq(t, "partition by", tb.PartitionBy, &PartitionKey{Strategy: StrategyRange, Columns: []string{"ts"}, Expressions: []bool{false}})
	eq(t, "tablespace", tb.Tablespace, "slow_disk")
	eq(t, "options", tb.Options, map[string]string{"fillfactor": "70", "toast.autovacuum_enabled": "false"})
	eq(t, "unlogged", tb.Unlogged, true)
	eq(t, "access method", tb.AccessMethod, "heap")
	eq(t, "replica identity", tb.ReplicaIdentity, IdentityDefault)
	// The primary key's index comes first, whatever the order written.
	eq(t, "indexes", indexNames(tb), []string{"tracking_pkey", "tracking_code_key"})
	eq(t, "constraints", tb.Constraints, []Constraint{
		{Name: "positive", Kind: "check", Expr: "price > 0"},
		{Name: "tracking_pkey", Kind: "primary key", Columns: []string{"id", "ts"}},
		{Name: "tracking_code_key", Kind: "unique", Columns: []string{"code"}},
	})
	eq(t, "unknown", tb.Unknown, "")
	eq(t, "set", tb.Set["tablespace"].Line, 6)
}

func TestDownSectionsAndFunctionBodiesAreNotReplayed(t *testing.T) {
	c := replay(`-- +goose Up
CREATE TABLE events (id int, ts timestamptz NOT NULL) PARTITION BY RANGE (ts);

-- +goose StatementBegin
CREATE FUNCTION make_noise() RETURNS void LANGUAGE plpgsql AS $body$
BEGIN
    CREATE TABLE noise (id int);
    ALTER TABLE events RENAME TO nope;
END
$body$;
-- +goose StatementEnd

CREATE FUNCTION atomic_one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
ALTER TABLE events SET TABLESPACE "Fast; Disk";

-- +goose Down
DROP TABLE events;
CREATE TABLE down_only (id int);
`)
	tb := table(t, c, "", "events")
	eq(t, "tablespace", tb.Tablespace, "Fast; Disk")
	eq(t, "unknown", tb.Unknown, "")
	for _, n := range []string{"noise", "nope", "down_only"} {
		if _, ok := c.Table("", n); ok {
			t.Errorf("table %s was created", n)
		}
	}
	eq(t, "opaque", len(c.Opaque), 0)
}

func TestQuotedAndQualifiedNames(t *testing.T) {
	c := replay(`-- +goose Up
CREATE SCHEMA IF NOT EXISTS ticks;
CREATE TABLE ticks."Events" ("Ts" timestamptz NOT NULL, "Id" int) PARTITION BY RANGE ("Ts");
CREATE INDEX ON ticks."Events" ("Ts");
CREATE TABLE events (ts date) PARTITION BY LIST (ts);
`, `-- +goose Up
ALTER TABLE ticks."Events" RENAME COLUMN "Ts" TO "When";
CREATE TABLE IF NOT EXISTS events (other int);
`)
	tb := table(t, c, "ticks", "Events")
	eq(t, "key", tb.PartitionBy.Columns, []string{"When"})
	eq(t, "index", tb.Indexes[0].Columns, []string{"When"})
	eq(t, "index name", tb.Indexes[0].Name, "Events_Ts_idx")
	if _, ok := c.Table("", "Events"); ok {
		t.Error(`"Events" found in public`)
	}
	ev := table(t, c, "", "events")
	eq(t, "IF NOT EXISTS keeps the first", ev.Columns[0].Name, "ts")
	eq(t, "strategy", ev.PartitionBy.Strategy, StrategyList)
	eq(t, "schemas", c.Schemas, []string{"ticks"})
	eq(t, "created", ev.Created.Line, 5)
}

func TestAlterTable(t *testing.T) {
	base := `-- +goose Up
CREATE TABLE audit (id bigint NOT NULL, ts timestamptz NOT NULL, body text) PARTITION BY RANGE (ts);
CREATE UNIQUE INDEX audit_id_ts ON audit (id, ts);
`
	cases := []struct {
		name  string
		sql   string
		check func(t *testing.T, tb *Table)
	}{
		{"replica identity full", "ALTER TABLE audit REPLICA IDENTITY FULL;", func(t *testing.T, tb *Table) {
			eq(t, "identity", tb.ReplicaIdentity, IdentityFull)
			eq(t, "at", tb.Set["replica identity"].Version, int64(2))
		}},
		{"replica identity nothing", "ALTER TABLE audit REPLICA IDENTITY NOTHING;", func(t *testing.T, tb *Table) {
			eq(t, "identity", tb.ReplicaIdentity, IdentityNothing)
		}},
		{"replica identity index, then renamed", "ALTER TABLE ONLY audit REPLICA IDENTITY USING INDEX audit_id_ts;\nALTER INDEX audit_id_ts RENAME TO audit_ident;", func(t *testing.T, tb *Table) {
			eq(t, "identity", tb.ReplicaIdentity, IdentityIndex)
			eq(t, "index", tb.ReplicaIndex, "audit_ident")
		}},
		{"replica identity back to default", "ALTER TABLE audit REPLICA IDENTITY FULL;\nALTER TABLE audit REPLICA IDENTITY DEFAULT;", func(t *testing.T, tb *Table) {
			eq(t, "identity", tb.ReplicaIdentity, IdentityDefault)
		}},
		{"rename", "ALTER TABLE audit RENAME TO audit_events;", func(t *testing.T, tb *Table) {
			eq(t, "name", tb.Name, "audit_events")
		}},
		{"tablespace and storage", "ALTER TABLE audit SET TABLESPACE slow, SET (autovacuum_enabled = off, fillfactor = 50);\nALTER TABLE audit RESET (fillfactor);", func(t *testing.T, tb *Table) {
			eq(t, "tablespace", tb.Tablespace, "slow")
			eq(t, "options", tb.Options, map[string]string{"autovacuum_enabled": "off"})
		}},
		{"tablespace back to the default", "ALTER TABLE audit SET TABLESPACE slow;\nALTER TABLE audit SET TABLESPACE pg_default;", func(t *testing.T, tb *Table) {
			eq(t, "tablespace", tb.Tablespace, "")
		}},
		{"logged, unlogged, access method, owner", "ALTER TABLE audit SET UNLOGGED;\nALTER TABLE audit SET LOGGED, SET UNLOGGED, OWNER TO someone;\nALTER TABLE audit SET ACCESS METHOD heap2;", func(t *testing.T, tb *Table) {
			eq(t, "unlogged", tb.Unlogged, true)
			eq(t, "access method", tb.AccessMethod, "heap2")
			eq(t, "unknown", tb.Unknown, "")
		}},
		{"columns", "ALTER TABLE audit ADD COLUMN seen timestamp, DROP COLUMN body, ALTER COLUMN id TYPE int, ALTER COLUMN seen SET NOT NULL;\nALTER TABLE audit ALTER seen TYPE timestamptz USING seen AT TIME ZONE 'UTC';", func(t *testing.T, tb *Table) {
			eq(t, "columns", tb.Columns, []Column{
				{Name: "id", Type: "integer", BaseType: "integer", NotNull: true},
				{Name: "ts", Type: "timestamp with time zone", BaseType: "timestamp with time zone", NotNull: true},
				{Name: "seen", Type: "timestamp with time zone", BaseType: "timestamp with time zone", NotNull: true},
			})
		}},
		{"constraints", "ALTER TABLE audit ADD CONSTRAINT audit_pk PRIMARY KEY (id, ts), ADD UNIQUE (ts, id), ADD CHECK (id > 0);\nALTER TABLE audit DROP CONSTRAINT audit_pk;", func(t *testing.T, tb *Table) {
			eq(t, "indexes", indexNames(tb), []string{"audit_id_ts", "audit_ts_id_key"})
			eq(t, "kinds", []string{tb.Constraints[0].Kind, tb.Constraints[1].Kind}, []string{"unique", "check"})
		}},
		{"primary key using an index", "ALTER TABLE audit ADD CONSTRAINT audit_pk PRIMARY KEY USING INDEX audit_id_ts;", func(t *testing.T, tb *Table) {
			eq(t, "indexes", indexNames(tb), []string{"audit_pk"})
			eq(t, "primary", tb.Indexes[0].Primary, true)
		}},
		{"drop column drops its index", "ALTER TABLE audit REPLICA IDENTITY USING INDEX audit_id_ts;\nALTER TABLE audit DROP COLUMN id;", func(t *testing.T, tb *Table) {
			eq(t, "indexes", len(tb.Indexes), 0)
			eq(t, "identity", tb.ReplicaIdentity, IdentityNothing)
		}},
		{"set schema", "CREATE SCHEMA archive;\nALTER TABLE audit SET SCHEMA archive;", func(t *testing.T, tb *Table) {
			eq(t, "schema", tb.Schema, "archive")
		}},
		{"comment and grant", "COMMENT ON TABLE audit IS 'every change';\nGRANT SELECT, INSERT ON audit TO reporting;", func(t *testing.T, tb *Table) {
			eq(t, "comment", tb.Comment, "every change")
			eq(t, "grants", tb.Grants, []string{"GRANT SELECT, INSERT ON audit TO reporting"})
		}},
		{"an ALTER TABLE subcommand the reader does not model", "ALTER TABLE audit ENABLE ROW LEVEL SECURITY, INHERIT other;", func(t *testing.T, tb *Table) {
			eq(t, "unknown", tb.Unknown, "00002_m.sql:2:1: ALTER TABLE audit AddInherit, which the reader does not model")
		}},
		{"a statement the reader does not model that names the table", "ALTER TRIGGER t ON audit DEPENDS ON EXTENSION plpgsql;", func(t *testing.T, tb *Table) {
			eq(t, "unknown", tb.Unknown, "00002_m.sql:2:1: a AlterObjectDependsStmt statement, which the reader does not model")
		}},
		{"statements that do not touch the definition", "INSERT INTO audit VALUES (1, now(), 'x');\nCREATE VIEW v AS SELECT * FROM audit;\nCREATE PUBLICATION p FOR TABLE audit;\nSELECT pg_catalog.set_config('x.y', 'z', false);", func(t *testing.T, tb *Table) {
			eq(t, "unknown", tb.Unknown, "")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := replay(base, "-- +goose Up\n"+tc.sql+"\n-- +goose Down\nDROP TABLE audit;\n")
			tbs := c.Tables()
			if len(tbs) != 1 {
				t.Fatalf("tables: %d", len(tbs))
			}
			tc.check(t, tbs[0])
		})
	}
}

func TestDropAndIndexNames(t *testing.T) {
	c := replay(`-- +goose Up
CREATE TABLE a (id int, ts timestamptz, PRIMARY KEY (id, ts), UNIQUE (ts, id));
CREATE INDEX ON a (ts);
CREATE INDEX ON a (ts);
CREATE INDEX ON a ((id + 1), lower(ts::text));
CREATE INDEX a_named ON a USING brin (ts) INCLUDE (id) WHERE id > 0;
CREATE INDEX IF NOT EXISTS a_named ON a (id);
CREATE TABLE gone (id int);
CREATE TABLE gone_too (id int);
`, `-- +goose Up
DROP TABLE IF EXISTS gone, gone_too, never_was CASCADE;
DROP INDEX a_ts_idx1;
CREATE INDEX ON a (ts);
`)
	tb := table(t, c, "", "a")
	eq(t, "indexes", indexNames(tb), []string{"a_pkey", "a_ts_id_key", "a_ts_idx", "a_expr_expr1_idx", "a_named", "a_ts_idx1"})
	named, _ := tb.Index("a_named")
	eq(t, "a_named", *named, Index{Name: "a_named", Columns: []string{"ts"}, Expressions: []bool{false}, Elems: []string{"ts"}, Include: []string{"id"}, Method: "brin", Where: "id > 0"})
	expr, _ := tb.Index("a_expr_expr1_idx")
	eq(t, "expression columns", expr.Columns, []string{"id + 1", "lower(ts::text)"})
	eq(t, "tables", len(c.Tables()), 1)
}

func TestSearchPath(t *testing.T) {
	t.Run("local SET lasts the file", func(t *testing.T) {
		c := replay("-- +goose Up\nCREATE SCHEMA ticks;\nSET LOCAL search_path = ticks, public;\nCREATE TABLE events (ts date);\nALTER TABLE events SET TABLESPACE x;\n",
			"-- +goose Up\nCREATE TABLE events (ts timestamptz);\n")
		eq(t, "ticks", table(t, c, "ticks", "events").Tablespace, "x")
		eq(t, "public", table(t, c, "", "events").Unknown, "")
	})
	t.Run("session SET makes later unqualified names uncertain", func(t *testing.T) {
		c := replay("-- +goose Up\nCREATE SCHEMA ticks;\nSET search_path TO ticks;\nCREATE TABLE events (ts date);\n",
			"-- +goose Up\nALTER TABLE ticks.events SET TABLESPACE x;\nCREATE TABLE other (id int);\n")
		eq(t, "qualified", table(t, c, "ticks", "events").Unknown, "")
		other := table(t, c, "", "other")
		if !strings.Contains(other.Unknown, "set search_path for the session (00001_m.sql:3:1)") {
			t.Errorf("unknown = %q", other.Unknown)
		}
	})
	t.Run("RESET", func(t *testing.T) {
		c := replay("-- +goose Up\nSET search_path TO ticks;\nRESET search_path;\nCREATE TABLE events (ts date);\n", "-- +goose Up\nCREATE TABLE other (id int);\n")
		eq(t, "events", table(t, c, "", "events").Unknown, "")
		eq(t, "other", table(t, c, "", "other").Unknown, "")
	})
	t.Run("CREATE SCHEMA with elements", func(t *testing.T) {
		c := replay("-- +goose Up\nCREATE SCHEMA ticks CREATE TABLE events (ts date) CREATE INDEX ON events (ts);\n")
		eq(t, "index", indexNames(table(t, c, "ticks", "events")), []string{"events_ts_idx"})
	})
}

func TestWhatTheReaderCannotFollow(t *testing.T) {
	base := "-- +goose Up\nCREATE TABLE events (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n"
	cases := []struct {
		name    string
		files   []string
		table   string
		unknown string // "" : known
		opaque  int
	}{
		{"a DO block touches every table known so far", []string{base, "-- +goose Up\n-- +goose StatementBegin\nDO $$ BEGIN EXECUTE 'ALTER TABLE events SET TABLESPACE x'; END $$;\n-- +goose StatementEnd\n"},
			"events", "00002_m.sql:3:1: a DO block, which may change any table", 1},
		{"a table created after the DO block is known", []string{"-- +goose Up\nDO $$ BEGIN NULL; END $$;\n", base}, "events", "", 1},
		{"IF NOT EXISTS after a DO block", []string{"-- +goose Up\nDO $$ BEGIN NULL; END $$;\n", "-- +goose Up\nCREATE TABLE IF NOT EXISTS events (ts date);\n"},
			"events", "00002_m.sql:2:1: CREATE TABLE IF NOT EXISTS after 00001_m.sql:2:1 (a DO block, which may change any table), which may have created the table first", 1},
		{"CALL", []string{base, "-- +goose Up\nCALL maintain();\n"}, "events", "00002_m.sql:2:1: a CALL of a procedure, which may change any table", 1},
		{"EXECUTE", []string{base, "-- +goose Up\nPREPARE s AS SELECT 1;\nEXECUTE s;\n"}, "events", "00002_m.sql:3:1: an EXECUTE of a prepared statement, which the reader does not follow", 1},
		{"CREATE TABLE AS", []string{"-- +goose Up\nCREATE TABLE events AS SELECT now() AS ts;\n"}, "events", "00001_m.sql:2:1: CREATE TABLE ... AS takes its columns from a query the reader does not evaluate", 0},
		{"LIKE", []string{"-- +goose Up\nCREATE TABLE t (ts date);\nCREATE TABLE events (LIKE t INCLUDING ALL) PARTITION BY RANGE (ts);\n"}, "events",
			"00001_m.sql:3:1: CREATE TABLE ... (LIKE ...), whose copied columns and indexes the reader does not follow", 0},
		{"INHERITS", []string{"-- +goose Up\nCREATE TABLE t (ts date);\nCREATE TABLE events (x int) INHERITS (t);\n"}, "events",
			"00001_m.sql:3:1: CREATE TABLE ... INHERITS, whose inherited columns the reader does not follow", 0},
		{"OF", []string{"-- +goose Up\nCREATE TYPE r AS (ts date);\nCREATE TABLE events OF r;\n"}, "events",
			"00001_m.sql:3:1: CREATE TABLE ... OF a composite type, whose columns the reader does not follow", 0},
		{"a statement that does not parse", []string{base, "-- +goose Up\nALTER TABLE events SET TABLESPACE x;\nALTER TABLE events FROBNICATE;\nCREATE TABLE later (id int);\n"},
			"events", "00002_m.sql:3:20: a statement PostgreSQL's parser (version 17's grammar) does not read: syntax error at or near \"FROBNICATE\"", 1},
		{"statements around one that does not parse are followed", []string{base, "-- +goose Up\nALTER TABLE events FROBNICATE;\nCREATE TABLE later (id int);\n"}, "later", "", 1},
		{"a second CREATE", []string{base, "-- +goose Up\nCREATE TABLE events (id int);\n"}, "events", "00002_m.sql:2:1: a second CREATE of public.events, which PostgreSQL refuses", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := replay(tc.files...)
			eq(t, "unknown", table(t, c, "", tc.table).Unknown, tc.unknown)
			eq(t, "opaque", len(c.Opaque), tc.opaque)
		})
	}
	t.Run("a Go migration", func(t *testing.T) {
		c := Replay([]Source{{Name: "1_base.sql", Version: 1, SQL: base}, {Name: "2_fix.go", Version: 2, Go: true}})
		eq(t, "unknown", table(t, c, "", "events").Unknown, "2_fix.go: a Go migration, which the reader cannot see into")
	})
}

func TestPartitionOf(t *testing.T) {
	c := replay("-- +goose Up\nCREATE TABLE events (id int, ts timestamptz) PARTITION BY RANGE (ts);\nCREATE TABLE events_old PARTITION OF events FOR VALUES FROM (MINVALUE) TO ('2026-01-01');\n")
	p := table(t, c, "", "events_old")
	eq(t, "partition of", p.PartitionOf, "public.events")
	eq(t, "columns", len(p.Columns), 2)
}

func TestSimilar(t *testing.T) {
	c := replay("-- +goose Up\nCREATE SCHEMA ticks;\nCREATE TABLE events (id int);\nCREATE TABLE ticks.event (id int);\nCREATE TABLE alerts (id int);\nCREATE TABLE market_data (id int);\n")
	var got []string
	for _, tb := range c.Similar("", "event") {
		got = append(got, tb.FullName())
	}
	eq(t, "similar", got, []string{"ticks.event", "public.events"})
}

func TestUpSectionKeepsPositions(t *testing.T) {
	src := "-- x\nSELECT 1;\n-- +goose Up\nSELECT 2;\n--  +goose   down\nSELECT 3;\n"
	up, ok := UpSection(src)
	if !ok || len(up) != len(src) || strings.Count(up, "\n") != strings.Count(src, "\n") {
		t.Fatalf("UpSection changed the shape: %q", up)
	}
	if strings.TrimSpace(up) != "SELECT 2;" {
		t.Errorf("up = %q", up)
	}
	if _, ok := UpSection("SELECT 1;"); ok {
		t.Error("a file without -- +goose Up has an Up section")
	}
}
