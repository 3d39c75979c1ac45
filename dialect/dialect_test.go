package dialect_test

import (
	"strings"
	"testing"
	"time"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/dialect"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// What each engine writes, it reads back: the same bounds, in every zone
// and key type partgen writes.
func TestLiteralsReadBack(t *testing.T) {
	for _, zone := range []string{"UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Africa/Monrovia"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, iv := range []calendar.Interval{calendar.Day, calendar.Month, calendar.Quarter} {
			p := calendar.PeriodOfDate(iv, calendar.Date{Year: 1971, Month: 4, Day: 10}, loc)
			for _, name := range dialect.Names() {
				d := dialect.Must(name)
				for _, kt := range d.KeyTypes() {
					lo, hi := d.Literal(kt, p.Lower.In(loc)), d.Literal(kt, p.Upper.In(loc))
					var text string
					switch name {
					case dialect.Postgres:
						// As pg_get_expr prints it: the literal without its cast.
						text = "FOR VALUES FROM (" + lo[:strings.LastIndex(lo, "::")] + ") TO (" + hi[:strings.LastIndex(hi, "::")] + ")"
					case dialect.SQLite:
						text = "CREATE TABLE x (ts TEXT, " + dialect.SQLiteBoundsCheck(`"ts"`, p) + ")"
					}
					got, dflt, ok := d.ReadBounds(text, "ts", kt, loc)
					if !ok || dflt || !got.Equal(p) {
						t.Errorf("%s %s %s %s: wrote %s .. %s, read [%v, %v) ok=%v", name, kt, zone, iv, lo, hi, got.Lower, got.Upper, ok)
					}
				}
			}
		}
	}
}

func TestParsePGBound(t *testing.T) {
	utc := time.UTC
	ny, _ := time.LoadLocation("America/New_York")
	for _, tc := range []struct {
		expr, keyType string
		loc           *time.Location
		lower, upper  string // RFC 3339; "" for not ok
		dflt          bool
	}{
		{"FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00+00')", "timestamptz", utc, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", false},
		{"FOR VALUES FROM ('2026-01-01 05:30:00+05:30') TO ('2026-02-01 00:00:00-05')", "timestamptz", utc, "2026-01-01T00:00:00Z", "2026-02-01T05:00:00Z", false},
		{"FOR VALUES FROM ('2026-03-08 00:00:00') TO ('2026-03-09 00:00:00')", "timestamp", ny, "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", false},
		{"FOR VALUES FROM ('2026-01-01') TO ('2026-01-02')", "date", ny, "2026-01-01T05:00:00Z", "2026-01-02T05:00:00Z", false},
		{"DEFAULT", "timestamptz", utc, "", "", true},
		{"FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00+00')", "timestamptz", utc, "", "", false},
		{"FOR VALUES FROM ('a', 1) TO ('b', 2)", "timestamptz", utc, "", "", false},
	} {
		p, dflt, ok := dialect.Must(dialect.Postgres).ReadBounds(tc.expr, "ts", dialect.KeyType(tc.keyType), tc.loc)
		var l, u *time.Time
		if ok && !dflt {
			l, u = &p.Lower, &p.Upper
		}
		if dflt != tc.dflt {
			t.Errorf("%s: default %v", tc.expr, dflt)
		}
		if tc.lower == "" {
			if ok && !tc.dflt || l != nil {
				t.Errorf("%s: parsed as [%v, %v)", tc.expr, l, u)
			}
			continue
		}
		if !ok || !l.Equal(*at(tc.lower)) || !u.Equal(*at(tc.upper)) {
			t.Errorf("%s: [%v, %v) ok=%v, want [%s, %s)", tc.expr, l, u, ok, tc.lower, tc.upper)
		}
	}
}

func TestViewMembersAndSQLiteBounds(t *testing.T) {
	view := `CREATE VIEW "m" AS
SELECT "a", "ts" FROM "m_p2026_01"
UNION ALL SELECT "a", "ts" FROM m_p2026_02
UNION ALL SELECT "a", "ts" FROM "odd ""name"""`
	got := strings.Join(dialect.SQLiteViewMembers(view), "|")
	if got != `m_p2026_01|m_p2026_02|odd "name"` {
		t.Errorf("members %q", got)
	}
	b, ok := dialect.SQLiteBounds(`CREATE TABLE "m_p2026_01" (ts TEXT, CONSTRAINT partgen_bounds CHECK ("ts" >= '2026-01-01 00:00:00+00:00' AND "ts" < '2026-02-01 00:00:00+00:00' AND ("ts" GLOB '*'))`, "ts")
	if !ok || !b.Lower.Equal(*at("2026-01-01T00:00:00Z")) || !b.Upper.Equal(*at("2026-02-01T00:00:00Z")) {
		t.Errorf("bounds [%v, %v) ok=%v", b.Lower, b.Upper, ok)
	}
	if _, ok := dialect.SQLiteBounds(`CREATE TABLE d (ts TEXT)`, "ts"); ok {
		t.Errorf("a table without bounds parsed")
	}
}

// Issue 14 (1): a timestamp (without time zone) key holds civil time, so
// each bound is the civil midnight starting its period, in every zone and
// interval, DST at midnight included (Santiago, Havana, Beirut, Cairo); and
// it reads back as the calendar's period.
func TestTimestampBoundsAreCivilMidnights(t *testing.T) {
	pg := dialect.Must(dialect.Postgres)
	for _, zone := range []string{"UTC", "America/Santiago", "America/Havana", "Asia/Beirut", "Africa/Cairo", "America/New_York", "Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, iv := range []calendar.Interval{calendar.Day, calendar.Week, calendar.Month, calendar.Quarter, calendar.Year} {
			p := calendar.PeriodOfDate(iv, calendar.Date{Year: 2025, Month: 12, Day: 20}, loc)
			for range map[calendar.Interval]int{calendar.Day: 500, calendar.Week: 80, calendar.Month: 24, calendar.Quarter: 8, calendar.Year: 3}[iv] {
				d := calendar.DateOf(p.Lower, loc)
				want := "'" + d.String() + " 00:00:00'::timestamp"
				if got := pg.Literal(dialect.Timestamp, p.Lower.In(loc)); got != want {
					t.Fatalf("%s %s: the bound of the period starting %s is %s, want %s", zone, iv, p.Lower.In(loc), got, want)
				}
				text := "FOR VALUES FROM ('" + d.String() + " 00:00:00') TO ('" + calendar.DateOf(p.Upper, loc).String() + " 00:00:00')"
				back, _, ok := pg.ReadBounds(text, "ts", dialect.Timestamp, loc)
				if !ok || !back.Equal(p) {
					t.Fatalf("%s %s: %s reads back as [%v, %v), want [%v, %v)", zone, iv, text, back.Lower, back.Upper, p.Lower, p.Upper)
				}
				p = calendar.Shift(iv, p, 1, loc)
			}
		}
	}
}
