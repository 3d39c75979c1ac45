-- +goose Up
CREATE TABLE sessions (
    id         INTEGER NOT NULL,
    started_at TEXT    NOT NULL,
    PRIMARY KEY (id, started_at)
);

-- +goose Down
DROP TABLE sessions;
