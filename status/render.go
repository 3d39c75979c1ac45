package status

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/partgen/partgen/rules"
)

// WriteJSON writes the report as indented JSON (schema version 1, see
// README, "partgen status"). Unknown figures are null, never 0 or -1, so a
// dashboard cannot mistake "not measured" for "empty".
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteTable writes the report for people: a header, one block per table
// with its runway and an aligned list of partitions, the problems, the
// archive log and the migrations.
func (r *Report) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "partgen status: %s\n", strings.ToUpper(string(r.Health)))
	hw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(hw, "  database\t%s %s\n", r.Engine, r.Database)
	fmt.Fprintf(hw, "  now\t%s\n", r.Now.UTC().Format("2006-01-02 15:04:05 -07:00"))
	switch {
	case r.Engine == "sqlite":
		fmt.Fprintf(hw, "  rows\texact count(*)\n")
	case r.ExactCounts:
		fmt.Fprintf(hw, "  rows\texact count(*) (--exact)\n")
	default:
		fmt.Fprintf(hw, "  rows\t~ estimates from pg_class.reltuples, ? never analysed; the default partition is counted exactly (--exact counts all)\n")
	}
	switch r.BytesSource {
	case "unavailable":
		db := "?"
		if r.DatabaseBytes != nil {
			db = humanBytes(*r.DatabaseBytes)
		}
		fmt.Fprintf(hw, "  bytes\tunavailable: this build has no dbstat (go build -tags sqlite_dbstat); whole file %s\n", db)
	case "relpages":
		fmt.Fprintf(hw, "  bytes\t~ pages as of the last VACUUM/ANALYZE, indexes and TOAST included (--exact: pg_total_relation_size)\n")
	default:
		fmt.Fprintf(hw, "  bytes\t%s, indexes included\n", r.BytesSource)
	}
	hw.Flush()

	for _, t := range r.Tables {
		loc, err := time.LoadLocation(t.Timezone)
		if err != nil {
			loc = time.UTC
		}
		fmt.Fprintf(ew, "\n%s  (%s, premake %d, timezone %s): %s\n", t.Name, t.Interval, t.Premake, t.Timezone, t.Health)
		switch {
		case !t.Exists:
			fmt.Fprintf(ew, "  missing from the database\n")
			continue
		case !t.Partitioned && len(t.Partitions) == 0:
			fmt.Fprintf(ew, "  not partitioned\n")
			continue
		case !t.Runway.Covered:
			fmt.Fprintf(ew, "  runway: none, no partition covers now\n")
		default:
			fmt.Fprintf(ew, "  runway: %s, to %s, %d whole %s(s) after the current one\n",
				humanDuration(time.Duration(t.Runway.Seconds)*time.Second), t.Runway.Until.In(loc).Format("2006-01-02 15:04 -07:00"), t.Runway.Periods, t.Interval)
		}
		if t.DefaultRows != nil {
			fmt.Fprintf(ew, "  rows in the default partition: %d\n", *t.DefaultRows)
		}
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  PARTITION\tLOWER\tUPPER\tSTATE\tROWS\tBYTES\tPARTGEN\n")
		for _, p := range t.Partitions {
			name := p.Name
			if p.Schema != "" && p.State == StateArchived {
				name = p.Schema + "." + p.Name
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, bound(p.Lower, loc), bound(p.Upper, loc), p.State, rowsText(p), bytesText(p.Bytes), partgenText(p.CreatedByPartgen))
		}
		tw.Flush()
	}

	if len(r.Problems) > 0 {
		fmt.Fprintf(ew, "\nproblems:\n")
		pw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		for _, p := range r.Problems {
			table := p.Table
			if table == "" {
				table = "-"
			}
			fmt.Fprintf(pw, "  %s\t%s\t%s\t%s\n", strings.ToUpper(string(p.Severity)), table, p.Code, p.Message)
		}
		pw.Flush()
	}

	if len(r.ArchiveLog) == 0 {
		fmt.Fprintf(ew, "\narchive log: empty\n")
	} else {
		fmt.Fprintf(ew, "\narchive log (%d):\n", len(r.ArchiveLog))
		aw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(aw, "  ID\tTABLE\tPARTITION\tLOWER\tUPPER\tACTION\tARCHIVED AS\tROWS\tBYTES\tVERSION\tAT\n")
		for _, e := range r.ArchiveLog {
			as := e.ArchivedAs
			if as == "" {
				as = "-"
			}
			rows := strconv.FormatInt(e.RowCount, 10)
			if e.RowsEstimated {
				rows = "~" + rows
			}
			fmt.Fprintf(aw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", e.ID, e.ParentTable, e.PartitionName,
				e.Lower.Format("2006-01-02 15:04 -07:00"), e.Upper.Format("2006-01-02 15:04 -07:00"), e.Action, as, rows,
				bytesText(e.TotalBytes), e.MigrationVersion, e.ArchivedAt.Format("2006-01-02 15:04:05 -07:00"))
		}
		aw.Flush()
	}

	m := r.Migrations
	switch {
	case !m.GooseTable:
		fmt.Fprintf(ew, "\nmigrations: no goose_db_version table: goose has never run here\n")
	case !m.Folder:
		fmt.Fprintf(ew, "\nmigrations: %d applied, highest %d (goose folder not read)\n", m.Applied, m.MaxApplied)
	default:
		fmt.Fprintf(ew, "\nmigrations: %d applied, highest %d; %d pending, %d out of order\n", m.Applied, m.MaxApplied, len(m.Pending), len(m.OutOfOrder))
	}
	return ew.err
}

