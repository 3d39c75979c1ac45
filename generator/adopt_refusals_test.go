package generator_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/internal/testdb"
)

// adoptSmall is adoptBase with fewer rows, for the refusal tests.
var adoptSmall = strings.Replace(adoptBase, "generate_series(1, 20000)", "generate_series(1, 200)", 1)

// What the folder shows that an adoption cannot carry stops generate, with
// the object's name, where the folder makes it, and the fix.
func TestAdoptRefusedAtGenerate(t *testing.T) {
	table := "CREATE TABLE orders (id bigint, placed_at timestamptz NOT NULL, customer text, PRIMARY KEY (id, placed_at));\n"
	for _, tc := range []struct {
		name, spec, base string
		msg, fix         string
	}{
		{"primary key without the key", adoptSpec(""), "CREATE TABLE orders (id bigint PRIMARY KEY, placed_at timestamptz NOT NULL);\n",
			"its primary key orders_pkey (id) does not include the partition key placed_at", "CREATE UNIQUE INDEX CONCURRENTLY orders_placed_at_key ON orders (id, placed_at)"},
		{"unique constraint without the key", adoptSpec(""), table + "ALTER TABLE orders ADD CONSTRAINT one_per_customer UNIQUE (customer);\n",
			"its unique constraint one_per_customer (customer) does not include the partition key", "CREATE UNIQUE INDEX CONCURRENTLY one_per_customer_placed_at_key ON orders (customer, placed_at)"},
		{"unique index without the key", adoptSpec(""), table + "CREATE UNIQUE INDEX orders_customer_uq ON orders (customer);\n",
			"its unique index orders_customer_uq (customer) does not include the partition key", "drop orders_customer_uq"},
		{"exclusion constraint", adoptSpec(""), table + "ALTER TABLE orders ADD CONSTRAINT no_overlap EXCLUDE USING btree (customer WITH =);\n",
			"the EXCLUDE constraint no_overlap cannot be carried", "drop the constraint no_overlap"},
		{"foreign key from the table", adoptSpec(""), "CREATE TABLE customers (name text PRIMARY KEY);\n" + strings.Replace(table, "customer text", "customer text REFERENCES customers", 1),
			"its foreign key orders_customer_fkey (customer) is not carried", "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT"},
		{"foreign key to the table", adoptSpec(""), table + "CREATE TABLE lines (order_id bigint, placed_at timestamptz, CONSTRAINT lines_order FOREIGN KEY (order_id, placed_at) REFERENCES orders);\n",
			"the foreign key lines_order of public.lines", "drop those foreign keys"},
		{"a view, a dropped one ignored", adoptSpec(""), table + "CREATE VIEW big AS SELECT * FROM orders WHERE id > 10;\nCREATE VIEW gone AS SELECT 1 FROM orders;\nDROP VIEW gone;\n",
			"the view public.big (20260101000000_base.sql:3:1) would not follow it", "drop the views"},
		{"a materialized view", adoptSpec(""), table + "CREATE MATERIALIZED VIEW n AS SELECT count(*) FROM orders;\n",
			"the materialized view public.n", "drop the materialized views"},
		{"a trigger", adoptSpec(""), table + "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER audit AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f();\n",
			"the trigger audit", "create them on the partitioned table after the swap file"},
		{"a rule", adoptSpec(""), table + "CREATE RULE keep AS ON DELETE TO orders DO INSTEAD NOTHING;\n",
			"the rule keep", "drop the rules"},
		{"row level security", adoptSpec(""), table + "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;\n",
			"row level security enabled (20260101000000_base.sql:3:1)", "disable row level security"},
		{"a policy", adoptSpec(""), table + "CREATE POLICY mine ON orders USING (customer = current_user);\n",
			"the policy mine", "drop the policies"},
		{"an inheritance child", adoptSpec(""), table + "CREATE TABLE old_orders () INHERITS (orders);\n",
			"the inheritance child public.old_orders", "NO INHERIT"},
		{"a publication without the partition root", adoptSpec(""), table + "CREATE PUBLICATION feed FOR TABLE orders;\n",
			"the publication feed", "publish_via_partition_root = true"},
		{"a publication with a column list", adoptSpec(""), table + "CREATE PUBLICATION feed FOR TABLE orders (id, placed_at) WITH (publish_via_partition_root = true);\n",
			"the publication feed", "no column list or row filter"},
		{"unlogged", adoptSpec(""), strings.Replace(table, "CREATE TABLE", "CREATE UNLOGGED TABLE", 1),
			"it is UNLOGGED", "SET LOGGED"},
		{"a DO block", adoptSpec(""), table + "DO $$ BEGIN EXECUTE 'ALTER TABLE orders ADD COLUMN x int'; END $$;\n",
			"the folder does not show what it is", "partgen does not look into DO blocks"},
		{"not in the folder but perhaps made by a DO block", adoptSpec(""), "DO $$ BEGIN EXECUTE 'CREATE TABLE orders (placed_at timestamptz)'; END $$;\n",
			"the folder does not create it, but a DO block", "plain SQL"},
		{"partitioned already", adoptSpec(""), "CREATE TABLE orders (placed_at timestamptz NOT NULL) PARTITION BY RANGE (placed_at);\n",
			"table orders is partitioned already", "remove `adopt: true`"},
		{"no key column", adoptSpec(""), "CREATE TABLE orders (id bigint, ts timestamptz);\n",
			"table orders (20260101000000_base.sql:2:1) has no column placed_at", "write `key: ts`, the table's only date or time column"},
		{"no key column, two candidates", adoptSpec(""), "CREATE TABLE orders (id bigint, placed timestamptz, shipped date);\n",
			"has no column placed_at", "one of the table's date and time columns: `key: placed`, `key: shipped`"},
		{"no key column, no candidate", adoptSpec(""), "CREATE TABLE orders (id bigint, note text);\n",
			"has no column placed_at", "the folder shows none"},
		{"a key of another type", adoptSpec(""), "CREATE TABLE orders (id bigint, placed_at date);\n",
			"the key placed_at of orders is date", "set `key_type: date`"},
		{"a cutover that is not ahead", adoptSpec("    cutover: 2096-11-01\n"), table,
			"cutover 2096-11-01 is not after the start of the current month (2096-11)", "set `cutover:` to 2096-12-01 or later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorkspace(t, tc.spec, "-- +goose Up\n"+tc.base)
			se := generateErr(t, w, adoptAsOf)
			if !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("message %q\nwant it to contain %q", se.Msg, tc.msg)
			}
			if !strings.Contains(se.Fix, tc.fix) {
				t.Errorf("fix %q\nwant it to contain %q", se.Fix, tc.fix)
			}
		})
	}
}

