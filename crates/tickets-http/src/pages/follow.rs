//! The ticket's own page `/api/tickets/follow/{day}/{n}`, for the phone (and, with
//! `?kiosk=1`, the kiosk's result with print button and QR code).

mod push;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use tickets_core::{
    BusinessDay, Error, OfficeConfig, QueueBackend, TicketInfo, TicketNumber, TicketStatus,
};

use super::{
    Nav, Page, clock_time, desk_names_json, error_page, html_response, name_in, office_and_lang,
    priority_name, service_name, status_words, unavailable_page, wait_words,
};
use crate::api::tickets::{follow_path, parse_number};
use crate::lang::Lang;
use crate::state::AppState;

/// A ticket's own page, for the phone: the office's name (when it has one), its label and
/// service, position, estimated wait, alerts when called.
///
/// `GET /api/tickets/follow/{day}/{n}[?kiosk=1]` (`kiosk=1`: the kiosk's result, with a
/// print button and a QR code of this page).
#[utoipa::path(
    get,
    operation_id = "follow_page",
    path = "/api/tickets/follow/{day}/{n}",
    tag = crate::openapi::TAG_PAGES,
    params(
        ("day" = tickets_core::BusinessDay, Path, description = "The ticket's business day."),
        ("n" = tickets_core::TicketNumber, Path, description = "The ticket number."),
    ),
    responses(
        (status = 200, description = "The ticket's page.", content_type = "text/html", body = String),
        (status = 404, description = "No such ticket (or another day's).", content_type = "text/html", body = String),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (office, lang) = office_and_lang(&req, &state);
    let l = lang;
    let (day, n) = path.into_inner();
    let Some((day, n)) = todays(&state, &day, &n) else {
        return not_found(&req, l);
    };
    let info = match state.queue.ticket(n).await {
        Ok(info) => info,
        Err(Error::TicketNotFound(_)) => return not_found(&req, l),
        Err(_) => return unavailable_page(&req, l),
    };
    let kiosk = req.query_string().split('&').any(|kv| kv == "kiosk=1");
    let tz = state.queue.config().calendar.time_zone();
    let t = &info.ticket;
    // The holder's key, when the link carries the right one: the page then offers the
    // holder's actions, and the QR code carries it on to the phone.
    let key = match query_key(&req) {
        Some(k) => match state.queue.is_holder_key(day, t, k).await {
            Ok(true) => Some(k.to_owned()),
            Ok(false) => None,
            Err(_) => return unavailable_page(&req, l),
        },
        None => None,
    };
    let path = match &key {
        Some(k) => format!("{}?k={k}", follow_path(&day, n)),
        None => follow_path(&day, n),
    };
    let url = crate::links::absolute_url(&req, state.public_url.as_ref(), &path);
    // Push notifications: offered to the holder of a waiting ticket, on their phone, when
    // this server sends them.
    let push_offer = match (&key, &state.push) {
        (Some(k), Some(push)) if !kiosk && t.status == TicketStatus::Waiting => {
            Some(push::offer(l, push.ahead(), k))
        }
        _ => None,
    };
    let page = Page {
        lang,
        title: format!("{} {}", l.t("Ticket", "Ticket"), t.label),
        class: if kiosk {
            "page-follow kiosk-mode"
        } else {
            "page-follow"
        },
        nav: Nav::Public,
        scripts: if push_offer.is_some() {
            &["js/common.js", "js/follow.js", "js/push.js"]
        } else {
            &["js/common.js", "js/follow.js"]
        },
        styles: &[],
        req: &req,
    };
    html_response(
        StatusCode::OK,
        page.render(html! {
            article class="ticket-card" data-ticket=(n) data-day=(day) data-label=(t.label)
                data-service=(t.service)
                data-desks=(desk_names_json(l, &office))
                data-desk-word=(l.t("guichet ", "desk "))
                data-t-ahead-0=(l.t("Vous êtes le prochain.", "You are next."))
                data-t-ahead-1=(l.t("1 personne avant vous.", "1 person ahead of you."))
                data-t-ahead-n=(l.t("{n} personnes avant vous.", "{n} people ahead of you."))
                data-t-wait=(l.t("Attente estimée : ", "Estimated wait: "))
                data-t-called=(l.t("C'est votre tour ! Rendez-vous au ", "It's your turn! Please go to "))
                data-t-none=(l.t("aucune attente", "no wait"))
                data-t-lt1=(l.t("moins d'une minute", "under a minute"))
                data-t-min="≈ {m} min"
                data-t-hours="≈ {h} h {mm}"
                data-sw=(crate::assets::url(crate::assets::SERVICE_WORKER))
            {
                p class="notice notice-warn no-print" data-offline role="status" hidden {
                    (l.t("Hors connexion : voici votre ticket tel qu'il était. La page se remettra à jour dès le retour du réseau.", "Offline: this is your ticket as it was. The page updates again as soon as the network is back."))
                }
                div class="ticket-print" {
                    @if let Some(name) = &office.settings.name {
                        p class="ticket-office" data-office-name { (name) }
                    }
                    h1 class="ticket-label" { (l.t("Votre ticket", "Your ticket")) }
                    p class=(match t.label.len() { 0..=3 => "ticket-number", 4 => "ticket-number wide", _ => "ticket-number long" }) aria-label=(format!("{} {}", l.t("Ticket numéro", "Ticket number"), t.label)) { (t.label) }
                    p class="ticket-service" {
                        span data-service-name { (service_name(l, &office, &t.service)) }
                        @if let Some(p) = &t.priority {
                            " " span class="badge badge-priority" { (priority_name(l, &office, p)) }
                        }
                    }
                    p class="ticket-meta" {
                        (day_words(l, day)) " · " (clock_time(t.taken_at, tz))
                    }
                    (state_block(l, &office, &info))
                    @if kiosk {
                        div class="qr" {
                            @if let Some(svg) = super::qr::qr_svg(&url, 180, l.t("Code QR pour suivre ce ticket sur un téléphone", "QR code to follow this ticket on a phone")) { (super::svg(svg)) }
                            p class="qr-caption" { (l.t("Suivez votre ticket sur votre téléphone :", "Follow your ticket on your phone:")) br; a href=(path) { (url) } }
                        }
                    }
                }
                @if kiosk {
                    div class="ticket-actions no-print" {
                        button type="button" class="button js-only" data-print hidden { (l.t("Imprimer le ticket", "Print the ticket")) }
                        a class="button button-secondary" href="/api/tickets/public" data-return-after="60" { (l.t("Nouveau ticket", "New ticket")) }
                    }
                } @else {
                    p class="no-print hint" { (l.t("Cette page se met à jour toute seule. Gardez-la ouverte.", "This page updates by itself. Keep it open.")) }
                    @if matches!(t.status, TicketStatus::Waiting | TicketStatus::InProgress) {
                        div class="no-print js-only" hidden {
                            button type="button" class="button button-secondary" data-alerts { (l.t("Me prévenir quand c'est mon tour", "Alert me when it is my turn")) }
                        }
                    }
                    @if let Some(offer) = push_offer {
                        (offer)
                    }
                    @if let (Some(k), TicketStatus::Waiting) = (&key, t.status) {
                        (leave_form(l, &follow_path(&day, n), k))
                    }
                }
            }
        }),
    )
}

