package sqlitepart_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partgen/partgen/sqlitepart"
)

// Reads and writes through sqlitepart stay correct while goose applies
// partgen's files underneath them: a day's partition is added ahead and the
// oldest retired at each step, on the same SQLite file, from another pool
// (as another process would). The writer routes each row inside its
// transaction; the reader looks its partitions up again when a statement
// meets a retired one. At the end every row written to a day still
// attached is there exactly once, read through the view and through the
// partitions alike.
func TestReadsAndWritesWhileMigrationsRun(t *testing.T) {
	spec := `version: 1
dialect: sqlite
migrations: .
timezone: UTC
tables:
  - name: logins
    key: ts
    interval: day
    premake: 2
    start: 2026-10-01
    retention: {keep: 3, action: drop}
`
	f := newFolder(t, spec, testBase)
	f.generate("2026-10-03")
	_, path := openFile(t)
	open := func(extra string) *sql.DB {
		db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=20000&_journal_mode=WAL"+extra)
		must(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
	// Both pools begin their transactions IMMEDIATE: in WAL mode a deferred
	// transaction that read before it writes fails at once ("database is
	// locked") when another connection committed meanwhile.
	migrator := open("&_txlock=immediate")
	f.up(migrator)
	app := open("&_txlock=immediate")
	parts := sqlitepart.New(app)
	defer parts.Close()
	ctx := context.Background()

	day0 := at("2026-10-03T00:00:00Z")
	var today atomic.Int64 // days since day0 the writer writes into
	var written sync.Map   // day -> *atomic.Int64 rows committed
	counter := func(d int64) *atomic.Int64 {
		c, _ := written.LoadOrStore(d, new(atomic.Int64))
		return c.(*atomic.Int64)
	}
	var reads atomic.Int64 // reader iterations
	var failed atomic.Bool // a goroutine stopped on an error
	stop := make(chan struct{})
	errs := make(chan error, 16)
	var wg sync.WaitGroup

	// The writer: batches of 20 rows in one transaction each, keys spread
	// over the current day.
	wg.Add(1)
	go func() {
		defer wg.Done()
		id := int64(0)
		for {
			select {
			case <-stop:
				return
			default:
			}
			d := today.Load()
			err := func() error {
				tx, err := app.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				defer tx.Rollback()
				ptx, err := parts.InTx(ctx, tx)
				if err != nil {
					return err
				}
				for i := range 20 {
					id++
					key := day0.AddDate(0, 0, int(d)).Add(time.Duration(i*71) * time.Minute)
					p, err := ptx.Partition("logins", key)
					if err != nil {
						return err
					}
					if _, err := ptx.On(p).ExecContext(ctx, "INSERT INTO logins (id, ts, note) VALUES (?, ?, ?)", id, key, fmt.Sprint("day ", d)); err != nil {
						return fmt.Errorf("insert into %s: %w", p.Name, err)
					}
				}
				if err := tx.Commit(); err != nil {
					return err
				}
				counter(d).Add(20)
				return nil
			}()
			if err != nil {
				errs <- fmt.Errorf("writer: %w", err)
				failed.Store(true)
				return
			}
		}
	}()

	// The reader: the current day's rows, never fewer than were committed
	// before the read began.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			d := today.Load()
			before := counter(d).Load()
			from := day0.AddDate(0, 0, int(d))
			n, err := countRange(ctx, parts, from, from.AddDate(0, 0, 1))
			if err != nil {
				errs <- fmt.Errorf("reader: %w", err)
				failed.Store(true)
				return
			}
			if today.Load() == d && n < before {
				errs <- fmt.Errorf("reader: day %d has %d rows, %d were committed before the read", d, n, before)
				failed.Store(true)
				return
			}
			// Every partition, the ones being retired included.
			if _, err := countRange(ctx, parts, day0.AddDate(0, 0, -10), day0.AddDate(0, 0, 20)); err != nil {
				errs <- fmt.Errorf("reader, whole table: %w", err)
				failed.Store(true)
				return
			}
			reads.Add(1)
		}
	}()

	// The migrations: one day ahead and one retired per step, each once the
	// writer has committed rows to the current day and the reader has read
	// it (no step waits on the clock).
	progressed := func(d int64) {
		since := reads.Load()
		for deadline := time.Now().Add(time.Minute); (counter(d).Load() < 40 || reads.Load() < since+2) && !failed.Load(); {
			if time.Now().After(deadline) {
				t.Fatalf("day %d: no progress in a minute (writer %d rows, reader %d reads)", d, counter(d).Load(), reads.Load()-since)
			}
			time.Sleep(time.Millisecond)
		}
	}
	for step := 1; step <= 6; step++ {
		progressed(int64(step - 1))
		asOf := day0.AddDate(0, 0, step)
		f.generate(asOf.Format("2006-01-02"))
		f.up(migrator)
		today.Store(int64(step))
	}
	progressed(6)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Days 0..6 (October 3 to 9) were written; keep 3 leaves the three
	// days before the 9th, the 9th itself and two days ahead.
	ps, err := parts.Partitions(ctx, "logins")
	must(t, err)
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "logins_p2026_10_06 logins_p2026_10_07 logins_p2026_10_08 logins_p2026_10_09 logins_p2026_10_10 logins_p2026_10_11" {
		t.Errorf("partitions at the end: %s", got)
	}
	for d := int64(3); d <= 6; d++ {
		from := day0.AddDate(0, 0, int(d))
		want := counter(d).Load()
		if want == 0 {
			t.Errorf("day %d: the writer wrote nothing", d)
		}
		n, err := countRange(ctx, parts, from, from.AddDate(0, 0, 1))
		must(t, err)
		var viaView int64
		must(t, app.QueryRow("SELECT count(*) FROM logins WHERE ts >= ? AND ts < ?", from, from.AddDate(0, 0, 1)).Scan(&viaView))
		if n != want || viaView != want {
			t.Errorf("day %d: %d rows through the partitions, %d through the view, %d written", d, n, viaView, want)
		}
	}
}

// countRange counts the rows of logins in [from, to) on the partitions the
// range overlaps, looking them up again when a migration retired one
// meanwhile.
func countRange(ctx context.Context, parts *sqlitepart.DB, from, to time.Time) (int64, error) {
	for attempt := 0; ; attempt++ {
		ps, err := parts.Overlapping(ctx, "logins", from, to)
		if err != nil {
			return 0, err
		}
		var total int64
		for _, p := range ps {
			var n int64
			if err = parts.On(p).QueryRowContext(ctx, "SELECT count(*) FROM logins WHERE ts >= ? AND ts < ?", from, to).Scan(&n); err != nil {
				break
			}
			total += n
		}
		if sqlitepart.IsSchemaChanged(err) && attempt < 3 {
			continue
		}
		return total, err
	}
}
