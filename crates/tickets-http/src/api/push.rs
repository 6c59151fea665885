//! Web Push for ticket holders: `GET /api/push/key` gives the office's public VAPID key,
//! `POST /api/push/subscriptions` keeps a browser's subscription to a ticket (the holder's
//! key proves the ticket is theirs), `DELETE /api/push/subscriptions` removes it. Sending
//! is [`crate::push`]'s.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tickets_core::push::{PushStage, PushSubscription};
use tickets_core::{BusinessDay, Error, QueueBackend, TicketNumber, TicketStatus};
use utoipa::ToSchema;

use super::error::ApiError;
use super::{BODY_LIMIT, body_day, body_key, body_ticket, json_object, read_body, refusal};
use crate::lang::Lang;
use crate::openapi::{BodyErrors, ErrorBody, TAG_PUBLIC, Unavailable};
use crate::push::{Push, browser_keys, check_endpoint};
use crate::state::AppState;

/// The public VAPID key.
#[derive(Serialize, ToSchema)]
pub struct PushKeyBody {
    /// The uncompressed P-256 public key, base64url without padding: the
    /// `applicationServerKey` of `pushManager.subscribe`.
    #[schema(
        example = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
    )]
    public_key: String,
    /// The first notice comes when this many tickets or fewer are ahead.
    ahead: u32,
}

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct BrowserSubscription {
    /// The push service's URL for this browser.
    #[schema(min_length = 1, max_length = 1024)]
    endpoint: String,
    /// When the subscription ends, if the browser says (ignored: it lives as long as its
    /// ticket).
    #[serde(rename = "expirationTime")]
    expiration_time: Option<f64>,
    /// The browser's keys.
    keys: BrowserKeys,
}

/// The keys of a browser's push subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct BrowserKeys {
    /// The browser's P-256 public key, base64url.
    p256dh: String,
    /// Its 16-byte authentication secret, base64url.
    auth: String,
}

/// The body of a subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"day": "2026-11-30", "ticket": 12, "key": "0f4c2a9e8b7d6c5a4f3e2d1c0b9a8f7e", "lang": "fr", "subscription": {"endpoint": "https://push.example.org/send/abc", "expirationTime": null, "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}}}))]
#[allow(dead_code)]
pub struct SubscribeBody {
    /// The ticket's business day.
    #[schema(value_type = BusinessDay)]
    day: String,
    /// The ticket's number.
    #[schema(value_type = tickets_core::TicketNumber)]
    ticket: u64,
    /// The key of the ticket's holder: the `k` of its link (`ticket_url`).
    #[schema(pattern = "^[0-9a-fA-F]{32}$")]
    key: String,
    /// The browser's subscription.
    subscription: BrowserSubscription,
    /// The language of the notifications, `fr` (default) or `en`.
    lang: Option<String>,
}

/// The answer of a subscription.
#[derive(Serialize, ToSchema)]
pub struct SubscribedBody {
    /// The ticket's business day.
    day: BusinessDay,
    /// The ticket's number.
    #[schema(value_type = u64)]
    ticket: TicketNumber,
    /// The first notice comes when this many tickets or fewer are ahead.
    ahead: u32,
    /// What the browser will be told, each once: `near`, `next`, `called`.
    notices: Vec<PushStage>,
}

/// The body of an unsubscription.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct UnsubscribeBody {
    /// The ticket's business day.
    #[schema(value_type = BusinessDay)]
    day: String,
    /// The ticket's number.
    #[schema(value_type = tickets_core::TicketNumber)]
    ticket: u64,
    /// The key of the ticket's holder.
    #[schema(pattern = "^[0-9a-fA-F]{32}$")]
    key: String,
    /// The endpoint of the subscription to remove.
    #[schema(min_length = 1, max_length = 1024)]
    endpoint: String,
}

/// The answer of an unsubscription.
#[derive(Serialize, ToSchema)]
pub struct UnsubscribedBody {
    /// Whether there was such a subscription.
    removed: bool,
}

