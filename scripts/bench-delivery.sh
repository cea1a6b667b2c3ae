#!/usr/bin/env bash
# What the web app costs a visitor: the size of each built file raw, gzipped and
# brotli-compressed (the copies the build stores and the server sends), then the bytes a
# real browser fetched for the lobby on a first and a repeat visit (against the
# 250 kB budget) and the time to a lobby that answers a click, on loopback.
# Output also goes to target/bench/delivery.json.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { printf '\033[1mbench-delivery:\033[0m %s\n' "$*" >&2; }

scripts/build-frontend.sh
cargo build -q -p duet-backend

printf '\n%-46s %10s %10s %10s\n' "built file" raw gzip brotli
size() { if [[ -f "$1" ]]; then stat -c %s "$1"; else echo -; fi; }
kb() { [[ "$1" == - ]] && echo - || awk -v b="$1" 'BEGIN { printf "%.1f kB", b / 1000 }'; }
for f in dist/*; do
    case "$f" in *.br | *.gz) continue ;; esac
    printf '%-46s %10s %10s %10s\n' "${f#dist/}" "$(kb "$(size "$f")")" "$(kb "$(size "$f.gz")")" "$(kb "$(size "$f.br")")"
done

if [[ -x /usr/lib/chromium/chromium ]]; then
    export CHROMIUM_PATH=/usr/lib/chromium/chromium
elif [[ ! -x /usr/bin/chromium ]]; then
    log "Chromium is missing: run scripts/e2e.sh once (it installs it)"
    exit 1
fi
if [[ ! -d e2e/node_modules/@playwright ]]; then
    (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
DUET_BIN="$root/target/debug/duet" DUET_DIST="$root/dist" OUT="$root/target/bench/delivery.json" \
    node e2e/bench/first-visit.mjs
