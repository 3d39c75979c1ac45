// Command benchmd writes the results section of BENCHMARKS.md from the
// JSON a benchmark run recorded (see package results):
//
//	go run ./bench/cmd/benchmd -in bench/results.json -md BENCHMARKS.md
//
// Only the lines between <!-- results:begin --> and <!-- results:end -->
// change. Exit status 2 for a usage error, 1 when the input or the document
// cannot be read or written.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/partgen/partgen/bench/results"
)

func main() {
	in := flag.String("in", "bench/results.json", "the run's figures, as written by the benchmarks' -bench-json")
	md := flag.String("md", "BENCHMARKS.md", "the document whose results section is rewritten")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "benchmd: unexpected argument %q\n", flag.Arg(0))
		flag.Usage()
		os.Exit(2)
	}
	run, err := results.Read(*in)
	if err == nil {
		err = results.RewriteFile(*md, run)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchmd:", err)
		os.Exit(1)
	}
	fmt.Printf("benchmd: %s: results of %s (%d figures) written\n", *md, run.Meta.Commit, len(run.Figures))
}
