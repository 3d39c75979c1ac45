package spec_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/spec"
)

// pgHead and sqliteHead open a spec whose one table entry starts on line 5;
// keys appended to the entry (pgTable + "    premake: 3\n") start on line 8,
// column 5, and their values at column 5 + len(key) + 2.
const (
	pgHead     = "version: 1\ndialect: postgres\nmigrations: .\ntables:\n"
	sqliteHead = "version: 1\ndialect: sqlite\nmigrations: .\ntables:\n"
	entry      = "  - name: ev\n    key: ts\n    interval: month\n"
	pgTable    = pgHead + entry
	sqliteTbl  = sqliteHead + entry
)

var long56 = strings.Repeat("a", 56)

type brokenSpec struct {
	name      string
	spec      string
	line, col int    // 0, 0: the error has no position
	msg       string // a substring of Msg
}

var brokenSpecs = []brokenSpec{
	// YAML syntax.
	{"bad indentation", pgHead + "  - name: ev\n    key: ts\n   interval: month\n", 7, 4, "not allowed in this context"},
	{"unclosed flow sequence", "version: 1\ndialect: [\n", 2, 10, "']' not found"},
	{"duplicate key", "version: 1\nversion: 1\n", 2, 1, `"version" already defined`},
	{"unclosed quote", pgHead + "  - name: \"ev\n    key: ts\n", 5, 11, "could not find end character of double-quoted text"},
	{"empty tag where the tables belong", pgHead[:len(pgHead)-1] + " !!\n", 0, 0, "the YAML decoder failed"},
	{"tab indentation", pgHead + "\t- name: ev\n", 5, 1, "found character"},

	// Keys written without a value.
	{"retention without a value", pgTable + "    retention:\n", 8, 5, "retention has no value"},
	{"premake without a value", pgTable + "    premake:\n", 8, 5, "premake has no value"},
	{"timezone without a value", "version: 1\ndialect: postgres\nmigrations: .\ntimezone:\ntables:\n" + entry, 4, 1, "timezone has no value"},
	{"keep with a unit (issue 14)", pgTable + "    retention: {keep: 10 days, action: drop}\n", 8, 23, "keep must be a whole number of periods (of the table's interval) kept before the current one, not 10 days"},
	{"keep beyond reason", pgTable + "    retention: {keep: 1000000, action: drop}\n", 8, 23, "retention keep is 1000000"},
	{"two tables share partition names", pgHead + "  - {name: a, key: ts, interval: month, naming: \"x_p{YYYY}_{MM}\"}\n  - {name: b, key: ts, interval: month, naming: \"x_p{YYYY}_{MM}\"}\n", 6, 49, `which a already uses`},

	// Unknown keys.
	{"unknown top-level key", "version: 1\ndialect: postgres\nmigrations: .\nbogus: 2\ntables:\n" + entry, 4, 1, `unknown field "bogus"`},
	{"misspelt table key", pgTable + "    intervall: month\n", 8, 5, `unknown field "intervall"`},
	{"unknown retention key", pgTable + "    retention:\n      keep: 1\n      action: drop\n      wat: 1\n", 11, 7, `unknown field "wat"`},
	{"unknown key in flow retention", pgTable + "    retention: { keep: 8, action: drop, after: 3 }\n", 8, 41, `unknown field "after"`},

	// Wrong types.
	{"premake is a word", pgTable + "    premake: three\n", 8, 14, "premake must be a whole number of periods"},
	{"premake is a fraction", pgTable + "    premake: 1.5\n", 8, 14, "premake must be a whole number, not 1.5"},
	{"premake is quoted", pgTable + "    premake: \"3\"\n", 8, 14, "premake must be a whole number"},
	{"premake overflows", pgTable + "    premake: 99999999999999999999\n", 8, 14, "too large for a count"},
	{"keep is a fraction", pgTable + "    retention:\n      keep: 2.9\n      action: drop\n", 9, 13, "keep must be a whole number, not 2.9"},
	{"drop_after is a fraction", pgTable + "    retention:\n      keep: 2\n      action: detach\n      drop_after: 0.5\n", 11, 19, "drop_after must be a whole number"},
	{"version is a word", "version: one\n", 1, 10, "version must be 1, not one"},
	{"version is a fraction", "version: 1.0\ndialect: postgres\n", 1, 10, "version must be a whole number"},
	{"tables is a string", pgHead[:len(pgHead)-1] + " hello\n", 4, 9, "string was used where sequence is expected"},
	{"a table entry is a string", pgHead + "  - ev\n", 5, 5, "string was used where mapping is expected"},
	{"default_partition is quoted yes", pgTable + "    default_partition: \"yes\"\n", 8, 24, "default_partition must be true or false"},
	{"default_partition is yes", pgTable + "    default_partition: yes\n", 8, 24, "default_partition must be true or false"},
	{"retention is a number", pgTable + "    retention: 5\n", 8, 16, "int was used where mapping is expected"},
	{"name is a list", pgHead + "  - name: [a, b]\n    key: ts\n    interval: month\n", 5, 11, "name must be a single value"},
	{"the document is a list", "- a\n- b\n", 1, 1, "sequence was used where mapping is expected"},

	// Missing or unknown top-level values.
	{"no version", "dialect: postgres\nmigrations: .\ntables:\n" + entry, 1, 8, "the spec has no version"},
	{"empty file", "", 0, 0, "the spec has no version"},
	{"version 2", "version: 2\ndialect: postgres\nmigrations: .\ntables:\n" + entry, 1, 10, "unsupported spec version 2"},
	{"no dialect", "version: 1\nmigrations: .\ntables:\n" + entry, 1, 8, "the spec has no dialect"},
	{"unknown dialect", "version: 1\ndialect: mysql\nmigrations: .\ntables:\n" + entry, 2, 10, `unknown dialect "mysql"`},
	{"no migrations", "version: 1\ndialect: postgres\ntables:\n" + entry, 1, 8, "does not name its migrations folder"},
	{"empty migrations", "version: 1\ndialect: postgres\nmigrations: \"\"\ntables:\n" + entry, 1, 8, "does not name its migrations folder"},
	{"no tables", "version: 1\ndialect: postgres\nmigrations: .\n", 1, 8, "names no tables"},
	{"empty tables", "version: 1\ndialect: postgres\nmigrations: .\ntables: []\n", 1, 8, "names no tables"},
	{"zone on Mars", "version: 1\ndialect: postgres\nmigrations: .\ntimezone: Mars/Olympus\ntables:\n" + entry, 4, 11, `time zone "Mars/Olympus" does not load`},
	{"zone Local", "version: 1\ndialect: postgres\nmigrations: .\ntimezone: Local\ntables:\n" + entry, 4, 11, "Local depends on the machine"},
	{"zone empty", "version: 1\ndialect: postgres\nmigrations: .\ntimezone: \"\"\ntables:\n" + entry, 4, 11, "empty name"},
	{"zone is a path", "version: 1\ndialect: postgres\nmigrations: .\ntimezone: ../../etc/passwd\ntables:\n" + entry, 4, 11, "does not load"},
	{"lock_timeout is a word", "version: 1\ndialect: postgres\nmigrations: .\nlock_timeout: soon\ntables:\n" + entry, 4, 15, `lock_timeout "soon" is not a usable duration`},
	{"lock_timeout without unit", "version: 1\ndialect: postgres\nmigrations: .\nlock_timeout: 5\ntables:\n" + entry, 4, 15, "not a usable duration"},
	{"lock_timeout negative", "version: 1\ndialect: postgres\nmigrations: .\nlock_timeout: -5s\ntables:\n" + entry, 4, 15, "not a usable duration"},
	{"lock_timeout zero", "version: 1\ndialect: postgres\nmigrations: .\nlock_timeout: 0s\ntables:\n" + entry, 4, 15, "not a usable duration"},
	{"lock_timeout below a millisecond", "version: 1\ndialect: postgres\nmigrations: .\nlock_timeout: 1500us\ntables:\n" + entry, 4, 15, "not a usable duration"},

	// Missing or unknown table values.
	{"table without name", pgTable + "  - key: ts\n    interval: month\n", 8, 8, "table entry 2 has no name"},
	{"empty table entry", pgHead + "  -\n", 5, 5, "table entry 1 has no name"},
	{"table without key", pgHead + "  - name: ev\n    interval: month\n", 5, 9, `table "ev" has no partition key`},
	{"table without interval", pgHead + "  - name: ev\n    key: ts\n", 5, 9, `table "ev" has no interval`},
	{"unknown interval", pgHead + "  - name: ev\n    key: ts\n    interval: hour\n", 7, 15, `unknown interval "hour"`},
	{"interval in capitals", pgHead + "  - name: ev\n    key: ts\n    interval: Month\n", 7, 15, `unknown interval "Month"`},
	{"negative premake", pgTable + "    premake: -1\n", 8, 14, "premake is -1; it cannot be negative"},
	{"huge premake", pgTable + "    premake: 100000\n", 8, 14, "over 1000 periods"},
	{"duplicate table", pgTable + entry, 8, 11, `table "ev" is listed twice (first at line 5)`},
	{"bad start month", pgTable + "    start: 2026-13-01\n", 8, 12, `"2026-13-01" is not a date`},
	{"start with a time", pgTable + "    start: 2026-01-01T00:00:00Z\n", 8, 12, "is not a date in the form YYYY-MM-DD"},
	{"start is a word", pgTable + "    start: tomorrow\n", 8, 12, `"tomorrow" is not a date`},
	{"start February 30", pgTable + "    start: 2026-02-30\n", 8, 12, "is not a date"},
	{"unknown key_type", pgTable + "    key_type: bigint\n", 8, 15, `unknown key_type "bigint"`},
	{"key_type date on sqlite", sqliteTbl + "    key_type: date\n", 8, 15, `key_type "date" is not supported on SQLite`},
	{"schema on sqlite", sqliteTbl + "    schema: main\n", 8, 13, "schema is not a SQLite setting"},
	{"citus on sqlite", "version: 1\ndialect: sqlite\nmigrations: .\ncitus: true\ntables:\n  - {name: ev, key: ts, interval: month}\n", 4, 8, "citus is a PostgreSQL setting"},
	{"table citus on sqlite", sqliteTbl + "    citus: true\n", 8, 12, "citus is a PostgreSQL setting"},
	{"citus not a boolean", pgTable + "    citus: yes please\n", 8, 12, "citus"},
	{"on_default_rows without default", pgTable + "    on_default_rows: move\n", 8, 22, "on_default_rows needs a default partition"},
	{"unknown on_default_rows", pgTable + "    default_partition: true\n    on_default_rows: keep\n", 9, 22, `unknown on_default_rows "keep"`},

	// Identifiers.
	{"injected table name", pgHead + "  - name: market_data; DROP TABLE x\n    key: ts\n    interval: month\n", 5, 11, `table name "market_data; DROP TABLE x" is not a plain SQL identifier`},
	{"name with a double quote", pgHead + "  - name: 'ev\"x'\n    key: ts\n    interval: month\n", 5, 11, "is not a plain SQL identifier"},
	{"name with a single quote", pgHead + "  - name: \"ev'x\"\n    key: ts\n    interval: month\n", 5, 11, "is not a plain SQL identifier"},
	{"upper-case name", pgHead + "  - name: Market_Data\n    key: ts\n    interval: month\n", 5, 11, `"Market_Data" is not a plain SQL identifier`},
	{"name starting with a digit", pgHead + "  - name: 1ev\n    key: ts\n    interval: month\n", 5, 11, `"1ev" is not a plain SQL identifier`},
	{"name with a dot", pgHead + "  - name: public.ev\n    key: ts\n    interval: month\n", 5, 11, "is not a plain SQL identifier"},
	{"name with a space", pgHead + "  - name: \"ev \"\n    key: ts\n    interval: month\n", 5, 11, "is not a plain SQL identifier"},
	{"empty name", pgHead + "  - name: \"\"\n    key: ts\n    interval: month\n", 5, 11, "empty table name"},
	{"non-ASCII name", pgHead + "  - name: évent\n    key: ts\n    interval: month\n", 5, 11, "is not a plain SQL identifier"},
	{"injected key", pgHead + "  - name: ev\n    key: ts\" OR 1=1 --\n    interval: month\n", 6, 10, "key column"},
	{"injected schema", pgTable + "    schema: public; DROP SCHEMA x\n", 8, 13, "schema name"},
	{"name over 63 bytes", pgHead + "  - name: " + strings.Repeat("a", 64) + "\n    key: ts\n    interval: month\n", 5, 11, "is 64 bytes long, over the limit of 63"},
	{"name over 63 bytes once suffixed", pgHead + "  - name: " + long56 + "\n    key: ts\n    interval: month\n", 5, 11, "65 bytes, over PostgreSQL's 63"},
	{"day name over 63 bytes once suffixed", pgHead + "  - name: " + long56[:52] + "\n    key: ts\n    interval: day\n", 5, 11, "over PostgreSQL's 63"},
	{"default partition name over 63 bytes", pgHead + "  - name: " + long56 + "\n    key: ts\n    interval: year\n    default_partition: true\n", 5, 11, "default partition name"},

	// Naming patterns.
	{"naming with an unknown field", pgTable + "    naming: \"{table}_{YY}\"\n", 8, 13, "has an unknown field"},
	{"naming with an open brace", pgTable + "    naming: \"{table}_{MM\"\n", 8, 13, "has an unknown field"},
	{"naming that repeats every year", pgTable + "    naming: \"{table}_{MM}\"\n", 8, 13, "names must be unique and sort in period order"},
	{"naming without a period", pgTable + "    naming: \"{table}_x\"\n", 8, 13, "names must be unique"},
	{"naming that does not sort", pgTable + "    naming: \"{table}_{MM}_{YYYY}\"\n", 8, 13, "sort in period order"},
	{"week naming with the calendar year", pgHead + "  - name: ev\n    key: ts\n    interval: week\n    naming: \"{table}_p{YYYY}w{IW}\"\n", 8, 13, "sort in period order"},
	{"day naming without the day", pgHead + "  - name: ev\n    key: ts\n    interval: day\n    naming: \"{table}_p{YYYY}_{MM}\"\n", 8, 13, "unique"},
	{"naming in capitals", pgTable + "    naming: \"{table}_P{YYYY}_{MM}\"\n", 8, 13, "is not a plain identifier"},
	{"naming with a quote", pgTable + "    naming: \"{table}\\\"_{YYYY}_{MM}\"\n", 8, 13, "is not a plain identifier"},
	{"naming that starts with a digit", pgTable + "    naming: \"{YYYY}_{MM}_{table}\"\n", 8, 13, "is not a plain identifier"},

	// Retention.
	{"keep 0", pgTable + "    retention:\n      keep: 0\n      action: drop\n", 9, 13, "retention keep is 0"},
	{"keep negative", pgTable + "    retention: { keep: -3, action: drop }\n", 8, 24, "retention keep is -3"},
	{"retention without keep", pgTable + "    retention:\n      action: drop\n", 9, 13, "retention has no keep"},
	{"empty retention", pgTable + "    retention: {}\n", 8, 16, "retention has no keep"},
	{"retention without action", pgTable + "    retention:\n      keep: 3\n", 9, 11, "retention has no action"},
	{"unknown action", pgTable + "    retention:\n      keep: 3\n      action: truncate\n", 10, 15, `unknown retention action "truncate"`},
	{"archive without archive_schema on postgres", pgTable + "    retention:\n      keep: 3\n      action: archive\n", 9, 11, "action archive needs archive_schema on PostgreSQL"},
	{"archive_schema with drop", pgTable + "    retention:\n      keep: 3\n      action: drop\n      archive_schema: old\n", 11, 23, "archive_schema only applies to action archive"},
	{"archive_schema with detach", pgTable + "    retention:\n      keep: 3\n      action: detach\n      archive_schema: old\n", 11, 23, "archive_schema only applies to action archive"},
	{"drop_after with drop", pgTable + "    retention:\n      keep: 3\n      action: drop\n      drop_after: 2\n", 11, 19, "drop_after does not apply to action drop"},
	{"drop_after 0", pgTable + "    retention:\n      keep: 3\n      action: detach\n      drop_after: 0\n", 11, 19, "drop_after is 0"},
	{"drop_after negative", pgTable + "    retention:\n      keep: 3\n      action: archive\n      archive_schema: old\n      drop_after: -1\n", 12, 19, "drop_after is -1"},
	{"archive_schema is the table's schema", pgTable + "    schema: ticks\n    retention:\n      keep: 3\n      action: archive\n      archive_schema: ticks\n", 12, 23, "archive_schema is the table's own schema"},
	{"injected archive_schema", pgTable + "    retention:\n      keep: 3\n      action: archive\n      archive_schema: \"x; DROP TABLE y\"\n", 11, 23, "archive schema"},
	{"sqlite archived name over 63 bytes", sqliteHead + "  - name: " + long56[:45] + "\n    key: ts\n    interval: month\n    retention:\n      keep: 3\n      action: archive\n      archive_schema: archive_tables\n", 9, 11, "archived table name"},

	// Adoption.
	{"adopt on sqlite", sqliteTbl + "    adopt: true\n", 8, 12, "adopt is not a SQLite setting"},
	{"adopt with citus", pgTable + "    adopt: true\n    citus: true\n", 8, 12, "adopt does not apply to a Citus table"},
	{"adopt is a word", pgTable + "    adopt: yes\n", 8, 12, "adopt must be true or false"},
	{"cutover without adopt", pgTable + "    cutover: 2027-01-01\n", 8, 14, "cutover only applies to an adopted table"},
	{"cutover is not a date", pgTable + "    adopt: true\n    cutover: soon\n", 9, 14, `"soon" is not a date`},
	{"cutover mid-month", pgTable + "    adopt: true\n    cutover: 2027-01-15\n", 9, 14, "cutover 2027-01-15 is not the first day of a month"},
	{"cutover on a Sunday for weeks", pgHead + "  - name: ev\n    key: ts\n    interval: week\n    adopt: true\n    cutover: 2027-01-03\n", 9, 14, "is not the first day of a week"},
	{"legacy_name without adopt", pgTable + "    legacy_name: ev_old\n", 8, 18, "legacy_name only applies to an adopted table"},
	{"legacy_name is the table's name", pgTable + "    adopt: true\n    legacy_name: ev\n", 9, 18, "legacy_name is the table's own name"},
	{"injected legacy_name", pgTable + "    adopt: true\n    legacy_name: \"x; DROP TABLE y\"\n", 9, 18, "legacy name"},
	{"legacy name over 63 bytes", pgHead + "  - name: " + long56 + "a\n    key: ts\n    interval: year\n    adopt: true\n", 5, 11, "the legacy partition"},
	{"start with adopt", pgTable + "    adopt: true\n    start: 2026-01-01\n", 9, 12, "start does not apply to an adopted table"},
	{"legacy name taken by a partition", pgTable + "    adopt: true\n    legacy_name: ev_p2026_03\n", 9, 18, "would name a partition"},
}

