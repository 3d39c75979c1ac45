-- +goose Up
CREATE TABLE ticks  (instrument_id bigint NOT NULL, ts timestamptz NOT NULL, v int NOT NULL DEFAULT 0) PARTITION BY RANGE (ts);
CREATE TABLE alerts (instrument_id bigint NOT NULL, ts timestamptz NOT NULL) PARTITION BY RANGE (ts);
CREATE TABLE events (instrument_id bigint NOT NULL, ts timestamptz NOT NULL) PARTITION BY RANGE (ts);
-- On a Citus coordinator the base migration would also distribute them:
-- SELECT create_distributed_table('ticks', 'instrument_id'); (and the others,
-- colocated). On plain PostgreSQL the files below apply unchanged.

-- +goose Down
DROP TABLE events;
DROP TABLE alerts;
DROP TABLE ticks;
