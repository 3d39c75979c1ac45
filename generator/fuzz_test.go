package generator_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/partgen/partgen/generator"
)

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// FuzzParseSpec: the parser never panics; it either returns a *SpecError
// with a fix, or a spec whose every name is a plain identifier.
// Seeds: testdata/fuzz/FuzzParseSpec and the cases below.
func FuzzParseSpec(f *testing.F) {
	for _, dialect := range []string{"postgres", "sqlite"} {
		if data, err := os.ReadFile(filepath.Join("..", "migrations", dialect, "partgen.yaml")); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(pgTable))
	f.Add([]byte(sqliteTbl + "    retention: { keep: 2, action: archive, drop_after: 1 }\n"))
	for _, b := range brokenSpecs[:12] {
		f.Add([]byte(b.spec))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := generator.ParseSpec("fuzz.yaml", data)
		if err != nil {
			var se *generator.SpecError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SpecError", err, err)
			}
			if se.File != "fuzz.yaml" || se.Fix == "" || se.Msg == "" || se.Line < 0 || se.Column < 0 {
				t.Fatalf("incomplete error %#v", se)
			}
			if spec != nil {
				t.Fatal("a spec and an error")
			}
			return
		}
		if len(spec.Tables) == 0 {
			t.Fatal("a spec without tables")
		}
		if spec.Location == nil || (spec.Dialect != generator.Postgres && spec.Dialect != generator.SQLite) {
			t.Fatalf("spec %+v", spec)
		}
		for i := range spec.Tables {
			tb := &spec.Tables[i]
			for _, id := range []string{tb.Name, tb.Key} {
				if len(id) > 63 || !plainIdent.MatchString(id) {
					t.Fatalf("table %d: %q is not a plain identifier", i, id)
				}
			}
			if tb.Schema != "" && !plainIdent.MatchString(tb.Schema) {
				t.Fatalf("table %d: schema %q", i, tb.Schema)
			}
			if _, ok := generator.ParseInterval(string(tb.Interval)); !ok || tb.Premake < 0 {
				t.Fatalf("table %d: interval %q premake %d", i, tb.Interval, tb.Premake)
			}
			if r := tb.Retention; r != nil && (r.Keep < 1 || r.DropAfter < 0) {
				t.Fatalf("table %d: retention %+v", i, r)
			}
			p := generator.PeriodOfDate(tb.Interval, generator.Date{Year: 2026, Month: time.November, Day: 26}, spec.Location)
			for range 3 {
				if name := generator.PartitionName(tb, p); len(name) > 63 || !plainIdent.MatchString(name) {
					t.Fatalf("table %d: partition name %q", i, name)
				}
				p = generator.Shift(tb.Interval, p, 1, spec.Location)
			}
		}
	})
}

