package sqlitepart

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// DBTX is the interface sqlc generates for database/sql (package db,
// db.go): New(db DBTX) takes one.
type DBTX interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn is the DBTX of [DB.On] and [Tx.On].
type conn struct {
	d          *DB
	tx         *sql.Tx // nil: on the database, with its statement cache
	routes     []route
	key        string
	partitions []string
	txStmts    map[string]*sql.Stmt // statements prepared on tx
}

// rewritten is the statement for the view with the partitions in place,
// rewritten once per statement text and set of partitions.
func (c *conn) rewritten(query string) string {
	d := c.d
	d.rewriteMu.RLock()
	q, ok := d.rewrites[c.key][query]
	d.rewriteMu.RUnlock()
	if ok {
		return q
	}
	q = rewrite(query, c.routes)
	d.rewriteMu.Lock()
	m := d.rewrites[c.key]
	if m == nil {
		m = map[string]string{}
		d.rewrites[c.key] = m
	}
	m[query] = q
	d.rewriteMu.Unlock()
	return q
}

// stmt returns the prepared statement of the rewritten query.
func (c *conn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	q := c.rewritten(query)
	if c.tx != nil {
		if s, ok := c.txStmts[q]; ok {
			return s, nil
		}
		s, err := c.tx.PrepareContext(ctx, q)
		if err != nil {
			return nil, c.wrap(err)
		}
		c.txStmts[q] = s
		return s, nil
	}
	d := c.d
	d.stmtMu.RLock()
	cs, ok := d.stmts[q]
	d.stmtMu.RUnlock()
	if ok {
		return cs.stmt, nil
	}
	d.stmtMu.Lock()
	defer d.stmtMu.Unlock()
	if cs, ok := d.stmts[q]; ok {
		return cs.stmt, nil
	}
	s, err := d.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, c.wrap(err)
	}
	d.stmts[q] = &cachedStmt{stmt: s, partitions: c.partitions}
	return s, nil
}

// wrap marks an error that says a partition table is gone (retired by a
// migration since it was looked up) as [ErrSchemaChanged].
func (c *conn) wrap(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "sql: statement is closed") {
		return fmt.Errorf("%w: %w", ErrSchemaChanged, err)
	}
	const noSuchTable = "no such table: "
	if i := strings.Index(msg, noSuchTable); i >= 0 {
		name, _, _ := strings.Cut(msg[i+len(noSuchTable):], " ")
		name = strings.TrimPrefix(name, "main.")
		for _, p := range c.partitions {
			if strings.EqualFold(name, p) {
				return fmt.Errorf("%w: %w", ErrSchemaChanged, err)
			}
		}
	}
	return err
}

func (c *conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	r, err := s.ExecContext(ctx, utc(args)...)
	return r, c.wrap(err)
}

func (c *conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	r, err := s.QueryContext(ctx, utc(args)...)
	return r, c.wrap(err)
}

// QueryRowContext runs the rewritten statement; an error preparing it
// comes back from the Row's Scan, as database/sql does.
func (c *conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, query)
	if err != nil {
		if c.tx != nil {
			return c.tx.QueryRowContext(ctx, c.rewritten(query), utc(args)...)
		}
		return c.d.db.QueryRowContext(ctx, c.rewritten(query), utc(args)...)
	}
	return s.QueryRowContext(ctx, utc(args)...)
}

// PrepareContext prepares the rewritten statement afresh: sqlc's Prepare
// closes what it prepares, so it cannot be one of the cached statements.
func (c *conn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	var (
		s   *sql.Stmt
		err error
	)
	if c.tx != nil {
		s, err = c.tx.PrepareContext(ctx, c.rewritten(query))
	} else {
		s, err = c.d.db.PrepareContext(ctx, c.rewritten(query))
	}
	return s, c.wrap(err)
}

// utc converts time arguments to UTC, the zone of partgen's canonical key
// text: go-sqlite3 writes a time.Time in its own zone, and a partition's
// CHECK takes only +00:00. args is copied before the first change.
func utc(args []any) []any {
	copied := false
	for i, a := range args {
		var v any
		switch t := a.(type) {
		case time.Time:
			if t.Location() == time.UTC {
				continue
			}
			v = t.UTC()
		case sql.NullTime:
			if !t.Valid || t.Time.Location() == time.UTC {
				continue
			}
			v = sql.NullTime{Time: t.Time.UTC(), Valid: true}
		default:
			continue
		}
		if !copied {
			args = append([]any(nil), args...)
			copied = true
		}
		args[i] = v
	}
	return args
}
