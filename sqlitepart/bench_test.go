package sqlitepart_test

import (
	"context"
	"testing"

	"github.com/partgen/partgen/sqlitepart"
)

// The cost of a lookup (one prepared PRAGMA schema_version and a binary
// search) and of a statement through the DBTX, against the same statement
// prepared by hand on the partition table.
func BenchmarkLookup(b *testing.B) {
	db, _ := testDB(b, "2026-10-15")
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	parts := sqlitepart.New(db)
	defer parts.Close()
	from, to := at("2026-10-05T00:00:00Z"), at("2026-10-06T00:00:00Z")
	b.Run("Overlapping", func(b *testing.B) {
		for b.Loop() {
			if _, err := parts.Overlapping(ctx, "logins", from, to); err != nil {
				b.Fatal(err)
			}
		}
	})
	p, err := parts.Partition(ctx, "logins", from)
	if err != nil {
		b.Fatal(err)
	}
	const q = "SELECT count(*) FROM logins WHERE ts >= ? AND ts < ?"
	b.Run("On", func(b *testing.B) {
		var n int
		for b.Loop() {
			if err := parts.On(p).QueryRowContext(ctx, q, from, to).Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("prepared", func(b *testing.B) {
		st, err := db.PrepareContext(ctx, `SELECT count(*) FROM "logins_p2026_10" AS logins WHERE ts >= ? AND ts < ?`)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		var n int
		for b.Loop() {
			if err := st.QueryRowContext(ctx, from, to).Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
	})
}
