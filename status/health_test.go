package status_test

import (
	"context"
	"testing"
	"time"

	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/status"
)

// reportWith reads the example's database against another spec.
func (e *example) reportWith(sp *spec.Spec, now time.Time) *status.Report {
	e.t.Helper()
	r, err := status.Read(context.Background(), e.src, sp, now, status.Options{Folder: e.folder})
	testdb.Must(e.t, "status.Read", err)
	return r
}

// specWith copies the example's spec and lets a test change it.
func (e *example) specWith(change func(s *spec.Spec)) *spec.Spec {
	s := *e.spec
	s.Tables = append([]spec.Table(nil), e.spec.Tables...)
	for i := range s.Tables {
		if r := s.Tables[i].Retention; r != nil {
			c := *r
			s.Tables[i].Retention = &c
		}
	}
	change(&s)
	return &s
}

// expect checks the health and the set of warning and critical findings.
func expect(t *testing.T, what string, r *status.Report, health rules.Health, want ...string) {
	t.Helper()
	got := codes(r, rules.SevWarning)
	wantSet := map[string]bool{}
	for _, w := range want {
		wantSet[w] = true
		if got[w] == 0 {
			t.Errorf("%s: no %s finding; problems: %+v", what, w, r.Problems)
		}
	}
	for g := range got {
		if !wantSet[g] {
			t.Errorf("%s: unexpected finding %s; problems: %+v", what, g, r.Problems)
		}
	}
	if r.Health != health {
		t.Errorf("%s: health %s, want %s", what, r.Health, health)
	}
}

// Each rule is triggered on the real database, then cleared.
func TestHealthRulesPostgres(t *testing.T) {
	e := postgresExample(t)
	expect(t, "baseline", e.report(exampleNow, false), rules.OK)
	runwayRules(t, e)

	e.exec("INSERT INTO alert_log (instrument_id, raised_at, severity, message) VALUES (1, '2031-01-01 00:00:00+00', 'info', 'late')")
	expect(t, "row in default", e.report(exampleNow, false), rules.Warning, "alert_log:rows_in_default")
	e.exec("DELETE FROM alert_log WHERE raised_at >= '2031-01-01'")
	expect(t, "default emptied", e.report(exampleNow, false), rules.OK)

	e.exec("ALTER TABLE market_data DETACH PARTITION market_data_p2026_12")
	r := e.report(exampleNow, false)
	expect(t, "detached in the middle", r, rules.Critical, "market_data:gap", "market_data:runway_critical")
	if md := table1(t, r, "market_data"); len(md.Gaps) != 1 || !md.Gaps[0].Lower.Equal(ts("2026-12-01T00:00:00Z")) || !md.Gaps[0].Upper.Equal(ts("2027-01-01T00:00:00Z")) {
		t.Errorf("gaps %+v", md.Gaps)
	}
	e.exec("ALTER TABLE market_data ATTACH PARTITION market_data_p2026_12 FOR VALUES FROM ('2026-12-01 00:00:00+00') TO ('2027-01-01 00:00:00+00')")
	expect(t, "re-attached", e.report(exampleNow, false), rules.OK)

	e.exec("CREATE TABLE market_data_extra PARTITION OF market_data FOR VALUES FROM ('2027-03-01 00:00:00+00') TO ('2027-04-01 00:00:00+00')")
	r = e.report(exampleNow, false)
	expect(t, "hand-made partition", r, rules.OK)
	if md := table1(t, r, "market_data"); len(md.NotPartgen) != 1 || md.NotPartgen[0] != "market_data_extra" || md.Runway.Periods != 4 {
		t.Errorf("not partgen %v, runway %+v", md.NotPartgen, md.Runway)
	}
	if got := codes(r, rules.SevInfo); got["market_data:"+string(rules.CodeNotPartgen)] != 1 {
		t.Errorf("no not_partgen finding: %+v", r.Problems)
	}
	e.exec("DROP TABLE market_data_extra")

	keep1 := e.specWith(func(s *spec.Spec) { s.Tables[0].Retention.Keep = 1 })
	r = e.reportWith(keep1, exampleNow)
	expect(t, "keep 1", r, rules.Warning, "market_data:retention_overdue")
	if md := table1(t, r, "market_data"); len(md.RetentionOverdue) != 9 || md.RetentionOverdue[8] != "market_data_p2026_09" {
		t.Errorf("overdue %v, want 2026-01 through 2026-09", md.RetentionOverdue)
	}
	expect(t, "keep 24", e.reportWith(e.spec, exampleNow), rules.OK)

	missing := e.specWith(func(s *spec.Spec) {
		extra := s.Tables[0]
		extra.Name = "trades"
		s.Tables = append(s.Tables, extra)
	})
	r = e.reportWith(missing, exampleNow)
	expect(t, "missing table", r, rules.Critical, "trades:table_missing")
	if tb := table1(t, r, "trades"); tb.Exists {
		t.Errorf("trades reported as existing")
	}

	e.exec("CREATE TABLE plain_ticks (ts timestamptz NOT NULL)")
	plain := e.specWith(func(s *spec.Spec) {
		extra := s.Tables[0]
		extra.Name = "plain_ticks"
		s.Tables = append(s.Tables, extra)
	})
	expect(t, "plain table", e.reportWith(plain, exampleNow), rules.Critical, "plain_ticks:not_partitioned")

	outOfOrderRule(t, e, "20261126000001_partgen_create_market_data_p2026_01_to_p2027_02.sql")
}

