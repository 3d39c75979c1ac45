package bench

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	oscmd "os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/partgen/partgen/bench/results"
	"github.com/partgen/partgen/internal/testdb"
)

// machine describes where and at which commit the run measured: read off
// the machine, the git checkout, the servers and the drivers themselves,
// never written by hand. A value that cannot be read says why.
func machine() results.Meta {
	m := results.Meta{
		Command: command(os.Args[1:]),
		Cores:   runtime.NumCPU(),
		Go:      runtime.Version(),
		CPU:     firstField("/proc/cpuinfo", "model name"),
		Kernel:  strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
	}
	if kb, err := strconv.ParseFloat(strings.Fields(firstField("/proc/meminfo", "MemTotal") + " 0")[0], 64); err == nil {
		m.MemoryGB = kb / (1 << 20)
	}
	m.Commit, m.Dirty = gitState()
	m.PostgreSQL = postgresVersion()
	m.SQLite = sqliteVersion()
	m.Goose = "github.com/pressly/goose/v3 " + requireVersion("github.com/pressly/goose/v3")
	return m
}

// command is the benchmark binary's arguments as `go test` spells them,
// without the ones go test adds on its own and the output file.
func command(args []string) string {
	out := []string{"go test -tags sqlite_dbstat ./bench"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch name {
		case "test.paniconexit0", "test.timeout", "test.testlogfile", "test.gocoverdir":
			continue
		case "bench-json":
			if !hasValue {
				i++ // its value
			}
			continue
		}
		out = append(out, strings.Replace(a, "-test.", "-", 1))
	}
	return strings.Join(out, " ")
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return string(b)
}

// firstField is the value of the first "key : value" line of a /proc file.
func firstField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadAverage() string {
	f := strings.Fields(readFile("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}

// gitState is HEAD and the files that differ from it, leaving out the two
// files a run writes (its JSON and BENCHMARKS.md).
func gitState() (string, []string) {
	head, err := oscmd.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown (git rev-parse: " + err.Error() + ")", nil
	}
	out, _ := oscmd.Command("git", "status", "--porcelain", "--untracked-files=all").Output()
	var dirty []string
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if len(line) < 4 {
			continue
		}
		name := strings.TrimSpace(line[3:])
		if name == "BENCHMARKS.md" || name == "bench/results.json" {
			continue
		}
		dirty = append(dirty, name)
	}
	return strings.TrimSpace(string(head)), dirty
}

func postgresVersion() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", testdb.AdminURL())
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer db.Close()
	var version, buffers, walLevel string
	if err := db.QueryRowContext(ctx, `SELECT version(), current_setting('shared_buffers'), current_setting('wal_level')`).Scan(&version, &buffers, &walLevel); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	if i := strings.Index(version, " on "); i > 0 {
		version = version[:i]
	}
	return fmt.Sprintf("%s; shared_buffers %s, wal_level %s; test databases synchronous_commit = off (internal/testdb)", version, buffers, walLevel)
}

func sqliteVersion() string {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT sqlite_version()").Scan(&v); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return fmt.Sprintf("%s (github.com/mattn/go-sqlite3 %s, build tag sqlite_dbstat); files opened with _sync=OFF", v, requireVersion("github.com/mattn/go-sqlite3"))
}

// requireVersion is the version go.mod requires of a module (the test
// binary carries no dependency list of its own).
func requireVersion(module string) string {
	for _, line := range strings.Split(readFile("../go.mod"), "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && f[0] == module {
			return f[1]
		}
	}
	return "unknown"
}
