package folder

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// checksumByLines is Checksum's definition, line by line.
func checksumByLines(data []byte) string {
	h := sha256.New()
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		if bytes.HasPrefix(line, []byte(ChecksumPrefix)) {
			continue
		}
		h.Write(line)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// FuzzChecksum: Checksum hashes exactly what the line-by-line definition
// hashes, wherever checksum lines stand (first, last, without a newline,
// repeated, indented, or a prefix cut short).
func FuzzChecksum(f *testing.F) {
	for _, s := range []string{
		"",
		"\n",
		ChecksumPrefix,
		ChecksumPrefix + "abc",
		ChecksumPrefix + "abc\n",
		GeneratedLine + "\n-- header\n" + ChecksumPrefix + "0123\n\n-- +goose Up\nSELECT 1;\n",
		"a\n" + ChecksumPrefix + "1\n" + ChecksumPrefix + "2\nb\n" + ChecksumPrefix,
		" " + ChecksumPrefix + "indented\n",
		"x" + ChecksumPrefix + "\n\n" + ChecksumPrefix[:10] + "\n",
		"\n\n" + ChecksumPrefix + "\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := Checksum(data), checksumByLines(data); got != want {
			t.Fatalf("Checksum(%q) = %s, the line-by-line definition gives %s", data, got, want)
		}
	})
}
