//! Sign-up, sign-in, sign-out and the profile.

use super::{resource, validate};
use crate::auth::{AuthUser, SESSION_COOKIE, password};
use crate::db::{self, users};
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::{HttpRequest, HttpResponse, web};
use duet_shared::UserId;
use duet_shared::api::{ApiError, AuthResponse, SigninRequest, SignupRequest, User};
use governor::clock::{Clock, DefaultClock};
use serde::Deserialize;
use uuid::Uuid;

/// Registers the account routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/signup", &["POST"]).route(web::post().to(signup)))
        .service(resource("/signin", &["POST"]).route(web::post().to(signin)))
        .service(resource("/signout", &["POST"]).route(web::post().to(signout)))
        .service(resource("/profile", &["GET"]).route(web::get().to(profile)));
}

/// `POST /api/signup` body; fields are optional here so a missing one is named in the error.
#[derive(Deserialize)]
struct SignupBody {
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

/// `POST /api/signin` body.
#[derive(Deserialize)]
struct SigninBody {
    email: Option<String>,
    password: Option<String>,
}

/// Creates an account and signs it in.
#[utoipa::path(post, path = "/api/signup", tag = "accounts", request_body = SignupRequest,
    responses(
        (status = 201, description = "Signed up; the session cookie is set", body = AuthResponse),
        (status = 400, description = "Invalid input; `field` names it", body = ApiError),
        (status = 409, description = "The e-mail is taken", body = ApiError),
        (status = 429, description = "Too many attempts from this address", body = ApiError)))]
async fn signup(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<SignupBody>,
) -> Result<HttpResponse, AppError> {
    limit(
        &state.metrics,
        &state.limits.auth_per_ip,
        &state.settings.trusted_proxies.client_ip(&req),
    )?;
    let body = body.into_inner();
    let name = validate::user_name(&validate::required("name", body.name)?)?;
    let email = validate::email(&validate::required("email", body.email)?)?;
    let pass = validate::required("password", body.password)?;
    validate::new_password(&pass)?;

    let user = User {
        id: UserId(Uuid::new_v4()),
        name,
        email,
        created_at: db::now_ms(),
    };
    let hash = password::hash(pass).await?;
    users::insert(&state.pool, &user, &hash)
        .await
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                AppError::Conflict {
                    code: "email-taken",
                    message: "an account with this e-mail already exists",
                }
            } else {
                e.into()
            }
        })?;
    tracing::info!(user = %user.id, "signed up");
    signed_in(&state, user, HttpResponse::Created())
}

/// Signs in with e-mail and password.
#[utoipa::path(post, path = "/api/signin", tag = "accounts", request_body = SigninRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = AuthResponse),
        (status = 400, description = "Invalid input; `field` names it", body = ApiError),
        (status = 401, description = "Wrong e-mail or password", body = ApiError),
        (status = 429, description = "Too many attempts", body = ApiError)))]
async fn signin(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<SigninBody>,
) -> Result<HttpResponse, AppError> {
    let ip = state.settings.trusted_proxies.client_ip(&req);
    limit(&state.metrics, &state.limits.auth_per_ip, &ip)?;
    let body = body.into_inner();
    let email = validate::required("email", body.email)?;
    let pass = validate::required("password", body.password)?;
    limit(
        &state.metrics,
        &state.limits.signin,
        &(ip, users::normalize_email(&email)),
    )?;

    let stored = users::by_email(&state.pool, &email).await?;
    let (user, hash) = match stored {
        Some(s) => (Some(s.user), Some(s.password_hash)),
        None => (None, None),
    };
    if !password::verify(pass, hash).await? {
        tracing::info!(%ip, "failed sign-in");
        state.metrics.auth_failures.inc();
        return Err(AppError::InvalidCredentials);
    }
    let user = user.ok_or(AppError::InvalidCredentials)?;
    signed_in(&state, user, HttpResponse::Ok())
}

/// Clears the session cookie.
#[utoipa::path(post, path = "/api/signout", tag = "accounts",
    responses((status = 204, description = "Signed out")))]
async fn signout(state: web::Data<AppState>) -> HttpResponse {
    let mut cookie = session_cookie(&state, String::new());
    cookie.make_removal();
    HttpResponse::NoContent().cookie(cookie).finish()
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/profile", tag = "accounts", security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = User),
        (status = 401, description = "Not signed in", body = ApiError)))]
async fn profile(user: AuthUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let user = users::by_id(&state.pool, user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(HttpResponse::Ok().json(user))
}

/// Issues a token, sets the cookie, and answers `{token, user}`.
fn signed_in(
    state: &AppState,
    user: User,
    mut response: actix_web::HttpResponseBuilder,
) -> Result<HttpResponse, AppError> {
    let token = state.tokens.issue(user.id, &user.name)?;
    let cookie = session_cookie(state, token.clone());
    Ok(response.cookie(cookie).json(AuthResponse { token, user }))
}

fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    let max_age = i64::try_from(state.tokens.ttl().as_secs()).unwrap_or(i64::MAX);
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.cookie_secure)
        .max_age(time::Duration::seconds(max_age))
        .finish()
}

/// Takes one token from `key`'s bucket, or answers 429 with the wait.
fn limit<K: std::hash::Hash + Eq + Clone>(
    metrics: &Metrics,
    limiter: &governor::DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), AppError> {
    limiter.check_key(key).map_err(|not_until| {
        Metrics::count(&metrics.rate_limited, "auth");
        AppError::RateLimited(not_until.wait_time_from(DefaultClock::default().now()))
    })
}
