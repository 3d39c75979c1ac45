package serve_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"

	"github.com/partgen/partgen/examples/marketdata/migrations"
	"github.com/partgen/partgen/internal/promtext"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/serve"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/status"
)

const (
	pgSpec     = "../examples/marketdata/migrations/postgres/partgen.yaml"
	sqliteSpec = "../examples/marketdata/migrations/sqlite/partgen.yaml"
)

// The example folders are pinned to as-of 2026-11-26.
var exampleNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// clock is the server's clock, moved by the test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func gooseUp(t testing.TB, db *sql.DB, d goose.Dialect, fsys fs.FS, dir string) {
	t.Helper()
	sub, err := fs.Sub(fsys, dir)
	testdb.Must(t, "sub", err)
	p, err := goose.NewProvider(d, db, sub, goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "goose", err)
	_, err = p.Up(context.Background())
	testdb.Must(t, "goose up", err)
}

// harness is a Server on a real database behind an httptest server.
type harness struct {
	t     testing.TB
	clock *clock
	url   string
	srv   *serve.Server
}

func start(t testing.TB, specPath, dbURL string, timeout time.Duration, exact bool) *harness {
	t.Helper()
	sp, err := spec.Load(specPath)
	testdb.Must(t, "load spec", err)
	db, err := serve.Open(dbURL)
	testdb.Must(t, "open", err)
	t.Cleanup(db.Close)
	c := &clock{now: exampleNow}
	srv, err := serve.New(serve.Options{Spec: sp, Database: db, MinInterval: time.Minute, Timeout: timeout, Exact: exact, Clock: c.Now})
	testdb.Must(t, "serve.New", err)
	t.Cleanup(srv.Close)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &harness{t: t, clock: c, url: hs.URL, srv: srv}
}

func (h *harness) get(path string) (int, http.Header, string) {
	h.t.Helper()
	resp, err := http.Get(h.url + path)
	testdb.Must(h.t, "GET "+path, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	testdb.Must(h.t, "read "+path, err)
	return resp.StatusCode, resp.Header, string(b)
}

// metrics scrapes /metrics, checks it parses and is promlint-clean, and
// returns its series.
func (h *harness) metrics() map[string]float64 {
	h.t.Helper()
	code, hdr, body := h.get("/metrics")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		h.t.Fatalf("/metrics: %d %s\n%s", code, hdr.Get("Content-Type"), body)
	}
	mfs, err := promtext.Families(strings.NewReader(body))
	testdb.Must(h.t, "parse /metrics", err)
	var list []*dto.MetricFamily
	for _, mf := range mfs {
		list = append(list, mf)
	}
	problems, err := promlint.NewWithMetricFamilies(list).Lint()
	testdb.Must(h.t, "lint", err)
	for _, p := range problems {
		h.t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	series, err := promtext.Series(strings.NewReader(body))
	testdb.Must(h.t, "series", err)
	return series
}

func want(t *testing.T, series map[string]float64, kv map[string]float64) {
	t.Helper()
	for s, v := range kv {
		if got, ok := series[s]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", s, got, ok, v)
		}
	}
}

var k = promtext.Key

