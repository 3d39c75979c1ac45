// Package results is what one run of partgen's benchmarks measured (bench/,
// `make bench`): the machine and versions it ran on and every figure the
// benchmarks recorded, as JSON, and the Markdown section of BENCHMARKS.md
// written from it. BENCHMARKS.md's figures come from here only (issue 16):
// the section between [Begin] and [End] is rewritten by each run, the text
// around it is written by hand.
package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The markers around the generated section of BENCHMARKS.md.
const (
	Begin = "<!-- results:begin -->"
	End   = "<!-- results:end -->"
)

// Run is one benchmark run.
type Run struct {
	Meta    Meta      `json:"meta"`
	Figures []Figure  `json:"figures"`
	Skipped []Skipped `json:"skipped,omitempty"`
}

// Meta says when, at which commit, how and where a run measured.
type Meta struct {
	Started     time.Time `json:"started"`      // UTC
	WallSeconds float64   `json:"wall_seconds"` // the whole run
	Commit      string    `json:"commit"`       // git HEAD
	Dirty       []string  `json:"dirty,omitempty"`
	Command     string    `json:"command"` // the benchmark binary's arguments
	CPU         string    `json:"cpu"`     // /proc/cpuinfo model name
	Cores       int       `json:"cores"`
	MemoryGB    float64   `json:"memory_gb"`
	Kernel      string    `json:"kernel"`
	LoadStart   string    `json:"load_start"` // /proc/loadavg: 1, 5, 15 min
	LoadEnd     string    `json:"load_end"`
	Go          string    `json:"go"`
	PostgreSQL  string    `json:"postgresql"` // server_version, and settings that matter
	SQLite      string    `json:"sqlite"`     // sqlite_version() and the driver
	Goose       string    `json:"goose"`
}

// Figure is one measured value. Ratios are partgen / baseline unless the
// name says otherwise (a / b).
type Figure struct {
	Bench  string  `json:"bench"` // the benchmark, e.g. BenchmarkIngestSQLite/cache=256MB
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"` // ms, ratio, rows, MB, ...
	Note   string  `json:"note,omitempty"`
	Target *Target `json:"target,omitempty"`
}

// Target is the bound an issue sets on a figure.
type Target struct {
	Op    string  `json:"op"` // "<=" or ">="
	Value float64 `json:"value"`
}

// Met reports whether v meets the target.
func (t Target) Met(v float64) bool {
	if t.Op == ">=" {
		return v >= t.Value
	}
	return v <= t.Value
}

func (t Target) String() string { return t.Op + " " + Format(t.Value) }

// Skipped is a benchmark that did not run, and why.
type Skipped struct {
	Bench  string `json:"bench"`
	Reason string `json:"reason"`
}

// Read loads a run written by [Write].
func Read(path string) (*Run, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(r.Figures) == 0 {
		return nil, fmt.Errorf("%s: the run recorded no figure", path)
	}
	return &r, nil
}

// Write stores the run as indented JSON (temporary file + rename).
func Write(path string, r *Run) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, append(b, '\n'))
}

