-- name: RecordLogin :exec
INSERT INTO logins (id, account_id, at, ip) VALUES (?, ?, ?, ?);

-- name: LoginsOfAccount :many
SELECT l.id, l.at, l.ip FROM logins l
WHERE l.account_id = sqlc.arg(account_id) AND l.at >= sqlc.arg(from_at) AND l.at < sqlc.arg(to_at)
ORDER BY l.at;

-- name: LoginsWithEmail :many
SELECT logins.id, logins.at, accounts.email
FROM logins JOIN accounts ON accounts.id = logins.account_id
WHERE logins.at >= sqlc.arg(from_at) AND logins.at < sqlc.arg(to_at);

-- name: CountLogins :one
SELECT count(*) FROM logins WHERE at >= sqlc.arg(from_at) AND at < sqlc.arg(to_at);

-- name: ViewsWithLogin :many
SELECT page_views.path, logins.ip
FROM page_views JOIN logins ON logins.account_id = page_views.account_id
WHERE page_views.seen_at >= sqlc.arg(from_at) AND page_views.seen_at < sqlc.arg(to_at)
  AND logins.at >= sqlc.arg(from_at) AND logins.at < sqlc.arg(to_at);


-- name: LoginsInRange :many
SELECT * FROM logins WHERE at >= sqlc.arg(from_at) AND at < sqlc.arg(to_at) ORDER BY at, id;

-- name: PageViewsOf :many
SELECT * FROM page_views
WHERE account_id = sqlc.arg(account_id) AND seen_at >= sqlc.arg(from_at) AND seen_at < sqlc.arg(to_at)
ORDER BY seen_at;

-- name: GetAccount :one
SELECT * FROM accounts WHERE id = ?;
