//! The webhooks an administrator registers: `GET/POST /api/webhooks`,
//! `DELETE /api/webhooks/{id}`, and the deliveries kept (`GET /api/webhooks/deliveries`,
//! `POST /api/webhooks/deliveries/{id}/resend`). Delivery itself is `crate::webhooks`'.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tickets_core::webhooks::{
    ALL_EVENTS, Delivery, Webhook, WebhookId, WebhookStore, check_events,
};
use tickets_core::{Action, QueueBackend};
use utoipa::ToSchema;

use super::error::ApiError;
use super::{BODY_LIMIT, json_object, read_body, string_field};
use crate::auth::{AuditNote, Auth, Staff, note_audit};
use crate::openapi::{BodyErrors, ErrorBody, Unavailable};
use crate::state::AppState;
use crate::webhooks::{
    MAX_SECRET_CHARS as MAX_SECRET, MIN_SECRET_CHARS as MIN_SECRET, check_url, secret_or_new,
};

/// The OpenAPI tag of the webhook endpoints.
pub const TAG_WEBHOOKS: &str = "webhooks";

/// A hook as the API shows it: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookBody {
    /// Its id.
    #[schema(value_type = String, pattern = "^[0-9a-f]{16}$")]
    id: WebhookId,
    /// Where events go.
    url: String,
    /// The events it receives: action names, or `*` for all.
    events: Vec<String>,
    /// When it was registered.
    created_at: DateTime<Utc>,
}

impl WebhookBody {
    fn of(h: &Webhook) -> Self {
        WebhookBody {
            id: h.id.clone(),
            url: h.url.clone(),
            events: h.events.clone(),
            created_at: h.created_at,
        }
    }
}

/// The answer of `GET /api/webhooks`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    /// Every hook, oldest first.
    webhooks: Vec<WebhookBody>,
    /// The event names a hook may ask for (`*`: all).
    events: Vec<&'static str>,
}

/// The body of `POST /api/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"url": "https://example.org/hooks/tickets", "events": ["call_next", "take_ticket"]}))]
#[allow(dead_code)]
pub struct WebhookRequest {
    /// An `http` or `https` URL (public addresses only, unless
    /// `TICKETS_WEBHOOK_ALLOW_PRIVATE=1`).
    url: String,
    /// Action names (`take_ticket`, `call_next`, …) or `["*"]` for all.
    events: Vec<String>,
    /// The signing secret, 16 to 200 characters; generated when absent.
    secret: Option<String>,
}

/// The answer of `POST /api/webhooks`: the hook and its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewWebhookBody {
    #[serde(flatten)]
    hook: WebhookBody,
    /// The signing secret: keep it; it is not shown again.
    secret: String,
}

/// The answer of `GET /api/webhooks/deliveries`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    /// The failed deliveries (newest first), then those waiting for their next attempt.
    deliveries: Vec<Delivery>,
}

fn every_event() -> Vec<&'static str> {
    std::iter::once(ALL_EVENTS)
        .chain(Action::ALL.iter().map(|a| a.as_str()))
        .collect()
}

/// The webhooks (administrators).
///
/// `GET /api/webhooks`: every hook (without its secret) and the event names to choose from.
#[utoipa::path(
    get,
    operation_id = "list_webhooks",
    path = "/api/webhooks",
    tag = TAG_WEBHOOKS,
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The hooks.", body = WebhookList),
        Unavailable,
    )
)]
pub async fn list(auth: web::Data<Auth>, _staff: Staff) -> Result<HttpResponse, ApiError> {
    let hooks = auth.accounts().webhooks().await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        webhooks: hooks.iter().map(WebhookBody::of).collect(),
        events: every_event(),
    }))
}

/// The events of a body: a list of strings.
fn body_events(obj: &serde_json::Map<String, Value>) -> Result<Vec<String>, ApiError> {
    let bad = |fr: String, en: String| ApiError::invalid_field("events", fr, en);
    let list = match obj.get("events") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<String>>>(),
        _ => None,
    }
    .ok_or_else(|| {
        bad(
            "« events » est une liste de noms d'événements (ex. [\"call_next\"]) ou [\"*\"] pour tous.".into(),
            "\"events\" is a list of event names (e.g. [\"call_next\"]) or [\"*\"] for all.".into(),
        )
    })?;
    check_events(&list).map_err(|e| bad(e.reason.clone(), e.reason))?;
    Ok(list)
}

