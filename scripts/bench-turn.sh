#!/usr/bin/env bash
# TURN relay benchmark: the embedded server (crates/turn) against coturn on this machine, same
# load, both at once, on loopback (crates/turn/examples/turn_bench.rs says how and what it prints:
# relayed bytes, throughput, CPU seconds, throughput per CPU second embedded ÷ coturn, goal ≥ 1).
#
#   scripts/bench-turn.sh   2 rounds × 2 kinds of 20 sessions × 3000 messages of 1000 bytes,
#                           each session sending one message a millisecond (~1.5 min)
#
# ROUNDS, SESSIONS, MESSAGES, SIZE and INTERVAL_MS (0: as fast as the client can, which
# overloads this 2-core machine and mostly measures losses) change the load;
# SKIP_BUILD=1 reuses the release build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-coturn.sh
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release --quiet -p duet-turn --example turn_bench_server --example turn_bench
fi
exec target/release/examples/turn_bench --rounds "${ROUNDS:-2}" --sessions "${SESSIONS:-20}" \
    --messages "${MESSAGES:-3000}" --size "${SIZE:-1000}" --interval-ms "${INTERVAL_MS:-1}"
