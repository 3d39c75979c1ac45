-- The example domain's tables on SQLite. Written by hand as ordinary tables:
-- partgen learns their columns by replaying this folder, and its first
-- migration for each table turns it into emulated partitions (see partgen.yaml).

-- +goose Up
CREATE TABLE market_data (
    instrument_id INTEGER NOT NULL,
    ts            TEXT    NOT NULL,
    price         REAL    NOT NULL,
    volume        INTEGER NOT NULL,
    PRIMARY KEY (instrument_id, ts)
);

CREATE INDEX market_data_ts_idx ON market_data (ts);

CREATE TABLE alert_log (
    id            INTEGER NOT NULL,
    instrument_id INTEGER NOT NULL,
    raised_at     TEXT    NOT NULL,
    severity      TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    message       TEXT    NOT NULL,
    PRIMARY KEY (id, raised_at)
);

CREATE INDEX alert_log_instrument_idx ON alert_log (instrument_id, raised_at);

-- +goose Down
DROP TABLE alert_log;
DROP TABLE market_data;
