// Package repository is the partition-aware data access of the example
// domain (monthly market_data, quarterly alert_log) on both engines, built
// on the sqlc code in internal/db. It writes where the rows belong (on
// SQLite straight into the partition tables, not through the view's
// triggers) and reads only the partitions a range overlaps.
package repository

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
)

// The kinds of failure callers tell apart with errors.Is. Every error the
// repository returns is an *Error that wraps one of them and the driver's
// own error.
var (
	ErrNoPartition  = errors.New("no partition for the key")
	ErrLockTimeout  = errors.New("lock timeout")
	ErrInvalidInput = errors.New("invalid input")
	ErrNotFound     = errors.New("not found")
	ErrConnect      = errors.New("cannot connect")
)

// Error says which operation failed, on what, and why.
type Error struct {
	Op    string    // the repository method, e.g. "InsertTicks"
	Kind  error     // one of the Err* values above
	Table string    // the table concerned, when there is one
	Key   time.Time // the partition key concerned, for ErrNoPartition
	Err   error     // the underlying (driver) error, if any
}

func (e *Error) Error() string {
	msg := e.Op + ": " + e.Kind.Error()
	if e.Kind == ErrNoPartition && e.Table != "" {
		msg = fmt.Sprintf("%s: no partition of %s for %s", e.Op, e.Table, e.Key.UTC().Format(time.RFC3339Nano))
	} else if e.Table != "" {
		msg += " (" + e.Table + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap exposes both the kind and the driver error to errors.Is/As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func invalid(op, format string, args ...any) error {
	return &Error{Op: op, Kind: ErrInvalidInput, Err: fmt.Errorf(format, args...)}
}

// classify wraps a driver error with the operation and the kind callers
// can test for.
func classify(op, table string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	kind := error(nil)
	var pg *pgconn.PgError
	var lite sqlite3.Error
	switch {
	case errors.As(err, &pg):
		switch pg.Code {
		case "55P03": // lock_not_available: lock_timeout expired
			kind = ErrLockTimeout
		case "23514":
			if pg.Message != "" && len(pg.Message) > 15 && pg.Message[:15] == "no partition of" {
				kind = ErrNoPartition
			}
		case "08000", "08001", "08003", "08004", "08006", "57P01", "57P03":
			kind = ErrConnect
		}
	case errors.As(err, &lite):
		if lite.Code == sqlite3.ErrBusy || lite.Code == sqlite3.ErrLocked {
			kind = ErrLockTimeout
		}
		if lite.Code == sqlite3.ErrCantOpen {
			kind = ErrConnect
		}
	case errors.Is(err, context.DeadlineExceeded):
		kind = ErrLockTimeout
	}
	if kind == nil {
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) {
			kind = ErrConnect
		}
	}
	if kind == nil {
		return &Error{Op: op, Kind: errOther, Table: table, Err: err}
	}
	return &Error{Op: op, Kind: kind, Table: table, Err: err}
}

// errOther is the kind of a failure none of the named kinds describes; it
// is not exported because callers cannot act on it beyond reporting it.
var errOther = errors.New("database error")
