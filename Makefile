# partgen. `make run` shows the main job on SQLite with no server;
# `make test` runs the whole suite (PostgreSQL tests need the local server).
GO      ?= go
BIN     := bin/partgen
RUN_DIR := run
EXAMPLE := examples/marketdata

.PHONY: all build run test test-short compat bench generate check-generated sqlc-check lint lint-workflows clean monitoring-check

all: build

# sqlite_dbstat compiles SQLite's dbstat table into go-sqlite3, so that
# `partgen status` can give SQLite partitions their size in bytes.
TAGS ?= sqlite_dbstat
build:
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/partgen

# The main job on the embedded default, shown step by step: start from the
# example's hand-written base migration and spec alone (not the committed
# partgen files), let partgen write the migrations for today, apply them
# with goose to a local SQLite file, write sample rows through the views,
# and print the partitions. partgen and the quick-start program are built
# in one go build with one set of tags, so SQLite's C source (go-sqlite3) is
# compiled once.
RUN_BASE := $(EXAMPLE)/migrations/sqlite/20260101000000_create_market_tables.sql
run:
	@echo '== building bin/partgen and bin/quickstart (go build -tags $(TAGS)); the first build'
	@echo '   compiles SQLite (go-sqlite3, C) with cgo: 1 to 3 minutes; later builds are cached'
	$(GO) build -tags $(TAGS) -o bin/ ./cmd/partgen ./$(EXAMPLE)/quickstart
	rm -rf $(RUN_DIR) && mkdir -p $(RUN_DIR)/sqlite
	cp $(RUN_BASE) $(EXAMPLE)/migrations/sqlite/partgen.yaml $(RUN_DIR)/sqlite/
	@echo
	@echo '== $(RUN_DIR)/sqlite holds the base migration and partgen.yaml; partgen writes the rest for today:'
	$(BIN) generate --config $(RUN_DIR)/sqlite/partgen.yaml
	@echo
	@echo '== goose applies the folder to $(RUN_DIR)/quickstart.db; sample rows go in through the views:'
	bin/quickstart --dir $(RUN_DIR)/sqlite --db $(RUN_DIR)/quickstart.db
	@echo
	@echo '$$ partgen status --db sqlite:$(RUN_DIR)/quickstart.db --config $(RUN_DIR)/sqlite/partgen.yaml'
	-@$(BIN) status --db sqlite:$(RUN_DIR)/quickstart.db --config $(RUN_DIR)/sqlite/partgen.yaml

# The whole suite, against the real PostgreSQL server and real SQLite files
# (e2e/ also drives Debian's chromium), then the SQLite floor (a few seconds
# once go-sqlite3 v1.14.6 is compiled) and the example alert rules.
# The packages whose tests use internal/testdb run once more on each server
# of PARTGEN_TEST_POSTGRES_EXTRA (space-separated URLs; .ci/postgres-versions
# starts PostgreSQL 14 and 18 and prints it); unset, only the default server.
PARTGEN_TEST_POSTGRES_EXTRA ?=
test:
	$(GO) vet ./...
	@$(call pg_server,$${PARTGEN_TEST_POSTGRES:-$(PG_DEFAULT)})
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -tags sqlite_dbstat ./status
	@failed=; pkgs=; \
	for url in $(PARTGEN_TEST_POSTGRES_EXTRA); do \
		test -n "$$pkgs" || pkgs=$$($(PG_PACKAGES)); \
		$(call pg_server,$$url); \
		echo "PARTGEN_TEST_POSTGRES=$$url $(GO) test -count=1" $$pkgs; \
		PARTGEN_TEST_POSTGRES=$$url $(GO) test -count=1 $$pkgs || failed="$$failed $$url"; \
	done; \
	test -z "$$failed" || { echo "make test: failed on$$failed"; exit 1; }
	$(MAKE) compat
	@$(MAKE) --no-print-directory monitoring-check

