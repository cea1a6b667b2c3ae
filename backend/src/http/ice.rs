//! `GET /api/webrtc/ice`: the STUN/TURN servers browsers should use, and whether calls must
//! go through TURN.

use crate::auth::AuthUser;
use crate::error::AppError;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use duet_shared::api::{IceConfig, IceServer};
use std::time::{SystemTime, UNIX_EPOCH};

/// Registers the ICE route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(super::resource("/webrtc/ice", &["GET"]).route(web::get().to(ice_servers)));
}

/// STUN and TURN servers for `RTCPeerConnection`, with short-lived TURN credentials
/// (signed here, or from the hosted TURN provider).
#[utoipa::path(get, path = "/api/webrtc/ice", tag = "webrtc", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = IceConfig), (status = 401, body = duet_shared::api::ApiError),
        (status = 503, description = "The TURN provider is not answering and no earlier answer is usable", body = duet_shared::api::ApiError)))]
async fn ice_servers(user: AuthUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let settings = &state.settings;
    let mut ice_servers = Vec::new();
    if !settings.stun_urls.is_empty() {
        ice_servers.push(IceServer {
            urls: settings.stun_urls.clone(),
            username: None,
            credential: None,
        });
    }
    let mut ttl = settings.turn_ttl;
    if let Some(turn) = settings.turn.as_ref().filter(|t| t.has_urls()) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(AppError::internal)?
            .as_secs();
        ice_servers.push(turn.ice_server(user.id, now));
    }
    if let Some(provider) = &state.turn_provider {
        let hosted = provider.servers().await?;
        ice_servers.extend(hosted.servers);
        ttl = hosted.ttl;
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(IceConfig {
            ice_servers,
            ttl: ttl.as_secs(),
            ice_transport_policy: settings.ice_transport_policy,
        }))
}
