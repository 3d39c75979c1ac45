// Package sqlitecompat tests what partgen writes for SQLite against the
// SQLite builds its users have, down to the declared floor, SQLite 3.34.0.
//
// It is a module of its own so that it can pin github.com/mattn/go-sqlite3
// v1.14.6, the release that bundles SQLite 3.34.0: inside the main module,
// minimal version selection would lift it to the main module's release. It
// never imports the main module; it builds the partgen binary from the
// repository root and drives it through its CLI, as a user would.
//
//	go test ./...                   SQLite 3.34.0, bundled by go-sqlite3 v1.14.6
//	go test -tags libsqlite3 ./...  the system's libsqlite3 (Debian 12: 3.40.1)
//
// Both runs also open the files with the system's sqlite3 shell and
// Python's sqlite3 module, and fail, never skip, when either is missing.
package sqlitecompat
