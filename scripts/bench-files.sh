#!/usr/bin/env bash
# File transfer throughput on loopback: Duet's file channel against a bare ordered
# RTCDataChannel sending the same bytes between two pages of the same Debian Chromium.
# Prints the ratio and writes target/bench/files.json (and files.txt).
#
# Settings: BENCH_FILE_MB (64), BENCH_RUNS (3), BENCH_OUT (target/bench/files.json).
# DUET_BIN and DUET_DIST measure another build instead of this tree's.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { printf '\033[1mbench-files:\033[0m %s\n' "$*" >&2; }

BENCH_OUT="${BENCH_OUT:-$root/target/bench/files.json}"
[[ "$BENCH_OUT" == /* ]] || BENCH_OUT="$PWD/$BENCH_OUT"
export BENCH_OUT

if [[ ! -x /usr/lib/chromium/chromium ]]; then
    log "installing Chromium from apt"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
export CHROMIUM_PATH=/usr/lib/chromium/chromium
if [[ ! -f e2e/node_modules/.package-lock.json || e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]]; then
    log "installing the test dependencies (npm ci)"
    (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

work="$(mktemp -d /tmp/duet-bench-files.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# The app and the backend, copied so a rebuild by someone else changes nothing mid-run.
if [[ -z "${DUET_BIN:-}" || -z "${DUET_DIST:-}" ]]; then
    exec 9>target/.build-frontend.lock
    flock 9
    DUET_FRONTEND_LOCKED=1 scripts/build-frontend.sh
    cp -r dist "$work/dist"
    flock -u 9
    log "building the backend"
    cargo build -p duet-backend
    cp target/debug/duet "$work/duet"
    export DUET_BIN="$work/duet" DUET_DIST="$work/dist"
fi

log "measuring: ${BENCH_RUNS:-3} runs of ${BENCH_FILE_MB:-64} MB each way of sending"
(cd e2e && TMPDIR="$work" npx --no-install playwright test -c bench/files.config.ts)
cat "${BENCH_OUT%.json}.txt"
