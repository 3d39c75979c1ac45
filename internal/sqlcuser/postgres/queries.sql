-- name: RecordLogin :exec
INSERT INTO logins (id, account_id, at, ip) VALUES ($1, $2, $3, $4);

-- name: LoginsOfAccount :many
SELECT l.id, l.at, l.ip FROM logins l
WHERE l.account_id = $1 AND l.at >= $2 AND l.at < $3
ORDER BY l.at;

-- name: LoginsWithEmail :many
SELECT logins.id, logins.at, accounts.email
FROM logins JOIN accounts ON accounts.id = logins.account_id
WHERE logins.at >= $1 AND logins.at < $2;

-- name: CountLogins :one
SELECT count(*) FROM logins WHERE at >= $1 AND at < $2;

-- name: ViewsWithLogin :many
SELECT page_views.path, logins.ip
FROM page_views JOIN logins ON logins.account_id = page_views.account_id
WHERE page_views.seen_at >= $1 AND page_views.seen_at < $2 AND logins.at >= $1 AND logins.at < $2;


-- name: LoginsInRange :many
SELECT * FROM logins WHERE at >= $1 AND at < $2 ORDER BY at, id;

-- name: PageViewsOf :many
SELECT * FROM page_views WHERE account_id = $1 AND seen_at >= $2 AND seen_at < $3 ORDER BY seen_at;

-- name: GetAccount :one
SELECT * FROM accounts WHERE id = $1;
