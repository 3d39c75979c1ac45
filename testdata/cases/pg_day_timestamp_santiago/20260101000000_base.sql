-- +goose Up
CREATE TABLE visits (id bigint NOT NULL, visited_at timestamp NOT NULL) PARTITION BY RANGE (visited_at);

-- +goose Down
DROP TABLE visits;
