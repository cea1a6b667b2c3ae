//! `GET /ws`: authenticates and checks the Origin before upgrading, then hands the
//! socket to its own task.

use super::session;
use crate::auth::AuthUser;
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use duet_shared::limits::MAX_FRAME_BYTES;

/// Upgrades an authenticated, same-origin request to a signaling WebSocket.
#[utoipa::path(get, path = "/ws", tag = "signaling", security(("bearer" = []), ("cookie" = [])),
    description = "The signaling WebSocket (RFC 6455 handshake: `Connection: Upgrade`, `Upgrade: websocket`, `Sec-WebSocket-Version: 13`, `Sec-WebSocket-Key`); messages and close codes are described in docs/protocol.md.",
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
        (status = 400, description = "Not a WebSocket upgrade request", body = duet_shared::api::ApiError),
        (status = 401, description = "No valid session", body = duet_shared::api::ApiError),
        (status = 403, description = "Foreign Origin", body = duet_shared::api::ApiError),
        (status = 429, description = "Too many open connections", body = duet_shared::api::ApiError)))]
pub async fn ws(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if !origin_allowed(&req, &state.settings.allowed_origins) {
        tracing::warn!(origin = ?req.headers().get(header::ORIGIN), "refused a cross-site WebSocket");
        return Err(AppError::Forbidden(
            "this origin may not open the signaling socket",
        ));
    }
    let user = AuthUser::from_request_parts(&req).inspect_err(|_| {
        state.metrics.auth_failures.inc();
    })?;
    let Some(slots) = state
        .admission
        .admit(user.id, state.settings.trusted_proxies.client_ip(&req))
    else {
        Metrics::count(&state.metrics.rate_limited, "connections");
        return Err(AppError::TooManyConnections);
    };
    let (response, ws_session, frames) = actix_ws::handle(&req, body)
        .map_err(|e| AppError::BadRequest(format!("not a WebSocket upgrade: {e}")))?;
    let frames = frames
        .max_frame_size(MAX_FRAME_BYTES)
        .aggregate_continuations()
        .max_continuation_size(MAX_FRAME_BYTES);
    actix_web::rt::spawn(session::run(state, user, ws_session, frames, slots));
    Ok(response)
}

/// Browsers always send `Origin` on WebSocket requests: it must be the app's own host
/// or listed in `ALLOWED_ORIGINS`. Requests without one come from non-browser clients,
/// which cannot be driven by another site, and are let through to authentication.
fn origin_allowed(req: &HttpRequest, allowed: &[String]) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.trim_end_matches('/');
    if allowed
        .iter()
        .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;
    use actix_web::test::TestRequest;

    fn req(origin: Option<&str>) -> actix_web::HttpRequest {
        let mut r = TestRequest::default().insert_header(("Host", "duet.test:8080"));
        if let Some(o) = origin {
            r = r.insert_header(("Origin", o));
        }
        r.to_http_request()
    }

    #[test]
    fn same_host_listed_and_absent_origins_pass_others_do_not() {
        let listed = vec!["https://app.example.com".to_owned()];
        assert!(origin_allowed(&req(None), &listed));
        assert!(origin_allowed(&req(Some("http://duet.test:8080")), &listed));
        assert!(origin_allowed(
            &req(Some("https://app.example.com/")),
            &listed
        ));
        assert!(!origin_allowed(
            &req(Some("http://evil.test:8080")),
            &listed
        ));
        assert!(!origin_allowed(
            &req(Some("http://duet.test:9999")),
            &listed
        ));
        assert!(!origin_allowed(&req(Some("null")), &listed));
    }
}
