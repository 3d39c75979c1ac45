package generator_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/spec"
)

// pgSpec is a one-table spec: month partitions of name by key from
// 2026-11, one ahead.
func pgSpec(name, key, extra string) string {
	return "version: 1\ndialect: postgres\nmigrations: .\ntimezone: UTC\ntables:\n  - name: " + name +
		"\n    key: " + key + "\n    interval: month\n    premake: 1\n    start: 2026-11-01\n" + extra
}

// generateErr runs generate and returns its error, failing the test when it
// wrote anything.
func generateErr(t *testing.T, w *workspace, asOf string) *spec.Error {
	t.Helper()
	before, err := os.ReadDir(w.dir)
	must(t, err)
	d, err := calendar.ParseDate(asOf)
	must(t, err)
	p, err := generator.Generate(w.loadSpec(), d)
	if err == nil {
		t.Fatalf("generate succeeded with %d file(s); want an error", len(p.Files))
	}
	var se *spec.Error
	if !errors.As(err, &se) {
		t.Fatalf("err = %T %v, want a *spec.Error (exit 2)", err, err)
	}
	if se.Line == 0 || se.Column == 0 || se.Fix == "" {
		t.Errorf("error without a position or a fix: %#v", se)
	}
	after, err := os.ReadDir(w.dir)
	must(t, err)
	if len(after) != len(before) {
		t.Errorf("generate left %d entries in the folder, had %d", len(after), len(before))
	}
	return se
}

// The failures 1-3 (and their kin) stop generate, pointing at the
// spec field or at the migration, with a fix.
func TestGenerateStopsWhatTheFolderShows(t *testing.T) {
	events := "-- +goose Up\nCREATE TABLE events (\n    tenant_id  bigint NOT NULL,\n    created_at timestamptz NOT NULL\n) PARTITION BY RANGE (created_at);\n"
	cases := []struct {
		name, spec, base string
		at               string // file:line:column, the file's base name
		msg, fix         string
	}{
		{"failure 1: a name that is not the table's", pgSpec("event", "created_at", ""), events, "partgen.yaml:6:11",
			"no migration in DIR creates table event (in schema public); partgen reads the Up sections of the folder's own migrations",
			"did you mean `name: events`? Otherwise create the table in a migration of yours (CREATE TABLE ... PARTITION BY RANGE (created_at)), or correct `name:`"},
		{"the table in another schema", pgSpec("events", "created_at", ""), "-- +goose Up\nCREATE SCHEMA app;\nCREATE TABLE app.events (created_at timestamptz) PARTITION BY RANGE (created_at);\n", "partgen.yaml:6:11",
			"no migration in DIR creates table events (in schema public)", "did you mean `name: events` with `schema: app`?"},
		{"failure 2: partitioned by another column", pgSpec("events", "tenant_id", ""), events, "partgen.yaml:7:10",
			"table events is partitioned by created_at (20260101000000_base.sql:2:1), not by tenant_id", "set `key: created_at`, the column events is partitioned by"},
		{"not partitioned", pgSpec("events", "created_at", ""), "-- +goose Up\nCREATE TABLE events (created_at timestamptz NOT NULL);\n", "partgen.yaml:6:11",
			"table events is an ordinary table (20260101000000_base.sql:2:1 creates it without PARTITION BY): partgen adds range partitions to a partitioned table, and adopts an ordinary one only when the spec says so",
			"set `adopt: true` for events: partgen then makes the table the first partition of a partitioned events without copying it"},
		{"not RANGE", pgSpec("events", "created_at", ""), "-- +goose Up\nCREATE TABLE events (created_at timestamptz NOT NULL) PARTITION BY LIST (created_at);\n", "partgen.yaml:6:11",
			"table events is PARTITION BY LIST (created_at) (20260101000000_base.sql:2:1), not RANGE", "partition events BY RANGE (created_at)"},
		{"two key columns", pgSpec("events", "created_at", ""), "-- +goose Up\nCREATE TABLE events (tenant_id int, created_at timestamptz) PARTITION BY RANGE (created_at, tenant_id);\n", "partgen.yaml:7:10",
			"table events is PARTITION BY RANGE (created_at, tenant_id)", "one column, no expression"},
		{"key type other than key_type", pgSpec("events", "created_at", ""), "-- +goose Up\nCREATE TABLE events (created_at timestamp(3) NOT NULL) PARTITION BY RANGE (created_at);\n", "partgen.yaml:7:10",
			"the key created_at of events is timestamp without time zone (20260101000000_base.sql:2:1) but key_type is timestamptz", "set `key_type: timestamp`"},
		{"a key type partgen does not partition", pgSpec("events", "n", "    key_type: date\n"), "-- +goose Up\nCREATE TABLE events (n bigint) PARTITION BY RANGE (n);\n", "partgen.yaml:11:15",
			"the key n of events is bigint", "partgen partitions timestamptz, timestamp and date keys"},
		{"a renamed key column", pgSpec("events", "created_at", ""), events + "ALTER TABLE events RENAME COLUMN created_at TO at;\n", "partgen.yaml:7:10",
			"table events is partitioned by at (20260101000000_base.sql:2:1), not by created_at", "set `key: at`"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorkspace(t, c.spec, c.base)
			se := generateErr(t, w, "2026-11-26")
			at := filepath.Base(se.File) + ":" + strconv.Itoa(se.Line) + ":" + strconv.Itoa(se.Column)
			if at != c.at {
				t.Errorf("at %s, want %s", at, c.at)
			}
			if msg := strings.ReplaceAll(se.Msg, w.dir, "DIR"); !strings.Contains(msg, c.msg) {
				t.Errorf("message %q\nwant it to contain %q", msg, c.msg)
			}
			if !strings.Contains(se.Fix, c.fix) {
				t.Errorf("fix %q\nwant it to contain %q", se.Fix, c.fix)
			}
		})
	}
}

