package generator_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/spec"
)

// TestCasesApplyPostgres and TestCasesApplySQLite apply every golden case of
// their engine with goose, run by run: after each run, rows at both edges of
// every partition land in it, a row outside every range lands in the default
// partition or fails, and (default_rows) a row parked in the default
// partition moves into the partition a later run creates for it. At the
// end every row sits in the partition its key belongs to; then each file is
// rolled back in turn (rows deleted first, since Down never drops rows),
// until a file whose Down must refuse (drop, purge).
func TestCasesApplyPostgres(t *testing.T) { applyCases(t, dialect.Postgres) }

func TestCasesApplySQLite(t *testing.T) { applyCases(t, dialect.SQLite) }

func applyCases(t *testing.T, engine dialect.Name) {
	ran := 0
	for _, c := range loadCases(t) {
		sp, err := spec.Load(filepath.Join(c.dir, "partgen.yaml"))
		must(t, err)
		if sp.Dialect != engine {
			continue
		}
		if _, err := os.Stat(filepath.Join(c.dir, "error.txt")); err == nil {
			continue // generate refuses it; nothing to apply
		}
		ran++
		t.Run(c.name, func(t *testing.T) {
			a := newApplier(t, c, engine)
			for i, asOf := range c.AsOf {
				if _, err := c.step(a.w, asOf); err != nil {
					t.Fatalf("generate as of %s: %v", asOf, err)
				}
				a.w.up(a.db, a.goose)
				a.checkParked()
				a.fill(i == len(c.AsOf)-1)
			}
			a.checkPlacement()
			a.rollBack()
		})
	}
	if ran == 0 {
		t.Fatalf("no golden case for %s", engine)
	}
}

// applier is one golden case applied to one fresh database.
type applier struct {
	t      *testing.T
	c      goldenCase
	engine dialect.Name
	goose  goose.Dialect
	db     *sql.DB
	w      *workspace
	filled map[string]bool           // partitions that got their edge rows
	parked map[string][]time.Time    // table -> keys parked in its default partition
	rows   map[string]map[int64]bool // table -> keys (Unix micro) it holds, to find them again
}

func newApplier(t *testing.T, c goldenCase, engine dialect.Name) *applier {
	a := &applier{t: t, c: c, engine: engine, w: c.workspace(t), filled: map[string]bool{}, parked: map[string][]time.Time{}, rows: map[string]map[int64]bool{}}
	if engine == dialect.Postgres {
		for _, ts := range c.Tablespaces {
			tablespaceNamed(t, ts) // before the database, so dropped after it
		}
		a.db, a.goose = pgDatabase(t), goose.DialectPostgres
	} else {
		a.db, _ = testdb.SQLite(t)
		a.goose = goose.DialectSQLite3
	}
	return a
}

// keyLoc is the zone key values live in: a timestamp (without time zone)
// key holds civil time, which the test writes as UTC wall clocks.
func keyLoc(tbl *spec.Table, loc *time.Location) *time.Location {
	if tbl.KeyType == dialect.Timestamp {
		return time.UTC
	}
	return loc
}

// partitions is the folder's view of tbl's partitions, their periods in
// the key's own terms: for a timestamp key the civil midnights that bound
// them (a day whose midnight DST skips still starts at 00:00 there).
func (a *applier) partitions(mig *folder.Folder, tbl *spec.Table, loc *time.Location) []folder.PartitionState {
	ps := mig.Partitions(tbl.FullName())
	if tbl.KeyType != dialect.Timestamp {
		return ps
	}
	civil := func(t time.Time) time.Time { return calendar.DateOf(t, loc).In(time.UTC) }
	for i := range ps {
		if !ps[i].Default {
			ps[i].Period = calendar.Period{Lower: civil(ps[i].Period.Lower), Upper: civil(ps[i].Period.Upper)}
		}
	}
	return ps
}

func (a *applier) state() (*spec.Spec, *folder.Folder) {
	a.t.Helper()
	sp := a.w.loadSpec()
	mig, err := folder.Read(a.w.dir)
	must(a.t, err)
	return sp, mig
}

