# Qadam: two commands do everything on a fresh Debian machine.
#   make run   installs what is missing, starts the sync server (embedded
#              SQLite, demo campaign) and opens the field app connected to it
#   make test  installs what is missing, then runs every test
SHELL := /bin/bash
.DEFAULT_GOAL := help

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APP_PKGS := libwebkit2gtk-4.1-dev build-essential libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev pkg-config curl
TEST_PKGS := xvfb webkit2gtk-driver chromium xauth postgresql python3-venv poppler-utils osmium-tool
NODE_PKGS := nodejs npm
# The benchmarks' limits: libvips' vipsthumbnail; GNU time for peak memory.
BENCH_PKGS := libvips-tools time
CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(CARGO_BIN):$(PATH)

LISTEN ?= 127.0.0.1:8787
QADAM_TOKEN ?= qadam-demo-token
RUN_DIR := .run
# Python test tools from PyPI, pinned, in a virtual environment.
VENV := $(RUN_DIR)/venv
SCHEMATHESIS_VERSION := 4.32.5
MOTO_VERSION := 5.2.5
APP_BIN := target/debug/qadam-app
SERVER_BIN := target/debug/qadam-server
# One feature set for the tests, the binaries and the bench smoke: the
# whole workspace with its dev-dependencies, as `cargo test --workspace`
# resolves it, so building here after the tests (and the bench smoke after
# this) reuses what the tests compiled instead of building it all again.
CARGO_ALL := --workspace --features qadam-app/custom-protocol


.PHONY: build-bins bench bench-smoke deps-bench soak help run test deps deps-app deps-test deps-ui ui build lint test-rust test-api-schema test-e2e screenshots fuzz fuzz-smoke clean

help:
	@echo "make run   - install what is missing, start the sync server with the demo campaign and the field app"
	@echo "make test  - install what is missing, then run every test"

# ---- installing what is missing -------------------------------------------

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi
endef

deps-app:
	@command -v cargo >/dev/null || { echo "Rust (cargo) is required: install it with rustup first" >&2; exit 1; }
	$(call apt_install,$(APP_PKGS))
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y --no-install-recommends $(NODE_PKGS); }

deps-test: deps-app
	$(call apt_install,$(TEST_PKGS))
	@command -v tauri-driver >/dev/null || cargo install tauri-driver --locked
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

deps-ui: ui/node_modules/.stamp
ui/node_modules/.stamp: ui/package-lock.json ui/package.json
	cd ui && npm ci --no-audit --no-fund
	touch $@

deps: deps-app deps-ui

# ---- building ----------------------------------------------------------------

ui: deps-ui
	cd ui && npm run --silent build
	@# Tauri embeds ui/dist at compile time; make sure a new build is picked up.
	touch src-tauri/src/lib.rs

build: deps ui
	cargo build $(CARGO_ALL) --all-targets

# Only the binaries, for `make run` on a fresh machine.
build-bins: deps ui
	cargo build $(CARGO_ALL) --bins

# ---- running -----------------------------------------------------------------

run: build-bins
	@mkdir -p $(RUN_DIR)
	@echo "Starting qadam-server on http://$(LISTEN) (database $(RUN_DIR)/server.db, demo campaign loaded)"
	@# The maps draw a small synthetic basemap unless QADAM_BASEMAP names a city's archive (README, "The basemap").
	@[ -n "$$QADAM_BASEMAP" ] || python3 fixtures/basemap/make_sample.py $(RUN_DIR)/sample.pmtiles >/dev/null
	@QADAM_TOKEN=$(QADAM_TOKEN) QADAM_BASEMAP=$${QADAM_BASEMAP:-$(RUN_DIR)/sample.pmtiles} \
	  $(SERVER_BIN) serve --db $(RUN_DIR)/server.db --listen $(LISTEN) --demo & \
	server=$$!; trap "kill $$server 2>/dev/null" EXIT INT TERM; \
	for i in $$(seq 1 50); do curl -fsS http://$(LISTEN)/healthz >/dev/null 2>&1 && break; sleep 0.2; done; \
	python3 fixtures/demo/approve_some.py http://$(LISTEN) $(QADAM_TOKEN) 12 || true; \
	echo "Public map: http://$(LISTEN)/"; \
	echo "Dashboard:  http://$(LISTEN)/coordinator/  (sign in as coordinator, admin or auditor; password: $${QADAM_DEMO_PASSWORD:-qadam-demo})"; \
	if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "No display found (DISPLAY and WAYLAND_DISPLAY are unset): the field app cannot open a window here."; \
	  echo "The server keeps serving the dashboard; press Ctrl-C to stop."; \
	  wait $$server; \
	else \
	  QADAM_SERVER_URL=http://$(LISTEN) QADAM_TOKEN=$(QADAM_TOKEN) QADAM_DATA_DIR=$(RUN_DIR)/device $(APP_BIN); \
	fi

# ---- testing -----------------------------------------------------------------

test: deps-test deps-ui lint test-rust test-api-schema fuzz-smoke test-e2e bench-smoke
	@echo "make test: all suites passed"

