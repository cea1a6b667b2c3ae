//! The crate's one error type, mapped to HTTP responses and protocol error codes.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use duet_shared::ErrorCode;
use duet_shared::api::{ApiError, ApiErrorBody};
use std::time::Duration;

/// How long clients are told to wait after a 503 (and how long a failed upstream is left alone).
pub const UNAVAILABLE_RETRY: Duration = Duration::from_secs(5);

/// Everything that can go wrong while serving a request or a signaling message.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: a request field is missing or invalid.
    #[error("{message}")]
    Validation {
        /// The field at fault.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// 400: the body is not the expected JSON.
    #[error("{0}")]
    BadRequest(String),
    /// 413: the body is larger than the API accepts.
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// 401: no valid session.
    #[error("you need to sign in")]
    Unauthenticated,
    /// 401: wrong e-mail or password (the same answer for both).
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    /// 403: signed in, but not allowed.
    #[error("{0}")]
    Forbidden(&'static str),
    /// 404: no such thing, or not visible to the caller.
    #[error("{0}")]
    NotFound(&'static str),
    /// 405: the path exists but not with this method; `Allow` lists the ones it has.
    #[error("this path does not support the method; it allows {}", .0.join(", "))]
    MethodNotAllowed(&'static [&'static str]),
    /// 409: conflicts with existing data.
    #[error("{message}")]
    Conflict {
        /// Machine-readable code.
        code: &'static str,
        /// What conflicts.
        message: &'static str,
    },
    /// 429: this account or address already holds as many connections as allowed.
    #[error("too many open connections; close another tab or window first")]
    TooManyConnections,
    /// 429: too many attempts; try again after the given time.
    #[error("too many attempts; try again in {} seconds", .0.as_secs().max(1))]
    RateLimited(Duration),
    /// 503: a service Duet relies on (e.g. the TURN provider) is not answering; retry shortly.
    #[error("{0}")]
    Unavailable(&'static str),
    /// 500: a failure that is logged, never shown.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    /// A validation error on `field`.
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        AppError::Validation {
            field,
            message: message.into(),
        }
    }

    /// Wraps an unexpected failure.
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        AppError::Internal(e.into())
    }

    /// The stable code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation { .. } => "invalid-input",
            AppError::BadRequest(_) => "bad-request",
            AppError::PayloadTooLarge => "too-large",
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials => "invalid-credentials",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not-found",
            AppError::MethodNotAllowed(_) => "method-not-allowed",
            AppError::Conflict { code, .. } => code,
            AppError::RateLimited(_) => "rate-limited",
            AppError::TooManyConnections => "too-many-connections",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// The signaling error code for the same failure.
    pub fn protocol_code(&self) -> ErrorCode {
        match self {
            AppError::NotFound(_) | AppError::Forbidden(_) => ErrorCode::RoomNotFound,
            AppError::RateLimited(_) | AppError::TooManyConnections => ErrorCode::RateLimited,
            AppError::Internal(_) | AppError::Unavailable(_) => ErrorCode::Internal,
            _ => ErrorCode::BadMessage,
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::internal(e)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation { .. } | AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unauthenticated | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::RateLimited(_) | AppError::TooManyConnections => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!(error = %cause, "request failed");
        }
        let body = ApiError {
            error: ApiErrorBody {
                code: self.code().to_owned(),
                message: self.to_string(),
                field: match self {
                    AppError::Validation { field, .. } => Some((*field).to_owned()),
                    _ => None,
                },
            },
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            AppError::RateLimited(wait) => {
                response.insert_header((header::RETRY_AFTER, wait.as_secs().max(1).to_string()));
            }
            AppError::Unavailable(_) => {
                response
                    .insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY.as_secs().to_string()));
            }
            AppError::MethodNotAllowed(allowed) => {
                response.insert_header((header::ALLOW, allowed.join(", ")));
            }
            _ => {}
        }
        response.json(body)
    }
}

/// Turns actix's JSON and path extraction failures into our error body.
pub fn json_error_handler(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    match err {
        actix_web::error::JsonPayloadError::Overflow { .. }
        | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
            AppError::PayloadTooLarge.into()
        }
        err => AppError::BadRequest(format!("invalid JSON body: {err}")).into(),
    }
}

/// Turns malformed query strings into our error body.
pub fn query_error_handler(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    AppError::BadRequest(format!("invalid query: {err}")).into()
}

/// Turns malformed path segments (e.g. a room id that is not a uuid) into a 404.
pub fn path_error_handler(
    _err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    AppError::NotFound("no such room").into()
}
