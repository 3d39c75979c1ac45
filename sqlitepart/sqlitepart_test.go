package sqlitepart_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/sqlitepart"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// dump reads every row of a query as text, in order.
func dump(t *testing.T, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) (string, error) {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		fmt.Fprintln(&b, vals...)
	}
	return b.String(), rows.Err()
}

// Every statement of the rewrite test, run on a real database: on the
// partitions it reads what it reads through the views (the rows all lie in
// October), and it writes what it writes through them.
func TestRewrittenStatementsRunOnPartitions(t *testing.T) {
	db, _ := testDB(t, "2026-10-15")
	ctx := context.Background()
	for _, q := range []string{
		"INSERT INTO users (id, name) VALUES (1, 'ann'), (2, 'bob'), (3, 'logins')",
		"INSERT INTO logins (id, ts, note) VALUES (1, '2026-10-01 00:00:00+00:00', 'logins'), (2, '2026-10-02 10:00:00.5+00:00', 'x'), (4, '2026-10-31 23:59:59.999+00:00', 'FROM logins')",
		"INSERT INTO sessions (id, login_id, started_at) VALUES (1, 1, '2026-10-01 00:01:00+00:00'), (2, 2, '2026-10-03 00:00:00+00:00')",
	} {
		_, err := db.Exec(q)
		must(t, err)
	}
	parts := sqlitepart.New(db)
	defer parts.Close()
	lp, err := parts.Partition(ctx, "logins", at("2026-10-10T00:00:00Z"))
	must(t, err)
	sp, err := parts.Partition(ctx, "sessions", at("2026-10-10T00:00:00Z"))
	must(t, err)
	if lp.Name != "logins_p2026_10" || sp.Name != "sessions_p2026_10" {
		t.Fatalf("partitions %v, %v", lp, sp)
	}
	on := parts.On(lp, sp)
	after := "SELECT id, ts, note FROM logins ORDER BY id, ts"
	for _, c := range sqlitepart.RewriteCases() {
		t.Run(c.Name, func(t *testing.T) {
			args := make([]any, strings.Count(c.Query, "?"))
			for i := range args {
				args[i] = []any{int64(9), "2026-10-05 00:00:00+00:00", "new"}[i%3]
			}
			if strings.Contains(c.Query, "ts >= ?") || strings.Contains(c.Query, "started_at >= ?") {
				args[0] = "2026-10-01 00:00:00+00:00"
			}
			if strings.HasPrefix(c.Query, "UPDATE logins SET note = ? WHERE") {
				args = []any{"new", int64(1), "2026-10-01 00:00:00+00:00"}
			}
			if strings.Contains(c.Query, "SELECT id, ?, name") {
				args = []any{"2026-10-05 00:00:00+00:00"}
			}
			if strings.HasPrefix(c.Query, "DELETE") {
				args = []any{int64(1)}
			}
			query := strings.TrimSpace(c.Query[strings.Index(c.Query, "\n")+1:])
			if !strings.HasPrefix(c.Query, "-- ") {
				query = c.Query
			}
			if strings.HasPrefix(query, "SELECT") || strings.HasPrefix(query, "WITH") {
				query = strings.Replace(query, "/*SLICE:notes*/?", "?", 1)
				want, err := dump(t, db, query, args...)
				must(t, err)
				got, err := dump(t, on, query, args...)
				if err != nil {
					t.Fatalf("on the partitions: %v", err)
				}
				if got != want {
					t.Errorf("on the partitions:\n%s\nthrough the views:\n%s", got, want)
				}
				return
			}
			// A write: the same change through the view, when SQLite takes
			// the statement on a view (an upsert it does not), and on the
			// partition, each in a transaction rolled back.
			var viaView string
			tx, err := db.BeginTx(ctx, nil)
			must(t, err)
			if _, err := tx.ExecContext(ctx, query, args...); err == nil {
				viaView, err = dump(t, tx, after)
				must(t, err)
			} else if !strings.Contains(c.Name, "upsert") {
				t.Errorf("through the view: %v", err)
			}
			must(t, tx.Rollback())
			tx, err = db.BeginTx(ctx, nil)
			must(t, err)
			defer tx.Rollback()
			ptx, err := parts.InTx(ctx, tx)
			must(t, err)
			if _, err := ptx.On(lp, sp).ExecContext(ctx, query, args...); err != nil {
				t.Fatalf("on the partition: %v", err)
			}
			got, err := dump(t, tx, after)
			must(t, err)
			if viaView != "" && got != viaView {
				t.Errorf("on the partition:\n%s\nthrough the view:\n%s", got, viaView)
			}
		})
	}
}

