//go:build !sqlite_dbstat

package status_test

import (
	"testing"

	"github.com/partgen/partgen/status"
)

// Without the dbstat virtual table, bytes are unknown (null), never a guess.
func checkSQLiteBytes(t *testing.T, e *example, r *status.Report) {
	t.Helper()
	if r.BytesSource != "unavailable" {
		t.Fatalf("bytes source %q, want unavailable without -tags sqlite_dbstat", r.BytesSource)
	}
	for _, tb := range r.Tables {
		for _, p := range tb.Partitions {
			if p.Bytes != nil {
				t.Errorf("%s: bytes %d without dbstat", p.Name, *p.Bytes)
			}
		}
	}
}
