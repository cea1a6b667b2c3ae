#!/usr/bin/env bash
# Installs Debian's nginx for the reverse-proxy test (the test runs its own instance).
set -euo pipefail
command -v nginx >/dev/null 2>&1 && exit 0
echo "installing nginx…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq nginx-light >/dev/null || apt-get install -y -qq nginx >/dev/null
# The package may start a system nginx on :80; the tests do not need it.
service nginx stop >/dev/null 2>&1 || true
