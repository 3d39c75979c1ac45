# partgen. `make run` shows the main job on SQLite with no server;
# `make test` runs the whole suite (PostgreSQL tests need the local server).
GO      ?= go
BIN     := bin/partgen
RUN_DIR := run

.PHONY: all build run test test-short bench generate check-generated lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/partgen

# The main job on the embedded default: copy the example SQLite folder,
# let partgen bring it up to date for today, apply it with goose to a local
# SQLite file, write sample rows and print the partitions.
run: build
	rm -rf $(RUN_DIR) && mkdir -p $(RUN_DIR)/sqlite
	cp migrations/sqlite/*.sql migrations/sqlite/partgen.yaml $(RUN_DIR)/sqlite/
	$(BIN) generate --config $(RUN_DIR)/sqlite/partgen.yaml
	$(GO) run ./examples/quickstart --dir $(RUN_DIR)/sqlite --db $(RUN_DIR)/quickstart.db

# The whole suite, against the real PostgreSQL server and real SQLite files.
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

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

# Fails when committed generated files are stale.
check-generated: generate
	git diff --exit-code -- migrations internal/db

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt: the files above need formatting" && exit 1)

clean:
	rm -rf bin $(RUN_DIR)
