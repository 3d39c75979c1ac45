-- Queries of the example domain's repository (package repository) on
-- SQLite. They name the view (market_data, alert_log), which sqlc checks
-- against the goose folder; the repository runs the statements marked "per
-- partition" on one partition table at a time through package sqlitepart,
-- because a view's INSTEAD OF triggers cost about 3x on insert and a view
-- probes every partition on read.

-- name: InsertTick :exec
-- per partition
INSERT INTO market_data (instrument_id, ts, price, volume)
VALUES (sqlc.arg(instrument_id), sqlc.arg(ts), sqlc.arg(price), sqlc.arg(volume));

-- name: TicksInRange :many
-- per partition
SELECT instrument_id, ts, price, volume
FROM market_data
WHERE instrument_id = sqlc.arg(instrument_id) AND ts >= sqlc.arg(from_ts) AND ts < sqlc.arg(to_ts)
ORDER BY ts;

-- name: LatestTicks :many
-- per partition
SELECT instrument_id, CAST(max(ts) AS TEXT) AS ts
FROM market_data
WHERE ts >= sqlc.arg(since)
GROUP BY instrument_id;

-- name: TickAt :one
-- per partition
SELECT instrument_id, ts, price, volume
FROM market_data
WHERE instrument_id = sqlc.arg(instrument_id) AND ts = sqlc.arg(ts);

-- name: InstrumentStats :many
-- per partition
SELECT instrument_id,
       count(*)                     AS ticks,
       CAST(min(price) AS REAL)     AS low,
       CAST(max(price) AS REAL)     AS high,
       CAST(sum(volume) AS INTEGER) AS volume
FROM market_data
WHERE ts >= sqlc.arg(from_ts) AND ts < sqlc.arg(to_ts)
GROUP BY instrument_id;

-- name: InsertAlert :exec
-- per partition
INSERT INTO alert_log (id, instrument_id, raised_at, severity, message)
VALUES (sqlc.arg(id), sqlc.arg(instrument_id), sqlc.arg(raised_at), sqlc.arg(severity), sqlc.arg(message));

-- name: MaxAlertID :one
-- per partition
SELECT CAST(coalesce(max(id), 0) AS INTEGER) AS id FROM alert_log;

-- name: AlertsInRange :many
-- per partition
SELECT id, instrument_id, raised_at, severity, message
FROM alert_log
WHERE raised_at >= sqlc.arg(from_ts) AND raised_at < sqlc.arg(to_ts)
  AND severity IN (sqlc.slice(severities))
ORDER BY raised_at, id;
