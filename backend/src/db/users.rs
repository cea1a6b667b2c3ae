//! Queries on `users`.

use duet_shared::UserId;
use duet_shared::api::User;
use sqlx::{AnyPool, Row};

/// A user row with its password hash (never sent to clients).
pub struct StoredUser {
    /// The public part.
    pub user: User,
    /// argon2 PHC string.
    pub password_hash: String,
}

/// Inserts a user; fails with a unique violation when the e-mail is taken.
pub async fn insert(pool: &AnyPool, user: &User, password_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, name, email, email_normalized, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user.id.to_string())
    .bind(&user.name)
    .bind(&user.email)
    .bind(normalize_email(&user.email))
    .bind(password_hash)
    .bind(user.created_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The user with this e-mail, in any case.
pub async fn by_email(pool: &AnyPool, email: &str) -> Result<Option<StoredUser>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, name, email, created_at, password_hash FROM users WHERE email_normalized = $1",
    )
    .bind(normalize_email(email))
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(StoredUser {
            user: user_from_row(&r)?,
            password_hash: r.try_get("password_hash")?,
        })
    })
    .transpose()
}

/// The user with this id.
pub async fn by_id(pool: &AnyPool, id: UserId) -> Result<Option<User>, sqlx::Error> {
    sqlx::query("SELECT id, name, email, created_at FROM users WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(pool)
        .await?
        .map(|r| user_from_row(&r))
        .transpose()
}

fn user_from_row(r: &sqlx::any::AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: parse_id(r, "id")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Reads a uuid stored as text.
pub(crate) fn parse_id<T: std::str::FromStr>(
    r: &sqlx::any::AnyRow,
    column: &str,
) -> Result<T, sqlx::Error> {
    let text: String = r.try_get(column)?;
    text.parse().map_err(|_| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("not a uuid: {text}").into(),
    })
}

/// The form e-mails are compared in.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}
