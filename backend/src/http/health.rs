//! `GET /healthz` for load balancers: 200 when the database answers.

use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Serialize;

/// The health answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the database does not answer.
    #[schema(example = "ok")]
    status: HealthStatus,
}

/// Whether the server can serve.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum HealthStatus {
    /// The database answers.
    Ok,
    /// The database does not answer.
    Unavailable,
}

/// 200 `{"status":"ok"}`, or 503 `{"status":"unavailable"}` when the database does not answer.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "Up", body = Health),
        (status = 503, description = "The database does not answer", body = Health)))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => HttpResponse::Ok().json(Health {
            status: HealthStatus::Ok,
        }),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            HttpResponse::ServiceUnavailable().json(Health {
                status: HealthStatus::Unavailable,
            })
        }
    }
}
