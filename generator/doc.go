// Package generator is partgen's pure core: spec -> calendar -> plan ->
// rendered files. It reads a partgen.yaml (LoadSpec), the goose folder it
// names (ReadFolder: the markers in partgen's own files are the only record
// of what exists), and computes for an as-of date the migrations the folder
// lacks (BuildPlan, Generate): one file per table that needs partitions
// ahead, one per partition past retention, one per retired table past
// drop_after. It never opens a database; on SQLite it asks a
// SQLiteSchemaFunc (package sqliteschema) for the user's table definition.
//
// Every bound is a pure function of (zone, interval, period): periods start
// at local midnight in the spec's zone and are written with an explicit
// offset. The same spec, folder and date always give the same bytes.
//
//	spec, _ := generator.LoadSpec("migrations/partgen.yaml")
//	plan, _ := generator.Generate(spec, generator.Options{AsOf: generator.Date{Year: 2026, Month: 11, Day: 26}})
//	for _, f := range plan.Files {
//		fmt.Println(f.Name, f.Purpose)
//	}
//	written, _ := plan.Write() // atomically; hold LockFolder around Generate and Write
package generator
