//! The public kiosk `/api/tickets/public`: the office's welcome text, one big button per
//! open service (one big button in all for an office of one service), a separate priority
//! choice for the services that offer it; works by plain form posts.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use rand::Rng;
use serde::Deserialize;
use tickets_core::{
    DeskId, Error, IdempotencyKey, OfficeConfig, PriorityCode, QueueBackend, Service,
    ServiceStatus, TakeRequest,
};

use super::{Nav, Page, html_response, name_in, office_and_lang, service_name, unavailable_page};
use crate::api::tickets::{holder_key_of, holder_path};
use crate::auth::{Auth, url_encode};
use crate::lang::Lang;
use crate::state::AppState;

/// A fresh idempotency key for a kiosk form: a double tap or a resent form gives the
/// same ticket.
fn form_key() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    format!("kiosk-{}", hex::encode(bytes))
}

/// The kiosk's query: why the last take was refused, if it was.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KioskQuery {
    /// `1`: the day closed before the take.
    closed: Option<String>,
    /// Why the take was refused: `service_closed`, `daily_limit`, `unknown_service`,
    /// `queue_full` or `take_limit`.
    refused: Option<String>,
    /// With `take_limit`: in how many minutes this device may take a ticket again (a whole
    /// number; the page reads anything else as 1).
    #[param(value_type = Option<String>)]
    minutes: Option<String>,
    /// `1` after the browser was enrolled as a kiosk.
    enrolled: Option<String>,
    /// The service the refused take asked for.
    service: Option<String>,
}

/// "3 personnes attendent", short, for a service's button.
fn waiting_words(l: Lang, n: u64) -> String {
    match n {
        0 => l.t("Personne n'attend", "Nobody waiting").to_owned(),
        1 => l.t("1 personne attend", "1 person waiting").to_owned(),
        n => l
            .t("{n} personnes attendent", "{n} people waiting")
            .replace("{n}", &n.to_string()),
    }
}

/// What a customer reads when the kiosk refused a ticket.
fn refusal(l: Lang, office: &OfficeConfig, q: &KioskQuery) -> Option<String> {
    if q.closed.as_deref() == Some("1") {
        return Some(
            l.t(
                "Service fermé, revenez demain",
                "Service closed, come back tomorrow",
            )
            .to_owned(),
        );
    }
    let service = q
        .service
        .as_deref()
        .and_then(|s| Service::parse(s).ok())
        .map(|s| service_name(l, office, &s));
    let named = |fr: &str, en: &str, fallback_fr: &str, fallback_en: &str| match &service {
        Some(name) => l.t(fr, en).replace("{s}", name),
        None => l.t(fallback_fr, fallback_en).to_owned(),
    };
    match q.refused.as_deref()? {
        "service_closed" => Some(named(
            "Le service « {s} » ne donne plus de tickets aujourd'hui. Adressez-vous à l'accueil.",
            "{s} gives no more tickets today. Please ask at the reception.",
            "Ce service ne donne plus de tickets aujourd'hui. Adressez-vous à l'accueil.",
            "This service gives no more tickets today. Please ask at the reception.",
        )),
        "daily_limit" => Some(named(
            "Plus de tickets pour « {s} » aujourd'hui : le nombre maximum est atteint. Merci de revenir demain.",
            "No more tickets for {s} today: the day's maximum is reached. Please come back tomorrow.",
            "Plus de tickets pour ce service aujourd'hui : le nombre maximum est atteint. Merci de revenir demain.",
            "No more tickets for this service today: the day's maximum is reached. Please come back tomorrow.",
        )),
        "queue_full" => Some(
            l.t(
                "La file est complète : aucun nouveau ticket pour le moment. Adressez-vous à l'accueil.",
                "The queue is full: no new tickets for now. Please ask at the reception.",
            )
            .to_owned(),
        ),
        "take_limit" => Some(
            l.t(
                "Trop de tickets ont été pris depuis cet appareil. Réessayez dans {m} min, ou prenez votre ticket à la borne de l'accueil.",
                "Too many tickets were taken from this device. Try again in {m} min, or take your ticket at the kiosk at the entrance.",
            )
            .replace(
                "{m}",
                &q.minutes
                    .as_deref()
                    .and_then(|m| m.parse::<u32>().ok())
                    .unwrap_or(1)
                    .clamp(1, 1440)
                    .to_string(),
            ),
        ),
        "unknown_service" => Some(
            l.t(
                "Ce choix n'est plus proposé. Choisissez votre service ci-dessous.",
                "This choice is no longer offered. Please choose your service below.",
            )
            .to_owned(),
        ),
        _ => None,
    }
}

