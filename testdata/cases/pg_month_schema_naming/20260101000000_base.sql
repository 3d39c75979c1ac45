-- +goose Up
CREATE SCHEMA ticks;
CREATE TABLE ticks.events (
    id      bigint GENERATED ALWAYS AS IDENTITY,
    ts      timestamptz NOT NULL,
    payload text,
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX ON ticks.events (ts);

-- +goose Down
DROP TABLE ticks.events;
