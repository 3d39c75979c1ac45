-- +goose Up
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY, placed_at timestamptz NOT NULL, PRIMARY KEY (id, placed_at));
-- +goose Down
DROP TABLE orders;
