package sqliteschema

import (
	"errors"

	"github.com/partgen/partgen/spec"
)

// ErrNoCgo is why a partgen built with CGO_ENABLED=0 cannot read or replay
// SQLite: go-sqlite3 compiles SQLite's C source, and without cgo it is a
// stub whose every call fails ("Binary was compiled with 'CGO_ENABLED=0',
// go-sqlite3 requires cgo to work").
var ErrNoCgo = errors.New("this partgen binary was built with CGO_ENABLED=0, and SQLite needs cgo: partgen reads SQLite through go-sqlite3, which compiles SQLite's C source")

// FixNoCgo is what to do about [ErrNoCgo].
const FixNoCgo = "rebuild partgen with cgo: CGO_ENABLED=1 and a C compiler (gcc or clang) on PATH, e.g. CGO_ENABLED=1 go install github.com/partgen/partgen/cmd/partgen@latest (go env CGO_ENABLED says what your go command uses)"

// unavailable is ErrNoCgo in a build without cgo (nocgo.go), else nil. A
// build constraint decides it, so no message of go-sqlite3's stub is parsed.
var unavailable error

// Available reports whether this build can open SQLite databases: nil, or
// [ErrNoCgo].
func Available() error { return unavailable }

// noCgo is the spec error of a SQLite folder met by a build without cgo.
func noCgo(dir string) error {
	return &spec.Error{File: dir, Msg: ErrNoCgo.Error(), Fix: FixNoCgo}
}
