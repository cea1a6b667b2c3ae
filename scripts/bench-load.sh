#!/usr/bin/env bash
# Signaling load benchmark (docs/benchmarks.md): builds `duet` and `duet-loadgen` in release,
# then `duet-loadgen bench` runs the same load on one instance (SQLite) and on two sharing
# Redis and Postgres, prints both reports and their comparison, and removes everything it
# started (servers, database, Redis keys, files), on failures and Ctrl-C too.
#
#   scripts/bench-load.sh                 short run: 1,000 clients, 10 s of chat (each setup)
#   FULL=1 scripts/bench-load.sh          full run: 10,000 clients, 30 s of chat
#   CLUSTER=0 scripts/bench-load.sh       the single instance only (no Postgres or Redis)
#   scripts/bench-load.sh --clients 2000  any other duet-loadgen flag is passed to both runs
#
# CLIENTS and CHAT_SECS override the run's size; SKIP_BUILD=1 reuses the release binaries.
# Exits with the worse of the runs' statuses: 0 clean, 1 errors were counted, 2 a run could
# not be carried out.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${FULL:-0}" == 1 ]]; then
    clients=${CLIENTS:-10000} chat_secs=${CHAT_SECS:-30}
else
    clients=${CLIENTS:-1000} chat_secs=${CHAT_SECS:-10}
fi

# One descriptor per socket on each side, plus the servers' databases and logs; the servers
# inherit the limit.
need=$((clients + 1024))
hard=$(ulimit -Hn)
if [[ $hard != unlimited && $hard -lt $need ]]; then
    echo "bench-load: $clients clients need 'ulimit -n' of $need; the hard limit is $hard" >&2
    exit 2
fi
want=$((need > 65536 ? need : 65536))
if [[ $hard != unlimited && $hard -lt $want ]]; then want=$hard; fi
ulimit -n "$want"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release --quiet -p duet-backend -p duet-loadgen --bin duet --bin duet-loadgen
fi
only=()
if [[ "${CLUSTER:-1}" != 1 ]]; then
    only=(--one-instance)
elif ! scripts/ensure-postgres.sh >&2 || ! scripts/ensure-redis.sh >&2; then
    echo "bench-load: the two-instance run needs Postgres and Redis on 127.0.0.1" >&2
    exit 2
fi
exec target/release/duet-loadgen bench --duet target/release/duet "${only[@]}" \
    --clients "$clients" --chat-secs "$chat_secs" "$@"
