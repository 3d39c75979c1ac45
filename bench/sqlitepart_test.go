package bench

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/internal/sqlcuser/sqlitedb"
	"github.com/partgen/partgen/sqlitepart"
)

// Issue 13: partition-aware access for a user's own table through package
// sqlitepart, with the user's own sqlc queries (internal/sqlcuser: logins,
// key at DATETIME). 120 daily partitions made by partgen from the user's
// base migration. Each figure is a ratio to the same sqlc query (or insert,
// with the same batching) on one plain table holding all the rows; both
// sides run prepared statements (sqlitepart keeps its own; the plain side
// through a DBTX that prepares each statement once), alternated over rounds.
var (
	flagPartRowsPerDay = flag.Int("bench-sqlitepart-day-rows", 2_000, "rows a day in the sqlitepart benchmark (120 days)")
	flagPartReads      = flag.Int("bench-sqlitepart-reads", 8_000, "queries per side and round in the sqlitepart read benchmark")
	flagPartIngest     = flag.Int("bench-sqlitepart-ingest-rows", 60_000, "rows per side and round in the sqlitepart ingest benchmark")
	flagPartRounds     = flag.Int("bench-sqlitepart-rounds", 5, "rounds of the sqlitepart benchmark (each runs every query, or batch, on each side in turn)")
)

const (
	partDays     = 120
	partAccounts = 400
)

// userSQLite is the user's base migration and a spec for 120 daily
// partitions of logins ending at 2026-12-31.
func userSQLite(b *testing.B) *workspace {
	base, err := os.ReadFile(filepath.Join("..", "internal", "sqlcuser", "sqlite", "migrations", "20260101000000_create_tables.sql"))
	must(b, "read the user's base migration", err)
	w := newWorkspace(b, "20260101000000_create_tables.sql", string(base))
	w.setSpec(`version: 1
dialect: sqlite
migrations: .
timezone: UTC
tables:
  - name: logins
    key: at
    interval: day
    premake: 0
    start: 2026-09-03
`)
	return w
}

// preparedDB is a sqlc DBTX that prepares each statement once: the plain
// and view sides, so that all sides run prepared statements.
type preparedDB struct {
	db interface {
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	}
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newPrepared(db interface {
	PrepareContext(context.Context, string) (*sql.Stmt, error)
}) *preparedDB {
	return &preparedDB{db: db, stmts: map[string]*sql.Stmt{}}
}

func (p *preparedDB) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.stmts[q]; ok {
		return s, nil
	}
	s, err := p.db.PrepareContext(ctx, q)
	if err == nil {
		p.stmts[q] = s
	}
	return s, err
}

func (p *preparedDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	s, err := p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (p *preparedDB) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, q)
}