func TestParseSpecRejectsBrokenSpecs(t *testing.T) {
	if len(brokenSpecs) < 40 {
		t.Fatalf("only %d broken specs", len(brokenSpecs))
	}
	dir := t.TempDir()
	seen := map[string]bool{}
	for _, tc := range brokenSpecs {
		if seen[tc.name] {
			t.Fatalf("two cases are named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
			sp, err := spec.Parse(path, []byte(tc.spec))
			if err == nil {
				t.Fatalf("accepted:\n%s\nas %+v", tc.spec, sp)
			}
			if sp != nil {
				t.Errorf("returned a spec with the error %v", err)
			}
			var se *spec.Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SpecError", err, err)
			}
			if se.File != path {
				t.Errorf("File = %q, want %q", se.File, path)
			}
			if se.Line != tc.line || se.Column != tc.col {
				t.Errorf("position %d:%d, want %d:%d (%s)\n%s", se.Line, se.Column, tc.line, tc.col, se.Msg, numbered(tc.spec))
			}
			if !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("message %q does not contain %q", se.Msg, tc.msg)
			}
			if strings.TrimSpace(se.Fix) == "" {
				t.Errorf("no fix for %q", se.Msg)
			}
			// The printed form is file:line:column: message, then the fix.
			want := path
			if tc.line > 0 {
				want += ":" + itoa(tc.line) + ":" + itoa(tc.col)
			}
			want += ": " + se.Msg + "\n  fix: " + se.Fix
			if got := se.Error(); got != want {
				t.Errorf("Error() = %q, want %q", got, want)
			}

			// LoadSpec reads the same bytes from a file and says the same.
			must(t, os.WriteFile(path, []byte(tc.spec), 0o644))
			if _, lerr := spec.Load(path); lerr == nil || lerr.Error() != err.Error() {
				t.Errorf("LoadSpec: %v\nParseSpec: %v", lerr, err)
			}
		})
	}
}

