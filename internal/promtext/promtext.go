// Package promtext reads the Prometheus text exposition format back into
// series for tests: partgen's own output (status, check, serve) checked by
// what it says, not by its bytes.
package promtext

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families parses text with client_golang's own parser, which refuses
// anything Prometheus would refuse (a sample outside its family, a repeated
// family, a bad label).
func Families(r io.Reader) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(r)
}

// Series parses text into series -> value, a series written
// name{label="value",...} with its labels sorted by name and values quoted
// as Go strings (strconv.Quote). Gauges, counters and untyped samples only.
func Series(r io.Reader) (map[string]float64, error) {
	mfs, err := Families(r)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var v float64
			switch mf.GetType() {
			case dto.MetricType_GAUGE:
				v = m.GetGauge().GetValue()
			case dto.MetricType_COUNTER:
				v = m.GetCounter().GetValue()
			case dto.MetricType_UNTYPED:
				v = m.GetUntyped().GetValue()
			default:
				continue
			}
			key := Key(name, labelPairs(m)...)
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("duplicate series %s", key)
			}
			out[key] = v
		}
	}
	return out, nil
}

func labelPairs(m *dto.Metric) []string {
	var kv []string
	for _, l := range m.GetLabel() {
		kv = append(kv, l.GetName(), l.GetValue())
	}
	return kv
}

// Key writes a series the way [Series] does: Key("m", "b", "2", "a", "1")
// is m{a="1",b="2"}.
func Key(name string, kv ...string) string {
	var ls []string
	for i := 0; i+1 < len(kv); i += 2 {
		ls = append(ls, kv[i]+"="+strconv.Quote(kv[i+1]))
	}
	sort.Strings(ls)
	return name + "{" + strings.Join(ls, ",") + "}"
}
