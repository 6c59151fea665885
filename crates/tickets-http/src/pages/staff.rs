//! The staff console `/api/tickets/staff`: one desk's view and its actions. Forms post to
//! the same path and come back (303) with the outcome, so it works without JavaScript;
//! `staff.js` sends the same forms in the background and adds keyboard shortcuts.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use tickets_core::{DeskId, Error, QueueBackend, Snapshot, SnapshotOptions, TicketNumber};

use super::{
    Nav, Page, StaffPage as Current, clock_time, duration_text, html_response, unavailable_page,
};
use crate::app::AppState;
use crate::auth::{StaffPage, url_encode};
use crate::lang::Lang;

/// The cookie that remembers the desk of this browser.
pub const DESK_COOKIE: &str = "desk";

/// The console's query: the desk, and the outcome of the last action.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffQuery {
    /// The desk to serve (remembered in a cookie).
    desk: Option<String>,
    /// The last action's outcome, shown once.
    done: Option<String>,
    /// The ticket the last action concerned.
    #[param(value_type = Option<tickets_core::TicketNumber>)]
    n: Option<TicketNumber>,
}

/// The desk of this request: `?desk=`, else the remembered one, else the default.
fn desk_of(req: &HttpRequest, asked: Option<&str>) -> (DeskId, bool) {
    if let Some(d) = asked {
        return match DeskId::parse(d) {
            Ok(d) => (d, true),
            Err(_) => (remembered(req), false),
        };
    }
    (remembered(req), true)
}

fn remembered(req: &HttpRequest) -> DeskId {
    req.cookie(DESK_COOKIE)
        .and_then(|c| DeskId::parse(c.value()).ok())
        .unwrap_or_default()
}

fn outcome(l: Lang, done: &str, n: Option<TicketNumber>) -> Option<(bool, String)> {
    let n = n.map(|n| n.to_string()).unwrap_or_default();
    let ok = |fr: &str, en: &str| Some((true, l.t(fr, en).replace("{n}", &n)));
    let warn = |fr: &str, en: &str| Some((false, l.t(fr, en).replace("{n}", &n)));
    match done {
        "called" => ok("Ticket {n} appelé.", "Ticket {n} called."),
        "none_waiting" => warn("Aucun ticket en attente.", "No ticket waiting."),
        "finished" => ok("Ticket {n} terminé.", "Ticket {n} finished."),
        "none_current" => warn(
            "Aucun ticket en cours à ce guichet.",
            "No current ticket at this desk.",
        ),
        "recalled" => ok("Ticket {n} rappelé.", "Ticket {n} called again."),
        "no_show" => ok("Ticket {n} marqué absent.", "Ticket {n} marked as no-show."),
        "opened" => ok(
            "Journée ouverte : les clients peuvent prendre un ticket.",
            "Day opened: customers can take tickets.",
        ),
        "already_open" => warn(
            "La journée était déjà ouverte.",
            "The day was already open.",
        ),
        "closed" => ok(
            "Journée fermée : plus de nouveaux tickets ; la file reste appelable.",
            "Day closed: no new tickets; the queue can still be called.",
        ),
        "already_closed" => warn(
            "La journée était déjà fermée.",
            "The day was already closed.",
        ),
        "reset" => ok(
            "Journée remise à zéro : {n} ticket(s) effacé(s).",
            "Day reset: {n} ticket(s) removed.",
        ),
        "reset_unconfirmed" => warn(
            "Cochez la confirmation pour remettre la journée à zéro.",
            "Tick the confirmation to reset the day.",
        ),
        "bad_desk" => warn(
            "Guichet invalide : 1 à 16 caractères parmi lettres, chiffres, « - » et « _ ».",
            "Invalid desk: 1 to 16 characters among letters, digits, '-' and '_'.",
        ),
        "unavailable" => warn(
            "Le stockage ne répond pas ; rien n'a été fait. Réessayez.",
            "The store does not answer; nothing was done. Try again.",
        ),
        "unknown" => warn("Action inconnue.", "Unknown action."),
        _ => None,
    }
}

