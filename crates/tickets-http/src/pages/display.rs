//! The display board `/api/tickets/display`: full screen, readable from across the room.
//! The office's name (when it has one), the latest call very large ("B007 → Guichet 3"), the last calls per desk, the queue
//! length (per service too); a chime and a spoken announcement for each call ("Ticket
//! B 7, guichet 3", after one tap on "enable sound", as browsers require). Live from the
//! event stream; the first render works without JavaScript.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use tickets_core::{Action, LogEntry, QueueBackend, SnapshotOptions, TicketNumber};

use super::{
    Nav, Page, clock_time, desk_name, desk_names_json, html_response, name_in, office_and_lang,
    unavailable_page,
};
use crate::state::AppState;

/// Calls the board lists beside the latest (one per desk).
const LISTED: usize = 6;

/// The wall display: "B007 → Guichet 3", with chime and speech.
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
) -> HttpResponse {
    let (office, lang) = office_and_lang(&req, &state);
    let l = lang;
    let q = &state.queue;
    let opts = SnapshotOptions {
        waiting: 0,
        logs: 50,
        activity_minutes: 0,
    };
    let snap = match q.snapshot(opts).await {
        Ok(s) => s,
        Err(_) => return unavailable_page(&req, l),
    };
    let tz = q.config().calendar.time_zone();
    let calls: Vec<&LogEntry> = snap
        .logs
        .iter()
        .filter(|e| {
            matches!(
                e.action,
                Action::CallNext | Action::Recall | Action::CallTicket
            )
        })
        .collect();
    let latest = calls.first().copied();
    // The last call of each desk, newest first.
    let mut per_desk: Vec<&LogEntry> = Vec::new();
    for c in &calls {
        if per_desk.len() < LISTED && per_desk.iter().all(|p| p.desk != c.desk) {
            per_desk.push(c);
        }
    }
    // The labels of the tickets shown: the desks' current tickets say theirs; a ticket
    // already finished is read (at most one read per desk listed).
    let mut labels: BTreeMap<TicketNumber, String> = snap
        .desks
        .iter()
        .filter_map(|d| d.current.as_ref())
        .map(|t| (t.number, t.label.clone()))
        .collect();
    for n in per_desk.iter().filter_map(|c| c.ticket) {
        if !labels.contains_key(&n)
            && let Ok(info) = q.ticket(n).await
        {
            labels.insert(n, info.ticket.label);
        }
    }
    let label = |n: Option<TicketNumber>| match n {
        Some(n) => labels.get(&n).cloned().unwrap_or_else(|| n.to_string()),
        None => "—".into(),
    };
    let desk = |c: Option<&LogEntry>| match c.and_then(|c| c.desk.as_ref()) {
        Some(d) => desk_name(l, &office, d),
        None => "—".into(),
    };
    let several = office.services.len() > 1;
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
                data-say=(l.t("Ticket {n}, {d}", "Ticket {n}, {d}"))
                data-say-recall=(l.t("Rappel : ticket {n}, {d}", "Reminder: ticket {n}, {d}"))
                data-desk-word=(l.t("Guichet {d}", "Desk {d}"))
                data-desks=(desk_names_json(l, &office))
                data-tz=(tz.name())
            {
                section class="board-now" aria-live="assertive" aria-atomic="true" {
                    h1 class="visually-hidden" { (l.t("Appels en cours", "Current calls")) }
                    p class="now-label" { (l.t("Ticket", "Ticket")) }
                    @let now = label(latest.and_then(|c| c.ticket));
                    p class=(match now.len() { 0..=3 => "now-number", 4 => "now-number wide", _ => "now-number long" }) data-now-number { (now) }
                    p class="now-desk" {
                        span class="arrow" aria-hidden="true" { "→" }
                        " "
                        strong data-now-desk { (desk(latest)) }
                    }
                }
                aside class="board-side" {
                    @if let Some(name) = &office.settings.name {
                        p class="board-office" data-office-name { (name) }
                    }
                    h2 { (l.t("Derniers appels", "Last calls")) }
                    table class="calls" {
                        thead { tr {
                            th scope="col" { (l.t("Ticket", "Ticket")) }
                            th scope="col" { (l.t("Guichet", "Desk")) }
                            th scope="col" { (l.t("Heure", "Time")) }
                        } }
                        tbody data-calls {
                            @for c in &per_desk {
                                tr data-n=[c.ticket] data-label=(label(c.ticket)) {
                                    td class="num" { (label(c.ticket)) }
                                    td { (desk(Some(c))) }
                                    td { (clock_time(c.time, tz)) }
                                }
                            }
                        }
                    }
                    p class="board-queue" {
                        strong data-queue-length { (snap.queue_length) } " " (l.t("en attente", "waiting"))
                    }
                    @if several {
                        ul class="board-services" {
                            @for s in &snap.services {
                                @if let Some(conf) = office.service(&s.code) {
                                    li {
                                        @if !conf.prefix.is_empty() { span class="service-prefix small" aria-hidden="true" { (conf.prefix) } " " }
                                        span { (name_in(l, &conf.name)) }
                                        " " strong data-board-service=(s.code) { (s.waiting) }
                                    }
                                }
                            }
                        }
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
