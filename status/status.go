package status

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/spec"
)

// Source is one database a report reads: Postgres or SQLite.
type Source interface {
	engine() dialect.Name
	collect(ctx context.Context, sp *spec.Spec, mig *folder.Folder, exact bool) (*facts, error)
}

// Options steer one report.
type Options struct {
	// Exact counts every partition with count(*) instead of PostgreSQL's
	// reltuples estimate. The default partition is always counted exactly,
	// since its rule must not depend on the last ANALYZE; SQLite has no
	// estimate and always counts.
	Exact bool
	// Folder is the spec's goose folder ([folder.Read]). It tells
	// which partitions partgen created, where retired ones went and which
	// migrations are pending. Optional: without it those fields are null.
	Folder *folder.Folder
	// FolderError is why the spec's goose folder could not be read, when
	// the caller tried: the report then says so as a warning
	// ([rules.CodeFolderUnread]) instead of silently losing the checks
	// that need it.
	FolderError error
	// Database labels the report (a URL without its password, a path).
	Database string
}

// ReadError is a failure to read the database (as opposed to a finding
// about it): the connection broke, a catalog query failed, a permission is
// missing. `partgen status` exits 3 on it.
type ReadError struct {
	Op  string // what was being read
	Err error
}

func (e *ReadError) Error() string { return fmt.Sprintf("status: %s: %v", e.Op, e.Err) }
func (e *ReadError) Unwrap() error { return e.Err }

func readErr(op string, err error) error { return &ReadError{Op: op, Err: err} }

// Read collects the status of every table of sp from src and judges it, at
// the instant now. Findings (a missing table, a short runway) are in the
// report; an error means the database could not be read at all (a
// [*ReadError]), or the spec is for another engine.
func Read(ctx context.Context, src Source, sp *spec.Spec, now time.Time, opts Options) (*Report, error) {
	if now.IsZero() {
		return nil, errors.New("status: now is required (pass time.Now() or the instant to report on)")
	}
	if src.engine() != sp.Dialect {
		return nil, fmt.Errorf("status: %s is a %s spec but the database is %s; pass the spec for this database", sp.File, sp.Dialect, src.engine())
	}
	f, err := src.collect(ctx, sp, opts.Folder, opts.Exact)
	if err != nil {
		return nil, err
	}
	r := evaluate(sp, opts.Folder, opts.FolderError, f, now)
	r.Database = opts.Database
	return r, nil
}

// retiredCandidate is a table that once was a partition of t: where to look
// for it, and what it covered.
type retiredCandidate struct {
	partition string // its name while attached
	locate    string // PostgreSQL: schema-qualified name for to_regclass; SQLite: the table name
	state     State
	lower     *time.Time
	upper     *time.Time
}

// retiredCandidates lists the detached and archived tables of t that should
// still exist: from partgen_archive_log (which says where each one went)
// and from the folder's markers; a later purge or drop removes a candidate.
func retiredCandidates(sp *spec.Spec, t *spec.Table, mig *folder.Folder, log []ArchiveEntry) []retiredCandidate {
	key := t.FullName()
	var out []retiredCandidate
	idx := map[string]int{}
	put := func(c retiredCandidate) {
		if i, ok := idx[c.partition]; ok {
			out[i] = c
			return
		}
		idx[c.partition] = len(out)
		out = append(out, c)
	}
	gone := map[string]bool{}
	if mig != nil {
		for _, p := range mig.Partitions(key) {
			var c retiredCandidate
			switch p.State {
			case folder.StateDetached:
				c = retiredCandidate{state: StateDetached, locate: qualifiedBare(t.Schema, p.Name)}
			case folder.StateArchived:
				c = retiredCandidate{state: StateArchived, locate: qualifiedBare(sp.Archived(t, p.Name))}
			case folder.StateDropped:
				gone[p.Name] = true
				continue
			default:
				continue
			}
			c.partition = p.Name
			l, u := p.Period.Lower, p.Period.Upper
			c.lower, c.upper = &l, &u
			put(c)
		}
	}
	for _, e := range log {
		if e.ParentTable != key {
			continue
		}
		switch e.Action {
		case "detach", "archive":
			if e.ArchivedAs == "" {
				continue
			}
			state := StateDetached
			if e.Action == "archive" {
				state = StateArchived
			}
			l, u := e.Lower, e.Upper
			delete(gone, e.PartitionName)
			put(retiredCandidate{partition: e.PartitionName, locate: e.ArchivedAs, state: state, lower: &l, upper: &u})
		case "drop", "purge":
			gone[e.PartitionName] = true
		}
	}
	var kept []retiredCandidate
	for _, c := range out {
		if !gone[c.partition] {
			kept = append(kept, c)
		}
	}
	return kept
}

// qualifiedBare is schema.name unquoted, or name without a schema: what
// to_regclass and partgen_archive_log's archived_as hold.
func qualifiedBare(schema, name string) string {
	if schema == "" {
		return name
	}
	return schema + "." + name
}

func ptr[T any](v T) *T { return &v }
