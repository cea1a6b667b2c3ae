#!/usr/bin/env bash
# Schemathesis (a property-based API tester no one here wrote) against the real server:
# every check on every operation of /api/openapi.json, as a signed-in user, with a bounded
# number of examples and a time bound. Any finding fails the run.
# The tool lives in a virtual environment under target/tools, made once per pinned version.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

version="4.32.5"
examples="${SCHEMATHESIS_EXAMPLES:-100}"
seed="${SCHEMATHESIS_SEED:-1}"
time_bound="${SCHEMATHESIS_TIMEOUT:-600}"
venv="target/tools/schemathesis-$version"

if [[ ! -x "$venv/bin/schemathesis" ]]; then
    echo "installing schemathesis $version into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" || {
        echo "schemathesis needs python3 with its venv module (Debian: apt-get install python3-venv)" >&2
        exit 1
    }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

cargo build -p duet-backend --bin duet
work="$(mktemp -d)"
server=""
cleanup() {
    if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# A fresh SQLite database; sign-in limits high enough that the tool meets the rules it is
# testing, not the brute-force guard.
target/debug/duet --port "$port" --data-dir "$work" --static-dir "$work/no-app" \
    --jwt-secret "schemathesis-run-secret-0123456789abcdef" --auth-rate-per-minute 1000000 \
    >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
    if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then cat "$work/server.log"; exit 1; fi
    sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null

token="$(curl -fsS -X POST "$base/api/signup" -H 'content-type: application/json' \
    -d '{"name":"Schemathesis","email":"schemathesis@example.com","password":"correct horse battery"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"

start=$SECONDS
status=0
# Run from the scratch folder so nothing the tool writes lands in the checkout.
(cd "$work" && timeout --signal=INT "$time_bound" "$root/$venv/bin/schemathesis" \
    --config-file "$root/scripts/schemathesis.toml" run "$base/api/openapi.json" \
    --url "$base" \
    --checks all \
    --max-examples "$examples" \
    --header "Authorization: Bearer $token" \
    --seed "$seed" \
    --no-color \
    --generation-database none \
    --wait-for-schema 30) \
    || status=$?
echo "schemathesis $version: $((SECONDS - start)) s, exit $status"
if [[ $status -ne 0 ]]; then
    echo "server log (last 40 lines):"
    tail -n 40 "$work/server.log"
fi
exit "$status"
