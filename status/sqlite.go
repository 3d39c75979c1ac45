package status

import (
	"context"
	"database/sql"
	"strings"

	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/catalog/sqlitecatalog"
	"github.com/partgen/partgen/spec"
)

// SQLQuerier is what *sql.DB, *sql.Conn and *sql.Tx provide.
type SQLQuerier interface {
	ExecContext(context.Context, string, ...interface{}) (sql.Result, error)
	PrepareContext(context.Context, string) (*sql.Stmt, error)
	QueryContext(context.Context, string, ...interface{}) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...interface{}) *sql.Row
}

// SQLite reads emulated partitions. The table's name is a view; the tables
// it selects from are the attached partitions, and each one's bounds come
// from its partgen_bounds CHECK (or, failing that, from the partgen marker
// that created it). Retired tables are found through partgen_archive_log
// and the folder's markers.
//
// Rows are always exact: SQLite keeps no estimate. Bytes come from the
// dbstat virtual table, which go-sqlite3 compiles only with the build tag
// sqlite_dbstat (`make build` sets it). Without it partition bytes are null,
// Report.BytesSource is "unavailable", and Report.DatabaseBytes (page_count
// * page_size) is the only size given: a share of the file computed from row
// counts would look precise and be wrong whenever rows differ in width or
// pages are free.
func SQLite(db SQLQuerier) Source { return sqliteSource{db: db, q: sqlitecatalog.New(db)} }

type sqliteSource struct {
	db SQLQuerier
	q  *sqlitecatalog.Queries
}

func (sqliteSource) engine() dialect.Name { return dialect.SQLite }

func (s sqliteSource) collect(ctx context.Context, sp *spec.Spec, mig *folder.Folder, _ bool) (*facts, error) {
	f := &facts{engine: string(dialect.SQLite), exact: true, bytesSource: "dbstat", tables: map[string]*tableFacts{}}
	n, err := s.q.DatabaseBytes(ctx)
	if err != nil {
		return nil, readErr("read page_count and page_size", err)
	}
	f.databaseBytes = &n
	if _, err := s.q.TableBytes(ctx, "sqlite_schema"); err != nil {
		if !strings.Contains(err.Error(), "no such table: dbstat") {
			return nil, readErr("read dbstat", err)
		}
		f.bytesSource = "unavailable"
	}
	present, err := s.q.ArchiveLogExists(ctx)
	if err != nil {
		return nil, readErr("look for partgen_archive_log", err)
	}
	if present {
		rows, err := s.q.ArchiveLog(ctx)
		if err != nil {
			return nil, readErr("read partgen_archive_log", err)
		}
		for _, r := range rows {
			e := ArchiveEntry{ID: r.ID, ParentTable: r.ParentTable, PartitionName: r.PartitionName,
				Action: r.Action, ArchivedAs: r.ArchivedAs, RowCount: r.RowCount, MigrationVersion: r.MigrationVersion}
			e.Lower, _ = dialect.ParseSQLiteKey(r.LowerBound)
			e.Upper, _ = dialect.ParseSQLiteKey(r.UpperBound)
			e.ArchivedAt, _ = dialect.ParseSQLiteKey(r.ArchivedAt)
			e.Lower, e.Upper, e.ArchivedAt = e.Lower.UTC(), e.Upper.UTC(), e.ArchivedAt.UTC()
			if r.TotalBytes.Valid {
				e.TotalBytes = ptr(r.TotalBytes.Int64)
			}
			f.archiveLog = append(f.archiveLog, e)
		}
	}
	for i := range sp.Tables {
		t := &sp.Tables[i]
		tf, err := s.table(ctx, f, sp, t, mig)
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

func (s sqliteSource) table(ctx context.Context, f *facts, sp *spec.Spec, t *spec.Table, mig *folder.Folder) (*tableFacts, error) {
	tf := &tableFacts{}
	obj, err := s.object(ctx, t.Name)
	if err != nil {
		return nil, err
	}
	if obj == nil {
		return tf, nil
	}
	tf.exists = true
	if obj.Type != "view" {
		tf.what = "an ordinary table (the partgen migration that turns it into a view over partitions is not applied)"
		return tf, nil
	}
	tf.partitioned = true

	markers := map[string]folder.PartitionState{}
	if mig != nil {
		for _, p := range mig.Partitions(t.FullName()) {
			markers[p.Name] = p
		}
	}
	members := map[string]bool{}
	for _, name := range dialect.SQLiteViewMembers(obj.Sql) {
		members[name] = true
		part, err := s.object(ctx, name)
		if err != nil {
			return nil, err
		}
		if part == nil || part.Type != "table" {
			continue // the view would not compile; nothing to count
		}
		pf := partFact{name: name}
		bounds, ok := dialect.SQLiteBounds(part.Sql, t.Key)
		if ok {
			pf.lower, pf.upper = &bounds.Lower, &bounds.Upper
		} else {
			m, known := markers[name]
			switch {
			case known && m.Default, !known && name == t.DefaultPartitionName():
				pf.dflt = true
			case known:
				l, u := m.Period.Lower, m.Period.Upper
				pf.lower, pf.upper = &l, &u
			default:
				pf.bound = "no partgen_bounds CHECK in its CREATE TABLE"
			}
		}
		if err := s.measure(ctx, f, &pf); err != nil {
			return nil, err
		}
		tf.attached = append(tf.attached, pf)
	}
	for _, c := range retiredCandidates(sp, t, mig, f.archiveLog) {
		if members[c.partition] || members[c.locate] {
			continue // its retirement is not applied yet
		}
		obj, err := s.object(ctx, c.locate)
		if err != nil {
			return nil, err
		}
		if obj == nil || obj.Type != "table" {
			continue // dropped since
		}
		pf := partFact{name: c.locate, lower: c.lower, upper: c.upper, state: c.state, partition: c.partition}
		if err := s.measure(ctx, f, &pf); err != nil {
			return nil, err
		}
		tf.retired = append(tf.retired, pf)
	}
	return tf, nil
}

func (s sqliteSource) object(ctx context.Context, name string) (*sqlitecatalog.SchemaObjectRow, error) {
	rows, err := s.q.SchemaObject(ctx, name)
	if err != nil {
		return nil, readErr("look up "+name+" in sqlite_schema", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// measure counts a partition's rows and, where dbstat exists, its pages.
func (s sqliteSource) measure(ctx context.Context, f *facts, pf *partFact) error {
	// A table name cannot be a bind parameter, so this one statement is not
	// in sqlc; the name comes from sqlite_schema or a marker and is quoted.
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+dialect.QuoteIdent(pf.name)).Scan(&n); err != nil {
		return readErr("count the rows of "+pf.name, err)
	}
	pf.rows, pf.exact = &n, true
	if f.bytesSource != "dbstat" {
		return nil
	}
	b, err := s.q.TableBytes(ctx, pf.name)
	if err != nil {
		return readErr("read the size of "+pf.name+" from dbstat", err)
	}
	pf.bytes = &b
	return nil
}
