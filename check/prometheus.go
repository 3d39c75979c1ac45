package check

import (
	"io"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/partgen/partgen/rules"
)

// Codes are the findings check makes, with their severity: the
// partgen_check_problems series exist for each, 0 when there is none, so an
// alert on one of them sees 0 rather than nothing.
var Codes = []struct {
	Code     rules.Code
	Severity rules.Severity
}{
	{rules.CodeEdited, rules.SevCritical},
	{rules.CodeViewAhead, rules.SevCritical},
	{rules.CodeGap, rules.SevCritical},
	{rules.CodeOverlap, rules.SevCritical},
	{rules.CodeRunwayExhausted, rules.SevCritical},
	{rules.CodeRunwayShort, rules.SevWarning},
	{rules.CodeOutOfOrder, rules.SevWarning},
}

var (
	descHealth = prometheus.NewDesc("partgen_check_health",
		"Verdict of partgen check: 0 ok, 1 warning, 2 critical.", nil, nil)
	descInfo = prometheus.NewDesc("partgen_check_info",
		"Always 1: the spec and the goose folder checked.", []string{"spec", "folder"}, nil)
	descTables = prometheus.NewDesc("partgen_check_tables",
		"Tables of the spec.", nil, nil)
	descFiles = prometheus.NewDesc("partgen_check_partgen_files",
		"partgen files in the goose folder.", nil, nil)
	descOrder = prometheus.NewDesc("partgen_check_out_of_order_checked",
		"1 when --base named a branch to check out-of-order versions against, 0 when the rule was skipped.", nil, nil)
	descProblems = prometheus.NewDesc("partgen_check_problems",
		"Findings of partgen check by code.", []string{"code", "severity"}, nil)
)

// NewCollector returns a [prometheus.Collector] that exposes r, every
// metric a gauge (see README, "Monitoring").
func NewCollector(r *Report) prometheus.Collector { return collector{r} }

type collector struct{ r *Report }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descHealth, descInfo, descTables, descFiles, descOrder, descProblems} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	r := c.r
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, labels...)
		if err != nil {
			m = prometheus.NewInvalidMetric(d, err)
		}
		ch <- m
	}
	gauge(descHealth, float64(r.Health.Rank()))
	gauge(descInfo, 1, r.Spec, r.Folder)
	gauge(descTables, float64(r.Tables))
	gauge(descFiles, float64(r.PartgenFiles))
	checked := 0.0
	if r.Base != "" {
		checked = 1
	}
	gauge(descOrder, checked)
	type key struct {
		code rules.Code
		sev  rules.Severity
	}
	counts := map[key]int{}
	for _, c := range Codes {
		counts[key{c.Code, c.Severity}] = 0
	}
	for _, p := range r.Problems {
		counts[key{p.Code, p.Severity}]++
	}
	for k, n := range counts {
		gauge(descProblems, float64(n), string(k.code), string(k.sev))
	}
}

// WritePrometheus writes the report in the Prometheus text exposition
// format (version 0.0.4), for node_exporter's textfile collector or a
// pushgateway: `partgen check --format prometheus > check.prom`.
func (r *Report) WritePrometheus(w io.Writer) error {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(NewCollector(r)); err != nil {
		return err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}