/// Registers a webhook (administrators).
///
/// `POST /api/webhooks`, body `{"url", "events", "secret"?}`: 201 with the hook and its
/// signing secret (generated when absent), shown this once (`Cache-Control: no-store`).
/// The URL must be `http` or `https` and resolve to public addresses (private and local
/// ones only with `TICKETS_WEBHOOK_ALLOW_PRIVATE=1`).
#[utoipa::path(
    post,
    operation_id = "create_webhook",
    path = "/api/webhooks",
    tag = TAG_WEBHOOKS,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = WebhookRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The hook, with its secret.", body = NewWebhookBody),
        (status = 403, description = "Not an administrator (`forbidden`), or another site (`cross_origin`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn create<B: QueueBackend>(
    req: HttpRequest,
    auth: web::Data<Auth>,
    state: web::Data<AppState<B>>,
    _staff: Staff,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let url = string_field(&obj, "url")?.unwrap_or("").trim().to_owned();
    let (checked, _) = check_url(&url, state.webhook_allow_private)
        .await
        .map_err(|e| ApiError::invalid_field("url", e.fr, e.en))?;
    let events = body_events(&obj)?;
    let Some(secret) = secret_or_new(string_field(&obj, "secret")?) else {
        return Err(ApiError::invalid_field(
            "secret",
            format!(
                "Le secret compte de {MIN_SECRET} à {MAX_SECRET} caractères ; omettez-le pour qu'il soit créé."
            ),
            format!(
                "The secret has {MIN_SECRET} to {MAX_SECRET} characters; leave it out to have one made."
            ),
        ));
    };
    let hook = Webhook {
        id: WebhookId::random()?,
        url: checked.to_string(),
        events,
        secret,
        created_at: Utc::now(),
    };
    auth.accounts().add_webhook(&hook).await?;
    note_audit(
        &req,
        AuditNote {
            action: Some("webhook.create"),
            desk: None,
            detail: format!("{} {} ({})", hook.id, hook.url, hook.events.join(", ")),
        },
    );
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(NewWebhookBody {
            hook: WebhookBody::of(&hook),
            secret: hook.secret.clone(),
        }))
}

fn webhook_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "webhook_not_found",
        "Ce webhook n'existe pas (ou plus).",
        "This webhook does not exist (any more).",
    )
}

/// Removes a webhook (administrators): no event goes to it any more.
///
/// `DELETE /api/webhooks/{id}`: 204, or 404 `webhook_not_found`.
#[utoipa::path(
    delete,
    operation_id = "delete_webhook",
    path = "/api/webhooks/{id}",
    tag = TAG_WEBHOOKS,
    security(("staff_token" = []), ("staff_session" = [])),
    params(("id" = String, Path, description = "The hook's id (16 hexadecimal digits).")),
    responses(
        (status = 204, description = "Removed."),
        (status = 403, description = "Not an administrator (`forbidden`), or another site (`cross_origin`).", body = ErrorBody),
        (status = 404, description = "No such hook (`webhook_not_found`).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn delete(
    req: HttpRequest,
    auth: web::Data<Auth>,
    _staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = WebhookId::parse(&path).map_err(|_| webhook_not_found())?;
    if !auth.accounts().remove_webhook(&id).await? {
        return Err(webhook_not_found());
    }
    note_audit(
        &req,
        AuditNote {
            action: Some("webhook.delete"),
            desk: None,
            detail: id.to_string(),
        },
    );
    Ok(HttpResponse::NoContent().finish())
}

/// The webhook deliveries kept (administrators).
///
/// `GET /api/webhooks/deliveries`: the failed ones with their last error (newest first),
/// then those waiting for their next attempt; at most 200 of each.
#[utoipa::path(
    get,
    operation_id = "list_webhook_deliveries",
    path = "/api/webhooks/deliveries",
    tag = TAG_WEBHOOKS,
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The deliveries.", body = DeliveryList),
        Unavailable,
    )
)]
pub async fn deliveries(auth: web::Data<Auth>, _staff: Staff) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(DeliveryList {
        deliveries: auth.accounts().deliveries().await?,
    }))
}

/// Sends a failed delivery again (administrators), with a new day of retries.
///
/// `POST /api/webhooks/deliveries/{id}/resend`: 202, or 404 `delivery_not_found` when no
/// failed delivery has this id.
#[utoipa::path(
    post,
    operation_id = "resend_webhook_delivery",
    path = "/api/webhooks/deliveries/{id}/resend",
    tag = TAG_WEBHOOKS,
    security(("staff_token" = []), ("staff_session" = [])),
    params(("id" = String, Path, description = "The delivery's id.")),
    responses(
        (status = 202, description = "Due again now."),
        (status = 403, description = "Not an administrator (`forbidden`), or another site (`cross_origin`).", body = ErrorBody),
        (status = 404, description = "No failed delivery with this id (`delivery_not_found`).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn resend(
    req: HttpRequest,
    auth: web::Data<Auth>,
    _staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if id.len() > 120 || !auth.accounts().resend_delivery(&id, Utc::now()).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "delivery_not_found",
            "Aucune livraison échouée ne porte cet identifiant.",
            "No failed delivery has this id.",
        ));
    }
    note_audit(
        &req,
        AuditNote {
            action: Some("webhook.resend"),
            desk: None,
            detail: id,
        },
    );
    Ok(HttpResponse::Accepted().finish())
}
