//! The kit's one error type, for the parts a benchmark drives (tests simply panic).

/// Why a server, database or Redis namespace could not be set up or torn down.
#[derive(Debug, thiserror::Error)]
pub enum KitError {
    /// Postgres refused or was unreachable.
    #[error("Postgres at {url}: {source}")]
    Postgres {
        /// The server's URL (without a database).
        url: String,
        /// What sqlx said.
        source: sqlx::Error,
    },
    /// Redis refused or was unreachable.
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A file, folder or process could not be made.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The server process exited or went silent before saying where it listens.
    #[error("the server did not start: {0}")]
    NoPort(String),
}

impl KitError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> KitError {
        let what = what.into();
        move |source| KitError::Io { what, source }
    }
}
