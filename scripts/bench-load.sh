#!/usr/bin/env bash
# Signaling load benchmark (docs/benchmarks.md): builds `duet` and `duet-loadgen` in
# release, then runs the same load twice and prints both reports and their comparison:
#
#   1. one instance on a fresh temporary SQLite database;
#   2. two instances sharing Redis (a fresh key prefix) and one fresh Postgres database,
#      the clients split so that the two members of every room are on different
#      instances: every relay between them crosses Redis.
#
# Each run makes its rooms with one server process and measures fresh ones. Everything
# started here (servers, the Postgres database, the Redis keys, temporary files) is
# removed on exit, failures and Ctrl-C included.
#
#   scripts/bench-load.sh                 short run: 1,000 clients, 10 s of chat (each setup)
#   FULL=1 scripts/bench-load.sh          full run: 10,000 clients, 30 s of chat
#   CLUSTER=0 scripts/bench-load.sh       the single instance only (no Postgres or Redis)
#   scripts/bench-load.sh --clients 2000  any other duet-loadgen flag is passed to both runs
#
# CLIENTS and CHAT_SECS override the run's size; SKIP_BUILD=1 reuses the release binaries
# already in target/. The two-instance run brings up Postgres and Redis on 127.0.0.1
# (scripts/ensure-postgres.sh, scripts/ensure-redis.sh). Exits with the worse of the load
# generator's statuses: 0 clean, 1 errors were counted, 2 a run could not be carried out.
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
cluster=${CLUSTER:-1}

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
    # `--bin` selects targets across both packages: name both binaries.
    cargo build --release --quiet -p duet-backend -p duet-loadgen --bin duet --bin duet-loadgen
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/duet-bench.XXXXXX")
pids=()   # servers started and not yet stopped
loadgen=  # the load generator's pid while it runs
db=       # the two-instance run's Postgres database, once created
prefix=   # and its Redis key prefix
port=     # the port of the server started last

# Stops every server this script started: all asked at once, then waited for.
stop_servers() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    # The server gives open sockets up to 10 s to close; do not wait forever.
    for _ in $(seq 1 150); do
        local alive=0
        for pid in "${pids[@]}"; do
            if kill -0 "$pid" 2>/dev/null; then alive=1; fi
        done
        [[ $alive == 0 ]] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
