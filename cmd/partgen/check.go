package main

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/spf13/cobra"

	"github.com/partgen/partgen/generator"
)

func newCheckCmd() *cobra.Command {
	var f specFlags
	var runwayN int
	var base string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Fail when the committed migrations leave a short runway, an edited file, a gap or an out-of-order version",
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

Exit codes: 0 no problem (one summary line), 1 problems found, 2 a usage or
spec error.`,
		Example: `  partgen check --config migrations/postgres/partgen.yaml
  partgen check --as-of 2026-11-26 --runway 2
  partgen check --base origin/main`,
		Args: argsNone,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("runway") && runwayN < 0 {
				return usageError{fmt.Errorf("--runway %d: give 0 or more periods", runwayN)}
			}
			spec, opts, err := f.load()
			if err != nil {
				return err
			}
			folder, err := generator.ReadFolder(spec.Migrations)
			if err != nil {
				return err
			}
			want := -1
			if cmd.Flags().Changed("runway") {
				want = runwayN
			}
			var baseFiles map[string]int64
			if base != "" {
				if baseFiles, err = gitFolderFiles(spec.Migrations, base); err != nil {
					return usageError{err}
				}
			}
			problems := checkFolder(spec, folder, opts.AsOf, want)
			if base != "" {
				problems = append(problems, checkOrder(spec, folder, base, baseFiles, opts.AsOf)...)
			}
			out := cmd.OutOrStdout()
			if len(problems) > 0 {
				for _, p := range problems {
					fmt.Fprintln(out, p)
				}
				return &exitError{code: exitFail, err: fmt.Errorf("check found %d problem(s) in %s", len(problems), rel(spec.Migrations))}
			}
			partgenFiles := 0
			for _, mf := range folder.Files {
				if mf.Partgen {
					partgenFiles++
				}
			}
			order := "out-of-order not checked (no --base)"
			if base != "" {
				order = "no version below " + base + "'s highest"
			}
			fmt.Fprintf(out, "ok: %s as of %s: %d table(s) with their runway, %d partgen file(s) unedited, no gap or overlap, %s\n",
				rel(spec.Migrations), opts.AsOf, len(spec.Tables), partgenFiles, order)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&runwayN, "runway", 0, "whole periods of partitions required after the as-of period (default: each table's premake)")
	cmd.Flags().StringVar(&base, "base", "", "a git ref (origin/main) whose files count as applied, to find partgen files goose would refuse as out of order")
	return cmd
}

// checkFolder finds edited files, gaps, overlaps and short runways. want < 0
// means each table's premake.
func checkFolder(spec *generator.Spec, folder *generator.Folder, asOf generator.Date, want int) []string {
	var problems []string
	for _, mf := range folder.Files {
		if !mf.Edited() {
			continue
		}
		if mf.Checksum == "" {
			problems = append(problems, fmt.Sprintf("%s: partgen file has no checksum line: it was edited by hand; restore it from version control (git checkout -- %s), or, if no database has applied it, delete it and run partgen generate",
				rel(mf.Path), rel(mf.Path)))
			continue
		}
		problems = append(problems, fmt.Sprintf("%s: partgen file was edited by hand (declared sha256 %.12s..., content %.12s...); restore it from version control (git checkout -- %s), or, if no database has applied it, delete it and run partgen generate",
			rel(mf.Path), mf.Checksum, mf.Actual, rel(mf.Path)))
	}
	loc := spec.Location
	for i := range spec.Tables {
		t := &spec.Tables[i]
		key := t.FullName()
		var attached []generator.PartitionState
		for _, p := range folder.Partitions(key) {
			if p.State == generator.StateAttached && !p.Default {
				attached = append(attached, p)
			}
		}
		sort.SliceStable(attached, func(i, j int) bool { return attached[i].Period.Lower.Before(attached[j].Period.Lower) })
		path := func(file string) string { return rel(filepath.Join(folder.Dir, file)) }
		if len(attached) > 0 {
			reach := attached[0]
			for _, p := range attached[1:] {
				switch {
				case p.Period.Lower.Before(reach.Period.Upper):
					problems = append(problems, fmt.Sprintf("%s: partition %s [%s, %s) of %s overlaps %s [%s, %s) from %s; delete the file that should not exist (if no database has applied it) and run partgen generate",
						path(p.CreatedBy), p.Name, fmtBound(p.Period.Lower, loc), fmtBound(p.Period.Upper, loc), key,
						reach.Name, fmtBound(reach.Period.Lower, loc), fmtBound(reach.Period.Upper, loc), reach.CreatedBy))
				case p.Period.Lower.After(reach.Period.Upper):
					problems = append(problems, fmt.Sprintf("%s: no partition of %s covers [%s, %s), between %s (%s) and %s; a file that created it was probably deleted: restore it from version control",
						path(p.CreatedBy), key, fmtBound(reach.Period.Upper, loc), fmtBound(p.Period.Lower, loc), reach.Name, reach.CreatedBy, p.Name))
				}
				if p.Period.Upper.After(reach.Period.Upper) {
					reach = p
				}
			}
		}

		n := want
		if n < 0 {
			n = t.Premake
		}
		current := generator.PeriodOfDate(t.Interval, asOf, loc)
		until, covered := current.Lower, false
		var last generator.PartitionState
		for {
			next := until
			for _, p := range attached {
				if !p.Period.Lower.After(until) && p.Period.Upper.After(next) {
					next, last = p.Period.Upper, p
				}
			}
			if !next.After(until) {
				break
			}
			covered, until = true, next
		}
		ahead := 0
		if covered {
			for p := generator.Shift(t.Interval, current, 1, loc); !p.Upper.After(until); p = generator.Shift(t.Interval, p, 1, loc) {
				ahead++
			}
		}
		if covered && ahead >= n {
			continue
		}
		where, reach := rel(spec.File), "no partition of it covers the as-of period"
		if covered {
			where = path(last.CreatedBy)
			reach = fmt.Sprintf("its partitions end at %s (%s)", fmtBound(until, loc), last.Name)
		}
		problems = append(problems, fmt.Sprintf("%s: %s has %d whole %s(s) of partitions after %s, fewer than %d: %s; run partgen generate --config %s --as-of %s and commit the new file",
			where, key, ahead, t.Interval, generator.Label(t.Interval, current, loc), n, reach, rel(spec.File), asOf))
	}
	return problems
}

// checkOrder flags partgen files that base does not have and whose version
// is below base's highest: once merged, goose would refuse them on every
// database that has base applied.
func checkOrder(spec *generator.Spec, folder *generator.Folder, base string, baseFiles map[string]int64, asOf generator.Date) []string {
	var maxV int64
	var maxName string
	for name, v := range baseFiles {
		if v > maxV || (v == maxV && name > maxName) {
			maxV, maxName = v, name
		}
	}
	var late []generator.MigrationFile
	for _, mf := range folder.Files {
		if _, ok := baseFiles[mf.Name]; ok || !mf.Partgen || mf.Version >= maxV {
			continue
		}
		late = append(late, mf)
	}
	var problems []string
	var names []string
	for _, mf := range late {
		names = append(names, rel(mf.Path))
	}
	for _, mf := range late {
		problems = append(problems, fmt.Sprintf("%s: version %d sorts below %s (version %d) on %s: goose refuses a pending migration below the highest applied version, so databases that have %s applied would refuse this file; merge %s, delete %s and run partgen generate --config %s --as-of %s (new files get versions after the folder's highest)",
			rel(mf.Path), mf.Version, maxName, maxV, base, base, base, strings.Join(names, " "), rel(spec.File), asOf))
	}
	return problems
}

// gitFolderFiles lists the migrations ref has in dir: name -> version. It
// only reads the repository.
func gitFolderFiles(dir, ref string) (map[string]int64, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errors.New("--base needs git on the PATH")
	}
	var stderr bytes.Buffer
	verify := exec.Command("git", "-C", dir, "rev-parse", "--verify", "--quiet", ref+"^{commit}")
	verify.Stderr = &stderr
	if err := verify.Run(); err != nil {
		return nil, fmt.Errorf("--base %s: not a commit in the git repository of %s (fetch it first, e.g. git fetch origin main)%s", ref, rel(dir), gitDetail(&stderr))
	}
	stderr.Reset()
	ls := exec.Command("git", "-C", dir, "ls-tree", "--name-only", ref, "--", ".")
	ls.Stderr = &stderr
	out, err := ls.Output()
	if err != nil {
		return nil, fmt.Errorf("--base %s: git ls-tree failed%s", ref, gitDetail(&stderr))
	}
	files := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name := filepath.Base(line)
		ext := filepath.Ext(name)
		if line == "" || (ext != ".sql" && ext != ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if v, err := goose.NumericComponent(name); err == nil {
			files[name] = v
		}
	}
	return files, nil
}

func gitDetail(b *bytes.Buffer) string {
	if s := strings.TrimSpace(b.String()); s != "" {
		return ": " + s
	}
	return ""
}

func fmtBound(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04:05 -07:00")
}
