//go:build libsqlite3

package sqlitecompat_test

import (
	"os"
	"regexp"
	"testing"
)

// With the libsqlite3 tag, go-sqlite3 links the system's libsqlite3; the
// version must be the one its header (libsqlite3-dev) declares.
func wantSQLiteVersion(t *testing.T) string {
	t.Helper()
	h, err := os.ReadFile("/usr/include/sqlite3.h")
	if err != nil {
		t.Fatalf("the libsqlite3 build needs libsqlite3-dev (apt-get install -y libsqlite3-dev): %v", err)
	}
	m := regexp.MustCompile(`(?m)^#define SQLITE_VERSION\s+"([0-9.]+)"`).FindSubmatch(h)
	if m == nil {
		t.Fatal("no SQLITE_VERSION in /usr/include/sqlite3.h")
	}
	return string(m[1])
}
