package generator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockFolder takes an exclusive lock on the folder for one read-plan-write
// cycle, so two partgen runs on one folder (two go generate processes, an
// editor hook and a terminal) never both write: the second one waits, then
// finds the files the first wrote and writes nothing.
//
// The lock is taken on the directory itself, so a run that fails leaves no
// file behind.
func LockFolder(dir string) (unlock func(), err error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return nil, &SpecError{File: dir, Msg: "the migrations folder is a file", Fix: "point `migrations:` at the goose folder"}
	}
	f, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &SpecError{File: dir, Msg: "the migrations folder does not exist",
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

// Write puts the plan's files into the folder. Each file is written to a
// temporary name that goose ignores, synced, and renamed into place only when
// every file of the plan has been written, so an interrupted run leaves no
// partial migration behind.
func (p *Plan) Write() ([]string, error) {
	dir := p.Folder.Dir
	removeStaleTemps(dir)
	type pending struct{ tmp, final string }
	var done []pending
	cleanup := func() {
		for _, d := range done {
			os.Remove(d.tmp)
		}
	}
	for _, f := range p.Files {
		final := filepath.Join(dir, f.Name)
		if _, err := os.Stat(final); err == nil {
			cleanup()
			return nil, fmt.Errorf("%s already exists; partgen never overwrites a migration", final)
		}
		tmp, err := os.CreateTemp(dir, ".partgen-*.tmp")
		if err != nil {
			cleanup()
			return nil, err
		}
		done = append(done, pending{tmp.Name(), final})
		if _, err := tmp.Write(f.Body); err != nil {
			tmp.Close()
			cleanup()
			return nil, err
		}
		if err := tmp.Chmod(0o644); err != nil {
			tmp.Close()
			cleanup()
			return nil, err
		}
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			cleanup()
			return nil, err
		}
		if err := tmp.Close(); err != nil {
			cleanup()
			return nil, err
		}
	}
	if os.Getenv("PARTGEN_FAILPOINT") == "after-temp-files" {
		// The crash tests stop here, as a kill -9 between writing and renaming would.
		os.Exit(70)
	}
	var written []string
	for _, d := range done {
		if err := os.Rename(d.tmp, d.final); err != nil {
			cleanup()
			return written, err
		}
		written = append(written, d.final)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the renames durable
		d.Close()
	}
	return written, nil
}

// removeStaleTemps deletes temporary files an interrupted run left behind.
// The caller holds the folder lock, so no other run is writing them.
func removeStaleTemps(dir string) {
	stale, _ := filepath.Glob(filepath.Join(dir, ".partgen-*.tmp"))
	for _, f := range stale {
		os.Remove(f)
	}
}