// insert writes one row with key at into t and returns the partition it
// went to ("" on SQLite, where the view cannot say).
func (a *applier) insert(t *spec.Table, at time.Time) (string, error) {
	stmt, ok := a.c.Insert[t.FullName()]
	if !ok {
		p := "$1"
		if a.engine == dialect.SQLite {
			p = "?"
		}
		stmt = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", t.Quoted(), dialect.QuoteIdent(t.Key), p)
	}
	v := keyValue(string(t.KeyType), at)
	if a.engine == dialect.SQLite {
		_, err := a.db.Exec(stmt, v)
		return "", err
	}
	var where string
	err := a.db.QueryRow(stmt+" RETURNING tableoid::regclass::text", v).Scan(&where)
	return where, err
}

func (a *applier) remember(t *spec.Table, at time.Time) {
	if a.rows[t.FullName()] == nil {
		a.rows[t.FullName()] = map[int64]bool{}
	}
	a.rows[t.FullName()][at.UnixMicro()] = true
}

// fill writes rows at the edges of every partition not filled yet, a row
// outside every range, and parks a row in each default partition.
func (a *applier) fill(last bool) {
	t := a.t
	t.Helper()
	sp, mig := a.state()
	for i := range sp.Tables {
		tbl := &sp.Tables[i]
		var ranges []folder.PartitionState
		for _, p := range a.partitions(mig, tbl, sp.Location) {
			if p.State == folder.StateAttached && !p.Default {
				ranges = append(ranges, p)
			}
		}
		if len(ranges) == 0 {
			continue
		}
		for _, p := range ranges {
			if a.filled[p.Name] {
				continue
			}
			a.filled[p.Name] = true
			edges := []time.Time{p.Period.Lower}
			if p.Legacy {
				// FROM (MINVALUE): a row long before the cutover.
				edges = []time.Time{p.Period.Upper.AddDate(-3, 0, 0)}
			}
			period := p.Period
			if tbl.KeyType == dialect.Date {
				// The day before the upper bound, in the spec's zone: a marker's
				// bound has a fixed offset, and the day before it may have
				// another (DST began on 2097-03-31).
				period = calendar.Period{Lower: p.Period.Lower.In(sp.Location), Upper: p.Period.Upper.In(sp.Location)}
			}
			if last := lastInstant(string(tbl.KeyType), period); !last.Equal(p.Period.Lower) {
				edges = append(edges, last) // a day of a date key has one value
			}
			for _, at := range edges {
				where, err := a.insert(tbl, at)
				if err != nil {
					t.Fatalf("insert into %s at %s: %v", tbl.FullName(), at, err)
				}
				if a.engine == dialect.Postgres && !strings.HasSuffix(where, p.Name) {
					t.Errorf("row at %s landed in %s, want %s", at, where, p.Name)
				}
				a.remember(tbl, at)
			}
		}
		// Just before the first range: the default partition, or no partition.
		first := ranges[0].Period.Lower
		before := first.Add(-time.Microsecond)
		if tbl.KeyType == dialect.Date {
			before = first.AddDate(0, 0, -1)
		}
		if !a.filled["before:"+tbl.FullName()+first.String()] && !ranges[0].Legacy {
			a.filled["before:"+tbl.FullName()+first.String()] = true
			where, err := a.insert(tbl, before)
			switch {
			case tbl.DefaultPartition && err != nil:
				t.Errorf("a row before the first range of %s failed: %v", tbl.FullName(), err)
			case tbl.DefaultPartition:
				if a.engine == dialect.Postgres && !strings.HasSuffix(where, tbl.DefaultPartitionName()) {
					t.Errorf("a row before the first range of %s landed in %s, want the default", tbl.FullName(), where)
				}
				a.remember(tbl, before)
			case err == nil:
				t.Errorf("a row before the first range of %s was accepted, with no partition for it", tbl.FullName())
			}
		}
		// Park a row one period after the last range in the default
		// partition: the next run's partition for it must take it in.
		if tbl.DefaultPartition && a.c.DefaultRows && !last {
			end, kl := ranges[len(ranges)-1].Period.Upper, keyLoc(tbl, sp.Location)
			at := calendar.Shift(tbl.Interval, calendar.PeriodOf(tbl.Interval, end, kl), 1, kl).Lower.Add(time.Hour)
			if tbl.KeyType == dialect.Date {
				at = calendar.Shift(tbl.Interval, calendar.PeriodOf(tbl.Interval, end, kl), 1, kl).Lower
			}
			if _, err := a.insert(tbl, at); err != nil {
				t.Fatalf("park a row in the default partition of %s: %v", tbl.FullName(), err)
			}
			a.parked[tbl.FullName()] = append(a.parked[tbl.FullName()], at)
			a.remember(tbl, at)
		}
	}
}

