//! The REST API under `/api`, one module per area, plus `/healthz` and the `/ws` upgrade.
//! Each path is one resource: a method it does not serve gets 405 with `Allow`.

pub mod accounts;
pub mod client_addr;
pub mod health;
pub mod ice;
pub mod openapi;
pub mod rooms;
pub mod validate;

use crate::error::AppError;
use actix_web::{Resource, web};

/// Registers every `/api` route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/openapi.json", &["GET"]).route(web::get().to(openapi::document)))
        .configure(accounts::configure)
        .configure(rooms::configure)
        .configure(ice::configure);
}

/// Registers the routes outside `/api`: `/healthz` and the signaling socket.
pub fn root(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz", &["GET"]).route(web::get().to(health::healthz)))
        .service(resource("/ws", &["GET"]).route(web::get().to(crate::signaling::upgrade::ws)));
}

/// The resource for `path`, answering 405 with `Allow: allowed` to any other method
/// (`allowed` must list the methods its routes serve).
pub fn resource(path: &str, allowed: &'static [&'static str]) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<actix_web::HttpResponse, _>(AppError::MethodNotAllowed(allowed))
    }))
}
