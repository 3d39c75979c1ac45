// Package serve is `partgen serve`: an HTTP server beside the application
// that reads the status of a spec's tables from one database and exposes
// it as Prometheus metrics (/metrics), the JSON report (/status.json), a
// page of every table's partitions (/) and a health check (/healthz).
//
// Reads are rationed: a request finds the report read at most
// Options.MinInterval ago, or reads it anew; one read at a time, shared by
// every request that waits for it, in a read-only transaction that gives up
// after Options.Timeout. A read that fails keeps the last good report on
// show, says how old it is and why the read failed (partgen_up 0); the
// server never crashes on a database that is down or slow, and a request
// never waits longer than the timeout.
package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"golang.org/x/sync/singleflight"

	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/status"
)

// Defaults of [Options].
const (
	DefaultMinInterval = 30 * time.Second
	DefaultTimeout     = 5 * time.Second
)

// Options configure a [Server].
type Options struct {
	Spec     *spec.Spec
	Database Database
	// MinInterval is the least time between two reads of the database;
	// requests in between get the report already read. Default
	// [DefaultMinInterval].
	MinInterval time.Duration
	// Timeout bounds one read, connection included; keep it below
	// Prometheus's scrape_timeout (10s by default). Default
	// [DefaultTimeout].
	Timeout time.Duration
	// Exact counts rows and sizes exactly (status.Options.Exact).
	Exact bool
	// Clock is the instant a report is read for and the clock of
	// MinInterval; default time.Now. Tests pass their own.
	Clock func() time.Time
	// Logger receives a line when reads start failing, change error or
	// recover; default: none.
	Logger *slog.Logger
}

// Server answers the four endpoints. Make one with [New]; [Server.Close]
// cancels a read in progress.
type Server struct {
	opts  Options
	base  context.Context
	stop  context.CancelFunc
	group singleflight.Group

	mu   sync.Mutex
	snap snapshot

	static   *prometheus.Registry
	reads    *prometheus.CounterVec
	duration prometheus.Histogram
	metrics  http.Handler
}

// snapshot is what the server knows after its latest read.
type snapshot struct {
	report    *status.Report // the last good report; nil before the first
	readAt    time.Time      // when report was read
	attemptAt time.Time      // when the latest read started, good or bad
	err       error          // the latest read's error; nil when it succeeded
	errAt     time.Time      // when err happened
}

func (s snapshot) up() bool { return s.report != nil && s.err == nil }

// New checks the options and returns a server; it reads nothing yet.
func New(opts Options) (*Server, error) {
	if opts.Spec == nil || opts.Database == nil {
		return nil, errors.New("serve: a spec and a database are required")
	}
	if opts.Database.Engine() != opts.Spec.Dialect {
		return nil, fmt.Errorf("%s is a %s spec but the database is %s; pass the matching --config", opts.Spec.File, opts.Spec.Dialect, opts.Database.Engine())
	}
	if opts.MinInterval <= 0 {
		opts.MinInterval = DefaultMinInterval
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{opts: opts}
	s.base, s.stop = context.WithCancel(context.Background())
	s.static = prometheus.NewRegistry()
	s.reads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "partgen_reads_total",
		Help: "Reads of the database by partgen serve, by result (ok, error).",
	}, []string{"result"})
	s.reads.WithLabelValues("ok")
	s.reads.WithLabelValues("error")
	s.duration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "partgen_read_duration_seconds",
		Help:    "Time one read of the database took (connection, catalog queries, counts), good or bad.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	s.static.MustRegister(s.reads, s.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.metrics = promhttp.HandlerFor(prometheus.Gatherers{s.static, prometheus.GathererFunc(s.gatherReport)},
		promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, ErrorLog: slogPrinter{opts.Logger}})
	return s, nil
}

// Close cancels a read in progress; the server answers from what it has.
func (s *Server) Close() { s.stop() }

// Handler serves /metrics, /status.json, /healthz and /.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", s.serveMetrics)
	mux.HandleFunc("GET /status.json", s.serveJSON)
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /{$}", s.servePage)
	return mux
}

