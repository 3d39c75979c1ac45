// Package sqliteschema learns a table's definition the way SQLite itself
// does: it replays the user's goose migrations into an in-memory database
// and reads sqlite_schema. partgen never asks for the schema in YAML.
package sqliteschema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "github.com/mattn/go-sqlite3" // the engine partgen emulates partitions on
	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/spec"
)

// Table is a table as the user's own migrations define it, read back
// from sqlite_schema after replaying them.
type Table struct {
	Name       string
	SQL        string   // CREATE TABLE statement as stored in sqlite_schema
	Columns    []string // in declaration order
	PrimaryKey []string // in key order; empty without a declared primary key
	// Types maps each column to its declared type, as written (may be "").
	Types   map[string]string
	Indexes []Index
	// NotNullDefaults maps NOT NULL columns that have a DEFAULT to its SQL.
	// A view has no defaults, so an INSERT through it that omits such a
	// column arrives as NULL; the triggers apply the default instead.
	NotNullDefaults map[string]string
}

// Index is one index the user created (automatic indexes are left
// out: the table's own UNIQUE and PRIMARY KEY clauses recreate them).
type Index struct {
	Name string
	SQL  string
}

// Reader reads table definitions for one partgen run. It replays the
// folder's hand-written migrations once and answers every table from that
// database; only a table it cannot find there (or a folder whose
// hand-written files need partgen's to replay) costs a replay of its own, up
// to the table's first partgen migration.
type Reader struct {
	mu     sync.Mutex
	shared map[*folder.Folder]*sql.DB
	failed map[*folder.Folder]bool
}

// NewReader returns a Reader; Close releases its databases.
func NewReader() *Reader {
	return &Reader{shared: map[*folder.Folder]*sql.DB{}, failed: map[*folder.Folder]bool{}}
}

// Close releases the in-memory databases.
func (r *Reader) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, db := range r.shared {
		db.Close()
	}
	r.shared = map[*folder.Folder]*sql.DB{}
}

// Read returns the definition of table as the folder's migrations create
// it, replaying the folder once for every table of a run.
func (r *Reader) Read(mig *folder.Folder, table string) (*Table, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	db := r.shared[mig]
	if db == nil && !r.failed[mig] {
		var err error
		db, err = replay(mig, func(f folder.MigrationFile) bool { return !f.Partgen })
		if err != nil {
			r.failed[mig] = true
		} else {
			r.shared[mig] = db
		}
	}
	if db != nil {
		if st, err := definition(context.Background(), db, mig, table); err == nil {
			return st, nil
		}
	}
	return Read(mig, table)
}

// Read returns the definition of table as the folder's migrations create
// it, before the first partgen migration that touches it.
func Read(mig *folder.Folder, table string) (*Table, error) {
	var first int64 = -1
	for _, f := range mig.Files {
		if first >= 0 {
			break
		}
		for _, m := range f.Markers {
			if m.Table == table {
				first = f.Version
				break
			}
		}
	}
	db, err := replay(mig, func(f folder.MigrationFile) bool { return first < 0 || f.Version < first })
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return definition(context.Background(), db, mig, table)
}

// Replay applies every SQL migration of the folder to a new in-memory
// database with goose, as goose up would, and returns it (one connection:
// the database lives as long as it). sqlc's schema dump uses it.
func Replay(mig *folder.Folder) (*sql.DB, error) {
	return replay(mig, func(folder.MigrationFile) bool { return true })
}

