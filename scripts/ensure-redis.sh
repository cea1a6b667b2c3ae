#!/usr/bin/env bash
# Makes sure a Redis server answers on 127.0.0.1:6379 (for the multi-instance tests),
# starting or installing it if needed. It keeps nothing on disk.
set -euo pipefail
ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
ready && exit 0
if ! command -v redis-server >/dev/null 2>&1; then
    echo "installing Redis…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
fi
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
for _ in $(seq 1 40); do ready && exit 0; sleep 0.25; done
echo "Redis did not come up on 127.0.0.1:6379" >&2
exit 1
