package generator_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/generator"
	"github.com/partgen/partgen/spec"
)

// A monthly table with three months of runway, as of 2026-11-26.
func ExampleGenerate() {
	dir, _ := os.MkdirTemp("", "partgen-example-")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "20260101000000_base.sql"), []byte("-- +goose Up\nCREATE TABLE ticks (ts timestamptz NOT NULL) PARTITION BY RANGE (ts);\n"), 0o644)
	sp, err := spec.Parse(filepath.Join(dir, "partgen.yaml"), []byte(`
version: 1
dialect: postgres
migrations: .
timezone: Europe/Berlin
tables:
  - {name: ticks, key: ts, interval: month, premake: 3}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := generator.Generate(sp, calendar.Date{Year: 2026, Month: 11, Day: 26})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range plan.Files {
		fmt.Println(f.Name)
		fmt.Println(f.Purpose)
	}
	// Output:
	// 20261126000000_partgen_archive_log.sql
	// create partgen_archive_log, the audit trail of every partition partgen retires
	// 20261126000001_partgen_create_ticks_p2026_11_to_p2027_02.sql
	// create 4 month partition(s) of ticks, 2026-11 through 2027-02
}
