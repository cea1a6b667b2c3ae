#!/usr/bin/env bash
# The one-file binary's web serving, tested for real: builds the app, then `duet` with the
# app inside (feature embed-frontend; a debug build, which shares every dependency with
# the test builds so only Duet's own crate is compiled again), and runs the integration
# test that starts it from an empty folder and fetches the app as a browser would.
# Usage: scripts/test-embedded.sh [cargo package flags, e.g. -p duet-backend]
set -euo pipefail
if [[ $# -eq 0 ]]; then set -- -p duet-backend; fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/build-frontend.sh
# The binary and the dist/ it was built from are copied, so a later build of either
# during the run cannot change what is tested.
snapshot="$(mktemp -d)"
trap 'rm -rf "$snapshot"' EXIT
mkdir -p target
exec 9>target/.build-frontend.lock
flock 9
cp -r dist "$snapshot/dist"
cargo build -p duet-backend --features embed-frontend
flock -u 9
cp target/debug/duet "$snapshot/duet"

# The test binary is built with the packages given (the justfile's test set), so it is
# the one the other passes built, not a rebuild with other features.
DUET_EMBEDDED_BIN="$snapshot/duet" DUET_DIST="$snapshot/dist" \
    cargo nextest run "$@" --run-ignored only \
    -E 'package(duet-backend) and binary(api) and test(=static_app::the_binary_with_the_app_inside_serves_it_by_the_same_rules)'
