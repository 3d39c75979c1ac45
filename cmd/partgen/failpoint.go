//go:build failpoint

package main

import (
	"os"

	"github.com/partgen/partgen/generator"
)

// A binary built with -tags failpoint stops where PARTGEN_FAILPOINT says,
// as a kill -9 would: the crash tests in e2e/ use it. Release builds have
// no such hook.
func init() {
	if os.Getenv("PARTGEN_FAILPOINT") != "after-temp-files" {
		return
	}
	writeOptions = func() []generator.WriteOption {
		return []generator.WriteOption{generator.BeforeRename(func() { os.Exit(70) })}
	}
}
