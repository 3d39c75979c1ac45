-- +goose Up
CREATE TABLE logins (id INTEGER PRIMARY KEY, at TEXT NOT NULL);

-- +goose Down
DROP TABLE logins;
