-- +goose Up
CREATE TABLE orders (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    placed_at timestamptz NOT NULL DEFAULT now(),
    customer  text NOT NULL CHECK (customer <> ''),
    amount    numeric(12,2) NOT NULL DEFAULT 0,
    note      text,
    PRIMARY KEY (id, placed_at),
    CONSTRAINT amount_not_negative CHECK (amount >= 0)
);
CREATE INDEX orders_customer_idx ON orders (customer, placed_at DESC);
CREATE INDEX ON orders (placed_at) WHERE note IS NOT NULL;
COMMENT ON TABLE orders IS 'Orders, one row per order';
COMMENT ON COLUMN orders.amount IS 'In EUR';
GRANT SELECT ON orders TO PUBLIC;
ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_pkey;
INSERT INTO orders (placed_at, customer, amount) SELECT timestamptz '2025-06-01 00:00:00+00' + i * interval '1 day', 'c' || (i % 7), i FROM generate_series(0, 400) i;

-- +goose Down
DROP TABLE orders;
