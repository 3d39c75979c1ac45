package generator_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/internal/testdb"
)

// The adoption tests pin as-of dates far ahead (2096): the adoption's first
// file refuses a cutover that has passed by the database's clock, and a
// test must pass whatever day it runs. As of 2096-11-26 the default cutover
// is 2097-01-01.
const (
	adoptAsOf    = "2096-11-26"
	adoptCutover = "2097-01-01 00:00:00+00"
)

func adoptSpec(extra string) string {
	return "version: 1\ndialect: postgres\nmigrations: .\ntimezone: UTC\nlock_timeout: 10s\ntables:\n" +
		"  - name: orders\n    key: placed_at\n    interval: month\n    premake: 2\n    adopt: true\n" + extra
}

// adoptBase is the user's table: an identity column, a primary key that
// includes the key, two secondary indexes, a CHECK and a comment, and rows.
const adoptBase = `-- +goose Up
CREATE TABLE orders (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    placed_at timestamptz NOT NULL,
    customer  text NOT NULL,
    amount    numeric(12,2) NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (id, placed_at)
);
CREATE INDEX orders_customer_idx ON orders (customer, placed_at DESC);
CREATE INDEX orders_big_idx ON orders (amount) WHERE amount > 900;
COMMENT ON TABLE orders IS 'one row per order';
INSERT INTO orders (placed_at, customer, amount)
SELECT timestamptz '2095-01-01 00:00:00+00' + i * interval '17 minutes', 'c' || (i % 13), (i % 1000)
  FROM generate_series(1, 20000) i;
-- +goose Down
DROP TABLE orders;
`

// snapshot is what the application sees of orders through its own name.
type snapshot struct {
	count    int64
	checksum string
	queries  []string
}

// adoptQueries are queries of the application's; each returns one text.
var adoptQueries = []string{
	`SELECT count(*)::text FROM orders WHERE placed_at >= '2095-03-01' AND placed_at < '2095-04-01'`,
	`SELECT string_agg(id::text || ':' || amount::text, ',' ORDER BY id) FROM (SELECT * FROM orders WHERE customer = 'c3' AND id <= 20000 ORDER BY placed_at DESC LIMIT 25) x`,
	`SELECT string_agg(customer || '=' || total::text, ',' ORDER BY customer) FROM (SELECT customer, sum(amount) AS total FROM orders WHERE id <= 20000 GROUP BY 1) x`,
	`SELECT string_agg(id::text, ',' ORDER BY id) FROM orders WHERE amount > 990 AND id <= 20000`,
	`SELECT max(placed_at)::text FROM orders WHERE id <= 20000`,
}

func snap(t *testing.T, db *sql.DB, where string) snapshot {
	t.Helper()
	var s snapshot
	must(t, db.QueryRow(`SELECT count(*), md5(coalesce(string_agg(format('%s|%s|%s|%s', id, placed_at, customer, amount), ',' ORDER BY id, placed_at), ''))
		FROM orders WHERE `+where).Scan(&s.count, &s.checksum))
	for _, q := range adoptQueries {
		var out sql.NullString
		must(t, db.QueryRow(q).Scan(&out))
		s.queries = append(s.queries, out.String)
	}
	return s
}

// writer inserts orders below the cutover, as the application does until
// the swap, one at a time, until stopped; it keeps every id it got.
type writer struct {
	db      *sql.DB
	stop    chan struct{}
	done    sync.WaitGroup
	mu      sync.Mutex
	ids     map[int64]time.Time
	errs    []error
	slowest time.Duration
	n       atomic.Int64
}

func startWriter(db *sql.DB) *writer {
	w := &writer{db: db, stop: make(chan struct{}), ids: map[int64]time.Time{}}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		base := time.Date(2096, 12, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; ; i++ {
			select {
			case <-w.stop:
				return
			default:
			}
			at := base.Add(time.Duration(i) * time.Second)
			start := time.Now()
			var id int64
			err := db.QueryRow("INSERT INTO orders (placed_at, customer, amount) VALUES ($1, 'writer', 1) RETURNING id", at).Scan(&id)
			took := time.Since(start)
			w.mu.Lock()
			if err != nil {
				w.errs = append(w.errs, err)
			} else {
				w.ids[id] = at
			}
			if took > w.slowest {
				w.slowest = took
			}
			w.mu.Unlock()
			w.n.Add(1)
		}
	}()
	return w
}

