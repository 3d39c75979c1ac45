-- +goose Up
CREATE TABLE orders (id bigserial PRIMARY KEY, placed_at timestamptz NOT NULL);
-- +goose Down
DROP TABLE orders;
