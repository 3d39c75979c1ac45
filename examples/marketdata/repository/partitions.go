package repository

import (
	"context"
	"database/sql"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/partgen/partgen/dialect"
)

// partition is one SQLite partition table and its range [Lower, Upper).
type partition struct {
	Name         string
	Lower, Upper time.Time
}

// keys names the partition key of each view the repository reads.
var keys = map[string]string{"market_data": "ts", "alert_log": "raised_at"}

// catalog knows the partitions of the SQLite tables. It reads them from the
// database itself (the views' members and their CHECK constraints in
// sqlite_schema), so a deployed program needs no migrations folder, and
// reads them again whenever SQLite's schema_version says the schema changed
// (a migration added or retired partitions since).
//
// What it hands out is a snapshot: the partitions as one schema version
// shows them, never changed afterwards. A caller routes a whole batch by one
// snapshot (one PRAGMA per batch, not per row) and then checks, inside the
// writing transaction, that the schema is still that version
// ([snapshot.still]); another goroutine reloading the catalog meanwhile
// cannot change what the batch was routed by.
type catalog struct {
	db     *sql.DB
	cur    atomic.Pointer[snapshot] // the newest snapshot read
	loadMu sync.Mutex               // one reload of sqlite_schema at a time
}

func newCatalog(db *sql.DB) *catalog { return &catalog{db: db} }

// snapshot is the partitions of the views at one schema version.
type snapshot struct {
	version int64                  // PRAGMA schema_version they were read at
	tables  map[string][]partition // view -> range partitions in time order
	dflt    map[string]string      // view -> default partition, if any
}

// now returns the partitions as the schema is now: one PRAGMA
// schema_version, and a reload of sqlite_schema when the version moved
// since the last snapshot.
func (c *catalog) now(ctx context.Context) (*snapshot, error) {
	var v int64
	if err := c.db.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
		return nil, err
	}
	if s := c.cur.Load(); s != nil && s.version == v {
		return s, nil
	}
	c.loadMu.Lock()
	defer c.loadMu.Unlock()
	if s := c.cur.Load(); s != nil && s.version == v {
		return s, nil // another goroutine reloaded it meanwhile
	}
	s, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	c.cur.Store(s)
	return s, nil
}

// latest is the newest snapshot read, nil before the first one.
func (c *catalog) latest() *snapshot { return c.cur.Load() }

// load reads the views and tables and the schema version in one statement,
// so the version labels exactly the schema read (a migration committing
// between two statements would otherwise be filed under the old version).
// One query at a time: a program may give SQLite a single connection.
func (c *catalog) load(ctx context.Context) (*snapshot, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT (SELECT schema_version FROM pragma_schema_version), type, name, coalesce(sql, '')
		FROM sqlite_schema WHERE type IN ('view', 'table')`)
	if err != nil {
		return nil, err
	}
	s := &snapshot{version: -1, tables: map[string][]partition{}, dflt: map[string]string{}}
	views, ddl := map[string]string{}, map[string]string{}
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&s.version, &typ, &name, &text); err != nil {
			rows.Close()
			return nil, err
		}
		if typ == "view" {
			views[name] = text
		} else {
			ddl[name] = text
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The partitions are what each view reads now; a detached or archived
	// table keeps its CHECK but is in no view.
	for view, key := range keys {
		for _, member := range dialect.SQLiteViewMembers(views[view]) {
			if b, ok := dialect.SQLiteBounds(ddl[member], key); ok {
				s.tables[view] = append(s.tables[view], partition{Name: member, Lower: b.Lower, Upper: b.Upper})
			} else if member == view+"_default" {
				s.dflt[view] = member
			}
		}
		ps := s.tables[view]
		sort.Slice(ps, func(i, j int) bool { return ps[i].Lower.Before(ps[j].Lower) })
	}
	return s, nil
}

// still reports whether the schema a transaction sees is the version s was
// read at, so that rows routed by s go where the schema says.
func (s *snapshot) still(ctx context.Context, tx *sql.Tx) (bool, error) {
	var v int64
	if err := tx.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
		return false, err
	}
	return v == s.version, nil
}

// route returns the partition table of view a key belongs in: its range
// partition, else the default partition; false when neither exists.
func (s *snapshot) route(view string, key time.Time) (string, bool) {
	ps := s.tables[view]
	if i := sort.Search(len(ps), func(i int) bool { return ps[i].Upper.After(key) }); i < len(ps) && !key.Before(ps[i].Lower) {
		return ps[i].Name, true
	}
	d, ok := s.dflt[view]
	return d, ok
}

// overlapping lists the partitions of view that share an instant with
// [from, to), and the default partition if any (it may hold any key).
func (s *snapshot) overlapping(view string, from, to time.Time) []string {
	var out []string
	for _, p := range s.tables[view] {
		if p.Lower.Before(to) && from.Before(p.Upper) {
			out = append(out, p.Name)
		}
	}
	if d := s.dflt[view]; d != "" {
		out = append(out, d)
	}
	return out
}
