package sqlitecompat_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// canonical is partgen's stored key form: UTC text as go-sqlite3 writes a
// UTC time.Time.
func canonical(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999999-07:00") }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

var plus2 = time.FixedZone("+02:00", 2*3600)

// TestFloor brings a file up with partgen's migrations on the SQLite this
// build links, and works it as an application would: the conversion of
// tables holding rows, inserts through the views at period edges and in
// every accepted key form, refusals with readable messages, updates across
// periods, deletes, default partitions, retention, Down of every file.
func TestFloor(t *testing.T) {
	w := newWorkspace(t)
	ctx := context.Background()

	var version string
	if err := w.db.QueryRow("SELECT sqlite_version()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if want := wantSQLiteVersion(t); version != want {
		t.Fatalf("sqlite_version() = %s, want %s: this run does not test the SQLite it claims to", version, want)
	}
	t.Logf("SQLite %s", version)

	// The user's own tables, holding rows in assorted key forms.
	w.mustUp()
	w.exec(`INSERT INTO logins (user_id, ts, ip) VALUES
		(1, '2026-09-01 00:00:00+00:00', 'a'),
		(2, '2026-09-30T23:59:59.999999999Z', 'b'),
		(3, '2026-10-01 01:30:00+02:00', 'c'),
		(4, '2026-11-15 12:00:00', 'd'),
		(5, '2027-01-31 23:59:59.5-01:00', 'e'),
		(6, '2026-12-31 23:00:00-01:00', 'f')`)
	w.exec(`INSERT INTO sessions (id, started_at, user_id) VALUES
		(1, '2026-07-01 00:00:00+00:00', 1),
		(2, '2026-12-31 23:59:59+00:00', 1),
		(3, '2027-05-01 08:00:00+02:00', 2)`)
	w.exec(`INSERT INTO audit_events (id, at, what) VALUES
		(1, '2026-10-01 00:00:00Z', 'x'),
		(2, '2026-12-15T10:00:00.25+00:00', 'y')`)

	// Conversion: a row outside every range stops the file, which rolls back
	// whole; the message names the table, the ranges and how to find the row.
	w.generate("2026-11-26")
	err := w.up()
	if err == nil {
		t.Fatal("the conversion of logins accepted a row outside every partition")
	}
	for _, f := range []string{"cannot convert logins", "[2026-09-01 00:00:00+00:00, 2027-02-01 00:00:00+00:00)", `SELECT * FROM "logins" WHERE`} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("refused conversion: %q does not say %q", err, f)
		}
	}
	if typ := w.objectType("logins"); typ != "table" {
		t.Fatalf("logins is a %q after the refused conversion, want the table", typ)
	}
	if n := w.count("SELECT count(*) FROM logins WHERE ts = '2027-01-31 23:59:59.5-01:00'"); n != 1 {
		t.Fatal("the refused conversion changed the row it refused")
	}
	w.exec("DELETE FROM logins WHERE user_id = 5")
	w.mustUp()
	for _, fam := range families {
		if typ := w.objectType(fam); typ != "view" {
			t.Fatalf("%s is a %q after the conversion, want partgen's view", fam, typ)
		}
	}
	w.assertIn("logins", "ts", "2026-09-01 00:00:00+00:00", "logins_p2026_09")
	w.assertIn("logins", "ts", "2026-09-30 23:59:59.999999999+00:00", "logins_p2026_09")
	w.assertIn("logins", "ts", "2026-09-30 23:30:00+00:00", "logins_p2026_09")
	w.assertIn("logins", "ts", "2026-11-15 12:00:00+00:00", "logins_p2026_11")
	w.assertIn("logins", "ts", "2027-01-01 00:00:00+00:00", "logins_p2027_01")
	w.assertIn("sessions", "started_at", "2026-07-01 00:00:00+00:00", "sessions_p2026q3")
	w.assertIn("sessions", "started_at", "2026-12-31 23:59:59+00:00", "sessions_p2026q4")
	w.assertIn("sessions", "started_at", "2027-05-01 06:00:00+00:00", "sessions_default")
	w.assertIn("audit_events", "at", "2026-10-01 00:00:00+00:00", "audit_events_p2026_10")
	w.assertIn("audit_events", "at", "2026-12-15 10:00:00.25+00:00", "audit_events_p2026_12")
	for _, ix := range []string{"logins_p2026_09_ts_idx", "sessions_p2026q3_user_start", "sessions_default_user_start"} {
		if w.count("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", ix) != 1 {
			t.Errorf("the user's index was not copied as %s", ix)
		}
	}
	w.integrityOK()

	t.Run("inserts through the view", func(t *testing.T) { insertsThroughView(t, w) })
	t.Run("refusals", func(t *testing.T) { refusals(t, w) })
	t.Run("update and delete", func(t *testing.T) { updateAndDelete(t, w) })

	// Defaults: rows beyond the runway wait there.
	w.exec("INSERT INTO sessions (id, started_at, user_id) VALUES (10, '2027-04-02 00:00:00+00:00', 3)")
	w.assertIn("sessions", "started_at", "2027-04-02 00:00:00+00:00", "sessions_default")
	w.exec("INSERT INTO audit_events (id, at, what) VALUES (10, '2027-01-05 00:00:00+00:00', 'late')")
	w.assertIn("audit_events", "at", "2027-01-05 00:00:00+00:00", "audit_events_default")

	// The next files: on_default_rows: fail stops audit_events' file while its
	// default holds a row of the new range; move carries sessions' rows over.
	w.generate("2027-01-15")
	err = w.up()
	if err == nil {
		t.Fatal("audit_events' next file ran while its default partition held a row of the new range")
	}
	for _, f := range []string{"default partition audit_events_default", "audit_events_p2027_01 [2027-01-01 00:00:00+00:00, 2027-02-01 00:00:00+00:00)", `SELECT * FROM "audit_events_default" WHERE`} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("refused next file: %q does not say %q", err, f)
		}
	}
	w.exec("DELETE FROM audit_events WHERE id = 10")
	if n := w.count("SELECT count(*) FROM audit_events_default"); n != 0 {
		t.Fatalf("delete through the view left %d row(s) in the default", n)
	}
	w.mustUp()
	w.assertIn("sessions", "started_at", "2027-05-01 06:00:00+00:00", "sessions_p2027q2")
	w.assertIn("sessions", "started_at", "2027-04-02 00:00:00+00:00", "sessions_p2027q2")
	w.exec("INSERT INTO logins (user_id, ts, ip) VALUES (5, '2027-01-31 23:59:59.5-01:00', 'e')")
	w.assertIn("logins", "ts", "2027-02-01 00:59:59.5+00:00", "logins_p2027_02")
	w.integrityOK()

	t.Run("system sqlite3 shell and python", func(t *testing.T) {
		systemTools(t, w, "2027-03-01T00:30:00+01:00", "2027-02-28 23:30:00+00:00", "logins_p2027_02")
	})
	t.Run("README python snippet", func(t *testing.T) { readmePython(t, w) })

	// Down of every file in reverse, to the user's own tables, no row lost.
	// A partition that holds rows is never dropped: the Down refuses first.
	n0, h0 := w.everyRow()
	_, err = w.provider().Down(ctx)
	if err == nil || !strings.Contains(err.Error(), "refusing to drop partition sessions_p2027q2 of sessions") || !strings.Contains(err.Error(), "would be lost") {
		t.Fatalf("Down of sessions' next file with rows in sessions_p2027q2: err = %v", err)
	}
	if n, h := w.everyRow(); n != n0 || h != h0 {
		t.Fatalf("the refused Down changed the data: %d rows (%s), was %d (%s)", n, h, n0, h0)
	}
	w.exec("DELETE FROM sessions WHERE started_at >= '2027-04-01'")
	w.exec("DELETE FROM logins WHERE ts >= '2027-02-01'")
	n1, h1 := w.everyRow()
	if n1 != n0-3 {
		t.Fatalf("%d rows after taking out 3, was %d", n1, n0)
	}
	if _, err := w.provider().DownTo(ctx, baseVersion); err != nil {
		t.Fatalf("Down to the user's own migration: %v", err)
	}
	for _, fam := range families {
		if typ := w.objectType(fam); typ != "table" {
			t.Fatalf("%s is a %q after Down, want the table again", fam, typ)
		}
	}
	if n, h := w.everyRow(); n != n1 || h != h1 {
		t.Fatalf("Down to the base lost or changed rows: %d (%s), want %d (%s)", n, h, n1, h1)
	}
	for _, ix := range []string{"logins_ts_idx", "sessions_user_start"} {
		if w.count("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", ix) != 1 {
			t.Errorf("index %s not restored by Down", ix)
		}
	}
	w.integrityOK()
	w.mustUp()
	if n, h := w.everyRow(); n != n1 || h != h1 {
		t.Fatalf("Up again lost or changed rows: %d (%s), want %d (%s)", n, h, n1, h1)
	}
	w.integrityOK()

	t.Run("retention", func(t *testing.T) { retention(t, w) })

	t.Run("system sqlite3 shell and python after retention", func(t *testing.T) {
		systemTools(t, w, "2027-08-01 00:30:00+01:00", "2027-07-31 23:30:00+00:00", "logins_p2027_07")
	})
}

