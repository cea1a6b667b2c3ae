//! Rooms: create, list (with live occupancy), show, join by id, delete.

use super::{resource, validate};
use crate::auth::AuthUser;
use crate::db::{self, rooms};
use crate::error::AppError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use duet_shared::api::{
    ApiError, CreateRoomRequest, JoinRoomRequest, Room, RoomStatus, RoomType, UserSummary,
};
use duet_shared::{RoomId, UserId};
use serde::Deserialize;
use uuid::Uuid;

/// Rooms one account may own at a time.
pub const MAX_ROOMS_PER_USER: i64 = 50;

/// Registers the room routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/rooms", &["GET", "POST"])
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(
        resource("/rooms/{id}", &["GET", "DELETE"])
            .route(web::get().to(show))
            .route(web::delete().to(delete)),
    )
    .service(resource("/join-room", &["POST"]).route(web::post().to(join)));
}

#[derive(Deserialize)]
struct CreateBody {
    name: Option<String>,
    #[serde(rename = "type")]
    room_type: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(rename = "type")]
    room_type: Option<String>,
    q: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JoinBody {
    room_id: Option<String>,
}

fn room_type(value: &str) -> Result<RoomType, AppError> {
    value.parse().map_err(|_| {
        AppError::validation(
            "type",
            "type must be one of game, business, coding, learning, language",
        )
    })
}

/// Creates a room.
#[utoipa::path(post, path = "/api/rooms", tag = "rooms", request_body = CreateRoomRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, body = Room),
        (status = 400, description = "Invalid input; `field` names it", body = ApiError),
        (status = 401, body = ApiError),
        (status = 409, description = "Too many rooms for this account", body = ApiError)))]
async fn create(
    user: AuthUser,
    state: web::Data<AppState>,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let name = validate::room_name(&validate::required("name", body.name)?)?;
    let room_type = room_type(&validate::required("type", body.room_type)?)?;
    let status: RoomStatus = validate::required("status", body.status)?
        .parse()
        .map_err(|_| AppError::validation("status", "status must be public or private"))?;
    if rooms::count_by_creator(&state.pool, user.id).await? >= MAX_ROOMS_PER_USER {
        return Err(AppError::Conflict {
            code: "too-many-rooms",
            message: "you have made as many rooms as one account may; delete one first",
        });
    }
    let room = Room {
        id: RoomId(Uuid::new_v4()),
        name,
        room_type,
        status,
        created_by: UserSummary {
            id: user.id,
            name: user.name,
        },
        created_at: db::now_ms(),
        occupants: 0,
    };
    rooms::insert(&state.pool, &room).await?;
    tracing::info!(room = %room.id, "room created");
    Ok(HttpResponse::Created().json(room))
}

/// Public rooms and the caller's own private ones, newest first, with live occupancy.
#[utoipa::path(get, path = "/api/rooms", tag = "rooms", security(("bearer" = []), ("cookie" = [])),
    params(
        ("type" = Option<RoomType>, Query, description = "Only rooms of this type"),
        ("q" = Option<String>, Query, description = "Only rooms whose name contains this text")),
    responses(
        (status = 200, body = Vec<Room>),
        (status = 400, description = "Invalid input; `field` names it", body = ApiError),
        (status = 401, body = ApiError)))]
async fn list(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    // Exactly one of the names: an empty or unknown type is refused, never read as "all".
    let room_type = query.room_type.as_deref().map(room_type).transpose()?;
    // Counted as sent, as the document's `maxLength` counts.
    if query
        .q
        .as_deref()
        .is_some_and(|q| q.chars().count() > duet_shared::limits::MAX_ROOM_NAME_CHARS)
    {
        return Err(AppError::validation("q", "the search text is too long"));
    }
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mut found = rooms::list(&state.pool, user.id, room_type, q).await?;
    with_occupancy(&state, &mut found).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// One room, if the caller may join it.
#[utoipa::path(get, path = "/api/rooms/{id}", tag = "rooms", security(("bearer" = []), ("cookie" = [])),
    params(("id" = RoomId, Path, description = "The room's id")),
    responses(
        (status = 200, body = Room),
        (status = 401, body = ApiError),
        (status = 404, description = "No such room, or not visible to the caller", body = ApiError)))]
async fn show(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<RoomId>,
) -> Result<HttpResponse, AppError> {
    let room = visible(&state, *id, user.id).await?;
    Ok(HttpResponse::Ok().json(room))
}

/// Deletes a room (its creator only).
#[utoipa::path(delete, path = "/api/rooms/{id}", tag = "rooms", security(("bearer" = []), ("cookie" = [])),
    params(("id" = RoomId, Path, description = "The room's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ApiError),
        (status = 403, description = "Not the creator", body = ApiError),
        (status = 404, body = ApiError)))]
async fn delete(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<RoomId>,
) -> Result<HttpResponse, AppError> {
    let room = visible(&state, *id, user.id).await?;
    if room.created_by.id != user.id {
        return Err(AppError::Forbidden("only the room's creator may delete it"));
    }
    rooms::delete(&state.pool, room.id).await?;
    tracing::info!(room = %room.id, "room deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Joins a room by id, granting access to a private room.
#[utoipa::path(post, path = "/api/join-room", tag = "rooms", request_body = JoinRoomRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = Room),
        (status = 400, description = "Invalid input; `field` names it", body = ApiError),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError)))]
async fn join(
    user: AuthUser,
    state: web::Data<AppState>,
    body: web::Json<JoinBody>,
) -> Result<HttpResponse, AppError> {
    let raw = validate::required("roomId", body.into_inner().room_id)?;
    let id: RoomId = raw
        .parse()
        .map_err(|_| AppError::validation("roomId", "roomId must be a room id (a uuid)"))?;
    let mut room = rooms::by_id(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound("no such room"))?;
    if room.status == RoomStatus::Private && room.created_by.id != user.id {
        rooms::grant_access(&state.pool, id, user.id, db::now_ms()).await?;
    }
    with_occupancy(&state, std::slice::from_mut(&mut room)).await?;
    Ok(HttpResponse::Ok().json(room))
}

/// The room with its occupancy if `user` may enter it, else 404.
async fn visible(state: &AppState, id: RoomId, user: UserId) -> Result<Room, AppError> {
    let mut room = rooms::visible_to(&state.pool, id, user)
        .await?
        .ok_or(AppError::NotFound("no such room"))?;
    with_occupancy(state, std::slice::from_mut(&mut room)).await?;
    Ok(room)
}

async fn with_occupancy(state: &AppState, found: &mut [Room]) -> Result<(), AppError> {
    let ids: Vec<RoomId> = found.iter().map(|r| r.id).collect();
    let counts = state
        .hub
        .occupancy(&ids)
        .await
        .map_err(AppError::internal)?;
    for (room, n) in found.iter_mut().zip(counts) {
        room.occupants = n;
    }
    Ok(())
}
