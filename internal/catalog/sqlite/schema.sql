-- The schema partgen's status queries (queries.sql) compile against, for
-- sqlc: what SQLite, goose and partgen provide themselves. sqlc-only; no
-- migration applies this file.

-- partgen_archive_log, exactly as every partgen file creates it
-- (generator/templates/sqlite/view.tmpl; a test keeps the two equal).
CREATE TABLE IF NOT EXISTS partgen_archive_log (
    id                INTEGER PRIMARY KEY,
    parent_table      TEXT    NOT NULL,
    partition_name    TEXT    NOT NULL,
    lower_bound       TEXT    NOT NULL,
    upper_bound       TEXT    NOT NULL,
    action            TEXT    NOT NULL,
    archived_as       TEXT    NOT NULL,
    row_count         INTEGER NOT NULL,
    total_bytes       INTEGER,
    migration_version INTEGER NOT NULL,
    archived_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);

-- The schema table (sqlite_master before SQLite 3.33).
CREATE TABLE sqlite_schema (
    type     TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    tbl_name TEXT    NOT NULL,
    rootpage INTEGER NOT NULL,
    sql      TEXT
);

-- The DBSTAT virtual table: one row per page. Present only when SQLite is
-- compiled with SQLITE_ENABLE_DBSTAT_VTAB (go-sqlite3: build tag
-- sqlite_dbstat); otherwise a query fails with "no such table: dbstat".
CREATE TABLE dbstat (
    name       TEXT    NOT NULL,
    path       TEXT,
    pageno     INTEGER NOT NULL,
    pagetype   TEXT,
    ncell      INTEGER NOT NULL,
    payload    INTEGER NOT NULL,
    unused     INTEGER NOT NULL,
    mx_payload INTEGER NOT NULL,
    pgoffset   INTEGER,
    pgsize     INTEGER NOT NULL
);

-- The pragma table-valued functions, used by name without arguments.
CREATE TABLE pragma_page_count (page_count INTEGER NOT NULL);
CREATE TABLE pragma_page_size (page_size INTEGER NOT NULL);

-- goose creates this table on the first `goose up` (internal/dialects/sqlite3.go).
CREATE TABLE goose_db_version (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id INTEGER NOT NULL,
    is_applied INTEGER NOT NULL,
    tstamp     TIMESTAMP DEFAULT (datetime('now'))
);
