#!/usr/bin/env bash
# End-to-end tests: Playwright drives Debian's headless Chromium (two people, two
# browser contexts) against the real backend on a free port with a fresh database.
#
# Installs what is missing (Chromium from apt, the npm packages when node_modules is
# absent or older than package-lock.json), builds the app, the backend and the terminal
# client, then runs the suite with one worker. Extra arguments go to `playwright test`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { printf '\033[1me2e:\033[0m %s\n' "$*" >&2; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

if [[ ! -x /usr/bin/chromium ]]; then
    log "installing Chromium from apt"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# The real binary, not the wrapper script (which prints a harmless warning).
if [[ -x /usr/lib/chromium/chromium ]]; then
    export CHROMIUM_PATH=/usr/lib/chromium/chromium
else
    export CHROMIUM_PATH=/usr/bin/chromium
fi

# The servers some tests start besides the backend: coturn, and Postgres and Redis
# for two instances side by side.
scripts/ensure-coturn.sh
scripts/ensure-postgres.sh
scripts/ensure-redis.sh

# npm records the installed tree in node_modules/.package-lock.json; reinstall when
# it is missing or the committed lock file changed after it.
installed=e2e/node_modules/.package-lock.json
if [[ ! -f "$installed" || e2e/package-lock.json -nt "$installed" ]]; then
    log "installing the test dependencies (npm ci)"
    # Playwright must never download a browser: Debian's Chromium is used.
    (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

# Build the app and test a private copy of it: another build of dist/ during the run
# (e.g. `just dist`) must not swap the files under the server.
mkdir -p target
exec 9>target/.build-frontend.lock
flock 9
DUET_FRONTEND_LOCKED=1 scripts/build-frontend.sh
snapshot="$(mktemp -d)"
trap 'rm -rf "$snapshot"' EXIT
cp -r dist "$snapshot/dist"
flock -u 9
export DUET_DIST="$snapshot/dist"

log "building the backend"
cargo build -p duet-backend
# Likewise the server binary: a copy, so a rebuild during the run does not matter.
cp target/debug/duet "$snapshot/duet"
export DUET_BIN="$snapshot/duet"
# The terminal client (crates/cli), for tests/terminal.spec.ts; a copy likewise.
cargo build -p duet-cli
cp target/debug/duet-cli "$snapshot/duet-cli"
export DUET_CLI_BIN="$snapshot/duet-cli"

log "running the suite"
cd e2e
npx --no-install playwright test --workers=1 "$@"