func insertsThroughView(t *testing.T, w *workspace) {
	id := 100
	months := []time.Time{date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)}
	for i := 0; i+1 < len(months); i++ {
		lo, hi := months[i], months[i+1]
		part := fmt.Sprintf("logins_p%s", lo.Format("2006_01"))
		last := hi.Add(-time.Nanosecond)
		forms := []struct {
			text string
			at   time.Time
		}{
			{canonical(lo), lo},     // the lower bound itself
			{canonical(last), last}, // the last nanosecond
			{lo.Add(time.Hour).In(plus2).Format("2006-01-02 15:04:05-07:00"), lo.Add(time.Hour)},                       // +02:00
			{last.In(plus2).Format("2006-01-02T15:04:05.999999999-07:00"), last},                                       // +02:00, T, local date in the next month
			{lo.Format("2006-01-02T15:04:05Z07:00"), lo},                                                               // Z
			{hi.Add(-500 * time.Millisecond).Format("2006-01-02 15:04:05.999999999"), hi.Add(-500 * time.Millisecond)}, // no offset: UTC
			{lo.Add(-time.Second).In(plus2).Format("2006-01-02 15:04:05-07:00"), lo.Add(-time.Second)},                 // local date in this month, UTC in the previous
		}
		for _, f := range forms {
			id++
			want := part
			if f.at.Before(lo) {
				if i == 0 {
					continue // before the first partition: refused, tested below
				}
				want = fmt.Sprintf("logins_p%s", months[i-1].Format("2006_01"))
			}
			w.exec("INSERT INTO logins (user_id, ts) VALUES (?, ?)", id, f.text)
			w.assertIn("logins", "ts", canonical(f.at), want)
			if n := w.count("SELECT count(*) FROM logins WHERE user_id = ? AND ip = ''", id); n != 1 {
				t.Errorf("%s: the column default did not apply through the view (%d)", f.text, n)
			}
		}
	}
	// A go-sqlite3 time.Time in another zone (bound as text with its offset).
	id++
	at := time.Date(2026, 12, 1, 1, 30, 0, 0, plus2) // 2026-11-30 23:30 UTC
	w.exec("INSERT INTO logins (user_id, ts) VALUES (?, ?)", id, at)
	w.assertIn("logins", "ts", "2026-11-30 23:30:00+00:00", "logins_p2026_11")
	// An offset that brings a key past the last bound back inside.
	w.exec("INSERT INTO logins (user_id, ts) VALUES (990, '2027-02-01 00:30:00+01:00')")
	w.assertIn("logins", "ts", "2027-01-31 23:30:00+00:00", "logins_p2027_01")
	// Quarters route the same way.
	w.exec("INSERT INTO sessions (id, started_at, user_id) VALUES (20, '2026-09-30 23:59:59.999+00:00', 5), (21, '2026-10-01 02:00:00+02:00', 5)")
	w.assertIn("sessions", "started_at", "2026-09-30 23:59:59.999+00:00", "sessions_p2026q3")
	w.assertIn("sessions", "started_at", "2026-10-01 00:00:00+00:00", "sessions_p2026q4")
	w.integrityOK()
}

