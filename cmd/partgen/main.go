// Command partgen writes the lifecycle of time-partitioned tables (partitions
// made ahead of time, partitions past retention archived) as goose
// migrations that people review in pull requests.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/partgen/partgen/spec"
)

// Exit codes. Usage and spec errors are 2 so that a CI step can tell a broken
// configuration from a failed check.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError marks errors in the command line itself.
type usageError struct{ error }

// exitError carries a specific exit code (status and check use several).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: tests call it with their own arguments
// and buffers.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "partgen:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "partgen:", err)
	var se *spec.Error
	var ue usageError
	// cobra reports an unknown subcommand as a plain error.
	if errors.As(err, &se) || errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command ") {
		return exitUsage
	}
	return exitFail
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "partgen",
		Short: "Write the lifecycle of time-partitioned tables as reviewed goose migrations",
		Long: `partgen keeps time-partitioned tables healthy. It reads partgen.yaml and the
goose folder it names, and writes dated goose migrations that create
partitions ahead of time and retire partitions past retention. Nothing runs
in the background: the runway is in the repository, reviewed in pull
requests and checked in CI.

Engines: PostgreSQL declarative partitions, and SQLite, where partitions are
emulated with one table per period, a view and triggers.

Exit codes: 0 success, 1 failure (or a problem found by check), 2 a usage or
spec error (nothing is written). status answers for a cron monitor: 0 ok,
1 warning, 2 critical (or a usage error), 3 the database cannot be read.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(newGenerateCmd(), newPlanCmd())
	root.AddCommand(newStatusCmd(), newCheckCmd(), newVersionCmd(), newServeCmd())
	setVersion(root)
	// Help fits 80 columns: flag descriptions wrap there too.
	root.SetUsageTemplate(strings.ReplaceAll(root.UsageTemplate(), "FlagUsages |", "FlagUsagesWrapped 80 |"))
	registerCompletions(root)
	return root
}

// argsNone rejects positional arguments as a usage error.
func argsNone(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q (see %s --help)", cmd.Name(), args, cmd.CommandPath())}
	}
	return nil
}
