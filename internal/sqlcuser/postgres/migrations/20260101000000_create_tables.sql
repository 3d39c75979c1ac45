-- +goose Up
CREATE TABLE accounts (
    id    bigint PRIMARY KEY,
    email text   NOT NULL
);

CREATE TABLE logins (
    id         bigint      NOT NULL,
    account_id bigint      NOT NULL,
    at         timestamptz NOT NULL,
    ip         text        NOT NULL DEFAULT '',
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE INDEX logins_account_idx ON logins (account_id, at);

CREATE TABLE page_views (
    account_id bigint      NOT NULL,
    path       text        NOT NULL,
    seen_at    timestamptz NOT NULL
) PARTITION BY RANGE (seen_at);

-- +goose Down
DROP TABLE page_views;
DROP TABLE logins;
DROP TABLE accounts;
