//go:build sqlite_dbstat

package status_test

import (
	"testing"

	"github.com/partgen/partgen/internal/testdb"
	"github.com/partgen/partgen/status"
)

// With the dbstat virtual table (go test -tags sqlite_dbstat), every
// partition's bytes are its pages and its indexes' pages.
func checkSQLiteBytes(t *testing.T, e *example, r *status.Report) {
	t.Helper()
	if r.BytesSource != "dbstat" {
		t.Fatalf("bytes source %q, want dbstat in a sqlite_dbstat build", r.BytesSource)
	}
	for _, tb := range r.Tables {
		for _, p := range tb.Partitions {
			want := testdb.Count(t, e.sqlDB, `SELECT sum(pgsize) FROM dbstat
				WHERE name = ?1 OR name IN (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1)`, p.Name)
			if p.Bytes == nil || *p.Bytes != want || want <= 0 {
				t.Errorf("%s: bytes %v, want %d", p.Name, p.Bytes, want)
			}
		}
	}
	if busy, idle := partition(t, r, "market_data", "market_data_p2026_11"), partition(t, r, "market_data", "market_data_p2026_12"); *busy.Bytes <= *idle.Bytes {
		t.Errorf("1000 rows take %d bytes, an empty partition %d", *busy.Bytes, *idle.Bytes)
	}
}
