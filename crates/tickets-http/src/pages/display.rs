//! The display board `/api/tickets/display`: full screen, readable from across the room.
//! The latest call very large, the last calls per desk, the queue length; a chime and a
//! spoken announcement for each call (after one tap on "enable sound", as browsers
//! require). Live from the event stream; the first render works without JavaScript.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use tickets_core::{Action, QueueBackend, SnapshotOptions};

use super::{Nav, Page, clock_time, html_response, unavailable_page};
use crate::app::AppState;
use crate::lang::Lang;

/// The wall display: "Ticket 42 → Guichet 3", with chime and speech.
#[utoipa::path(
    get,
    operation_id = "display_page",
    path = "/api/tickets/display",
    tag = crate::openapi::TAG_PAGES,
    responses(
        (status = 200, description = "The board.", content_type = "text/html", body = String),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    lang: Lang,
) -> HttpResponse {
    let l = lang;
    let opts = SnapshotOptions {
        waiting: 0,
        logs: 50,
        activity_minutes: 0,
    };
    let snap = match state.queue.snapshot(opts).await {
        Ok(s) => s,
        Err(_) => return unavailable_page(&req, l),
    };
    let tz = state.queue.config().calendar.time_zone();
    let calls: Vec<_> = snap
        .logs
        .iter()
        .filter(|e| matches!(e.action, Action::CallNext | Action::Recall))
        .collect();
    let latest = calls.first();
    // The last call of each desk, newest first.
    let mut per_desk = Vec::new();
    for c in &calls {
        if per_desk
            .iter()
            .all(|p: &&&tickets_core::LogEntry| p.desk != c.desk)
        {
            per_desk.push(c);
        }
    }
    let page = Page {
        lang,
        title: l.t("Appels", "Calls").to_owned(),
        class: "page-display",
        nav: Nav::Public,
        scripts: &["js/common.js", "js/display.js"],
        styles: &[],
        req: &req,
    };
    html_response(
        StatusCode::OK,
        page.render(html! {
            div class="board" data-board
                data-say=(l.t("Ticket {n}, guichet {d}", "Ticket {n}, desk {d}"))
                data-say-recall=(l.t("Rappel : ticket {n}, guichet {d}", "Reminder: ticket {n}, desk {d}"))
                data-desk-label=(l.t("Guichet", "Desk"))
                data-tz=(tz.name())
            {
                section class="board-now" aria-live="assertive" aria-atomic="true" {
                    h1 class="visually-hidden" { (l.t("Appels en cours", "Current calls")) }
                    p class="now-label" { (l.t("Ticket", "Ticket")) }
                    p class="now-number" data-now-number { (latest.and_then(|c| c.ticket).map(|n| n.to_string()).unwrap_or_else(|| "—".into())) }
                    p class="now-desk" {
                        span class="arrow" aria-hidden="true" { "→" }
                        " " (l.t("Guichet", "Desk")) " "
                        strong data-now-desk { (latest.and_then(|c| c.desk.as_ref()).map(|d| d.to_string()).unwrap_or_else(|| "—".into())) }
                    }
                }
                aside class="board-side" {
                    h2 { (l.t("Derniers appels", "Last calls")) }
                    table class="calls" {
                        thead { tr {
                            th scope="col" { (l.t("Ticket", "Ticket")) }
                            th scope="col" { (l.t("Guichet", "Desk")) }
                            th scope="col" { (l.t("Heure", "Time")) }
                        } }
                        tbody data-calls {
                            @for c in per_desk.iter().take(6) {
                                tr {
                                    td class="num" { (c.ticket.map(|n| n.to_string()).unwrap_or_default()) }
                                    td { (c.desk.as_ref().map(|d| d.to_string()).unwrap_or_default()) }
                                    td { (clock_time(c.time, tz)) }
                                }
                            }
                        }
                    }
                    p class="board-queue" {
                        strong data-queue-length { (snap.queue_length) } " " (l.t("en attente", "waiting"))
                    }
                    p class="board-closed" data-closed hidden[snap.open] { (l.t("Service fermé", "Service closed")) }
                }
                div class="board-controls js-only" hidden {
                    button type="button" class="button" data-enable-sound { (l.t("Activer le son", "Enable sound")) }
                    span class="connection" data-connection hidden { (l.t("Reconnexion…", "Reconnecting…")) }
                }
            }
        }),
    )
}