func (w *writer) finish() {
	close(w.stop)
	w.done.Wait()
}

// Issue 18: an ordinary table with rows is adopted while a writer keeps
// inserting. Nothing is copied (the table's and its indexes' files are the
// same before and after), no insert fails, the application's queries on
// the table's name give the same answers, ids go on from the old sequence,
// rows land in the partition of their key, and each file's Down restores
// the state before it, rows written after the swap included.
func TestAdoptWhileAWriterInserts(t *testing.T) {
	w := newWorkspace(t, adoptSpec(""), adoptBase)
	db := pgDatabase(t)
	ctx := context.Background()
	p := w.provider(db, goose.DialectPostgres)
	_, err := p.UpTo(ctx, 20260101000000)
	must(t, err)
	before := snap(t, db, "true")
	files := relfilenodes(t, db, "orders")

	plan := w.generate(adoptAsOf)
	if n := fileNames(plan.Files); len(n) != 4 || !strings.HasSuffix(n[0], "_partgen_archive_log.sql") {
		t.Fatalf("want partgen_archive_log's file and the three adoption files, got %v", n)
	}
	wr := startWriter(db)
	for wr.n.Load() < 50 {
		time.Sleep(5 * time.Millisecond)
	}
	w.up(db, goose.DialectPostgres)
	for n := wr.n.Load(); wr.n.Load() < n+50; {
		time.Sleep(5 * time.Millisecond)
	}
	wr.finish()
	if len(wr.errs) > 0 {
		t.Fatalf("%d insert(s) failed during the adoption, the first: %v", len(wr.errs), wr.errs[0])
	}
	t.Logf("%d inserts during the adoption; the slowest took %v", len(wr.ids), wr.slowest)

	// Nothing copied, nothing rebuilt: the legacy partition is the table, its
	// indexes are the table's indexes, attached to the new table's.
	after := relfilenodes(t, db, "orders_legacy")
	for name, node := range files {
		legacy := strings.Replace(name, "orders", "orders_legacy", 1)
		if after[legacy] != node {
			t.Errorf("%s (file %d) is %s with file %d: rewritten", name, node, legacy, after[legacy])
		}
	}
	for _, ix := range []string{"orders_legacy_pkey", "orders_legacy_customer_idx", "orders_legacy_big_idx"} {
		if n := testdb.Count(t, db, "SELECT count(*) FROM pg_inherits WHERE inhrelid = $1::regclass", ix); n != 1 {
			t.Errorf("%s is not a partition of the new table's index", ix)
		}
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_index WHERE indrelid = 'orders_legacy'::regclass"); n != 3 {
		t.Errorf("orders_legacy has %d indexes, want its 3", n)
	}
	var bound, comment string
	must(t, db.QueryRow("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = 'orders_legacy'::regclass").Scan(&bound))
	cutover, _ := time.Parse("2006-01-02 15:04:05-07", adoptCutover)
	if upper, ok := dialect.ReadLegacyBound(bound, dialect.Timestamptz, time.UTC); !ok || !upper.Equal(cutover) {
		t.Errorf("orders_legacy is %s, want FROM (MINVALUE) TO (%s)", bound, adoptCutover)
	}
	must(t, db.QueryRow("SELECT obj_description('orders'::regclass, 'pg_class')").Scan(&comment))
	if comment != "one row per order" {
		t.Errorf("the partitioned orders' comment is %q", comment)
	}

	// The rows: the table's own unchanged, every writer's row there once.
	if got := snap(t, db, "id <= 20000"); got.count != before.count || got.checksum != before.checksum {
		t.Errorf("the table's rows changed: %d rows %s, before %d rows %s", got.count, got.checksum, before.count, before.checksum)
	}
	for i, q := range adoptQueries {
		if got := snap(t, db, "true").queries[i]; got != before.queries[i] {
			t.Errorf("%s\ngave %.80q before the adoption, %.80q after", q, before.queries[i], got)
		}
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM orders WHERE customer = 'writer'"); n != int64(len(wr.ids)) {
		t.Errorf("%d writer rows, %d inserts succeeded", n, len(wr.ids))
	}
	if n := testdb.Count(t, db, "SELECT count(*) - count(DISTINCT id) FROM orders"); n != 0 {
		t.Errorf("%d ids repeat", n)
	}

	// Ids go on from the old sequence, through the new table, on both sides
	// of the cutover; each row lands in its key's partition.
	var maxID int64
	must(t, db.QueryRow("SELECT max(id) FROM orders").Scan(&maxID))
	for _, tc := range []struct{ at, in string }{
		{"2096-12-31 23:59:59.999999+00", "orders_legacy"},
		{adoptCutover, "orders_p2097_01"},
		{"2097-01-31 23:59:59.999999+00", "orders_p2097_01"},
		{"1990-01-01 00:00:00+00", "orders_legacy"},
	} {
		var id int64
		var in string
		must(t, db.QueryRow("INSERT INTO orders (placed_at, customer, amount) VALUES ($1, 'after', 2) RETURNING id, tableoid::regclass::text", tc.at).Scan(&id, &in))
		if in != tc.in {
			t.Errorf("a row at %s went to %s, want %s", tc.at, in, tc.in)
		}
		if id <= maxID {
			t.Errorf("a row at %s got id %d, not after the highest id %d", tc.at, id, maxID)
		}
		maxID = id
	}
	var pgErr *pgconn.PgError
	if _, err := db.Exec("INSERT INTO orders (id, placed_at, customer, amount) VALUES (1, now(), 'x', 1)"); !errors.As(err, &pgErr) || pgErr.Code != "428C9" {
		t.Errorf("an explicit id was accepted (err %v): the identity is no longer ALWAYS", err)
	}

	// Down of the swap: the table is itself again, with every row, the rows
	// written to the new partitions moved back; ids go on.
	p = w.provider(db, goose.DialectPostgres)
	all := snap(t, db, "true")
	_, err = p.Down(ctx)
	must(t, err)
	if kind := relkind(t, db, "orders"); kind != "r" {
		t.Fatalf("after the swap's Down orders is of kind %s", kind)
	}
	if got := snap(t, db, "true"); got.count != all.count || got.checksum != all.checksum {
		t.Errorf("the swap's Down changed the rows: %d %s, before %d %s", got.count, got.checksum, all.count, all.checksum)
	}
	for _, ix := range []string{"orders_pkey", "orders_customer_idx", "orders_big_idx"} {
		if n := testdb.Count(t, db, "SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass($1) AND indrelid = 'orders'::regclass", ix); n != 1 {
			t.Errorf("after the swap's Down orders has no index %s", ix)
		}
	}
	var id int64
	must(t, db.QueryRow("INSERT INTO orders (placed_at, customer, amount) VALUES ('2096-12-02', 'down', 1) RETURNING id").Scan(&id))
	if id <= maxID {
		t.Errorf("after the swap's Down a row got id %d, not after %d", id, maxID)
	}
	// Rows at or after the cutover came back, so the CHECK had to go: the
	// swap refuses to run again and says why.
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_constraint WHERE conname = 'partgen_cutover'"); n != 0 {
		t.Errorf("the CHECK partgen_cutover survived rows at or after the cutover")
	}
	_, err = p.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "its CHECK partgen_cutover is missing") || !strings.Contains(err.Error(), "Nothing was changed") {
		t.Fatalf("the swap again without its CHECK: err = %v", err)
	}
	if kind := relkind(t, db, "orders"); kind != "r" {
		t.Fatalf("a refused swap left orders of kind %s", kind)
	}

	// Without rows past the cutover, every file goes down and up again.
	_, err = db.Exec("DELETE FROM orders WHERE placed_at >= $1", adoptCutover)
	must(t, err)
	for i := 0; i < 2; i++ {
		_, err = p.Down(ctx)
		must(t, err)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_constraint WHERE conname = 'partgen_cutover'"); n != 0 {
		t.Errorf("after every Down orders still has partgen_cutover")
	}
	kept := snap(t, db, "true")
	w.up(db, goose.DialectPostgres)
	if got := snap(t, db, "true"); got.count != kept.count || got.checksum != kept.checksum {
		t.Errorf("a second adoption changed the rows")
	}
	// Down one file at a time, checking the state each leaves.
	_, err = p.Down(ctx) // swap
	must(t, err)
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_constraint WHERE conname = 'partgen_cutover' AND convalidated"); n != 1 {
		t.Errorf("after the swap's Down (no rows past the cutover) the validated CHECK is gone")
	}
	_, err = p.Down(ctx) // validate
	must(t, err)
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_constraint WHERE conname = 'partgen_cutover' AND NOT convalidated"); n != 1 {
		t.Errorf("after the validate file's Down the CHECK is not NOT VALID")
	}
	_, err = p.Down(ctx) // check
	must(t, err)
	if got := snap(t, db, "true"); got.count != kept.count || got.checksum != kept.checksum {
		t.Errorf("the Downs changed the rows")
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype IN ('p', 'c', 'f', 'u')"); n != 2 {
		t.Errorf("after every Down orders has %d constraints, want its primary key and CHECK", n)
	}
}

