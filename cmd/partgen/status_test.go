package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/examples/marketdata/migrations"
	"github.com/partgen/partgen/internal/testdb"
)

const (
	examplePGSpec     = "../../examples/marketdata/migrations/postgres/partgen.yaml"
	exampleSQLiteSpec = "../../examples/marketdata/migrations/sqlite/partgen.yaml"
	exampleNowFlag    = "2026-11-26T12:00:00Z" // the example's pinned as-of date, at noon
)

// runPartgen runs the CLI in-process: exit code, stdout, stderr.
func runPartgen(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// sqliteExampleDB applies migrations/sqlite to a new file and returns its path.
func sqliteExampleDB(t *testing.T) string {
	t.Helper()
	db, path := testdb.SQLite(t)
	sub, err := fs.Sub(migrations.SQLite, "sqlite")
	testdb.Must(t, "sub", err)
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "goose", err)
	_, err = p.Up(context.Background())
	testdb.Must(t, "goose up", err)
	return path
}

func TestStatusExitCodesSQLite(t *testing.T) {
	t.Setenv(envDatabaseURL, "")
	path := sqliteExampleDB(t)
	db := "sqlite:" + path
	for _, tc := range []struct {
		name string
		now  string
		code int
		want string
	}{
		{"ok", exampleNowFlag, 0, "partgen status: OK"},
		{"warning: one month left", "2027-01-15T00:00:00Z", 1, "runway_short"},
		{"critical: last month", "2027-02-10", 2, "runway_critical"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runPartgen(t, "status", "--db", db, "--config", exampleSQLiteSpec, "--as-of", tc.now)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want %d; stdout lacks %q?\n%s%s", code, tc.code, tc.want, out, errOut)
			}
			if errOut != "" {
				t.Errorf("stderr should be empty for a report: %q", errOut)
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		code, out, _ := runPartgen(t, "status", "--db", db, "-c", exampleSQLiteSpec, "--now", exampleNowFlag, "--format", "json")
		var doc struct {
			SchemaVersion int    `json:"schema_version"`
			Health        string `json:"health"`
			Tables        []struct {
				Name       string `json:"name"`
				Partitions []any  `json:"partitions"`
			} `json:"tables"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
			t.Fatalf("exit %d, parse %v:\n%s", code, err, out)
		}
		if doc.SchemaVersion != 1 || doc.Health != "ok" || len(doc.Tables) != 2 || len(doc.Tables[0].Partitions) != 14 {
			t.Errorf("%+v", doc)
		}
	})
	t.Run("prometheus", func(t *testing.T) {
		code, out, _ := runPartgen(t, "status", "--db", db, "-c", exampleSQLiteSpec, "--now", "2027-02-10", "--format", "prometheus")
		if code != 2 || !strings.Contains(out, "\npartgen_health 2\n") || !strings.Contains(out, `partgen_runway_periods{table="market_data"} 0`) {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	// Issue 14 (5): a spec whose migrations folder is missing must not make
	// a monitor lose the pending and out-of-order checks in silence.
	t.Run("folder not read", func(t *testing.T) {
		data, err := os.ReadFile(exampleSQLiteSpec)
		testdb.Must(t, "read spec", err)
		spec := filepath.Join(t.TempDir(), "partgen.yaml")
		text := regexp.MustCompile(`(?m)^migrations: .*$`).ReplaceAllString(string(data), "migrations: nowhere")
		testdb.Must(t, "write spec", os.WriteFile(spec, []byte(text), 0o644))
		code, out, errOut := runPartgen(t, "status", "--db", db, "-c", spec, "--as-of", exampleNowFlag, "--format", "json")
		var doc struct {
			Health     string `json:"health"`
			Migrations struct {
				Folder      bool   `json:"folder"`
				FolderError string `json:"folder_error"`
			} `json:"migrations"`
			Problems []struct {
				Code string `json:"code"`
			} `json:"problems"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("exit %d, parse %v:\n%s%s", code, err, out, errOut)
		}
		if code != 1 || doc.Health != "warning" || doc.Migrations.Folder || !strings.Contains(doc.Migrations.FolderError, "nowhere") {
			t.Errorf("exit %d, %+v", code, doc)
		}
		found := false
		for _, p := range doc.Problems {
			found = found || p.Code == "folder_unread"
		}
		if !found {
			t.Errorf("no folder_unread problem: %+v", doc.Problems)
		}
	})
	t.Run("env fallback", func(t *testing.T) {
		t.Setenv(envDatabaseURL, db)
		if code, out, errOut := runPartgen(t, "status", "-c", exampleSQLiteSpec, "--now", exampleNowFlag); code != 0 {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
	})
}

func TestStatusExitCodesPostgres(t *testing.T) {
	t.Setenv(envDatabaseURL, "")
	db, dsn := testdb.Postgres(t)
	sub, err := fs.Sub(migrations.Postgres, "postgres")
	testdb.Must(t, "sub", err)
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "goose", err)
	_, err = p.Up(context.Background())
	testdb.Must(t, "goose up", err)

	for _, tc := range []struct {
		now  string
		code int
	}{{exampleNowFlag, 0}, {"2027-01-15", 1}, {"2027-02-10", 2}} {
		code, out, errOut := runPartgen(t, "status", "--db", dsn, "--config", examplePGSpec, "--now", tc.now, "--exact")
		if code != tc.code {
			t.Errorf("at %s: exit %d, want %d\n%s%s", tc.now, code, tc.code, out, errOut)
		}
	}
	_, err = db.Exec("INSERT INTO alert_log (instrument_id, raised_at, severity, message) VALUES (1, '2040-01-01 00:00:00+00', 'info', 'x')")
	testdb.Must(t, "insert", err)
	code, out, _ := runPartgen(t, "status", "--db", dsn, "--config", examplePGSpec, "--now", exampleNowFlag)
	if code != 1 || !strings.Contains(out, "rows in the default partition: 1") {
		t.Errorf("row in default: exit %d\n%s", code, out)
	}
}

