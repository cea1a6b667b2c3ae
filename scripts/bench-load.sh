#!/usr/bin/env bash
# Signaling load benchmark (docs/benchmarks.md): builds `duet` and `duet-loadgen` in
# release, starts the server on a free loopback port with a fresh temporary database,
# runs the load generator against it, prints its report, then stops the server and
# removes the temporary files.
#
#   scripts/bench-load.sh                 short run: 1,000 clients, 10 s of chat
#   FULL=1 scripts/bench-load.sh          full run: 10,000 clients, 30 s of chat
#   scripts/bench-load.sh --clients 2000  any other duet-loadgen flag is passed through
#
# CLIENTS and CHAT_SECS override the run's size; SKIP_BUILD=1 reuses the release binaries
# already in target/. Exits with the load generator's status:
# 0 clean, 1 errors were counted, 2 the run could not be carried out.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [[ "${FULL:-0}" == 1 ]]; then
    clients=${CLIENTS:-10000}
    chat_secs=${CHAT_SECS:-30}
else
    clients=${CLIENTS:-1000}
    chat_secs=${CHAT_SECS:-10}
fi

# One descriptor per socket on each side, plus the server's database and logs.
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
    cargo build --release --quiet -p duet-backend --bin duet -p duet-loadgen
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench.XXXXXX")
server_pid=
port=

# Stops the server this script started, if it is running.
stop_server() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        # The server gives open sockets up to 10 s to close; do not wait forever.
        for _ in $(seq 1 150); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
}
cleanup() {
    stop_server
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh secret shared with the load generator, which mints its users' tokens with it.
secret=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
export JWT_SECRET=$secret DUET_LOADGEN_JWT_SECRET=$secret

# Starts the server on the temporary database, logging to $1; sets server_pid and port.
# Port 0: the server picks a free one and logs it. Limits are opened up so that they
# measure the server, not its abuse protections; the per-user cap stays at its default.
start_server() {
    local log=$1
    # From the temporary folder (no stray .env is read) and without the environment's
    # Redis or metrics settings: one in-memory instance is what is measured.
    (cd "$tmp" && exec env -u REDIS_URL -u METRICS_ADDR -u DATABASE_URL "$root/target/release/duet" \
        --host 127.0.0.1 --port 0 \
        --data-dir "$tmp" \
        --database-url "sqlite://$tmp/bench.db?mode=rwc" \
        --static-dir none --stun-urls "" \
        --auth-rate-per-minute 100000 \
        --max-connections-per-address 1000000 \
        --max-connections-per-user 8 \
        --client-timeout 60s \
        --log-format json \
        >"$log" 2>&1) &
    server_pid=$!
    port=
    for _ in $(seq 1 300); do
        port=$(grep -o '"port":[0-9]*' "$log" | head -n1 | cut -d: -f2 || true)
        [[ -n $port ]] && return 0
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "bench-load: the server did not start:" >&2
            cat "$log" >&2
            exit 2
        fi
        sleep 0.1
    done
    echo "bench-load: the server did not report its port within 30 s" >&2
    exit 2
}

# Rooms are made by one server process and loaded by a fresh one: sign-up password
# hashing leaves tens of MiB of freed heap that new connections would quietly reuse,
# hiding their real cost from the per-connection RSS figure.
start_server "$tmp/setup.log"
target/release/duet-loadgen --url "http://127.0.0.1:$port" --clients "$clients" \
    --setup-only --rooms-file "$tmp/rooms.txt" "$@"
stop_server

start_server "$tmp/server.log"
echo "bench-load: duet (pid $server_pid) on 127.0.0.1:$port; $clients clients, ${chat_secs} s of chat" >&2
status=0
target/release/duet-loadgen \
    --url "http://127.0.0.1:$port" \
    --server-pid "$server_pid" \
    --rooms-file "$tmp/rooms.txt" \
    --clients "$clients" \
    --chat-secs "$chat_secs" \
    "$@" || status=$?

# Warnings and errors the load caused ("no built web app" is expected: --static-dir none).
notable=$(grep -E '"level":"(WARN|ERROR)"' "$tmp/server.log" | grep -v 'no built web app' || true)
warnings=$(grep -c '"level":"WARN"' <<<"$notable" || true)
errors=$(grep -c '"level":"ERROR"' <<<"$notable" || true)
echo "  server log            ${warnings:-0} warnings, ${errors:-0} errors"
if [[ -n $notable ]]; then
    head -n 5 <<<"$notable" >&2
fi
exit "$status"
