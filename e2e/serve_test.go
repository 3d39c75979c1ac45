package e2e

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/examples/marketdata/migrations"
	"github.com/partgen/partgen/internal/testdb"
)

const (
	examplePGSpec     = "../examples/marketdata/migrations/postgres/partgen.yaml"
	exampleSQLiteSpec = "../examples/marketdata/migrations/sqlite/partgen.yaml"
)

// served is a running `partgen serve` process.
type served struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string // http://127.0.0.1:PORT
	mu   sync.Mutex
	log  strings.Builder // its stderr
	done chan error
}

var listeningRE = regexp.MustCompile(`msg="partgen serve listening" url=(http://\S+)/ `)

// startServe runs partgen serve on a free port and waits for its
// "listening" line. The process is killed at the end of the test if it
// still runs.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	s := &served{t: t, done: make(chan error, 1)}
	s.cmd = exec.Command(partgenBin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	s.cmd.Env = append(os.Environ(), "PARTGEN_DATABASE_URL=")
	stderr, err := s.cmd.StderrPipe()
	testdb.Must(t, "stderr pipe", err)
	testdb.Must(t, "start partgen serve", s.cmd.Start())
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		s.done <- s.cmd.Wait()
	}()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	select {
	case s.url = <-found:
	case err := <-s.done:
		t.Fatalf("partgen serve exited before listening: %v\n%s", err, s.stderr())
	case <-time.After(time.Minute):
		t.Fatalf("partgen serve did not listen within a minute:\n%s", s.stderr())
	}
	return s
}

func (s *served) stderr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

func (s *served) get(path string) (int, string) {
	s.t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		s.t.Fatalf("GET %s: %v\n%s", path, err, s.stderr())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	testdb.Must(s.t, "read "+path, err)
	return resp.StatusCode, string(b)
}

// signal stops the process and returns its exit error (nil for exit 0).
func (s *served) signal(sig os.Signal) error {
	s.t.Helper()
	testdb.Must(s.t, "signal", s.cmd.Process.Signal(sig))
	select {
	case err := <-s.done:
		return err
	case <-time.After(time.Minute):
		s.t.Fatalf("partgen serve still runs a minute after %v:\n%s", sig, s.stderr())
	}
	return nil
}

// await polls until cond holds; the bound is generous and only ends a
// test that would otherwise hang.
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting for %s", what)
}

func gooseUpFS(t *testing.T, db *sql.DB, d goose.Dialect, fsys fs.FS, dir string) {
	t.Helper()
	sub, err := fs.Sub(fsys, dir)
	testdb.Must(t, "sub", err)
	p, err := goose.NewProvider(d, db, sub, goose.WithLogger(goose.NopLogger()))
	testdb.Must(t, "goose", err)
	_, err = p.Up(context.Background())
	testdb.Must(t, "goose up", err)
}

// sqliteExampleDB applies the example's SQLite folder to a new file.
func sqliteExampleDB(t *testing.T) string {
	t.Helper()
	db, path := testdb.SQLite(t)
	gooseUpFS(t, db, goose.DialectSQLite3, migrations.SQLite, "sqlite")
	db.Close()
	return path
}

// SIGTERM and SIGINT stop serve cleanly: exit 0, after its last words.
func TestServeStopsOnSignal(t *testing.T) {
	path := sqliteExampleDB(t)
	for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGINT} {
		s := startServe(t, "--db", "sqlite:"+path, "--config", exampleSQLiteSpec)
		if code, body := s.get("/metrics"); code != 200 || !strings.Contains(body, "\npartgen_up 1\n") {
			t.Fatalf("/metrics %d:\n%s\n%s", code, body, s.stderr())
		}
		if err := s.signal(sig); err != nil {
			t.Errorf("after %v: %v (want exit 0)\n%s", sig, err, s.stderr())
		}
		if log := s.stderr(); !strings.Contains(log, `msg="partgen serve stopping"`) || !strings.Contains(log, `msg="partgen serve stopped"`) {
			t.Errorf("after %v the log lacks its last words:\n%s", sig, log)
		}
	}
}

func TestServeUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", exampleSQLiteSpec}, "no database: pass --db"},
		{[]string{"--db", "mysql://x", "--config", exampleSQLiteSpec}, "write postgres://... or sqlite:PATH"},
		{[]string{"--db", "sqlite:x.db", "--config", examplePGSpec}, "is a postgres spec but the database is sqlite"},
		{[]string{"--db", "sqlite:x.db", "--config", exampleSQLiteSpec, "--min-interval", "0s"}, "must be positive"},
	} {
		out, err := partgen(t, []string{"PARTGEN_DATABASE_URL="}, append([]string{"serve"}, tc.args...)...)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("serve %v: %v, want exit 2 and %q:\n%s", tc.args, err, tc.want, out)
		}
	}
	// A port taken is exit 1, said plainly.
	s := startServe(t, "--db", "sqlite:x.db", "--config", exampleSQLiteSpec)
	u, _ := url.Parse(s.url)
	out, err := partgen(t, nil, "serve", "--db", "sqlite:x.db", "--config", exampleSQLiteSpec, "--listen", u.Host)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(out, "--listen "+u.Host) {
		t.Errorf("port taken: %v\n%s", err, out)
	}
}

// The database goes away and comes back while serve runs: PostgreSQL's is
// dropped and created again, SQLite's file is moved away and back. serve
// answers throughout: 503 from /healthz and partgen_up 0 while it is gone,
// then 200 and partgen_up 1.
func TestServeDatabaseGoesAwayAndBack(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		db, dsn := testdb.Postgres(t)
		gooseUpFS(t, db, goose.DialectPostgres, migrations.Postgres, "postgres")
		db.Close()
		s := startServe(t, "--db", dsn, "--config", examplePGSpec, "--min-interval", "10ms", "--timeout", "5s")
		goneAndBack(t, s, func() {
			u, _ := url.Parse(dsn)
			admin, err := sql.Open("pgx", testdb.AdminURL())
			testdb.Must(t, "admin", err)
			defer admin.Close()
			_, err = admin.Exec("DROP DATABASE " + strings.TrimPrefix(u.Path, "/") + " WITH (FORCE)")
			testdb.Must(t, "drop", err)
		}, func() {
			u, _ := url.Parse(dsn)
			admin, err := sql.Open("pgx", testdb.AdminURL())
			testdb.Must(t, "admin", err)
			defer admin.Close()
			_, err = admin.Exec("CREATE DATABASE " + strings.TrimPrefix(u.Path, "/"))
			testdb.Must(t, "create", err)
			db, err := sql.Open("pgx", dsn)
			testdb.Must(t, "open", err)
			defer db.Close()
			gooseUpFS(t, db, goose.DialectPostgres, migrations.Postgres, "postgres")
		})
	})
	t.Run("sqlite", func(t *testing.T) {
		path := sqliteExampleDB(t)
		s := startServe(t, "--db", "sqlite:"+path, "--config", exampleSQLiteSpec, "--min-interval", "10ms")
		goneAndBack(t, s, func() {
			testdb.Must(t, "move away", os.Rename(path, path+".away"))
		}, func() {
			testdb.Must(t, "move back", os.Rename(path+".away", path))
		})
		if _, err := os.Stat(path + ".away"); !os.IsNotExist(err) {
			t.Errorf("serve left a file behind")
		}
	})
}

func goneAndBack(t *testing.T, s *served, away, back func()) {
	t.Helper()
	if code, body := s.get("/healthz"); code != 200 {
		t.Fatalf("/healthz before: %d %s\n%s", code, body, s.stderr())
	}
	away()
	await(t, "/healthz 503", func() bool { code, _ := s.get("/healthz"); return code == 503 })
	code, body := s.get("/metrics")
	if code != 200 || !strings.Contains(body, "\npartgen_up 0\n") || !strings.Contains(body, "partgen_last_error_info{error=") ||
		!strings.Contains(body, `partgen_runway_periods{table="market_data"}`) {
		t.Errorf("/metrics while the database is away: %d\n%s", code, body)
	}
	if code, body := s.get("/"); code != 200 || !strings.Contains(body, `role="alert">the latest read failed`) {
		t.Errorf("/ while the database is away: %d", code)
	}
	back()
	await(t, "/healthz 200", func() bool { code, _ := s.get("/healthz"); return code == 200 })
	if code, body := s.get("/metrics"); code != 200 || !strings.Contains(body, "\npartgen_up 1\n") || strings.Contains(body, "partgen_last_error_info{") {
		t.Errorf("/metrics after the database came back: %d\n%s", code, body)
	}
	if log := s.stderr(); !strings.Contains(log, `msg="cannot read the database"`) || !strings.Contains(log, `msg="the database can be read again"`) {
		t.Errorf("the log does not tell the story:\n%s", log)
	}
	if err := s.signal(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
}
