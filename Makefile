# partgen. `make run` shows the main job on SQLite with no server;
# `make test` runs the whole suite (PostgreSQL tests need the local server).
GO      ?= go
BIN     := bin/partgen
RUN_DIR := run

.PHONY: all build run test test-short compat bench generate check-generated sqlc-check lint clean

all: build

# sqlite_dbstat compiles SQLite's dbstat table into go-sqlite3, so that
# `partgen status` can give SQLite partitions their size in bytes.
build:
	$(GO) build -tags sqlite_dbstat -o $(BIN) ./cmd/partgen

# The main job on the embedded default: copy the example SQLite folder,
# let partgen bring it up to date for today, apply it with goose to a local
# SQLite file, write sample rows and print the partitions.
run: build
	rm -rf $(RUN_DIR) && mkdir -p $(RUN_DIR)/sqlite
	cp migrations/sqlite/*.sql migrations/sqlite/partgen.yaml $(RUN_DIR)/sqlite/
	$(BIN) generate --config $(RUN_DIR)/sqlite/partgen.yaml
	$(GO) run ./examples/quickstart --dir $(RUN_DIR)/sqlite --db $(RUN_DIR)/quickstart.db
	@echo
	@echo '$$ partgen status --db sqlite:$(RUN_DIR)/quickstart.db --config $(RUN_DIR)/sqlite/partgen.yaml'
	-@$(BIN) status --db sqlite:$(RUN_DIR)/quickstart.db --config $(RUN_DIR)/sqlite/partgen.yaml

# The whole suite, against the real PostgreSQL server and real SQLite files,
# and the SQLite floor (a few seconds once go-sqlite3 v1.14.6 is compiled).
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -tags sqlite_dbstat ./status
	$(MAKE) compat

# What partgen writes for SQLite, on the SQLite builds users have (README,
# "SQLite versions"). compat/sqlite is a module of its own pinning
# go-sqlite3 v1.14.6, which bundles SQLite 3.34.0, partgen's floor; the
# second run links the system's libsqlite3 instead (Debian 12: 3.40.1). Both
# also open the file with the system's sqlite3 shell and python3, and fail,
# never skip, when one is missing (.ci/run installs them).
compat:
	$(GO) -C compat/sqlite vet ./...
	$(GO) -C compat/sqlite test -count=1 ./...
	$(GO) -C compat/sqlite vet -tags libsqlite3 ./...
	$(GO) -C compat/sqlite test -count=1 -tags libsqlite3 ./...

# Issue 6's benchmarks (bench/, see BENCHMARKS.md): each figure a ratio
# partgen / baseline from alternated rounds in one run, then a summary table.
# Default sizes take a few minutes on 2 cores; the issue's full sizes:
#   make bench BENCHFLAGS=-bench-full
BENCHFLAGS ?=
bench:
	$(GO) test -tags sqlite_dbstat ./bench -run '^$$' -bench . -benchtime 1x -timeout 30m $(BENCHFLAGS)

# Each fuzz target of the generator for FUZZTIME (go test fuzzes one target
# per run). Seeds live in generator/testdata/fuzz/<target>/; a failing input
# is written there too, and replays in every plain `go test`.
FUZZTIME ?= 10s
FUZZ_TARGETS := FuzzParseSpec FuzzPeriodOf FuzzReadFolder

.PHONY: fuzz
fuzz:
	@for f in $(FUZZ_TARGETS); do \
		echo "== $$f ($(FUZZTIME))"; \
		$(GO) test ./generator -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

# Regenerate everything generated that is committed: the example's
# migrations (pinned as-of date) and sqlc's Go code.
generate:
	$(GO) generate ./...
	$(SQLITE_DUMP) -out queries/sqlite/schema/migrations.sql
	$(SQLC) generate -f ../sqlc.yaml

# Fails when committed generated files are stale.
check-generated: generate
	git diff --exit-code -- migrations internal/db queries

# sqlc through the pinned tool module (tools/go.mod; the first build from the
# module proxy takes a few minutes). SQLite's sqlc schema is the dump of what
# migrations/sqlite builds (see internal/db/sqlitedump).
SQLC        := $(GO) -C tools tool sqlc
SQLITE_DUMP := $(GO) run ./internal/db/sqlitedump -dir migrations/sqlite

# Fails when a query does not compile or the committed sqlc output (or the
# SQLite schema dump it reads) is stale; `make generate` fixes staleness.
sqlc-check:
	@$(SQLITE_DUMP) | diff -u queries/sqlite/schema/migrations.sql - \
		|| (echo "queries/sqlite/schema/migrations.sql is stale: run make generate" && exit 1)
	$(SQLC) compile -f ../sqlc.yaml
	$(SQLC) vet -f ../sqlc.yaml
	$(SQLC) diff -f ../sqlc.yaml || (echo "internal/db is stale: run make generate" && exit 1)

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt: the files above need formatting" && exit 1)

clean:
	rm -rf bin $(RUN_DIR)