fn push_off() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "push_off",
        "Ce serveur n'envoie pas de notifications.",
        "This server sends no push notifications.",
    )
}

fn push_of<B>(state: &AppState<B>) -> Result<&Push, ApiError> {
    state.push.as_deref().ok_or_else(push_off)
}

/// The public VAPID key.
///
/// `GET /api/push/key`: the key a browser subscribes with, and how many tickets ahead the
/// first notice comes. 404 `push_off` when the server sends no push notifications.
#[utoipa::path(
    get,
    operation_id = "push_key",
    path = "/api/push/key",
    tag = TAG_PUBLIC,
    responses(
        (status = 200, description = "The key.", body = PushKeyBody),
        (status = 404, description = "This server sends no push notifications (`push_off`).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn key<B: QueueBackend>(state: web::Data<AppState<B>>) -> Result<HttpResponse, ApiError> {
    let push = push_of(&state)?;
    let public_key = push.public_key().await.map_err(|e| refusal(&state, e))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-cache"))
        .json(PushKeyBody {
            public_key,
            ahead: push.ahead(),
        }))
}

fn invalid(field: &str, en: &str) -> ApiError {
    ApiError::invalid_field(
        field,
        format!("« {field} » : la souscription du navigateur n'est pas utilisable ({en})."),
        format!("\"{field}\": the browser's subscription cannot be used ({en})."),
    )
}

/// The `subscription` of a body, as the store keeps it for `ticket` taken at `taken_us`.
fn body_subscription(
    obj: &Map<String, Value>,
    ticket: TicketNumber,
    lang: Lang,
) -> Result<PushSubscription, ApiError> {
    let sub = obj
        .get("subscription")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            invalid(
                "subscription",
                "an object with endpoint and keys is expected",
            )
        })?;
    let text = |v: Option<&Value>, field: &str| {
        v.and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| invalid(field, "text is expected"))
    };
    let keys = sub.get("keys").and_then(Value::as_object);
    let sub = PushSubscription {
        ticket,
        taken_us: 0,
        lang: lang.code().to_owned(),
        endpoint: text(sub.get("endpoint"), "subscription.endpoint")?,
        p256dh: text(
            keys.and_then(|k| k.get("p256dh")),
            "subscription.keys.p256dh",
        )?,
        auth: text(keys.and_then(|k| k.get("auth")), "subscription.keys.auth")?,
    };
    sub.check().map_err(|e| invalid(&e.field, &e.reason))?;
    browser_keys(&sub).map_err(|why| {
        let field = if why.contains("p256dh") {
            "subscription.keys.p256dh"
        } else {
            "subscription.keys.auth"
        };
        invalid(field, &why)
    })?;
    Ok(sub)
}

/// The `lang` of a body: `fr` or `en`, else the request's language.
fn body_lang(obj: &Map<String, Value>, req: &HttpRequest) -> Result<Lang, ApiError> {
    match obj.get("lang") {
        None | Some(Value::Null) => Ok(Lang::of(req)),
        Some(v) => v.as_str().and_then(Lang::parse).ok_or_else(|| {
            ApiError::invalid_field(
                "lang",
                "« lang » est la langue des notifications : « fr » ou « en ».",
                "\"lang\" is the language of the notifications: \"fr\" or \"en\".",
            )
        }),
    }
}

/// The waiting ticket of a body, once its holder's key is checked.
async fn holders_ticket<B: QueueBackend>(
    state: &AppState<B>,
    obj: &Map<String, Value>,
) -> Result<tickets_core::Ticket, ApiError> {
    let day = body_day(obj)?;
    let number = body_ticket(obj)?;
    let key = body_key(obj)?;
    if day != state.queue.moment().day {
        return Err(refusal(state, Error::TicketNotFound(number)));
    }
    let info = state
        .queue
        .ticket(number)
        .await
        .map_err(|e| refusal(state, e))?;
    if !state
        .queue
        .is_holder_key(day, &info.ticket, key)
        .await
        .map_err(|e| refusal(state, e))?
    {
        return Err(refusal(state, Error::WrongHolderKey(number)));
    }
    Ok(info.ticket)
}