// current returns a snapshot no older than MinInterval, reading the
// database when needed. Concurrent callers share one read; a caller stops
// waiting when its request ends or the read overruns the timeout, and then
// gets what the server had.
func (s *Server) current(ctx context.Context) snapshot {
	if snap, fresh := s.cached(); fresh {
		return snap
	}
	ch := s.group.DoChan("read", func() (any, error) {
		if snap, fresh := s.cached(); fresh {
			return snap, nil // a read finished while this caller queued
		}
		return s.read(), nil
	})
	overrun := time.NewTimer(s.opts.Timeout + time.Second)
	defer overrun.Stop()
	select {
	case res := <-ch:
		return res.Val.(snapshot)
	case <-ctx.Done():
	case <-overrun.C:
		// The read ignores its deadline (a driver stuck in a call): say
		// so, and let the next request after MinInterval start another
		// read instead of joining this one for ever.
		s.group.Forget("read")
		s.mu.Lock()
		now := s.opts.Clock()
		s.snap.attemptAt = now
		s.snap.err, s.snap.errAt = fmt.Errorf("a read of the database has not finished %s after it started (--timeout %s)", s.opts.Timeout+time.Second, s.opts.Timeout), now
		s.mu.Unlock()
	}
	snap, _ := s.cached()
	return snap
}

func (s *Server) cached() (snapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fresh := !s.snap.attemptAt.IsZero() && s.opts.Clock().Sub(s.snap.attemptAt) < s.opts.MinInterval
	return s.snap, fresh
}

// read reads the database once and records the outcome.
func (s *Server) read() snapshot {
	now := s.opts.Clock()
	started := time.Now()
	ctx, cancel := context.WithTimeout(s.base, s.opts.Timeout)
	defer cancel()
	opts := status.Options{Exact: s.opts.Exact}
	// The folder is read each time: a deploy adds migrations to it.
	sp := s.opts.Spec
	if _, err := os.Stat(sp.Migrations); err != nil {
		opts.FolderError = fmt.Errorf("%s: %w", sp.Migrations, errors.Unwrap(err))
	} else if opts.Folder, err = folder.Read(sp.Migrations); err != nil {
		opts.Folder, opts.FolderError = nil, err
	}
	r, err := s.opts.Database.Read(ctx, sp, now, opts)
	if err != nil && ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("no answer within %s (--timeout): %w", s.opts.Timeout, err)
	}
	s.duration.Observe(time.Since(started).Seconds())

	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.snap
	s.snap.attemptAt = now
	if err != nil {
		s.reads.WithLabelValues("error").Inc()
		s.snap.err, s.snap.errAt = err, now
		if prev.err == nil || prev.err.Error() != err.Error() {
			s.opts.Logger.Error("cannot read the database", "database", s.opts.Database.Label(), "error", err)
		}
		return s.snap
	}
	s.reads.WithLabelValues("ok").Inc()
	s.snap.report, s.snap.readAt, s.snap.err = r, now, nil
	if prev.err != nil {
		s.opts.Logger.Info("the database can be read again", "database", s.opts.Database.Label(), "health", r.Health)
	}
	return s.snap
}

// Per-scrape metrics of serve itself.
var (
	descUp = prometheus.NewDesc("partgen_up",
		"1 when the latest read of the database succeeded, 0 when it failed (the other partgen_ series are then from the last good read).", nil, nil)
	descAge = prometheus.NewDesc("partgen_report_age_seconds",
		"Seconds since the report on show was read (absent before the first good read).", nil, nil)
	descLastError = prometheus.NewDesc("partgen_last_error_info",
		"Always 1, present while the latest read failed: its error.", []string{"error"}, nil)
	descLastErrorTime = prometheus.NewDesc("partgen_last_error_timestamp_seconds",
		"When a read last failed, in Unix seconds (absent when none has).", nil, nil)
	descMinInterval = prometheus.NewDesc("partgen_min_interval_seconds",
		"Least time between two reads of the database (--min-interval).", nil, nil)
)

// gatherReport gathers the cached report and serve's own gauges; the
// handler has brought the cache up to date before.
func (s *Server) gatherReport() ([]*dto.MetricFamily, error) {
	snap, _ := s.cached()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(status.NewCollector(snap.report)); err != nil {
		return nil, err
	}
	if err := reg.Register(snapCollector{snap, s.opts.Clock(), s.opts.MinInterval}); err != nil {
		return nil, err
	}
	return reg.Gather()
}

type snapCollector struct {
	snap        snapshot
	now         time.Time
	minInterval time.Duration
}

func (c snapCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descUp, descAge, descLastError, descLastErrorTime, descMinInterval} {
		ch <- d
	}
}

