//! `GET /api/openapi.json`: the REST API described from the handlers' own annotations,
//! so other clients can be generated (Rust clients use `duet-shared` directly).

use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Duet", description = "Accounts, rooms and WebRTC configuration for Duet. Errors are `{\"error\": {code, message, field?}}`."),
    paths(
        super::accounts::signup,
        super::accounts::signin,
        super::accounts::signout,
        super::accounts::profile,
        super::rooms::create,
        super::rooms::list,
        super::rooms::show,
        super::rooms::delete,
        super::rooms::join,
        super::ice::ice_servers,
        super::health::healthz,
        crate::signaling::upgrade::ws,
        document,
    ),
    modifiers(&SessionAuth)
)]
pub struct ApiDoc;

/// The two ways to present a session: a bearer token or the browser's cookie.
struct SessionAuth;

impl Modify for SessionAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// Serves the document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "This OpenAPI document")))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
