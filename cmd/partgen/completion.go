package main

import (
	"github.com/spf13/cobra"
)

// formatValues are the values each command's --format accepts, completed
// by the shell. TestFormatCompletionMatchesTheCommands runs every command
// with candidate values and fails when this list and the command disagree.
var formatValues = map[string][]string{
	"check":  {"text", "json", "prometheus"},
	"status": {"table", "json", "prometheus", "html"},
}

// registerCompletions teaches cobra's `partgen completion bash|zsh|fish|
// powershell` scripts partgen's flag values: --format's values, YAML files
// for --config, and nothing (no file names) for flags that take a date, a
// ref or a URL.
func registerCompletions(root *cobra.Command) {
	noFiles := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	for _, c := range root.Commands() {
		if values, ok := formatValues[c.Name()]; ok && c.Flags().Lookup("format") != nil {
			_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
		if c.Flags().Lookup("config") != nil {
			_ = c.MarkFlagFilename("config", "yaml", "yml")
		}
		for _, name := range []string{"as-of", "base", "db", "runway", "timeout"} {
			if c.Flags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, noFiles)
			}
		}
	}
}