// replay applies the folder's SQL migrations that keep() selects to a new
// in-memory database, with goose, as goose up would.
func replay(mig *folder.Folder, keep func(folder.MigrationFile) bool) (*sql.DB, error) {
	if unavailable != nil {
		return nil, noCgo(mig.Dir)
	}
	ctx := context.Background()
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one connection, one in-memory database
	names := map[string]bool{}
	for _, f := range mig.Files {
		if strings.HasSuffix(f.Name, ".sql") && keep(f) {
			names[f.Name] = true
		}
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, selected{os.DirFS(mig.Dir), names}, goose.WithLogger(goose.NopLogger()))
	if err != nil {
		db.Close()
		return nil, &spec.Error{File: mig.Dir, Msg: "goose cannot read the folder: " + err.Error(),
			Fix: "fix the migration goose names; partgen replays the folder to learn the table's columns"}
	}
	if _, err := p.Up(ctx); err != nil {
		db.Close()
		file := mig.Dir
		var pe *goose.PartialError
		if errors.As(err, &pe) && pe.Failed != nil && pe.Failed.Source != nil {
			file = filepath.Join(mig.Dir, filepath.Base(pe.Failed.Source.Path))
			err = pe.Err
		}
		return nil, &spec.Error{File: file, Msg: "replaying the migrations into an in-memory SQLite failed: " + err.Error(),
			Fix: "make the migration valid SQLite; partgen replays the folder to learn the tables' columns"}
	}
	return db, nil
}

// definition reads one table's definition from a replayed database.
func definition(ctx context.Context, db *sql.DB, mig *folder.Folder, table string) (*Table, error) {
	var typ, ddl string
	err := db.QueryRowContext(ctx, `SELECT type, coalesce(sql, '') FROM sqlite_schema WHERE name = ? COLLATE NOCASE`, table).Scan(&typ, &ddl)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &spec.Error{File: mig.Dir, Msg: fmt.Sprintf("the migrations never create table %s", table),
			Fix: "create the table in your own goose migration (an ordinary CREATE TABLE) before partgen's files"}
	}
	if err != nil {
		return nil, err
	}
	if typ != "table" {
		return nil, &spec.Error{File: mig.Dir, Msg: fmt.Sprintf("%s is a %s before partgen's first migration for it, not a table", table, typ),
			Fix: "partgen converts an ordinary table; check the folder's hand-written migrations"}
	}
	// A foreign key cannot point at a view: converting a referenced table
	// would leave the referencing table checking against nothing.
	var referrer string
	err = db.QueryRowContext(ctx, `SELECT m.name FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f."table" = ? COLLATE NOCASE LIMIT 1`, table).Scan(&referrer)
	if err == nil {
		return nil, &spec.Error{File: mig.Dir, Msg: fmt.Sprintf("table %s is referenced by a foreign key of %s; SQLite cannot point a foreign key at the view partgen would put in its place", table, referrer),
			Fix: "drop that foreign key in a migration of yours (check the reference in the application), or do not partition " + table}
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	st := &Table{Name: table, SQL: ddl}
	rows, err := db.QueryContext(ctx, `SELECT name, type, pk, "notnull", dflt_value FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	pk := map[int]string{}
	st.NotNullDefaults = map[string]string{}
	st.Types = map[string]string{}
	for rows.Next() {
		var name, typ string
		var k int
		var notNull bool
		var dflt sql.NullString
		if err := rows.Scan(&name, &typ, &k, &notNull, &dflt); err != nil {
			rows.Close()
			return nil, err
		}
		st.Columns = append(st.Columns, name)
		st.Types[name] = typ
		if k > 0 {
			pk[k] = name
		}
		if notNull && dflt.Valid {
			st.NotNullDefaults[name] = "(" + dflt.String + ")"
		}
	}
	rows.Close()
	for i := 1; i <= len(pk); i++ {
		st.PrimaryKey = append(st.PrimaryKey, pk[i])
	}
	rows, err = db.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? COLLATE NOCASE AND sql IS NOT NULL ORDER BY name`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ix Index
		if err := rows.Scan(&ix.Name, &ix.SQL); err != nil {
			return nil, err
		}
		st.Indexes = append(st.Indexes, ix)
	}
	return st, rows.Err()
}

// selected shows goose only the named SQL files of a folder: partgen
// replays SQL only (an unregistered Go migration would stop the replay), and
// sometimes only the hand-written part.
type selected struct {
	fsys  fs.FS
	names map[string]bool
}

func (s selected) Open(name string) (fs.File, error) { return s.fsys.Open(name) }

func (s selected) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(s.fsys, name)
	if err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	for _, e := range entries {
		if !e.IsDir() && s.names[e.Name()] {
			out = append(out, e)
		}
	}
	return out, nil
}