func relkind(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var k string
	must(t, db.QueryRow("SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)", name).Scan(&k))
	return k
}

// relfilenodes maps orders and its indexes to their files on disk: a
// rewrite or rebuild gives a relation a new one.
func relfilenodes(t *testing.T, db *sql.DB, table string) map[string]int64 {
	t.Helper()
	rows, err := db.Query(`SELECT c.relname, c.relfilenode::bigint FROM pg_class c
		WHERE c.oid = $1::regclass OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = $1::regclass)`, table)
	must(t, err)
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var node int64
		must(t, rows.Scan(&name, &node))
		out[name] = node
	}
	must(t, rows.Err())
	return out
}

// A serial column (a sequence the table owns through a default) keeps its
// sequence: ids go on after the swap, the new table owns the sequence, and
// the swap's Down gives it back.
func TestAdoptKeepsASerialSequence(t *testing.T) {
	base := `-- +goose Up
CREATE TABLE orders (id bigserial, placed_at timestamptz NOT NULL, customer text NOT NULL, amount numeric(12,2) NOT NULL, PRIMARY KEY (id, placed_at));
INSERT INTO orders (placed_at, customer, amount) SELECT timestamptz '2096-01-01 00:00:00+00' + i * interval '1 hour', 'c', 1 FROM generate_series(1, 300) i;
-- +goose Down
DROP TABLE orders;
`
	w := newWorkspace(t, adoptSpec(""), base)
	db := pgDatabase(t)
	w.generate(adoptAsOf)
	w.up(db, goose.DialectPostgres)
	owner := func() string {
		t.Helper()
		var o string
		must(t, db.QueryRow(`SELECT d.refobjid::regclass::text FROM pg_depend d
			WHERE d.objid = pg_get_serial_sequence('orders', 'id')::regclass AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'`).Scan(&o))
		return o
	}
	if o := owner(); o != "orders" {
		t.Errorf("after the swap the sequence belongs to %s", o)
	}
	var id int64
	for _, at := range []string{"2096-12-01 00:00:00+00", adoptCutover} {
		must(t, db.QueryRow("INSERT INTO orders (placed_at, customer, amount) VALUES ($1, 'after', 1) RETURNING id", at).Scan(&id))
		if id <= 300 {
			t.Errorf("a row at %s got id %d, which the table had given before", at, id)
		}
	}
	_, err := db.Exec("DELETE FROM orders WHERE placed_at >= $1", adoptCutover)
	must(t, err)
	_, err = w.provider(db, goose.DialectPostgres).Down(context.Background())
	must(t, err)
	if relkind(t, db, "orders") != "r" || owner() != "orders" {
		t.Errorf("after the swap's Down orders is of kind %s and the sequence belongs to %s", relkind(t, db, "orders"), owner())
	}
	must(t, db.QueryRow("INSERT INTO orders (placed_at, customer, amount) VALUES ('2096-12-02', 'down', 1) RETURNING id").Scan(&id))
	if id <= 302 {
		t.Errorf("after the swap's Down a row got id %d", id)
	}
}
