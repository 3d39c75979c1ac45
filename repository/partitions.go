package repository

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/partgen/partgen/generator"
)

// partition is one SQLite partition table and its range.
type partition struct {
	Name         string
	Lower, Upper time.Time
}

// boundsRE reads the range back from the CHECK partgen puts on every SQLite
// partition: CONSTRAINT partgen_bounds CHECK ("ts" >= '...' AND "ts" < '...' ...).
var boundsRE = regexp.MustCompile(`CONSTRAINT partgen_bounds CHECK \("(\w+)" >= '([^']+)' AND "\w+" < '([^']+)'`)

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
	views := map[string]string{} // name -> definition
	vrows, err := c.db.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'view'`)
	if err != nil {
		return err
	}
	for vrows.Next() {
		var v, def string
		if err := vrows.Scan(&v, &def); err != nil {
			vrows.Close()
			return err
		}
		views[v] = def
	}
	vrows.Close()
	rows, err := c.db.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%partgen_%'`)
	if err != nil {
		return err
	}
	defer rows.Close()
	tables := map[string][]partition{}
	dflt := map[string]string{}
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			return err
		}
		for parent, def := range views {
			if name == parent+"_default" && strings.Contains(def, `"`+name+`"`) {
				dflt[parent] = name
			}
		}
		m := boundsRE.FindStringSubmatch(ddl)
		if m == nil {
			continue
		}
		lo, err1 := generator.ParseSQLiteKey(m[2])
		hi, err2 := generator.ParseSQLiteKey(m[3])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("partition %s: unreadable bounds %q, %q", name, m[2], m[3])
		}
		parent := parentOf(name, views)
		if parent == "" {
			continue // retired (renamed) partitions keep their CHECK but belong to no view
		}
		tables[parent] = append(tables[parent], partition{Name: name, Lower: lo, Upper: hi})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ps := range tables {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Lower.Before(ps[j].Lower) })
	}
	c.mu.Lock()
	c.tables, c.dflt = tables, dflt
	c.mu.Unlock()
	return nil
}

// parentOf finds the view a partition table belongs to: the view whose
// definition reads it. A detached partition keeps its name and CHECK but
// is no longer in any view.
func parentOf(name string, views map[string]string) string {
	for v, def := range views {
		if strings.Contains(def, `FROM "`+name+`"`) {
			return v
		}
	}
	return ""
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
