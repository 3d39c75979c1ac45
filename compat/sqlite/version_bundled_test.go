//go:build !libsqlite3

package sqlitecompat_test

import "testing"

// Without the libsqlite3 tag, go-sqlite3 v1.14.6 compiles the SQLite it
// bundles: 3.34.0, partgen's floor.
func wantSQLiteVersion(t *testing.T) string { return "3.34.0" }
