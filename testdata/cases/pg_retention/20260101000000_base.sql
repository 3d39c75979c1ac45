-- +goose Up
CREATE TABLE ticks  (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL, v int NOT NULL, PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);
CREATE TABLE alerts (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL, v int NOT NULL, PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, ts timestamptz NOT NULL, v int NOT NULL, PRIMARY KEY (id, ts)) PARTITION BY RANGE (ts);
-- +goose Down
DROP TABLE events; DROP TABLE alerts; DROP TABLE ticks;
