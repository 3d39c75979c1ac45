package status_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/calendar"
	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/rules"
	"github.com/partgen/partgen/spec"
	"github.com/partgen/partgen/status"
)

// When the folder already holds the partgen files that fix a short runway
// or retire a partition past retention, status names them and says goose up
// applies them, instead of sending the reader to partgen generate; and
// applying them does clear the problem.
func TestAdviceNamesPendingFiles(t *testing.T) {
	for _, engine := range []struct {
		name    string
		open    func(*testing.T) *example
		dialect goose.Dialect
	}{
		{"postgres", postgresExample, goose.DialectPostgres},
		{"sqlite", sqliteExample, goose.DialectSQLite3},
	} {
		t.Run(engine.name, func(t *testing.T) {
			e := engine.open(t)
			src := "../examples/marketdata/migrations/" + engine.name
			at := func(s string) time.Time { return ts(s + "T12:00:00Z") }
			use := func(dir string) {
				var err error
				e.spec, err = spec.Load(filepath.Join(dir, "partgen.yaml"))
				testdb.Must(t, "spec", err)
				e.folder, err = folder.Read(dir)
				testdb.Must(t, "folder", err)
			}

			// The database has market_data through 2027-02. The committed
			// folder alone: the generic advice.
			r := e.report(at("2027-01-15"), false)
			msg := message(t, r, "market_data", rules.CodeRunwayShort)
			if !strings.Contains(msg, "run partgen generate") || strings.Contains(msg, "goose up applies") {
				t.Errorf("without pending files: %s", msg)
			}

			// generate for 2027-01-15 writes the file that makes March and
			// April; it is pending.
			jan := copyFolder(t, src)
			written := generateInto(t, jan, calendar.Date{Year: 2027, Month: time.January, Day: 15})
			create := fileNamed(t, written, "create_market_data")
			use(jan)
			msg = message(t, e.report(at("2027-01-15"), false), "market_data", rules.CodeRunwayShort)
			if !strings.Contains(msg, "goose up applies "+create+" (already in the folder), which extend(s) the partitions to 2027-05-01") ||
				strings.Contains(msg, "partgen generate") {
				t.Errorf("with %s pending: %s", create, msg)
			}
			// In late April nothing in the database covers now; the same
			// file would, but leaves less than a whole month: apply it, then
			// generate.
			msg = message(t, e.report(at("2027-04-20"), false), "market_data", rules.CodeRunwayExhausted)
			if !strings.Contains(msg, "goose up applies "+create) || !strings.Contains(msg, "then run partgen generate for the rest") {
				t.Errorf("late April, %s pending: %s", create, msg)
			}

			// Retention: on 2028-02-15 market_data_p2026_01 is past keep 24.
			feb := copyFolder(t, src)
			written = generateInto(t, feb, calendar.Date{Year: 2028, Month: time.February, Day: 15})
			retire := fileNamed(t, written, "market_data_p2026_01")
			r = e.report(at("2028-02-15"), false) // still the January folder
			msg = messageFor(t, r, "market_data", rules.CodeRetentionOverdue, "market_data_p2026_01")
			if !strings.Contains(msg, "run partgen generate and deploy the archive migration") {
				t.Errorf("without the retiring file: %s", msg)
			}
			use(feb)
			r = e.report(at("2028-02-15"), false)
			msg = messageFor(t, r, "market_data", rules.CodeRetentionOverdue, "market_data_p2026_01")
			if !strings.Contains(msg, "goose up applies "+retire+" (already in the folder), which retires it (archive)") {
				t.Errorf("with %s pending: %s", retire, msg)
			}
			msg = message(t, r, "market_data", rules.CodeRunwayExhausted)
			if !strings.Contains(msg, "goose up applies ") || strings.Contains(msg, "partgen generate") {
				t.Errorf("runway with the 2028 files pending: %s", msg)
			}

			// The advice is right: goose up clears both problems.
			gooseUp(t, e.sqlDB, engine.dialect, os.DirFS(feb))
			r = e.report(at("2028-02-15"), false)
			if c := codes(r, rules.SevWarning); c["market_data:retention_overdue"] > 0 || c["market_data:runway_exhausted"] > 0 || c["market_data:runway_short"] > 0 {
				t.Errorf("after goose up: %v", c)
			}
		})
	}
}

func fileNamed(t *testing.T, written []string, part string) string {
	t.Helper()
	for _, w := range written {
		if strings.Contains(filepath.Base(w), part) {
			return filepath.Base(w)
		}
	}
	t.Fatalf("no file named *%s* among %v", part, written)
	return ""
}

func message(t *testing.T, r *status.Report, table string, code rules.Code) string {
	t.Helper()
	return messageFor(t, r, table, code, "")
}

func messageFor(t *testing.T, r *status.Report, table string, code rules.Code, partition string) string {
	t.Helper()
	for _, p := range r.Problems {
		if p.Table == table && p.Code == code && (partition == "" || p.Partition == partition) {
			return p.Message
		}
	}
	t.Fatalf("no %s problem for %s %s among %+v", code, table, partition, r.Problems)
	return ""
}