func (c snapCollector) Collect(ch chan<- prometheus.Metric) {
	up := 0.0
	if c.snap.up() {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up)
	ch <- prometheus.MustNewConstMetric(descMinInterval, prometheus.GaugeValue, c.minInterval.Seconds())
	if c.snap.report != nil {
		ch <- prometheus.MustNewConstMetric(descAge, prometheus.GaugeValue, c.now.Sub(c.snap.readAt).Seconds())
	}
	if !c.snap.errAt.IsZero() {
		ch <- prometheus.MustNewConstMetric(descLastErrorTime, prometheus.GaugeValue, float64(c.snap.errAt.UnixNano())/1e9)
	}
	if c.snap.err != nil {
		m, err := prometheus.NewConstMetric(descLastError, prometheus.GaugeValue, 1, c.snap.err.Error())
		if err != nil {
			m = prometheus.NewInvalidMetric(descLastError, err)
		}
		ch <- m
	}
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	s.current(r.Context())
	s.metrics.ServeHTTP(w, r)
}

// ServeInfo is the "serve" member /status.json adds to the JSON v1 report:
// how old the report is and whether the latest read worked.
type ServeInfo struct {
	Up                 bool       `json:"up"`
	ReadAt             *time.Time `json:"read_at"`     // when the report was read; null before the first good read
	AgeSeconds         *float64   `json:"age_seconds"` // now - read_at
	LastError          string     `json:"last_error,omitempty"`
	LastErrorAt        *time.Time `json:"last_error_at,omitempty"`
	MinIntervalSeconds float64    `json:"min_interval_seconds"`
}

func (s *Server) info(snap snapshot) ServeInfo {
	si := ServeInfo{Up: snap.up(), MinIntervalSeconds: s.opts.MinInterval.Seconds()}
	if snap.report != nil {
		at := snap.readAt.UTC()
		age := s.opts.Clock().Sub(snap.readAt).Seconds()
		si.ReadAt, si.AgeSeconds = &at, &age
	}
	if snap.err != nil {
		at := snap.errAt.UTC()
		si.LastError, si.LastErrorAt = snap.err.Error(), &at
	}
	return si
}

// cacheHeaders say how old the report is: Age (RFC 9111, whole seconds)
// and Last-Modified; nothing may be stored, each request asks again.
func (s *Server) cacheHeaders(w http.ResponseWriter, snap snapshot) {
	w.Header().Set("Cache-Control", "no-store")
	if snap.report != nil {
		w.Header().Set("Age", strconv.FormatInt(int64(s.opts.Clock().Sub(snap.readAt)/time.Second), 10))
		w.Header().Set("Last-Modified", snap.readAt.UTC().Format(http.TimeFormat))
	}
}

func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request) {
	snap := s.current(r.Context())
	doc := struct {
		*status.Report
		Serve ServeInfo `json:"serve"`
	}{snap.report, s.info(snap)}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.cacheHeaders(w, snap)
	w.Header().Set("Content-Type", "application/json")
	if snap.report == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	w.Write(append(b, '\n'))
}

// serveHealth answers 200 while the database can be read, 503 otherwise.
// It says nothing of the partitions' health: that is what the metrics and
// the alert rules are for.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	snap := s.current(r.Context())
	s.cacheHeaders(w, snap)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	now := s.opts.Clock()
	if snap.up() {
		fmt.Fprintf(w, "ok: %s read %s ago; partitions %s\n", s.opts.Database.Label(), ago(now.Sub(snap.readAt)), snap.report.Health)
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	switch {
	case snap.err == nil:
		fmt.Fprintf(w, "unavailable: %s not read yet\n", s.opts.Database.Label())
	case snap.report == nil:
		fmt.Fprintf(w, "unavailable: %v (no good read yet)\n", snap.err)
	default:
		fmt.Fprintf(w, "unavailable: %v (last good read %s ago)\n", snap.err, ago(now.Sub(snap.readAt)))
	}
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	snap := s.current(r.Context())
	now := s.opts.Clock()
	opts := status.HTMLOptions{Title: "partgen: " + s.opts.Database.Label(), Refresh: max(s.opts.MinInterval, 5*time.Second)}
	if snap.report != nil {
		opts.Note = fmt.Sprintf("read %s ago by partgen serve (at most every %s); the page reloads itself", ago(now.Sub(snap.readAt)), s.opts.MinInterval)
	}
	switch {
	case snap.err != nil && snap.report != nil:
		opts.Error = fmt.Sprintf("the latest read failed %s ago: %v; below is the last good report", ago(now.Sub(snap.errAt)), snap.err)
	case snap.err != nil:
		opts.Error = fmt.Sprintf("the database could not be read: %v", snap.err)
	}
	s.cacheHeaders(w, snap)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if snap.report == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	if err := snap.report.WriteHTML(w, opts); err != nil {
		s.opts.Logger.Error("write the page", "error", err)
	}
}

func ago(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// slogPrinter gives promhttp's error log to the server's logger.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.l.Error(fmt.Sprint(v...)) }
