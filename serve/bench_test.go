package serve_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/partgen/partgen/examples/marketdata/migrations"
	"github.com/partgen/partgen/internal/testdb"
)

// BenchmarkScrape is one GET /metrics on the example database: "cached"
// within --min-interval (the report already read), "read" past it (a read
// of the database per scrape). go test -bench Scrape ./serve
func BenchmarkScrape(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		var url, sp string
		if engine == "sqlite" {
			db, path := testdb.SQLite(b)
			gooseUp(b, db, goose.DialectSQLite3, migrations.SQLite, "sqlite")
			db.Close()
			url, sp = "sqlite:"+path, sqliteSpec
		} else {
			db, dsn := testdb.Postgres(b)
			gooseUp(b, db, goose.DialectPostgres, migrations.Postgres, "postgres")
			db.Close()
			url, sp = dsn, pgSpec
		}
		for _, mode := range []string{"cached", "read"} {
			b.Run(engine+"/"+mode, func(b *testing.B) {
				h := start(b, sp, url, 10*time.Second, false)
				h.get("/metrics")
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if mode == "read" {
						h.clock.advance(2 * time.Minute)
					}
					resp, err := http.Get(h.url + "/metrics")
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
	}
}
