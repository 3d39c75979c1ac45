package monitoring_test

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/examples/marketdata/migrations"
	"github.com/partgen/partgen/internal/promtext"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/serve"
	"github.com/partgen/partgen/spec"
)

var exampleNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// emitted is what partgen really exposes: metric name -> label names, and
// the table names seen. It scrapes partgen serve on the example's SQLite
// database, with a spec table the database lacks (trades) and a row in the
// default partition, once while the file is there and once while it is
// gone, so that serve's error series show too.
func emitted(t *testing.T) (map[string][]string, map[string]bool) {
	t.Helper()
	db, path := testdb.SQLite(t)
	sub, err := fs.Sub(migrations.SQLite, "sqlite")
	testdb.Must(t, "sub", err)
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "goose", err)
	_, err = p.Up(context.Background())
	testdb.Must(t, "goose up", err)
	_, err = db.Exec("INSERT INTO alert_log (id, instrument_id, raised_at, severity, message) VALUES (1, 1, '2040-01-01 00:00:00+00:00', 'info', 'x')")
	testdb.Must(t, "insert", err)
	db.Close()

	sp, err := spec.Load("../marketdata/migrations/sqlite/partgen.yaml")
	testdb.Must(t, "spec", err)
	trades := sp.Tables[0]
	trades.Name = "trades"
	sp.Tables = append(sp.Tables, trades)
	src, err := serve.Open("sqlite:" + path)
	testdb.Must(t, "open", err)
	var mu sync.Mutex
	now := exampleNow
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv, err := serve.New(serve.Options{Spec: sp, Database: src, MinInterval: time.Minute, Clock: clock})
	testdb.Must(t, "serve", err)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	labels := map[string]map[string]bool{}
	tables := map[string]bool{}
	scrape := func() {
		resp, err := http.Get(hs.URL + "/metrics")
		testdb.Must(t, "scrape", err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		testdb.Must(t, "read", err)
		mfs, err := promtext.Families(strings.NewReader(string(body)))
		testdb.Must(t, "parse", err)
		for name, mf := range mfs {
			if labels[name] == nil {
				labels[name] = map[string]bool{}
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					labels[name][l.GetName()] = true
					if l.GetName() == "table" {
						tables[l.GetValue()] = true
					}
				}
			}
		}
	}
	scrape()
	testdb.Must(t, "move away", os.Rename(path, path+".away"))
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	scrape()

	out := map[string][]string{}
	for name, ls := range labels {
		out[name] = []string{}
		for l := range ls {
			out[name] = append(out[name], l)
		}
		sort.Strings(out[name])
	}
	return out, tables
}

type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type testFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		InputSeries []struct {
			Series string `yaml:"series"`
		} `yaml:"input_series"`
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []struct {
				ExpLabels map[string]string `yaml:"exp_labels"`
			} `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

var (
	metricRE  = regexp.MustCompile(`\bpartgen_[a-z0-9_]+`)
	selectRE  = regexp.MustCompile(`(partgen_[a-z0-9_]+)\{([^}]*)\}`)
	matcherRE = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"([^"]*)"`)
	labelsRE  = regexp.MustCompile(`\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)`)
	seriesRE  = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}$`)
)

// Labels Prometheus adds to every scraped series.
var targetLabels = map[string]bool{"instance": true, "job": true}

func read(t *testing.T, path string, v any) string {
	t.Helper()
	b, err := os.ReadFile(path)
	testdb.Must(t, "read "+path, err)
	testdb.Must(t, "parse "+path, yaml.Unmarshal(b, v))
	return string(b)
}

// The rules and their tests use only metrics and labels partgen emits, and
// every alert is tested.
func TestRulesMatchTheMetrics(t *testing.T) {
	metrics, tables := emitted(t)
	has := func(metric, label string) bool {
		for _, l := range metrics[metric] {
			if l == label {
				return true
			}
		}
		return false
	}

	var rules ruleFile
	text := read(t, "partgen.rules.yml", &rules)
	for _, name := range metricRE.FindAllString(text, -1) {
		if _, ok := metrics[name]; !ok {
			t.Errorf("partgen.rules.yml names %s, which partgen does not emit", name)
		}
	}
	alerts := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			alerts[r.Alert] = true
			names := metricRE.FindAllString(r.Expr, -1)
			if len(names) == 0 {
				t.Errorf("%s: no partgen metric in %q", r.Alert, r.Expr)
			}
			for _, m := range selectRE.FindAllStringSubmatch(r.Expr, -1) {
				for _, lm := range matcherRE.FindAllStringSubmatch(m[2], -1) {
					if !has(m[1], lm[1]) && !targetLabels[lm[1]] {
						t.Errorf("%s: %s has no label %s", r.Alert, m[1], lm[1])
					}
				}
			}
			for _, a := range r.Annotations {
				for _, l := range labelsRE.FindAllStringSubmatch(a, -1) {
					for _, name := range names {
						if !targetLabels[l[1]] && !has(name, l[1]) {
							t.Errorf("%s: an annotation uses $labels.%s, which %s lacks", r.Alert, l[1], name)
						}
					}
				}
			}
		}
	}

	var tests testFile
	read(t, "partgen.rules.test.yml", &tests)
	if len(tests.RuleFiles) != 1 || tests.RuleFiles[0] != "partgen.rules.yml" {
		t.Errorf("the tests load %v", tests.RuleFiles)
	}
	tested := map[string]bool{}
	for _, tc := range tests.Tests {
		for _, in := range tc.InputSeries {
			m := seriesRE.FindStringSubmatch(in.Series)
			if m == nil {
				t.Errorf("input series %q: not name{labels}", in.Series)
				continue
			}
			var got []string
			for _, lm := range matcherRE.FindAllStringSubmatch(m[2], -1) {
				if targetLabels[lm[1]] {
					continue
				}
				got = append(got, lm[1])
				if lm[1] == "table" && !tables[lm[2]] {
					t.Errorf("input series %s: table %q is not one partgen reported (%v)", in.Series, lm[2], tables)
				}
			}
			sort.Strings(got)
			want, ok := metrics[m[1]]
			if !ok {
				t.Errorf("input series %s: partgen emits no %s", in.Series, m[1])
			} else if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("input series %s: labels %v, partgen's %s has %v", in.Series, got, m[1], want)
			}
		}
		for _, at := range tc.AlertRuleTest {
			if !alerts[at.Alertname] {
				t.Errorf("the tests expect alert %s, which the rules lack", at.Alertname)
			}
			for _, e := range at.ExpAlerts {
				tested[at.Alertname] = true
				if e.ExpLabels["severity"] != "warning" && e.ExpLabels["severity"] != "critical" {
					t.Errorf("%s: severity %q", at.Alertname, e.ExpLabels["severity"])
				}
			}
		}
	}
	for a := range alerts {
		if !tested[a] {
			t.Errorf("alert %s is never seen firing in partgen.rules.test.yml", a)
		}
	}
}
