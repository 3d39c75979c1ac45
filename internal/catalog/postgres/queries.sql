-- name: Relation :many
-- Status queries for PostgreSQL, read by package status through
-- internal/db/pgdb. Catalog tables are always qualified with pg_catalog.:
-- sqlc resolves unqualified names against the migrations only.
--
-- Relation: one row when name (quoted, optionally schema-qualified) resolves to a
-- relation on the search_path, none otherwise: a missing spec table is a
-- finding, not an error. relkind 'p' is a partitioned table.
SELECT c.relname::text   AS name,
       n.nspname::text   AS schema,
       c.relkind::text   AS relkind,
       c.relispartition  AS is_partition,
       c.reltuples::float8 AS reltuples,
       pg_catalog.pg_total_relation_size(c.oid)::bigint AS total_bytes
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = pg_catalog.to_regclass(sqlc.arg(name)::text);

-- name: Partitions :many
-- The direct partitions of a parent with their bound expression as
-- PostgreSQL prints it ("FOR VALUES FROM (...) TO (...)" or "DEFAULT"),
-- the planner's row estimate (-1: never analysed) and the on-disk size with
-- indexes and TOAST. pg_get_expr is wrapped in coalesce: sqlc types it as
-- non-null, and a partition that is still being attached has no bound yet.
-- Sizes: with exact, pg_total_relation_size, which opens every relation (on
-- a new session, 1,200 partitions and their indexes cost ~150 ms); without,
-- the pages of the table, its indexes and TOAST as of the last VACUUM or
-- ANALYZE, like reltuples, and pg_total_relation_size only for a partition
-- never analysed (CASE evaluates lazily).
SELECT c.relname::text   AS name,
       n.nspname::text   AS schema,
       coalesce(pg_catalog.pg_get_expr(c.relpartbound, c.oid), '')::text AS bound,
       c.reltuples::float8 AS reltuples,
       (CASE WHEN sqlc.arg(exact)::bool OR c.reltuples < 0
             THEN pg_catalog.pg_total_relation_size(c.oid)
             ELSE (c.relpages::bigint
                   + coalesce((SELECT sum(ic.relpages) FROM pg_catalog.pg_index x
                               JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
                               WHERE x.indrelid = c.oid), 0)
                   + coalesce((SELECT tc.relpages FROM pg_catalog.pg_class tc WHERE tc.oid = c.reltoastrelid), 0))
                  * pg_catalog.current_setting('block_size')::bigint
        END)::bigint AS total_bytes,
       i.inhdetachpending AS detach_pending
FROM pg_catalog.pg_inherits i
JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE i.inhparent = sqlc.arg(parent)::text::regclass
ORDER BY c.relname;

-- name: CountRows :one
-- An exact count(*) of one relation whose name is only known at run time.
-- A table name cannot be a bind parameter, so the statement is built by
-- format() from a regclass (which quotes it) and run by query_to_xml; the
-- single value comes back through xpath. Keeps every query of the report in
-- sqlc, typed, with no string concatenation in Go.
SELECT ((pg_catalog.xpath('/row/n/text()',
        pg_catalog.query_to_xml(pg_catalog.format('SELECT count(*) AS n FROM %s', sqlc.arg(rel)::text::regclass),
                                false, true, '')))[1])::text::bigint AS n;

-- name: ArchiveLogExists :one
SELECT (pg_catalog.to_regclass('partgen_archive_log') IS NOT NULL)::boolean AS present;

-- name: ArchiveLogHasRowsEstimated :one
-- rows_estimated arrived with a later partgen; a log no retention file of
-- that version has touched yet lacks it.
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
               WHERE attrelid = pg_catalog.to_regclass('partgen_archive_log')
                 AND attname = 'rows_estimated' AND NOT attisdropped)::boolean AS present;

-- name: ArchiveLog :many
SELECT id, parent_table, partition_name, lower_bound, upper_bound, action,
       archived_as, row_count, rows_estimated, total_bytes, migration_version, archived_at
FROM partgen_archive_log
ORDER BY id;

-- name: ArchiveLogWithoutEstimates :many
-- The log as partgen wrote it before rows_estimated: every count exact.
SELECT id, parent_table, partition_name, lower_bound, upper_bound, action,
       archived_as, row_count, total_bytes, migration_version, archived_at
FROM partgen_archive_log
ORDER BY id;

-- name: GooseTableExists :one
SELECT (pg_catalog.to_regclass('goose_db_version') IS NOT NULL)::boolean AS present;

-- name: AppliedVersions :many
-- goose's latest row per version decides (older goose wrote is_applied =
-- false rows on down; goose v3 deletes them). Version 0 is goose's own
-- bootstrap row.
SELECT version_id, tstamp
FROM (SELECT DISTINCT ON (version_id) version_id, is_applied, tstamp
      FROM goose_db_version
      ORDER BY version_id, id DESC) latest
WHERE is_applied AND version_id > 0
ORDER BY version_id;

-- name: PartitionKey :many
-- PartitionKey: one row for a partitioned table (none otherwise): its
-- strategy (r, l, h), number of key columns, PARTITION BY clause as
-- pg_get_partkeydef prints it, and its first key column and that column's
-- type ('' for an expression). status names a key other than the spec's.
SELECT pt.partstrat::text AS strategy,
       pt.partnatts::int AS key_columns,
       coalesce(pg_catalog.pg_get_partkeydef(pt.partrelid), '')::text AS definition,
       coalesce(a.attname::text, '')::text AS key_column,
       coalesce(pg_catalog.format_type(a.atttypid, NULL), '')::text AS key_type
FROM pg_catalog.pg_partitioned_table pt
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
WHERE pt.partrelid = pg_catalog.to_regclass(sqlc.arg(name)::text);

-- name: CitusInstalled :one
-- Citus keeps a distributed table's rows and bytes on its workers: the
-- coordinator's relation is an empty shell (pg_total_relation_size of a
-- distributed partition with 100 rows: 16 kB; citus_total_relation_size:
-- 160 kB, measured on Citus 13.2).
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus')::boolean AS installed;

-- name: CitusDistributed :many
-- The distributed relations (Citus's pg_dist_partition), by schema and
-- name. Only run when CitusInstalled: sqlc does not know Citus's catalog,
-- so the query runs through query_to_xml like CountRows.
SELECT n.nspname::text AS schema, c.relname::text AS name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid IN (SELECT (pg_catalog.unnest(pg_catalog.xpath('//row/r/text()',
                   pg_catalog.query_to_xml('SELECT logicalrelid::oid AS r FROM pg_dist_partition', false, false, ''))))::text::oid);

-- name: CitusTotalRelationSize :one
-- citus_total_relation_size of one distributed relation: its shards on the
-- workers, indexes included. Only run when CitusInstalled.
SELECT ((pg_catalog.xpath('/row/n/text()',
        pg_catalog.query_to_xml(pg_catalog.format('SELECT citus_total_relation_size(%L::regclass) AS n', sqlc.arg(rel)::text),
                                false, true, '')))[1])::text::bigint AS n;