// A publication that publishes via the partition root is carried: the
// swap lists the partitioned table in it instead of the old one.
func TestAdoptCarriesAPublicationViaTheRoot(t *testing.T) {
	w := newWorkspace(t, adoptSpec(""), strings.Replace(adoptSmall, "-- +goose Down", "CREATE PUBLICATION feed FOR TABLE orders WITH (publish_via_partition_root = true);\n-- +goose Down\nDROP PUBLICATION feed;", 1))
	db := pgDatabase(t)
	w.generate(adoptAsOf)
	w.up(db, goose.DialectPostgres)
	var tables string
	must(t, db.QueryRow("SELECT string_agg(prrelid::regclass::text, ',' ORDER BY 1) FROM pg_publication_rel").Scan(&tables))
	if tables != "orders" {
		t.Errorf("the publication lists %s, want the partitioned orders", tables)
	}
	p := w.provider(db, goose.DialectPostgres)
	_, err := p.Down(context.Background())
	must(t, err)
	must(t, db.QueryRow("SELECT string_agg(prrelid::regclass::text, ',' ORDER BY 1) FROM pg_publication_rel").Scan(&tables))
	if tables != "orders" || relkind(t, db, "orders") != "r" {
		t.Errorf("after the swap's Down the publication lists %s (kind %s), want the ordinary orders", tables, relkind(t, db, "orders"))
	}
}

