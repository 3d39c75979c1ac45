-- +goose Up
CREATE TABLE logins (id INTEGER NOT NULL, at TEXT NOT NULL, PRIMARY KEY (id, at));

-- +goose Down
DROP TABLE logins;