// Failure 3: partgen's file sorts before the migration that creates the
// parent (generated while the parent came from elsewhere, then the parent's
// migration added with goose create). generate stops, even with nothing
// due, at the parent's CREATE, and says which version to give it.
func TestGenerateStopsAParentCreatedAfterPartgensFile(t *testing.T) {
	w := newWorkspace(t, pgSpec("events", "created_at", ""), "-- +goose Up\nCREATE TABLE events (created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at);\n")
	first := tableFiles(w.generate("2026-11-26").Files)[0].Name
	must(t, os.Rename(filepath.Join(w.dir, "20260101000000_base.sql"), filepath.Join(w.dir, "20261201093000_create_events.sql")))
	se := generateErr(t, w, "2026-11-26")
	if got := filepath.Base(se.File) + ":" + strconv.Itoa(se.Line); got != "20261201093000_create_events.sql:2" {
		t.Errorf("at %s, want the parent's CREATE TABLE", got)
	}
	for _, want := range []string{"table events is created at version 20261201093000, after partgen's " + first, "goose up runs that file first"} {
		if !strings.Contains(se.Msg, want) {
			t.Errorf("message %q lacks %q", se.Msg, want)
		}
	}
	if want := "give 20261201093000_create_events.sql a version below 20261126000001 (rename the file), or, if partgen's file(s) were never applied, delete " + first + " and run partgen generate again"; !strings.HasPrefix(se.Fix, want) {
		t.Errorf("fix %q\nwant %q", se.Fix, want)
	}
	// Following the fix (delete and regenerate) gives a file after the parent.
	must(t, os.Remove(filepath.Join(w.dir, first)))
	p := w.generate("2026-11-26")
	if len(p.Files) != 1 || p.Files[0].Version <= 20261201093000 {
		t.Fatalf("regenerated %v, want one file after the parent", p.Files)
	}
	w.up(pgDatabase(t), goose.DialectPostgres)
}

// tablespace makes a tablespace for the test in a directory the postgres OS
// user owns (PostgreSQL refuses one inside its data directory), and returns
// its name. It is dropped after the test's database.
func tablespace(t *testing.T) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return tablespaceNamed(t, "slow_disk_"+hex.EncodeToString(b[:]))
}

// tablespaceNamed creates a tablespace in a directory of its own under
// /var/tmp (owned by the postgres user, as PostgreSQL requires), dropped
// when the test ends.
func tablespaceNamed(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "partgen-ts-")
	must(t, err)
	u, err := user.Lookup("postgres")
	must(t, err)
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	must(t, os.Chown(dir, uid, gid))
	admin, err := sql.Open("pgx", testdb.AdminURL())
	must(t, err)
	defer admin.Close()
	if _, err := admin.Exec("CREATE TABLESPACE " + name + " LOCATION '" + dir + "'"); err != nil {
		os.RemoveAll(dir)
		t.Fatalf("create tablespace: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", testdb.AdminURL())
		if err == nil {
			if _, err := admin.Exec("DROP TABLESPACE IF EXISTS " + name); err != nil {
				t.Errorf("drop tablespace %s: %v", name, err)
			}
			admin.Close()
		}
		os.RemoveAll(dir)
	})
	return name
}