func numbered(s string) string {
	var b strings.Builder
	for i, l := range strings.Split(s, "\n") {
		b.WriteString("    " + itoa(i+1) + "| " + l + "\n")
	}
	return b.String()
}

func TestLoadSpecMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := spec.Load(path)
	var se *spec.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %T %v is not a *SpecError", err, err)
	}
	if se.File != path || se.Line != 0 || !strings.Contains(se.Msg, "cannot read the spec") || se.Fix == "" {
		t.Errorf("got %#v", se)
	}
	if got := se.Error(); !strings.HasPrefix(got, path+": cannot read the spec") {
		t.Errorf("Error() = %q", got)
	}
}

func TestLoadExampleSpecs(t *testing.T) {
	for _, dialect := range []dialect.Name{dialect.Postgres, dialect.SQLite} {
		t.Run(string(dialect), func(t *testing.T) {
			path := filepath.Join("..", "examples", "marketdata", "migrations", string(dialect), "partgen.yaml")
			s, err := spec.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if s.File != path || s.Version != 1 || s.Dialect != dialect {
				t.Errorf("file %q version %d dialect %q", s.File, s.Version, s.Dialect)
			}
			if want := filepath.Join("..", "examples", "marketdata", "migrations", string(dialect)); s.Migrations != want {
				t.Errorf("migrations %q, want %q (resolved against the spec's folder)", s.Migrations, want)
			}
			if s.Timezone != "UTC" || s.Location != time.UTC {
				t.Errorf("zone %q %v", s.Timezone, s.Location)
			}
			if s.LockTimeout != "5000ms" {
				t.Errorf("lock timeout %q, want the default 5000ms", s.LockTimeout)
			}
			if len(s.Tables) != 2 {
				t.Fatalf("%d tables, want 2", len(s.Tables))
			}
			md, al := s.Tables[0], s.Tables[1]
			start := calendar.Date{Year: 2026, Month: time.January, Day: 1}

			if md.Name != "market_data" || md.Key != "ts" || md.Interval != calendar.Month || md.Premake != 3 ||
				md.Schema != "" || md.KeyType != "timestamptz" || md.DefaultPartition || md.OnDefaultRows != "fail" ||
				md.Naming != "{table}_p{YYYY}_{MM}" || md.Start == nil || *md.Start != start || md.Line != 8 {
				t.Errorf("market_data: %+v", md)
			}
			if r := md.Retention; r == nil || *r != (spec.Retention{Keep: 24, Action: "archive", ArchiveSchema: "archive", DropAfter: 3}) {
				t.Errorf("market_data retention: %+v", r)
			}

			if al.Name != "alert_log" || al.Key != "raised_at" || al.Interval != calendar.Quarter || al.Premake != 2 ||
				!al.DefaultPartition || al.OnDefaultRows != "move" || al.Naming != "{table}_p{YYYY}q{Q}" ||
				al.Start == nil || *al.Start != start || al.Line != 18 {
				t.Errorf("alert_log: %+v", al)
			}
			if r := al.Retention; r == nil || *r != (spec.Retention{Keep: 8, Action: "drop"}) {
				t.Errorf("alert_log retention: %+v", r)
			}
			if got := al.Quoted(); got != `"alert_log"` {
				t.Errorf("Qualified = %s", got)
			}
		})
	}
}

