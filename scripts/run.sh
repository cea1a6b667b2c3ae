#!/usr/bin/env bash
# `just run`: builds the server (release) and the web app side by side, then serves Duet
# at http://localhost:8080 with SQLite in ./data. On a first run the web app's tools
# (trunk, wasm-bindgen-cli) are compiled while the server compiles, instead of after it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo build --release -p duet-backend --bin duet &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
scripts/build-frontend.sh
wait "$server"
trap - EXIT
exec target/release/duet --static-dir dist "$@"
