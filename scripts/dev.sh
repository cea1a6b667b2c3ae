#!/usr/bin/env bash
# Fast iteration: trunk serves the app on http://127.0.0.1:8081 with live reload and
# proxies /api and /ws to a backend on :8080 (see Trunk.toml). If no backend answers
# there, one is started (SQLite in ./data) and stopped again on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { printf '\033[1mdev:\033[0m %s\n' "$*" >&2; }

backend_pid=
cleanup() {
    if [[ -n "$backend_pid" ]]; then
        kill "$backend_pid" 2>/dev/null || true
        wait "$backend_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

if curl -fs http://127.0.0.1:8080/healthz >/dev/null 2>&1; then
    log "using the backend already on :8080"
else
    log "starting a backend on :8080"
    # The page comes from :8081, so the backend must accept WebSockets from there.
    cargo run -p duet-backend --bin duet -- --port 8080 \
        --allowed-origins "http://127.0.0.1:8081,http://localhost:8081" &
    backend_pid=$!
    for _ in $(seq 1 600); do
        curl -fs http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break
        kill -0 "$backend_pid" 2>/dev/null || { log "the backend did not start"; exit 1; }
        sleep 0.5
    done
fi

# Tools as for the release build (installed by build-frontend.sh when missing).
scripts/build-frontend.sh --tools-only
export PATH="$root/target/tools/binaryen/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_TOOLS_WASM_BINDGEN="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
export TRUNK_TOOLS_WASM_OPT=version_132
export RUSTFLAGS="${RUSTFLAGS:-} --cfg erase_components"
log "serving the app on http://127.0.0.1:8081"
trunk serve --offline --config Trunk.toml --dist target/trunk-dev --features whole-app