func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Format prints a value with the precision its size needs.
func Format(v float64) string {
	a := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case a < 0.01:
		return strconv.FormatFloat(v, 'f', 5, 64)
	case a < 10:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case a < 1000:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// Markdown renders the run: the machine and versions, every target with
// met or missed, then one table per benchmark in the order they ran.
func Markdown(r *Run) string {
	var b strings.Builder
	m := r.Meta
	commit := m.Commit
	if len(m.Dirty) > 0 {
		commit += fmt.Sprintf(" with uncommitted changes in %s", strings.Join(m.Dirty, ", "))
	}
	fmt.Fprintf(&b, "Written by `make bench` from its own output (`bench/results.json`, rendered by `bench/cmd/benchmd`); do not edit by hand.\n\n")
	fmt.Fprintf(&b, "| run | |\n| --- | --- |\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, cell(v))
		}
	}
	row("date", m.Started.UTC().Format("2006-01-02 15:04 UTC"))
	row("commit", commit+" (the code measured; BENCHMARKS.md and bench/results.json, which the run writes, are committed after it)")
	row("command", "`"+m.Command+"`")
	row("wall time", (time.Duration(m.WallSeconds) * time.Second).String())
	row("CPU", fmt.Sprintf("%s, %d cores", m.CPU, m.Cores))
	row("memory", Format(m.MemoryGB)+" GB")
	row("kernel", m.Kernel)
	row("load average (1, 5, 15 min) at start / end", m.LoadStart+" / "+m.LoadEnd)
	row("Go", m.Go)
	row("PostgreSQL", m.PostgreSQL)
	row("SQLite", m.SQLite)
	row("goose", m.Goose)

	var targets []Figure
	for _, f := range r.Figures {
		if f.Target != nil {
			targets = append(targets, f)
		}
	}
	if len(targets) > 0 {
		fmt.Fprintf(&b, "\n### Targets\n\n| benchmark | figure | value | target | |\n| --- | --- | --- | --- | --- |\n")
		for _, f := range targets {
			verdict := "met"
			if !f.Target.Met(f.Value) {
				verdict = "**missed**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(f.Bench), cell(f.Name), Format(f.Value), cell(f.Target.String()), verdict)
		}
	}
	var order []string
	byBench := map[string][]Figure{}
	for _, f := range r.Figures {
		if _, ok := byBench[f.Bench]; !ok {
			order = append(order, f.Bench)
		}
		byBench[f.Bench] = append(byBench[f.Bench], f)
	}
	for _, name := range order {
		fmt.Fprintf(&b, "\n### %s\n\n| figure | value | unit | note |\n| --- | --- | --- | --- |\n", name)
		for _, f := range byBench[name] {
			note := f.Note
			if f.Target != nil {
				note = strings.TrimSpace("target " + f.Target.String() + "; " + note)
				note = strings.TrimSuffix(note, ";")
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(f.Name), Format(f.Value), cell(f.Unit), cell(note))
		}
	}
	if len(r.Skipped) > 0 {
		skipped := append([]Skipped(nil), r.Skipped...)
		sort.Slice(skipped, func(i, j int) bool { return skipped[i].Bench < skipped[j].Bench })
		fmt.Fprintf(&b, "\n### Not measured in this run\n\n")
		for _, s := range skipped {
			fmt.Fprintf(&b, "- %s: %s\n", s.Bench, s.Reason)
		}
	}
	return b.String()
}

// cell escapes what would break a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// ErrNoMarkers says the document lacks the [Begin]/[End] pair.
var ErrNoMarkers = errors.New("no " + Begin + " ... " + End + " section")

// Rewrite replaces what lies between the markers in doc with section, and
// keeps everything else byte for byte. It fails with [ErrNoMarkers] when
// the markers are missing, repeated or out of order.
func Rewrite(doc []byte, section string) ([]byte, error) {
	if bytes.Count(doc, []byte(Begin)) != 1 || bytes.Count(doc, []byte(End)) != 1 {
		return nil, ErrNoMarkers
	}
	i := bytes.Index(doc, []byte(Begin)) + len(Begin)
	j := bytes.Index(doc, []byte(End))
	if j < i {
		return nil, ErrNoMarkers
	}
	var out bytes.Buffer
	out.Write(doc[:i])
	out.WriteString("\n")
	out.WriteString(strings.TrimSpace(section))
	out.WriteString("\n")
	out.Write(doc[j:])
	return out.Bytes(), nil
}

// RewriteFile rewrites the section of the Markdown file at path from run.
func RewriteFile(path string, run *Run) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := Rewrite(doc, Markdown(run))
	if err != nil {
		return fmt.Errorf("%s: %w; add the two marker lines where the results belong", path, err)
	}
	return writeFile(path, out)
}