/// Subscribes a browser to a ticket's notices (the ticket's holder).
///
/// `POST /api/push/subscriptions`, body `{"day", "ticket", "key", "subscription", "lang"}`:
/// the browser will be told, each once, when `ahead` tickets or fewer are before the ticket
/// (`near`), when none is (`next`), and when it is called, with the desk (`called`). The
/// subscription lives as long as the ticket. The same browser again replaces its
/// subscription; a ticket has at most 5. 403 `wrong_ticket_key`; 404 for a ticket that
/// does not exist today (or `push_off`); 409 `wrong_status` for a ticket that no longer
/// waits; 422 for a subscription that cannot be used (a push service is an https URL on a
/// public address; the keys are the browser's).
#[utoipa::path(
    post,
    operation_id = "push_subscribe",
    path = "/api/push/subscriptions",
    tag = TAG_PUBLIC,
    request_body(content = SubscribeBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Subscribed.", body = SubscribedBody),
        (status = 403, description = "The key is not the one of this ticket's holder (`wrong_ticket_key`).", body = ErrorBody),
        (status = 404, description = "No such ticket today (`ticket_not_found`), or no push on this server (`push_off`).", body = ErrorBody),
        (status = 409, description = "The ticket no longer waits (`wrong_status`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn subscribe<B: QueueBackend>(
    state: web::Data<AppState<B>>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let push = push_of(&state)?;
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let lang = body_lang(&obj, &req)?;
    let number = body_ticket(&obj)?;
    let mut sub = body_subscription(&obj, number, lang)?;
    let ticket = holders_ticket(&state, &obj).await?;
    if ticket.status != TicketStatus::Waiting {
        return Err(refusal(
            &state,
            Error::WrongStatus {
                number,
                status: ticket.status,
            },
        ));
    }
    check_endpoint(&sub.endpoint, push.allows_private())
        .await
        .map_err(|why| invalid("subscription.endpoint", &why))?;
    sub.taken_us = ticket.taken_at.timestamp_micros();
    let at = state.queue.moment();
    push.subscribe(&at, &sub)
        .await
        .map_err(|e| refusal(&state, e))?;
    tracing::info!(ticket = %number, label = %ticket.label, "a browser subscribed to a ticket's notices");
    Ok(HttpResponse::Created().json(SubscribedBody {
        day: at.day,
        ticket: number,
        ahead: push.ahead(),
        notices: PushStage::ALL.to_vec(),
    }))
}

/// Unsubscribes a browser from a ticket's notices (the ticket's holder).
///
/// `DELETE /api/push/subscriptions`, body `{"day", "ticket", "key", "endpoint"}`: `removed`
/// says whether there was such a subscription. 403 `wrong_ticket_key`; 404 for a ticket
/// that does not exist today.
#[utoipa::path(
    delete,
    operation_id = "push_unsubscribe",
    path = "/api/push/subscriptions",
    tag = TAG_PUBLIC,
    request_body(content = UnsubscribeBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Done.", body = UnsubscribedBody),
        (status = 403, description = "The key is not the one of this ticket's holder (`wrong_ticket_key`).", body = ErrorBody),
        (status = 404, description = "No such ticket today (`ticket_not_found`), or no push on this server (`push_off`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn unsubscribe<B: QueueBackend>(
    state: web::Data<AppState<B>>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let push = push_of(&state)?;
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let endpoint = obj
        .get("endpoint")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty() && e.len() <= tickets_core::push::MAX_ENDPOINT_CHARS)
        .ok_or_else(|| {
            ApiError::invalid_field(
                "endpoint",
                "« endpoint » est l'adresse de la souscription à retirer.",
                "\"endpoint\" is the address of the subscription to remove.",
            )
        })?
        .to_owned();
    let ticket = holders_ticket(&state, &obj).await?;
    let removed = push
        .unsubscribe(&state.queue.moment(), ticket.number, &endpoint)
        .await
        .map_err(|e| refusal(&state, e))?;
    Ok(HttpResponse::Ok().json(UnsubscribedBody { removed }))
}
