package status_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/status"
)

// brokenFolder is a folder whose partgen file cannot apply, with the
// database goose brought as far as it could.
func brokenFolder(t *testing.T, key, base string) (*spec.Spec, *folder.Folder, status.Source) {
	t.Helper()
	dir := t.TempDir()
	sp := "version: 1\ndialect: postgres\nmigrations: .\ntimezone: UTC\ntables:\n  - name: events\n    key: " + key + "\n    interval: month\n    premake: 2\n    start: 2026-11-01\n"
	testdb.Must(t, "spec", os.WriteFile(filepath.Join(dir, "partgen.yaml"), []byte(sp), 0o644))
	testdb.Must(t, "base", os.WriteFile(filepath.Join(dir, "20260101000000_base.sql"), []byte(base), 0o644))
	generateInto(t, dir, calendar.Date{Year: 2026, Month: time.November, Day: 26})
	db, dsn := testdb.Postgres(t)
	p, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS(dir), goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "goose", err)
	if _, err := p.Up(context.Background()); err == nil {
		t.Fatal("goose up applied the broken partgen file")
	}
	s, mig := loadExample(t, dir)
	return s, mig, status.Postgres(pgConnect(t, dsn))
}

func problem(r *status.Report, code rules.Code) (status.Problem, bool) {
	for _, p := range r.Problems {
		if p.Code == code {
			return p, true
		}
	}
	return status.Problem{}, false
}

// The failure 2 as status sees it: the table is partitioned by
// another column than the spec's key (the folder hid it from generate in a
// DO block), so partgen's file fails at goose up. status names the key and
// the fix, and no longer says "run partgen generate" or "goose up applies it".
func TestStatusNamesAKeyOtherThanTheSpecs(t *testing.T) {
	sp, mig, src := brokenFolder(t, "tenant_id", "-- +goose Up\n-- +goose StatementBegin\nDO $$ BEGIN\n"+
		"CREATE TABLE events (tenant_id timestamptz, created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at);\nEND $$;\n-- +goose StatementEnd\n")
	r, err := status.Read(context.Background(), src, sp, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), status.Options{Folder: mig})
	testdb.Must(t, "status", err)
	km, ok := problem(r, rules.CodeKeyMismatch)
	if !ok || km.Severity != rules.SevCritical {
		t.Fatalf("no critical key_mismatch: %+v", r.Problems)
	}
	file := mig.Files[2].Name // after the base and partgen_archive_log's file
	want := "table events is PARTITION BY RANGE (created_at) with created_at of type timestamp with time zone, but the spec says PARTITION BY RANGE (tenant_id) with tenant_id of type timestamp with time zone: partgen's files for it fail at goose up; correct key: or key_type: in " + sp.File + " (or the table), delete " + file + " and run partgen generate again"
	if km.Message != want {
		t.Errorf("key_mismatch:\n got %s\nwant %s", km.Message, want)
	}
	for _, p := range r.Problems {
		if strings.Contains(p.Message, "run partgen generate, review") || strings.Contains(p.Message, "goose up applies it") {
			t.Errorf("%s still advises: %s", p.Code, p.Message)
		}
	}
	if p, _ := problem(r, rules.CodePending); !strings.Contains(p.Message, "goose up fails on it: table events is not partitioned as the spec says (see key_mismatch)") {
		t.Errorf("pending: %s", p.Message)
	}
	if p, _ := problem(r, rules.CodeRunwayExhausted); !strings.Contains(p.Message, "partgen's files for it fail until its partition key matches the spec (see key_mismatch)") {
		t.Errorf("runway_exhausted: %s", p.Message)
	}
}

// A pending partgen file that fails for another reason (here rows of a new
// range already in the default partition) is what creates the partitions:
// status points at it, not at generate.
func TestStatusPointsAtThePendingFile(t *testing.T) {
	dir := t.TempDir()
	sp := "version: 1\ndialect: postgres\nmigrations: .\ntimezone: UTC\ntables:\n  - name: events\n    key: ts\n    interval: month\n    premake: 2\n    start: 2026-11-01\n    default_partition: true\n"
	testdb.Must(t, "spec", os.WriteFile(filepath.Join(dir, "partgen.yaml"), []byte(sp), 0o644))
	testdb.Must(t, "base", os.WriteFile(filepath.Join(dir, "20260101000000_base.sql"), []byte("-- +goose Up\nCREATE TABLE events (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n"), 0o644))
	generateInto(t, dir, calendar.Date{Year: 2026, Month: time.November, Day: 1})
	db, dsn := testdb.Postgres(t)
	p, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS(dir), goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "goose", err)
	_, err = p.Up(context.Background())
	testdb.Must(t, "goose up", err)
	_, err = db.Exec("INSERT INTO events VALUES ('2027-02-03 00:00:00+00')")
	testdb.Must(t, "insert", err)
	written := generateInto(t, dir, calendar.Date{Year: 2026, Month: time.December, Day: 20})
	p, err = goose.NewProvider(goose.DialectPostgres, db, os.DirFS(dir), goose.WithLogger(goose.NopLogger())) // it lists the folder once
	testdb.Must(t, "goose", err)
	if _, err := p.Up(context.Background()); err == nil || !strings.Contains(err.Error(), "Fix: either move those rows out of events_default") {
		t.Fatalf("goose up: %v", err)
	}
	s, mig := loadExample(t, dir)
	r, err := status.Read(context.Background(), status.Postgres(pgConnect(t, dsn)), s, time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC), status.Options{Folder: mig})
	testdb.Must(t, "status", err)
	short, ok := problem(r, rules.CodeRunwayShort)
	if !ok {
		t.Fatalf("no runway_short: %+v", r.Problems)
	}
	want := "goose up applies " + filepath.Base(written[len(written)-1]) + " (already in the folder), which extend(s) the partitions to 2027-03-01 00:00:00 +00:00, 2 whole month(s) after the current one (if goose up fails on one, its message says the fix)"
	if !strings.HasSuffix(short.Message, want) {
		t.Errorf("runway_short: %s\nwant it to end with %s", short.Message, want)
	}
}
