#!/usr/bin/env bash
# TURN relay benchmark: the embedded server (crates/turn) against coturn on this machine, same
# load, one run. Both listen on loopback and `turnutils_uclient` (coturn's load client) drives
# identical UDP traffic through each, both at the same time so that other load on the machine
# hits them alike. Two kinds of traffic:
#   relay  client pairs talking through two relays of the same server (-y), as when both callers
#          must relay; the embedded server hands these datagrams between its relays in memory.
#   peer   clients talking to an echo peer outside the server (-e, turnutils_peer on 127.0.0.2),
#          as when one caller relays to the other's own address.
# Prints relayed bytes, throughput, each server's CPU seconds (from /proc/<pid>/stat) and the
# ratio of throughput per CPU second, embedded ÷ coturn (goal ≥ 1). The load is paced, so
# throughput is the same for both when neither loses datagrams: CPU is what differs.
#
#   scripts/bench-turn.sh   2 rounds × 2 kinds of 20 sessions × 3000 messages of 1000 bytes,
#                           each session sending one message a millisecond (~1.5 min)
#
# ROUNDS, SESSIONS, MESSAGES, SIZE and INTERVAL_MS (0: as fast as the client can, which
# overloads this 2-core machine and mostly measures losses) change the load;
# SKIP_BUILD=1 reuses the release build.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-2}
sessions=${SESSIONS:-20}
messages=${MESSAGES:-3000}
size=${SIZE:-1000}
interval=${INTERVAL_MS:-1}
secret="bench-turn-$RANDOM$RANDOM"
realm=duet.bench
peer_ip=127.0.0.2

scripts/ensure-coturn.sh
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release --quiet -p duet-turn --example turn_bench_server
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# Arithmetic on decimals (awk, as bc is not always installed).
calc() { awk "BEGIN { print $1 }"; }

free_port() {
    python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}

# CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

username="$(($(date +%s) + 3600)):bench"
# base64(HMAC-SHA1(secret, username)), as the backend issues it.
password=$(python3 -c 'import base64, hashlib, hmac, sys; print(base64.b64encode(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha1).digest()).decode())' "$secret" "$username")

# The embedded server (the crate's example binary), on a port the system picks. Private peers
# are allowed for the echo peer on 127.0.0.2, as coturn's --allow-loopback-peers below.
target/release/examples/turn_bench_server --listen 127.0.0.1:0 --relay-ip 127.0.0.1 \
    --ports 40000-40999 --secret "$secret" --realm "$realm" --allow-private-peers \
    --per-user 100000 --total 100000 >"$tmp/embedded.out" 2>"$tmp/embedded.err" &
embedded=$!
pids+=("$embedded")
for _ in $(seq 200); do
    grep -q '^listening ' "$tmp/embedded.out" && break
    kill -0 "$embedded" 2>/dev/null || break
    sleep 0.1
done
embedded_port=$(sed -n 's/^listening .*:\([0-9]*\)$/\1/p' "$tmp/embedded.out")
[[ -n $embedded_port ]] || { echo "bench-turn: the embedded server did not start" >&2; cat "$tmp/embedded.err" >&2; exit 2; }

# coturn, configured alike: no TLS/DTLS/TCP/CLI, its default of one relay thread per CPU.
coturn_port=$(free_port 127.0.0.1)
turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$coturn_port" \
    --min-port=41000 --max-port=41999 --use-auth-secret --static-auth-secret="$secret" \
    --realm="$realm" --allow-loopback-peers --no-cli --no-tls --no-dtls --no-tcp \
    --pidfile="$tmp/turn.pid" --userdb="$tmp/turndb" --log-file="$tmp/coturn.log" \
    --no-stdout-log --simple-log >/dev/null 2>&1 &
coturn=$!
pids+=("$coturn")

# One echo peer per server, so neither waits on the other's.
declare -A peer_port
for server in embedded coturn; do
    peer_port[$server]=$(free_port "$peer_ip")
    turnutils_peer -L "$peer_ip" -p "${peer_port[$server]}" >/dev/null 2>&1 &
    pids+=("$!")
done