// What the database has that the folder does not show (made outside the
// migrations) stops the first file before it changes anything, naming the
// object and the fix; so does the swap, for what appeared after the first
// two files.
func TestAdoptRefusedAtApply(t *testing.T) {
	for _, tc := range []struct {
		name, live, msg string
	}{
		{"a view", "CREATE VIEW recent AS SELECT * FROM orders", "view(s) recent read it"},
		{"a materialized view", "CREATE MATERIALIZED VIEW totals AS SELECT sum(amount) FROM orders", "view(s) totals (materialized) read it"},
		{"a foreign key to it", "CREATE TABLE lines (order_id bigint, placed_at timestamptz, FOREIGN KEY (order_id, placed_at) REFERENCES orders)", "foreign key(s) lines.lines_order_id_placed_at_fkey reference it"},
		{"a foreign key from it", "CREATE TABLE customers (name text PRIMARY KEY) ;; ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer) REFERENCES customers NOT VALID", "constraint(s) orders_customer_fk are not carried"},
		{"a rule", "CREATE RULE no_delete AS ON DELETE TO orders DO INSTEAD NOTHING", "rule(s) no_delete are on it"},
		{"a trigger", "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$ ;; CREATE TRIGGER stamp BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f()", "trigger(s) stamp are on it"},
		{"row level security", "ALTER TABLE orders ENABLE ROW LEVEL SECURITY ;; CREATE POLICY everyone ON orders USING (true)", "row level security is enabled with the policies everyone"},
		{"an inheritance child", "CREATE TABLE kid () INHERITS (orders)", "table(s) kid inherit from it"},
		{"a publication", "CREATE PUBLICATION feed FOR TABLE orders", "publication(s) feed list it without publish_via_partition_root"},
		{"an index the folder does not show", "CREATE INDEX orders_extra ON orders (amount)", "its indexes are orders_big_idx,orders_customer_idx,orders_extra,orders_pkey, but the folder's migrations give it orders_big_idx,orders_customer_idx,orders_pkey"},
		{"a unique index without the key", "CREATE UNIQUE INDEX orders_id_uq ON orders (id)", "unique index(es) orders_id_uq do not include the key placed_at"},
		{"an invalid index", "CREATE UNIQUE INDEX CONCURRENTLY orders_customer_uq ON orders (customer)", "index(es) orders_customer_uq are invalid"},
		{"a NOT VALID check", "ALTER TABLE orders ADD CONSTRAINT small CHECK (amount < 1e9) NOT VALID", "CHECK constraint(s) small are NOT VALID or NO INHERIT"},
		{"a column of another type", "ALTER TABLE orders ALTER COLUMN customer TYPE varchar(40)", "customer character varying(40) not null"},
		{"a column with a collation", `ALTER TABLE orders ALTER COLUMN customer TYPE text COLLATE "C"`, `customer text not null collate C`},
		{"an unlogged table", "ALTER TABLE orders SET UNLOGGED", "it is UNLOGGED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t, adoptSpec(""), adoptSmall)
			db := pgDatabase(t)
			ctx := context.Background()
			_, err := w.provider(db, goose.DialectPostgres).UpTo(ctx, 20260101000000)
			must(t, err)
			for _, stmt := range strings.Split(tc.live, " ;; ") {
				if _, err := db.Exec(stmt); err != nil && !strings.Contains(tc.name, "invalid") {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			w.generate(adoptAsOf)
			_, err = w.provider(db, goose.DialectPostgres).Up(ctx)
			if err == nil || !strings.Contains(err.Error(), "partgen: cannot adopt orders") || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "Nothing was changed") {
				t.Fatalf("goose up: %v\nwant the refusal %q", err, tc.msg)
			}
			unchanged(t, db)
		})
	}
}

// unchanged: orders is still the ordinary table, without the adoption's CHECK.
func unchanged(t *testing.T, db *sql.DB) {
	t.Helper()
	if k := relkind(t, db, "orders"); k != "r" {
		t.Errorf("a refused adoption left orders of kind %s", k)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_constraint WHERE conname = 'partgen_cutover'"); n != 0 {
		t.Errorf("a refused adoption left the CHECK partgen_cutover")
	}
}

// Between the first two files and the swap, a view appears: the swap
// refuses under its lock, and the table stays the ordinary table with its
// validated CHECK.
func TestAdoptSwapRefusesWhatAppearedSince(t *testing.T) {
	w := newWorkspace(t, adoptSpec(""), adoptSmall)
	db := pgDatabase(t)
	ctx := context.Background()
	plan := w.generate(adoptAsOf)
	_, err := w.provider(db, goose.DialectPostgres).UpTo(ctx, plan.Files[1].Version)
	must(t, err)
	_, err = db.Exec("CREATE VIEW recent AS SELECT * FROM orders")
	must(t, err)
	_, err = w.provider(db, goose.DialectPostgres).Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "view(s) recent read it") {
		t.Fatalf("the swap with a view on the table: %v", err)
	}
	if relkind(t, db, "orders") != "r" || testdb.Count(t, db, "SELECT count(*) FROM pg_constraint WHERE conname = 'partgen_cutover' AND convalidated") != 1 {
		t.Errorf("a refused swap changed the table")
	}
}