// FuzzPeriodOf: for any instant between 1900 and 2100, any zone of the list
// and any interval, the period holds the instant and its neighbours touch it.
func FuzzPeriodOf(f *testing.F) {
	f.Add(int64(1795651200), uint8(0), uint8(0))  // 2026-11-26 UTC, day
	f.Add(int64(1772946000), uint8(5), uint8(0))  // Havana 2026-03-08 01:00, the skipped midnight
	f.Add(int64(1333256400), uint8(5), uint8(3))  // Havana 2012-04-01, a quarter starting after midnight
	f.Add(int64(1788667200), uint8(4), uint8(1))  // Santiago 2026-09-06
	f.Add(int64(1775314800), uint8(3), uint8(2))  // Lord Howe 2026-04-05 02:00 +11, back 30 minutes
	f.Add(int64(-2208988800), uint8(2), uint8(4)) // 1900, Kolkata
	f.Add(int64(4102444799), uint8(1), uint8(4))  // 2099-12-31, New York
	f.Add(int64(-1), uint8(255), uint8(255))
	zones := make([]*time.Location, len(calendarZones))
	for i, z := range calendarZones {
		zones[i] = loadZone(f, z)
	}
	const lo, hi = int64(-2208988800), int64(4102444800) // 1900-01-01 .. 2100-01-01 UTC
	f.Fuzz(func(t *testing.T, sec int64, zone, interval uint8) {
		if sec < lo || sec >= hi {
			sec = lo + ((sec%(hi-lo))+(hi-lo))%(hi-lo)
		}
		loc := zones[int(zone)%len(zones)]
		iv := intervals[int(interval)%len(intervals)]
		x := time.Unix(sec, int64(uint64(sec)%1e9))
		p := generator.PeriodOf(iv, x, loc)
		if !p.Lower.Before(p.Upper) || !p.Contains(x) {
			t.Fatalf("%s %s: PeriodOf(%s) = [%s, %s)", loc, iv, x.In(loc), p.Lower.In(loc), p.Upper.In(loc))
		}
		next, prev := generator.Shift(iv, p, 1, loc), generator.Shift(iv, p, -1, loc)
		if !next.Lower.Equal(p.Upper) {
			t.Fatalf("%s %s: Shift(+1) of [%s, %s) starts at %s", loc, iv, p.Lower.In(loc), p.Upper.In(loc), next.Lower.In(loc))
		}
		if !prev.Upper.Equal(p.Lower) {
			t.Fatalf("%s %s: Shift(-1) of [%s, %s) ends at %s", loc, iv, p.Lower.In(loc), p.Upper.In(loc), prev.Upper.In(loc))
		}
		if got := generator.PeriodOf(iv, p.Lower, loc); !got.Equal(p) {
			t.Fatalf("%s %s: PeriodOf(Start) = %v, want %v", loc, iv, got, p)
		}
		if got := generator.PeriodOfDate(iv, civil(p.Lower, loc), loc); !got.Equal(p) {
			t.Fatalf("%s %s: PeriodOfDate(Start's date) = %v, want %v", loc, iv, got, p)
		}
		if !isFirstInstant(p.Lower, loc) || !aligned(iv, civil(p.Lower, loc)) {
			t.Fatalf("%s %s: Start %s is not the first instant of an aligned date", loc, iv, p.Lower.In(loc))
		}
	})
}

// FuzzReadFolder: a partgen file with any content after the generated line
// never makes ReadFolder panic; a problem is a *SpecError naming the file.
func FuzzReadFolder(f *testing.F) {
	f.Add([]byte("--\n-- partgen:partition op=create table=ev name=ev_p2026_11 from=2026-11-01T00:00:00Z to=2026-12-01T00:00:00Z\n-- partgen:checksum sha256=00\n\n-- +goose Up\nSELECT 1;\n"))
	f.Add([]byte("-- partgen:partition op=default table=s.ev name=ev_default\n"))
	f.Add([]byte("-- partgen:partition op=archive table=ev name=ev_p2026_01 from=2026-01-01T00:00:00+05:30 to=2026-02-01T00:00:00+05:30\n"))
	f.Add([]byte("-- partgen:partition op=create table=ev name=x from=2026-12-01T00:00:00Z to=2026-11-01T00:00:00Z\n"))
	f.Add([]byte("-- partgen:partition op=create table=ev name=x from=yesterday\n"))
	f.Add([]byte("-- partgen:partition op=explode\n"))
	f.Add([]byte("-- partgen:partition noequals\n"))
	f.Add([]byte("-- +goose Up\n-- partgen:partition op=create\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "20261126000000_partgen_create_ev.sql")
		content := append([]byte(generator.GeneratedLine+"\n"), data...)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		folder, err := generator.ReadFolder(dir)
		if err != nil {
			var se *generator.SpecError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SpecError", err, err)
			}
			if se.File != path || se.Fix == "" || se.Line < 1 {
				t.Fatalf("error does not name the file and line: %#v", se)
			}
			return
		}
		if len(folder.Files) != 1 || !folder.Files[0].Partgen || folder.Files[0].Version != 20261126000000 {
			t.Fatalf("folder %+v", folder)
		}
		mf := folder.Files[0]
		if mf.Actual != generator.Checksum(content) {
			t.Fatal("Actual is not the file's checksum")
		}
		for _, m := range mf.Markers {
			if m.Table == "" || m.Name == "" || m.Line < 2 {
				t.Fatalf("marker %+v", m)
			}
			if m.Op != generator.OpDefault && !m.From.Before(m.To) {
				t.Fatalf("marker %+v has from >= to", m)
			}
			folder.Partitions(m.Table)
			folder.HasTable(m.Table)
		}
	})
}
