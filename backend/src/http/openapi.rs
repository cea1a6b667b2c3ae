//! `GET /api/openapi.json`: the REST API described from the handlers' own annotations,
//! so other clients can be generated (Rust clients use `duet-shared` directly).

use super::validate;
use actix_web::HttpResponse;
use duet_shared::limits::{
    MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS, MAX_ROOM_NAME_CHARS, MAX_USER_NAME_CHARS,
    MIN_PASSWORD_CHARS,
};
use serde_json::{Value, json};
use std::sync::LazyLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Largest JSON request body, in bytes (a larger one is answered 413).
pub const MAX_JSON_BODY_BYTES: usize = 16 * 1024;

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Duet", description = "Accounts, rooms and WebRTC configuration for Duet. Errors are `{\"error\": {code, message, field?}}`. A method a path does not serve gets 405 with `Allow`; a JSON body above 16 KiB gets 413. The signaling protocol on `/ws` (messages, error and close codes) is in docs/protocol.md."),
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

/// The document as served: the handlers' annotations, plus what they cannot say.
pub fn full() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "could not encode the OpenAPI document");
        json!({})
    });
    constrain(&mut doc);
    doc
}

/// The string rules the server enforces, from the shared limits and the validators' own
/// patterns, and the 413 every JSON body may get.
fn constrain(doc: &mut Value) {
    let display = |max: usize| json!({"minLength": 1, "maxLength": max, "pattern": validate::display_text_pattern()});
    let rules = [
        ("SignupRequest", "name", display(MAX_USER_NAME_CHARS)),
        (
            "SignupRequest",
            "email",
            json!({"maxLength": MAX_EMAIL_CHARS, "pattern": validate::email_pattern()}),
        ),
        (
            "SignupRequest",
            "password",
            json!({"minLength": MIN_PASSWORD_CHARS, "maxLength": MAX_PASSWORD_CHARS}),
        ),
        ("CreateRoomRequest", "name", display(MAX_ROOM_NAME_CHARS)),
    ];
    for (schema, field, rule) in rules {
        if let (Some(target), Value::Object(rule)) = (
            doc.pointer_mut(&format!("/components/schemas/{schema}/properties/{field}")),
            rule,
        ) && let Value::Object(target) = target
        {
            target.extend(rule);
        }
    }
    if let Some(Value::Array(params)) = doc.pointer_mut("/paths/~1api~1rooms/get/parameters") {
        for param in params.iter_mut().filter(|p| p["name"] == "q") {
            if let Some(Value::Object(schema)) = param.get_mut("schema") {
                schema.insert("maxLength".into(), json!(MAX_ROOM_NAME_CHARS));
            }
        }
    }
    let too_large = json!({
        "description": format!("The body is larger than {MAX_JSON_BODY_BYTES} bytes"),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}},
    });
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for operation in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in operation.values_mut() {
                if op.get("requestBody").is_some()
                    && let Some(Value::Object(responses)) = op.get_mut("responses")
                {
                    responses.insert("413".into(), too_large.clone());
                }
            }
        }
    }
}

static DOCUMENT: LazyLock<Value> = LazyLock::new(full);

/// Serves the document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "This OpenAPI document", body = Object)))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(&*DOCUMENT)
}
