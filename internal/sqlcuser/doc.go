// Package sqlcuser is a user's project in miniature, for partgen's tests
// of sqlc (e2e/sqlc_test.go): its own tables (logins, page_views, accounts),
// a goose folder per engine holding only the user's base migration and
// partgen.yaml, its own queries, and a sqlc.yaml whose schema is each goose
// folder, as README, "sqlc", tells users to write it. The test copies the
// folders, lets partgen write its files at three as-of dates (creation,
// retention, purge), runs the pinned sqlc after each, and requires the
// generated Go to equal what is committed here (pgdb, sqlitedb), byte for
// byte: sqlc's output does not change as partitions come and go
// (partgen_archive_log's file is the first of partgen's first run). The
// benchmarks (bench/sqlitepart_test.go) run the SQLite queries through
// package sqlitepart.
//
//	go test ./e2e -run TestSqlcOnAUsersFolder -update   # rewrites pgdb and sqlitedb
package sqlcuser