func TestHealthRulesSQLite(t *testing.T) {
	e := sqliteExample(t)
	expect(t, "baseline", e.report(exampleNow, false), rules.OK)
	runwayRules(t, e)

	e.exec("INSERT INTO alert_log (id, instrument_id, raised_at, severity, message) VALUES (9, 1, '2031-01-01 00:00:00+00:00', 'info', 'late')")
	expect(t, "row in default", e.report(exampleNow, false), rules.Warning, "alert_log:rows_in_default")
	e.exec("DELETE FROM alert_log WHERE id = 9")
	expect(t, "default emptied", e.report(exampleNow, false), rules.OK)

	// The view is the attachment: a partition left out of it is a gap, a
	// hand-made table put into it may overlap.
	var viewSQL string
	testdb.Must(t, "view sql", e.sqlDB.QueryRow("SELECT sql FROM sqlite_schema WHERE name = 'market_data'").Scan(&viewSQL))
	cols := `"instrument_id", "ts", "price", "volume"`
	e.exec("DROP VIEW market_data")
	e.exec(`CREATE VIEW market_data AS SELECT ` + cols + ` FROM market_data_p2026_11 UNION ALL SELECT ` + cols + ` FROM market_data_p2027_01 UNION ALL SELECT ` + cols + ` FROM market_data_p2027_02`)
	r := e.report(exampleNow, false)
	expect(t, "partition left out of the view", r, rules.Critical, "market_data:gap", "market_data:runway_critical")

	e.exec(`CREATE TABLE market_data_extra (instrument_id INTEGER NOT NULL, ts TEXT NOT NULL, price REAL NOT NULL, volume INTEGER NOT NULL,
		CHECK ("ts" >= '2027-02-15 00:00:00+00:00' AND "ts" < '2027-03-15 00:00:00+00:00'))`)
	e.exec("DROP VIEW market_data")
	e.exec(viewSQL + ` UNION ALL SELECT ` + cols + ` FROM "market_data_extra"`)
	r = e.report(exampleNow, false)
	expect(t, "overlapping hand-made partition", r, rules.Critical, "market_data:overlap")
	md := table1(t, r, "market_data")
	if len(md.Overlaps) != 1 || md.Overlaps[0].A != "market_data_p2027_02" || md.Overlaps[0].B != "market_data_extra" ||
		!md.Overlaps[0].Lower.Equal(ts("2027-02-15T00:00:00Z")) || !md.Overlaps[0].Upper.Equal(ts("2027-03-01T00:00:00Z")) {
		t.Errorf("overlaps %+v", md.Overlaps)
	}
	if len(md.NotPartgen) != 1 || md.NotPartgen[0] != "market_data_extra" || !md.Runway.Until.Equal(ts("2027-03-15T00:00:00Z")) {
		t.Errorf("not partgen %v, runway %+v", md.NotPartgen, md.Runway)
	}
	e.exec("DROP VIEW market_data")
	e.exec(viewSQL)
	expect(t, "view restored", e.report(exampleNow, false), rules.OK)

	keep1 := e.specWith(func(s *spec.Spec) { s.Tables[0].Retention.Keep = 1 })
	expect(t, "keep 1", e.reportWith(keep1, exampleNow), rules.Warning, "market_data:retention_overdue")

	missing := e.specWith(func(s *spec.Spec) {
		extra := s.Tables[0]
		extra.Name = "trades"
		s.Tables = append(s.Tables, extra)
	})
	expect(t, "missing table", e.reportWith(missing, exampleNow), rules.Critical, "trades:table_missing")

	e.exec("CREATE TABLE plain_ticks (ts TEXT NOT NULL)")
	plain := e.specWith(func(s *spec.Spec) {
		extra := s.Tables[0]
		extra.Name = "plain_ticks"
		s.Tables = append(s.Tables, extra)
	})
	expect(t, "plain table", e.reportWith(plain, exampleNow), rules.Critical, "plain_ticks:not_partitioned")

	outOfOrderRule(t, e, "20261126000001_partgen_create_market_data_p2026_01_to_p2027_02.sql")
}

// runwayRules moves now through the example's last partitions.
func runwayRules(t *testing.T, e *example) {
	t.Helper()
	expect(t, "one month and one quarter left", e.report(ts("2027-01-15T00:00:00Z"), false), rules.Warning,
		"market_data:runway_short", "alert_log:runway_short")
	expect(t, "last month", e.report(ts("2027-02-10T00:00:00Z"), false), rules.Critical,
		"market_data:runway_critical", "alert_log:runway_short")
	r := e.report(ts("2027-03-05T00:00:00Z"), false)
	expect(t, "past the last partition", r, rules.Critical,
		"market_data:runway_exhausted", "alert_log:runway_short")
	if md := table1(t, r, "market_data"); md.Runway.Covered || md.Runway.Until != nil || md.Runway.Seconds != 0 {
		t.Errorf("exhausted runway %+v", md.Runway)
	}
	expect(t, "back to the pinned date", e.report(exampleNow, false), rules.OK)
}

// outOfOrderRule forgets that the database applied file, which now sorts
// below the highest applied version: goose would refuse it.
func outOfOrderRule(t *testing.T, e *example, file string) {
	t.Helper()
	e.exec("DELETE FROM goose_db_version WHERE version_id = 20261126000001")
	r := e.report(exampleNow, false)
	expect(t, "unapplied partgen file below the highest version", r, rules.Warning, ":out_of_order")
	if m := r.Migrations; len(m.Pending) != 1 || m.Pending[0] != file || len(m.OutOfOrder) != 1 {
		t.Errorf("migrations %+v", m)
	}
	e.exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (20261126000001, true)")
	expect(t, "applied again", e.report(exampleNow, false), rules.OK)
}
