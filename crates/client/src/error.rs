//! The crate's one error type: every refusal the server can give (an HTTP status with its
//! `{"error": {code, message}}` body, a refused WebSocket upgrade, a signaling `error`
//! message, `room-full`, a close frame) and every way the transport can fail.

use duet_shared::api::ApiError;
use duet_shared::{ErrorCode, RoomId};
use std::fmt;
use std::time::Duration;
use tokio_tungstenite::tungstenite;

/// Shorthand for this crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server refused an HTTP request (or the WebSocket upgrade) with an error status.
    #[error("{status} {code}: {message}")]
    Api {
        /// The HTTP status, e.g. 401.
        status: u16,
        /// The server's machine-readable code.
        code: ApiCode,
        /// The server's sentence for a person.
        message: String,
        /// The request field at fault, for `invalid-input`.
        field: Option<String>,
        /// How long the server asked us to wait (`Retry-After`), for 429 and 503.
        retry_after: Option<Duration>,
    },
    /// The server refused a signaling message (`{"type": "error"}`); the socket stays open.
    #[error("refused ({}): {message}", code_name(*.code))]
    Refused {
        /// The protocol's reason.
        code: ErrorCode,
        /// The server's sentence for a person.
        message: String,
    },
    /// The room already has two members.
    #[error("room {0} is full")]
    RoomFull(RoomId),
    /// A call that needs a session was made without a token.
    #[error("not signed in")]
    NotSignedIn,
    /// The signaling socket is not connected right now (it is reconnecting, or was closed).
    #[error("not connected to the server")]
    Disconnected,
    /// The server closed the signaling socket (e.g. 1008 for flooding, 1009 for a huge frame).
    #[error("the server closed the connection ({code}): {reason}")]
    Closed {
        /// The close code.
        code: u16,
        /// The close reason, possibly empty.
        reason: String,
    },
    /// The server URL cannot be used.
    #[error("invalid server URL {url}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server answered something this client cannot read.
    #[error("unexpected answer from the server: {0}")]
    Unexpected(String),
    /// HTTP transport failure (unreachable, timed out, reset).
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// WebSocket transport failure.
    #[error("WebSocket: {0}")]
    Socket(#[from] tungstenite::Error),
}

/// The `code` of an HTTP error body (`docs/api.md`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApiCode {
    /// 400: a field is invalid (see `field`).
    InvalidInput,
    /// 400: malformed JSON or query.
    BadRequest,
    /// 401: no session, or an invalid or expired token.
    Unauthenticated,
    /// 401: wrong e-mail or password.
    InvalidCredentials,
    /// 403: not allowed (e.g. deleting another person's room, a foreign `Origin`).
    Forbidden,
    /// 404: no such thing, or not visible to you.
    NotFound,
    /// 409: the e-mail already has an account.
    EmailTaken,
    /// 409: the account owns as many rooms as allowed.
    TooManyRooms,
    /// 413: the body is too large.
    TooLarge,
    /// 429: slow down (see `retry_after`).
    RateLimited,
    /// 500: the server failed.
    Internal,
    /// 503: a service the server relies on is down (see `retry_after`).
    Unavailable,
    /// A code this client does not know, or none (a body that was not Duet's JSON).
    Other(String),
}

impl ApiCode {
    /// The code for its wire name.
    pub fn from_wire(code: &str) -> ApiCode {
        match code {
            "invalid-input" => ApiCode::InvalidInput,
            "bad-request" => ApiCode::BadRequest,
            "unauthenticated" => ApiCode::Unauthenticated,
            "invalid-credentials" => ApiCode::InvalidCredentials,
            "forbidden" => ApiCode::Forbidden,
            "not-found" => ApiCode::NotFound,
            "email-taken" => ApiCode::EmailTaken,
            "too-many-rooms" => ApiCode::TooManyRooms,
            "too-large" => ApiCode::TooLarge,
            "rate-limited" => ApiCode::RateLimited,
            "internal" => ApiCode::Internal,
            "unavailable" => ApiCode::Unavailable,
            other => ApiCode::Other(other.to_owned()),
        }
    }

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            ApiCode::InvalidInput => "invalid-input",
            ApiCode::BadRequest => "bad-request",
            ApiCode::Unauthenticated => "unauthenticated",
            ApiCode::InvalidCredentials => "invalid-credentials",
            ApiCode::Forbidden => "forbidden",
            ApiCode::NotFound => "not-found",
            ApiCode::EmailTaken => "email-taken",
            ApiCode::TooManyRooms => "too-many-rooms",
            ApiCode::TooLarge => "too-large",
            ApiCode::RateLimited => "rate-limited",
            ApiCode::Internal => "internal",
            ApiCode::Unavailable => "unavailable",
            ApiCode::Other(code) => code,
        }
    }
}

