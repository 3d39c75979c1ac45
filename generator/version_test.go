package generator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partgen/partgen/generator"
)

const versionSpec = "version: 1\ndialect: postgres\nmigrations: .\ntables:\n  - {name: a, key: ts, interval: month, premake: 1}\n  - {name: b, key: ts, interval: quarter, premake: 1}\n"

// versionBase creates the tables of versionSpec.
const versionBase = "-- +goose Up\nCREATE TABLE a (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\nCREATE TABLE b (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n"

func names(files []string) string { return strings.Join(files, " ") }

func TestVersionsInATimestampedFolder(t *testing.T) {
	w := newWorkspace(t, versionSpec, versionBase)
	p := w.plan("2026-11-26")
	var got []string
	for _, f := range p.Files {
		got = append(got, f.Name[:14])
	}
	if names(got) != "20261126000000 20261126000001 20261126000002" {
		t.Fatalf("versions %v, want the as-of midnight and the next two (partgen_archive_log's file first)", got)
	}
	// A hand-written migration later than the as-of date: partgen follows it.
	must(t, os.WriteFile(filepath.Join(w.dir, "20261126093000_hand.sql"), []byte("-- +goose Up\nSELECT 1;\n"), 0o644))
	p = w.plan("2026-11-26")
	got = got[:0]
	for _, f := range p.Files {
		got = append(got, f.Name[:14])
	}
	if names(got) != "20261126093001 20261126093002 20261126093003" {
		t.Fatalf("versions %v, want the last version + 1, + 2 and + 3", got)
	}
}

func TestVersionsInASequentialFolder(t *testing.T) {
	w := newWorkspace(t, versionSpec, "")
	must(t, os.WriteFile(filepath.Join(w.dir, "00001_base.sql"), []byte(versionBase), 0o644))
	must(t, os.WriteFile(filepath.Join(w.dir, "00007_more.sql"), []byte("-- +goose Up\nSELECT 1;\n"), 0o644))
	p := w.generate("2026-11-26")
	if len(p.Files) != 3 || p.Files[0].Name != "00008_partgen_archive_log.sql" || !strings.HasPrefix(p.Files[1].Name, "00009_partgen_create_a_") || !strings.HasPrefix(p.Files[2].Name, "00010_partgen_create_b_") {
		t.Fatalf("files %v, want 00008 to 00010 with the folder's width", fileNames(p.Files))
	}
	// The next month: one more file, after the folder's highest version.
	p = w.generate("2026-12-02")
	if len(p.Files) != 1 || !strings.HasPrefix(p.Files[0].Name, "00011_partgen_create_a_p2027_01") {
		t.Fatalf("files %v", p.Files)
	}
}

func fileNames(files []generator.File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}
