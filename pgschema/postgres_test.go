package pgschema

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
)

// The reader's type spelling must be format_type's: the generator compares
// it with the spec's key_type, and the apply-time check compares the live
// parent's format_type with the same text.
func TestTypesMatchFormatType(t *testing.T) {
	types := []string{
		"timestamptz", "timestamp with time zone", "timestamp(3) with time zone", "TIMESTAMPTZ(6)",
		"timestamp", "timestamp without time zone", "timestamp(0)", "date", "time", "timetz", "time(2) with time zone",
		"int", "integer", "int4", "int8", "bigint", "smallint", "int2", "real", "float4", "float8", "double precision", "float",
		"float(10)", "numeric", "numeric(10)", "numeric(18,8)", "decimal(5,2)", "bool", "boolean",
		"varchar", "varchar(12)", "character varying(3)", "char", "char(4)", "character(2)", "bpchar",
		"text", "bytea", "uuid", "json", "jsonb", "inet", "cidr", "macaddr", "money", "interval",
		"bit", "bit(3)", "varbit", "bit varying(5)", "text[]", "int[][]", "integer[3]", "timestamptz[]", "pg_catalog.int8",
	}
	ctx := context.Background()
	db, _ := testdb.Postgres(t)
	for _, typ := range types {
		t.Run(typ, func(t *testing.T) {
			ddl := "CREATE TABLE t (c " + typ + ")"
			c := replay("-- +goose Up\n" + ddl + ";\n")
			col := table(t, c, "", "t").Columns[0]
			if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS t; "+ddl); err != nil {
				t.Fatal(err)
			}
			var full, base string
			if err := db.QueryRowContext(ctx, `SELECT pg_catalog.format_type(atttypid, atttypmod), pg_catalog.format_type(atttypid, NULL)
				FROM pg_catalog.pg_attribute WHERE attrelid = 't'::regclass AND attname = 'c'`).Scan(&full, &base); err != nil {
				t.Fatal(err)
			}
			if col.Type != full || col.BaseType != base {
				t.Errorf("%s: reader says %q / %q, format_type says %q / %q", typ, col.Type, col.BaseType, full, base)
			}
		})
	}
}

// LikeIndexNames must give the names PostgreSQL gives the indexes LIKE ...
// INCLUDING ALL copies: the generator names the partition's copy of the
// replica identity index with it.
func TestLikeIndexNamesMatchPostgres(t *testing.T) {
	long := strings.Repeat("l", 60)
	ddl := `CREATE TABLE parent_table (
    id bigint NOT NULL, ts timestamptz NOT NULL, code text, ` + long + ` int,
    UNIQUE (code, ts), EXCLUDE USING btree (id WITH =, ts WITH =), PRIMARY KEY (id, ts)
);
CREATE INDEX ON parent_table (ts);
CREATE UNIQUE INDEX ON parent_table (ts);
CREATE INDEX parent_named ON parent_table ((id + 1), (id - 1), code) INCLUDE (` + long + `);
CREATE INDEX ON parent_table (` + long + `, ts, code, id);
CREATE UNIQUE INDEX ON parent_table (id, ts) WHERE code IS NOT NULL`
	c := replay("-- +goose Up\n" + ddl + ";\n")
	parent := table(t, c, "", "parent_table")
	ctx := context.Background()
	db, _ := testdb.Postgres(t)
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		t.Fatal(err)
	}
	// (An ordinary parent: PostgreSQL before 17 refuses EXCLUDE on a
	// partitioned table, and the names do not depend on it.)
	// Parent index names first: the reader chose them as PostgreSQL does.
	rows, err := db.QueryContext(ctx, `SELECT c.relname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = 'parent_table'::regclass ORDER BY i.indexrelid`)
	if err != nil {
		t.Fatal(err)
	}
	var live []string
	for rows.Next() {
		var n string
		must(t, rows.Scan(&n))
		live = append(live, n)
	}
	rows.Close()
	eq(t, "parent's index names, in OID order", indexNames(parent), live)

	for _, child := range []string{"child", "a_" + strings.Repeat("c", 61)} {
		if _, err := db.ExecContext(ctx, `CREATE TABLE "`+child+`" (LIKE parent_table INCLUDING ALL)`); err != nil {
			t.Fatal(err)
		}
		rows, err := db.QueryContext(ctx, `SELECT c.relname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
			WHERE i.indrelid = $1::regclass ORDER BY i.indexrelid`, `"`+child+`"`)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var n string
			must(t, rows.Scan(&n))
			got = append(got, n)
		}
		rows.Close()
		eq(t, "copies of "+child, LikeIndexNames(child, parent, nil), got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestReadSkipsPartgenFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) { must(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)) }
	write("20260101000000_base.sql", "-- +goose Up\nCREATE TABLE events (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n")
	write("20260102000000_partgen_create_events.sql", folder.GeneratedLine+"\n-- +goose Up\n-- +goose StatementBegin\nDO $$ BEGIN NULL; END $$;\n-- +goose StatementEnd\nALTER TABLE events SET TABLESPACE nope;\n")
	write("20260103000000_later.sql", "-- +goose Up\nALTER TABLE events REPLICA IDENTITY FULL;\n")
	mig, err := folder.Read(dir)
	must(t, err)
	c, err := Read(mig)
	must(t, err)
	tb := table(t, c, "", "events")
	eq(t, "tablespace", tb.Tablespace, "")
	eq(t, "identity", tb.ReplicaIdentity, IdentityFull)
	eq(t, "opaque", len(c.Opaque), 0)
	eq(t, "created", tb.Created, Pos{File: "20260101000000_base.sql", Version: 20260101000000, Line: 2, Column: 1})
}
