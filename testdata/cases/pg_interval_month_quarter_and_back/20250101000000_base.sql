-- +goose Up
CREATE TABLE pings (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);

-- +goose Down
DROP TABLE pings;