func refusals(t *testing.T, w *workspace) {
	ins := "INSERT INTO logins (user_id, ts) VALUES (1, ?)"
	ranges := "[2026-09-01 00:00:00+00:00, 2027-02-01 00:00:00+00:00)"
	w.mustFail(ins, []any{"2027-02-01 00:00:00+00:00"}, "no partition of logins", "2027-02-01 00:00:00+00:00", "partgen generate", ranges)
	w.mustFail(ins, []any{"2027-02-01 01:30:00+01:00"}, "no partition of logins", ranges)
	w.mustFail(ins, []any{"2026-08-31 23:59:59.999+00:00"}, "no partition of logins", "before 2026-09-01 00:00:00+00:00", ranges)
	w.mustFail(ins, []any{nil}, "no partition of logins for ts=NULL")
	for _, bad := range []string{"yesterday", "2026-13-01 00:00:00", "2026-11-26", "2026-11-26 10:00:00+0200", "2026-11-26 10:00:00.5x"} {
		w.mustFail(ins, []any{bad}, "logins.ts is not a timestamp partgen can place", "2026-11-26 04:12:12.5+00:00")
	}
	// Straight into a partition: its CHECK holds the period and the form.
	w.mustFail("INSERT INTO logins_p2026_11 (user_id, ts) VALUES (1, '2026-11-20 10:00:00-05:00')", nil, "CHECK constraint failed")
	w.mustFail("INSERT INTO logins_p2026_11 (user_id, ts) VALUES (1, '2026-12-20 10:00:00+00:00')", nil, "CHECK constraint failed")
	w.mustFail("INSERT INTO sessions (id, started_at, user_id) VALUES (1, 'soon', 1)", nil, "sessions.started_at is not a timestamp")
	w.mustFail("INSERT INTO audit_events (id, at, what) VALUES (1, NULL, 'x')", nil, "audit_events_default")
	if n := w.count("SELECT count(*) FROM logins WHERE ts >= '2027-02-01' OR ts < '2026-09-01'"); n != 0 {
		t.Errorf("%d refused row(s) stored anyway", n)
	}
}

