// Package bench holds partgen's benchmarks (issues 6 and 16): most figures
// are a ratio partgen / baseline measured in the same run, alternating the
// two sides over several rounds and taking the median. The package has no
// non-test code; run it with `make bench`, which records every figure with
// the machine and versions into bench/results.json (-bench-json) and
// rewrites BENCHMARKS.md's results section from it (bench/cmd/benchmd,
// package bench/results). A plain `go test ./...` compiles it and runs
// nothing heavy: all the work sits in Benchmark functions, which only run
// under -bench.
package bench
