package spec_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
	"github.com/partgen/partgen/spec"
)

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// FuzzParseSpec: the parser never panics; it either returns a *SpecError
// with a fix, or a spec whose every name is a plain identifier.
// Seeds: testdata/fuzz/FuzzParseSpec and the cases below.
func FuzzParseSpec(f *testing.F) {
	for _, dialect := range []string{"postgres", "sqlite"} {
		if data, err := os.ReadFile(filepath.Join("..", "examples", "marketdata", "migrations", dialect, "partgen.yaml")); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(pgTable))
	f.Add([]byte(sqliteTbl + "    retention: { keep: 2, action: archive, drop_after: 1 }\n"))
	for _, b := range brokenSpecs[:12] {
		f.Add([]byte(b.spec))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sp, err := spec.Parse("fuzz.yaml", data)
		if err != nil {
			var se *spec.Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SpecError", err, err)
			}
			if se.File != "fuzz.yaml" || se.Fix == "" || se.Msg == "" || se.Line < 0 || se.Column < 0 {
				t.Fatalf("incomplete error %#v", se)
			}
			if sp != nil {
				t.Fatal("a spec and an error")
			}
			return
		}
		if len(sp.Tables) == 0 {
			t.Fatal("a spec without tables")
		}
		if sp.Location == nil || (sp.Dialect != dialect.Postgres && sp.Dialect != dialect.SQLite) {
			t.Fatalf("spec %+v", sp)
		}
		for i := range sp.Tables {
			tb := &sp.Tables[i]
			for _, id := range []string{tb.Name, tb.Key} {
				if len(id) > 63 || !plainIdent.MatchString(id) {
					t.Fatalf("table %d: %q is not a plain identifier", i, id)
				}
			}
			if tb.Schema != "" && !plainIdent.MatchString(tb.Schema) {
				t.Fatalf("table %d: schema %q", i, tb.Schema)
			}
			if _, ok := calendar.ParseInterval(string(tb.Interval)); !ok || tb.Premake < 0 {
				t.Fatalf("table %d: interval %q premake %d", i, tb.Interval, tb.Premake)
			}
			if r := tb.Retention; r != nil && (r.Keep < 1 || r.DropAfter < 0) {
				t.Fatalf("table %d: retention %+v", i, r)
			}
			p := calendar.PeriodOfDate(tb.Interval, calendar.Date{Year: 2026, Month: time.November, Day: 26}, sp.Location)
			for range 3 {
				if name := tb.PartitionName(p); len(name) > 63 || !plainIdent.MatchString(name) {
					t.Fatalf("table %d: partition name %q", i, name)
				}
				p = calendar.Shift(tb.Interval, p, 1, sp.Location)
			}
		}
	})
}
