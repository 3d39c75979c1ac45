package status_test

import (
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/status"
)

// The example's retention, run forward: in February 2028 market_data_p2026_01
// falls out of keep 24 and is archived; in May 2028 it is purged (drop_after
// 3) and 2026-02 through 2026-04 are archived. The report lists archived
// tables with their rows and reads partgen_archive_log.
func TestArchivedPartitionsPostgres(t *testing.T) {
	testArchived(t, "postgres", goose.DialectPostgres)
}

func TestArchivedPartitionsSQLite(t *testing.T) {
	testArchived(t, "sqlite", goose.DialectSQLite3)
}

func testArchived(t *testing.T, engine string, dialect goose.Dialect) {
	e, dir, up := exampleCopy(t, engine, dialect)
	up()
	for i, key := range []string{"2026-01-05 00:00:00+00:00", "2026-01-06 00:00:00+00:00", "2026-02-05 00:00:00+00:00"} {
		if engine == "postgres" {
			e.exec("INSERT INTO market_data VALUES ($1, $2, 1, 1)", i+1, key)
		} else {
			e.exec("INSERT INTO market_data VALUES (?, ?, 1, 1)", i+1, key)
		}
	}

	generateInto(t, dir, calendar.Date{Year: 2028, Month: 2, Day: 15})
	up()
	r := e.report(ts("2028-02-15T12:00:00Z"), true)
	archived := "market_data_p2026_01"
	if engine == "sqlite" {
		archived = "archive_market_data_p2026_01" // SQLite has no schemas: a name prefix
	}
	p := partition(t, r, "market_data", archived)
	if p.State != status.StateArchived || p.Rows == nil || *p.Rows != 2 || !p.Lower.Equal(ts("2026-01-01T00:00:00Z")) {
		t.Errorf("archived partition %+v", p)
	}
	if engine == "postgres" && p.Schema != "archive" {
		t.Errorf("archived into schema %q, want archive", p.Schema)
	}
	if p.CreatedByPartgen == nil || !*p.CreatedByPartgen {
		t.Errorf("the archived partition was created by partgen")
	}
	if len(r.ArchiveLog) != 1 {
		t.Fatalf("archive log %+v", r.ArchiveLog)
	}
	a := r.ArchiveLog[0]
	if a.ParentTable != "market_data" || a.PartitionName != "market_data_p2026_01" || a.Action != "archive" || a.RowCount != 2 ||
		!a.Lower.Equal(ts("2026-01-01T00:00:00Z")) || !a.Upper.Equal(ts("2026-02-01T00:00:00Z")) || a.MigrationVersion == 0 || a.ArchivedAt.IsZero() {
		t.Errorf("archive log entry %+v", a)
	}
	if engine == "postgres" && (a.ArchivedAs != "archive.market_data_p2026_01" || a.TotalBytes == nil) {
		t.Errorf("archived as %q, bytes %v", a.ArchivedAs, a.TotalBytes)
	}
	expect(t, "after archiving", r, rules.OK)
	if md := table1(t, r, "market_data"); md.Runway.Periods != 3 {
		t.Errorf("runway %+v after generating for 2028-02-15", md.Runway)
	}

	generateInto(t, dir, calendar.Date{Year: 2028, Month: 5, Day: 15})
	up()
	r = e.report(ts("2028-05-15T12:00:00Z"), true)
	states := map[status.State]int{}
	for _, p := range table1(t, r, "market_data").Partitions {
		states[p.State]++
		if p.Name == archived {
			t.Errorf("%s was purged but is still listed", p.Name)
		}
	}
	if states[status.StateArchived] != 3 {
		t.Errorf("%d archived partitions, want 3 (2026-02 through 2026-04): %v", states[status.StateArchived], states)
	}
	actions := map[string]int{}
	for _, a := range r.ArchiveLog {
		actions[a.Action]++
	}
	if actions["archive"] != 4 || actions["purge"] != 1 {
		t.Errorf("archive log actions %v, want 4 archive and 1 purge", actions)
	}
	expect(t, "after the purge", r, rules.OK)
}