/// The staff console: call, finish, recall, no-show; open and close the day (staff).
#[utoipa::path(
    get,
    operation_id = "staff_page",
    path = "/api/tickets/staff",
    tag = crate::openapi::TAG_PAGES,
    params(StaffQuery),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The console.", content_type = "text/html", body = String),
        (status = 303, description = "Not signed in: to the sign-in page."),
        (status = 422, description = "Invalid query.", body = crate::openapi::ErrorBody),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    lang: Lang,
    _staff: StaffPage,
    query: web::Query<StaffQuery>,
) -> HttpResponse {
    let l = lang;
    let (desk, desk_ok) = desk_of(&req, query.desk.as_deref());
    let opts = SnapshotOptions {
        waiting: 5,
        logs: 0,
        activity_minutes: 0,
    };
    let snap = match state.queue.snapshot(opts).await {
        Ok(s) => s,
        Err(_) => return unavailable_page(&req, l),
    };
    let tz = state.queue.config().calendar.time_zone();
    let done = if desk_ok {
        query.done.as_deref()
    } else {
        Some("bad_desk")
    };
    let message = done.and_then(|d| outcome(l, d, query.n));
    let page = Page {
        lang,
        title: format!("{} {desk}", l.t("Guichet", "Desk")),
        class: "page-staff",
        nav: Nav::Staff(Current::Console),
        scripts: &["js/common.js", "js/staff.js"],
        styles: &[],
        req: &req,
    };
    let body = page.render(html! {
        div class="staff-grid" {
            section class="card desk-card" aria-labelledby="desk-title" {
                div class="desk-head" {
                    h1 id="desk-title" { (l.t("Guichet", "Desk")) " " span data-desk-name { (desk) } }
                    form method="get" action="/api/tickets/staff" class="desk-form" {
                        label for="desk-input" { (l.t("Changer de guichet", "Change desk")) }
                        div class="row" {
                            input id="desk-input" name="desk" value=(desk) required
                                pattern="[A-Za-z0-9_\\-]{1,16}" maxlength="16" list="known-desks"
                                autocomplete="off" aria-describedby="desk-help";
                            button type="submit" class="button button-secondary" { (l.t("Valider", "Apply")) }
                        }
                        small id="desk-help" { (l.t("Ex. : 1, 2, A, guichet-3", "E.g. 1, 2, A, guichet-3")) }
                        datalist id="known-desks" {
                            @for d in &snap.desks { option value=(d.desk) {} }
                        }
                    }
                }
                div class="outcome" role="status" aria-live="polite" data-outcome {
                    @if let Some((ok, text)) = &message {
                        p class=(if *ok { "notice notice-ok" } else { "notice notice-warn" }) { (text) }
                    }
                }
                (desk_state(l, &snap, &desk, tz))
                div class="actions" role="group" aria-label=(l.t("Actions du guichet", "Desk actions")) {
                    (action_button(&desk, "call_next", "button button-primary button-huge", l.t("Appeler le suivant", "Call next"), "N"))
                    (action_button(&desk, "finish", "button", l.t("Terminer", "Finish"), "F"))
                    (action_button(&desk, "recall", "button button-secondary", l.t("Rappeler", "Recall"), "R"))
                    (action_button(&desk, "no_show", "button button-secondary", l.t("Absent", "No-show"), "A"))
                }
                p class="hint" { (l.t("Raccourcis clavier : ", "Keyboard shortcuts: ")) kbd { "N" } " " (l.t("appeler", "call")) ", " kbd { "F" } " " (l.t("terminer", "finish")) ", " kbd { "R" } " " (l.t("rappeler", "recall")) ", " kbd { "A" } " " (l.t("absent", "no-show")) }
            }
            section class="card day-card" aria-labelledby="day-title" {
                h2 id="day-title" { (l.t("Journée", "Day")) }
                div class="row wrap" {
                    (action_button(&desk, "open_day", "button", l.t("Ouvrir la journée", "Open the day"), ""))
                    (action_button(&desk, "close_day", "button button-secondary", l.t("Fermer la journée", "Close the day"), ""))
                }
                form method="post" action="/api/tickets/staff" class="reset-form" data-action="reset_day" {
                    input type="hidden" name="action" value="reset_day";
                    input type="hidden" name="desk" value=(desk);
                    div class="check" {
                        input type="checkbox" id="confirm-reset" name="confirm" value="yes" required;
                        label for="confirm-reset" { (l.t("Je confirme : effacer tous les tickets et l'historique du jour.", "I confirm: erase every ticket and today's history.")) }
                    }
                    button type="submit" class="button button-danger" { (l.t("Remettre la journée à zéro", "Reset the day")) }
                }
            }
        }
    });
    let mut res = html_response(StatusCode::OK, body);
    if desk_ok && query.desk.is_some() {
        let cookie = Cookie::build(DESK_COOKIE, desk.to_string())
            .path("/api/")
            .same_site(SameSite::Strict)
            .http_only(true)
            .max_age(CookieDuration::days(365))
            .finish();
        let _ = res.add_cookie(&cookie);
    }
    res
}

fn action_button(desk: &DeskId, action: &str, class: &str, label: &str, key: &str) -> Markup {
    html! {
        form method="post" action="/api/tickets/staff" class="inline" data-action=(action) {
            input type="hidden" name="action" value=(action);
            input type="hidden" name="desk" value=(desk);
            button type="submit" class=(class) data-key=[(!key.is_empty()).then_some(key.to_ascii_lowercase())]
                aria-keyshortcuts=[(!key.is_empty()).then_some(key)] {
                (label)
                @if !key.is_empty() { " " kbd aria-hidden="true" { (key) } }
            }
        }
    }
}