func updateAndDelete(t *testing.T, w *workspace) {
	// Across periods, with an offset: out of November, into December.
	w.exec("UPDATE logins SET ts = '2026-12-05 00:00:00+01:00', ip = 'moved' WHERE user_id = 4")
	w.assertIn("logins", "ts", "2026-12-04 23:00:00+00:00", "logins_p2026_12")
	if n := w.count("SELECT count(*) FROM logins WHERE user_id = 4"); n != 1 {
		t.Errorf("user 4 has %d rows after the move", n)
	}
	if n := w.count("SELECT count(*) FROM logins_p2026_11 WHERE user_id = 4"); n != 0 {
		t.Error("the moved row is still in logins_p2026_11")
	}
	// In place.
	w.exec("UPDATE logins SET ip = 'z' WHERE user_id = 2")
	w.assertIn("logins", "ts", "2026-09-30 23:59:59.999999999+00:00", "logins_p2026_09")
	if n := w.count("SELECT count(*) FROM logins_p2026_09 WHERE user_id = 2 AND ip = 'z'"); n != 1 {
		t.Error("the in-place update did not land")
	}
	// To no partition: refused, the row stays.
	w.mustFail("UPDATE logins SET ts = '2030-01-01 00:00:00+00:00' WHERE user_id = 1", nil, "no partition of logins")
	w.assertIn("logins", "ts", "2026-09-01 00:00:00+00:00", "logins_p2026_09")
	// Delete.
	w.exec("DELETE FROM logins WHERE user_id = 3")
	if got := w.whereIs("logins", "ts", "2026-09-30 23:30:00+00:00"); len(got) != 0 {
		t.Errorf("deleted row still in %v", got)
	}
	w.exec("UPDATE sessions SET started_at = '2026-11-11 11:11:11Z' WHERE id = 1")
	w.assertIn("sessions", "started_at", "2026-11-11 11:11:11+00:00", "sessions_p2026q4")
	w.integrityOK()
}

