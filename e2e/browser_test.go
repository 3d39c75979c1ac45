package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/examples/marketdata/migrations"
	"github.com/partgen/partgen/internal/testdb"
)

// chromium finds Debian's chromium (or $PARTGEN_CHROMIUM). A machine
// without it fails the browser test, never skips it: .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PARTGEN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("no chromium to run the browser test: apt-get install -y chromium (or set PARTGEN_CHROMIUM)")
	return ""
}

// pagePart is what the page says of one partition element.
type pagePart struct {
	Table     string  `json:"table"`
	Partition string  `json:"partition"`
	State     string  `json:"state"`
	Lower     string  `json:"lower"`
	Upper     string  `json:"upper"`
	Rows      string  `json:"rows"`
	Width     float64 `json:"width"` // rendered, in CSS pixels
	Row       bool    `json:"row"`   // its line in the list below exists
}

type pageMark struct {
	Table string  `json:"table"`
	Lower string  `json:"lower"`
	Upper string  `json:"upper"`
	Width float64 `json:"width"`
}

// The page served at / is loaded in headless Chromium from a live partgen
// serve on PostgreSQL: one element per partition of /status.json with its
// state and bounds, drawn with a width; a marker for the gap a detached
// partition leaves; a line at now; the default partition; nothing that
// failed to load and no console error; a click marks the partition's row.
func TestBrowserPage(t *testing.T) {
	exe := chromium(t)
	db, dsn := testdb.Postgres(t)
	gooseUpFS(t, db, goose.DialectPostgres, migrations.Postgres, "postgres")
	for _, q := range []string{
		"ALTER TABLE market_data DETACH PARTITION market_data_p2026_06",
		"INSERT INTO market_data (instrument_id, ts, price, volume) SELECT 1, '2026-10-01'::timestamptz + n * interval '1 minute', 1, 1 FROM generate_series(1, 500) n",
		"INSERT INTO alert_log (instrument_id, raised_at, severity, message) VALUES (1, '2040-01-01 00:00:00+00', 'info', 'far ahead')",
		"ANALYZE",
	} {
		_, err := db.Exec(q)
		testdb.Must(t, q, err)
	}
	s := startServe(t, "--db", dsn, "--config", examplePGSpec)
	_, body := s.get("/status.json")
	var report struct {
		Now    time.Time `json:"now"`
		Tables []struct {
			Name       string `json:"name"`
			Partitions []struct {
				Name  string     `json:"name"`
				State string     `json:"state"`
				Lower *time.Time `json:"lower"`
				Upper *time.Time `json:"upper"`
			} `json:"partitions"`
			Gaps []struct {
				Lower time.Time `json:"lower"`
				Upper time.Time `json:"upper"`
			} `json:"gaps"`
		} `json:"tables"`
	}
	testdb.Must(t, "parse /status.json", json.Unmarshal([]byte(body), &report))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1400, 1000),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	listen := chromedp.Listen(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range ev.Args {
					args = append(args, a.Description+string(a.Value))
				}
				fail("console %s: %s", ev.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			fail("exception: %s %v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				fail("log: %s %s", ev.Entry.Text, ev.Entry.URL)
			}
		case *network.EventLoadingFailed:
			fail("request failed: %s %s", ev.ErrorText, ev.BlockedReason)
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 {
				fail("response %d for %s", ev.Response.Status, ev.Response.URL)
			}
		case *network.EventRequestWillBeSent:
			if !strings.HasPrefix(ev.Request.URL, s.url) && !strings.HasPrefix(ev.Request.URL, "data:") {
				fail("the page asked for something else than partgen serve: %s", ev.Request.URL)
			}
		}
	})

	testdb.Must(t, "listen", listen)
	run := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("chromium: %s: %v\n%s", what, err, s.stderr())
		}
	}
	run("load /", chromedp.Do(bctx, chromedp.Navigate(s.url+"/"), chromedp.WaitReady("body")))
	parts, err := chromedp.Run(bctx, chromedp.Evaluate[[]pagePart](`Array.from(document.querySelectorAll("[data-partition]")).map(e => ({
		table: e.closest("section").dataset.table,
		partition: e.dataset.partition, state: e.dataset.state,
		lower: e.dataset.lower, upper: e.dataset.upper, rows: e.dataset.rows,
		width: e.getBoundingClientRect().width,
		row: !!e.closest("section").querySelector('tr[data-row="' + e.dataset.partition + '"]'),
	}))`))
	run("read the partitions", err)
	gaps, err := chromedp.Run(bctx, chromedp.Evaluate[[]pageMark](`Array.from(document.querySelectorAll(".gap")).map(e => ({
		table: e.closest("section").dataset.table, lower: e.dataset.lower, upper: e.dataset.upper,
		width: e.getBoundingClientRect().width}))`))
	run("read the gaps", err)
	nowLine, err := chromedp.Run(bctx, chromedp.AttributeValue(`section[data-table="market_data"] .line.now`, "data-time"))
	run("read the now line", err)
	run("click", chromedp.Do(bctx, chromedp.Click(`section[data-table="market_data"] [data-partition="market_data_p2026_10"]`)))
	selected, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.querySelector('section[data-table="market_data"] tr[data-row="market_data_p2026_10"]').classList.contains("sel")`))
	run("read the marked row", err)
	// Events may trail the last action by a moment; none is awaited.
	mu.Lock()
	for _, f := range failures {
		t.Error(f)
	}
	mu.Unlock()

	// One element per partition of the JSON report, with its state and bounds.
	rfc := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.UTC().Format(time.RFC3339)
	}
	var want, got []string
	for _, tb := range report.Tables {
		for _, p := range tb.Partitions {
			want = append(want, strings.Join([]string{tb.Name, p.Name, p.State, rfc(p.Lower), rfc(p.Upper)}, " "))
		}
	}
	for _, p := range parts {
		got = append(got, strings.Join([]string{p.Table, p.Partition, p.State, p.Lower, p.Upper}, " "))
		if p.Width < 1 || !p.Row {
			t.Errorf("%s is not drawn (width %v) or has no row in the list (%v)", p.Partition, p.Width, p.Row)
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("partitions on the page:\n%s\nin /status.json:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(parts) != 20 {
		t.Errorf("%d partition elements, want 13 market_data months (2026-06 detached) and 7 alert_log", len(parts))
	}
	for _, p := range parts {
		switch p.Partition {
		case "market_data_p2026_06":
			t.Errorf("the detached partition is drawn: %+v", p)
		case "market_data_p2026_11":
			if p.Lower != "2026-11-01T00:00:00Z" || p.Upper != "2026-12-01T00:00:00Z" {
				t.Errorf("bounds of %+v", p)
			}
		case "market_data_p2026_10":
			if p.Rows != "500" {
				t.Errorf("rows of %+v", p)
			}
		case "alert_log_default":
			if p.State != "default" || p.Lower != "" || p.Upper != "" || p.Rows != "1" {
				t.Errorf("default partition %+v", p)
			}
		}
	}
	if len(gaps) != 1 || gaps[0] != (pageMark{Table: "market_data", Lower: "2026-06-01T00:00:00Z", Upper: "2026-07-01T00:00:00Z", Width: gaps[0].Width}) || gaps[0].Width < 1 {
		t.Errorf("gap markers %+v, want the one 2026-06 leaves in market_data", gaps)
	}
	if nowLine.Value != report.Now.UTC().Format(time.RFC3339) {
		t.Errorf("the now line is at %q, the report's now %s", nowLine.Value, report.Now)
	}
	if !selected {
		t.Errorf("a click on a partition did not mark its row")
	}
}
