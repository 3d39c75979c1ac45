package folder

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/partgen/partgen/spec"
)

// Lock takes an exclusive lock on the folder for one read-plan-write
// cycle, so two partgen runs on one folder (two go generate processes, an
// editor hook and a terminal) never both write: the second one waits, then
// finds the files the first wrote and writes nothing.
//
// The lock is taken on the directory itself, so a run that fails leaves no
// file behind.
func Lock(dir string) (unlock func(), err error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, &spec.Error{File: dir, Msg: "the migrations folder is a file", Fix: "point `migrations:` at the goose folder"}
	}
	f, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &spec.Error{File: dir, Msg: "the migrations folder does not exist",
				Fix: "create it with your base migration, or correct `migrations:` in the spec"}
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
