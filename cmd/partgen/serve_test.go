package main

import (
	"strings"
	"testing"
)

// serve's own behaviour is tested in serve/ and, as a process, in e2e/.
func TestServeHelpAndUsage(t *testing.T) {
	code, out, _ := runPartgen(t, "serve", "--help")
	for _, want := range []string{"/metrics", "/status.json", "/healthz", "--min-interval", "--listen", "127.0.0.1:9187", "PARTGEN_DATABASE_URL", "SIGTERM"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
	t.Setenv(envDatabaseURL, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", exampleSQLiteSpec}, "no database"},
		{[]string{"--db", "sqlite:x.db", "--config", "nope.yaml"}, "nope.yaml: cannot read the spec"},
		{[]string{"--db", "sqlite:x.db", "--config", exampleSQLiteSpec, "--timeout", "-1s"}, "must be positive"},
		{[]string{"--db", "sqlite:x.db", "extra"}, "takes no arguments"},
	} {
		if code, _, errOut := runPartgen(t, append([]string{"serve"}, tc.args...)...); code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("serve %v: exit %d, want 2 and %q: %s", tc.args, code, tc.want, errOut)
		}
	}
}
