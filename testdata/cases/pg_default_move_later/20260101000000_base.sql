-- +goose Up
CREATE TABLE readings (
    id       bigint GENERATED ALWAYS AS IDENTITY,
    taken_at timestamptz NOT NULL,
    value    double precision NOT NULL DEFAULT 0,
    total    double precision GENERATED ALWAYS AS (value * 2) STORED,
    PRIMARY KEY (id, taken_at)
) PARTITION BY RANGE (taken_at);

-- +goose Down
DROP TABLE readings;
