//! The crate's one error type.

use std::net::SocketAddr;

/// Why the TURN server could not start.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    /// A setting is unusable (see [`TurnConfig`](crate::TurnConfig)).
    #[error("invalid TURN configuration: {0}")]
    Config(String),
    /// A listening socket could not be bound.
    #[error("TURN server cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The server's thread or its runtime could not be started.
    #[error("cannot start the TURN server thread: {0}")]
    Thread(std::io::Error),
    /// The TURN library refused to start.
    #[error("TURN server: {0}")]
    Turn(#[from] turn::Error),
}
