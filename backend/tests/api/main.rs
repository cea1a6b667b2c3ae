//! Integration tests: the real server on port 0, real HTTP and WebSocket clients,
//! a fresh database per test (SQLite by default; Postgres with `DUET_TEST_DB=postgres`).

// A test binary: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod conformance;
mod helpers;
mod logs;
mod multi_instance;
mod proxies;
mod reverse_proxy;
mod rooms;
mod shutdown;
mod signaling;
mod startup;
mod static_app;
mod turn_interop;
mod turn_provider;
mod web;