func TestStatusCannotConnectExits3(t *testing.T) {
	t.Setenv(envDatabaseURL, "")
	garbage := filepath.Join(t.TempDir(), "garbage.db")
	if err := os.WriteFile(garbage, bytes.Repeat([]byte("not a database "), 512), 0o644); err != nil {
		t.Fatal(err)
	}
	// A database whose partgen_archive_log is not partgen's: connected, but
	// the report cannot be read.
	db, broken := testdb.SQLite(t)
	_, err := db.Exec("CREATE TABLE partgen_archive_log (id INTEGER PRIMARY KEY)")
	testdb.Must(t, "create", err)
	db.Close()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no such file", []string{"--db", "sqlite:" + filepath.Join(t.TempDir(), "none.db"), "--config", exampleSQLiteSpec}, "cannot open SQLite database"},
		{"not a database", []string{"--db", "sqlite:" + garbage, "--config", exampleSQLiteSpec}, "file is not a database"},
		{"unreadable archive log", []string{"--db", "sqlite:" + broken, "--config", exampleSQLiteSpec}, "cannot read " + broken + ": status: read partgen_archive_log"},
		{"closed port", []string{"--db", "postgres://root@127.0.0.1:1/none?sslmode=disable&connect_timeout=3", "--config", examplePGSpec}, "cannot connect to postgres://root@127.0.0.1:1/none"},
		{"password hidden", []string{"--db", "postgres://root:s3cret@127.0.0.1:1/none?sslmode=disable&connect_timeout=3", "--config", examplePGSpec}, "root:xxxxx@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runPartgen(t, append([]string{"status"}, tc.args...)...)
			if code != 3 || !strings.Contains(errOut, tc.want) || out != "" {
				t.Errorf("exit %d, want 3; stderr lacks %q?\nstdout:%s\nstderr:%s", code, tc.want, out, errOut)
			}
			if strings.Contains(errOut, "s3cret") {
				t.Errorf("password printed: %s", errOut)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), "none.db")); !os.IsNotExist(err) {
		t.Errorf("status created the missing database file")
	}
}

func TestStatusUsageErrorsExit2(t *testing.T) {
	t.Setenv(envDatabaseURL, "")
	path := sqliteExampleDB(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no database", []string{"--config", exampleSQLiteSpec}, "no database: pass --db"},
		{"bad format", []string{"--db", "sqlite:" + path, "--config", exampleSQLiteSpec, "--format", "xml"}, `--format "xml"`},
		{"bad scheme", []string{"--db", "mysql://x", "--config", exampleSQLiteSpec}, "write postgres://... or sqlite:PATH"},
		{"dialect mismatch", []string{"--db", "sqlite:" + path, "--config", examplePGSpec}, "is a postgres spec but --db is a SQLite database"},
		{"bad now", []string{"--db", "sqlite:" + path, "--config", exampleSQLiteSpec, "--now", "soon"}, "--now"},
		{"missing spec", []string{"--db", "sqlite:" + path, "--config", "nope.yaml"}, "nope.yaml: cannot read the spec"},
		{"argument", []string{"--db", "sqlite:" + path, "now"}, "takes no arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runPartgen(t, append([]string{"status"}, tc.args...)...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want 2; stderr lacks %q:\n%s", code, tc.want, errOut)
			}
		})
	}
	code, out, _ := runPartgen(t, "status", "--help")
	for _, want := range []string{"--db", "PARTGEN_DATABASE_URL", "--format", "--exact", "Exit codes", "2  critical, and also a usage or", "3  the database cannot be reached"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("status --help lacks %q", want)
		}
	}
}