lint: ui
	@# Types of the app and the dashboard (Svelte and TypeScript files) against the generated bindings.
	cd ui && npm run --silent check
	@# The front end's formatting (Prettier, pinned; `npm run format` fixes it).
	cd ui && npm run --silent format:check
	cargo fmt --all -- --check
	@# The layering ARCHITECTURE.md states: no module cycle in qadam-core, frameworks only in their crates.
	cargo test $(CARGO_ALL) --test layering
	cargo clippy $(CARGO_ALL) --all-targets -- -D warnings

test-rust: ui $(VENV)/bin/moto_server
	cargo test $(CARGO_ALL)
	@# The server's integration, merge, fault and transport suites again, as a
	@# deployment that outgrew one machine runs: the store on PostgreSQL (a throwaway one on loopback,
	@# unless one already answers on QADAM_PG_PORT) and the photos in
	@# S3-compatible object storage (moto's server on loopback).
	@url=$$(sync-server/tests/postgres.sh start) && echo "PostgreSQL for the store suite: $$url" && \
	s3=$$(sync-server/tests/s3.sh start $(VENV)/bin/moto_server) && echo "S3 for the blob store: $$s3" && \
	env $$s3 QADAM_TEST_POSTGRES=$$url cargo test $(CARGO_ALL) \
	  --test api --test fault --test merge --test flaky_network --test client_kill; \
	rc=$$?; sync-server/tests/postgres.sh stop; sync-server/tests/s3.sh stop; exit $$rc

# The SIGKILL fault test at length (SOAK_KILLS kills of the server mid-push).
SOAK_KILLS ?= 500
soak:
	QADAM_FAULT_KILLS=$(SOAK_KILLS) cargo test -p qadam-sync-server --test fault -- --nocapture

# schemathesis (PyPI, pinned) against the served OpenAPI document.
$(VENV)/bin/python:
	@mkdir -p $(RUN_DIR)
	python3 -m venv $(VENV)
$(VENV)/bin/schemathesis: | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet schemathesis==$(SCHEMATHESIS_VERSION)
$(VENV)/bin/moto_server: | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet "moto[server]==$(MOTO_VERSION)"
test-api-schema: deps-test build $(VENV)/bin/schemathesis
	sync-server/tests/schemathesis.sh $(SERVER_BIN) $(VENV)/bin/schemathesis

# The push body decoder under libFuzzer (cargo-fuzz on the stable toolchain,
# without a sanitizer): a short smoke run in `make test`, a long one in
# `make fuzz` (FUZZ_SECONDS, default 600). Crashes land in
# sync-server/fuzz/artifacts/.
FUZZ_SECONDS ?= 600
# The smoke run builds unoptimised (3 minutes instead of 8 on 2 cores, and
# with overflow checks on); the long run optimised.
FUZZ = cd sync-server/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run push_body --sanitizer none
fuzz-smoke: deps-test
	$(FUZZ) --dev -- -max_total_time=20 -seed=1
fuzz: deps-test
	$(FUZZ) -- -max_total_time=$(FUZZ_SECONDS)

test-e2e: build
	cd ui && xvfb-run -a -s "-screen 0 1280x1024x24" node --test --test-concurrency=1 e2e/

# The README's screenshots, taken by the end-to-end suites as they walk the
# screens (and checked for overflow there): commit docs/screenshots after.
screenshots: build
	cd ui && QADAM_SCREENSHOTS=../docs/screenshots xvfb-run -a -s "-screen 0 1280x1024x24" \
	  node --test --test-concurrency=1 e2e/app.test.mjs e2e/dashboard.test.mjs e2e/public.test.mjs

# ---- benchmarks ----------------------------------------------------------------
# `make bench`: every hot path at city scale beside the limit measured in the
# same run (release builds); the table goes to bench/RESULTS.md. `make test`
# runs each at a tiny size (debug builds, the hot crates at opt-level 1) to
# prove it still works and still meets its goals.
deps-bench: deps-test
	$(call apt_install,$(BENCH_PKGS))

BENCH_XVFB := xvfb-run -a -s "-screen 0 1280x1024x24"
# Rows 1, 2 and 5 run again on a throwaway PostgreSQL (the one the tests
# start), each against its own limit on that engine.
BENCH_ON_POSTGRES = url=$$(sync-server/tests/postgres.sh start) && echo "PostgreSQL for the bench: $$url" && \
	QADAM_BENCH_POSTGRES=$$url

bench: deps-bench deps-ui ui
	cargo build --release -p qadam-sync-server -p qadam-app -p qadam-client --features qadam-app/custom-protocol
	@# Every row is measured even when an earlier one missed its goal; then a
	@# missed goal fails the target.
	@$(BENCH_ON_POSTGRES) cargo bench -p qadam-sync-server --bench city; \
	rc=$$?; sync-server/tests/postgres.sh stop; \
	$(BENCH_XVFB) node bench/browser.mjs --release || rc=1; exit $$rc

bench-smoke: deps-bench build
	@$(BENCH_ON_POSTGRES) cargo bench --profile dev $(CARGO_ALL) --bench city -- --tiny; \
	rc=$$?; sync-server/tests/postgres.sh stop; \
	$(BENCH_XVFB) node bench/browser.mjs --tiny || rc=1; exit $$rc

clean:
	cargo clean
	rm -rf ui/dist ui/dist-dashboard ui/node_modules $(RUN_DIR)
