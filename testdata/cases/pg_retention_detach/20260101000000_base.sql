-- +goose Up
CREATE TABLE sessions (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    started_at timestamptz NOT NULL,
    PRIMARY KEY (id, started_at)
) PARTITION BY RANGE (started_at);

-- +goose Down
DROP TABLE sessions;