/// The day and number of a ticket's path, when they name a ticket of today.
fn todays<B: QueueBackend>(
    state: &AppState<B>,
    day: &str,
    n: &str,
) -> Option<(BusinessDay, TicketNumber)> {
    let (Ok(day), Ok(n)) = (day.parse::<BusinessDay>(), parse_number(n)) else {
        return None;
    };
    (day == state.queue.moment().day).then_some((day, n))
}

/// The page for a ticket that does not exist (or not today).
fn not_found(req: &HttpRequest, l: Lang) -> HttpResponse {
    error_page(
        req,
        l,
        StatusCode::NOT_FOUND,
        l.t("Ticket introuvable", "Ticket not found"),
        l.t(
            "Ce ticket n'existe pas ou n'est plus valable aujourd'hui. Prenez un nouveau ticket à la borne.",
            "This ticket does not exist or is no longer valid today. Take a new ticket at the kiosk.",
        ),
    )
}

/// A day as people write it: `25/11/2026`, `25 Nov 2026`.
fn day_words(l: Lang, day: BusinessDay) -> String {
    match l {
        Lang::Fr => day.date().format("%d/%m/%Y").to_string(),
        Lang::En => day.date().format("%-d %b %Y").to_string(),
    }
}

/// The live part of the ticket: status, position, wait or desk.
fn state_block(l: Lang, office: &OfficeConfig, info: &TicketInfo) -> Markup {
    let t = &info.ticket;
    html! {
        div class="ticket-state" aria-live="polite" data-live="ticket-state" data-status=(t.status.as_str()) data-ahead=[info.waiting_before] {
            @match t.status {
                TicketStatus::Waiting => {
                    p class="ticket-ahead" {
                        @match info.waiting_before.unwrap_or(0) {
                            0 => (l.t("Vous êtes le prochain.", "You are next.")),
                            1 => (l.t("1 personne avant vous.", "1 person ahead of you.")),
                            k => (l.t("{n} personnes avant vous.", "{n} people ahead of you.").replace("{n}", &k.to_string())),
                        }
                    }
                    p class="ticket-wait" {
                        (l.t("Attente estimée : ", "Estimated wait: "))
                        strong { (wait_words(l, info.estimated_wait_seconds.unwrap_or(0))) }
                    }
                }
                TicketStatus::InProgress => {
                    p class="ticket-called" {
                        (l.t("C'est votre tour ! Rendez-vous au ", "It's your turn! Please go to "))
                        @match t.desk.as_ref().and_then(|d| office.desk(d)) {
                            Some(d) => strong { (name_in(l, &d.name)) },
                            None => {
                                (l.t("guichet ", "desk "))
                                strong { (t.desk.as_ref().map(|d| d.as_str()).unwrap_or("?")) }
                            }
                        }
                    }
                }
                s => {
                    p class="ticket-done" { (l.t("Ticket ", "Ticket ")) (status_words(l, s)) "." }
                }
            }
        }
    }
}