func TestParseSpecDefaults(t *testing.T) {
	dir := t.TempDir()
	s, err := spec.Parse(filepath.Join(dir, "partgen.yaml"), []byte(pgTable))
	if err != nil {
		t.Fatal(err)
	}
	if s.Timezone != "UTC" || s.Location != time.UTC || s.LockTimeout != "5000ms" || s.Migrations != dir {
		t.Errorf("spec defaults: %+v", s)
	}
	tb := s.Tables[0]
	if spec.DefaultPremake != 4 || tb.Premake != 4 || tb.KeyType != "timestamptz" || tb.Start != nil ||
		tb.DefaultPartition || tb.OnDefaultRows != "fail" || tb.Retention != nil || tb.Schema != "" ||
		tb.Naming != calendar.DefaultNaming(calendar.Month) || tb.Line != 5 {
		t.Errorf("table defaults: %+v", tb)
	}
}

func TestParseSpecValues(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spec  string
		check func(t *testing.T, s *spec.Spec)
	}{
		{"lock_timeout in seconds", "version: 1\ndialect: postgres\nmigrations: .\nlock_timeout: 2s\ntables:\n" + entry,
			func(t *testing.T, s *spec.Spec) {
				if s.LockTimeout != "2000ms" {
					t.Errorf("lock timeout %q", s.LockTimeout)
				}
			}},
		{"lock_timeout in milliseconds", "version: 1\ndialect: postgres\nmigrations: .\nlock_timeout: 1500ms\ntables:\n" + entry,
			func(t *testing.T, s *spec.Spec) {
				if s.LockTimeout != "1500ms" {
					t.Errorf("lock timeout %q", s.LockTimeout)
				}
			}},
		{"a zone", "version: 1\ndialect: postgres\nmigrations: .\ntimezone: America/Havana\ntables:\n" + entry,
			func(t *testing.T, s *spec.Spec) {
				if s.Timezone != "America/Havana" || s.Location.String() != "America/Havana" {
					t.Errorf("zone %q %v", s.Timezone, s.Location)
				}
			}},
		{"absolute migrations", "version: 1\ndialect: postgres\nmigrations: /srv/db/migrations\ntables:\n" + entry,
			func(t *testing.T, s *spec.Spec) {
				if s.Migrations != "/srv/db/migrations" {
					t.Errorf("migrations %q", s.Migrations)
				}
			}},
		{"relative migrations", "version: 1\ndialect: postgres\nmigrations: ../db\ntables:\n" + entry,
			func(t *testing.T, s *spec.Spec) {
				if s.Migrations != filepath.Join("conf", "..", "db") && s.Migrations != "db" {
					t.Errorf("migrations %q", s.Migrations)
				}
			}},
		{"premake 0 and a schema", pgTable + "    premake: 0\n    schema: ticks\n    key_type: date\n",
			func(t *testing.T, s *spec.Spec) {
				tb := s.Tables[0]
				if tb.Premake != 0 || tb.Schema != "ticks" || tb.KeyType != "date" || tb.Quoted() != `"ticks"."ev"` {
					t.Errorf("table %+v", tb)
				}
			}},
		{"same name in two schemas", pgTable + "    schema: a\n" + entry + "    schema: b\n",
			func(t *testing.T, s *spec.Spec) {
				if len(s.Tables) != 2 || s.Tables[1].Line != 9 {
					t.Errorf("tables %+v", s.Tables)
				}
			}},
		{"sqlite archive gets a default prefix", sqliteTbl + "    retention: { keep: 2, action: archive }\n",
			func(t *testing.T, s *spec.Spec) {
				if r := s.Tables[0].Retention; r.ArchiveSchema != "archive" || r.Keep != 2 {
					t.Errorf("retention %+v", r)
				}
			}},
		{"detach with drop_after", pgTable + "    retention: { keep: 2, action: detach, drop_after: 4 }\n",
			func(t *testing.T, s *spec.Spec) {
				if r := *s.Tables[0].Retention; r != (spec.Retention{Keep: 2, Action: "detach", DropAfter: 4}) {
					t.Errorf("retention %+v", r)
				}
			}},
		{"a naming pattern of its own", pgTable + "    naming: \"{table}_{YYYY}{MM}\"\n",
			func(t *testing.T, s *spec.Spec) {
				if s.Tables[0].Naming != "{table}_{YYYY}{MM}" {
					t.Errorf("naming %q", s.Tables[0].Naming)
				}
			}},
		{"integers through an anchor", "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - name: ev\n    key: ts\n    interval: month\n    premake: &ahead 2\n  - name: other\n    key: ts\n    interval: week\n    premake: *ahead\n",
			func(t *testing.T, s *spec.Spec) {
				if s.Tables[0].Premake != 2 || s.Tables[1].Premake != 2 {
					t.Errorf("premake %d %d", s.Tables[0].Premake, s.Tables[1].Premake)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := spec.Parse(filepath.Join("conf", "partgen.yaml"), []byte(tc.spec))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

var update = flag.Bool("update", false, "rewrite testdata/errors.golden from the current output")

// The full text of every broken spec's error is a public contract: pinned
// in testdata/errors.golden (go test ./spec -update rewrites it).
func TestErrorTexts(t *testing.T) {
	var b strings.Builder
	for _, tc := range brokenSpecs {
		_, err := spec.Parse("partgen.yaml", []byte(tc.spec))
		if err == nil {
			t.Fatalf("%s: accepted", tc.name)
		}
		fmt.Fprintf(&b, "== %s\n%s\n\n", tc.name, err)
	}
	path := filepath.Join("testdata", "errors.golden")
	if *update {
		must(t, os.WriteFile(path, []byte(b.String()), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./spec -update)", err)
	}
	if string(want) != b.String() {
		t.Errorf("%s differs from the errors the parser gives; review and run go test ./spec -update\n%s", path, b.String())
	}
}
