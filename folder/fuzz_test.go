package folder_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/partgen/partgen/folder"
	"github.com/partgen/partgen/spec"
)

// FuzzReadFolder: a partgen file with any content after the generated line
// never makes ReadFolder panic; a problem is a *SpecError naming the file.
func FuzzReadFolder(f *testing.F) {
	f.Add([]byte("--\n-- partgen:partition op=create table=ev name=ev_p2026_11 from=2026-11-01T00:00:00Z to=2026-12-01T00:00:00Z\n-- partgen:checksum sha256=00\n\n-- +goose Up\nSELECT 1;\n"))
	f.Add([]byte("-- partgen:partition op=default table=s.ev name=ev_default\n"))
	f.Add([]byte("-- partgen:partition op=legacy table=ev name=ev_legacy to=2027-01-01T00:00:00Z\n"))
	f.Add([]byte("-- partgen:partition op=archive table=ev name=ev_legacy to=2027-01-01T00:00:00Z\n"))
	f.Add([]byte("-- partgen:partition op=archive table=ev name=ev_p2026_01 from=2026-01-01T00:00:00+05:30 to=2026-02-01T00:00:00+05:30\n"))
	f.Add([]byte("-- partgen:partition op=create table=ev name=x from=2026-12-01T00:00:00Z to=2026-11-01T00:00:00Z\n"))
	f.Add([]byte("-- partgen:partition op=create table=ev name=x from=yesterday\n"))
	f.Add([]byte("-- partgen:partition op=explode\n"))
	f.Add([]byte("-- partgen:partition noequals\n"))
	f.Add([]byte("-- +goose Up\n-- partgen:partition op=create\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "20261126000000_partgen_create_ev.sql")
		content := append([]byte(folder.GeneratedLine+"\n"), data...)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		mig, err := folder.Read(dir)
		if err != nil {
			var se *spec.Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SpecError", err, err)
			}
			if se.File != path || se.Fix == "" || se.Line < 1 {
				t.Fatalf("error does not name the file and line: %#v", se)
			}
			return
		}
		if len(mig.Files) != 1 || !mig.Files[0].Partgen || mig.Files[0].Version != 20261126000000 {
			t.Fatalf("folder %+v", mig)
		}
		mf := mig.Files[0]
		// CRLF line ends (a Windows checkout) count as the LF partgen wrote.
		if mf.Actual != folder.Checksum(bytes.ReplaceAll(content, []byte("\r\n"), []byte("\n"))) {
			t.Fatal("Actual is not the file's checksum")
		}
		for _, m := range mf.Markers {
			if m.Table == "" || m.Name == "" || m.Line < 2 {
				t.Fatalf("marker %+v", m)
			}
			if m.Op != folder.OpDefault && !m.From.Before(m.To) {
				t.Fatalf("marker %+v has from >= to", m)
			}
			mig.Partitions(m.Table)
			mig.HasTable(m.Table)
		}
	})
}
