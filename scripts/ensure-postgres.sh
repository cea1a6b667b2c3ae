#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 (trust auth), starting or installing it if needed.
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ready && exit 0
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "installing PostgreSQL…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
    conf=$(ls -d /etc/postgresql/*/main | head -n1)
    # Tests connect over loopback without a password, as on the development machines.
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$conf/pg_hba.conf"
fi
version=$(ls /etc/postgresql | head -n1)
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 60); do ready && exit 0; sleep 0.5; done
echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
