package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/mattn/go-sqlite3" // sqlite: URLs
	"github.com/spf13/cobra"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/sqliteschema"
	"github.com/partgen/partgen/status"
)

// Exit codes of status, for cron monitors. 2 is both "critical" and a usage
// or spec error: a monitor must page either way, and the message on stderr
// says which.
const (
	exitStatusWarning  = 1
	exitStatusCritical = 2
	exitStatusUnread   = 3
)

// envDatabaseURL is the fallback for --db, so the URL (and its password)
// need not be on the command line.
const envDatabaseURL = "PARTGEN_DATABASE_URL"

func newStatusCmd() *cobra.Command {
	var (
		config  string
		dbURL   string
		format  string
		exact   bool
		asOf    string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "status --db URL",
		Short: "Report partitions, runway and health from a live database",
		Long: `status reads the spec's tables from a live database and reports every
partition (bounds, state, rows, bytes, whether partgen created it), the runway
left from now, gaps and overlaps, rows in the default partition, partitions
past retention that are still attached, retired (detached or archived)
tables, partgen_archive_log and the migrations goose has applied. It only
reads.

--db is postgres://... (or postgresql://...) or sqlite:PATH; without it,
$` + envDatabaseURL + ` is used. The goose folder the spec names is read too,
when it exists, to tell partgen's partitions from others and to find
pending migrations (for SQLite it also names retired tables).

Health:
  critical  a spec table is missing or not partitioned, no partition covers
            now, less than one whole period is ready after the current one
            (premake >= 1), or attached partitions leave a gap or overlap
  warning   fewer whole periods ready than premake, rows in the default
            partition, a partition past retention still attached, an
            interrupted DETACH, unreadable bounds, or a pending migration that
            goose would refuse as out of order
  ok        none of these

Rows: PostgreSQL estimates (pg_class.reltuples) unless --exact; the default
partition is always counted exactly; SQLite always counts. Bytes: PostgreSQL
pages as of the last VACUUM/ANALYZE (relpages) unless --exact, then
pg_total_relation_size; on a Citus coordinator (the citus extension)
distributed tables are sized with citus_total_relation_size and their rows
counted, since the coordinator's own tables are empty shells. On SQLite the
dbstat table, which exists only in builds with -tags sqlite_dbstat (make
build sets it); without it bytes are left empty (null in JSON) and the whole
file's size is shown instead.

Formats: table (default), json (schema in README, "partgen status"),
prometheus (text exposition for node_exporter's textfile collector, every
metric a gauge; partgen serve exposes the same over HTTP), html (one
self-contained page: each table's partitions on a time axis).

--as-of DATE reports as of the start of that day (00:00, or the day's first
instant where a DST change skips midnight) in the spec's time zone: the
instant at which generate and check, given the same date, start their as-of
period, so all three judge the same periods. --as-of also takes an RFC 3339
instant. Without it, $PARTGEN_AS_OF if set, else now. (--now is the old
name.)

Exit codes (for cron monitors):
  0  ok
  1  warning
  2  critical, and also a usage or spec error (a bad flag, no --db, a spec
     that does not load): either way a monitor should alert; stderr says which
  3  the database cannot be reached or read`,
		Example: `  partgen status --db sqlite:run/quickstart.db -c run/sqlite/partgen.yaml
  PARTGEN_DATABASE_URL=postgres://app@db/app partgen status \
      --format prometheus > /var/lib/node_exporter/partgen.prom
  partgen status --db postgres://app@db/app --format json --exact
  partgen status --db sqlite:app.db --as-of 2027-01-15`,
		Args: argsNone,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "table", "json", "prometheus", "html":
			default:
				return usageError{fmt.Errorf("--format %q: use table, json, prometheus or html", format)}
			}
			if dbURL == "" {
				dbURL = os.Getenv(envDatabaseURL)
			}
			if dbURL == "" {
				return usageError{fmt.Errorf("no database: pass --db postgres://... or --db sqlite:PATH, or set %s", envDatabaseURL)}
			}
			if cmd.Flags().Changed("as-of") && cmd.Flags().Changed("now") {
				return usageError{errors.New("--now is the old name of --as-of: give one of them")}
			}
			asOf, flagName := asOfFlag(asOf)
			if cmd.Flags().Changed("now") {
				flagName = "--now"
				fmt.Fprintln(cmd.ErrOrStderr(), "partgen: --now is deprecated: use --as-of (same values)")
			}
			var when asOfValue
			if asOf != "" {
				var err error
				if when, err = parseAsOf(asOf); err != nil {
					return usageError{fmt.Errorf("%s: %v", flagName, err)}
				}
			}
			sp, err := spec.Load(config)
			if err != nil {
				return err
			}
			now := time.Now()
			if asOf != "" {
				now = when.instant(sp.Location)
			}
			opts := status.Options{Exact: exact}
			if _, err := os.Stat(sp.Migrations); err == nil {
				if opts.Folder, err = folder.Read(sp.Migrations); err != nil {
					return err
				}
			} else {
				// A monitor must not lose the pending and out-of-order
				// checks silently: the report says the folder was not read.
				opts.FolderError = fmt.Errorf("%s: %w", rel(sp.Migrations), errors.Unwrap(err))
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			src, label, closeDB, err := openDatabase(ctx, dbURL, sp)
			if err != nil {
				return err
			}
			defer closeDB()
			opts.Database = label
			report, err := status.Read(ctx, src, sp, now, opts)
			if err != nil {
				var re *status.ReadError
				if errors.As(err, &re) || ctx.Err() != nil {
					return &exitError{code: exitStatusUnread, err: fmt.Errorf("cannot read %s: %w", label, err)}
				}
				return usageError{err}
			}
			if err := render(cmd.OutOrStdout(), report, format); err != nil {
				return err
			}
			switch report.Health {
			case rules.Warning:
				return &exitError{code: exitStatusWarning, err: errors.New("")}
			case rules.Critical:
				return &exitError{code: exitStatusCritical, err: errors.New("")}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "partgen.yaml", "the spec file")
	cmd.Flags().StringVar(&dbURL, "db", "", "postgres://... or sqlite:PATH (default $"+envDatabaseURL+")")
	cmd.Flags().StringVar(&format, "format", "table", "table, json, prometheus or html")
	cmd.Flags().BoolVar(&exact, "exact", false, "count every partition's rows with count(*) and size it with pg_total_relation_size (PostgreSQL; SQLite always counts)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "report as of this date (YYYY-MM-DD: its start in the spec's zone) or RFC 3339 instant, not now (default $"+envAsOf+")")
	cmd.Flags().StringVar(&asOf, "now", "", "the old name of --as-of")
	// Hidden rather than MarkDeprecated: pflag would print the notice on
	// stdout, inside a JSON or Prometheus report.
	_ = cmd.Flags().MarkHidden("now")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "give up (exit 3) after this long")
	return cmd
}

// asOfValue is status's --as-of: an instant, or a date whose instant
// depends on the spec's zone.
type asOfValue struct {
	at   time.Time
	date *calendar.Date
}

func parseAsOf(s string) (asOfValue, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return asOfValue{at: t}, nil
	}
	if d, err := calendar.ParseDate(s); err == nil {
		return asOfValue{date: &d}, nil
	}
	return asOfValue{}, fmt.Errorf("%q is neither a date (2026-11-26) nor an RFC 3339 instant (2026-11-26T12:00:00Z)", s)
}

// instant is the value as an instant: a date is the first instant of that
// day in loc, as the calendar starts a day period (a midnight skipped by a
// DST change starts the day at the first hour that exists).
func (v asOfValue) instant(loc *time.Location) time.Time {
	if v.date == nil {
		return v.at
	}
	return calendar.PeriodOfDate(calendar.Day, *v.date, loc).Lower
}

func render(w io.Writer, r *status.Report, format string) error {
	switch format {
	case "json":
		return r.WriteJSON(w)
	case "prometheus":
		return r.WritePrometheus(w)
	case "html":
		return r.WriteHTML(w, status.HTMLOptions{})
	}
	return r.WriteTable(w)
}

// openDatabase connects to the URL and checks it matches the spec's dialect.
// The label names the database in the report without its password.
func openDatabase(ctx context.Context, raw string, sp *spec.Spec) (status.Source, string, func(), error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if sp.Dialect != dialect.Postgres {
			return nil, "", nil, usageError{fmt.Errorf("%s is a %s spec but --db is a PostgreSQL URL; pass the matching --config", sp.File, sp.Dialect)}
		}
		label := redact(raw)
		cfg, err := pgx.ParseConfig(raw)
		if err != nil {
			return nil, "", nil, usageError{fmt.Errorf("--db: %v", err)}
		}
		// Bounds are read back from their printed form: pin the print
		// settings, and make the session unable to write anything.
		cfg.RuntimeParams["datestyle"] = "ISO, MDY"
		cfg.RuntimeParams["timezone"] = "UTC"
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
		cfg.RuntimeParams["application_name"] = "partgen status"
		if cfg.ConnectTimeout == 0 {
			cfg.ConnectTimeout = 10 * time.Second
		}
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil, "", nil, &exitError{code: exitStatusUnread, err: fmt.Errorf("cannot connect to %s: %s", label, connectError(err))}
		}
		return status.Postgres(conn), label, func() { conn.Close(context.Background()) }, nil
	case strings.HasPrefix(raw, "sqlite:"):
		if sp.Dialect != dialect.SQLite {
			return nil, "", nil, usageError{fmt.Errorf("%s is a %s spec but --db is a SQLite database; pass the matching --config", sp.File, sp.Dialect)}
		}
		if err := sqliteschema.Available(); err != nil {
			return nil, "", nil, usageError{fmt.Errorf("--db %s: %v\n  fix: %s", raw, err, sqliteschema.FixNoCgo)}
		}
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if path == "" {
			return nil, "", nil, usageError{errors.New("--db sqlite: names no file; write sqlite:PATH")}
		}
		// A missing file is "cannot connect": opening it would create an
		// empty database and report every table missing.
		if _, err := os.Stat(path); err != nil {
			return nil, "", nil, &exitError{code: exitStatusUnread, err: fmt.Errorf("cannot open SQLite database %s: %v", path, errors.Unwrap(err))}
		}
		dsn := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) + "?mode=ro&_busy_timeout=5000"
		db, err := sql.Open("sqlite3", dsn)
		if err != nil {
			return nil, "", nil, &exitError{code: exitStatusUnread, err: fmt.Errorf("cannot open SQLite database %s: %v", path, err)}
		}
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, "", nil, &exitError{code: exitStatusUnread, err: fmt.Errorf("cannot open SQLite database %s: %v", path, err)}
		}
		return status.SQLite(db), path, func() { db.Close() }, nil
	}
	return nil, "", nil, usageError{fmt.Errorf("--db %q: write postgres://... or sqlite:PATH", redact(raw))}
}

// connectError is pgx's connection error with each distinct failed attempt
// once. With sslmode=prefer (libpq's default, and pgx's) pgx tries TLS and
// then plain text, and its error lists both attempts: against a port where
// nothing listens, the same "connection refused" twice.
func connectError(err error) string {
	var ce *pgconn.ConnectError
	if !errors.As(err, &ce) || ce.Config == nil {
		return err.Error()
	}
	inner := errors.Unwrap(ce)
	if inner == nil {
		return err.Error()
	}
	attempts := []error{inner}
	if joined, ok := inner.(interface{ Unwrap() []error }); ok {
		attempts = joined.Unwrap()
	}
	var lines []string
	for _, a := range attempts {
		if s := a.Error(); !slices.Contains(lines, s) {
			lines = append(lines, s)
		}
	}
	head := fmt.Sprintf("failed to connect to `user=%s database=%s`", ce.Config.User, ce.Config.Database)
	if len(lines) == 1 {
		return head + ": " + lines[0]
	}
	return head + ":\n\t" + strings.Join(lines, "\n\t")
}

// redact hides a URL's password.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
