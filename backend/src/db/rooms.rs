//! Queries on `rooms` and `room_access`.

use super::users::parse_id;
use duet_shared::api::{Room, RoomStatus, RoomType, UserSummary};
use duet_shared::{RoomId, UserId};
use sqlx::{AnyPool, Row};

/// Rooms listed at most per request.
pub const LIST_LIMIT: i64 = 200;

/// The columns `room_from_row` reads, as a literal for `concat!`.
macro_rules! select_room {
    () => {
        "SELECT r.id, r.name, r.room_type, r.status, r.created_at,
            u.id AS creator_id, u.name AS creator_name
         FROM rooms r JOIN users u ON u.id = r.created_by "
    };
}

/// Inserts a new room.
pub async fn insert(pool: &AnyPool, room: &Room) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO rooms (id, name, room_type, status, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(room.id.to_string())
    .bind(&room.name)
    .bind(room.room_type.as_str())
    .bind(room.status.as_str())
    .bind(room.created_by.id.to_string())
    .bind(room.created_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Public rooms and `viewer`'s own private ones, newest first, filtered by type and name.
pub async fn list(
    pool: &AnyPool,
    viewer: UserId,
    room_type: Option<RoomType>,
    name_contains: Option<&str>,
) -> Result<Vec<Room>, sqlx::Error> {
    let pattern = name_contains.map(|q| format!("%{}%", escape_like(&q.to_lowercase())));
    sqlx::query(concat!(
        select_room!(),
        "WHERE (r.status = 'public' OR r.created_by = $1)
           AND ($2 IS NULL OR r.room_type = $2)
           AND ($3 IS NULL OR LOWER(r.name) LIKE $3 ESCAPE '\\')
         ORDER BY r.created_at DESC, r.id
         LIMIT $4"
    ))
    .bind(viewer.to_string())
    .bind(room_type.map(RoomType::as_str))
    .bind(pattern)
    .bind(LIST_LIMIT)
    .fetch_all(pool)
    .await?
    .iter()
    .map(room_from_row)
    .collect()
}

/// One room by id, whoever may see it.
pub async fn by_id(pool: &AnyPool, id: RoomId) -> Result<Option<Room>, sqlx::Error> {
    sqlx::query(concat!(select_room!(), "WHERE r.id = $1"))
        .bind(id.to_string())
        .fetch_optional(pool)
        .await?
        .map(|r| room_from_row(&r))
        .transpose()
}

/// Whether `user` was granted access to private room `room` (by joining it by id).
pub async fn has_access(pool: &AnyPool, room: RoomId, user: UserId) -> Result<bool, sqlx::Error> {
    let row =
        sqlx::query("SELECT 1 AS granted FROM room_access WHERE room_id = $1 AND user_id = $2")
            .bind(room.to_string())
            .bind(user.to_string())
            .fetch_optional(pool)
            .await?;
    Ok(row.is_some())
}

/// Grants `user` access to `room`; granting twice is harmless.
pub async fn grant_access(
    pool: &AnyPool,
    room: RoomId,
    user: UserId,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO room_access (room_id, user_id, granted_at) VALUES ($1, $2, $3)
         ON CONFLICT (room_id, user_id) DO NOTHING",
    )
    .bind(room.to_string())
    .bind(user.to_string())
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes a room (its access grants go with it).
pub async fn delete(pool: &AnyPool, id: RoomId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM rooms WHERE id = $1")
        .bind(id.to_string())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Rooms made by `user` (for the per-user room quota).
pub async fn count_by_creator(pool: &AnyPool, user: UserId) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM rooms WHERE created_by = $1")
        .bind(user.to_string())
        .fetch_one(pool)
        .await?;
    row.try_get("n")
}

fn room_from_row(r: &sqlx::any::AnyRow) -> Result<Room, sqlx::Error> {
    let decode = |column: &str, text: String| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("unknown value {text}").into(),
    };
    let room_type: String = r.try_get("room_type")?;
    let status: String = r.try_get("status")?;
    Ok(Room {
        id: parse_id(r, "id")?,
        name: r.try_get("name")?,
        room_type: room_type
            .parse()
            .map_err(|_| decode("room_type", room_type.clone()))?,
        status: status
            .parse::<RoomStatus>()
            .map_err(|_| decode("status", status.clone()))?,
        created_by: UserSummary {
            id: parse_id(r, "creator_id")?,
            name: r.try_get("creator_name")?,
        },
        created_at: r.try_get("created_at")?,
        occupants: 0,
    })
}

/// Escapes LIKE wildcards so a search for "50%" means the text "50%".
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The room if `user` may enter it: public, made by them, or granted to them.
pub async fn visible_to(
    pool: &AnyPool,
    id: RoomId,
    user: UserId,
) -> Result<Option<Room>, sqlx::Error> {
    let Some(room) = by_id(pool, id).await? else {
        return Ok(None);
    };
    let allowed = room.status == RoomStatus::Public
        || room.created_by.id == user
        || has_access(pool, id, user).await?;
    Ok(allowed.then_some(room))
}