/// The kiosk: the office's welcome text, one big button per open service, and the
/// priority choice.
///
/// `GET /api/tickets/public[?closed=1 | ?refused=…&service=…]` (after a refused take).
#[utoipa::path(
    get,
    operation_id = "kiosk_page",
    path = "/api/tickets/public",
    tag = crate::openapi::TAG_PAGES,
    params(KioskQuery),
    responses(
        (status = 200, description = "The kiosk.", content_type = "text/html", body = String),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
) -> HttpResponse {
    let (office, lang) = office_and_lang(&req, &state);
    let status = match state.queue.status(&DeskId::default()).await {
        Ok(s) => s,
        Err(_) => return unavailable_page(&req, lang),
    };
    let query = web::Query::<KioskQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let refused = refusal(lang, &office, &query);
    let staff = auth.is_staff(&req).await;
    let kiosk = state.clients.is_kiosk(&req);
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
    let single = status.services.len() == 1;
    // Tickets can be taken: the day is open and at least one service gives tickets.
    let accepting = status.open && status.services.iter().any(|s| s.open);
    let waiting = status.waiting_tickets;
    html_response(
        StatusCode::OK,
        page.render(html! {
            section class=(if single { "kiosk" } else { "kiosk kiosk-services" }) data-kiosk
                data-ts-0=(waiting_words(l, 0))
                data-ts-1=(waiting_words(l, 1))
                data-ts-n=(l.t("{n} personnes attendent", "{n} people waiting"))
                data-any-open=(status.services.iter().any(|s| s.open))
                data-services=(status.services.iter().map(|s| format!("{}:{}", s.code, s.open)).collect::<Vec<_>>().join(" "))
            {
                (title(l, office.settings.welcome_in(l.into())))
                @if let Some(text) = &refused {
                    p class="notice notice-warn kiosk-refusal" role="alert" { (text) }
                }
                @if single {
                    @let s = &status.services[0];
                    form method="post" action="/api/tickets/public" class="take-form" hidden[!accepting] data-open-only {
                        input type="hidden" name="idempotency_key" value=(form_key());
                        input type="hidden" name="service_type" value=(s.code);
                        button type="submit" class="take-button" {
                            img class="take-icon" src=(crate::assets::url("img/ticket.svg")) alt="" width="64" height="40";
                            span { (l.t("Prendre un ticket", "Take a ticket")) }
                        }
                        (priority_buttons(l, &office, s))
                    }
                } @else {
                    p class="kiosk-lead" hidden[!accepting] data-open-only { (l.t("Touchez votre service pour prendre un ticket.", "Touch your service to take a ticket.")) }
                    ul class="services" hidden[!accepting] data-open-only {
                        @for s in &status.services {
                            (service_item(l, &office, s))
                        }
                    }
                }
                div data-live="kiosk-state" data-open=(accepting) aria-live="polite"
                    data-t-0=(l.t("Personne n'attend : vous serez servi rapidement.", "Nobody is waiting: you will be served soon."))
                    data-t-1=(l.t("1 personne attend.", "1 person is waiting."))
                    data-t-n=(l.t("{n} personnes attendent.", "{n} people are waiting."))
                    data-t-closed=(l.t("Service fermé, revenez demain", "Service closed, come back tomorrow"))
                {
                    @if !accepting {
                        p class="closed-sign" {
                            (l.t("Service fermé, revenez demain", "Service closed, come back tomorrow"))
                        }
                    } @else if single {
                        p class="kiosk-waiting" {
                            @match waiting {
                                0 => (l.t("Personne n'attend : vous serez servi rapidement.", "Nobody is waiting: you will be served soon.")),
                                1 => (l.t("1 personne attend.", "1 person is waiting.")),
                                n => (l.t("{n} personnes attendent.", "{n} people are waiting.").replace("{n}", &n.to_string())),
                            }
                        }
                    }
                }
            }
            @if office.settings.phone_take && accepting {
                (phone_take(l, &crate::links::absolute_url(&req, state.public_url.as_ref(), KIOSK_PATH)))
            }
            @if kiosk && query.enrolled.as_deref() == Some("1") {
                p class="notice notice-ok kiosk-enrolled" role="status" {
                    (l.t("Ce navigateur est maintenant une borne : il prend des tickets sans limite par appareil.", "This browser is now a kiosk: it takes tickets without the per-device limit."))
                }
            }
            @if staff {
                (enroll_section(l, kiosk))
            }
        }),
    )
}

