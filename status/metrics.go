package status

import (
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/partgen/partgen/rules"
)

// The metrics a report exposes (README, "Monitoring", lists them). Every one
// is a gauge: a report is a snapshot, and its figures go up and down.
//
// Label sets are fixed over a series' life, so that Prometheus sees one
// series per partition from its creation to its drop: a partition's series
// carry {table, partition} only, and its state is a series of its own
// (partgen_partition_state, one 0/1 series per state, the OpenMetrics
// "stateset" shape) instead of a label whose change would end one series
// and start another. The partition label is the name the table had while
// attached, also after SQLite's archive renamed it.
var (
	descHealth = prometheus.NewDesc("partgen_health",
		"Overall health of the report: 0 ok, 1 warning, 2 critical.", nil, nil)
	descReportTime = prometheus.NewDesc("partgen_report_timestamp_seconds",
		"The instant the report is for (the clock when it was read), in Unix seconds.", nil, nil)
	descReportInfo = prometheus.NewDesc("partgen_report_info",
		"Always 1: the engine, the database (password hidden) and where partition sizes come from.",
		[]string{"engine", "database", "bytes_source"}, nil)
	descDatabaseBytes = prometheus.NewDesc("partgen_database_bytes",
		"SQLite: the whole database file, page_count * page_size.", nil, nil)

	descTableHealth = prometheus.NewDesc("partgen_table_health",
		"Health of one spec table: 0 ok, 1 warning, 2 critical.", []string{"table"}, nil)
	descTableExists = prometheus.NewDesc("partgen_table_exists",
		"1 when the spec table exists in the database.", []string{"table"}, nil)
	descRunwaySeconds = prometheus.NewDesc("partgen_runway_seconds",
		"Seconds from the report's instant to the end of the unbroken run of partitions that covers it (0: none covers it).", []string{"table"}, nil)
	descRunwayEnd = prometheus.NewDesc("partgen_runway_end_timestamp_seconds",
		"End of the unbroken run of partitions that covers the report's instant, in Unix seconds (absent when none covers it).", []string{"table"}, nil)
	descRunwayPeriods = prometheus.NewDesc("partgen_runway_periods",
		"Whole periods after the current one that partitions cover (what premake asks for).", []string{"table"}, nil)
	descPremake = prometheus.NewDesc("partgen_premake_periods",
		"Periods after the current one the spec keeps ready (premake).", []string{"table"}, nil)
	descPartitions = prometheus.NewDesc("partgen_partitions",
		"Partitions of the table by state.", []string{"table", "state"}, nil)
	descDefaultRows = prometheus.NewDesc("partgen_default_rows",
		"Rows in the table's default partition (an exact count; absent without a default partition).", []string{"table"}, nil)
	descGaps = prometheus.NewDesc("partgen_gaps",
		"Holes between the table's attached partitions.", []string{"table"}, nil)
	descOverlaps = prometheus.NewDesc("partgen_overlaps",
		"Overlapping pairs of the table's attached partitions.", []string{"table"}, nil)
	descRetentionOverdue = prometheus.NewDesc("partgen_retention_overdue_partitions",
		"Attached partitions past the spec's retention.", []string{"table"}, nil)
	descDetachPending = prometheus.NewDesc("partgen_detach_pending_partitions",
		"Partitions left pending by an interrupted DETACH ... CONCURRENTLY (PostgreSQL).", []string{"table"}, nil)
	descUnreadable = prometheus.NewDesc("partgen_unreadable_bound_partitions",
		"Attached partitions whose bounds partgen cannot read.", []string{"table"}, nil)
	descNotPartgen = prometheus.NewDesc("partgen_not_partgen_partitions",
		"Attached partitions no partgen migration created.", []string{"table"}, nil)

	descPartRows = prometheus.NewDesc("partgen_partition_rows",
		"Rows of one partition: PostgreSQL's estimate unless the report counted exactly (absent when never analysed).", []string{"table", "partition"}, nil)
	descPartBytes = prometheus.NewDesc("partgen_partition_bytes",
		"Bytes of one partition, indexes (and TOAST) included (absent when unknown).", []string{"table", "partition"}, nil)
	descPartState = prometheus.NewDesc("partgen_partition_state",
		"1 for the state the partition is in, 0 for the others.", []string{"table", "partition", "state"}, nil)
	descPartLower = prometheus.NewDesc("partgen_partition_lower_timestamp_seconds",
		"Lower bound (inclusive) of one partition in Unix seconds (absent for the default partition and unreadable bounds).", []string{"table", "partition"}, nil)
	descPartUpper = prometheus.NewDesc("partgen_partition_upper_timestamp_seconds",
		"Upper bound (exclusive) of one partition in Unix seconds (absent for the default partition and unreadable bounds).", []string{"table", "partition"}, nil)

	descProblems = prometheus.NewDesc("partgen_problems",
		"Findings of the report by severity.", []string{"severity"}, nil)
	descArchiveLog = prometheus.NewDesc("partgen_archive_log_entries",
		"Rows of partgen_archive_log by table and action.", []string{"table", "action"}, nil)
	descMigApplied = prometheus.NewDesc("partgen_migrations_applied",
		"Versions in goose_db_version (0 when goose has never run).", nil, nil)
	descMigPending = prometheus.NewDesc("partgen_migrations_pending",
		"Migrations of the goose folder the database has not applied (absent when the folder was not read).", nil, nil)
	descMigOutOfOrder = prometheus.NewDesc("partgen_migrations_out_of_order",
		"Pending migrations below the highest applied version: goose refuses them (absent when the folder was not read).", nil, nil)
)