/// The `k` of the page's query, if any.
fn query_key(req: &HttpRequest) -> Option<&str> {
    req.query_string()
        .split('&')
        .find_map(|kv| kv.strip_prefix("k="))
        .filter(|k| !k.is_empty() && k.len() <= 64)
}

/// "I'm leaving": a disclosure, then a form that posts the key to the page's `leave`, so
/// that it works without JavaScript and never on a single tap.
fn leave_form(l: Lang, path: &str, key: &str) -> Markup {
    html! {
        details class="no-print leave" {
            summary class="button button-secondary" { (l.t("Je ne peux plus attendre", "I can no longer wait")) }
            form method="post" action=(format!("{path}/leave")) class="leave-form" {
                p { (l.t("Votre ticket sera annulé et votre place rendue aux personnes derrière vous. Vous devrez reprendre un ticket pour revenir.", "Your ticket will be cancelled and your place given to the people behind you. You will need a new ticket to come back.")) }
                input type="hidden" name="k" value=(key);
                button type="submit" class="button button-danger" { (l.t("Quitter la file", "Leave the queue")) }
            }
        }
    }
}

/// The form of "I'm leaving".
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct LeaveForm {
    /// The key of the ticket's holder (from the link given with the ticket).
    k: Option<String>,
}

/// "I'm leaving", from the ticket's page: the holder leaves the queue, then sees their
/// ticket cancelled.
///
/// `POST /api/tickets/follow/{day}/{n}/leave` (form: `k`, the holder's key): 303 to the
/// ticket's page; a page that says why otherwise (403 for a wrong key, 409 for a ticket
/// that no longer waits).
#[utoipa::path(
    post,
    operation_id = "leave_page",
    path = "/api/tickets/follow/{day}/{n}/leave",
    tag = crate::openapi::TAG_PAGES,
    params(
        ("day" = tickets_core::BusinessDay, Path, description = "The ticket's business day."),
        ("n" = tickets_core::TicketNumber, Path, description = "The ticket number."),
    ),
    request_body(content = LeaveForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Left: back to the ticket's page."),
        (status = 403, description = "The key is not the holder's.", content_type = "text/html", body = String),
        (status = 404, description = "No such ticket today.", content_type = "text/html", body = String),
        (status = 409, description = "The ticket no longer waits.", content_type = "text/html", body = String),
        (status = 503, description = "The store does not answer.", content_type = "text/html", body = String),
    )
)]
pub async fn leave<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    path: web::Path<(String, String)>,
    form: web::Form<LeaveForm>,
) -> HttpResponse {
    let (_, l) = office_and_lang(&req, &state);
    let (day, n) = path.into_inner();
    let refused =
        |status: StatusCode, title: &str, text: &str| error_page(&req, l, status, title, text);
    let Some((day, n)) = todays(&state, &day, &n) else {
        return not_found(&req, l);
    };
    let key = form.k.as_deref().unwrap_or_default();
    match state.queue.leave(n, key).await {
        Ok(_) => HttpResponse::SeeOther()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("{}?k={key}", follow_path(&day, n)),
            ))
            .finish(),
        Err(Error::TicketNotFound(_)) => not_found(&req, l),
        Err(Error::WrongHolderKey(_)) => refused(
            StatusCode::FORBIDDEN,
            l.t("Lien non valable", "Link not valid"),
            l.t(
                "Seul le lien donné avec le ticket (son code QR) permet de quitter la file.",
                "Only the link given with the ticket (its QR code) lets you leave the queue.",
            ),
        ),
        Err(Error::WrongStatus { .. }) => refused(
            StatusCode::CONFLICT,
            l.t(
                "Trop tard pour quitter la file",
                "Too late to leave the queue",
            ),
            l.t(
                "Ce ticket a déjà été appelé ou terminé : adressez-vous au guichet.",
                "This ticket was already called or finished: please go to the desk.",
            ),
        ),
        Err(_) => unavailable_page(&req, l),
    }
}
