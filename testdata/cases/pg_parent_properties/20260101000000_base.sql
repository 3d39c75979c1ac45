-- +goose Up
CREATE TABLE tracking (
    id bigint      NOT NULL,
    ts timestamptz NOT NULL,
    UNIQUE (id, ts)
) PARTITION BY RANGE (ts) TABLESPACE partgen_case_slow_disk;
ALTER TABLE tracking REPLICA IDENTITY USING INDEX tracking_id_ts_key;

-- +goose Down
DROP TABLE tracking;
