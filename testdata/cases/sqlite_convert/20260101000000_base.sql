-- +goose Up
CREATE TABLE market_data (
    instrument_id INTEGER NOT NULL,
    ts            TEXT    NOT NULL,
    price         REAL    NOT NULL,
    volume        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (instrument_id, ts)
);
CREATE INDEX market_data_ts_idx ON market_data (ts);
CREATE TABLE alert_log (
    id        INTEGER NOT NULL,
    raised_at TEXT    NOT NULL,
    severity  TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    message   TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (id, raised_at)
);
CREATE UNIQUE INDEX alert_by_message ON alert_log (message, raised_at);

-- +goose Down
DROP TABLE alert_log;
DROP TABLE market_data;
