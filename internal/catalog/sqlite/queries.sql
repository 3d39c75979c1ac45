-- name: SchemaObject :many
-- Status queries for SQLite, read by package status through
-- internal/db/sqlitedb. Partitions are emulated: the table's name is a view
-- over one table per period, and the goose folder's partgen markers say which
-- table covers which period.
--
-- SchemaObject: the table or view called name, if any, with its SQL: a view's SQL lists
-- the partitions attached to it, a table's SQL carries its bounds CHECK.
SELECT type, name, coalesce(sql, '') AS sql
FROM sqlite_schema
WHERE name = sqlc.arg(name) AND type IN ('table', 'view');

-- name: TableBytes :one
-- Pages of a table and of its indexes (the primary key's automatic index
-- included). Needs the dbstat virtual table (build tag sqlite_dbstat).
SELECT CAST(coalesce(sum(d.pgsize), 0) AS INTEGER) AS bytes
FROM dbstat d
WHERE d.name = sqlc.arg(name)
   OR d.name IN (SELECT s.name FROM sqlite_schema s WHERE s.type = 'index' AND s.tbl_name = sqlc.arg(name));

-- name: DatabaseBytes :one
-- The whole database file as SQLite sees it: always available.
SELECT CAST((SELECT page_count FROM pragma_page_count) * (SELECT page_size FROM pragma_page_size) AS INTEGER) AS bytes;

-- name: ArchiveLogExists :one
SELECT count(*) > 0 AS present FROM sqlite_schema WHERE type = 'table' AND name = 'partgen_archive_log';

-- name: ArchiveLog :many
SELECT id, parent_table, partition_name, lower_bound, upper_bound, action,
       archived_as, row_count, total_bytes, migration_version, archived_at
FROM partgen_archive_log
ORDER BY id;

-- name: GooseTableExists :one
SELECT count(*) > 0 AS present FROM sqlite_schema WHERE type = 'table' AND name = 'goose_db_version';

-- name: AppliedVersions :many
-- goose's latest row per version decides; version 0 is goose's bootstrap row.
SELECT g.version_id, g.tstamp
FROM goose_db_version g
WHERE g.id = (SELECT max(l.id) FROM goose_db_version l WHERE l.version_id = g.version_id)
  AND g.is_applied AND g.version_id > 0
ORDER BY g.version_id;
