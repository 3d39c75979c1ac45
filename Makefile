# partgen. `make run` shows the main job on SQLite with no server;
# `make test` runs the whole suite (PostgreSQL tests need the local server).
GO      ?= go
BIN     := bin/partgen
RUN_DIR := run
EXAMPLE := examples/marketdata

.PHONY: all build run test test-short bench generate check-generated sqlc-check lint clean

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
	cp $(EXAMPLE)/migrations/sqlite/*.sql $(EXAMPLE)/migrations/sqlite/partgen.yaml $(RUN_DIR)/sqlite/
	$(BIN) generate --config $(RUN_DIR)/sqlite/partgen.yaml
	$(GO) run ./$(EXAMPLE)/quickstart --dir $(RUN_DIR)/sqlite --db $(RUN_DIR)/quickstart.db
	@echo
	@echo '$$ partgen status --db sqlite:$(RUN_DIR)/quickstart.db --config $(RUN_DIR)/sqlite/partgen.yaml'
	-@$(BIN) status --db sqlite:$(RUN_DIR)/quickstart.db --config $(RUN_DIR)/sqlite/partgen.yaml

# The whole suite, against the real PostgreSQL server and real SQLite files.
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -tags sqlite_dbstat ./status

# The benchmarks (bench/, see BENCHMARKS.md): each figure a ratio partgen /
# baseline from alternated rounds in one run. The run writes its figures,
# machine and versions to bench/results.json, and benchmd rewrites the
# results section of BENCHMARKS.md from it (only a run that passes does).
# Default sizes take about ten minutes on 2 cores; the issues' full sizes
# (10M-row retention month, 5M PostgreSQL / 1M SQLite ingest, ...):
#   make bench BENCHFLAGS=-bench-full
BENCHFLAGS ?=
BENCH_JSON := bench/results.json
bench:
	$(GO) test -tags sqlite_dbstat ./bench -run '^$$' -bench . -benchtime 1x -timeout 120m $(BENCHFLAGS) -bench-json $(CURDIR)/$(BENCH_JSON)
	$(GO) run ./bench/cmd/benchmd -in $(BENCH_JSON) -md BENCHMARKS.md

# Each fuzz target for FUZZTIME (go test fuzzes one target per run). Seeds
# live in <package>/testdata/fuzz/<target>/; a failing input is written there
# too, and replays in every plain `go test`.
FUZZTIME ?= 10s
FUZZ_TARGETS := spec:FuzzParseSpec calendar:FuzzPeriodOf folder:FuzzReadFolder

.PHONY: fuzz
fuzz:
	@for pf in $(FUZZ_TARGETS); do \
		p=$${pf%%:*}; f=$${pf##*:}; \
		echo "== $$p $$f ($(FUZZTIME))"; \
		$(GO) test ./$$p -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

# Regenerate everything generated that is committed: the example's
# migrations (pinned as-of date), partgen's own catalog queries and the
# example's sqlc code.
generate:
	$(GO) generate ./...
	$(SQLITE_DUMP) -out $(EXAMPLE)/queries/sqlite-schema.sql
	$(SQLC) generate -f ../sqlc.yaml
	$(SQLC) generate -f ../$(EXAMPLE)/sqlc.yaml

# Fails when committed generated files are stale.
check-generated: generate
	git diff --exit-code -- $(EXAMPLE) internal/catalog

# sqlc through the pinned tool module (tools/go.mod; the first build from the
# module proxy takes a few minutes). The example's SQLite sqlc schema is the
# dump of what its goose folder builds (see $(EXAMPLE)/internal/sqlitedump).
SQLC        := $(GO) -C tools tool sqlc
SQLITE_DUMP := $(GO) run ./$(EXAMPLE)/internal/sqlitedump -dir $(EXAMPLE)/migrations/sqlite

# Fails when a query does not compile or the committed sqlc output (or the
# SQLite schema dump it reads) is stale; `make generate` fixes staleness.
sqlc-check:
	@$(SQLITE_DUMP) | diff -u $(EXAMPLE)/queries/sqlite-schema.sql - \
		|| (echo "$(EXAMPLE)/queries/sqlite-schema.sql is stale: run make generate" && exit 1)
	@for cfg in sqlc.yaml $(EXAMPLE)/sqlc.yaml; do \
		echo "== sqlc $$cfg"; \
		$(SQLC) compile -f ../$$cfg && $(SQLC) vet -f ../$$cfg || exit 1; \
		$(SQLC) diff -f ../$$cfg || { echo "sqlc output of $$cfg is stale: run make generate"; exit 1; }; \
	done

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt: the files above need formatting" && exit 1)

clean:
	rm -rf bin $(RUN_DIR)