/// The kiosk's own page, which a phone opens to take a ticket.
pub(crate) const KIOSK_PATH: &str = "/api/tickets/public";

/// "Or take it with your phone": the QR code of the kiosk's page (when the office offers
/// taking a ticket by phone). Left out on a phone's narrow screen, where it is no use.
fn phone_take(l: Lang, url: &str) -> Markup {
    let label = l.t(
        "Code QR pour prendre un ticket avec votre téléphone",
        "QR code to take a ticket with your phone",
    );
    html! {
        aside class="phone-take no-print" aria-labelledby="phone-take-title" {
            @if let Some(svg) = super::qr::qr_svg(url, 160, label) { div class="qr" { (super::svg(svg)) } }
            p id="phone-take-title" {
                strong { (l.t("Ou avec votre téléphone :", "Or with your phone:")) }
                " " (l.t("scannez ce code pour prendre votre ticket et le suivre.", "scan this code to take your ticket and follow it."))
            }
        }
    }
}

/// The kiosk's heading: the office's welcome text in the page's language, or "Bienvenue".
pub(crate) fn title(l: Lang, welcome: Option<&str>) -> Markup {
    html! {
        @match welcome {
            Some(text) => h1 class=(if text.chars().count() > 80 { "kiosk-title kiosk-welcome long" } else { "kiosk-title kiosk-welcome" }) data-welcome { (text) },
            None => h1 class="kiosk-title" { (l.t("Bienvenue", "Welcome")) },
        }
    }
}

/// For staff on the kiosk page: whether this browser is an enrolled kiosk, and the button
/// that enrolls it.
fn enroll_section(l: Lang, kiosk: bool) -> Markup {
    html! {
        section class="card kiosk-enroll" aria-labelledby="kiosk-enroll-title" {
            h2 id="kiosk-enroll-title" { (l.t("Borne (visible par le personnel)", "Kiosk (seen by staff only)")) }
            @if kiosk {
                p { (l.t("Ce navigateur est une borne inscrite : il prend des tickets sans limite par appareil.", "This browser is an enrolled kiosk: it takes tickets without the per-device limit.")) }
            } @else {
                p { (l.t("Ce navigateur n'est pas inscrit comme borne : comme un téléphone, il ne peut prendre que quelques tickets à la suite. Inscrivez-le s'il sert de borne, puis déconnectez-vous.", "This browser is not enrolled as a kiosk: like a phone, it may take only a few tickets in a row. Enroll it if it serves as the kiosk, then sign out.")) }
                form method="post" action="/api/kiosk/enroll" {
                    button type="submit" class="button" { (l.t("Inscrire ce navigateur comme borne", "Enroll this browser as a kiosk")) }
                }
            }
        }
    }
}

/// One service of a kiosk with several: its big button (name and waiting count) and its
/// priority choice, or, closed, its name and why it gives no ticket.
pub(crate) fn service_item(l: Lang, office: &OfficeConfig, s: &ServiceStatus) -> Markup {
    let name = name_in(l, &s.name);
    html! {
        @if s.open {
            li class="service-item" data-service=(s.code) {
                form method="post" action="/api/tickets/public" class="take-form service-form" {
                    input type="hidden" name="idempotency_key" value=(form_key());
                    input type="hidden" name="service_type" value=(s.code);
                    button type="submit" class="service-button" {
                        @if !s.prefix.is_empty() {
                            span class="service-prefix" aria-hidden="true" { (s.prefix) }
                        }
                        span class="service-text" {
                            span class="service-name" { (name) }
                            span class="service-waiting" data-waiting { (waiting_words(l, s.waiting)) }
                        }
                    }
                    (priority_buttons(l, office, s))
                }
            }
        } @else {
            li class="service-item is-closed" data-service=(s.code) {
                div class="service-button" {
                    @if !s.prefix.is_empty() {
                        span class="service-prefix" aria-hidden="true" { (s.prefix) }
                    }
                    span class="service-text" {
                        span class="service-name" { (name) }
                        span class="service-waiting" { (l.t("Fermé aujourd'hui : adressez-vous à l'accueil", "Closed today: please ask at the reception")) }
                    }
                }
            }
        }
    }
}

