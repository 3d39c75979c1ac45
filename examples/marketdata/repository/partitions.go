package repository

import (
	"context"
	"database/sql"
	"sort"
	"sync"
	"time"

	"github.com/partgen/partgen/dialect"
)

// partition is one SQLite partition table and its range.
type partition struct {
	Name         string
	Lower, Upper time.Time
}

// keys names the partition key of each view the repository reads.
var keys = map[string]string{"market_data": "ts", "alert_log": "raised_at"}

// catalog knows the partitions of the SQLite tables. It reads them from the
// database itself (the CHECK constraints in sqlite_schema), so a deployed
// program needs no migrations folder, and reads them again whenever SQLite's
// schema_version says the schema changed (a migration added or retired
// partitions since): one cheap pragma per call, never a stale answer.
type catalog struct {
	db      *sql.DB
	mu      sync.RWMutex
	version int64                  // PRAGMA schema_version the tables were read at
	tables  map[string][]partition // parent -> partitions in time order
	dflt    map[string]string      // parent -> default partition, if any
}

// fresh reloads the catalog when the schema changed since it was read.
func (c *catalog) fresh(ctx context.Context) error {
	var v int64
	if err := c.db.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
		return err
	}
	c.mu.RLock()
	current := c.tables != nil && c.version == v
	c.mu.RUnlock()
	if !current {
		if err := c.load(ctx); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.version = v
	c.mu.Unlock()
	return nil
}

func newCatalog(db *sql.DB) *catalog { return &catalog{db: db} }

func (c *catalog) load(ctx context.Context) error {
	// One query at a time: a program may give SQLite a single connection.
	rows, err := c.db.QueryContext(ctx, `SELECT type, name, coalesce(sql, '') FROM sqlite_schema WHERE type IN ('view', 'table')`)
	if err != nil {
		return err
	}
	views, ddl := map[string]string{}, map[string]string{}
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			rows.Close()
			return err
		}
		if typ == "view" {
			views[name] = text
		} else {
			ddl[name] = text
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// The partitions are what each view reads now; a detached or archived
	// table keeps its CHECK but is in no view.
	tables := map[string][]partition{}
	dflt := map[string]string{}
	for view, key := range keys {
		for _, member := range dialect.SQLiteViewMembers(views[view]) {
			if b, ok := dialect.SQLiteBounds(ddl[member], key); ok {
				tables[view] = append(tables[view], partition{Name: member, Lower: b.Lower, Upper: b.Upper})
			} else if member == view+"_default" {
				dflt[view] = member
			}
		}
		ps := tables[view]
		sort.Slice(ps, func(i, j int) bool { return ps[i].Lower.Before(ps[j].Lower) })
	}
	c.mu.Lock()
	c.tables, c.dflt = tables, dflt
	c.mu.Unlock()
	return nil
}

// current reports whether the catalog was read at the schema version a
// transaction sees, so that rows routed by it go where the schema says.
func (c *catalog) current(ctx context.Context, tx *sql.Tx) (bool, error) {
	var v int64
	if err := tx.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
		return false, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.version == v, nil
}

// find returns the partition of table holding key.
func (c *catalog) find(ctx context.Context, table string, key time.Time) (partition, bool, error) {
	if err := c.fresh(ctx); err != nil {
		return partition{}, false, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	ps := c.tables[table]
	if i := sort.Search(len(ps), func(i int) bool { return ps[i].Upper.After(key) }); i < len(ps) && !key.Before(ps[i].Lower) {
		return ps[i], true, nil
	}
	return partition{}, false, nil
}

// overlapping lists the partitions of table that share an instant with
// [from, to), and the default partition if any (it may hold any key).
func (c *catalog) overlapping(ctx context.Context, table string, from, to time.Time) ([]string, error) {
	if err := c.fresh(ctx); err != nil {
		return nil, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []string
	for _, p := range c.tables[table] {
		if p.Lower.Before(to) && from.Before(p.Upper) {
			out = append(out, p.Name)
		}
	}
	if d := c.dflt[table]; d != "" {
		out = append(out, d)
	}
	return out, nil
}

// defaultOf returns the default partition of table, if it has one.
func (c *catalog) defaultOf(table string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.dflt[table]
}
