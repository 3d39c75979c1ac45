package generator

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteOption adjusts [Plan.Write].
type WriteOption func(*writeOptions)

type writeOptions struct {
	beforeRename func()
}

// BeforeRename calls hook once every file of the plan is written under its
// temporary name and before the first rename: where a crash test stops the
// process, as a kill -9 between writing and renaming would.
func BeforeRename(hook func()) WriteOption {
	return func(o *writeOptions) { o.beforeRename = hook }
}

// Write puts the plan's files into the folder and returns their paths.
// Each file is written to a temporary name that goose ignores, synced, and
// renamed into place only when every file of the plan has been written, so
// an interrupted run leaves no partial migration behind. It never
// overwrites a file.
func (p *Plan) Write(opts ...WriteOption) ([]string, error) {
	var o writeOptions
	for _, opt := range opts {
		opt(&o)
	}
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
	if o.beforeRename != nil {
		o.beforeRename()
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
