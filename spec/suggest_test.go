package spec_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/spec"
)

// A misspelt key or value is reported where it stands, with the likely
// intended spelling in the message and the fix; nothing is suggested when
// nothing is close.
func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		name      string
		spec      string
		line, col int
		msg       string // a substring of Msg
		fix       string // a substring of Fix; "" when nothing is suggested
	}{
		{"misspelt interval", pgHead + "  - name: ev\n    key: ts\n    interval: montly\n", 7, 15, `unknown interval "montly" (did you mean month?)`, "write month"},
		{"interval in capitals", pgHead + "  - name: ev\n    key: ts\n    interval: Month\n", 7, 15, `unknown interval "Month" (did you mean month?)`, "write month"},
		{"quaterly", pgHead + "  - name: ev\n    key: ts\n    interval: quater\n", 7, 15, "(did you mean quarter?)", "write quarter"},
		{"misspelt premake", pgTable + "    premke: 3\n", 8, 5, `unknown field "premke" (did you mean premake?)`, "write premake"},
		{"misspelt top-level key", "version: 1\ndialekt: postgres\nmigrations: .\ntables:\n" + entry, 2, 1, `unknown field "dialekt" (did you mean dialect?)`, "write dialect"},
		{"misspelt retention key", pgTable + "    retention:\n      kep: 3\n      action: drop\n", 9, 7, `unknown field "kep" (did you mean keep?)`, "write keep"},
		{"one word of a retention key", pgTable + "    retention: { keep: 8, action: drop, after: 3 }\n", 8, 41, `unknown field "after" (did you mean drop_after?)`, "write drop_after"},
		{"a retention key at table level", pgTable + "    keep: 3\n", 8, 5, `unknown field "keep" (keep belongs under retention:)`, "move keep: to where it belongs, under retention:"},
		{"a table key at the top level", "version: 1\ndialect: postgres\nmigrations: .\ninterval: month\ntables:\n" + entry, 4, 1, `unknown field "interval" (interval belongs in a table entry under tables:)`, "move interval: to where it belongs, in a table entry under tables:"},
		{"an archive_schema at table level", pgTable + "    archive_schema: old\n", 8, 5, `(archive_schema belongs under retention:)`, "under retention:"},
		{"pg_partman's daily", pgHead + "  - name: ev\n    key: ts\n    interval: daily\n", 7, 15, `unknown interval "daily" (did you mean day?)`, "write day"},
		{"weekly", pgHead + "  - name: ev\n    key: ts\n    interval: weekly\n", 7, 15, "(did you mean week?)", "write week"},
		{"yearly", pgHead + "  - name: ev\n    key: ts\n    interval: yearly\n", 7, 15, "(did you mean year?)", "write year"},
		{"column for key", pgHead + "  - name: ev\n    column: ts\n    interval: month\n", 6, 5, `unknown field "column" (did you mean key?)`, "write key"},
		{"partition_key for key", pgHead + "  - name: ev\n    partition_key: ts\n    interval: month\n", 6, 5, `(did you mean key?)`, "write key"},
		{"misspelt action", pgTable + "    retention:\n      keep: 3\n      action: archve\n      archive_schema: old\n", 10, 15, `unknown retention action "archve" (did you mean archive?)`, "write archive"},
		{"misspelt dialect", "version: 1\ndialect: postgress\nmigrations: .\ntables:\n" + entry, 2, 10, `unknown dialect "postgress" (did you mean postgres?)`, "write postgres"},
		{"misspelt key_type", pgTable + "    key_type: timestampz\n", 8, 15, `unknown key_type "timestampz" (did you mean timestamptz?)`, "write timestamptz"},
		{"misspelt on_default_rows", pgTable + "    default_partition: true\n    on_default_rows: mvoe\n", 9, 22, `unknown on_default_rows "mvoe" (did you mean move?)`, "write move"},
		{"nothing close: interval", pgHead + "  - name: ev\n    key: ts\n    interval: hour\n", 7, 15, `unknown interval "hour"`, ""},
		{"nothing close: key", pgTable + "    wat: 1\n", 8, 5, `unknown field "wat"`, ""},
		{"nothing close: dialect", "version: 1\ndialect: mysql\nmigrations: .\ntables:\n" + entry, 2, 10, `unknown dialect "mysql"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := spec.Parse("partgen.yaml", []byte(tc.spec))
			var se *spec.Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *spec.Error", err, err)
			}
			if se.Line != tc.line || se.Column != tc.col {
				t.Errorf("position %d:%d, want %d:%d (%s)", se.Line, se.Column, tc.line, tc.col, se.Msg)
			}
			if !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("message %q does not contain %q", se.Msg, tc.msg)
			}
			suggests := strings.Contains(se.Msg, "did you mean")
			if tc.fix == "" || strings.Contains(tc.msg, "belongs") {
				if suggests {
					t.Errorf("suggested something for a value nothing is close to: %q", se.Msg)
				}
			}
			if tc.fix != "" && !strings.Contains(se.Fix, tc.fix) {
				t.Errorf("fix %q does not contain %q", se.Fix, tc.fix)
			}
			if se.Fix == "" {
				t.Errorf("no fix")
			}
		})
	}
}

// dialect: accepts the spellings of the --db URL schemes too.
func TestDialectAliases(t *testing.T) {
	for _, tc := range []struct {
		written string
		want    dialect.Name
	}{{"postgres", dialect.Postgres}, {"postgresql", dialect.Postgres}, {"sqlite", dialect.SQLite}, {"sqlite3", dialect.SQLite}} {
		s, err := spec.Parse(filepath.Join("conf", "partgen.yaml"), []byte("version: 1\ndialect: "+tc.written+"\nmigrations: .\ntables:\n"+entry))
		if err != nil {
			t.Fatalf("dialect: %s: %v", tc.written, err)
		}
		if s.Dialect != tc.want {
			t.Errorf("dialect: %s gave %q, want %q", tc.written, s.Dialect, tc.want)
		}
	}
}
