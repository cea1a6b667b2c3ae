//! The REST API under `/api`, one module per area, plus `/healthz`.

pub mod accounts;
pub mod client_addr;
pub mod health;
pub mod ice;
pub mod openapi;
pub mod rooms;
pub mod validate;

use actix_web::web;

/// Registers every `/api` route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(openapi::document))
        .configure(accounts::configure)
        .configure(rooms::configure)
        .configure(ice::configure);
}
