//! `GET /api/webrtc/ice`: the STUN/TURN servers browsers should use.

use crate::auth::AuthUser;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use duet_shared::api::{IceConfig, IceServer};

/// Registers the ICE route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/webrtc/ice", web::get().to(ice_servers));
}

async fn ice_servers(_user: AuthUser, state: web::Data<AppState>) -> HttpResponse {
    let settings = &state.settings;
    let mut ice_servers = Vec::new();
    if !settings.stun_urls.is_empty() {
        ice_servers.push(IceServer {
            urls: settings.stun_urls.clone(),
            username: None,
            credential: None,
        });
    }
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(IceConfig {
            ice_servers,
            ttl: settings.ice_ttl.as_secs(),
        })
}
