//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use tickets_core::{QueueBackend, RedisBackend};
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

/// The answer of readyz when the store does not answer, or answers as a replica.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotReadyBody {
    /// `store_unavailable`.
    error: &'static str,
    /// What is wrong, for people (the cause itself, with addresses, goes to the logs).
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

/// The store answers and takes writes (readiness): on Redis, the server is a primary.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = TAG_OPS,
    responses(
        (status = 200, description = "Ready.", body = ProbeBody),
        (status = 503, description = "The store does not answer, or is a Redis replica, which refuses writes (after a failover).", body = NotReadyBody),
    )
)]
pub async fn readyz<B: QueueBackend>(state: web::Data<AppState<B>>) -> HttpResponse {
    match state.queue.ping().await {
        Ok(()) => HttpResponse::Ok().json(ProbeBody {
            status: "ready",
            store: Some(state.store),
        }),
        Err(e) => {
            let source = std::error::Error::source(&e);
            let message = if RedisBackend::is_replica_error(&e) {
                tracing::warn!(error = %e, source = ?source, "not ready: Redis is a replica");
                "The ticket store is a Redis replica, which refuses writes."
            } else {
                tracing::warn!(error = %e, source = ?source, "not ready: the store does not answer");
                "The ticket store does not answer."
            };
            HttpResponse::ServiceUnavailable().json(NotReadyBody {
                error: "store_unavailable",
                message,
                store: state.store,
            })
        }
    }
}