cleanup() {
    if [[ -n $loadgen ]]; then
        kill -TERM "$loadgen" 2>/dev/null || true
        wait "$loadgen" 2>/dev/null || true
    fi
    stop_servers
    if [[ -n $db ]]; then
        psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" \
            >/dev/null 2>&1 || echo "bench-load: could not drop the database $db" >&2
    fi
    if [[ -n $prefix ]]; then
        redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "$prefix*" 2>/dev/null |
            xargs -r -n 500 redis-cli -h 127.0.0.1 -p 6379 del >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh secret shared with the load generator, which mints its users' tokens with it.
secret=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
export JWT_SECRET=$secret DUET_LOADGEN_JWT_SECRET=$secret

# start_server LOG DATABASE-AND-HUB-FLAGS…: starts one instance logging to LOG, adds its
# pid to `pids` and sets `port`. Port 0: the server picks a free one and logs it. Limits
# are opened up so that they measure the server, not its abuse protections; the per-user
# cap stays at its default.
start_server() {
    local log=$1
    shift
    local data
    data=$(mktemp -d "$tmp/data.XXXXXX")
    # From the temporary folder (no stray .env is read) and without the environment's
    # database, Redis or metrics settings: only the flags given here count.
    (cd "$tmp" && exec env -u REDIS_URL -u REDIS_PREFIX -u METRICS_ADDR -u DATABASE_URL \
        "$root/target/release/duet" \
        --host 127.0.0.1 --port 0 \
        --data-dir "$data" \
        --static-dir none --stun-urls "" \
        --auth-rate-per-minute 100000 \
        --max-connections-per-address 1000000 \
        --max-connections-per-user 8 \
        --client-timeout 60s \
        --log-format json \
        "$@" \
        >"$log" 2>&1) &
    local pid=$!
    pids+=("$pid")
    port=
    for _ in $(seq 1 300); do
        port=$(grep -o '"port":[0-9]*' "$log" | head -n1 | cut -d: -f2 || true)
        [[ -n $port ]] && return 0
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "bench-load: the server did not start:" >&2
            cat "$log" >&2
            exit 2
        fi
        sleep 0.1
    done
    echo "bench-load: the server did not report its port within 30 s" >&2
    exit 2
}

# Warnings and errors the load caused in the given server logs ("no built web app" is
# expected: --static-dir none).
log_notes() {
    # Streamed, not held in a variable: an overloaded run can log tens of thousands of lines.
    notable() { cat "$@" | grep -E '"level":"(WARN|ERROR)"' | grep -v 'no built web app' || true; }
    local warnings errors
    warnings=$(notable "$@" | grep -c '"level":"WARN"' || true)
    errors=$(notable "$@" | grep -c '"level":"ERROR"' || true)
    echo "  server log            ${warnings:-0} warnings, ${errors:-0} errors"
    notable "$@" | head -n 5 >&2
}

# Runs duet-loadgen with the given flags and returns its status. In the background and
# waited for, so that a signal to this script stops it at once rather than after the run.
run_loadgen() {
    local status=0
    target/release/duet-loadgen "$@" &
    loadgen=$!
    wait "$loadgen" || status=$?
    loadgen=
    return "$status"
}

# setup_rooms NAME FLAGS…: makes the rooms in one server process started with FLAGS and
# stops it; the measured run gets fresh processes: sign-up password hashing leaves tens
# of MiB of freed heap that new connections would quietly reuse, hiding their real cost
# from the per-connection RSS figure.
setup_rooms() {
    local name=$1
    shift
    start_server "$tmp/$name-setup.log" "$@"
    run_loadgen --url "http://127.0.0.1:$port" --clients "$clients" \
        --setup-only --rooms-file "$tmp/$name-rooms.txt" "${loadgen_args[@]}"
    stop_servers
}

# measure NAME URLS PIDS: the measured load run; prints its report, writes
# $tmp/NAME.summary and returns the load generator's status.
measure() {
    run_loadgen \
        --url "$2" \
        --server-pid "$3" \
        --rooms-file "$tmp/$1-rooms.txt" \
        --summary-file "$tmp/$1.summary" \
        --clients "$clients" \
        --chat-secs "$chat_secs" \
        "${loadgen_args[@]}"
}

loadgen_args=("$@")
status=0

# 1. One instance, SQLite, the in-memory hub.
sqlite=(--database-url "sqlite://$tmp/bench.db?mode=rwc")
setup_rooms one "${sqlite[@]}"
start_server "$tmp/one.log" "${sqlite[@]}"
echo "bench-load: one instance: duet (pid ${pids[0]}) on 127.0.0.1:$port; $clients clients, ${chat_secs} s of chat" >&2
echo "== One instance (SQLite, in-memory hub) =="
measure one "http://127.0.0.1:$port" "${pids[0]}" || status=$?
log_notes "$tmp/one.log"
stop_servers

if [[ $cluster != 1 ]]; then
    exit "$status"
fi

# 2. Two instances, one Postgres database and Redis, each room split across them.
if ! scripts/ensure-postgres.sh >&2 || ! scripts/ensure-redis.sh >&2; then
    echo "bench-load: the two-instance run needs Postgres and Redis on 127.0.0.1" >&2
    exit 2
fi
run_id=$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')
db=duet_bench_$run_id
prefix="duet-bench-$run_id:"
psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE \"$db\"" >/dev/null
shared=(--database-url "postgres://postgres@127.0.0.1:5432/$db"
    --redis-url redis://127.0.0.1:6379 --redis-prefix "$prefix")
setup_rooms two "${shared[@]}"
start_server "$tmp/two-a.log" "${shared[@]}"
port_a=$port
start_server "$tmp/two-b.log" "${shared[@]}"
port_b=$port
echo "bench-load: two instances: duet (pids ${pids[0]}, ${pids[1]}) on 127.0.0.1:$port_a and :$port_b," \
    "Postgres $db, Redis prefix $prefix; $clients clients, ${chat_secs} s of chat" >&2
echo
echo "== Two instances (Postgres, Redis hub; each room's members on different instances) =="
two_status=0
measure two "http://127.0.0.1:$port_a,http://127.0.0.1:$port_b" "${pids[0]},${pids[1]}" ||
    two_status=$?
log_notes "$tmp/two-a.log" "$tmp/two-b.log"
stop_servers
if [[ $two_status -gt $status ]]; then status=$two_status; fi

# The comparison, from the load generator's summaries: two instances ÷ one.
if [[ -f $tmp/one.summary && -f $tmp/two.summary ]]; then
    echo
    awk -v clients="$clients" -v secs="$chat_secs" '
        FNR == NR { one[$1] = $2; next }
        { two[$1] = $2 }
        function ratio(k) {
            if (!(k in one) || !(k in two) || one[k] == 0) return "   n/a  "
            return sprintf("%6.2f ×", two[k] / one[k])
        }
        function row(label, k, fmt, unit) {
            printf "  %-22s %s  (" fmt " → " fmt "%s)\n", label, ratio(k), one[k], two[k], unit
        }
        END {
            printf "Two instances ÷ one instance (%d clients, %d s of chat each):\n", clients, secs
            row("relayed chat", "relayed_per_sec", "%.0f", "/s")
            row("relay latency p50", "latency_p50_ms", "%.2f", " ms")
            row("relay latency p99", "latency_p99_ms", "%.2f", " ms")
            row("relay latency max", "latency_max_ms", "%.2f", " ms")
            row("peer copies p99", "peer_latency_p99_ms", "%.2f", " ms")
            row("negotiation p50", "negotiation_p50_ms", "%.2f", " ms")
            row("RSS per idle conn", "rss_per_idle_conn_kib", "%.1f", " KiB, instances summed")
            row("RSS per conn in call", "rss_per_room_conn_kib", "%.1f", " KiB, instances summed")
            row("server CPU (chat)", "server_cpu_percent", "%.0f", "% of one core, summed")
            printf "  %-22s %d → %d; connections held %d → %d\n", "errors", one["errors"], two["errors"], one["held"], two["held"]
        }' "$tmp/one.summary" "$tmp/two.summary"
fi
exit "$status"
