package sqlitepart

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/partgen/partgen/dialect"
)

// Partition is one partition table of a partgen table.
type Partition struct {
	// Table is the partgen table (the view under the table's name): logins.
	Table string
	// Name is the partition table: logins_p2026_11.
	Name string
	// Lower and Upper are the range it holds, [Lower, Upper), in UTC; both
	// zero for the default partition.
	Lower, Upper time.Time
	// Default is true for the default partition, which holds any key no
	// range takes.
	Default bool
}

// Contains reports whether the partition's range holds key (never true
// for the default partition, which holds what no range does).
func (p Partition) Contains(key time.Time) bool {
	return !p.Default && !key.Before(p.Lower) && key.Before(p.Upper)
}

// The errors of the package, for errors.Is.
var (
	// ErrNotPartitioned: the table is not a partgen table in this database
	// (no view of that name whose tables carry partgen's CHECKs).
	ErrNotPartitioned = errors.New("sqlitepart: not a partgen table")
	// ErrNoPartition: no partition of the table holds the key and the table
	// has no default partition.
	ErrNoPartition = errors.New("sqlitepart: no partition for the key")
	// ErrSchemaChanged: a migration retired a partition a statement was
	// routed to after it was looked up. Look the partitions up again. A
	// sqlc :one query's Row.Scan returns the driver's error as it is (a
	// *sql.Row cannot carry another): test errors with [IsSchemaChanged].
	ErrSchemaChanged = errors.New("sqlitepart: the partitions changed")
)

// IsSchemaChanged reports whether err says that a table a statement was
// routed to is gone: [ErrSchemaChanged], or what SQLite and database/sql
// say in its place where the package cannot wrap the error (the Scan of a
// QueryRowContext): "no such table", "sql: statement is closed".
func IsSchemaChanged(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrSchemaChanged) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "no such table: ") || strings.Contains(msg, "sql: statement is closed")
}

// table is one partgen table as the database holds it.
type table struct {
	name   string
	key    string
	ranges []Partition // in time order
	dflt   *Partition
}

// snapshot is every partgen table at one PRAGMA schema_version. It is never
// changed once built: a reload builds a new one.
type snapshot struct {
	version int64
	tables  map[string]*table // by lower-case name
	exists  map[string]bool   // every table in the database, lower case
	parts   map[string]*table // partition name (lower case) -> its table
}

// querier is what a load reads through: the database, or a transaction
// (which may hold a program's only connection).
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// load reads the partgen tables from sqlite_schema: each view, the tables
// it selects from ([dialect.SQLiteViewMembers]), and of those the ones
// whose CREATE TABLE carries partgen's CHECK ([dialect.SQLitePartition];
// bounds by [dialect.SQLiteBounds]). A table archived or detached keeps its
// CHECK but is in no view, so it is no partition.
func load(ctx context.Context, q querier, version int64) (*snapshot, error) {
	rows, err := q.QueryContext(ctx, `SELECT type, name, coalesce(sql, '') FROM sqlite_schema WHERE type IN ('table', 'view')`)
	if err != nil {
		return nil, fmt.Errorf("sqlitepart: reading sqlite_schema: %w", err)
	}
	defer rows.Close()
	views := map[string]string{}
	ddl := map[string]string{}
	s := &snapshot{version: version, tables: map[string]*table{}, exists: map[string]bool{}, parts: map[string]*table{}}
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			return nil, err
		}
		if typ == "view" {
			views[name] = text
		} else {
			ddl[strings.ToLower(name)] = text
			s.exists[strings.ToLower(name)] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for view, text := range views {
		t := &table{name: view}
		for _, member := range dialect.SQLiteViewMembers(text) {
			tableSQL, ok := ddl[strings.ToLower(member)]
			if !ok {
				continue
			}
			key, dflt, ok := dialect.SQLitePartition(tableSQL)
			if !ok {
				continue
			}
			t.key = key
			if dflt {
				t.dflt = &Partition{Table: view, Name: member, Default: true}
				continue
			}
			b, ok := dialect.SQLiteBounds(tableSQL, key)
			if !ok {
				continue
			}
			t.ranges = append(t.ranges, Partition{Table: view, Name: member, Lower: b.Lower.UTC(), Upper: b.Upper.UTC()})
		}
		if len(t.ranges) == 0 && t.dflt == nil {
			continue
		}
		sort.Slice(t.ranges, func(i, j int) bool { return t.ranges[i].Lower.Before(t.ranges[j].Lower) })
		s.tables[strings.ToLower(view)] = t
		for _, p := range t.ranges {
			s.parts[strings.ToLower(p.Name)] = t
		}
		if t.dflt != nil {
			s.parts[strings.ToLower(t.dflt.Name)] = t
		}
	}
	return s, nil
}

func (s *snapshot) table(name string) (*table, error) {
	t, ok := s.tables[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotPartitioned, name)
	}
	return t, nil
}

// partition finds the partition of table holding key: its range partition,
// else the default partition.
func (s *snapshot) partition(name string, key time.Time) (Partition, error) {
	t, err := s.table(name)
	if err != nil {
		return Partition{}, err
	}
	rs := t.ranges
	if i := sort.Search(len(rs), func(i int) bool { return rs[i].Upper.After(key) }); i < len(rs) && !key.Before(rs[i].Lower) {
		return rs[i], nil
	}
	if t.dflt != nil {
		return *t.dflt, nil
	}
	return Partition{}, &KeyError{Table: t.name, Key: key, Covered: t.covered()}
}

// overlapping lists the partitions of table sharing an instant with
// [from, to), in time order, then the default partition, which may hold
// any key.
func (s *snapshot) overlapping(name string, from, to time.Time) ([]Partition, error) {
	t, err := s.table(name)
	if err != nil {
		return nil, err
	}
	var out []Partition
	rs := t.ranges
	for i := sort.Search(len(rs), func(i int) bool { return rs[i].Upper.After(from) }); i < len(rs) && rs[i].Lower.Before(to); i++ {
		out = append(out, rs[i])
	}
	if t.dflt != nil {
		out = append(out, *t.dflt)
	}
	return out, nil
}

func (s *snapshot) all(name string) ([]Partition, error) {
	t, err := s.table(name)
	if err != nil {
		return nil, err
	}
	out := append([]Partition(nil), t.ranges...)
	if t.dflt != nil {
		out = append(out, *t.dflt)
	}
	return out, nil
}

// covered lists the ranges of the table's partitions, merged where they
// touch, for messages.
func (t *table) covered() string {
	var parts []string
	for i := 0; i < len(t.ranges); {
		lo, hi := t.ranges[i].Lower, t.ranges[i].Upper
		for i++; i < len(t.ranges) && t.ranges[i].Lower.Equal(hi); i++ {
			hi = t.ranges[i].Upper
		}
		parts = append(parts, "["+dialect.SQLiteKey(lo)+", "+dialect.SQLiteKey(hi)+")")
	}
	if len(parts) == 0 {
		return "no range"
	}
	return strings.Join(parts, ", ")
}

// KeyError is [ErrNoPartition] with what was asked: no partition of Table
// holds Key, and the table has no default partition. Covered lists the
// ranges its partitions hold.
type KeyError struct {
	Table   string
	Key     time.Time
	Covered string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("sqlitepart: no partition of %s holds %s (they cover %s); run partgen generate (and goose up) to add partitions, or give the table a default partition",
		e.Table, dialect.SQLiteKey(e.Key), e.Covered)
}

// Is makes errors.Is(err, ErrNoPartition) true.
func (e *KeyError) Is(target error) bool { return target == ErrNoPartition }
