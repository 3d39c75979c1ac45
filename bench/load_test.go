package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
	"time"
)

// loadResult is one step under load.
type loadResult struct {
	wall        time.Duration // the step's wall time
	afterReader time.Duration // from the reader's commit to the step's end (0: it ended first)
	worst       time.Duration // the worst insert that began during the step
	worstAt     time.Duration // when it began, from the reader's commit (negative: before)
	worstInto   time.Duration // when it began, from the step's start
	p99         time.Duration
	over50      int // inserts that took over 50 ms
	inserts     int
	// lockWait is the longest a writer's insert was seen waiting on a lock
	// (pg_stat_activity, sampled every 2 ms during the step); lockSamples
	// counts the samples that saw one, of samples.
	lockWait             time.Duration
	lockSamples, samples int
}

// load is what runs beside a step: writers inserting single rows without
// pause, and a reader that read the table just before the step began and
// keeps its transaction open for hold.
type load struct {
	insert string                // the writers' INSERT: $1 the key, $2 the writer
	key    func(i int) time.Time // the key of a writer's i-th row
	read   string                // the reader's query before it holds
	hold   time.Duration
	settle time.Duration // from the reader's read to the step's start
	// sampleLocks, when set, is a LIKE pattern of the writers' statement:
	// pg_stat_activity is sampled every 2 ms during the step for inserts
	// waiting on a lock.
	sampleLocks string
}

// underLoad runs step under l on db and measures the inserts that began
// while it ran.
func underLoad(b *testing.B, db *sql.DB, l load, step func() error) loadResult {
	b.Helper()
	const writers = 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu      sync.Mutex
		samples []insertSample
		wg      sync.WaitGroup
		stop    = make(chan struct{})
		errs    = make(chan error, writers+1)
	)
	for w := 0; w < writers; w++ {
		conn, err := db.Conn(ctx)
		must(b, "writer connection", err)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			defer conn.Close()
			var local []insertSample
			defer func() {
				mu.Lock()
				samples = append(samples, local...)
				mu.Unlock()
			}()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				at := l.key(i)
				began := time.Now()
				if _, err := conn.ExecContext(ctx, l.insert, at, w); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
				local = append(local, insertSample{began, time.Since(began)})
			}
		}(w)
	}
	time.Sleep(200 * time.Millisecond)

	reading := make(chan struct{})
	var committed time.Time
	readerDone := make(chan struct{})
	rconn, err := db.Conn(ctx)
	must(b, "reader connection", err)
	go func() {
		defer close(readerDone)
		defer rconn.Close()
		tx, err := rconn.BeginTx(ctx, nil)
		if err != nil {
			errs <- err
			close(reading)
			return
		}
		var n int64
		if err := tx.QueryRowContext(ctx, l.read).Scan(&n); err != nil {
			errs <- err
		}
		close(reading)
		time.Sleep(l.hold)
		if err := tx.Commit(); err != nil {
			errs <- err
		}
		committed = time.Now()
	}()
	<-reading
	time.Sleep(l.settle)

	// A sampler of lock waits: an insert that is slow because the machine
	// is busy is not one a lock held up.
	stepDone := make(chan struct{})
	sampled := make(chan loadResult, 1)
	if l.sampleLocks == "" {
		sampled <- loadResult{}
	} else {
		sconn, err := db.Conn(ctx)
		must(b, "sampler connection", err)
		go sampleLocks(ctx, sconn, l.sampleLocks, stepDone, sampled, errs)
	}
	t0 := time.Now()
	stepErr := step()
	t1 := time.Now()
	close(stepDone)
	locks := <-sampled
	<-readerDone
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	must(b, "step under load", stepErr)
	res := loadResult{wall: t1.Sub(t0), lockWait: locks.lockWait, lockSamples: locks.lockSamples, samples: locks.samples}
	if committed.Before(t1) {
		res.afterReader = t1.Sub(committed)
	}
	var durs []float64
	for _, s := range samples {
		if !s.start.Before(t0) && s.start.Before(t1) {
			res.inserts++
			durs = append(durs, float64(s.dur))
			if s.dur > 50*time.Millisecond {
				res.over50++
				if os.Getenv("PARTGEN_BENCH_DEBUG") != "" {
					b.Logf("  slow insert: %v, began %v into the step", s.dur, s.start.Sub(t0))
				}
			}
			if s.dur > res.worst {
				res.worst, res.worstAt, res.worstInto = s.dur, s.start.Sub(committed), s.start.Sub(t0)
			}
		}
	}
	if len(durs) > 0 {
		sort.Float64s(durs)
		res.p99 = time.Duration(durs[len(durs)*99/100])
	}
	if res.inserts == 0 {
		b.Fatal("no insert overlapped the step; the writers did not run")
	}
	return res
}

// sampleLocks counts, until stepDone closes, the samples of pg_stat_activity
// (every 2 ms) in which a statement matching pattern waits on a lock, and
// the longest such wait; it sends the counts on sampled.
func sampleLocks(ctx context.Context, conn *sql.Conn, pattern string, stepDone <-chan struct{}, sampled chan<- loadResult, errs chan<- error) {
	defer conn.Close()
	var r loadResult
	for {
		select {
		case <-stepDone:
			sampled <- r
			return
		default:
		}
		var waiting int
		var longest float64
		err := conn.QueryRowContext(ctx, `SELECT count(*), coalesce(max(extract(epoch FROM clock_timestamp() - query_start)), 0)
FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, pattern).Scan(&waiting, &longest)
		if err != nil {
			errs <- fmt.Errorf("lock sampler: %w", err)
			sampled <- r
			return
		}
		r.samples++
		if waiting > 0 {
			r.lockSamples++
			r.lockWait = max(r.lockWait, time.Duration(longest*float64(time.Second)))
		}
		time.Sleep(2 * time.Millisecond)
	}
}
