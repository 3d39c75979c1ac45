-- +goose Up
CREATE TABLE accounts (
    id    INTEGER PRIMARY KEY,
    email TEXT    NOT NULL
);

CREATE TABLE logins (
    id         INTEGER  NOT NULL,
    account_id INTEGER  NOT NULL,
    at         DATETIME NOT NULL,
    ip         TEXT     NOT NULL DEFAULT '',
    PRIMARY KEY (id, at)
);
CREATE INDEX logins_account_idx ON logins (account_id, at);

CREATE TABLE page_views (
    account_id INTEGER  NOT NULL,
    path       TEXT     NOT NULL,
    seen_at    DATETIME NOT NULL
);

-- +goose Down
DROP TABLE page_views;
DROP TABLE logins;
DROP TABLE accounts;
