// Package bench holds partgen's benchmarks for issue 6: every figure is a
// ratio partgen / baseline measured in the same run, alternating the two
// sides over several rounds and taking the median. The package has no
// non-test code; run it with `make bench` (see BENCHMARKS.md). A plain
// `go test ./...` compiles it and runs nothing heavy: all the work sits in
// Benchmark functions, which only run under -bench.
package bench
