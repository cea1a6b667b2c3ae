//! The database: one portable query set over `sqlx::Any`, for SQLite and PostgreSQL.

pub mod rooms;
pub mod users;

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use std::time::{SystemTime, UNIX_EPOCH};

/// Migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Opens a pool on `url` (creating a SQLite file and its folder if needed) and migrates it.
pub async fn connect(url: &str) -> Result<AnyPool, sqlx::Error> {
    install_default_drivers();
    if let Some(path) = sqlite_path(url)
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
    }
    let pool = AnyPoolOptions::new()
        .max_connections(10)
        .after_connect(|conn, _| {
            Box::pin(async move {
                if conn.backend_name() == "SQLite" {
                    // WAL lets readers run beside the writer; NORMAL syncs at checkpoints,
                    // which WAL keeps safe against corruption.
                    sqlx::raw_sql(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                    )
                    .execute(conn)
                    .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(rest.split('?').next().unwrap_or(rest))
}

/// Now, in milliseconds since the Unix epoch (the schema's time unit).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Whether `e` is a unique-constraint violation (for turning it into a 409).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn sqlite_paths_are_found_in_urls() {
        assert_eq!(
            sqlite_path("sqlite://data/duet.db?mode=rwc"),
            Some("data/duet.db")
        );
        assert_eq!(sqlite_path("sqlite:x.db"), Some("x.db"));
        assert_eq!(sqlite_path("postgres://localhost/duet"), None);
    }
}
