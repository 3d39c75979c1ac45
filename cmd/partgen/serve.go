package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/partgen/partgen/serve"
	"github.com/partgen/partgen/spec"
)

// shutdownGrace is how long serve lets requests in flight finish after
// SIGTERM or SIGINT.
const shutdownGrace = 10 * time.Second

func newServeCmd() *cobra.Command {
	var (
		config      string
		dbURL       string
		listen      string
		minInterval time.Duration
		timeout     time.Duration
		exact       bool
	)
	cmd := &cobra.Command{
		Use:   "serve --db URL",
		Short: "Serve status over HTTP: Prometheus metrics, JSON, a page",
		Long: `serve runs beside the application and answers:

  /metrics      Prometheus metrics: the gauges of status --format prometheus,
                plus partgen_up, partgen_report_age_seconds,
                partgen_last_error_info and serve's own read counters
  /status.json  the JSON report of status --format json (schema version 1)
                with a "serve" member: up, read_at, age_seconds, last_error
  /healthz      200 while the database can be read, 503 with the error if not
  /             a page: each table's partitions on a time axis

Each request reads the database through status (read-only transaction,
--timeout), at most once per --min-interval: in between, the report already
read is served, and its age is stated (partgen_report_age_seconds, the "Age"
header, the JSON's serve.age_seconds). One read at a time: concurrent
requests share it. When the database is down or slow, partgen_up is 0,
partgen_last_error_info says why, the last good report stays on show, and
serve keeps running; it reads again at the next request after
--min-interval. The goose folder is read again at each read.

--db is postgres://... (or postgresql://...) or sqlite:PATH (opened read-only
for each read); without it, $` + envDatabaseURL + ` is used. SIGTERM or SIGINT
stops serve after the requests in flight (at most 10s).

Exit codes: 0 stopped by a signal, 1 cannot listen, 2 a usage or spec error.`,
		Example: `  partgen serve --db postgres://partgen@db/app --config migrations/partgen.yaml
  PARTGEN_DATABASE_URL=sqlite:/var/lib/app/app.db partgen serve --listen 0.0.0.0:9187 --min-interval 1m
  curl -s localhost:9187/metrics | grep partgen_runway_periods`,
		Args: argsNone,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dbURL == "" {
				dbURL = os.Getenv(envDatabaseURL)
			}
			if dbURL == "" {
				return usageError{fmt.Errorf("no database: pass --db postgres://... or --db sqlite:PATH, or set %s", envDatabaseURL)}
			}
			if minInterval <= 0 || timeout <= 0 {
				return usageError{fmt.Errorf("--min-interval and --timeout must be positive durations (like 30s)")}
			}
			sp, err := spec.Load(config)
			if err != nil {
				return err
			}
			db, err := serve.Open(dbURL)
			if err != nil {
				return usageError{fmt.Errorf("--db %v", err)}
			}
			defer db.Close()
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			srv, err := serve.New(serve.Options{Spec: sp, Database: db, MinInterval: minInterval, Timeout: timeout, Exact: exact, Logger: logger})
			if err != nil {
				return usageError{err}
			}
			defer srv.Close()

			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("--listen %s: %v", listen, err)
			}
			hs := &http.Server{
				Handler:           srv.Handler(),
				ReadHeaderTimeout: 10 * time.Second,
				WriteTimeout:      timeout + 30*time.Second,
				IdleTimeout:       2 * time.Minute,
				ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			served := make(chan error, 1)
			go func() { served <- hs.Serve(ln) }()
			logger.Info("partgen serve listening", "url", "http://"+ln.Addr().String()+"/", "database", db.Label(),
				"spec", sp.File, "min_interval", minInterval, "timeout", timeout)

			select {
			case err := <-served:
				return fmt.Errorf("serve: %v", err)
			case <-ctx.Done():
			}
			stop()
			logger.Info("partgen serve stopping", "grace", shutdownGrace)
			srv.Close() // a read in progress gives up; its waiters get the cached report
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			if err := hs.Shutdown(sctx); err != nil {
				return fmt.Errorf("serve: shutdown: %v", err)
			}
			if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve: %v", err)
			}
			logger.Info("partgen serve stopped")
			return nil
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "partgen.yaml", "the spec file")
	cmd.Flags().StringVar(&dbURL, "db", "", "postgres://... or sqlite:PATH (default $"+envDatabaseURL+")")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:9187", "address to listen on (host:port; port 0 picks a free one)")
	cmd.Flags().DurationVar(&minInterval, "min-interval", serve.DefaultMinInterval, "least time between two reads of the database; requests in between get the report already read")
	cmd.Flags().DurationVar(&timeout, "timeout", serve.DefaultTimeout, "give up one read after this long (keep it below Prometheus's scrape_timeout)")
	cmd.Flags().BoolVar(&exact, "exact", false, "count every partition's rows with count(*) and size it with pg_total_relation_size (PostgreSQL; SQLite always counts)")
	return cmd
}
