# Duet's tasks. `just run` starts the app; `just test` runs every check and test.

set shell := ["bash", "-euo", "pipefail", "-c"]

export CARGO_TERM_COLOR := env_var_or_default("CARGO_TERM_COLOR", "never")

# List the recipes.
default:
    @just --list

# Build the web app and serve Duet at http://localhost:8080 (SQLite in ./data).
run: build-frontend
    cargo run --release -p duet-backend --bin duet -- --static-dir dist

# Fast iteration: trunk serves the app on :8081 and proxies the API to a backend on :8080.
dev:
    scripts/dev.sh

# Every check and test: format, lints, the shared crate on wasm32, Rust tests on SQLite and Postgres.
test: check test-sqlite test-postgres

# Format, lints with warnings denied, and the shared crate built for the browser.
check:
    scripts/ensure-rust-tools.sh
    cargo fmt --all -- --check
    cargo clippy -p duet-shared -p duet-backend --all-targets -- -D warnings
    cargo build -p duet-shared --target wasm32-unknown-unknown

# Unit and integration tests against fresh SQLite files.
test-sqlite:
    scripts/ensure-coturn.sh
    cargo nextest run -p duet-shared -p duet-backend --no-fail-fast

# The backend's integration tests against the local Postgres (a fresh database per test, dropped after).
test-postgres:
    scripts/ensure-postgres.sh
    scripts/ensure-coturn.sh
    DUET_TEST_DB=postgres cargo nextest run -p duet-backend --test api --no-fail-fast; \
        status=$?; scripts/drop-test-databases.sh; exit $status

# Longer property-based fuzzing of message decoding and the room state machine.
fuzz cases="100000":
    PROPTEST_CASES={{cases}} cargo nextest run -p duet-shared -p duet-backend --lib props

# Build the web app into dist/ (release, optimised).
build-frontend:
    scripts/build-frontend.sh

# End-to-end tests: two headless Chromiums against the real server.
e2e:
    scripts/e2e.sh

# Benchmarks: the built app's size (and, later, load figures).
bench:
    scripts/bundle-size.sh