func TestPartitionLookups(t *testing.T) {
	db, _ := testDB(t, "2026-10-15")
	ctx := context.Background()
	parts := sqlitepart.New(db)
	defer parts.Close()

	ps, err := parts.Partitions(ctx, "logins")
	must(t, err)
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "logins_p2026_09 logins_p2026_10 logins_p2026_11 logins_p2026_12" {
		t.Errorf("partitions of logins: %s", got)
	}
	if !ps[1].Lower.Equal(at("2026-10-01T00:00:00Z")) || !ps[1].Upper.Equal(at("2026-11-01T00:00:00Z")) || ps[1].Table != "logins" {
		t.Errorf("logins_p2026_10 = %+v", ps[1])
	}

	// Edges: the lower bound belongs to a partition, the upper to the next;
	// the key's zone does not matter.
	for key, want := range map[string]string{
		"2026-10-01T00:00:00Z":      "logins_p2026_10",
		"2026-10-31T23:59:59Z":      "logins_p2026_10",
		"2026-11-01T00:00:00Z":      "logins_p2026_11",
		"2026-10-31T20:00:00-04:00": "logins_p2026_11",
	} {
		p, err := parts.Partition(ctx, "logins", at(key))
		if err != nil || p.Name != want {
			t.Errorf("Partition(logins, %s) = %v, %v; want %s", key, p.Name, err, want)
		}
	}
	_, err = parts.Partition(ctx, "logins", at("2027-01-01T00:00:00Z"))
	var ke *sqlitepart.KeyError
	if !errors.Is(err, sqlitepart.ErrNoPartition) || !errors.As(err, &ke) || ke.Table != "logins" ||
		!strings.Contains(err.Error(), "they cover [2026-09-01 00:00:00+00:00, 2027-01-01 00:00:00+00:00)") {
		t.Errorf("a key past the runway: %v", err)
	}
	// sessions has a default partition: it takes what no range does.
	p, err := parts.Partition(ctx, "sessions", at("2030-01-01T00:00:00Z"))
	if err != nil || !p.Default || p.Name != "sessions_default" {
		t.Errorf("a key past the runway of sessions: %+v, %v", p, err)
	}
	for _, table := range []string{"users", "no_such_table"} {
		if _, err := parts.Partition(ctx, table, at("2026-10-01T00:00:00Z")); !errors.Is(err, sqlitepart.ErrNotPartitioned) {
			t.Errorf("Partition(%s): %v, want ErrNotPartitioned", table, err)
		}
	}

	// Overlapping: half-open ranges, then the default partition.
	for _, c := range []struct{ from, to, want string }{
		{"2026-10-05T00:00:00Z", "2026-10-06T00:00:00Z", "logins_p2026_10"},
		{"2026-10-05T00:00:00Z", "2026-11-01T00:00:00Z", "logins_p2026_10"},
		{"2026-10-05T00:00:00Z", "2026-11-01T00:00:01Z", "logins_p2026_10 logins_p2026_11"},
		{"2026-08-01T00:00:00Z", "2026-09-01T00:00:00Z", ""},
		{"2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "logins_p2026_09 logins_p2026_10 logins_p2026_11 logins_p2026_12"},
	} {
		ps, err := parts.Overlapping(ctx, "logins", at(c.from), at(c.to))
		must(t, err)
		var got []string
		for _, p := range ps {
			got = append(got, p.Name)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("Overlapping(%s, %s) = %v, want %s", c.from, c.to, got, c.want)
		}
	}
	ps, err = parts.Overlapping(ctx, "sessions", at("2026-10-05T00:00:00Z"), at("2026-10-06T00:00:00Z"))
	must(t, err)
	if len(ps) != 2 || ps[0].Name != "sessions_p2026_10" || !ps[1].Default {
		t.Errorf("Overlapping(sessions) = %v, want the October partition and the default", ps)
	}
}

// A time.Time in another zone is written as partgen's canonical UTC text,
// which the partition's CHECK requires; a key outside the partition's range
// is refused by that CHECK, so no row lands in the wrong table.
func TestWritesGoToTheRightPartition(t *testing.T) {
	db, _ := testDB(t, "2026-10-15")
	ctx := context.Background()
	parts := sqlitepart.New(db)
	defer parts.Close()
	ny, err := time.LoadLocation("America/New_York")
	must(t, err)
	key := time.Date(2026, 10, 31, 21, 30, 0, 0, ny) // 2026-11-01 01:30 UTC
	p, err := parts.Partition(ctx, "logins", key)
	must(t, err)
	if p.Name != "logins_p2026_11" {
		t.Fatalf("partition of %v: %s", key, p.Name)
	}
	_, err = parts.On(p).ExecContext(ctx, "INSERT INTO logins (id, ts, note) VALUES (?, ?, ?)", 1, key, "ny")
	must(t, err)
	var ts string
	must(t, db.QueryRow("SELECT ts FROM logins_p2026_11 WHERE id = 1").Scan(&ts))
	if ts != "2026-11-01 01:30:00+00:00" {
		t.Errorf("stored key %q", ts)
	}
	wrong, err := parts.Partition(ctx, "logins", at("2026-10-01T00:00:00Z"))
	must(t, err)
	_, err = parts.On(wrong).ExecContext(ctx, "INSERT INTO logins (id, ts, note) VALUES (?, ?, ?)", 2, key, "wrong")
	if err == nil || !strings.Contains(err.Error(), "CHECK constraint failed") {
		t.Errorf("a key written to the wrong partition: %v", err)
	}
}

// The package reads the partitions again when a migration changes them:
// new partitions are found, retired ones are gone, and a statement routed
// to a retired partition says ErrSchemaChanged.
func TestReloadsWhenTheSchemaChanges(t *testing.T) {
	f := newFolder(t, strings.Replace(testSpec, "    premake: 2\n    start: 2026-09-01\n  - name: sessions",
		"    premake: 2\n    start: 2026-09-01\n    retention: {keep: 2, action: drop}\n  - name: sessions", 1), testBase)
	f.generate("2026-10-15")
	db, _ := openFile(t)
	f.up(db)
	ctx := context.Background()
	parts := sqlitepart.New(db)
	defer parts.Close()
	old, err := parts.Partition(ctx, "logins", at("2026-09-10T00:00:00Z"))
	must(t, err)
	on := parts.On(old)
	var n int
	must(t, on.QueryRowContext(ctx, "SELECT count(*) FROM logins").Scan(&n))

	f.generate("2026-12-15") // September leaves, January and February arrive
	f.up(db)
	if _, err := parts.Partition(ctx, "logins", at("2026-09-10T00:00:00Z")); !errors.Is(err, sqlitepart.ErrNoPartition) {
		t.Errorf("September after its retirement: %v", err)
	}
	p, err := parts.Partition(ctx, "logins", at("2027-02-10T00:00:00Z"))
	if err != nil || p.Name != "logins_p2027_02" {
		t.Errorf("February: %v, %v", p, err)
	}
	_, err = on.QueryContext(ctx, "SELECT count(*) FROM logins")
	if !errors.Is(err, sqlitepart.ErrSchemaChanged) {
		t.Errorf("a statement on a retired partition: %v, want ErrSchemaChanged", err)
	}
	// A :one query: the error comes from Scan, unwrapped.
	err = on.QueryRowContext(ctx, "SELECT count(*) FROM logins").Scan(&n)
	if err == nil || !sqlitepart.IsSchemaChanged(err) {
		t.Errorf("a row from a retired partition: %v, want IsSchemaChanged", err)
	}
	if sqlitepart.IsSchemaChanged(errors.New("CHECK constraint failed")) {
		t.Error("IsSchemaChanged takes any error")
	}
}

// The runtime package links no goose, no YAML parser and none of partgen's
// templates or generator.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/partgen/partgen/sqlitepart").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{"github.com/pressly/goose", "yaml", "github.com/partgen/partgen/generator", "github.com/partgen/partgen/spec", "github.com/partgen/partgen/folder", "text/template", "html/template"} {
			if strings.Contains(dep, bad) {
				t.Errorf("sqlitepart depends on %s", dep)
			}
		}
	}
}