// retention applies the retention files partgen writes as time goes by,
// two months and then a quarter apart, and takes each batch down again.
func retention(t *testing.T, w *workspace) {
	// February: logins_p2026_09 archived, audit_events_p2026_10 dropped.
	dropped, archived := retentionStep(t, w, "2027-02-15", "audit_events")
	if !contains(dropped, "audit_events_p2026_10") || !contains(archived, "logins_p2026_09") {
		t.Errorf("as of 2027-02-15: dropped %v, archived %v", dropped, archived)
	}
	if w.count("SELECT count(*) FROM logins WHERE ts < '2026-10-01'") != 0 {
		t.Error("the archived month is still in the logins view")
	}
	// April: sessions' third quarter detached; logins' next months archived,
	// the archive of September dropped a month after (drop_after: 1), and
	// October, late by then, archived and dropped in the same run.
	dropped, archived = retentionStep(t, w, "2027-04-15", "")
	if !contains(dropped, "archive_logins_p2026_09") || !contains(archived, "logins_p2026_11") {
		t.Errorf("as of 2027-04-15: dropped %v, archived %v", dropped, archived)
	}
	if w.objectType("sessions_p2026q3") != "table" || w.count("SELECT count(*) FROM sessions WHERE started_at < '2026-10-01'") != 0 {
		t.Error("sessions_p2026q3 is not a detached table outside the view")
	}
	// August: the detached quarter is dropped a quarter after.
	dropped, _ = retentionStep(t, w, "2027-08-15", "")
	if !contains(dropped, "sessions_p2026q3") {
		t.Errorf("as of 2027-08-15: dropped %v", dropped)
	}
	if n := w.count("SELECT count(DISTINCT action) FROM partgen_archive_log"); n != 4 {
		t.Errorf("partgen_archive_log records %d kinds of action, want drop, archive, detach and purge", n)
	}
}

// retentionStep generates as of a date and applies the files: each table
// that disappears is either renamed archive_<name> with all its rows or
// dropped, and every other row stays where it was. Then it takes the files
// down one by one: each Down puts every row back where it was, until one
// refuses because its rows are gone (a drop or a purge), changing nothing.
// refuser names the table whose Down is expected to refuse ("" for any).
func retentionStep(t *testing.T, w *workspace, asOf, refuser string) (dropped, archived []string) {
	t.Helper()
	ctx := context.Background()
	before := w.rowsByTable()
	version := w.version()
	w.generate(asOf)
	w.mustUp()
	w.integrityOK()
	after := w.rowsByTable()
	var want []string
	for tbl, rows := range before {
		if _, ok := after[tbl]; ok {
			want = append(want, rows...)
			continue
		}
		if got, ok := after["archive_"+tbl]; ok {
			if a, b := digest(got); true {
				if c, d := digest(rows); a != c || b != d {
					t.Errorf("%s: archived with %d rows, had %d", tbl, a, c)
				}
			}
			archived = append(archived, tbl)
			continue
		}
		dropped = append(dropped, tbl)
	}
	for tbl, rows := range after {
		if _, ok := before[tbl]; !ok && strings.HasPrefix(tbl, "archive_") {
			want = append(want, rows...)
		}
		if _, ok := before[tbl]; !ok && !strings.HasPrefix(tbl, "archive_") && len(rows) > 0 {
			t.Errorf("as of %s: new partition %s holds %d rows", asOf, tbl, len(rows))
		}
	}
	n1, h1 := w.everyRow()
	if n, h := digest(want); n != n1 || h != h1 {
		t.Fatalf("as of %s: %d rows (%s) after retention, want %d (%s): rows outside the dropped tables changed", asOf, n1, h1, n, h)
	}
	downs := 0
	for {
		_, err := w.provider().Down(ctx)
		if n, h := w.everyRow(); n != n1 || h != h1 {
			t.Fatalf("as of %s, after %d Down(s) (err %v): %d rows (%s), want %d (%s)", asOf, downs, err, n, h, n1, h1)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "partgen: cannot undo") || !strings.Contains(err.Error(), refuser) {
				t.Fatalf("as of %s: Down stopped without partgen's message about %s: %v", asOf, refuser, err)
			}
			break
		}
		downs++
		if w.version() <= version {
			t.Fatalf("as of %s: every file came down, those of drops too", asOf)
		}
	}
	t.Logf("as of %s: dropped %v, archived %v; %d Down(s) before a refusal", asOf, dropped, archived, downs)
	w.integrityOK()
	w.mustUp()
	if n, h := w.everyRow(); n != n1 || h != h1 {
		t.Fatalf("as of %s, Up again after the Downs: %d rows (%s), want %d (%s)", asOf, n, h, n1, h1)
	}
	return dropped, archived
}
