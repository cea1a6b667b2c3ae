//! `AuthUser`: the signed-in user, from the session cookie or a bearer token.

use super::SESSION_COOKIE;
use crate::error::AppError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use duet_shared::UserId;
use std::future::{Ready, ready};

/// The user a request is made by; extracting it fails with 401 when there is none.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// Account id.
    pub id: UserId,
    /// Display name.
    pub name: String,
}

impl AuthUser {
    /// Authenticates `req`: `Authorization: Bearer` first, then the session cookie.
    pub fn from_request_parts(req: &HttpRequest) -> Result<AuthUser, AppError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(|| AppError::internal("application state is not configured"))?;
        let token = bearer_token(req)
            .or_else(|| req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()))
            .ok_or(AppError::Unauthenticated)?;
        let claims = state.tokens.verify(&token)?;
        Ok(AuthUser {
            id: claims.sub,
            name: claims.name,
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(AuthUser::from_request_parts(req))
    }
}
