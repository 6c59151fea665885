//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use serde_json::json;
use tickets_core::QueueBackend;

use crate::app::AppState;

/// `GET /healthz`: the process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz`: 200 when the store answers, else 503.
pub async fn readyz<B: QueueBackend>(state: web::Data<AppState<B>>) -> HttpResponse {
    match state.queue.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready", "store": state.store})),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the store does not answer");
            HttpResponse::ServiceUnavailable().json(json!({
                "error": "store_unavailable",
                "message": "The ticket store does not answer.",
                "store": state.store,
            }))
        }
    }
}
