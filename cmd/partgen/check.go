package main

import (
	"fmt"
	"path/filepath"

	"github.com/partgen/partgen/check"
	"github.com/partgen/partgen/folder"
	"github.com/spf13/cobra"
)

func newCheckCmd() *cobra.Command {
	var f specFlags
	var runwayN int
	var base, format string
	var trimmable bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Fail on a short runway, edited files, gaps or out-of-order files",
		Long: `check is the CI guard. It reads only the spec and the goose folder (no
database) and prints one line per problem, naming the file:

  runway      a table has fewer than N whole periods of partitions after the
              as-of period (N: --runway, default the table's premake)
  edited      a partgen file no longer matches its checksum: it was edited by
              hand (restore it; to change it, delete it and regenerate)
  gap/overlap the attached partitions of a table, as the folder's markers
              say, leave a hole or overlap
  out-of-order (with --base REF) a partgen file that REF does not have sorts
              below REF's highest version
  view ahead  (SQLite) a partgen file writes the view over partitions that
              only a later file creates, or that no file creates though the
              as-of date keeps them: a creation file before it was deleted

--trimmable lists, instead, the partgen files README's rule lets you delete
to keep the folder bounded: files whose partitions are all gone (dropped or
purged), together with every other file of those partitions, never the
newest. Delete them only once every database you deploy to has applied them.

Out of order is a fact about a database, not a folder: goose refuses a
pending migration whose version is below the highest version the database
has applied. A partgen file followed by a later hand-written one is the normal
state of a folder and is fine as long as both are applied in order. So check
decides it against what is deployed, which offline means a branch: with
--base origin/main the files on that branch count as applied, and a partgen
file new on this branch whose version is below the branch's highest would be
refused once merged. To fix it: merge REF, delete the pending partgen files
check names, and run partgen generate again; new files get versions after
the folder's highest. Without --base the rule is skipped (the summary says
so); partgen status checks the same against a live goose_db_version.

Formats: text (default), json, prometheus (gauges partgen_check_health,
partgen_check_problems{code,severity}, ... for node_exporter's textfile
collector or a pushgateway).

Exit codes: 0 no problem (one summary line), 1 problems found, 2 a usage or
spec error.`,
		Example: `  partgen check --config migrations/postgres/partgen.yaml
  partgen check --as-of 2026-11-26 --runway 2
  partgen check --base origin/main
  partgen check --trimmable | xargs -r git rm`,
		Args: argsNone,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("runway") && runwayN < 0 {
				return usageError{fmt.Errorf("--runway %d: give 0 or more periods", runwayN)}
			}
			switch format {
			case "text", "json", "prometheus":
			default:
				return usageError{fmt.Errorf("--format %q: use text, json or prometheus", format)}
			}
			sp, asOf, err := f.load()
			if err != nil {
				return err
			}
			mig, err := folder.Read(sp.Migrations)
			if err != nil {
				return sp.FolderError(err)
			}
			if trimmable {
				for _, name := range mig.Trimmable() {
					fmt.Fprintln(cmd.OutOrStdout(), rel(filepath.Join(sp.Migrations, name)))
				}
				return nil
			}
			opts := check.Options{Runway: -1, Base: base}
			if cmd.Flags().Changed("runway") {
				opts.Runway = runwayN
			}
			if base != "" {
				if opts.BaseFiles, err = check.BaseFiles(sp.Migrations, base); err != nil {
					return usageError{err}
				}
			}
			report := check.Run(sp, mig, asOf, opts)
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				err = report.WriteJSON(out)
			case "prometheus":
				err = report.WritePrometheus(out)
			default:
				err = report.WriteText(out)
			}
			if err != nil {
				return err
			}
			if len(report.Problems) > 0 {
				return &exitError{code: exitFail, err: fmt.Errorf("check found %d problem(s) in %s", len(report.Problems), rel(sp.Migrations))}
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&runwayN, "runway", 0, "whole periods of partitions required after the as-of period (default: each table's premake)")
	cmd.Flags().StringVar(&format, "format", "text", "text (one line per problem), json, or prometheus (text exposition for node_exporter's textfile collector)")
	cmd.Flags().StringVar(&base, "base", "", "a git ref (origin/main) whose files count as applied, to find partgen files goose would refuse as out of order")
	cmd.Flags().BoolVar(&trimmable, "trimmable", false, "list the partgen files README's rule lets you delete (partitions all gone), one path a line, and check nothing")
	return cmd
}
