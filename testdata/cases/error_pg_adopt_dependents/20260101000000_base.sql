-- +goose Up
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint, placed_at timestamptz NOT NULL, customer bigint, PRIMARY KEY (id, placed_at));
CREATE TABLE shipments (order_id bigint, placed_at timestamptz, FOREIGN KEY (order_id, placed_at) REFERENCES orders (id, placed_at));
CREATE VIEW recent_orders AS SELECT * FROM orders WHERE placed_at > now() - interval '7 days';
CREATE VIEW gone AS SELECT * FROM orders;
DROP VIEW gone;
CREATE MATERIALIZED VIEW order_counts AS SELECT count(*) FROM orders;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_orders ON orders USING (customer = 1);
CREATE PUBLICATION orders_pub FOR TABLE orders;
-- +goose Down
DROP TABLE orders CASCADE;
