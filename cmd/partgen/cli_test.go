package main

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/partgen/partgen/calendar"
)

// Every help page partgen writes fits an 80-column terminal. (cobra's own
// `completion <shell> --help` pages are cobra's text, not checked.)
func TestHelpFits80Columns(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"generate", "--help"}, {"plan", "--help"}, {"check", "--help"},
		{"status", "--help"}, {"version", "--help"}, {"completion", "--help"}} {
		code, out, errOut := cli(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		for i, line := range strings.Split(out, "\n") {
			if n := len([]rune(line)); n > 80 {
				t.Errorf("partgen %s, line %d is %d columns:\n%s", strings.Join(args, " "), i+1, n, line)
			}
		}
	}
}

// The version subcommand and --version print the same build report, whose
// facts come from the build info and the linked SQLite.
func TestVersion(t *testing.T) {
	code, out, errOut := cli(t, "version")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, flagOut, _ := cli(t, "--version")
	if code != 0 || flagOut != out {
		t.Errorf("--version printed\n%s\nversion printed\n%s", flagOut, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "partgen ") {
		t.Fatalf("want 6 lines starting with partgen VERSION:\n%s", out)
	}
	fields := map[string]string{}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		if !ok {
			t.Fatalf("line %q is not key: value", l)
		}
		fields[k] = strings.TrimSpace(v)
	}
	if !strings.HasPrefix(fields["module"], "github.com/partgen/partgen ") {
		t.Errorf("module: %q", fields["module"])
	}
	if !strings.HasPrefix(fields["go"], readBuild().Go+" ") || !strings.Contains(fields["go"], "cgo on") {
		t.Errorf("go: %q", fields["go"])
	}
	lib, _, _ := sqlite3.Version()
	if !strings.HasPrefix(fields["sqlite"], lib+" (go-sqlite3 v") {
		t.Errorf("sqlite: %q, want SQLite %s and go-sqlite3's version", fields["sqlite"], lib)
	}
	// dbstat is reported exactly when the linked SQLite has the table.
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, probe := db.Exec("SELECT count(*) FROM dbstat")
	if has := strings.Contains(fields["sqlite"], "dbstat compiled in"); has != (probe == nil) {
		t.Errorf("sqlite line %q, but querying dbstat gave %v", fields["sqlite"], probe)
	}
	if code, _, errOut := cli(t, "version", "extra"); code != 2 || !strings.Contains(errOut, "takes no arguments") {
		t.Errorf("version extra: exit %d %s", code, errOut)
	}
}

// --format completes each command's values, and those are exactly the
// values the command accepts.
func TestFormatCompletionMatchesTheCommands(t *testing.T) {
	candidates := []string{"table", "text", "json", "prometheus", "yaml", "xml"}
	for cmd, want := range formatValues {
		code, out, errOut := cli(t, "__complete", cmd, "--format", "")
		if code != 0 {
			t.Fatalf("__complete %s: exit %d %s", cmd, code, errOut)
		}
		got := strings.Split(strings.TrimSpace(out), "\n")
		if len(got) != len(want)+1 || strings.Join(got[:len(want)], ",") != strings.Join(want, ",") || got[len(want)] != ":4" {
			t.Errorf("%s --format completes %q, want %q and no file names (:4)", cmd, got, want)
		}
		for _, f := range candidates {
			args := []string{cmd, "--config", exampleSQLiteSpec, "--format", f, "--as-of", "2026-11-26"}
			if cmd == "status" {
				args = append(args, "--db", "sqlite:/nonexistent/partgen-completion.db")
			}
			_, _, errOut := cli(t, args...)
			accepted := !strings.Contains(errOut, "--format")
			if completed := strings.Contains(","+strings.Join(want, ",")+",", ","+f+","); accepted != completed {
				t.Errorf("%s --format %s: accepted %v, completed %v (%s)", cmd, f, accepted, completed, errOut)
			}
		}
	}
	code, out, _ := cli(t, "__complete", "generate", "--config", "")
	if code != 0 || !strings.Contains(out, "yaml") || !strings.Contains(out, ":8") {
		t.Errorf("--config should complete YAML files (directive 8, file extensions):\n%s", out)
	}
	if code, out, _ := cli(t, "completion", "bash"); code != 0 || !strings.Contains(out, "__start_partgen") {
		t.Errorf("completion bash: exit %d", code)
	}
}

// pgx with sslmode=prefer (the default) tries TLS, then plain text, and
// lists both failures; status says each distinct one once.
func TestStatusConnectionErrorPrintedOnce(t *testing.T) {
	t.Setenv(envDatabaseURL, "")
	t.Setenv("PGSSLMODE", "")
	code, out, errOut := runPartgen(t, "status", "--db", "postgres://root@127.0.0.1:1/none?connect_timeout=3", "--config", examplePGSpec)
	if code != 3 || out != "" {
		t.Fatalf("exit %d, want 3\n%s%s", code, out, errOut)
	}
	if n := strings.Count(errOut, "connection refused"); n != 1 {
		t.Errorf("the refusal is printed %d times:\n%s", n, errOut)
	}
	if strings.Count(errOut, "partgen:") != 1 || !strings.Contains(errOut, "cannot connect to postgres://root@127.0.0.1:1/none") {
		t.Errorf("want one line naming the database:\n%s", errOut)
	}
}

