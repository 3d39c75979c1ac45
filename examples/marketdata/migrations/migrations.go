// Package migrations holds the example domain's goose folders, one per
// engine. The hand-written base migration creates the tables; partgen writes
// the rest from partgen.yaml beside it. The as-of date is pinned so the
// committed files are reproducible: `make generate` leaves no diff.
package migrations

import "embed"

//go:generate go run ../../../cmd/partgen generate --config postgres/partgen.yaml --as-of 2026-11-26
//go:generate go run ../../../cmd/partgen generate --config sqlite/partgen.yaml --as-of 2026-11-26

// Postgres is the PostgreSQL folder, for goose.NewProvider.
//
//go:embed postgres/*.sql
var Postgres embed.FS

// SQLite is the SQLite folder, for goose.NewProvider.
//
//go:embed sqlite/*.sql
var SQLite embed.FS
