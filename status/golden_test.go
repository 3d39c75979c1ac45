package status_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/status"
)

var update = flag.Bool("update", false, "rewrite testdata/report.* from the current output")

// fixedReport has one of every kind of value the report carries: every
// partition state, estimated and exact rows, unknown figures (null), gaps,
// overlaps, each severity, the archive log and pending migrations. The
// renderers are pure functions of it, so their output is pinned byte for
// byte: these are public contracts (JSON schema version 1, the Prometheus
// series, the table people read).
func fixedReport() *status.Report {
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	tp := func(s string) *time.Time { t := at(s); return &t }
	n := func(v int64) *int64 { return &v }
	yes, no := true, false
	until := at("2027-02-01T00:00:00Z")
	return &status.Report{
		SchemaVersion: status.SchemaVersion,
		Engine:        "postgres",
		Database:      "postgres://app@db.internal/app",
		Now:           at("2026-11-26T12:00:00Z"),
		Health:        rules.Critical,
		BytesSource:   "relpages",
		Tables: []status.Table{
			{
				Name: "market_data", Exists: true, Partitioned: true, Interval: "month", Premake: 3, Timezone: "UTC", Health: rules.Warning,
				Runway: status.Runway{Covered: true, Until: &until, Seconds: int64(until.Sub(at("2026-11-26T12:00:00Z")).Seconds()), Periods: 2},
				Partitions: []status.Partition{
					{Name: "market_data_p2026_10", Schema: "public", Lower: tp("2026-10-01T00:00:00Z"), Upper: tp("2026-11-01T00:00:00Z"), State: status.StatePast, Rows: n(42408), Bytes: n(4423680), CreatedByPartgen: &yes, CreatedBy: "20261001000000_partgen_create_market_data_p2026_10.sql"},
					{Name: "market_data_p2026_11", Schema: "public", Lower: tp("2026-11-01T00:00:00Z"), Upper: tp("2026-12-01T00:00:00Z"), State: status.StateCurrent, Rows: n(39000), Bytes: n(4063232), CreatedByPartgen: &yes, CreatedBy: "20261101000000_partgen_create_market_data_p2026_11_to_p2027_01.sql"},
					{Name: "market_data_p2026_12", Schema: "public", Lower: tp("2026-12-01T00:00:00Z"), Upper: tp("2027-01-01T00:00:00Z"), State: status.StateFuture, Rows: nil, Bytes: n(16384), CreatedByPartgen: &yes, CreatedBy: "20261101000000_partgen_create_market_data_p2026_11_to_p2027_01.sql"},
					{Name: "market_data_p2027_01", Schema: "public", Lower: tp("2027-01-01T00:00:00Z"), Upper: tp("2027-02-01T00:00:00Z"), State: status.StateFuture, Rows: n(0), RowsExact: true, Bytes: n(16384), CreatedByPartgen: &yes, CreatedBy: "20261101000000_partgen_create_market_data_p2026_11_to_p2027_01.sql"},
					{Name: "market_data_manual", Schema: "public", State: status.StateUnknown, Bound: "FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00+00')", Rows: n(7), Bytes: n(8192), CreatedByPartgen: &no},
					{Name: "market_data_p2026_01", Schema: "archive", Lower: tp("2026-01-01T00:00:00Z"), Upper: tp("2026-02-01T00:00:00Z"), State: status.StateArchived, Rows: n(40100), RowsExact: true, Bytes: n(4194304), CreatedByPartgen: &yes, CreatedBy: "20260101000000_partgen_create_market_data_p2026_01_to_p2026_04.sql"},
				},
				Gaps:             []status.Range{},
				Overlaps:         []status.Overlap{},
				RetentionOverdue: []string{},
				NotPartgen:       []string{"market_data_manual"},
			},
			{
				Name: "alert_log", Exists: true, Partitioned: true, Interval: "quarter", Premake: 2, Timezone: "Europe/Berlin", Health: rules.Critical,
				Runway: status.Runway{},
				Partitions: []status.Partition{
					{Name: "alert_log_p2026q2", Schema: "public", Lower: tp("2026-03-31T22:00:00Z"), Upper: tp("2026-06-30T22:00:00Z"), State: status.StatePast, Rows: n(12), RowsExact: true, Bytes: n(24576), CreatedByPartgen: &yes, CreatedBy: "20260401000000_partgen_create_alert_log_p2026q2.sql"},
					{Name: "alert_log_p2026q4", Schema: "public", Lower: tp("2026-09-30T22:00:00Z"), Upper: tp("2026-12-31T23:00:00Z"), State: status.StateCurrent, Rows: n(3), RowsExact: true, Bytes: n(24576), CreatedByPartgen: &yes, CreatedBy: "20261001000000_partgen_create_alert_log_p2026q4.sql"},
					{Name: "alert_log_default", Schema: "public", State: status.StateDefault, Rows: n(5), RowsExact: true, Bytes: n(16384), CreatedByPartgen: &yes, CreatedBy: "20260401000000_partgen_create_alert_log_p2026q2.sql"},
					{Name: "alert_log_p2026q1", Schema: "public", Lower: tp("2025-12-31T23:00:00Z"), Upper: tp("2026-03-31T22:00:00Z"), State: status.StateDetached, Rows: n(30), RowsExact: true, Bytes: nil, CreatedByPartgen: &yes, CreatedBy: "20260101000000_partgen_create_alert_log_p2026q1.sql"},
				},
				DefaultRows:      n(5),
				Gaps:             []status.Range{{Lower: at("2026-06-30T22:00:00Z"), Upper: at("2026-09-30T22:00:00Z")}},
				Overlaps:         []status.Overlap{},
				RetentionOverdue: []string{"alert_log_p2026q2"},
				NotPartgen:       []string{},
			},
			{
				Name: "trades", Interval: "day", Premake: 4, Timezone: "UTC", Health: rules.Critical,
				Partitions: []status.Partition{}, Gaps: []status.Range{}, Overlaps: []status.Overlap{}, RetentionOverdue: []string{}, NotPartgen: []string{},
			},
		},
		Problems: []status.Problem{
			{Severity: rules.SevInfo, Code: rules.CodeNotPartgen, Table: "market_data", Partition: "market_data_manual", Message: "partition market_data_manual was not created by a partgen migration of this folder"},
			{Severity: rules.SevWarning, Code: rules.CodeUnreadableBound, Table: "market_data", Partition: "market_data_manual", Message: "partition market_data_manual has bounds partgen cannot read (FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00+00')); it is left out of the runway, gap and overlap checks"},
			{Severity: rules.SevWarning, Code: rules.CodeRunwayShort, Table: "market_data", Message: "the partitions of market_data end at 2027-02-01 00:00:00 +00:00, 2 whole month(s) after the current one (2026-11); premake is 3: run partgen generate and deploy the migration"},
			{Severity: rules.SevWarning, Code: rules.CodeRowsInDefault, Table: "alert_log", Partition: "alert_log_default", Message: "the default partition alert_log_default holds 5 row(s) that match no range partition"},
			{Severity: rules.SevCritical, Code: rules.CodeGap, Table: "alert_log", Message: "no partition covers [2026-07-01 00:00:00 +02:00, 2026-10-01 00:00:00 +02:00) between alert_log_p2026q2 and alert_log_p2026q4"},
			{Severity: rules.SevWarning, Code: rules.CodeRetentionOverdue, Table: "alert_log", Partition: "alert_log_p2026q2", Message: "partition alert_log_p2026q2 is past retention and still attached"},
			{Severity: rules.SevCritical, Code: rules.CodeTableMissing, Table: "trades", Message: "table trades does not exist in the database"},
			{Severity: rules.SevInfo, Code: rules.CodePending, File: "20261126000000_partgen_create_market_data_p2027_02.sql", Message: "20261126000000_partgen_create_market_data_p2027_02.sql is in the goose folder but not applied: goose up applies it"},
		},
		ArchiveLog: []status.ArchiveEntry{
			{ID: 1, ParentTable: "alert_log", PartitionName: "alert_log_p2026q1", Lower: at("2025-12-31T23:00:00Z"), Upper: at("2026-03-31T22:00:00Z"), Action: "detach", ArchivedAs: "alert_log_p2026q1", RowCount: 30, TotalBytes: n(40960), MigrationVersion: 20260701000000, ArchivedAt: at("2026-07-01T03:00:00Z")},
			{ID: 2, ParentTable: "market_data", PartitionName: "market_data_p2026_01", Lower: at("2026-01-01T00:00:00Z"), Upper: at("2026-02-01T00:00:00Z"), Action: "archive", ArchivedAs: "archive.market_data_p2026_01", RowCount: 40100, RowsEstimated: true, TotalBytes: nil, MigrationVersion: 20261101000001, ArchivedAt: at("2026-11-01T03:00:00Z")},
		},
		Migrations: status.Migrations{GooseTable: true, Applied: 9, MaxApplied: 20261101000001, Folder: true,
			Pending: []string{"20261126000000_partgen_create_market_data_p2027_02.sql"}, OutOfOrder: []string{}},
	}
}

// TestRenderedForms pins each output form of a fixed report.
func TestRenderedForms(t *testing.T) {
	r := fixedReport()
	for _, f := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"report.json", func(b *bytes.Buffer) error { return r.WriteJSON(b) }},
		{"report.txt", func(b *bytes.Buffer) error { return r.WriteTable(b) }},
		{"report.prom", func(b *bytes.Buffer) error { return r.WritePrometheus(b) }},
		{"report.html", func(b *bytes.Buffer) error { return r.WriteHTML(b, status.HTMLOptions{}) }},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", f.file)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./status -run TestRenderedForms -update)", err)
		}
		if !bytes.Equal(want, b.Bytes()) {
			t.Errorf("%s differs from the rendered output; review the diff (go test ./status -run TestRenderedForms -update)\n%s", path, b.String())
		}
	}
}