// Rows the legacy partition cannot hold (at or after the cutover) stop the
// validate file with the query that finds them; the table keeps accepting
// rows below the cutover, and the first file's Down lifts the CHECK.
func TestAdoptValidateNamesTheRowsPastTheCutover(t *testing.T) {
	w := newWorkspace(t, adoptSpec(""), adoptSmall)
	db := pgDatabase(t)
	ctx := context.Background()
	_, err := w.provider(db, goose.DialectPostgres).UpTo(ctx, 20260101000000)
	must(t, err)
	_, err = db.Exec("INSERT INTO orders (placed_at, customer, amount) VALUES ('2097-06-01', 'early', 1)")
	must(t, err)
	w.generate(adoptAsOf)
	p := w.provider(db, goose.DialectPostgres)
	_, err = p.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "holds rows with a NULL placed_at or one at or after the cutover 2097-01-01 00:00:00+00") ||
		!strings.Contains(err.Error(), "SELECT * FROM orders WHERE placed_at IS NULL OR placed_at >= '2097-01-01 00:00:00+00'") {
		t.Fatalf("validate with a row past the cutover: %v", err)
	}
	if _, err := db.Exec("INSERT INTO orders (placed_at, customer, amount) VALUES ('2096-12-01', 'ok', 1)"); err != nil {
		t.Errorf("a row below the cutover was refused while the CHECK is NOT VALID: %v", err)
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_constraint WHERE conname = 'partgen_cutover' AND NOT convalidated"); n != 1 {
		t.Fatalf("after the failed validation the CHECK is not there, NOT VALID (%d)", n)
	}
	if _, err := db.Exec("INSERT INTO orders (placed_at, customer, amount) VALUES ('2097-01-01 00:00:00+00', 'late', 1)"); err == nil {
		t.Errorf("a row at the cutover was accepted before the swap")
	}
	_, err = p.Down(ctx)
	must(t, err)
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_constraint WHERE conname = 'partgen_cutover'"); n != 0 {
		t.Errorf("the first file's Down left the CHECK")
	}
}

// A cutover that has passed by the database's clock stops the first file:
// the application writes rows past it now.
func TestAdoptRefusesACutoverThatHasPassed(t *testing.T) {
	w := newWorkspace(t, adoptSpec(""), adoptSmall)
	db := pgDatabase(t)
	w.generate("2020-01-15")
	_, err := w.provider(db, goose.DialectPostgres).Up(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the cutover 2020-03-01 00:00:00+00 has passed") {
		t.Fatalf("a cutover in 2020: %v", err)
	}
	unchanged(t, db)
}

// A long transaction on the table: the lock-taking files try in short
// attempts until lock_timeout, then stop with what to do, having changed
// nothing.
func TestAdoptGivesUpOnALockItCannotGet(t *testing.T) {
	w := newWorkspace(t, strings.Replace(adoptSpec(""), "lock_timeout: 10s", "lock_timeout: 300ms", 1), adoptSmall)
	db := pgDatabase(t)
	ctx := context.Background()
	_, err := w.provider(db, goose.DialectPostgres).UpTo(ctx, 20260101000000)
	must(t, err)
	w.generate(adoptAsOf)
	tx, err := db.BeginTx(ctx, nil)
	must(t, err)
	defer tx.Rollback()
	_, err = tx.Exec("SELECT count(*) FROM orders")
	must(t, err)
	_, err = w.provider(db, goose.DialectPostgres).Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "could not lock orders (ACCESS EXCLUSIVE) within lock_timeout 300ms") {
		t.Fatalf("goose up with a reader holding the table: %v", err)
	}
	must(t, tx.Rollback())
	unchanged(t, db)
	w.up(db, goose.DialectPostgres) // the reader gone, it goes through
	if relkind(t, db, "orders") != "p" {
		t.Errorf("orders was not adopted once the reader was gone")
	}
}

// Several goose up at once (no session locker): the adoption happens once;
// a run that loses the race stops with an error that changed nothing, and
// the next goose up finds every file applied.
func TestAdoptUnderConcurrentGooseUp(t *testing.T) {
	w := newWorkspace(t, adoptSpec(""), adoptSmall)
	db := pgDatabase(t)
	_, err := w.provider(db, goose.DialectPostgres).UpTo(context.Background(), 20260101000000)
	must(t, err)
	before := snap(t, db, "true")
	w.generate(adoptAsOf)
	raceGooseUp(t, w, db, 3)
	if relkind(t, db, "orders") != "p" {
		t.Fatalf("orders was not adopted")
	}
	if got := snap(t, db, "true"); got.count != before.count || got.checksum != before.checksum {
		t.Errorf("racing adoptions changed the rows")
	}
	if n := testdb.Count(t, db, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'orders'::regclass"); n != 2 {
		t.Errorf("orders has %d partitions, want the legacy one and 2097-01", n)
	}
}
