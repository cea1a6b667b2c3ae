#!/usr/bin/env bash
# Installs what the Rust checks need when it is missing: the wasm target and cargo-nextest.
set -euo pipefail
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
if ! cargo nextest --version >/dev/null 2>&1; then
    cargo install --locked cargo-nextest
fi
