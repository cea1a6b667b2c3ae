# Duet's tasks. `just run` starts the app; `just test` runs every check and test.

set shell := ["bash", "-euo", "pipefail", "-c"]

export CARGO_TERM_COLOR := env_var_or_default("CARGO_TERM_COLOR", "never")

# The native crates every test pass builds: one set, so Cargo resolves the same features
# each time and no pass rebuilds what another built.
native := "-p duet-shared -p duet-backend -p duet-turn -p duet-frontend -p duet-testkit -p duet-loadgen -p duet-setupbench -p duet-client -p duet-cli"

# List the recipes.
default:
    @just --list

# Build the web app and serve Duet at http://localhost:8080 (SQLite in ./data).
run:
    scripts/run.sh

# Fast iteration: trunk serves the app on :8081 and proxies the API to a backend on :8080.
dev:
    scripts/dev.sh

# Every check and test: format, lints, the shared crate on wasm32, Rust tests on SQLite and
# Postgres, schemathesis against the API, the end-to-end suite in two headless Chromiums,
# and the one-file binary's serving.
test: check test-sqlite test-postgres schemathesis e2e test-embedded

# Format, lints with warnings denied, and the shared crate built for the browser.
check:
    scripts/ensure-rust-tools.sh
    cargo fmt --all -- --check
    cargo clippy {{native}} --all-targets -- -D warnings
    cargo build -p duet-shared --target wasm32-unknown-unknown
    cargo clippy -p duet-frontend --target wasm32-unknown-unknown -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc -p duet-client --no-deps
    cargo test --doc -p duet-client

# The local services the tests use: Postgres, Redis, coturn (started or installed when missing).
services:
    scripts/ensure-postgres.sh
    scripts/ensure-redis.sh
    scripts/ensure-coturn.sh
    scripts/ensure-nginx.sh

# Unit tests (the web app's pure logic too) and integration tests, each on a fresh SQLite file (multi-instance tests use Postgres and Redis).
test-sqlite: services
    status=0; cargo nextest run {{native}} --no-fail-fast || status=$?; \
        scripts/test-cleanup.sh; exit $status

# The integration tests of the backend, the client library and the terminal client again, each on a fresh Postgres database (dropped after).
test-postgres: services
    status=0; DUET_TEST_DB=postgres cargo nextest run {{native}} --no-fail-fast \
        -E '(package(duet-backend) and binary(api) and not test(/^multi_instance::/)) or (package(duet-client) and binary(server)) or (package(duet-cli) and binary(cli))' || status=$?; \
        scripts/test-cleanup.sh; exit $status

# Schemathesis (pinned, in a virtual environment under target/tools) against the real
# server as a signed-in user: every check, bounded examples and time; any finding fails.
schemathesis:
    scripts/schemathesis.sh

# Longer property-based fuzzing of message decoding and the room state machine.
fuzz cases="100000":
    PROPTEST_CASES={{cases}} cargo nextest run -p duet-shared -p duet-backend --lib props

# Build the web app into dist/ (release, optimised).
build-frontend:
    scripts/build-frontend.sh

# The web app as served from inside the one-file binary (a debug build with the app embedded).
test-embedded:
    scripts/test-embedded.sh {{native}}

# End-to-end tests: two headless Chromiums against the real server.
e2e:
    scripts/e2e.sh

# One-file deployment: target/dist/duet with the web app and migrations inside (prints its size).
dist:
    scripts/dist.sh

# Benchmarks: the built app's size, the signaling load run on one instance and on two sharing
# Redis and Postgres, compared (`FULL=1 just bench` for 10,000 clients), and the embedded
# TURN server against coturn, call set-up, and file transfer throughput against a bare data channel.
bench:
    scripts/bench-delivery.sh
    scripts/bench-load.sh
    scripts/bench-turn.sh
    scripts/bench-setup.sh
    scripts/bench-files.sh