func TestServeSQLite(t *testing.T) {
	db, path := testdb.SQLite(t)
	gooseUp(t, db, goose.DialectSQLite3, migrations.SQLite, "sqlite")
	_, err := db.Exec("INSERT INTO alert_log (id, instrument_id, raised_at, severity, message) VALUES (1, 1, '2040-01-01 00:00:00+00:00', 'info', 'x')")
	testdb.Must(t, "insert", err)
	db.Close()
	h := start(t, sqliteSpec, "sqlite:"+path, 10*time.Second, false)

	m := h.metrics()
	want(t, m, map[string]float64{
		k("partgen_up"):                                     1,
		k("partgen_report_age_seconds"):                     0,
		k("partgen_reads_total", "result", "ok"):            1,
		k("partgen_reads_total", "result", "error"):         0,
		k("partgen_health"):                                 1,
		k("partgen_runway_periods", "table", "market_data"): 3,
		k("partgen_default_rows", "table", "alert_log"):     1,
		k("partgen_partition_state", "table", "market_data", "partition", "market_data_p2026_11", "state", "current"): 1,
		k("partgen_report_timestamp_seconds"): float64(exampleNow.Unix()),
		k("partgen_min_interval_seconds"):     60,
	})
	if _, ok := m[k("partgen_last_error_info")]; ok || count(m, "partgen_last_error_info{") > 0 {
		t.Errorf("no read failed, yet there is a last error")
	}
	if _, _, body := h.get("/metrics"); count(m, "go_goroutines{") != 1 || !strings.Contains(body, "\npartgen_read_duration_seconds_count 1\n") {
		t.Errorf("the Go collector or the read histogram is missing:\n%s", body)
	}

	// Within --min-interval every endpoint serves the report already read,
	// and says how old it is.
	h.clock.advance(40 * time.Second)
	code, hdr, body := h.get("/status.json")
	var doc struct {
		status.Report
		Serve serve.ServeInfo `json:"serve"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil || code != 200 {
		t.Fatalf("/status.json %d: %v\n%s", code, err, body)
	}
	if doc.SchemaVersion != 1 || doc.Engine != "sqlite" || len(doc.Tables) != 2 || !doc.Serve.Up || doc.Serve.AgeSeconds == nil || *doc.Serve.AgeSeconds != 40 ||
		!doc.Serve.ReadAt.Equal(exampleNow) || hdr.Get("Age") != "40" {
		t.Errorf("/status.json: %+v, Age %q", doc.Serve, hdr.Get("Age"))
	}
	code, _, body = h.get("/healthz")
	if code != 200 || !strings.HasPrefix(body, "ok: "+path+" read 40s ago; partitions warning") {
		t.Errorf("/healthz %d %q", code, body)
	}
	code, hdr, body = h.get("/")
	if code != 200 || hdr.Get("Content-Type") != "text/html; charset=utf-8" || strings.Count(body, `class="part `) != 21 ||
		!strings.Contains(body, "read 40s ago by partgen serve") || !strings.Contains(body, `<meta http-equiv="refresh" content="60">`) {
		t.Errorf("/ %d %s: %d partitions\n%s", code, hdr.Get("Content-Type"), strings.Count(body, `class="part `), body)
	}
	if code, _, _ := h.get("/nothing"); code != 404 {
		t.Errorf("/nothing: %d", code)
	}
	if m := h.metrics(); m[k("partgen_reads_total", "result", "ok")] != 1 || m[k("partgen_report_age_seconds")] != 40 {
		t.Errorf("reads %v age %v: a request within --min-interval read again", m[k("partgen_reads_total", "result", "ok")], m[k("partgen_report_age_seconds")])
	}

	// Past it, twenty requests at once share one read.
	h.clock.advance(30 * time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(path string) {
			defer wg.Done()
			resp, err := http.Get(h.url + path)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}([]string{"/metrics", "/status.json", "/healthz", "/"}[i%4])
	}
	wg.Wait()
	if m := h.metrics(); m[k("partgen_reads_total", "result", "ok")] != 2 || m[k("partgen_report_age_seconds")] != 0 ||
		m[k("partgen_report_timestamp_seconds")] != float64(exampleNow.Add(70*time.Second).Unix()) {
		t.Errorf("after 20 concurrent requests: %v reads, age %v", m[k("partgen_reads_total", "result", "ok")], m[k("partgen_report_age_seconds")])
	}

	// The file goes away: partgen_up 0, the error, the last good report
	// still on show; it comes back: up again.
	testdb.Must(t, "move away", os.Rename(path, path+".away"))
	h.clock.advance(2 * time.Minute)
	m = h.metrics()
	want(t, m, map[string]float64{
		k("partgen_up"):                             0,
		k("partgen_report_age_seconds"):             120,
		k("partgen_reads_total", "result", "error"): 1,
		k("partgen_last_error_info", "error", "cannot open SQLite database "+path+": no such file or directory"): 1,
		k("partgen_last_error_timestamp_seconds"):           float64(exampleNow.Add(190 * time.Second).Unix()),
		k("partgen_runway_periods", "table", "market_data"): 3,
	})
	code, _, body = h.get("/healthz")
	if code != 503 || body != "unavailable: cannot open SQLite database "+path+": no such file or directory (last good read 2m0s ago)\n" {
		t.Errorf("/healthz with the file gone: %d %q", code, body)
	}
	code, _, body = h.get("/")
	if code != 200 || !strings.Contains(body, `id="error" role="alert">the latest read failed 0s ago: cannot open SQLite database`) || strings.Count(body, `class="part `) != 21 {
		t.Errorf("/ with the file gone: %d\n%s", code, body)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("serve created the missing database file")
	}
	testdb.Must(t, "move back", os.Rename(path+".away", path))
	h.clock.advance(2 * time.Minute)
	m = h.metrics()
	want(t, m, map[string]float64{k("partgen_up"): 1, k("partgen_report_age_seconds"): 0, k("partgen_reads_total", "result", "ok"): 3})
	if count(m, "partgen_last_error_info{") != 0 {
		t.Errorf("the error is still shown after a good read")
	}
}

func count(series map[string]float64, prefix string) int {
	n := 0
	for s := range series {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// Before any good read: 503 from /status.json, /healthz and /, and
// /metrics has partgen_up 0 and the error but no report.
func TestServeNeverRead(t *testing.T) {
	missing := t.TempDir() + "/none.db"
	h := start(t, sqliteSpec, "sqlite:"+missing, time.Second, false)
	m := h.metrics()
	want(t, m, map[string]float64{k("partgen_up"): 0, k("partgen_reads_total", "result", "error"): 1})
	if count(m, "partgen_health{") != 0 || count(m, "partgen_report_age_seconds{") != 0 || count(m, "partgen_last_error_info{") != 1 {
		t.Errorf("series before any good read: %v", m)
	}
	for _, path := range []string{"/status.json", "/healthz", "/"} {
		code, _, body := h.get(path)
		if code != 503 || !strings.Contains(body, "no such file or directory") {
			t.Errorf("%s: %d\n%s", path, code, body)
		}
	}
	_, _, body := h.get("/status.json")
	if !strings.Contains(body, `"up": false`) || strings.Contains(body, `"tables"`) {
		t.Errorf("/status.json before a good read: %s", body)
	}
}

// PostgreSQL: the database is dropped and created again (the pool's
// connection dies with it), then a lock makes a read overrun --timeout:
// each time partgen_up is 0 with the reason, and the next read recovers.
func TestServePostgres(t *testing.T) {
	db, dsn := testdb.Postgres(t)
	gooseUp(t, db, goose.DialectPostgres, migrations.Postgres, "postgres")
	db.Close()
	h := start(t, pgSpec, dsn, 2*time.Second, true)
	want(t, h.metrics(), map[string]float64{
		k("partgen_up"): 1,
		k("partgen_runway_periods", "table", "market_data"):                                                                     3,
		k("partgen_partition_rows", "table", "market_data", "partition", "market_data_p2026_11"):                                0,
		k("partgen_report_info", "engine", "postgres", "database", serve.Redact(dsn), "bytes_source", "pg_total_relation_size"): 1,
	})

	u, err := url.Parse(dsn)
	testdb.Must(t, "parse dsn", err)
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("pgx", testdb.AdminURL())
	testdb.Must(t, "admin", err)
	defer admin.Close()
	_, err = admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
	testdb.Must(t, "drop", err)
	h.clock.advance(2 * time.Minute)
	m := h.metrics()
	want(t, m, map[string]float64{k("partgen_up"): 0, k("partgen_runway_periods", "table", "market_data"): 3, k("partgen_report_age_seconds"): 120})
	if !hasSeries(m, regexp.MustCompile(`^partgen_last_error_info\{error="cannot connect to .*`+name+`.*does not exist.*"\}$`)) {
		t.Errorf("no last error naming the missing database: %v", keys(m, "partgen_last_error_info"))
	}

	_, err = admin.Exec("CREATE DATABASE " + name)
	testdb.Must(t, "create", err)
	db2, err := sql.Open("pgx", dsn)
	testdb.Must(t, "open", err)
	defer db2.Close()
	gooseUp(t, db2, goose.DialectPostgres, migrations.Postgres, "postgres")
	_, err = db2.Exec("INSERT INTO market_data (instrument_id, ts, price, volume) VALUES (1, '2026-11-20 00:00:00+00', 1, 1)")
	testdb.Must(t, "insert", err)
	h.clock.advance(2 * time.Minute)
	want(t, h.metrics(), map[string]float64{
		k("partgen_up"): 1,
		k("partgen_partition_rows", "table", "market_data", "partition", "market_data_p2026_11"): 1,
	})

	// A writer holds a lock the exact count needs: the read gives up after
	// --timeout and the scrape still answers.
	tx, err := db2.Begin()
	testdb.Must(t, "begin", err)
	_, err = tx.Exec("LOCK TABLE market_data_p2026_11 IN ACCESS EXCLUSIVE MODE")
	testdb.Must(t, "lock", err)
	h.clock.advance(2 * time.Minute)
	m = h.metrics()
	want(t, m, map[string]float64{k("partgen_up"): 0, k("partgen_reads_total", "result", "error"): 2})
	if !hasSeries(m, regexp.MustCompile(`^partgen_last_error_info\{error="no answer within 2s \(--timeout\): .*"\}$`)) {
		t.Errorf("no timeout error: %v", keys(m, "partgen_last_error_info"))
	}
	testdb.Must(t, "rollback", tx.Rollback())
	h.clock.advance(2 * time.Minute)
	want(t, h.metrics(), map[string]float64{k("partgen_up"): 1, k("partgen_reads_total", "result", "ok"): 3})
}

func hasSeries(m map[string]float64, re *regexp.Regexp) bool {
	for s := range m {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func keys(m map[string]float64, prefix string) []string {
	var out []string
	for s := range m {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func TestOpen(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"mysql://x", `"mysql://x": write postgres://... or sqlite:PATH`},
		{"sqlite:", "sqlite: names no file"},
		{"postgres://u:secret@127.0.0.1:5432/db?sslmode=bogus", "postgres://u:xxxxx@127.0.0.1:5432/db?sslmode=bogus"},
	} {
		_, err := serve.Open(tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q): %v, want %q", tc.url, err, tc.want)
		}
	}
	sp, err := spec.Load(pgSpec)
	testdb.Must(t, "spec", err)
	db, err := serve.Open("sqlite:x.db")
	testdb.Must(t, "open", err)
	if _, err := serve.New(serve.Options{Spec: sp, Database: db}); err == nil || !strings.Contains(err.Error(), "is a postgres spec but the database is sqlite") {
		t.Errorf("dialect mismatch: %v", err)
	}
}
