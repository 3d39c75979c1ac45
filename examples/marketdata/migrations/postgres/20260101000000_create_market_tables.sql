-- The example domain's parent tables. Written by hand, like any migration of
-- yours: partgen only adds partitions to them (see partgen.yaml beside this file).

-- +goose Up
CREATE TABLE market_data (
    instrument_id bigint        NOT NULL,
    ts            timestamptz   NOT NULL,
    price         numeric(18,8) NOT NULL,
    volume        bigint        NOT NULL,
    PRIMARY KEY (instrument_id, ts)
) PARTITION BY RANGE (ts);

CREATE INDEX market_data_ts_idx ON market_data (ts);

CREATE TABLE alert_log (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    instrument_id bigint      NOT NULL,
    raised_at     timestamptz NOT NULL,
    severity      text        NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    message       text        NOT NULL,
    PRIMARY KEY (id, raised_at)
) PARTITION BY RANGE (raised_at);

-- +goose Down
DROP TABLE alert_log;
DROP TABLE market_data;
