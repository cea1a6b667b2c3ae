//! `GET /healthz` for load balancers: 200 when the database answers.

use crate::state::AppState;
use actix_web::{HttpResponse, web};

/// 200 `{"status":"ok"}`, or 503 when the database does not answer.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Up"), (status = 503, description = "The database does not answer")))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
        }
    }
}
