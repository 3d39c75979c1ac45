-- +goose Up
CREATE TABLE logins (user_id INTEGER NOT NULL, at TEXT NOT NULL, PRIMARY KEY (user_id, at));

-- +goose Down
DROP TABLE logins;
