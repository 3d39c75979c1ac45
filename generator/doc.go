// Package generator is partgen's core: plan, render, write. For a spec
// ([spec.Spec]), its goose folder ([folder.Folder]: the markers in partgen's
// own files are the only record of what exists) and an as-of date, it
// computes the migrations the folder lacks ([BuildPlan], [Generate]): one
// file per table that needs partitions ahead, one per partition past
// retention, one per retired table past drop_after. It renders them from
// text/template files embedded beside it, one directory per engine, and
// writes them atomically ([Plan.Write]). It never opens a database; on
// SQLite it learns the user's table by replaying the folder's migrations
// into an in-memory SQLite (package sqliteschema).
//
// Every bound is a pure function of (zone, interval, period): periods start
// at local midnight in the spec's zone and are written with an explicit
// offset. The same spec, folder and date always give the same bytes.
//
//	sp, _ := spec.Load("migrations/partgen.yaml")
//	plan, _ := generator.Generate(sp, calendar.Date{Year: 2026, Month: 11, Day: 26})
//	for _, f := range plan.Files {
//		fmt.Println(f.Name, f.Purpose)
//	}
//	written, _ := plan.Write() // atomically; hold folder.Lock around Generate and Write
package generator
