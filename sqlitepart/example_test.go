package sqlitepart_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/sqlitepart"
)

// exampleDB is a SQLite file whose logins table partgen made monthly
// partitions of (September 2026 to January 2027).
func exampleDB() (*sql.DB, func()) {
	dir, _ := os.MkdirTemp("", "sqlitepart-example-")
	os.WriteFile(filepath.Join(dir, "partgen.yaml"), []byte(testSpec), 0o644)
	os.WriteFile(filepath.Join(dir, "20260101000000_base.sql"), []byte(testBase), 0o644)
	sp, _ := spec.Load(filepath.Join(dir, "partgen.yaml"))
	plan, _ := generator.Generate(sp, calendar.Date{Year: 2026, Month: 11, Day: 26})
	plan.Write()
	db, _ := sql.Open("sqlite3", filepath.Join(dir, "app.db"))
	p, _ := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS(dir), goose.WithLogger(goose.NopLogger()))
	if _, err := p.Up(context.Background()); err != nil {
		panic(err)
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }
}

// A statement written against the view (as sqlc checks it) runs on the
// partitions a range overlaps; a row goes straight into its partition.
func ExampleDB_On() {
	db, done := exampleDB()
	defer done()
	ctx := context.Background()
	parts := sqlitepart.New(db)
	defer parts.Close()

	// sqlc's generated code would call these through New(parts.On(p)).
	const insert = `INSERT INTO logins (id, ts, note) VALUES (?, ?, ?)`
	const count = `SELECT count(*) FROM logins WHERE logins.ts >= ? AND logins.ts < ?`

	for i, at := range []time.Time{
		time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 1, 9, 30, 0, 0, time.FixedZone("JST", 9*3600)), // 2026-12-01 00:30 UTC
		time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC),
	} {
		p, err := parts.Partition(ctx, "logins", at)
		if err != nil {
			panic(err)
		}
		if _, err := parts.On(p).ExecContext(ctx, insert, i, at, "example"); err != nil {
			panic(err)
		}
		fmt.Println(at.UTC().Format(time.DateTime), "->", p.Name)
	}

	from, to := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	ps, _ := parts.Overlapping(ctx, "logins", from, to)
	total := 0
	for _, p := range ps {
		var n int
		if err := parts.On(p).QueryRowContext(ctx, count, from, to).Scan(&n); err != nil {
			panic(err)
		}
		fmt.Println(p.Name, n)
		total += n
	}
	fmt.Println("total", total)
	// Output:
	// 2026-11-30 23:00:00 -> logins_p2026_11
	// 2026-12-01 00:30:00 -> logins_p2026_12
	// 2026-12-02 00:00:00 -> logins_p2026_12
	// logins_p2026_11 1
	// logins_p2026_12 1
	// total 2
}
