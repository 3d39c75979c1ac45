package pgschema

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/spec"
)

// Source is one migration to replay: its base name, goose version and
// text. Go marks a Go migration, whose effect the reader cannot see.
type Source struct {
	Name    string
	Version int64
	SQL     string
	Go      bool
}

// Read replays the Up sections of the folder's migrations that partgen did
// not write, in version order. An unreadable file is an [*spec.Error]; SQL
// the reader cannot follow is not an error but an [Table.Unknown] or a
// [Catalog.Opaque] note.
func Read(mig *folder.Folder) (*Catalog, error) {
	var srcs []Source
	for _, f := range mig.Files {
		if f.Partgen {
			continue
		}
		s := Source{Name: f.Name, Version: f.Version}
		if filepath.Ext(f.Name) == ".go" {
			s.Go = true
		} else {
			data, err := os.ReadFile(f.Path)
			if err != nil {
				return nil, &spec.Error{File: f.Path, Msg: fmt.Sprintf("cannot read: %v", err), Fix: "check the file's permissions"}
			}
			s.SQL = string(data)
		}
		srcs = append(srcs, s)
	}
	return Replay(srcs), nil
}

// UpSection returns sql with everything outside goose's Up section blanked
// (newlines kept, every other byte a space), so that byte offsets, lines
// and columns stay those of the file. goose's rules: annotations are
// comment lines `-- +goose Up` and `-- +goose Down`; text before Up and
// from Down on is not part of the Up migration. ok is false when the file
// has no Up annotation.
func UpSection(sql string) (string, bool) {
	b := []byte(sql)
	in, found := false, false
	start := 0
	for start < len(b) {
		end := start
		for end < len(b) && b[end] != '\n' {
			end++
		}
		switch annotation(string(b[start:end])) {
		case "up":
			in, found = true, true
			blank(b[start:end])
		case "down":
			in = false
		}
		if !in {
			blank(b[start:end])
		}
		start = end + 1
	}
	return string(b), found
}

func blank(b []byte) {
	for i := range b {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
}

// annotation is "up" or "down" for goose's section annotations, "" for
// any other line.
func annotation(line string) string {
	s := strings.TrimSpace(line)
	if !strings.HasPrefix(s, "--") {
		return ""
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "--"))
	f := strings.Fields(s)
	if len(f) < 2 || f[0] != "+goose" {
		return ""
	}
	switch strings.ToLower(f[1]) {
	case "up":
		return "up"
	case "down":
		return "down"
	}
	return ""
}