# turnutils_uclient against port $1 with the traffic arguments that follow; its output in $tmp/$2.
# Its wall time goes to $tmp/$2.secs.
uclient() {
    local port=$1 out=$2 start status=0
    shift 2
    start=$(date +%s.%N)
    timeout 120 turnutils_uclient -c -m "$sessions" -n "$messages" -l "$size" -z "$interval" "$@" \
        -p "$port" -u "$username" -w "$password" 127.0.0.1 >"$tmp/$out" 2>&1 || status=$?
    calc "$(date +%s.%N) - $start" >"$tmp/$out.secs"
    return "$status"
}

# The payload that came back, from the client's last running total.
received() { grep -o 'tot_recv_bytes ~ [0-9]*' "$tmp/$1" | tail -1 | grep -o '[0-9]*$' || echo 0; }

# A server is ready once it relays a few messages to its echo peer (coturn says nothing when
# it listens).
warm_up() {
    local pid=$1 port=$2 server=$3
    for _ in $(seq 100); do
        if timeout 10 turnutils_uclient -c -m 1 -n 3 -l 100 -e "$peer_ip" -r "${peer_port[$server]}" \
            -p "$port" -u "$username" -w "$password" 127.0.0.1 >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    echo "bench-turn: the $server server does not relay" >&2
    cat "$tmp/coturn.log" "$tmp/embedded.err" >&2
    exit 2
}
warm_up "$embedded" "$embedded_port" embedded
warm_up "$coturn" "$coturn_port" coturn

hz=$(getconf CLK_TCK)
declare -A bytes ticks wall
echo "bench-turn: $rounds rounds of $sessions sessions × $messages messages of $size bytes every ${interval} ms, both servers at once"
for round in $(seq "$rounds"); do
    for kind in relay peer; do
        declare -A before=([embedded]=$(cpu_ticks "$embedded") [coturn]=$(cpu_ticks "$coturn"))
        clients=()
        for server in embedded coturn; do
            if [[ $server == embedded ]]; then port=$embedded_port; else port=$coturn_port; fi
            if [[ $kind == relay ]]; then
                uclient "$port" "$kind.$server" -y &
            else
                uclient "$port" "$kind.$server" -e "$peer_ip" -r "${peer_port[$server]}" &
            fi
            clients+=("$!")
        done
        for client in "${clients[@]}"; do
            wait "$client" || { echo "bench-turn: a $kind load run failed" >&2; tail -3 "$tmp/$kind".* >&2; exit 2; }
        done
        line="  round $round $kind:"
        for server in embedded coturn; do
            if [[ $server == embedded ]]; then pid=$embedded; else pid=$coturn; fi
            used=$(($(cpu_ticks "$pid") - ${before[$server]}))
            got=$(received "$kind.$server")
            bytes[$kind.$server]=$((${bytes[$kind.$server]:-0} + got))
            ticks[$kind.$server]=$((${ticks[$kind.$server]:-0} + used))
            wall[$kind.$server]=$(calc "${wall[$kind.$server]:-0} + $(cat "$tmp/$kind.$server.secs")")
            line+=$(printf '  %s %.1f MB in %.2f CPU s' "$server" "$(calc "$got / 1e6")" "$(calc "$used / $hz")")
        done
        echo "$line"
    done
done

echo
printf '%-6s %-9s %11s %7s %7s %7s %13s\n' kind server "MB relayed" "wall s" "MB/s" "CPU s" "MB per CPU s"
for kind in relay peer; do
    for server in embedded coturn; do
        printf '%-6s %-9s %11.1f %7.1f %7.2f %7.2f %13.1f\n' "$kind" "$server" \
            "$(calc "${bytes[$kind.$server]} / 1e6")" "${wall[$kind.$server]}" \
            "$(calc "${bytes[$kind.$server]} / 1e6 / ${wall[$kind.$server]}")" \
            "$(calc "${ticks[$kind.$server]} / $hz")" \
            "$(calc "${bytes[$kind.$server]} / 1e6 / (${ticks[$kind.$server]} / $hz)")"
    done
done
echo
for kind in relay peer; do
    printf 'throughput per CPU second, embedded ÷ coturn, %-5s %.2f (goal ≥ 1.00)\n' "$kind:" \
        "$(calc "(${bytes[$kind.embedded]} / ${ticks[$kind.embedded]}) / (${bytes[$kind.coturn]} / ${ticks[$kind.coturn]})")"
done
# The embedded server prints its own counters when it stops.
kill "$embedded"
wait "$embedded" || true
grep '^TurnStats' "$tmp/embedded.out" || true