func (p *preparedDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (p *preparedDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	s, err := p.stmt(ctx, q)
	if err != nil {
		panic(err)
	}
	return s.QueryRowContext(ctx, args...)
}

// fillLogins writes rows a day for 120 days from first, keys in partgen's
// canonical UTC text, accounts cycling.
const fillLogins = `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?1)
INSERT INTO logins (id, account_id, at, ip)
SELECT i, i %% %d + 1, strftime('%%Y-%%m-%%d %%H:%%M:%%S', ?2 + i * 86400 / ?3, 'unixepoch') || '+00:00', '10.0.0.' || (i %% 250)
FROM s`

func BenchmarkSQLitePart(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	partDB := openSQLite(b, filepath.Join(dir, "part.db"))
	plainDB := openSQLite(b, filepath.Join(dir, "plain.db"))
	first := time.Date(2026, 9, 3, 0, 0, 0, 0, time.UTC)
	perDay := *flagPartRowsPerDay
	n := perDay * partDays

	w := userSQLite(b)
	w.upTo(partDB, goose.DialectSQLite3, 20260101000000)
	exec(b, partDB, fmt.Sprintf(fillLogins, partAccounts), n, first.Unix(), perDay)
	w.generate(date(2026, 12, 31)) // converts logins: 120 daily partitions
	w.up(partDB, goose.DialectSQLite3)
	if got := queryInt(b, partDB, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name GLOB 'logins_p*'"); got != partDays {
		b.Fatalf("logins has %d partitions, want %d", got, partDays)
	}
	plain := newWorkspace(b, "20260101000000_create_tables.sql", "")
	base, err := os.ReadFile(filepath.Join(w.dir, "20260101000000_create_tables.sql"))
	must(b, "read base", err)
	must(b, "write base", os.WriteFile(filepath.Join(plain.dir, "20260101000000_create_tables.sql"), base, 0o644))
	plain.up(plainDB, goose.DialectSQLite3)
	exec(b, plainDB, fmt.Sprintf(fillLogins, partAccounts), n, first.Unix(), perDay)
	exec(b, partDB, "ANALYZE")
	exec(b, plainDB, "ANALYZE")
	record(b, "rows", float64(n), "rows", fmt.Sprintf("%d daily partitions of logins, %d rows a day", partDays, perDay))

	parts := sqlitepart.New(partDB)
	defer parts.Close()
	plainQ := sqlitedb.New(newPrepared(plainDB))
	viewQ := sqlitedb.New(newPrepared(partDB))

	// Reads: one account's logins on one day, with the user's own sqlc
	// query (LoginsOfAccount).
	rng := rand.New(rand.NewPCG(13, 13))
	type ask struct {
		account  int64
		from, to time.Time
	}
	asks := make([]ask, *flagPartReads)
	for i := range asks {
		d := first.AddDate(0, 0, rng.IntN(partDays))
		asks[i] = ask{int64(rng.IntN(partAccounts) + 1), d, d.AddDate(0, 0, 1)}
	}
	pruned := func(a ask) (int, error) {
		ps, err := parts.Overlapping(ctx, "logins", a.from, a.to)
		if err != nil {
			return 0, err
		}
		k := 0
		for _, p := range ps {
			rows, err := sqlitedb.New(parts.On(p)).LoginsOfAccount(ctx, sqlitedb.LoginsOfAccountParams{AccountID: a.account, FromAt: a.from, ToAt: a.to})
			if err != nil {
				return 0, err
			}
			k += len(rows)
		}
		return k, nil
	}
	on := func(q *sqlitedb.Queries) func(a ask) (int, error) {
		return func(a ask) (int, error) {
			rows, err := q.LoginsOfAccount(ctx, sqlitedb.LoginsOfAccountParams{AccountID: a.account, FromAt: a.from, ToAt: a.to})
			return len(rows), err
		}
	}
	// The machine is shared and its load drifts within milliseconds: each
	// query runs on every side in turn (the order rotating), each timed on
	// its own, and a round sums each side's times.
	type side struct {
		name string
		run  func(a ask) (int, error)
	}
	// The partition table with the statement prepared by hand: what
	// SQLite itself costs on a partition, without the package.
	byHand := map[string]*sqlitedb.Queries{}
	handPart := func(a ask) (int, error) {
		name := "logins_p" + a.from.Format("2006_01_02")
		q := byHand[name]
		if q == nil {
			q = sqlitedb.New(newPrepared(renamed{partDB, name}))
			byHand[name] = q
		}
		rows, err := q.LoginsOfAccount(ctx, sqlitedb.LoginsOfAccountParams{AccountID: a.account, FromAt: a.from, ToAt: a.to})
		return len(rows), err
	}
	sides := []side{{"sqlitepart", pruned}, {"plain", on(plainQ)}, {"partition by hand", handPart}}
	interleaved := func(asks []ask) []float64 {
		total := make([]time.Duration, len(sides))
		for i, a := range asks {
			want := -1
			for k := range sides {
				sd := sides[(i+k)%len(sides)]
				began := time.Now()
				n, err := sd.run(a)
				total[(i+k)%len(sides)] += time.Since(began)
				must(b, sd.name, err)
				if want >= 0 && n != want {
					b.Fatalf("%s read %d rows, another side %d", sd.name, n, want)
				}
				want = n
			}
		}
		us := make([]float64, len(sides))
		for k := range total {
			us[k] = float64(total[k].Microseconds()) / float64(len(asks))
		}
		return us
	}
	interleaved(asks) // warm: statements prepared, pages cached
	var pr, pl, ph, vw, ratios []float64
	for round := 1; round <= *flagPartRounds; round++ {
		us := interleaved(asks)
		pr, pl, ph = append(pr, us[0]), append(pl, us[1]), append(ph, us[2])
		ratios = append(ratios, us[0]/us[1])
	}
	{
		n := min(len(asks), 300)
		began := time.Now()
		for _, a := range asks[:n] {
			_, err := on(viewQ)(a)
			must(b, "view", err)
		}
		vw = append(vw, float64(time.Since(began).Microseconds())/float64(n))
	}
	b.Logf("reads, us per query by round: partition by hand %.1f", ph)
	b.Logf("reads, us per query by round: sqlitepart %.1f, plain %.1f", pr, pl)
	record(b, "read_sqlitepart", median(pr), "us", "LoginsOfAccount, one account one day: sqlitepart.Overlapping + the partition")
	record(b, "read_plain", median(pl), "us", "the same sqlc query on one plain table")
	record(b, "read_by_hand", median(ph), "us", "the same statement prepared by hand on the partition table: SQLite's own cost")
	record(b, "read_view", median(vw), "us", "the same sqlc query on the view (every partition probed), 300 queries")
	recordTarget(b, "read_ratio", median(ratios), "ratio", "sqlitepart / plain, median of the rounds' ratios", "<=", 1.2)

	// Ingest: the user's RecordLogin, batches of 1000 rows in one
	// transaction each, keys spread over the 120 days in time order. Each
	// batch goes to each side in turn (the same rows: the databases are
	// separate), each timed on its own.
	rows := *flagPartIngest
	const batch = 1000
	step := time.Duration(partDays) * 24 * time.Hour / time.Duration(rows)
	nextID := int64(n)
	type writer func(ctx context.Context, tx *sql.Tx) (func(sqlitedb.RecordLoginParams) error, error)
	viaParts := func(ctx context.Context, tx *sql.Tx) (func(sqlitedb.RecordLoginParams) error, error) {
		ptx, err := parts.InTx(ctx, tx)
		if err != nil {
			return nil, err
		}
		return func(r sqlitedb.RecordLoginParams) error {
			p, err := ptx.Partition("logins", r.At)
			if err != nil {
				return err
			}
			return sqlitedb.New(ptx.On(p)).RecordLogin(ctx, r)
		}, nil
	}
	direct := func(ctx context.Context, tx *sql.Tx) (func(sqlitedb.RecordLoginParams) error, error) {
		q := sqlitedb.New(newPrepared(tx))
		return func(r sqlitedb.RecordLoginParams) error { return q.RecordLogin(ctx, r) }, nil
	}
	writeBatch := func(name string, db *sql.DB, w writer, recs []sqlitedb.RecordLoginParams) time.Duration {
		began := time.Now()
		tx, err := db.BeginTx(ctx, nil)
		must(b, name, err)
		put, err := w(ctx, tx)
		must(b, name, err)
		for _, r := range recs {
			must(b, name, put(r))
		}
		must(b, name, tx.Commit())
		return time.Since(began)
	}
	ingestRound := func(withView bool) (float64, float64, float64) {
		var tp, tl, tv time.Duration
		recs := make([]sqlitedb.RecordLoginParams, 0, batch)
		for i := 0; i < rows; i += batch {
			recs = recs[:0]
			for j := i; j < min(i+batch, rows); j++ {
				nextID++
				recs = append(recs, sqlitedb.RecordLoginParams{ID: nextID, AccountID: int64(j%partAccounts + 1),
					At: first.Add(time.Duration(j) * step).Truncate(time.Microsecond), Ip: "10.1.0.1"})
			}
			alternate(i/batch, func() { tp += writeBatch("sqlitepart", partDB, viaParts, recs) }, func() { tl += writeBatch("plain", plainDB, direct, recs) })
			if withView {
				for k := range recs {
					recs[k].ID += int64(rows) * 1000
				}
				tv += writeBatch("view", partDB, direct, recs)
			}
		}
		per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(rows) }
		return per(tp), per(tl), per(tv)
	}
	var ip, il, iv, iratios []float64
	for round := 1; round <= *flagPartRounds; round++ {
		p, l, v := ingestRound(round == 1)
		ip, il, iratios = append(ip, p), append(il, l), append(iratios, p/l)
		if round == 1 {
			iv = append(iv, v)
		}
	}
	b.Logf("ingest, us per row by round: sqlitepart %.1f, plain %.1f", ip, il)
	record(b, "ingest_sqlitepart", median(ip), "us/row", fmt.Sprintf("RecordLogin into each row's partition (sqlitepart.Tx), %d rows a transaction", batch))
	record(b, "ingest_plain", median(il), "us/row", "the same sqlc insert into one plain table, same batching")
	record(b, "ingest_view", median(iv), "us/row", "the same sqlc insert through the view's triggers, one round")
	recordTarget(b, "ingest_ratio", median(iratios), "ratio", "sqlitepart / plain, median of the rounds' ratios", "<=", 1.2)
}

// renamed prepares sqlc's statements with the view's name replaced by a
// partition's, by plain text: good enough for the benchmark's own query.
type renamed struct {
	db    *sql.DB
	table string
}

func (r renamed) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return r.db.PrepareContext(ctx, strings.Replace(q, "FROM logins l", "FROM \""+r.table+"\" l", 1))
}
