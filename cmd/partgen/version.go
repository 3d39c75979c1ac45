package main

import (
	"database/sql"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/partgen/partgen/sqliteschema"
)

// modulePath is partgen's module. In a binary built by `go install
// ...@version` it is the main module; in one built by `go tool partgen`
// inside a user's module it is a dependency of that module.
const modulePath = "github.com/partgen/partgen"

// buildReport is what `partgen version` prints: where the binary came from
// and what it can do, from runtime/debug.ReadBuildInfo and the SQLite
// library linked in.
type buildReport struct {
	Version   string // module version: v1.2.3, a pseudo-version, or (devel)
	Replace   string // the replacement of partgen's module, when go.mod replaces it
	Sum       string
	Revision  string // VCS revision (builds inside a partgen checkout)
	Time      string // VCS commit time
	Modified  bool   // the checkout had uncommitted changes
	Go        string // toolchain that built the binary
	Platform  string // GOOS/GOARCH
	Cgo       bool
	Tags      string // the -tags the binary was built with
	SQLite    string // sqlite_version() of the linked SQLite; empty without cgo
	GoSQLite3 string // version of github.com/mattn/go-sqlite3
	DBStat    bool   // SQLite's dbstat table is compiled in (sizes in partgen status)
	SQLiteErr string // why SQLite could not be asked
}

// readBuild fills a buildReport. It never fails: what it cannot learn is
// left empty and printed as unknown.
func readBuild() buildReport {
	r := buildReport{Version: "(unknown)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, Cgo: sqliteschema.Available() == nil}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.GoVersion != "" {
			r.Go = bi.GoVersion
		}
		mod := &bi.Main
		if mod.Path != modulePath {
			for _, d := range bi.Deps {
				if d.Path == modulePath {
					mod = d
					break
				}
			}
		}
		if mod.Path == modulePath {
			r.Version, r.Sum = mod.Version, mod.Sum
			if mod.Replace != nil {
				r.Replace = mod.Replace.Path
				if v := mod.Replace.Version; v != "" && v != "(devel)" {
					r.Replace += " " + mod.Replace.Version
				}
				r.Sum = mod.Replace.Sum
			}
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/mattn/go-sqlite3" {
				r.GoSQLite3 = d.Version
				if d.Replace != nil {
					r.GoSQLite3 += " => " + d.Replace.Path + " " + d.Replace.Version
				}
			}
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				r.Revision = s.Value
			case "vcs.time":
				r.Time = s.Value
			case "vcs.modified":
				r.Modified = s.Value == "true"
			case "-tags":
				r.Tags = s.Value
			}
		}
	}
	r.SQLite, r.DBStat, r.SQLiteErr = sqliteBuild()
	return r
}

// sqliteBuild asks the linked SQLite for its version and whether dbstat is
// compiled in, on an in-memory database. The answer does not depend on how
// dbstat got there (the sqlite_dbstat tag, or CGO_CFLAGS).
func sqliteBuild() (version string, dbstat bool, problem string) {
	if err := sqliteschema.Available(); err != nil {
		return "", false, "not linked: " + err.Error()
	}
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return "", false, err.Error()
	}
	defer db.Close()
	if err := db.QueryRow("SELECT sqlite_version()").Scan(&version); err != nil {
		return "", false, err.Error()
	}
	rows, err := db.Query("PRAGMA compile_options")
	if err != nil {
		return version, false, err.Error()
	}
	defer rows.Close()
	for rows.Next() {
		var opt string
		if rows.Scan(&opt) == nil && opt == "ENABLE_DBSTAT_VTAB" {
			dbstat = true
		}
	}
	return version, dbstat, ""
}

// write prints the report, one fact per line; the first line is
// "partgen VERSION" so that scripts can read it with awk.
func (r buildReport) write(w io.Writer) {
	fmt.Fprintf(w, "partgen %s\n", r.Version)
	row := func(k, v string) { fmt.Fprintf(w, "  %-9s %s\n", k+":", v) }
	mod := modulePath + " " + r.Version
	if r.Replace != "" {
		mod += " => " + r.Replace
	}
	if r.Sum != "" {
		mod += " " + r.Sum
	}
	row("module", mod)
	switch {
	case r.Revision != "":
		rev := r.Revision
		if r.Time != "" {
			rev += " " + r.Time
		}
		if r.Modified {
			rev += " (modified: uncommitted changes)"
		}
		row("revision", rev)
	default:
		row("revision", "unknown (not built inside a partgen checkout with VCS stamping)")
	}
	cgo := "cgo off"
	if r.Cgo {
		cgo = "cgo on"
	}
	row("go", r.Go+" "+r.Platform+", "+cgo)
	tags := r.Tags
	if tags == "" {
		tags = "none"
	}
	row("tags", tags)
	switch {
	case r.SQLiteErr != "":
		row("sqlite", r.SQLiteErr)
	default:
		s := r.SQLite
		if r.GoSQLite3 != "" {
			s += " (go-sqlite3 " + r.GoSQLite3 + ")"
		}
		if r.DBStat {
			s += ", dbstat compiled in: partgen status gives SQLite partitions their bytes"
		} else {
			s += ", no dbstat: partgen status leaves SQLite partition bytes empty (README, \"SQLite sizes\")"
		}
		row("sqlite", s)
	}
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print partgen's version, build and SQLite library",
		Long: `version prints the module version, the VCS revision the binary was built
from (and whether the checkout had uncommitted changes), the Go toolchain,
cgo and build tags, and the SQLite version linked in, with whether its
dbstat table (SQLite partition sizes in partgen status) is compiled in.
partgen --version prints the same.`,
		Args: argsNone,
		RunE: func(cmd *cobra.Command, args []string) error {
			readBuild().write(cmd.OutOrStdout())
			return nil
		},
	}
}

// setVersion gives the root command --version, printing what the version
// subcommand prints. The report is computed only when asked for.
func setVersion(root *cobra.Command) {
	root.Version = "set" // non-empty: cobra adds --version
	cobra.AddTemplateFunc("partgenBuild", func() string {
		var b strings.Builder
		readBuild().write(&b)
		return b.String()
	})
	root.SetVersionTemplate(`{{partgenBuild}}`)
}