func serverVersion(t *testing.T, db *sql.DB) int {
	var v int
	must(t, db.QueryRow("SELECT current_setting('server_version_num')::int").Scan(&v))
	return v
}

// relProps is what a partition inherits from its parent, as the catalog
// says: tablespace, persistence, replica identity, the parent index its
// replica identity index is attached to, and access method.
type relProps struct {
	Tablespace, Persistence, ReplicaIdentity, ReplicaIndexOf, AccessMethod string
}

func propsOf(t *testing.T, db *sql.DB, rel string) relProps {
	t.Helper()
	var p relProps
	must(t, db.QueryRow(`SELECT coalesce(ts.spcname::text, ''), c.relpersistence::text, c.relreplident::text,
		coalesce((SELECT pc.relname::text FROM pg_catalog.pg_index i
		          JOIN pg_catalog.pg_inherits h ON h.inhrelid = i.indexrelid
		          JOIN pg_catalog.pg_class pc ON pc.oid = h.inhparent
		          WHERE i.indrelid = c.oid AND i.indisreplident), ''),
		coalesce(am.amname::text, '')
		FROM pg_catalog.pg_class c
		LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
		LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
		WHERE c.oid = $1::regclass`, rel).Scan(&p.Tablespace, &p.Persistence, &p.ReplicaIdentity, &p.ReplicaIndexOf, &p.AccessMethod))
	return p
}

