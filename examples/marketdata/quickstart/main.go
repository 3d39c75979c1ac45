// Command quickstart is the embedded half of `make run`: it applies a goose
// folder that partgen has just brought up to date to a local SQLite file and
// writes sample market_data and alert_log rows through the views, as an
// application would. `partgen status` then shows every partition with its
// rows and bytes. No server is needed.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
)

func main() {
	dir := flag.String("dir", "run/sqlite", "the goose folder (with partgen.yaml) to apply")
	dbPath := flag.String("db", "run/quickstart.db", "the SQLite file to create")
	rows := flag.Int("rows", 5000, "sample market_data rows to write")
	flag.Parse()
	if err := run(*dir, *dbPath, *rows); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(dir, dbPath string, n int) error {
	ctx := context.Background()
	os.Remove(dbPath)
	db, err := sql.Open("sqlite3", dbPath+"?_foreign_keys=on&_busy_timeout=5000")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	p, err := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS(dir))
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("goose up: %w", err)
	}
	fmt.Printf("goose up: applied %d migration(s) to %s\n", len(results), dbPath)

	// Sample data: ticks over the last 60 days and alerts over the last 90,
	// written through the views as an application would, timestamps in the
	// machine's own zone (the triggers store them as canonical UTC).
	now := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tick, err := tx.Prepare("INSERT INTO market_data (instrument_id, ts, price, volume) VALUES (?, ?, ?, ?)")
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		ts := now.Add(-time.Duration(rng.Int64N(int64(60 * 24 * time.Hour)))).Truncate(time.Microsecond)
		if _, err := tick.Exec(1+i%5, ts, 100+rng.Float64()*10, rng.IntN(1000)); err != nil {
			tx.Rollback()
			return fmt.Errorf("insert tick: %w", err)
		}
	}
	alert, err := tx.Prepare("INSERT INTO alert_log (id, instrument_id, raised_at, severity, message) VALUES (?, ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	severities := []string{"info", "warning", "critical"}
	for i := 0; i < n/10; i++ {
		ts := now.Add(-time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
		if _, err := alert.Exec(i+1, 1+i%5, ts, severities[i%3], "price moved"); err != nil {
			tx.Rollback()
			return fmt.Errorf("insert alert: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	fmt.Printf("wrote %d market_data and %d alert_log rows through the views\n", n, n/10)
	return nil
}
