//! Typed calls to the REST API under `/api`. Same origin: the session travels in
//! the HttpOnly `duet_session` cookie, so no token is ever kept in JavaScript.

use duet_shared::RoomId;
use duet_shared::api::{
    ApiError as ApiErrorJson, AuthResponse, CreateRoomRequest, IceConfig, JoinRoomRequest, Room,
    RoomFilter, SigninRequest, SignupRequest, User,
};
use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;

/// Why an API call failed, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with an error body.
    Server {
        /// HTTP status.
        status: u16,
        /// Stable code, e.g. `email-taken`.
        code: String,
        /// The server's sentence.
        message: String,
        /// The request field at fault, for validation errors.
        field: Option<String>,
    },
    /// The server could not be reached or answered something unreadable.
    Network(String),
}

impl ApiError {
    /// Whether the session is missing or expired (the person must sign in again).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiError::Server { status: 401, code, .. } if code != "invalid-credentials")
    }

    /// Whether the thing asked for does not exist (or is not visible).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::Server { status: 404, .. })
    }

    /// The request field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::Server { field, .. } => field.as_deref(),
            ApiError::Network(_) => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Server { status: 429, .. } => {
                f.write_str("Too many attempts. Wait a moment and try again.")
            }
            ApiError::Server { status, .. } if *status >= 500 => {
                f.write_str("The server had a problem. Try again in a moment.")
            }
            ApiError::Server { message, .. } => f.write_str(&sentence(message)),
            ApiError::Network(_) => {
                f.write_str("Duet's server cannot be reached. Check your connection and try again.")
            }
        }
    }
}

/// Capitalises the server's lower-case message and ends it with a full stop.
pub fn sentence(message: &str) -> String {
    let message = message.trim();
    let Some(first) = message.chars().next() else {
        return "Something went wrong.".to_owned();
    };
    // Server messages are English; ASCII case mapping avoids Unicode tables in the bundle.
    let mut out = String::with_capacity(message.len() + 1);
    out.push(first.to_ascii_uppercase());
    out.push_str(&message[first.len_utf8()..]);
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

type ApiResult<T> = Result<T, ApiError>;

fn network(e: impl fmt::Debug) -> ApiError {
    ApiError::Network(format!("{e:?}"))
}

/// One request with an optional JSON body; answers the response text of a 2xx, or
/// the error the server described.
async fn request(method: Method, url: &str, body: Option<String>) -> ApiResult<String> {
    let builder = RequestBuilder::new(url).method(method);
    let req = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(network)?,
        None => builder.build().map_err(network)?,
    };
    let resp = req.send().await.map_err(network)?;
    let text = resp.text().await.map_err(network)?;
    if resp.ok() {
        return Ok(text);
    }
    let status = resp.status();
    Err(match serde_json::from_str::<ApiErrorJson>(&text) {
        Ok(body) => ApiError::Server {
            status,
            code: body.error.code,
            message: body.error.message,
            field: body.error.field,
        },
        Err(_) => ApiError::Server {
            status,
            code: "http".to_owned(),
            message: format!("the server answered {status}"),
            field: None,
        },
    })
}

/// A request whose answer is JSON of type `T`.
async fn json<T: DeserializeOwned>(
    method: Method,
    url: &str,
    body: Option<&impl Serialize>,
) -> ApiResult<T> {
    let body = body
        .map(serde_json::to_string)
        .transpose()
        .map_err(network)?;
    let text = request(method, url, body).await?;
    serde_json::from_str(&text).map_err(network)
}

/// No body to send.
const NONE: Option<&()> = None;

/// `POST /api/signup`.
pub async fn signup(body: &SignupRequest) -> ApiResult<User> {
    let resp: AuthResponse = json(Method::POST, "/api/signup", Some(body)).await?;
    Ok(resp.user)
}

/// `POST /api/signin`.
pub async fn signin(body: &SigninRequest) -> ApiResult<User> {
    let resp: AuthResponse = json(Method::POST, "/api/signin", Some(body)).await?;
    Ok(resp.user)
}

/// `POST /api/signout`: clears the session cookie.
pub async fn signout() -> ApiResult<()> {
    request(Method::POST, "/api/signout", None).await.map(drop)
}

/// `GET /api/profile`: the signed-in user, or `None` without a valid session.
pub async fn profile() -> ApiResult<Option<User>> {
    match json(Method::GET, "/api/profile", NONE).await {
        Ok(user) => Ok(Some(user)),
        Err(e) if e.is_unauthorized() => Ok(None),
        Err(e) => Err(e),
    }
}

/// `GET /api/rooms`: public rooms and the caller's private ones, newest first.
pub async fn rooms(filter: &RoomFilter) -> ApiResult<Vec<Room>> {
    let mut url = "/api/rooms?".to_owned();
    if let Some(t) = filter.room_type {
        url.push_str("type=");
        url.push_str(t.as_str());
        url.push('&');
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        url.push_str("q=");
        url.push_str(&crate::browser::encode_component(q));
    }
    json(Method::GET, &url, NONE).await
}

/// `POST /api/rooms`.
pub async fn create_room(body: &CreateRoomRequest) -> ApiResult<Room> {
    json(Method::POST, "/api/rooms", Some(body)).await
}

/// `POST /api/join-room`: the room, and access to it when it is private.
pub async fn join_room(room_id: RoomId) -> ApiResult<Room> {
    json(
        Method::POST,
        "/api/join-room",
        Some(&JoinRoomRequest { room_id }),
    )
    .await
}

/// `DELETE /api/rooms/{id}` (the creator only).
pub async fn delete_room(room_id: RoomId) -> ApiResult<()> {
    request(Method::DELETE, &format!("/api/rooms/{room_id}"), None)
        .await
        .map(drop)
}

/// `GET /api/webrtc/ice`: STUN/TURN servers for the peer connection.
pub async fn ice_config() -> ApiResult<IceConfig> {
    json(Method::GET, "/api/webrtc/ice", NONE).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_become_sentences() {
        assert_eq!(
            sentence("an account with this e-mail already exists"),
            "An account with this e-mail already exists."
        );
        assert_eq!(sentence("Done!"), "Done!");
        assert_eq!(sentence("  "), "Something went wrong.");
    }

    #[test]
    fn wrong_password_is_not_an_expired_session() {
        let e = |code: &str| ApiError::Server {
            status: 401,
            code: code.into(),
            message: String::new(),
            field: None,
        };
        assert!(e("unauthenticated").is_unauthorized());
        assert!(!e("invalid-credentials").is_unauthorized());
    }
}
