#!/usr/bin/env bash
# Page load → connected: Duet against a bare RTCPeerConnection exchange in the same
# Debian Chromium (fake camera and microphone), on loopback and with a delay added
# between the browsers and the servers. Person A waits in a room; the time is person
# B's, from navigation start of the room link to "connected". Prints a table and
# writes target/bench/setup.json (and setup.txt). Takes ~4 minutes with 15 runs.
#
# The delay: this kernel has no netem. An iptables-legacy chain hooked into OUTPUT
# sends the TCP packets of the two servers' ports on loopback (both directions) to an
# NFQUEUE, where duet-netdelay (crates/setupbench) holds each packet for
# BENCH_DELAY_MS before letting it through. That is a real per-packet delay each way,
# so TCP handshakes, page loads, API calls and WebSocket messages all pay it, for Duet
# and for the bare page (served with its relay by duet-bare-signal) alike. No network
# namespaces are needed: the servers and browsers stay on 127.0.0.1 and the rules
# match only the servers' ports, so nothing else on the machine is slowed, and
# browser↔browser media and ICE (UDP) stay undelayed. `--queue-bypass` lets packets
# through undelayed if the delayer is gone, so the benchmark checks that a TCP
# handshake takes one delayed round trip before it measures.
#
# Settings: BENCH_RUNS (15), BENCH_DELAY_MS (50, one way; 0: loopback only),
# BENCH_WARMUP (1 uncounted run per network), BENCH_OUT (target/bench/setup.json),
# BENCH_LABEL (names the build in the JSON). DUET_BIN and DUET_DIST measure another
# build of the backend and the app instead of building this tree's.
#
# Needs root (iptables, NFQUEUE). Installs, when missing, what scripts/e2e.sh does
# (Chromium, the test packages) and iptables, the delay's only other need.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { printf '\033[1mbench-setup:\033[0m %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
    log "needs root: the delay uses iptables and NFQUEUE"
    exit 1
fi
delay_ms="${BENCH_DELAY_MS:-50}"
export BENCH_RUNS="${BENCH_RUNS:-15}"
BENCH_OUT="${BENCH_OUT:-$root/target/bench/setup.json}"
# The runner works in e2e/: a relative path is taken from the project root.
[[ "$BENCH_OUT" == /* ]] || BENCH_OUT="$PWD/$BENCH_OUT"
export BENCH_OUT

missing=()
[[ -x /usr/lib/chromium/chromium ]] || missing+=(chromium)
command -v iptables-legacy >/dev/null || missing+=(iptables)
if ((${#missing[@]})); then
    log "installing ${missing[*]} from apt"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export CHROMIUM_PATH=/usr/lib/chromium/chromium
if [[ ! -f e2e/node_modules/.package-lock.json || e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]]; then
    log "installing the test dependencies (npm ci)"
    (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

work="$(mktemp -d /tmp/duet-bench-setup.XXXXXX)"
chain="DUET_BENCH_$$"
queue=$((20000 + $$ % 10000))
delayer=""
runner=""
cleanup() {
    local status=$?
    # Every step runs even if one fails.
    set +e
    # The browsers and servers of an interrupted run: the runner's whole process group.
    if [[ -n "$runner" ]] && kill -0 "$runner" 2>/dev/null; then
        kill -TERM -- "-$runner"
        wait "$runner" 2>/dev/null
    fi
    if iptables-legacy -w -n -L "$chain" >/dev/null 2>&1; then
        iptables-legacy -w -D OUTPUT -j "$chain"
        iptables-legacy -w -F "$chain"
        iptables-legacy -w -X "$chain"
    fi
    if [[ -n "$delayer" ]]; then
        kill "$delayer"
        wait "$delayer" 2>/dev/null
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The app and the backend, copied like scripts/e2e.sh does, so a rebuild by someone
# else during the run changes nothing under the servers.
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
    dirty="$(git status --porcelain -- frontend backend shared | head -c1)"
    export BENCH_LABEL="${BENCH_LABEL:-this tree at $(git rev-parse --short HEAD)${dirty:+ with uncommitted changes}}"
fi
export BENCH_LABEL="${BENCH_LABEL:-$DUET_BIN}"
cargo build -p duet-setupbench
cp target/debug/duet-netdelay target/debug/duet-bare-signal "$work/"
export DUET_BARE_SIGNAL_BIN="$work/duet-bare-signal"

if ((delay_ms > 0)); then
    "$work/duet-netdelay" --queue "$queue" --delay-ms "$delay_ms" 2>"$work/netdelay.log" &
    delayer=$!
    until grep -q ready "$work/netdelay.log"; do
        if ! kill -0 "$delayer" 2>/dev/null; then
            log "the delayer did not start: $(cat "$work/netdelay.log")"
            exit 1
        fi
        sleep 0.1
    done
    # The chain stays empty (no delay) until the benchmark adds its servers' ports.
    iptables-legacy -w -N "$chain"
    iptables-legacy -w -I OUTPUT -j "$chain"
    export BENCH_CHAIN="$chain" BENCH_QUEUE="$queue" BENCH_DELAY_MS="$delay_ms"
fi

log "measuring: $BENCH_RUNS runs each, loopback$( ((delay_ms > 0)) && echo " and +$delay_ms ms each way")"
# In a process group of its own, so that an interrupted run can end all of it; its
# temporary files (the backend's data, browser profiles) go where cleanup removes them.
(cd e2e && TMPDIR="$work" exec setsid npx --no-install playwright test -c bench/playwright.config.ts) &
runner=$!
wait "$runner"
runner=""
cat "${BENCH_OUT%.json}.txt"