// status --as-of takes the flag name and date form of generate and check:
// a date is the first instant of that day in the spec's zone. --now stays
// as a deprecated name of the same flag.
func TestStatusAsOf(t *testing.T) {
	t.Setenv(envDatabaseURL, "")
	db := "sqlite:" + sqliteExampleDB(t)
	now := func(args ...string) (string, string) {
		t.Helper()
		code, out, errOut := runPartgen(t, append([]string{"status", "--db", db, "-c", exampleSQLiteSpec, "--format", "json"}, args...)...)
		var doc struct {
			Now string `json:"now"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
			t.Fatalf("%v: exit %d, %v\n%s%s", args, code, err, out, errOut)
		}
		return doc.Now, errOut
	}
	if got, errOut := now("--as-of", "2026-11-26"); got != "2026-11-26T00:00:00Z" || errOut != "" {
		t.Errorf("--as-of 2026-11-26 (UTC spec): now %s, stderr %q", got, errOut)
	}
	if got, _ := now("--as-of", "2026-11-26T12:30:00+01:00"); got != "2026-11-26T11:30:00Z" {
		t.Errorf("--as-of an instant: now %s", got)
	}
	got, errOut := now("--now", "2026-11-26")
	if got != "2026-11-26T00:00:00Z" || !strings.Contains(errOut, "--now is deprecated: use --as-of") {
		t.Errorf("--now: now %s, stderr %q", got, errOut)
	}
	code, _, errOut := runPartgen(t, "status", "--db", db, "-c", exampleSQLiteSpec, "--as-of", "2026-11-26", "--now", "2026-11-27")
	if code != 2 || !strings.Contains(errOut, "give one of them") {
		t.Errorf("both flags: exit %d %s", code, errOut)
	}
	code, _, errOut = runPartgen(t, "status", "--db", db, "-c", exampleSQLiteSpec, "--as-of", "26/11/2026")
	if code != 2 || !strings.Contains(errOut, `--as-of: "26/11/2026" is neither a date`) {
		t.Errorf("bad --as-of: exit %d %s", code, errOut)
	}
	if code, out, _ := runPartgen(t, "status", "--help"); code != 0 || strings.Contains(out, "      --now string") || !strings.Contains(out, "      --as-of string") {
		t.Errorf("status --help should list --as-of and hide --now:\n%s", out)
	}
}

// A date is the start of that day in the spec's zone, including a day whose
// midnight a DST change skips (Havana springs forward at 00:00).
func TestAsOfDateIsTheStartOfTheDayInTheSpecZone(t *testing.T) {
	for _, tc := range []struct{ zone, date string }{
		{"UTC", "2026-11-26"}, {"America/New_York", "2026-12-01"}, {"Asia/Kolkata", "2026-01-01"},
		{"America/Havana", "2013-03-10"}, {"America/Havana", "2012-04-01"}, {"America/Sao_Paulo", "2018-11-04"},
	} {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		v, err := parseAsOf(tc.date)
		if err != nil {
			t.Fatal(err)
		}
		at := v.instant(loc)
		if got := at.In(loc).Format("2006-01-02"); got != tc.date {
			t.Errorf("%s %s: %v is on %s", tc.zone, tc.date, at.In(loc), got)
		}
		if prev := at.Add(-time.Second).In(loc).Format("2006-01-02"); prev == tc.date {
			t.Errorf("%s %s: %v is not the first instant of the day", tc.zone, tc.date, at.In(loc))
		}
		d, _ := calendar.ParseDate(tc.date)
		if p := calendar.PeriodOfDate(calendar.Day, d, loc); !p.Lower.Equal(at) {
			t.Errorf("%s %s: %v, the calendar starts the day at %v", tc.zone, tc.date, at, p.Lower)
		}
	}
}

// $PARTGEN_AS_OF is every command's --as-of when the flag is not given, so
// a CI job pins its date once; the flag wins, and a bad value names the
// variable.
func TestAsOfFromTheEnvironment(t *testing.T) {
	t.Setenv(envDatabaseURL, "")
	t.Setenv(envAsOf, "2026-11-26")
	dir := specFolder(t, pgSpec, pgBase)
	sp := filepath.Join(dir, "partgen.yaml")
	code, out, errOut := cli(t, "plan", "--config", sp, "--names")
	if code != 0 || !strings.Contains(out, "20261126000001_partgen_create_events_") {
		t.Errorf("plan with $PARTGEN_AS_OF=2026-11-26: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = cli(t, "plan", "--config", sp, "--names", "--as-of", "2026-12-02")
	if code != 0 || !strings.Contains(out, "20261202000001_partgen_create_events_") {
		t.Errorf("--as-of should win over $PARTGEN_AS_OF:\n%s", out)
	}
	db := "sqlite:" + sqliteExampleDB(t)
	code, out, _ = runPartgen(t, "status", "--db", db, "-c", exampleSQLiteSpec, "--format", "json")
	if code != 0 || !strings.Contains(out, `"now": "2026-11-26T00:00:00Z"`) {
		t.Errorf("status with $PARTGEN_AS_OF: exit %d\n%.300s", code, out)
	}
	t.Setenv(envAsOf, "tomorrow")
	for _, args := range [][]string{{"generate", "--config", sp}, {"check", "--config", sp}, {"status", "--db", db, "-c", exampleSQLiteSpec}} {
		code, _, errOut := cli(t, args...)
		if code != 2 || !strings.Contains(errOut, `$PARTGEN_AS_OF: "tomorrow" is n`) {
			t.Errorf("%s with a bad $PARTGEN_AS_OF: exit %d %s", args[0], code, errOut)
		}
	}
}