/// The live part of the console: this desk's ticket and the day's figures.
fn desk_state(l: Lang, snap: &Snapshot, desk: &DeskId, tz: chrono_tz::Tz) -> Markup {
    let mine = snap.desks.iter().find(|d| &d.desk == desk);
    let current = mine.and_then(|d| d.current.as_ref());
    let f = &snap.figures;
    html! {
        div data-live="staff-state" class="desk-state" {
            div class="current" {
                p class="label" { (l.t("Ticket en cours", "Current ticket")) }
                @if let Some(t) = current {
                    p class="big-number" data-current=(t.number) { (t.number) }
                    p class="muted" {
                        (l.t("appelé à ", "called at ")) (t.called_at.map(|c| clock_time(c, tz)).unwrap_or_default())
                        @if t.recalls > 0 { " · " (t.recalls) " " (l.t("rappel(s)", "recall(s)")) }
                    }
                } @else {
                    p class="big-number none" { "—" }
                    p class="muted" { (l.t("Aucun ticket à ce guichet.", "No ticket at this desk.")) }
                }
            }
            dl class="figures" {
                div { dt { (l.t("Journée", "Day")) } dd {
                    @if snap.open { span class="badge badge-open" { (l.t("ouverte", "open")) } }
                    @else { span class="badge badge-closed" { (l.t("fermée", "closed")) } }
                } }
                div { dt { (l.t("En attente", "Waiting")) } dd data-queue-length { (snap.queue_length) } }
                div { dt { (l.t("Prochain ticket", "Next ticket")) } dd { (snap.next_ticket.map(|n| n.to_string()).unwrap_or_else(|| "—".into())) } }
                div { dt { (l.t("Servis (ce guichet)", "Served (this desk)")) } dd { (mine.map(|d| d.served).unwrap_or(0)) } }
                div { dt { (l.t("Servis (tous)", "Served (all)")) } dd { (f.served) } }
                div { dt { (l.t("Attente moyenne", "Average wait")) } dd { (f.avg_wait_seconds.map(duration_text).unwrap_or_else(|| "—".into())) } }
            }
            @if !snap.waiting_list.is_empty() {
                div class="upcoming" {
                    p class="label" { (l.t("Prochains", "Up next")) }
                    ol class="chips" {
                        @for t in &snap.waiting_list { li { (t.number) } }
                    }
                }
            }
        }
    }
}

/// The console's form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActForm {
    /// `call-next`, `finish`, `recall`, `no-show`, `start-day`, `end-day` or `reset-day`.
    action: String,
    /// The desk.
    desk: Option<String>,
    /// `yes` to confirm a reset.
    confirm: Option<String>,
}

/// Runs one console action and comes back to the console with its outcome (staff).
///
/// `POST /api/tickets/staff`: 303 to the console.
#[utoipa::path(
    post,
    operation_id = "staff_act",
    path = "/api/tickets/staff",
    tag = crate::openapi::TAG_PAGES,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = ActForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Back to the console (or to the sign-in page)."),
        (status = 400, description = "Not the console's form.", body = crate::openapi::ErrorBody),
        (status = 413, description = "The body is over 16 KiB.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn act<B: QueueBackend>(
    state: web::Data<AppState<B>>,
    _staff: StaffPage,
    form: web::Form<ActForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let desk = match form.desk.as_deref().map(DeskId::parse).transpose() {
        Ok(d) => d.unwrap_or_default(),
        Err(_) => return back(None, "bad_desk", None),
    };
    let q = &state.queue;
    let result: Result<(&str, Option<u64>), Error> = async {
        Ok(match form.action.as_str() {
            "call_next" => match q.call_next(&desk).await?.called {
                Some(t) => ("called", Some(t.number.get())),
                None => ("none_waiting", None),
            },
            "finish" => match q.finish(&desk).await? {
                Some(t) => ("finished", Some(t.number.get())),
                None => ("none_current", None),
            },
            "recall" => match q.recall(&desk).await? {
                Some(t) => ("recalled", Some(t.number.get())),
                None => ("none_current", None),
            },
            "no_show" => match q.no_show(&desk).await? {
                Some(t) => ("no_show", Some(t.number.get())),
                None => ("none_current", None),
            },
            "open_day" => (
                if q.open_day().await?.changed {
                    "opened"
                } else {
                    "already_open"
                },
                None,
            ),
            "close_day" => (
                if q.close_day().await?.changed {
                    "closed"
                } else {
                    "already_closed"
                },
                None,
            ),
            "reset_day" if form.confirm.as_deref() == Some("yes") => {
                ("reset", Some(q.reset_day().await?.tickets_removed))
            }
            "reset_day" => ("reset_unconfirmed", None),
            _ => ("unknown", None),
        })
    }
    .await;
    match result {
        Ok((done, n)) => back(Some(&desk), done, n),
        Err(e) => {
            tracing::warn!(error = %e, action = %form.action, "staff action failed");
            back(Some(&desk), "unavailable", None)
        }
    }
}

fn back(desk: Option<&DeskId>, done: &str, n: Option<u64>) -> HttpResponse {
    let mut location = format!("/api/tickets/staff?done={done}");
    if let Some(d) = desk {
        location.push_str(&format!("&desk={}", url_encode(d.as_str())));
    }
    if let Some(n) = n {
        location.push_str(&format!("&n={n}"));
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
