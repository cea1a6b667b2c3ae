#!/usr/bin/env bash
# One-file deployment: builds the web app, bakes it into a release `duet` (migrations
# are always embedded), checks that the binary serves the app from an empty folder,
# and prints its size.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-frontend.sh
cargo build --release -p duet-backend --features embed-frontend
mkdir -p target/dist
cp target/release/duet target/dist/duet
bin="$PWD/target/dist/duet"

# Smoke test: no STATIC_DIR, no dist/ beside it, a fresh SQLite database.
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# exec: $! is then the server itself, which the trap stops.
(cd "$work" && exec env STUN_URLS= "$bin" --port "$port" --data-dir "$work/data" >"$work/log" 2>&1) &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
page=$(curl -fs "http://127.0.0.1:$port/room/any")
wasm=$(grep -o '/[A-Za-z0-9_-]*_bg\.wasm' <<<"$page" | head -n1)
[ -n "$wasm" ] || { echo "dist: the embedded index.html does not load the app" >&2; exit 1; }
type=$(curl -fs -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port$wasm")
[ "$type" = "application/wasm" ] || { echo "dist: $wasm served as '$type'" >&2; exit 1; }
echo "dist: target/dist/duet serves the app by itself ($(du -h "$bin" | cut -f1), $(stat -c %s "$bin") bytes)"