// For every property partgen copies, its new partitions (range and
// default) are compared with what `CREATE TABLE ... PARTITION OF` gives on
// the same parent. Where PostgreSQL refuses the property on a partitioned
// table (UNLOGGED on 18, USING before 17), the test checks the refusal:
// there is nothing to copy.
func TestNewPartitionsMatchTheParent(t *testing.T) {
	probe := pgDatabase(t)
	version := serverVersion(t, probe)
	probe.Close()
	type tc struct {
		name string
		ddl  string // after CREATE TABLE tracking (...) PARTITION BY RANGE (ts)
		more string // statements after it
		// refusedBefore/After: PostgreSQL refuses the DDL on a server
		// older than/at least this version.
		refusedBefore, refusedFrom int
		want                       relProps // partgen's partitions
		native                     relProps // PARTITION OF's; zero: same as want
	}
	ts := tablespace(t)
	cases := []tc{
		{name: "failure 4: tablespace", ddl: " TABLESPACE " + ts, more: "CREATE INDEX ON tracking (id) TABLESPACE " + ts + ";\nCREATE INDEX ON tracking (ts);\n",
			want: relProps{Tablespace: ts, Persistence: "p", ReplicaIdentity: "d"}},
		{name: "tablespace set by ALTER TABLE", more: "ALTER TABLE tracking SET TABLESPACE " + ts + ";\n",
			want: relProps{Tablespace: ts, Persistence: "p", ReplicaIdentity: "d"}},
		{name: "replica identity full", more: "ALTER TABLE tracking REPLICA IDENTITY FULL;\n",
			want:   relProps{Persistence: "p", ReplicaIdentity: "f"},
			native: relProps{Persistence: "p", ReplicaIdentity: "d"}},
		{name: "replica identity nothing", more: "ALTER TABLE tracking REPLICA IDENTITY NOTHING;\n",
			want:   relProps{Persistence: "p", ReplicaIdentity: "n"},
			native: relProps{Persistence: "p", ReplicaIdentity: "d"}},
		{name: "replica identity using index", more: "CREATE UNIQUE INDEX tracking_ident ON tracking (id, ts);\nCREATE INDEX ON tracking (id, ts);\nALTER TABLE tracking REPLICA IDENTITY USING INDEX tracking_ident;\n",
			want:   relProps{Persistence: "p", ReplicaIdentity: "i", ReplicaIndexOf: "tracking_ident"},
			native: relProps{Persistence: "p", ReplicaIdentity: "d"}},
		{name: "unlogged", ddl: "", more: "", refusedFrom: 180000,
			want:   relProps{Persistence: "u", ReplicaIdentity: "d"},
			native: relProps{Persistence: "p", ReplicaIdentity: "d"}},
		{name: "access method", ddl: " USING heap2", more: "", refusedBefore: 170000,
			want: relProps{Persistence: "p", ReplicaIdentity: "d", AccessMethod: "heap2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			create := "CREATE TABLE"
			if c.name == "unlogged" {
				create = "CREATE UNLOGGED TABLE"
			}
			base := "-- +goose Up\n"
			if c.name == "access method" {
				base += "CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;\n"
			}
			base += create + " tracking (\n    id bigint NOT NULL,\n    ts timestamptz NOT NULL\n) PARTITION BY RANGE (ts)" + c.ddl + ";\n" + c.more
			db := pgDatabase(t)
			refused := c.refusedFrom > 0 && version >= c.refusedFrom || c.refusedBefore > 0 && version < c.refusedBefore
			if refused {
				w := newWorkspace(t, pgSpec("tracking", "ts", ""), base)
				_, err := w.provider(db, goose.DialectPostgres).Up(context.Background())
				if err == nil {
					t.Fatalf("PostgreSQL %d accepted %s on a partitioned table", version, c.name)
				}
				t.Logf("PostgreSQL %d refuses it (%v): nothing to copy", version, err)
				return
			}
			w := newWorkspace(t, pgSpec("tracking", "ts", "    default_partition: true\n"), base)
			p := w.generate("2026-11-26")
			w.up(db, goose.DialectPostgres)
			_, err := db.Exec("CREATE TABLE tracking_native PARTITION OF tracking FOR VALUES FROM ('2030-01-01') TO ('2030-02-01')")
			must(t, err)
			native := propsOf(t, db, "tracking_native")
			want := c.want
			if want.AccessMethod == "" {
				want.AccessMethod = "heap" // a leaf table always has one
			}
			if c.native != (relProps{}) {
				c.native.AccessMethod = "heap"
			}
			if c.native != (relProps{}) {
				if native != c.native {
					t.Errorf("PARTITION OF gives %+v, want %+v", native, c.native)
				}
				t.Logf("partgen deliberately does more than PARTITION OF: %+v instead of %+v", want, native)
			} else if native != want {
				t.Errorf("PARTITION OF gives %+v, the test expects %+v", native, want)
			}
			for _, part := range []string{"tracking_p2026_11", "tracking_p2026_12", "tracking_default"} {
				if got := propsOf(t, db, part); got != want {
					t.Errorf("%s: %+v, want %+v", part, got, want)
				}
			}
			// Index tablespaces follow the parent's indexes as PARTITION OF's do.
			if n := testdb.Count(t, db, `SELECT count(*) FROM (
				SELECT i.reltablespace, count(*) FILTER (WHERE c.relname = 'tracking_p2026_11') AS partgen, count(*) FILTER (WHERE c.relname = 'tracking_native') AS native
				FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
				WHERE c.relname IN ('tracking_p2026_11', 'tracking_native') GROUP BY i.reltablespace) s WHERE partgen <> native`); n != 0 {
				t.Errorf("index tablespaces differ from PARTITION OF's")
			}
			// A reviewer sees each property in the file.
			body := string(tableFiles(p.Files)[0].Body)
			for _, want := range map[string][]string{
				"failure 4: tablespace":        {"EXCLUDING IDENTITY) TABLESPACE \"" + ts + "\";"},
				"replica identity full":        {"    ALTER TABLE \"tracking_p2026_11\" REPLICA IDENTITY FULL;\n    ALTER TABLE \"tracking_p2026_11\" ADD CONSTRAINT partgen_bounds"},
				"replica identity using index": {"ALTER TABLE \"tracking_p2026_11\" REPLICA IDENTITY USING INDEX \"tracking_p2026_11_id_ts_idx\";"},
				"unlogged":                     {"CREATE UNLOGGED TABLE \"tracking_p2026_11\" (LIKE"},
				"access method":                {"EXCLUDING IDENTITY) USING \"heap2\";"},
			}[c.name] {
				if !strings.Contains(body, want) {
					t.Errorf("the file lacks %q", want)
				}
			}
		})
	}
}

