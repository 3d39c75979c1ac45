package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/partgen/partgen/check"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/generator"
)

func newGenerateCmd() *cobra.Command {
	var f specFlags
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write the migrations the folder lacks for the as-of date",
		Long: `generate reads the spec and the goose folder (the markers in partgen's own
files are the only record of what exists; no database is read), and writes
one migration per table that lacks partitions from start (default: the
as-of period, or the end of the folder's newest partition when that is
earlier) through the as-of period plus premake, and one per partition past
retention.

It learns each table from your own migrations (SQLite: replays them;
PostgreSQL: parses their Up sections) and stops with exit 2, the spec's
file:line:column and a fix, when the folder shows a table missing, not
partitioned by range on the spec's key and key_type, or created after
partgen's first file for it. New PostgreSQL partitions copy the parent's
tablespace, replica identity, persistence and access method.

A PostgreSQL table that is an ordinary table in the folder is adopted only
with adopt: true in the spec: three files (CHECK ... NOT VALID, VALIDATE,
the swap) make it the partition <table>_legacy, FROM (MINVALUE) TO the
cutover, of a new partitioned table under its name, without copying a row;
what an adoption cannot carry (keys without the partition key, views,
foreign keys, triggers, ...) stops generate with the object and the fix
(README, "Adopting an existing table").

Same spec, same folder and same date give the same bytes; a second run writes
nothing. Files are written atomically and the folder is locked while partgen
works, so concurrent runs cannot interleave.

Use it as a go:generate step beside the migrations, with partgen added to
your module as a tool (go get -tool github.com/partgen/partgen/cmd/partgen)
and the date pinned, so that go generate gives the same files every day (a
scheduled job moves the calendar; README, "Pinned dates"):

    //go:generate go tool partgen generate -c partgen.yaml --as-of 2026-11-26`,
		Example: `  partgen generate
  partgen generate --config migrations/postgres/partgen.yaml --as-of 2026-11-26`,
		Args: argsNone,
		RunE: func(cmd *cobra.Command, args []string) error {
			sp, asOf, err := f.load()
			if err != nil {
				return err
			}
			unlock, err := folder.Lock(sp.Migrations)
			if err != nil {
				return sp.FolderError(err)
			}
			defer unlock()
			plan, err := generator.Generate(sp, asOf)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(plan.Files) == 0 {
				fmt.Fprintf(out, "%s is up to date for %s; nothing written\n", rel(sp.Migrations), asOf)
				return nil
			}
			written, err := plan.Write(writeOptions()...)
			if err != nil {
				return err
			}
			for i, w := range written {
				fmt.Fprintf(out, "wrote %s\n      %s\n", rel(w), plan.Files[i].Purpose)
			}
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

// rel shortens a path for messages when it lies below the working directory.
func rel(p string) string { return check.Rel(p) }

// writeOptions are the options of every Plan.Write; a build with the
// failpoint tag adds a crash hook (failpoint.go).
var writeOptions = func() []generator.WriteOption { return nil }
