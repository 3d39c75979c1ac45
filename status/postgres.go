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
func Postgres(db PgxQuerier) Source { return pgSource{q: pgcatalog.New(db)} }

type pgSource struct{ q *pgcatalog.Queries }

func (pgSource) engine() dialect.Name { return dialect.Postgres }

func (s pgSource) collect(ctx context.Context, sp *spec.Spec, mig *folder.Folder, exact bool) (*facts, error) {
	f := &facts{engine: string(dialect.Postgres), exact: exact, bytesSource: "relpages", tables: map[string]*tableFacts{}}
	if exact {
		f.bytesSource = "pg_total_relation_size"
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
	for i := range sp.Tables {
		t := &sp.Tables[i]
		tf, err := s.table(ctx, sp, t, mig, f.archiveLog, exact)
		if err != nil {
			return nil, err
		}
		f.tables[t.FullName()] = tf
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

func (s pgSource) table(ctx context.Context, sp *spec.Spec, t *spec.Table, mig *folder.Folder, log []ArchiveEntry, exact bool) (*tableFacts, error) {
	key := t.FullName()
	tf := &tableFacts{}
	rels, err := s.q.Relation(ctx, t.Quoted())
	if err != nil {
		return nil, readErr("look up table "+key, err)
	}
	if len(rels) == 0 {
		return tf, nil
	}
	tf.exists = true
	if rels[0].Relkind != "p" {
		tf.what = fmt.Sprintf("%s, not a partitioned table", relkindName(rels[0].Relkind))
		return tf, nil
	}
	tf.partitioned = true
	keys, err := s.q.PartitionKey(ctx, t.Quoted())
	if err != nil {
		return nil, readErr("read the partition key of "+key, err)
	}
	if len(keys) == 1 {
		k := keys[0]
		tf.key = &partKey{strategy: k.Strategy, columns: int(k.KeyColumns), definition: k.Definition, column: k.KeyColumn, typ: k.KeyType}
	}
	parts, err := s.q.Partitions(ctx, pgcatalog.PartitionsParams{Parent: t.Quoted(), Exact: exact})
	if err != nil {
		return nil, readErr("list the partitions of "+key, err)
	}
	attached := map[string]bool{}
	for _, p := range parts {
		pf := partFact{name: p.Name, schema: p.Schema, bytes: ptr(p.TotalBytes), detachPending: p.DetachPending}
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
			return nil, err
		}
		attached[p.Name] = true
		tf.attached = append(tf.attached, pf)
	}
	for _, c := range retiredCandidates(sp, t, mig, log) {
		if attached[c.partition] {
			continue // its retirement is not applied yet
		}
		rels, err := s.q.Relation(ctx, c.locate)
		if err != nil {
			return nil, readErr("look up retired partition "+c.locate, err)
		}
		if len(rels) == 0 || rels[0].IsPartition {
			continue // dropped since, or attached elsewhere
		}
		r := rels[0]
		pf := partFact{name: r.Name, schema: r.Schema, lower: c.lower, upper: c.upper, bytes: ptr(r.TotalBytes), state: c.state, partition: c.partition}
		if pf.rows, pf.exact, err = s.rows(ctx, r.Schema, r.Name, r.Reltuples, exact); err != nil {
			return nil, err
		}
		tf.retired = append(tf.retired, pf)
	}
	return tf, nil
}

// archiveLog reads partgen_archive_log, with or without rows_estimated
// (older partgen versions wrote exact counts only).
func (s pgSource) archiveLog(ctx context.Context) ([]ArchiveEntry, error) {
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

// rows is an exact count when asked, otherwise the planner's estimate;
// reltuples is -1 until the first VACUUM or ANALYZE, which is "unknown".
func (s pgSource) rows(ctx context.Context, schema, name string, reltuples float64, exact bool) (*int64, bool, error) {
	if exact {
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