// A parent without any of the properties gets no new statement: the file
// differs from the one before issue 12 only in its check block.
func TestPlainParentGetsNoPropertyStatements(t *testing.T) {
	w := newWorkspace(t, pgSpec("tracking", "ts", ""), "-- +goose Up\nCREATE TABLE tracking (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n")
	body := string(w.plan("2026-11-26").Files[0].Body)
	for _, not := range []string{"REPLICA IDENTITY", "TABLESPACE", "UNLOGGED", " USING "} {
		if strings.Contains(body, not) {
			t.Errorf("the file holds %q", not)
		}
	}
}

// Failure 5: a published parent with REPLICA IDENTITY FULL and no key.
// PostgreSQL checks a publication's UPDATE and DELETE even at wal_level
// replica (no subscriber needed); PARTITION OF's partitions fail it,
// partgen's pass.
func TestLogicalReplicationOnPartgenPartitions(t *testing.T) {
	for _, c := range []struct{ name, identity string }{
		{"full", "ALTER TABLE audit_events REPLICA IDENTITY FULL;\n"},
		{"using index", "CREATE UNIQUE INDEX audit_events_ident ON audit_events (id, at);\nALTER TABLE audit_events REPLICA IDENTITY USING INDEX audit_events_ident;\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := "-- +goose Up\nCREATE TABLE audit_events (\n    id bigint NOT NULL,\n    at timestamptz NOT NULL,\n    body text\n) PARTITION BY RANGE (at);\n" +
				c.identity + "CREATE PUBLICATION warehouse_pub FOR TABLE audit_events;\n"
			w := newWorkspace(t, pgSpec("audit_events", "at", ""), base)
			w.generate("2026-11-26")
			db := pgDatabase(t)
			w.up(db, goose.DialectPostgres)
			var wal string
			must(t, db.QueryRow("SHOW wal_level").Scan(&wal))
			t.Logf("wal_level %s", wal)
			_, err := db.Exec("INSERT INTO audit_events VALUES (1, '2026-11-27 10:00:00+00', 'a'), (2, '2026-12-03 10:00:00+00', 'b')")
			must(t, err)
			_, err = db.Exec("UPDATE audit_events SET body = 'changed' WHERE id = 1")
			must(t, err)
			_, err = db.Exec("DELETE FROM audit_events WHERE id = 2")
			must(t, err)
			if n := testdb.Count(t, db, "SELECT count(*) FROM audit_events WHERE body = 'changed'"); n != 1 {
				t.Fatalf("%d rows changed", n)
			}
			// The counterfactual: a native partition of the same parent.
			_, err = db.Exec("CREATE TABLE audit_events_native PARTITION OF audit_events FOR VALUES FROM ('2030-01-01') TO ('2030-02-01')")
			must(t, err)
			_, err = db.Exec("INSERT INTO audit_events VALUES (3, '2030-01-02 00:00:00+00', 'c')")
			must(t, err)
			_, err = db.Exec("UPDATE audit_events SET body = 'x' WHERE id = 3")
			if err == nil || !strings.Contains(err.Error(), "does not have a replica identity and publishes updates") {
				t.Fatalf("UPDATE on a PARTITION OF partition: err = %v, want PostgreSQL's refusal", err)
			}
		})
	}
}

// The file copies what the folder says; when the live parent differs (a
// change outside the migrations), the check stops the file before any
// partition is made, naming both.
func TestApplyTimeCheckOfTheParentsProperties(t *testing.T) {
	w := newWorkspace(t, pgSpec("tracking", "ts", ""),
		"-- +goose Up\nCREATE TABLE tracking (id bigint NOT NULL, ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\nALTER TABLE tracking REPLICA IDENTITY FULL;\n")
	w.generate("2026-11-26")
	db := pgDatabase(t)
	p := w.provider(db, goose.DialectPostgres)
	_, err := p.UpTo(context.Background(), 20260101000000)
	must(t, err)
	_, err = db.Exec("ALTER TABLE tracking REPLICA IDENTITY DEFAULT")
	must(t, err)
	_, err = p.Up(context.Background())
	want := "partgen: this file gives new partitions of tracking the parent's properties as the folder's migrations leave them (tablespace default, logged, replica identity full, access method default), but the database has tablespace default, logged, replica identity default, access method default. Fix: make the migrations say what the table is"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant %q", err, want)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhparent = 'tracking'::regclass"); n != 0 {
		t.Fatalf("%d partitions attached", n)
	}
}
