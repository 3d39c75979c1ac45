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

	_ "github.com/mattn/go-sqlite3" // the engine partgen emulates partitions on
	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/generator"
)

// Read returns the definition of table as the folder's migrations create
// it, before the first partgen migration that touches it.
func Read(folder *generator.Folder, table string) (*generator.SQLiteTable, error) {
	ctx := context.Background()
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection, one in-memory database

	upTo := int64(-1)
	for _, f := range folder.Files {
		if !f.Partgen {
			continue
		}
		for _, m := range f.Markers {
			if m.Table == table {
				upTo = f.Version - 1
				break
			}
		}
		if upTo >= 0 {
			break
		}
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sqlOnly{os.DirFS(folder.Dir)}, goose.WithLogger(goose.NopLogger()))
	if err != nil {
		return nil, &generator.SpecError{File: folder.Dir, Msg: "goose cannot read the folder: " + err.Error(),
			Fix: "fix the migration goose names; partgen replays the folder to learn the table's columns"}
	}
	if upTo < 0 {
		_, err = p.Up(ctx)
	} else if upTo > 0 {
		_, err = p.UpTo(ctx, upTo)
	}
	if err != nil {
		file := folder.Dir
		var pe *goose.PartialError
		if errors.As(err, &pe) && pe.Failed != nil && pe.Failed.Source != nil {
			file = filepath.Join(folder.Dir, filepath.Base(pe.Failed.Source.Path))
			err = pe.Err
		}
		return nil, &generator.SpecError{File: file, Msg: "replaying the migrations into an in-memory SQLite failed: " + err.Error(),
			Fix: "make the migration valid SQLite; partgen replays the folder to learn the columns of " + table}
	}
	var typ, ddl string
	err = db.QueryRowContext(ctx, `SELECT type, coalesce(sql, '') FROM sqlite_schema WHERE name = ? COLLATE NOCASE`, table).Scan(&typ, &ddl)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &generator.SpecError{File: folder.Dir, Msg: fmt.Sprintf("the migrations never create table %s", table),
			Fix: "create the table in your own goose migration (an ordinary CREATE TABLE) before partgen's files"}
	}
	if err != nil {
		return nil, err
	}
	if typ != "table" {
		return nil, &generator.SpecError{File: folder.Dir, Msg: fmt.Sprintf("%s is a %s before partgen's first migration for it, not a table", table, typ),
			Fix: "partgen converts an ordinary table; check the folder's hand-written migrations"}
	}
	st := &generator.SQLiteTable{Name: table, SQL: ddl}
	rows, err := db.QueryContext(ctx, `SELECT name, pk, "notnull", dflt_value FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		return nil, err
	}
	pk := map[int]string{}
	st.NotNullDefaults = map[string]string{}
	for rows.Next() {
		var name string
		var k int
		var notNull bool
		var dflt sql.NullString
		if err := rows.Scan(&name, &k, &notNull, &dflt); err != nil {
			rows.Close()
			return nil, err
		}
		st.Columns = append(st.Columns, name)
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
		var ix generator.SQLiteIndex
		if err := rows.Scan(&ix.Name, &ix.SQL); err != nil {
			return nil, err
		}
		st.Indexes = append(st.Indexes, ix)
	}
	return st, rows.Err()
}

// sqlOnly hides Go migrations (and everything else) from goose: partgen
// replays SQL only, and an unregistered Go migration would stop the replay.
type sqlOnly struct{ fsys fs.FS }

func (s sqlOnly) Open(name string) (fs.File, error) { return s.fsys.Open(name) }

func (s sqlOnly) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(s.fsys, name)
	if err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e)
		}
	}
	return out, nil
}
