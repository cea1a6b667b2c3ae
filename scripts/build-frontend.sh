#!/usr/bin/env bash
# Builds the browser app (frontend/) into dist/ with trunk, release profile, offline:
# index.html with the lobby app and room.html with the call app.
#
# Installs what the build needs when it is missing or at the wrong version, and
# skips each tool that is already right, so a second run costs only the build:
#   - the wasm32-unknown-unknown target
#   - trunk 0.21.14 (newer releases need a newer rustc)
#   - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock
#   - wasm-opt from the npm package binaryen@132.0.0, in target/tools/binaryen
#     (Debian's binaryen produces a module that crashes in Chromium)
# then writes a .br and a .gz copy beside each file (scripts/precompress.mjs).
#
# Usage: scripts/build-frontend.sh [--tools-only]   (--tools-only: install the tools, build nothing)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0
tools_dir="$root/target/tools"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$PATH"

log() { printf '\033[1mbuild-frontend:\033[0m %s\n' "$*" >&2; }

# The wasm-bindgen version the app links against; the CLI must match it exactly.
bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_target() {
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        log "adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
}

ensure_trunk() {
    if trunk --version 2>/dev/null | grep -qx "trunk $TRUNK_VERSION"; then
        return
    fi
    log "installing trunk $TRUNK_VERSION (a few minutes, once)"
    cargo install --locked trunk --version "$TRUNK_VERSION"
}

ensure_wasm_bindgen() {
    local want="$1"
    if wasm-bindgen --version 2>/dev/null | grep -q "^wasm-bindgen $want\b"; then
        return
    fi
    log "installing wasm-bindgen-cli $want (to match Cargo.lock)"
    # Not --locked: its lock file pins a webpki-roots newer than the registry offers.
    cargo install wasm-bindgen-cli --version "$want" --force
}

ensure_wasm_opt() {
    local bin="$tools_dir/binaryen/node_modules/.bin/wasm-opt"
    if "$bin" --version 2>/dev/null | grep -q "version_${BINARYEN_VERSION%%.*}"; then
        return
    fi
    log "installing binaryen@$BINARYEN_VERSION from npm into target/tools/binaryen"
    mkdir -p "$tools_dir/binaryen"
    npm install --silent --no-audit --no-fund --no-save --prefix "$tools_dir/binaryen" \
        "binaryen@$BINARYEN_VERSION" >&2
}

tools_only=
if [[ "${1:-}" == "--tools-only" ]]; then
    tools_only=1
fi

# Other scripts (dist, e2e) build the app too; two trunk runs on one dist/ corrupt
# it, so builds take turns. A caller that already holds the lock says so.
if [[ -z "${DUET_FRONTEND_LOCKED:-}" ]]; then
    mkdir -p "$root/target"
    exec 9>"$root/target/.build-frontend.lock"
    flock 9
fi

lock_version="$(bindgen_version)"
if [[ -z "$lock_version" ]]; then
    echo "build-frontend: no wasm-bindgen in Cargo.lock; run 'cargo fetch' first" >&2
    exit 1
fi

ensure_target
# The two tools compile side by side on a first run: each spends its last minute
# compiling and linking one crate on one core.
ensure_wasm_bindgen "$lock_version" &
bindgen=$!
ensure_trunk
ensure_wasm_opt
wait "$bindgen"

if [[ -n "$tools_only" ]]; then
    exit 0
fi

# trunk finds the tools on PATH at the pinned versions and never downloads.
export PATH="$tools_dir/binaryen/node_modules/.bin:$PATH"
export TRUNK_TOOLS_WASM_BINDGEN="$lock_version"
export TRUNK_TOOLS_WASM_OPT="version_${BINARYEN_VERSION%%.*}"
# Leptos erases component types to `AnyView`: about 10% less code, faster builds.
# (Only the wasm target sees it: trunk always passes --target.)
export RUSTFLAGS="${RUSTFLAGS:-} --cfg erase_components"

# Two pages, two WASM modules (see frontend/Cargo.toml): the call app is built aside
# (trunk empties its --dist), then the lobby app into dist/, then the call app's files
# join it. Content-hashed names never collide; the shared style sheet is one file.
log "trunk build --release: the call app (room.html)"
room_dist="$root/target/room-dist"
# room.html is index.html with the other app: made here, so the two pages never drift.
sed 's/data-bin="duet-lobby"/data-bin="duet-room"/' "$root/frontend/index.html" >"$root/frontend/room.html"
grep -q 'data-bin="duet-room"' "$root/frontend/room.html"
trunk build --release --offline --dist "$room_dist" --config "$root/Trunk.toml" "$root/frontend/room.html"
# trunk names every page it writes index.html.
mv "$room_dist/index.html" "$room_dist/room.html"
log "trunk build --release: the lobby app (index.html) → dist/"
trunk build --release --offline --dist "$root/dist" --config "$root/Trunk.toml" "$root/frontend/index.html"
cp -r "$room_dist"/. "$root/dist/"

# Brotli and gzip copies beside each file, made once here so the server sends the
# smallest form a browser accepts with no work per request.
log "compressing dist/ (brotli, gzip)"
node "$root/scripts/precompress.mjs" "$root/dist" >&2

# A module that does not start with the WebAssembly magic would fail in the browser
# with an obscure error; fail here instead.
for wasm in "$root"/dist/*.wasm; do
    if [[ "$(head -c 4 "$wasm" | od -An -tx1 | tr -d ' \n')" != "0061736d" ]]; then
        echo "build-frontend: $wasm is not a WebAssembly module" >&2
        exit 1
    fi
done
