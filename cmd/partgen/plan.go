package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/partgen/partgen/generator"
)

func newPlanCmd() *cobra.Command {
	var f specFlags
	var namesOnly bool
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what generate would write, with the SQL; write nothing",
		Long: `plan runs exactly the computation of generate and prints each file it would
write, name first, then its full text. It writes nothing.`,
		Example: `  partgen plan --as-of 2026-11-26
  partgen plan --names`,
		Args: argsNone,
		RunE: func(cmd *cobra.Command, args []string) error {
			sp, asOf, err := f.load()
			if err != nil {
				return err
			}
			plan, err := generator.Generate(sp, asOf)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(plan.Files) == 0 {
				fmt.Fprintf(out, "%s is up to date for %s; generate would write nothing\n", rel(sp.Migrations), asOf)
				return nil
			}
			for i, file := range plan.Files {
				if namesOnly {
					fmt.Fprintf(out, "%s\t%s\n", file.Name, file.Purpose)
					continue
				}
				if i > 0 {
					fmt.Fprintln(out)
				}
				fmt.Fprintf(out, "==> %s (%s)\n%s", file.Name, file.Purpose, file.Body)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&namesOnly, "names", false, "list file names and purposes only")
	return cmd
}
