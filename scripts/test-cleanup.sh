#!/usr/bin/env bash
# Removes what test runs leave on the shared services: per-test Postgres databases and
# the Redis keys of per-test prefixes.
set -euo pipefail
psql -h 127.0.0.1 -U postgres -d postgres -Atqc \
    "SELECT datname FROM pg_database WHERE datname LIKE 'duet_test_%'" |
while read -r db; do
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
done
redis-cli -h 127.0.0.1 -p 6379 --scan --pattern 'duet-test-*' | xargs -r -n 500 redis-cli -h 127.0.0.1 -p 6379 del >/dev/null
