//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use tickets_core::QueueBackend;
use utoipa::ToSchema;

use crate::openapi::TAG_OPS;
use crate::state::AppState;

/// The answer of a probe.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeBody {
    /// `ok` (healthz) or `ready` (readyz).
    status: &'static str,
    /// The store: `memory` or `redis` (readyz only).
    #[serde(skip_serializing_if = "Option::is_none")]
    store: Option<&'static str>,
}

/// The answer of readyz when the store does not answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotReadyBody {
    /// `store_unavailable`.
    error: &'static str,
    /// What is wrong, for people.
    message: &'static str,
    /// The store: `memory` or `redis`.
    store: &'static str,
}

/// The process is up (liveness).
#[utoipa::path(
    get,
    path = "/healthz",
    tag = TAG_OPS,
    responses((status = 200, description = "Up.", body = ProbeBody))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(ProbeBody {
        status: "ok",
        store: None,
    })
}

/// The store answers (readiness).
#[utoipa::path(
    get,
    path = "/readyz",
    tag = TAG_OPS,
    responses(
        (status = 200, description = "Ready.", body = ProbeBody),
        (status = 503, description = "The store does not answer.", body = NotReadyBody),
    )
)]
pub async fn readyz<B: QueueBackend>(state: web::Data<AppState<B>>) -> HttpResponse {
    match state.queue.ping().await {
        Ok(()) => HttpResponse::Ok().json(ProbeBody {
            status: "ready",
            store: Some(state.store),
        }),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the store does not answer");
            HttpResponse::ServiceUnavailable().json(NotReadyBody {
                error: "store_unavailable",
                message: "The ticket store does not answer.",
                store: state.store,
            })
        }
    }
}