/// The priority choice of a service that offers it: one smaller button per priority class,
/// in the same form (the button sends `priority`); with several services it names its
/// service ("pour Courrier").
pub(crate) fn priority_buttons(l: Lang, office: &OfficeConfig, s: &ServiceStatus) -> Markup {
    let several = office.services.len() > 1;
    html! {
        @if s.priority && !office.priorities.is_empty() {
            div class="priority-choice" {
                @for p in &office.priorities {
                    button type="submit" name="priority" value=(p.code) class="priority-button" {
                        img src=(crate::assets::url("img/priority.svg")) alt="" width="40" height="40";
                        span class="priority-text" {
                            span { (name_in(l, &p.name)) }
                            @if several {
                                " "
                                span class="priority-for" { (l.t("pour ", "for ")) (name_in(l, &s.name)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A kiosk form. Invalid values are ignored (a kiosk never shows an error for a field
/// the visitor did not type).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TakeForm {
    /// A key the form carries so that a double tap gives one ticket.
    idempotency_key: Option<String>,
    /// The service (the office's only service when absent).
    service_type: Option<String>,
    /// The priority class asked for, if any.
    priority: Option<String>,
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

fn refused(why: &str, service: &Service) -> HttpResponse {
    see_other(&format!(
        "/api/tickets/public?refused={why}&service={}",
        url_encode(service.as_str())
    ))
}

/// Takes a ticket from a kiosk form and shows it.
///
/// `POST /api/tickets/public`: 303 to the ticket's page, or back to the kiosk with
/// `?closed=1` when the day is closed, or `?refused=…&service=…` when the service gives
/// no ticket (closed, daily limit reached, no longer offered, the queue is full), or
/// `?refused=take_limit&minutes=…` when this browser, not an enrolled kiosk, took its share
/// of tickets for now (`TICKETS_TAKE_LIMIT`).
#[utoipa::path(
    post,
    operation_id = "kiosk_take",
    path = "/api/tickets/public",
    tag = crate::openapi::TAG_PAGES,
    request_body(content = TakeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "To the ticket's page, or to the kiosk with the reason of a refusal."),
        (status = 400, description = "Not a form.", body = crate::openapi::ErrorBody),
        (status = 413, description = "The body is over 16 KiB.", body = crate::openapi::ErrorBody),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn take<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
    lang: Lang,
    form: web::Form<TakeForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let asked = form
        .service_type
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| Service::parse(s).ok());
    // No (readable) service: the office's only one; with several, the customer chooses.
    let service = match asked {
        Some(s) => s,
        None => match state.queue.status(&DeskId::default()).await {
            Ok(st) if st.services.len() == 1 => st.services[0].code.clone(),
            Ok(_) => return see_other("/api/tickets/public?refused=unknown_service"),
            Err(_) => return unavailable_page(&req, lang),
        },
    };
    let priority = form
        .priority
        .as_deref()
        .filter(|p| !p.is_empty())
        .and_then(|p| PriorityCode::parse(p).ok());
    let idempotency_key = form
        .idempotency_key
        .as_deref()
        .and_then(|k| IdempotencyKey::parse(k).ok());
    match state
        .queue
        .take(TakeRequest {
            service: service.clone(),
            idempotency_key,
            priority,
            limits: state.take_limits(&req, auth.is_staff(&req)).await,
        })
        .await
    {
        Ok(t) => {
            let key = holder_key_of(&state, &t).await;
            let path = holder_path(&t.day, t.ticket.number, key.as_ref());
            // Where the office offers taking a ticket by phone, a browser that is not an
            // enrolled kiosk is taken for a phone: it gets its ticket's own page, to keep,
            // rather than the kiosk's print-and-return page.
            let phone = state.queue.office().settings.phone_take && !state.clients.is_kiosk(&req);
            if phone {
                return see_other(&path);
            }
            let sep = if key.is_some() { '&' } else { '?' };
            see_other(&format!("{path}{sep}kiosk=1"))
        }
        Err(Error::DayClosed) => see_other("/api/tickets/public?closed=1"),
        Err(Error::ServiceClosed(s)) => refused("service_closed", &s),
        Err(Error::DailyLimitReached(s)) => refused("daily_limit", &s),
        Err(Error::QueueFull { .. }) => refused("queue_full", &service),
        Err(Error::TakeLimitReached {
            retry_after_seconds,
            ..
        }) => see_other(&format!(
            "/api/tickets/public?refused=take_limit&minutes={}",
            retry_after_seconds.div_ceil(60)
        )),
        Err(
            Error::UnknownService(_) | Error::UnknownPriority(_) | Error::PriorityNotOffered(_),
        ) => refused("unknown_service", &service),
        Err(_) => unavailable_page(&req, lang),
    }
}
