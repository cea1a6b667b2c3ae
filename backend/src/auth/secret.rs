//! The session-signing secret: from the environment, or generated once for development.

use secrecy::SecretString;
use std::io::Write;
use std::path::Path;

/// Shortest secret accepted.
pub const MIN_SECRET_LEN: usize = 32;

/// Why the generated secret could not be had (the rules on a given one are
/// [`crate::settings::ConfigError`]'s).
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The generated secret could not be read or written.
    #[error("could not keep the generated secret in {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// The development secret kept in `path`, generated there on first use.
pub fn load_or_generate(path: &Path) -> Result<SecretString, SecretError> {
    let io = |source| SecretError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Ok(existing) = std::fs::read_to_string(path) {
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
    write_private(path, &secret).map_err(io)?;
    Ok(secret.into())
}

/// Placeholders copied from examples, or too few distinct characters to be random.
pub(crate) fn looks_weak(secret: &str) -> bool {
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
