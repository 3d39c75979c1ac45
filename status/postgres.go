package status

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/catalog/pgcatalog"
	"github.com/partgen/partgen/spec"
)

// PgxQuerier is what *pgx.Conn, *pgxpool.Pool and pgx.Tx provide. The
// connection should use DateStyle ISO (PostgreSQL's default): partition
// bounds are read back from their printed form.
type PgxQuerier interface {
	Exec(context.Context, string, ...interface{}) (pgconn.CommandTag, error)
	Query(context.Context, string, ...interface{}) (pgx.Rows, error)
	QueryRow(context.Context, string, ...interface{}) pgx.Row
}

// Postgres reads declarative partitions from pg_inherits and relpartbound,
// row estimates from pg_class.reltuples and sizes from
// pg_total_relation_size. It only reads; a read-only session is enough.
//
// On a Citus coordinator (the citus extension in pg_extension) a
// distributed relation is an empty shell whose rows and bytes are on the
// workers: its size is citus_total_relation_size and its rows a count(*),
// which Citus runs on the shards (Report.BytesSource
// "citus_total_relation_size").
func Postgres(db PgxQuerier) Source { return &pgSource{q: pgcatalog.New(db)} }

type pgSource struct {
	q *pgcatalog.Queries
	// distributed holds the schema-qualified names of Citus's distributed
	// relations; nil without Citus.
	distributed map[string]bool
}

func (*pgSource) engine() dialect.Name { return dialect.Postgres }