func bound(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04 -07:00")
}

func rowsText(p Partition) string {
	switch {
	case p.Rows == nil:
		return "?"
	case p.RowsExact:
		return strconv.FormatInt(*p.Rows, 10)
	}
	return "~" + strconv.FormatInt(*p.Rows, 10)
}

func bytesText(b *int64) string {
	if b == nil {
		return "-"
	}
	return humanBytes(*b)
}

func partgenText(b *bool) string {
	switch {
	case b == nil:
		return "?"
	case *b:
		return "yes"
	}
	return "no"
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

func humanDuration(d time.Duration) string {
	days := int64(d / (24 * time.Hour))
	hours := int64(d % (24 * time.Hour) / time.Hour)
	mins := int64(d % time.Hour / time.Minute)
	if days > 0 {
		return fmt.Sprintf("%dd %dh", days, hours)
	}
	return fmt.Sprintf("%dh %dm", hours, mins)
}

// WritePrometheus writes the report in the Prometheus text exposition
// format (version 0.0.4), every metric a gauge, for node_exporter's textfile
// collector or a pushgateway. Unknown figures are left out rather than
// written as 0.
func (r *Report) WritePrometheus(w io.Writer) error {
	pw := &promWriter{w: &errWriter{w: w}}
	pw.family("partgen_health", "Overall health of the report: 0 ok, 1 warning, 2 critical.")
	pw.sample("partgen_health", nil, float64(r.Health.Rank()))
	pw.family("partgen_report_timestamp_seconds", "The instant the report is for, in Unix seconds.")
	pw.sample("partgen_report_timestamp_seconds", nil, float64(r.Now.Unix()))

	pw.family("partgen_table_health", "Health of one spec table: 0 ok, 1 warning, 2 critical.")
	for _, t := range r.Tables {
		pw.sample("partgen_table_health", labels("table", t.Name), float64(t.Health.Rank()))
	}
	pw.family("partgen_table_exists", "1 when the spec table exists in the database.")
	for _, t := range r.Tables {
		pw.sample("partgen_table_exists", labels("table", t.Name), b2f(t.Exists))
	}
	pw.family("partgen_runway_seconds", "Seconds from now to the end of the unbroken run of partitions that covers now (0: none covers now).")
	for _, t := range r.Tables {
		if t.Exists {
			pw.sample("partgen_runway_seconds", labels("table", t.Name), float64(t.Runway.Seconds))
		}
	}
	pw.family("partgen_runway_periods", "Whole periods after the current one that partitions cover.")
	for _, t := range r.Tables {
		if t.Exists {
			pw.sample("partgen_runway_periods", labels("table", t.Name), float64(t.Runway.Periods))
		}
	}
	pw.family("partgen_premake_periods", "Periods after the current one the spec keeps ready (premake).")
	for _, t := range r.Tables {
		pw.sample("partgen_premake_periods", labels("table", t.Name), float64(t.Premake))
	}
	pw.family("partgen_partitions", "Partitions by state.")
	for _, t := range r.Tables {
		counts := map[State]int{}
		for _, p := range t.Partitions {
			counts[p.State]++
		}
		for _, s := range States {
			pw.sample("partgen_partitions", labels("table", t.Name, "state", string(s)), float64(counts[s]))
		}
	}
	pw.family("partgen_partition_rows", "Rows of one partition (an estimate unless the report counted exactly).")
	for _, t := range r.Tables {
		for _, p := range t.Partitions {
			if p.Rows != nil {
				pw.sample("partgen_partition_rows", labels("table", t.Name, "partition", p.Name, "state", string(p.State)), float64(*p.Rows))
			}
		}
	}
	pw.family("partgen_partition_bytes", "Bytes of one partition, indexes included.")
	for _, t := range r.Tables {
		for _, p := range t.Partitions {
			if p.Bytes != nil {
				pw.sample("partgen_partition_bytes", labels("table", t.Name, "partition", p.Name, "state", string(p.State)), float64(*p.Bytes))
			}
		}
	}
	pw.family("partgen_default_rows", "Rows in the table's default partition (exact count).")
	for _, t := range r.Tables {
		if t.DefaultRows != nil {
			pw.sample("partgen_default_rows", labels("table", t.Name), float64(*t.DefaultRows))
		}
	}
	pw.family("partgen_gaps", "Holes between attached partitions.")
	for _, t := range r.Tables {
		pw.sample("partgen_gaps", labels("table", t.Name), float64(len(t.Gaps)))
	}
	pw.family("partgen_overlaps", "Overlapping pairs of attached partitions.")
	for _, t := range r.Tables {
		pw.sample("partgen_overlaps", labels("table", t.Name), float64(len(t.Overlaps)))
	}
	pw.family("partgen_retention_overdue_partitions", "Attached partitions past retention.")
	for _, t := range r.Tables {
		pw.sample("partgen_retention_overdue_partitions", labels("table", t.Name), float64(len(t.RetentionOverdue)))
	}
	pw.family("partgen_not_partgen_partitions", "Attached partitions no partgen migration created.")
	for _, t := range r.Tables {
		pw.sample("partgen_not_partgen_partitions", labels("table", t.Name), float64(len(t.NotPartgen)))
	}
	pw.family("partgen_problems", "Findings by severity.")
	sev := map[rules.Severity]int{}
	for _, p := range r.Problems {
		sev[p.Severity]++
	}
	for _, s := range []rules.Severity{rules.SevInfo, rules.SevWarning, rules.SevCritical} {
		pw.sample("partgen_problems", labels("severity", string(s)), float64(sev[s]))
	}
	pw.family("partgen_archive_log_entries", "Rows of partgen_archive_log by table and action.")
	type ta struct{ table, action string }
	logs := map[ta]int{}
	for _, e := range r.ArchiveLog {
		logs[ta{e.ParentTable, e.Action}]++
	}
	keys := make([]ta, 0, len(logs))
	for k := range logs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].table != keys[j].table {
			return keys[i].table < keys[j].table
		}
		return keys[i].action < keys[j].action
	})
	for _, k := range keys {
		pw.sample("partgen_archive_log_entries", labels("table", k.table, "action", k.action), float64(logs[k]))
	}
	pw.family("partgen_migrations_pending", "Migrations of the goose folder the database has not applied (absent when the folder was not read).")
	if r.Migrations.Folder {
		pw.sample("partgen_migrations_pending", nil, float64(len(r.Migrations.Pending)))
	}
	pw.family("partgen_migrations_out_of_order", "Pending migrations below the highest applied version: goose refuses them.")
	if r.Migrations.Folder {
		pw.sample("partgen_migrations_out_of_order", nil, float64(len(r.Migrations.OutOfOrder)))
	}
	return pw.w.err
}

type promWriter struct{ w *errWriter }

func (p *promWriter) family(name, help string) {
	fmt.Fprintf(p.w, "# HELP %s %s\n# TYPE %s gauge\n", name, escapeHelp(help), name)
}

func (p *promWriter) sample(name string, labels []string, v float64) {
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(labels[i])
			b.WriteString(`="`)
			b.WriteString(escapeLabel(labels[i+1]))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	b.WriteByte('\n')
	io.WriteString(p.w, b.String())
}

func labels(kv ...string) []string { return kv }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// escapeLabel follows the exposition format: backslash, double quote and
// newline are escaped in label values.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// escapeHelp escapes backslash and newline in HELP text.
func escapeHelp(s string) string { return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s) }

// errWriter keeps the first write error so renderers can write freely and
// report it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, err
}