// With the single connection some programs give SQLite, a lookup on the
// database waits for a transaction that holds the connection, and the
// transaction's own lookups (after a migration changed the schema) never
// wait for it.
func TestSingleConnection(t *testing.T) {
	db, f := testDB(t, "2026-10-15")
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	parts := sqlitepart.New(db)
	defer parts.Close()
	_, err := parts.Partitions(ctx, "logins")
	must(t, err)
	f.generate("2026-12-15") // new partitions: the snapshot is stale
	f.up(db)

	tx, err := db.BeginTx(ctx, nil)
	must(t, err)
	done := make(chan error, 1)
	go func() { // waits for the connection
		_, err := parts.Partition(ctx, "logins", at("2027-02-10T00:00:00Z"))
		done <- err
	}()
	ptx, err := parts.InTx(ctx, tx)
	must(t, err)
	p, err := ptx.Partition("logins", at("2027-02-10T00:00:00Z"))
	must(t, err)
	_, err = ptx.On(p).ExecContext(ctx, "INSERT INTO logins (id, ts) VALUES (1, ?)", at("2027-02-10T00:00:00Z"))
	must(t, err)
	must(t, tx.Commit())
	must(t, <-done)
}

// README: SQLite counts no changes for a statement on a view (its INSTEAD
// OF triggers do the work), so RowsAffected through the view is 0; the same
// statement through the package runs on the partition and reports its rows.
func TestRowsAffected(t *testing.T) {
	db, _ := testDB(t, "2026-10-15")
	ctx := context.Background()
	parts := sqlitepart.New(db)
	defer parts.Close()
	_, err := db.Exec("INSERT INTO logins (id, ts, note) VALUES (1, '2026-10-02 00:00:00+00:00', 'a'), (2, '2026-10-03 00:00:00+00:00', 'a')")
	must(t, err)
	const q = "UPDATE logins SET note = ? WHERE note = 'a'"
	res, err := db.ExecContext(ctx, q, "b")
	must(t, err)
	if n, err := res.RowsAffected(); err != nil || n != 0 {
		t.Errorf("through the view: %d rows affected (%v), SQLite counts 0", n, err)
	}
	p, err := parts.Partition(ctx, "logins", at("2026-10-02T00:00:00Z"))
	must(t, err)
	res, err = parts.On(p).ExecContext(ctx, "UPDATE logins SET note = ? WHERE note = 'b'", "c")
	must(t, err)
	if n, err := res.RowsAffected(); err != nil || n != 2 {
		t.Errorf("through sqlitepart: %d rows affected (%v), want 2", n, err)
	}
}