func (s *pgSource) collect(ctx context.Context, sp *spec.Spec, mig *folder.Folder, exact bool) (*facts, error) {
	f := &facts{engine: string(dialect.Postgres), exact: exact, bytesSource: "relpages", tables: map[string]*tableFacts{}}
	if exact {
		f.bytesSource = "pg_total_relation_size"
	}
	citus, err := s.q.CitusInstalled(ctx)
	if err != nil {
		return nil, readErr("look for the citus extension", err)
	}
	s.distributed = nil
	if citus {
		rels, err := s.q.CitusDistributed(ctx)
		if err != nil {
			return nil, readErr("list Citus's distributed tables", err)
		}
		s.distributed = map[string]bool{}
		for _, r := range rels {
			s.distributed[r.Schema+"."+r.Name] = true
		}
		f.bytesSource = "citus_total_relation_size"
	}
	present, err := s.q.ArchiveLogExists(ctx)
	if err != nil {
		return nil, readErr("look for partgen_archive_log", err)
	}
	if present {
		if f.archiveLog, err = s.archiveLog(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.tables(ctx, sp, mig, f, exact); err != nil {
		return nil, err
	}
	if f.gooseTable, err = s.q.GooseTableExists(ctx); err != nil {
		return nil, readErr("look for goose_db_version", err)
	}
	if f.gooseTable {
		rows, err := s.q.AppliedVersions(ctx)
		if err != nil {
			return nil, readErr("read goose_db_version", err)
		}
		for _, r := range rows {
			f.applied = append(f.applied, r.VersionID)
		}
	}
	return f, nil
}

// tables reads every spec table and the partitions of the partitioned
// ones in two catalog queries, whatever the number of tables (one query per
// table cost a round trip and a plan each: at 100 tables of 120 partitions,
// about a third of a report's time), then looks up each table's retired
// partitions.
func (s *pgSource) tables(ctx context.Context, sp *spec.Spec, mig *folder.Folder, f *facts, exact bool) error {
	names := make([]string, len(sp.Tables))
	for i := range sp.Tables {
		names[i] = sp.Tables[i].Quoted()
		f.tables[sp.Tables[i].FullName()] = &tableFacts{}
	}
	rels, err := s.q.Relations(ctx, names)
	if err != nil {
		return readErr("look up the spec's tables", err)
	}
	var parents []string
	parentOf := map[int64]int{} // position in parents (1-based) -> spec table
	for _, r := range rels {
		t := &sp.Tables[r.Ord-1]
		tf := f.tables[t.FullName()]
		tf.exists = true
		if r.Relkind != "p" {
			tf.what = fmt.Sprintf("%s, not a partitioned table", relkindName(r.Relkind))
			continue
		}
		tf.partitioned = true
		tf.key = &partKey{strategy: r.KeyStrategy, columns: int(r.KeyColumns), definition: r.KeyDefinition, column: r.KeyColumn, typ: r.KeyType}
		parents = append(parents, t.Quoted())
		parentOf[int64(len(parents))] = int(r.Ord - 1)
	}
	var parts []pgcatalog.PartitionsRow
	if len(parents) > 0 {
		if parts, err = s.q.Partitions(ctx, pgcatalog.PartitionsParams{Parents: parents, Exact: exact}); err != nil {
			return readErr("list the partitions of the spec's tables", err)
		}
	}
	for len(parts) > 0 {
		n := 1
		for n < len(parts) && parts[n].Parent == parts[0].Parent {
			n++
		}
		t := &sp.Tables[parentOf[parts[0].Parent]]
		if err := s.attached(ctx, sp, t, parts[:n], f.tables[t.FullName()], exact); err != nil {
			return err
		}
		parts = parts[n:]
	}
	for i := range sp.Tables {
		t := &sp.Tables[i]
		if tf := f.tables[t.FullName()]; tf.partitioned {
			if err := s.retired(ctx, sp, t, mig, f.archiveLog, tf, exact); err != nil {
				return err
			}
		}
	}
	return nil
}

// attached reads one table's partitions from its rows of the Partitions query.
func (s *pgSource) attached(ctx context.Context, sp *spec.Spec, t *spec.Table, parts []pgcatalog.PartitionsRow, tf *tableFacts, exact bool) error {
	var err error
	for _, p := range parts {
		pf := partFact{name: p.Name, schema: p.Schema, detachPending: p.DetachPending}
		if pf.bytes, err = s.bytes(ctx, p.Schema, p.Name, p.TotalBytes); err != nil {
			return err
		}
		period, dflt, ok := dialect.Must(dialect.Postgres).ReadBounds(p.Bound, t.Key, t.KeyType, sp.Location)
		switch {
		case !ok:
			pf.bound = p.Bound
			if upper, legacy := dialect.ReadLegacyBound(p.Bound, t.KeyType, sp.Location); legacy {
				pf.legacy, pf.upper = true, &upper
			}
		case dflt:
			pf.dflt = true
		default:
			pf.lower, pf.upper = &period.Lower, &period.Upper
		}
		if pf.rows, pf.exact, err = s.rows(ctx, p.Schema, p.Name, p.Reltuples, exact || pf.dflt); err != nil {
			return err
		}
		tf.attached = append(tf.attached, pf)
	}
	return nil
}

// retired finds the detached and archived tables of t that still exist.
func (s *pgSource) retired(ctx context.Context, sp *spec.Spec, t *spec.Table, mig *folder.Folder, log []ArchiveEntry, tf *tableFacts, exact bool) error {
	attached := map[string]bool{}
	for _, p := range tf.attached {
		attached[p.name] = true
	}
	for _, c := range retiredCandidates(sp, t, mig, log) {
		if attached[c.partition] {
			continue // its retirement is not applied yet
		}
		rels, err := s.q.Relation(ctx, c.locate)
		if err != nil {
			return readErr("look up retired partition "+c.locate, err)
		}
		if len(rels) == 0 || rels[0].IsPartition {
			continue // dropped since, or attached elsewhere
		}
		r := rels[0]
		pf := partFact{name: r.Name, schema: r.Schema, lower: c.lower, upper: c.upper, state: c.state, partition: c.partition}
		if pf.bytes, err = s.bytes(ctx, r.Schema, r.Name, r.TotalBytes); err != nil {
			return err
		}
		if pf.rows, pf.exact, err = s.rows(ctx, r.Schema, r.Name, r.Reltuples, exact); err != nil {
			return err
		}
		tf.retired = append(tf.retired, pf)
	}
	return nil
}

// archiveLog reads partgen_archive_log, with or without rows_estimated
// (older partgen versions wrote exact counts only).
func (s *pgSource) archiveLog(ctx context.Context) ([]ArchiveEntry, error) {
	withEstimates, err := s.q.ArchiveLogHasRowsEstimated(ctx)
	if err != nil {
		return nil, readErr("look at partgen_archive_log", err)
	}
	var rows []pgcatalog.PartgenArchiveLog
	if withEstimates {
		rows, err = s.q.ArchiveLog(ctx)
	} else {
		var old []pgcatalog.ArchiveLogWithoutEstimatesRow
		old, err = s.q.ArchiveLogWithoutEstimates(ctx)
		for _, r := range old {
			rows = append(rows, pgcatalog.PartgenArchiveLog{ID: r.ID, ParentTable: r.ParentTable, PartitionName: r.PartitionName,
				LowerBound: r.LowerBound, UpperBound: r.UpperBound, Action: r.Action, ArchivedAs: r.ArchivedAs, RowCount: r.RowCount,
				TotalBytes: r.TotalBytes, MigrationVersion: r.MigrationVersion, ArchivedAt: r.ArchivedAt})
		}
	}
	if err != nil {
		return nil, readErr("read partgen_archive_log", err)
	}
	out := make([]ArchiveEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, ArchiveEntry{
			ID: r.ID, ParentTable: r.ParentTable, PartitionName: r.PartitionName,
			Lower: r.LowerBound.Time.UTC(), Upper: r.UpperBound.Time.UTC(),
			Action: r.Action, ArchivedAs: r.ArchivedAs, RowCount: r.RowCount, RowsEstimated: r.RowsEstimated,
			TotalBytes: int8Ptr(r.TotalBytes), MigrationVersion: r.MigrationVersion,
			ArchivedAt: r.ArchivedAt.Time.UTC(),
		})
	}
	return out, nil
}

// bytes is the size the catalog query read, or citus_total_relation_size
// for a distributed relation (the coordinator's own size is its empty shell).
func (s *pgSource) bytes(ctx context.Context, schema, name string, local int64) (*int64, error) {
	if !s.distributed[schema+"."+name] {
		return &local, nil
	}
	n, err := s.q.CitusTotalRelationSize(ctx, dialect.Qualify(schema, name))
	if err != nil {
		return nil, readErr("size "+schema+"."+name+" with citus_total_relation_size", err)
	}
	return &n, nil
}

// rows is an exact count when asked, otherwise the planner's estimate;
// reltuples is -1 until the first VACUUM or ANALYZE, which is "unknown".
// A distributed relation is always counted: the coordinator keeps no
// statistics of its shards.
func (s *pgSource) rows(ctx context.Context, schema, name string, reltuples float64, exact bool) (*int64, bool, error) {
	if exact || s.distributed[schema+"."+name] {
		n, err := s.q.CountRows(ctx, dialect.Qualify(schema, name))
		if err != nil {
			return nil, false, readErr("count the rows of "+schema+"."+name, err)
		}
		return &n, true, nil
	}
	if reltuples < 0 {
		return nil, false, nil
	}
	return ptr(int64(math.Round(reltuples))), false, nil
}

func relkindName(k string) string {
	switch k {
	case "r":
		return "an ordinary table"
	case "v":
		return "a view"
	case "m":
		return "a materialized view"
	case "f":
		return "a foreign table"
	}
	return "a relation of kind " + k
}

func int8Ptr(v pgtype.Int8) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}
