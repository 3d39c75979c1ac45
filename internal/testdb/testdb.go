// Package testdb gives tests a fresh database of their own on the real
// engines: a new PostgreSQL database on the local server (dropped at the
// end), or a new SQLite file. A PostgreSQL test that cannot reach the server
// fails; it never skips, so a green CI always means the SQL really ran.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "github.com/mattn/go-sqlite3"    // registers "sqlite3"
)

// AdminURL is the server tests create their databases on. Override it with
// PARTGEN_TEST_POSTGRES.
func AdminURL() string {
	if u := os.Getenv("PARTGEN_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://root@127.0.0.1:5432/test?sslmode=disable"
}

// Postgres creates an empty database for the test and returns a pool on it
// and its URL. The database is dropped when the test ends.
func Postgres(t testing.TB) (*sql.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", AdminURL())
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer admin.Close()
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("testdb: cannot reach PostgreSQL at %s: %v\n"+
			"start it (pg_ctlcluster --skip-systemctl-redirect 15 main start) or set PARTGEN_TEST_POSTGRES", AdminURL(), err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "partgen_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	// Test databases are thrown away: do not wait for the disk at each commit.
	if _, err := admin.ExecContext(ctx, "ALTER DATABASE "+name+" SET synchronous_commit = off"); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	u, _ := url.Parse(AdminURL())
	u.Path = "/" + name
	dsn := u.String()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		admin, err := sql.Open("pgx", AdminURL())
		if err != nil {
			return
		}
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})
	return db, dsn
}

// SQLite opens a new database file in the test's temporary directory.
func SQLite(t testing.TB) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "partgen.db")
	db, err := sql.Open("sqlite3", path+"?_foreign_keys=on&_busy_timeout=5000&_sync=OFF")
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db, path
}

// Must fails the test on error, naming what was being done.
func Must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Count returns a single integer query result.
func Count(t testing.TB, db *sql.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
