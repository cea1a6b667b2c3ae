#!/usr/bin/env bash
# Installs Debian's coturn (turnserver, turnutils_uclient) for the TURN interop tests.
set -euo pipefail
command -v turnserver >/dev/null 2>&1 && command -v turnutils_uclient >/dev/null 2>&1 && exit 0
echo "installing coturn…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq coturn >/dev/null