# testdb.AdminURL's default.
PG_DEFAULT := postgres://root@127.0.0.1:5432/test?sslmode=disable
TESTDB     := github.com/partgen/partgen/internal/testdb
PG_PACKAGES = $(GO) list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... \
	| awk '{ for (i = 2; i <= NF; i++) if ($$i == "$(TESTDB)") { print $$1; break } }'
# Says which server a run uses (psql is optional; the tests fail on their own
# when the server is down).
pg_server = if ! command -v psql >/dev/null; then v="(no psql: version unknown)"; \
	elif ! v=$$(psql -XAtc 'show server_version' "$(1)" 2>&1); then v="not reachable: $$v"; fi; \
	echo "== PostgreSQL $$v at $(1)"

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

# The example Prometheus configuration and alert rules (examples/monitoring):
# promtool checks them and runs their unit tests. promtool comes with
# Debian's prometheus package (apt-get install -y prometheus); .ci/run
# installs it.
PROMTOOL ?= promtool
monitoring-check:
	@command -v $(PROMTOOL) >/dev/null || { echo "promtool not found: apt-get install -y prometheus (or PROMTOOL=/path/to/promtool)"; exit 1; }
	cd examples/monitoring && $(PROMTOOL) check config prometheus.yml
	cd examples/monitoring && $(PROMTOOL) check rules partgen.rules.yml
	cd examples/monitoring && $(PROMTOOL) test rules partgen.rules.test.yml

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
FUZZ_TARGETS := spec:FuzzParseSpec calendar:FuzzPeriodOf folder:FuzzReadFolder folder:FuzzChecksum

.PHONY: fuzz
fuzz:
	@for pf in $(FUZZ_TARGETS); do \
		p=$${pf%%:*}; f=$${pf##*:}; \
		echo "== $$p $$f ($(FUZZTIME))"; \
		$(GO) test ./$$p -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

# Regenerate everything generated that is committed: the example's
# migrations (pinned as-of date), partgen's own catalog queries and the
# example's sqlc code, which sqlc reads from the example's goose folders.
# The example's partgen files are written afresh (go generate never rewrites
# an existing file), so a template change shows as a diff here.
generate:
	rm -f $(EXAMPLE)/migrations/*/[0-9]*_partgen_*.sql
	$(GO) generate ./...
	$(SQLC) generate -f ../sqlc.yaml
	$(SQLC) generate -f ../$(EXAMPLE)/sqlc.yaml

# Fails when committed generated files are stale.
check-generated: generate
	git diff --exit-code -- $(EXAMPLE) internal/catalog

# sqlc through the pinned tool module (tools/go.mod; the first build from the
# module proxy takes a few minutes). The example's sqlc.yaml reads its goose
# folders directly, as README ("sqlc") tells users to.
SQLC        := $(GO) -C tools tool sqlc

# Fails when a query does not compile or the committed sqlc output is stale
# (`make generate` fixes staleness). The pinned sqlc on a user's folders at
# three as-of dates is a test of its own (e2e, TestSqlcOnAUsersFolder), run by
# make test.
sqlc-check:
	@for cfg in sqlc.yaml $(EXAMPLE)/sqlc.yaml; do \
		echo "== sqlc $$cfg"; \
		$(SQLC) compile -f ../$$cfg && $(SQLC) vet -f ../$$cfg || exit 1; \
		$(SQLC) diff -f ../$$cfg || { echo "sqlc output of $$cfg is stale: run make generate"; exit 1; }; \
	done

# The example GitHub Actions workflow, with actionlint (pinned in
# tools/go.mod) and, for its run: scripts, shellcheck (which actionlint runs
# only when it is on PATH: Debian's package shellcheck).
lint-workflows:
	@command -v shellcheck >/dev/null || { echo "lint-workflows needs shellcheck on PATH (apt-get install shellcheck)"; exit 1; }
	$(GO) -C tools tool actionlint ../examples/github-actions/partgen.yml

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l . | tee -a /dev/stderr)" || (echo "gofmt: the files above need formatting" && exit 1)

clean:
	rm -rf bin $(RUN_DIR)
