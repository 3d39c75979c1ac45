package serve

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/mattn/go-sqlite3" // sqlite: URLs

	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/status"
)

// Database is what a [Server] reads each time its report is stale: one
// status.Read in a read-only transaction. [Open] makes one from a URL.
type Database interface {
	// Read reads the report of sp at now, within ctx's deadline.
	Read(ctx context.Context, sp *spec.Spec, now time.Time, opts status.Options) (*status.Report, error)
	// Engine is the dialect the database speaks.
	Engine() dialect.Name
	// Label names the database without its password.
	Label() string
	// Close releases its connections.
	Close()
}

// Open makes a Database from postgres://... (or postgresql://...) or
// sqlite:PATH. It does not connect: a database that is down when serve
// starts is reported (partgen_up 0) until it comes up. An error here is a
// malformed URL.
func Open(raw string) (Database, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return openPostgres(raw)
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if path == "" {
			return nil, errors.New("sqlite: names no file; write sqlite:PATH")
		}
		return &sqliteDB{path: path}, nil
	}
	return nil, fmt.Errorf("%q: write postgres://... or sqlite:PATH", Redact(raw))
}

// Redact hides a URL's password.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// pgDB keeps one connection in a pool between reads. The pool pings it
// before each read and replaces it when the server restarted, the database
// was dropped and recreated, or a timeout killed it.
type pgDB struct {
	pool  *pgxpool.Pool
	label string
}

func openPostgres(raw string) (*pgDB, error) {
	cfg, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", Redact(raw), err)
	}
	// Bounds are read back from their printed form: pin the print
	// settings (as `partgen status` does), and make the session unable to
	// write anything.
	cc := cfg.ConnConfig
	cc.RuntimeParams["datestyle"] = "ISO, MDY"
	cc.RuntimeParams["timezone"] = "UTC"
	cc.RuntimeParams["default_transaction_read_only"] = "on"
	cc.RuntimeParams["application_name"] = "partgen serve"
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = 10 * time.Second
	}
	cfg.MaxConns = 1 // one read at a time
	cfg.MinConns = 0 // connect on the first read, not at start
	cfg.MaxConnIdleTime = 10 * time.Minute
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return true }
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", Redact(raw), err)
	}
	return &pgDB{pool: pool, label: Redact(raw)}, nil
}

func (d *pgDB) Engine() dialect.Name { return dialect.Postgres }
func (d *pgDB) Label() string        { return d.label }
func (d *pgDB) Close()               { d.pool.Close() }

// Read runs in one REPEATABLE READ, READ ONLY transaction: every catalog
// query sees the same snapshot, and nothing can be written.
func (d *pgDB) Read(ctx context.Context, sp *spec.Spec, now time.Time, opts status.Options) (*status.Report, error) {
	tx, err := d.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %w", d.label, err)
	}
	defer func() {
		// Not ctx: it may be spent. A connection that does not answer is
		// given up after a few seconds, never waited on for ever.
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tx.Rollback(rctx)
	}()
	opts.Database = d.label
	return status.Read(ctx, status.Postgres(tx), sp, now, opts)
}

// sqliteDB opens the file afresh for each read, read-only: a file replaced
// or moved away and back is seen as it is now, never through a handle on
// an unlinked copy, and a missing file is an error, never a new empty
// database.
type sqliteDB struct{ path string }

func (d *sqliteDB) Engine() dialect.Name { return dialect.SQLite }
func (d *sqliteDB) Label() string        { return d.path }
func (d *sqliteDB) Close()               {}

func (d *sqliteDB) Read(ctx context.Context, sp *spec.Spec, now time.Time, opts status.Options) (*status.Report, error) {
	if _, err := os.Stat(d.path); err != nil {
		return nil, fmt.Errorf("cannot open SQLite database %s: %w", d.path, errors.Unwrap(err))
	}
	dsn := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(d.path) + "?mode=ro&_busy_timeout=2000"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot open SQLite database %s: %w", d.path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("cannot open SQLite database %s: %w", d.path, err)
	}
	defer tx.Rollback()
	opts.Database = d.path
	return status.Read(ctx, status.SQLite(tx), sp, now, opts)
}