var allDescs = []*prometheus.Desc{
	descHealth, descReportTime, descReportInfo, descDatabaseBytes,
	descTableHealth, descTableExists, descRunwaySeconds, descRunwayEnd, descRunwayPeriods, descPremake,
	descPartitions, descDefaultRows, descGaps, descOverlaps, descRetentionOverdue, descDetachPending,
	descUnreadable, descNotPartgen,
	descPartRows, descPartBytes, descPartState, descPartLower, descPartUpper,
	descProblems, descArchiveLog, descMigApplied, descMigPending, descMigOutOfOrder,
}

// NewCollector returns a [prometheus.Collector] that exposes r, for a
// registry of the caller's (an application that wants partgen's gauges on
// its own /metrics) or for `partgen serve`. r is read at each Collect, never
// modified; a nil r exposes nothing. Figures that were not measured (rows
// PostgreSQL never analysed, bytes without dbstat) are left out, not 0.
func NewCollector(r *Report) prometheus.Collector { return reportCollector{r} }

type reportCollector struct{ r *Report }

func (c reportCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

func (c reportCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.r
	if r == nil {
		return
	}
	emit(ch, descHealth, float64(r.Health.Rank()))
	emit(ch, descReportTime, unixSeconds(r.Now))
	emit(ch, descReportInfo, 1, r.Engine, r.Database, r.BytesSource)
	if r.DatabaseBytes != nil {
		emit(ch, descDatabaseBytes, float64(*r.DatabaseBytes))
	}
	byCode := problemsByTable(r.Problems)
	for _, t := range r.Tables {
		emit(ch, descTableHealth, float64(t.Health.Rank()), t.Name)
		emit(ch, descTableExists, b2f(t.Exists), t.Name)
		emit(ch, descPremake, float64(t.Premake), t.Name)
		if !t.Exists {
			continue
		}
		emit(ch, descRunwaySeconds, float64(t.Runway.Seconds), t.Name)
		emit(ch, descRunwayPeriods, float64(t.Runway.Periods), t.Name)
		if t.Runway.Until != nil {
			emit(ch, descRunwayEnd, unixSeconds(*t.Runway.Until), t.Name)
		}
		counts := map[State]int{}
		for _, p := range t.Partitions {
			counts[p.State]++
		}
		for _, s := range States {
			emit(ch, descPartitions, float64(counts[s]), t.Name, string(s))
		}
		if t.DefaultRows != nil {
			emit(ch, descDefaultRows, float64(*t.DefaultRows), t.Name)
		}
		emit(ch, descGaps, float64(len(t.Gaps)), t.Name)
		emit(ch, descOverlaps, float64(len(t.Overlaps)), t.Name)
		emit(ch, descRetentionOverdue, float64(len(t.RetentionOverdue)), t.Name)
		emit(ch, descDetachPending, float64(byCode[t.Name][rules.CodeDetachPending]), t.Name)
		emit(ch, descUnreadable, float64(counts[StateUnknown]), t.Name)
		emit(ch, descNotPartgen, float64(len(t.NotPartgen)), t.Name)

		for _, p := range t.Partitions {
			name := MetricPartition(t, p)
			if p.Rows != nil {
				emit(ch, descPartRows, float64(*p.Rows), t.Name, name)
			}
			if p.Bytes != nil {
				emit(ch, descPartBytes, float64(*p.Bytes), t.Name, name)
			}
			for _, s := range States {
				emit(ch, descPartState, b2f(p.State == s), t.Name, name, string(s))
			}
			if p.Lower != nil {
				emit(ch, descPartLower, unixSeconds(*p.Lower), t.Name, name)
			}
			if p.Upper != nil {
				emit(ch, descPartUpper, unixSeconds(*p.Upper), t.Name, name)
			}
		}
	}
	sev := map[rules.Severity]int{}
	for _, p := range r.Problems {
		sev[p.Severity]++
	}
	for _, s := range []rules.Severity{rules.SevInfo, rules.SevWarning, rules.SevCritical} {
		emit(ch, descProblems, float64(sev[s]), string(s))
	}
	type ta struct{ table, action string }
	logs := map[ta]int{}
	for _, e := range r.ArchiveLog {
		logs[ta{e.ParentTable, e.Action}]++
	}
	for k, n := range logs {
		emit(ch, descArchiveLog, float64(n), k.table, k.action)
	}
	emit(ch, descMigApplied, float64(r.Migrations.Applied))
	if r.Migrations.Folder {
		emit(ch, descMigPending, float64(len(r.Migrations.Pending)))
		emit(ch, descMigOutOfOrder, float64(len(r.Migrations.OutOfOrder)))
	}
}

// MetricPartition is the partition label of p's series: the name it had
// while attached (a retired SQLite partition is renamed, its series keep
// their label), schema-qualified when the table has two partitions of that
// name (an attached one and an archived one in another schema).
func MetricPartition(t Table, p Partition) string {
	name := p.Name
	if p.AttachedName != "" {
		name = p.AttachedName
	}
	if p.State != StateDetached && p.State != StateArchived || p.Schema == "" {
		return name
	}
	for _, q := range t.Partitions {
		if q.State != StateDetached && q.State != StateArchived && q.Name == name {
			return p.Schema + "." + name
		}
	}
	return name
}

// emit sends one gauge. A label value Prometheus refuses (not UTF-8) makes
// the scrape report that one metric as invalid instead of panicking.
func emit(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err)
	}
	ch <- m
}

func problemsByTable(ps []Problem) map[string]map[rules.Code]int {
	out := map[string]map[rules.Code]int{}
	for _, p := range ps {
		if out[p.Table] == nil {
			out[p.Table] = map[rules.Code]int{}
		}
		out[p.Table][p.Code]++
	}
	return out
}

// WritePrometheus writes the report in the Prometheus text exposition
// format (version 0.0.4) through client_golang: every metric a gauge, for
// node_exporter's textfile collector (`partgen status --format prometheus >
// file.prom`) or a pushgateway. The metrics are those of [NewCollector].
func (r *Report) WritePrometheus(w io.Writer) error {
	return WriteMetrics(w, NewCollector(r))
}

// WriteMetrics gathers the collectors through a pedantic registry (which
// checks every metric against its description) and writes them in the text
// exposition format, families sorted by name.
func WriteMetrics(w io.Writer, cs ...prometheus.Collector) error {
	reg := prometheus.NewPedanticRegistry()
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
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

func unixSeconds(t time.Time) float64 { return float64(t.Unix()) }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
