-- Queries of the example domain's repository (package repository) on
-- PostgreSQL. Writes and reads go to the partitioned parents: PostgreSQL
-- routes rows and prunes partitions itself.

-- name: InsertTick :exec
INSERT INTO market_data (instrument_id, ts, price, volume)
VALUES (sqlc.arg(instrument_id), sqlc.arg(ts), sqlc.arg(price), sqlc.arg(volume));

-- name: CopyTicks :copyfrom
INSERT INTO market_data (instrument_id, ts, price, volume)
VALUES (sqlc.arg(instrument_id), sqlc.arg(ts), sqlc.arg(price), sqlc.arg(volume));

-- name: TicksInRange :many
SELECT instrument_id, ts, price, volume
FROM market_data
WHERE instrument_id = sqlc.arg(instrument_id) AND ts >= sqlc.arg(from_ts) AND ts < sqlc.arg(to_ts)
ORDER BY ts;

-- name: LatestTicks :many
-- The newest tick of every instrument since a point in time; the lower
-- bound lets PostgreSQL skip older partitions.
SELECT DISTINCT ON (instrument_id) instrument_id, ts, price, volume
FROM market_data
WHERE ts >= sqlc.arg(since)
ORDER BY instrument_id, ts DESC;

-- name: InstrumentStats :many
SELECT instrument_id,
       count(*)::bigint        AS ticks,
       min(price)::float8      AS low,
       max(price)::float8      AS high,
       sum(volume)::bigint     AS volume
FROM market_data
WHERE ts >= sqlc.arg(from_ts) AND ts < sqlc.arg(to_ts)
GROUP BY instrument_id
ORDER BY instrument_id;

-- name: InsertAlert :one
INSERT INTO alert_log (instrument_id, raised_at, severity, message)
VALUES (sqlc.arg(instrument_id), sqlc.arg(raised_at), sqlc.arg(severity), sqlc.arg(message))
RETURNING id;

-- name: AlertsInRange :many
SELECT id, instrument_id, raised_at, severity, message
FROM alert_log
WHERE raised_at >= sqlc.arg(from_ts) AND raised_at < sqlc.arg(to_ts)
  AND severity = ANY (sqlc.arg(severities)::text[])
ORDER BY raised_at, id;

-- name: RangeBounds :many
-- The range partitions of a parent with their bounds as values (PostgreSQL
-- prints bounds in the session's own DateStyle and TimeZone, and parses
-- them back the same way), to name the key a rejected batch had no
-- partition for.
SELECT c.relname::text AS name,
       ((pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']*)''\)'))[1])::timestamptz AS lower_bound,
       ((pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']*)''\)'))[1])::timestamptz AS upper_bound
FROM pg_catalog.pg_inherits i
JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = sqlc.arg(parent)::text::regclass
  AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) LIKE 'FOR VALUES FROM%'
ORDER BY 2;
