-- +goose Up
CREATE SCHEMA app;
CREATE TABLE app.readings (
    id     bigserial,
    day    date NOT NULL,
    sensor text NOT NULL,
    value  double precision,
    CONSTRAINT readings_pkey PRIMARY KEY (id, day),
    UNIQUE (sensor, day, id)
);
ALTER TABLE app.readings REPLICA IDENTITY FULL;
CREATE PUBLICATION readings_pub FOR TABLE app.readings WITH (publish_via_partition_root = true);
INSERT INTO app.readings (day, sensor, value) SELECT date '2026-01-01' + i, 's' || (i % 3), i FROM generate_series(0, 300) i;

-- +goose Down
DROP PUBLICATION readings_pub;
DROP SCHEMA app CASCADE;