// checkParked: rows parked in a default partition left it once a run
// created their partition.
func (a *applier) checkParked() {
	a.t.Helper()
	sp, mig := a.state()
	for i := range sp.Tables {
		tbl := &sp.Tables[i]
		for _, at := range a.parked[tbl.FullName()] {
			for _, p := range a.partitions(mig, tbl, sp.Location) {
				if p.State == folder.StateAttached && !p.Default && p.Period.Contains(at) {
					if n := a.countIn(tbl, p.Name, at); n != 1 {
						a.t.Errorf("the row at %s parked in the default partition of %s is not in %s (%d)", at, tbl.FullName(), p.Name, n)
					}
				}
			}
		}
	}
}

// countIn counts the rows of partition with key at.
func (a *applier) countIn(tbl *spec.Table, partition string, at time.Time) int64 {
	a.t.Helper()
	q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1", dialect.Qualify(tbl.Schema, partition), dialect.QuoteIdent(tbl.Key))
	v := keyValue(string(tbl.KeyType), at)
	if a.engine == dialect.SQLite {
		q = strings.Replace(q, "$1", "?", 1)
		v = dialect.SQLiteKey(at)
	}
	return testdb.Count(a.t, a.db, q, v)
}

// checkPlacement: every row written sits in the one attached partition whose
// bounds hold its key, or in the default partition when none does.
func (a *applier) checkPlacement() {
	a.t.Helper()
	sp, mig := a.state()
	for i := range sp.Tables {
		tbl := &sp.Tables[i]
		parts := a.partitions(mig, tbl, sp.Location)
		for micro := range a.rows[tbl.FullName()] {
			at := time.UnixMicro(micro).In(keyLoc(tbl, sp.Location))
			home, retired := "", false
			for _, p := range parts {
				if !p.Default && p.Period.Contains(at) {
					home, retired = p.Name, p.State != folder.StateAttached
				}
			}
			if retired {
				continue // it left the table with its partition
			}
			if home == "" {
				home = tbl.DefaultPartitionName()
			}
			if n := a.countIn(tbl, home, at); n != 1 {
				a.t.Errorf("%s: the row at %s is not in %s (%d there)", tbl.FullName(), at, home, n)
			}
		}
	}
}

// rollBack undoes the partgen files from the newest: rows are deleted
// before each step (a Down never drops rows); a drop or purge refuses.
func (a *applier) rollBack() {
	t := a.t
	t.Helper()
	sp, mig := a.state()
	p := a.w.provider(a.db, a.goose)
	ctx := context.Background()
	for i := len(mig.Files) - 1; i >= 0; i-- {
		mf := mig.Files[i]
		if !mf.Partgen {
			break
		}
		if i == len(mig.Files)-1 && mf.Markers[0].Op == folder.OpCreate {
			// Its partitions hold the edge rows: Down refuses to lose them.
			if _, err := p.Down(ctx); err == nil || !strings.Contains(err.Error(), "refus") {
				t.Errorf("Down of %s with rows in its partitions: err = %v, want a refusal", mf.Name, err)
			}
		}
		for j := range sp.Tables {
			if _, err := a.db.Exec("DELETE FROM " + sp.Tables[j].Quoted()); err != nil {
				t.Fatalf("delete rows of %s: %v", sp.Tables[j].FullName(), err)
			}
		}
		irreversible := false
		for _, m := range mf.Markers {
			irreversible = irreversible || m.Op == folder.OpDrop || m.Op == folder.OpPurge
		}
		_, err := p.Down(ctx)
		if irreversible {
			if err == nil || !strings.Contains(err.Error(), "gone") {
				t.Errorf("Down of %s: err = %v, want a refusal (its rows are gone)", mf.Name, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Down of %s: %v", mf.Name, err)
		}
	}
	// Back at the base: the tables are as the user made them, and up works again.
	for j := range sp.Tables {
		tbl := &sp.Tables[j]
		if a.engine == dialect.Postgres {
			if n := testdb.Count(t, a.db, "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhparent = $1::regclass", tbl.Quoted()); n != 0 {
				t.Errorf("after rolling back %s has %d partitions", tbl.FullName(), n)
			}
		} else if n := testdb.Count(t, a.db, "SELECT count(*) FROM sqlite_schema WHERE name = ? AND type = 'table'", tbl.Name); n != 1 {
			t.Errorf("after rolling back %s is not a table again", tbl.Name)
		}
	}
	a.w.up(a.db, a.goose)
}
