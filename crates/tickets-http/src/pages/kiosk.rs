//! The public kiosk `/api/tickets/public`: one big button; works by a plain form post.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use rand::Rng;
use serde::Deserialize;
use tickets_core::{DeskId, Error, IdempotencyKey, QueueBackend, Service, TakeRequest};

use super::{Nav, Page, html_response, unavailable_page};
use crate::api::tickets::follow_path;
use crate::app::AppState;
use crate::lang::Lang;

/// A fresh idempotency key for the kiosk form: a double tap or a resent form gives the
/// same ticket.
fn form_key() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    format!("kiosk-{}", hex::encode(bytes))
}

/// The kiosk page: one big button to take a ticket.
///
/// `GET /api/tickets/public[?closed=1]` (`closed=1`: the day closed during the take).
#[utoipa::path(
    get,
    operation_id = "kiosk_page",
    path = "/api/tickets/public",
    tag = crate::openapi::TAG_PAGES,
    responses(
        (status = 200, description = "The kiosk.", content_type = "text/html", body = String),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    lang: Lang,
) -> HttpResponse {
    let status = match state.queue.status(&DeskId::default()).await {
        Ok(s) => s,
        Err(_) => return unavailable_page(&req, lang),
    };
    let refused = req.query_string().split('&').any(|kv| kv == "closed=1");
    let l = lang;
    let page = Page {
        lang,
        title: l.t("Prendre un ticket", "Take a ticket").to_owned(),
        class: "page-kiosk",
        nav: Nav::Public,
        scripts: &["js/common.js", "js/kiosk.js"],
        styles: &[],
        req: &req,
    };
    let waiting = status.waiting_tickets;
    html_response(
        StatusCode::OK,
        page.render(html! {
            section class="kiosk" {
                h1 class="kiosk-title" { (l.t("Bienvenue", "Welcome")) }
                @if refused {
                    p class="notice notice-warn" role="alert" { (l.t("Service fermé, revenez demain", "Service closed, come back tomorrow")) }
                }
                form method="post" action="/api/tickets/public" class="take-form" hidden[!status.open] data-open-only {
                    input type="hidden" name="idempotency_key" value=(form_key());
                    button type="submit" class="take-button" {
                        span class="take-icon" aria-hidden="true" { "🎫" }
                        span { (l.t("Prendre un ticket", "Take a ticket")) }
                    }
                }
                div data-live="kiosk-state" data-open=(status.open) aria-live="polite"
                    data-t-0=(l.t("Personne n'attend : vous serez servi rapidement.", "Nobody is waiting: you will be served soon."))
                    data-t-1=(l.t("1 personne attend.", "1 person is waiting."))
                    data-t-n=(l.t("{n} personnes attendent.", "{n} people are waiting."))
                    data-t-closed=(l.t("Service fermé, revenez demain", "Service closed, come back tomorrow"))
                {
                    @if status.open {
                        p class="kiosk-waiting" {
                            @match waiting {
                                0 => (l.t("Personne n'attend : vous serez servi rapidement.", "Nobody is waiting: you will be served soon.")),
                                1 => (l.t("1 personne attend.", "1 person is waiting.")),
                                n => (l.t("{n} personnes attendent.", "{n} people are waiting.").replace("{n}", &n.to_string())),
                            }
                        }
                    } @else {
                        p class="closed-sign" {
                            (l.t("Service fermé, revenez demain", "Service closed, come back tomorrow"))
                        }
                    }
                }
            }
        }),
    )
}

/// The kiosk form. Invalid values are ignored (a kiosk never shows an error for a field
/// the visitor did not type).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TakeForm {
    /// A key the form carries so that a double tap gives one ticket.
    idempotency_key: Option<String>,
    /// The service (default `poste`).
    service_type: Option<String>,
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Takes a ticket from the kiosk form and shows it.
///
/// `POST /api/tickets/public`: 303 to the ticket's page, or back to the kiosk with
/// `?closed=1` when the day is closed.
#[utoipa::path(
    post,
    operation_id = "kiosk_take",
    path = "/api/tickets/public",
    tag = crate::openapi::TAG_PAGES,
    request_body(content = TakeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "To the ticket's page, or to the kiosk when the day is closed."),
        (status = 400, description = "Not a form.", body = crate::openapi::ErrorBody),
        (status = 413, description = "The body is over 16 KiB.", body = crate::openapi::ErrorBody),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn take<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    lang: Lang,
    form: web::Form<TakeForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let service = form
        .service_type
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| Service::parse(s).ok())
        .unwrap_or_default();
    let idempotency_key = form
        .idempotency_key
        .as_deref()
        .and_then(|k| IdempotencyKey::parse(k).ok());
    match state
        .queue
        .take(TakeRequest {
            service,
            idempotency_key,
            priority: None,
        })
        .await
    {
        Ok(t) => see_other(&format!("{}?kiosk=1", follow_path(&t.day, t.ticket.number))),
        Err(Error::DayClosed) => see_other("/api/tickets/public?closed=1"),
        Err(_) => unavailable_page(&req, lang),
    }
}
