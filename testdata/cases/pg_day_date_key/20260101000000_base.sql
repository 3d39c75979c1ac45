-- +goose Up
CREATE TABLE events (
    id      bigint GENERATED ALWAYS AS IDENTITY,
    ts      date NOT NULL,
    payload text,
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX ON events (ts);

-- +goose Down
DROP TABLE events;
