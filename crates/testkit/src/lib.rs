//! Real Duet servers for tests and benchmarks.
//!
//! - [`spawn_app`] and friends: the server in this process (`Application::build`, port 0,
//!   a fresh SQLite file or, with `DUET_TEST_DB=postgres`, a fresh Postgres database);
//!   [`spawn_cluster`]: instances sharing one Postgres database and a Redis prefix.
//! - [`ServerCommand`]: the real `duet` binary as a child process, stopped with SIGTERM.
//! - [`PostgresDatabase`], [`RedisNamespace`]: fresh storage, removed when asked.
//! - [`TestApp`]: one helper per endpoint (sign-up, sign-in, rooms, ICE, metrics, `/ws`).
//! - [`WsClient`]: a typed signaling client (`ClientMsg` out, `ServerMsg` in) that fails the
//!   test when the server misbehaves; a thin wrapper of `duet_client::Connection`.
//! - [`TestApp::client`]: the Rust client library (`duet-client`) for this server; the
//!   helpers that must succeed go through it.
//!
//! ```no_run
//! # async fn example() {
//! let app = duet_testkit::spawn_app().await;
//! let ada = app.new_user("Ada").await;
//! let mut socket = app.ws(&ada).await;
//! socket.expect_quiet().await;
//! # }
//! ```

mod api;
mod app;
mod db;
mod error;
mod process;
mod signaling;
pub mod ws;

use std::time::Duration;

pub use api::{TestApp, TestUser};
pub use app::{spawn_app, spawn_app_configured, spawn_app_with, spawn_cluster, startup_error};
pub use db::{
    PostgresDatabase, REDIS_URL, RedisNamespace, fresh_database, fresh_postgres_database,
    postgres_server_url, sqlite_url,
};
pub use error::KitError;
pub use process::{Process, ServerCommand};
pub use signaling::{candidate, join_race, negotiate, sdp, unique};
pub use ws::{Event, WsClient};

/// The signing secret the test servers use, so tests can forge tokens on purpose.
pub const SECRET: &str = "integration-test-secret-0123456789abcdef";

/// How long any single expected event may take on a loaded 2-core machine.
pub const WAIT: Duration = Duration::from_secs(15);