impl fmt::Display for ApiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The wire name of a signaling error code.
pub fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{code:?}"))
}

impl Error {
    /// Builds [`Error::Api`] from a refused response's status, `Retry-After` header and body.
    pub(crate) fn from_response(status: u16, retry_after: Option<&str>, body: &[u8]) -> Error {
        let retry_after = retry_after
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        match serde_json::from_slice::<ApiError>(body) {
            Ok(ApiError { error }) => Error::Api {
                status,
                code: ApiCode::from_wire(&error.code),
                message: error.message,
                field: error.field,
                retry_after,
            },
            Err(_) => Error::Api {
                status,
                code: ApiCode::Other(String::new()),
                message: String::from_utf8_lossy(body).chars().take(200).collect(),
                field: None,
                retry_after,
            },
        }
    }

    /// A signaling refusal (`error` or `room-full`) as an [`Error`]; `None` for other messages.
    pub fn from_refusal(msg: &duet_shared::ServerMsg) -> Option<Error> {
        match msg {
            duet_shared::ServerMsg::Error { code, message } => Some(Error::Refused {
                code: *code,
                message: message.clone(),
            }),
            duet_shared::ServerMsg::RoomFull { room_id } => Some(Error::RoomFull(*room_id)),
            _ => None,
        }
    }

    /// Whether the session is missing or no longer accepted (sign in again).
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, Error::NotSignedIn) || matches!(self, Error::Api { status: 401, .. })
    }

    /// The HTTP status of an API refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the failure is the network's or the server's, so trying again later may work
    /// (as opposed to a refusal that will repeat).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Http(_) | Error::Socket(_) | Error::Disconnected | Error::Closed { .. } => true,
            Error::Api { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_becomes_a_typed_refusal() {
        let body =
            br#"{"error":{"code":"invalid-input","message":"too short","field":"password"}}"#;
        match Error::from_response(400, None, body) {
            Error::Api {
                status: 400,
                code: ApiCode::InvalidInput,
                message,
                field: Some(field),
                retry_after: None,
            } => {
                assert_eq!(message, "too short");
                assert_eq!(field, "password");
            }
            other => panic!("{other:?}"),
        }
        let limited = Error::from_response(
            429,
            Some("20"),
            br#"{"error":{"code":"rate-limited","message":"slow down"}}"#,
        );
        assert!(matches!(
            limited,
            Error::Api { code: ApiCode::RateLimited, retry_after: Some(d), .. } if d == Duration::from_secs(20)
        ));
        assert!(limited.is_transient());
    }

    #[test]
    fn a_body_that_is_not_duets_keeps_its_status() {
        let e = Error::from_response(502, None, b"Bad Gateway");
        assert_eq!(e.status(), Some(502));
        assert!(e.is_transient());
        assert!(matches!(e, Error::Api { code: ApiCode::Other(ref c), .. } if c.is_empty()));
    }

    #[test]
    fn every_known_code_round_trips() {
        for code in [
            "invalid-input",
            "bad-request",
            "unauthenticated",
            "invalid-credentials",
            "forbidden",
            "not-found",
            "email-taken",
            "too-many-rooms",
            "too-large",
            "rate-limited",
            "internal",
            "unavailable",
        ] {
            let parsed = ApiCode::from_wire(code);
            assert!(!matches!(parsed, ApiCode::Other(_)), "{code}");
            assert_eq!(parsed.as_str(), code);
        }
        assert_eq!(code_name(ErrorCode::RoomNotFound), "room-not-found");
    }
}
