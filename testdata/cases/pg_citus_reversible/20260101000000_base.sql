-- +goose Up
CREATE TABLE ticks  (instrument_id bigint NOT NULL, ts timestamptz NOT NULL, v int NOT NULL DEFAULT 0) PARTITION BY RANGE (ts);
CREATE TABLE alerts (instrument_id bigint NOT NULL, ts timestamptz NOT NULL) PARTITION BY RANGE (ts);
CREATE TABLE local_notes (ts timestamptz NOT NULL, note text) PARTITION BY RANGE (ts);
-- On a Citus coordinator ticks and alerts would be distributed here
-- (create_distributed_table); local_notes stays a coordinator table.

-- +goose Down
DROP TABLE local_notes;
DROP TABLE alerts;
DROP TABLE ticks;
