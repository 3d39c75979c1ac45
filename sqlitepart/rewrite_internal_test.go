package sqlitepart

import "testing"

// Each statement as sqlc would send it for the views, and what runs on the
// partitions. sqlitepart_test.go runs every one of them on a real database.
var rewriteCases = []struct {
	name, query, want string
}{
	{"string literal equal to the table's name",
		`SELECT id FROM logins WHERE note = 'logins' OR note = 'FROM logins'`,
		`SELECT id FROM "logins_p2026_10" AS logins WHERE note = 'logins' OR note = 'FROM logins'`},
	{"alias equal to the table's name, on another table",
		`SELECT logins.id FROM users AS logins WHERE logins.name <> 'x'`,
		`SELECT logins.id FROM users AS logins WHERE logins.name <> 'x'`},
	{"alias equal to the table's name, on the table",
		`SELECT logins.id FROM logins AS logins`,
		`SELECT logins.id FROM "logins_p2026_10" AS logins`},
	{"alias of its own",
		`SELECT l.id, l.ts FROM logins l WHERE l.ts >= ?`,
		`SELECT l.id, l.ts FROM "logins_p2026_10" l WHERE l.ts >= ?`},
	{"qualified columns",
		`SELECT logins.id, logins.ts FROM logins WHERE logins.ts >= ? ORDER BY logins.ts`,
		`SELECT logins.id, logins.ts FROM "logins_p2026_10" AS logins WHERE logins.ts >= ? ORDER BY logins.ts`},
	{"a column named like the table",
		`SELECT count(*) AS logins FROM logins WHERE note <> ''`,
		`SELECT count(*) AS logins FROM "logins_p2026_10" AS logins WHERE note <> ''`},
	{"join of two partgen tables",
		`SELECT logins.id, sessions.id FROM logins JOIN sessions ON sessions.login_id = logins.id WHERE logins.ts >= ?`,
		`SELECT logins.id, sessions.id FROM "logins_p2026_10" AS logins JOIN "sessions_p2026_10" AS sessions ON sessions.login_id = logins.id WHERE logins.ts >= ?`},
	{"comma join with a plain table",
		`SELECT users.name, s.id FROM users, sessions s, logins WHERE s.login_id = logins.id AND users.id = logins.id`,
		`SELECT users.name, s.id FROM users, "sessions_p2026_10" s, "logins_p2026_10" AS logins WHERE s.login_id = logins.id AND users.id = logins.id`},
	{"left join with USING",
		`SELECT l.id FROM logins l LEFT JOIN users USING (id) WHERE users.id IS NULL`,
		`SELECT l.id FROM "logins_p2026_10" l LEFT JOIN users USING (id) WHERE users.id IS NULL`},
	{"quoted names",
		"SELECT \"logins\".id FROM \"logins\" JOIN [sessions] ON [sessions].login_id = \"logins\".id",
		"SELECT \"logins\".id FROM \"logins_p2026_10\" AS \"logins\" JOIN \"sessions_p2026_10\" AS [sessions] ON [sessions].login_id = \"logins\".id"},
	{"schema main",
		`SELECT id FROM main.logins`,
		`SELECT id FROM main."logins_p2026_10" AS logins`},
	{"subquery",
		`SELECT id FROM logins WHERE id IN (SELECT login_id FROM sessions WHERE started_at >= ?)`,
		`SELECT id FROM "logins_p2026_10" AS logins WHERE id IN (SELECT login_id FROM "sessions_p2026_10" AS sessions WHERE started_at >= ?)`},
	{"FROM subquery",
		`SELECT n FROM (SELECT count(*) AS n FROM logins) AS x`,
		`SELECT n FROM (SELECT count(*) AS n FROM "logins_p2026_10" AS logins) AS x`},
	{"common table expression named like the table",
		`WITH logins AS (SELECT id FROM users) SELECT id FROM logins`,
		`WITH logins AS (SELECT id FROM users) SELECT id FROM logins`},
	{"common table expression over the table",
		`WITH recent(id) AS (SELECT id FROM logins WHERE ts >= ?) SELECT count(*) FROM recent`,
		`WITH recent(id) AS (SELECT id FROM "logins_p2026_10" AS logins WHERE ts >= ?) SELECT count(*) FROM recent`},
	{"comments",
		"-- name: X :many\nSELECT id /* FROM logins */ FROM logins -- FROM logins\n",
		"-- name: X :many\nSELECT id /* FROM logins */ FROM \"logins_p2026_10\" AS logins -- FROM logins\n"},
	{"sqlc.slice",
		`SELECT id FROM logins WHERE note IN (/*SLICE:notes*/?)`,
		`SELECT id FROM "logins_p2026_10" AS logins WHERE note IN (/*SLICE:notes*/?)`},
	{"table-valued function",
		`SELECT logins.id, j.value FROM logins, json_each('[1,2]') AS j`,
		`SELECT logins.id, j.value FROM "logins_p2026_10" AS logins, json_each('[1,2]') AS j`},
	{"IS DISTINCT FROM",
		`SELECT id FROM logins WHERE note IS NOT DISTINCT FROM logins.note`,
		`SELECT id FROM "logins_p2026_10" AS logins WHERE note IS NOT DISTINCT FROM logins.note`},
	{"union",
		`SELECT id FROM logins UNION ALL SELECT id FROM users`,
		`SELECT id FROM "logins_p2026_10" AS logins UNION ALL SELECT id FROM users`},
	{"insert",
		`INSERT INTO logins (id, ts, note) VALUES (?, ?, ?)`,
		`INSERT INTO "logins_p2026_10" AS logins (id, ts, note) VALUES (?, ?, ?)`},
	{"insert without a space before the columns",
		`INSERT INTO logins(id, ts) VALUES (?, ?)`,
		`INSERT INTO "logins_p2026_10" AS logins(id, ts) VALUES (?, ?)`},
	{"insert or replace, select",
		`INSERT OR REPLACE INTO logins (id, ts, note) SELECT id, ?, name FROM users`,
		`INSERT OR REPLACE INTO "logins_p2026_10" AS logins (id, ts, note) SELECT id, ?, name FROM users`},
	{"upsert",
		`INSERT INTO logins (id, ts, note) VALUES (?, ?, ?) ON CONFLICT (id, ts) DO UPDATE SET note = excluded.note WHERE logins.note <> excluded.note`,
		`INSERT INTO "logins_p2026_10" AS logins (id, ts, note) VALUES (?, ?, ?) ON CONFLICT (id, ts) DO UPDATE SET note = excluded.note WHERE logins.note <> excluded.note`},
	{"update",
		`UPDATE logins SET note = ? WHERE logins.id = ? AND ts = ?`,
		`UPDATE "logins_p2026_10" AS logins SET note = ? WHERE logins.id = ? AND ts = ?`},
	{"update or ignore, from",
		`UPDATE OR IGNORE logins SET note = users.name FROM users WHERE users.id = logins.id`,
		`UPDATE OR IGNORE "logins_p2026_10" AS logins SET note = users.name FROM users WHERE users.id = logins.id`},
	{"delete",
		`DELETE FROM logins WHERE id = ? AND note = 'logins'`,
		`DELETE FROM "logins_p2026_10" AS logins WHERE id = ? AND note = 'logins'`},
	{"a table that is not routed",
		`SELECT name FROM users WHERE id = ?`,
		`SELECT name FROM users WHERE id = ?`},
}

func TestRewrite(t *testing.T) {
	routes := []route{{"logins", "logins_p2026_10"}, {"sessions", "sessions_p2026_10"}}
	for _, c := range rewriteCases {
		t.Run(c.name, func(t *testing.T) {
			if got := rewrite(c.query, routes); got != c.want {
				t.Errorf("rewrite(%q)\n got: %s\nwant: %s", c.query, got, c.want)
			}
		})
	}
}

// A view a statement does not route to is read whole; a temp table of the
// view's name is another table.
func TestRewriteLeavesOtherReferences(t *testing.T) {
	routes := []route{{"logins", "logins_p2026_10"}}
	for _, q := range []string{
		`SELECT id FROM sessions`,
		`SELECT id FROM temp.logins`,
		`SELECT 'FROM logins' AS x`,
		`SELECT id FROM 'logins'`,
	} {
		if got := rewrite(q, routes); got != q {
			t.Errorf("rewrite(%q) = %q, want it unchanged", q, got)
		}
	}
}
