//! The session-signing secret: from the environment, or generated once for development.

use crate::config::{Config, Environment};
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;
use std::path::Path;

/// Shortest secret accepted.
pub const MIN_SECRET_LEN: usize = 32;

/// Why no secret could be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Production without `JWT_SECRET`.
    #[error("JWT_SECRET must be set when DUET_ENV=production")]
    Missing,
    /// A secret too short to resist guessing.
    #[error("JWT_SECRET must be at least {MIN_SECRET_LEN} characters")]
    TooShort,
    /// A placeholder or low-variety value, refused in production.
    #[error("JWT_SECRET looks like a placeholder; generate one, e.g. with `openssl rand -hex 32`")]
    Weak,
    /// The generated secret could not be read or written.
    #[error("could not keep the generated secret in {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// `JWT_SECRET` if set; otherwise, outside production, a random secret kept in `DATA_DIR/jwt-secret`.
pub fn load(config: &Config) -> Result<SecretString, SecretError> {
    if let Some(secret) = &config.jwt_secret {
        if secret.expose_secret().len() < MIN_SECRET_LEN {
            return Err(SecretError::TooShort);
        }
        if config.environment == Environment::Production && looks_weak(secret.expose_secret()) {
            return Err(SecretError::Weak);
        }
        return Ok(secret.clone());
    }
    if config.environment == Environment::Production {
        return Err(SecretError::Missing);
    }
    let path = config.data_dir.join("jwt-secret");
    let io = |source| SecretError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= MIN_SECRET_LEN {
            return Ok(existing.into());
        }
    }
    tracing::warn!(
        path = %path.display(),
        "JWT_SECRET is not set: using a generated development secret (set JWT_SECRET in production)"
    );
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| io(std::io::Error::other(e)))?;
    let secret = hex::encode(bytes);
    write_private(&path, &secret).map_err(io)?;
    Ok(secret.into())
}

/// Placeholders copied from examples, or too few distinct characters to be random.
fn looks_weak(secret: &str) -> bool {
    let lower = secret.to_lowercase();
    let placeholder = [
        "change",
        "secret-key",
        "your-",
        "example",
        "placeholder",
        "default",
        "password",
    ]
    .iter()
    .any(|p| lower.contains(p));
    let distinct = secret
        .chars()
        .collect::<std::collections::HashSet<_>>()
        .len();
    placeholder || distinct < 12
}

/// Writes `contents` readable by the owner only.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}
