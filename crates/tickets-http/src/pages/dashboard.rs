//! The manager's dashboard `/api/dashboard`: the day at a glance, the queue, every desk,
//! the last 50 log lines and a chart of actions per minute.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use maud::{Markup, html};
use serde_json::json;
use tickets_core::{Action, QueueBackend, Snapshot, SnapshotOptions};

use super::{
    Nav, Page, StaffPage as Current, action_words, clock_time, duration_text, html_response,
    unavailable_page,
};
use crate::app::AppState;
use crate::auth::StaffPage;
use crate::lang::Lang;

/// Minutes the chart covers.
const CHART_MINUTES: u32 = 60;

/// The actions the chart plots, with their colours (also in `app.css`'s legend).
const CHARTED: [(Action, &str); 4] = [
    (Action::TakeTicket, "#1d4ed8"),
    (Action::CallNext, "#047857"),
    (Action::FinishCurrent, "#6b21a8"),
    (Action::NoShow, "#b45309"),
];

/// The manager's live dashboard (staff).
#[utoipa::path(
    get,
    operation_id = "dashboard_page",
    path = "/api/dashboard",
    tag = crate::openapi::TAG_PAGES,
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The dashboard.", content_type = "text/html", body = String),
        (status = 303, description = "Not signed in: to the sign-in page."),
        (status = 503, description = "The store does not answer: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    lang: Lang,
    _staff: StaffPage,
) -> HttpResponse {
    let l = lang;
    let opts = SnapshotOptions {
        activity_minutes: CHART_MINUTES,
        ..SnapshotOptions::default()
    };
    let snap = match state.queue.snapshot(opts).await {
        Ok(s) => s,
        Err(_) => return unavailable_page(&req, l),
    };
    let tz = state.queue.config().calendar.time_zone();
    let page = Page {
        lang,
        title: l.t("Tableau de bord", "Dashboard").to_owned(),
        class: "page-dashboard",
        nav: Nav::Staff(Current::Dashboard),
        scripts: &[
            "vendor/uplot/uPlot.iife.min.js",
            "js/common.js",
            "js/dashboard.js",
        ],
        styles: &["vendor/uplot/uPlot.min.css"],
        req: &req,
    };
    html_response(
        StatusCode::OK,
        page.render(html! {
            div class="dash-head" {
                h1 { (l.t("Tableau de bord", "Dashboard")) }
                div data-live="day-badge" {
                    p class="day-line" {
                        (snap.day) " · "
                        @if snap.open { span class="badge badge-open" { (l.t("ouverte", "open")) } }
                        @else { span class="badge badge-closed" { (l.t("fermée", "closed")) } }
                    }
                }
            }
            (figures(l, &snap))
            div class="dash-grid" {
                section class="card" aria-labelledby="chart-title" {
                    h2 id="chart-title" { (l.t("Actions par minute (60 dernières minutes)", "Actions per minute (last 60 minutes)")) }
                    div class="chart" data-chart-canvas data-tz=(tz.name()) aria-hidden="true" {}
                    (chart_data(l, &snap))
                }
                section class="card" aria-labelledby="desks-title" {
                    h2 id="desks-title" { (l.t("Guichets", "Desks")) }
                    (desks(l, &snap, tz))
                }
                section class="card" aria-labelledby="queue-title" {
                    h2 id="queue-title" { (l.t("File d'attente", "Queue")) }
                    (queue(l, &snap, tz))
                }
                section class="card" aria-labelledby="logs-title" {
                    h2 id="logs-title" { (l.t("Journal (50 dernières actions)", "Log (last 50 actions)")) }
                    (logs(l, &snap, tz))
                }
            }
        }),
    )
}

fn figures(l: Lang, snap: &Snapshot) -> Markup {
    let f = &snap.figures;
    let avg = |v: Option<f64>| v.map(duration_text).unwrap_or_else(|| "—".into());
    html! {
        dl class="cards" data-live="figures" {
            div class="figure" { dt { (l.t("Tickets pris", "Tickets taken")) } dd { (f.taken) } }
            div class="figure" { dt { (l.t("En attente", "Waiting")) } dd { (f.waiting) } }
            div class="figure" { dt { (l.t("Servis", "Served")) } dd { (f.served) } }
            div class="figure" { dt { (l.t("Absents", "No-shows")) } dd { (f.no_shows) } }
            div class="figure" { dt { (l.t("Attente moyenne", "Average wait")) } dd { (avg(f.avg_wait_seconds)) } }
            div class="figure" { dt { (l.t("Service moyen", "Average service")) } dd { (avg(f.avg_service_seconds)) } }
        }
    }
}

fn chart_data(l: Lang, snap: &Snapshot) -> Markup {
    let now = Utc::now();
    let end_minute = now.timestamp().div_euclid(60);
    let xs: Vec<i64> = (0..i64::from(CHART_MINUTES))
        .map(|i| (end_minute - i64::from(CHART_MINUTES) + 1 + i) * 60)
        .collect();
    let series: Vec<serde_json::Value> = CHARTED
        .iter()
        .map(|(action, colour)| {
            let values: Vec<u64> = xs
                .iter()
                .map(|x| {
                    snap.activity
                        .iter()
                        .find(|m| m.minute.timestamp() == *x)
                        .and_then(|m| m.counts.get(action).copied())
                        .unwrap_or(0)
                })
                .collect();
            json!({"label": action_words(l, *action), "colour": colour, "values": values})
        })
        .collect();
    let data = json!({"x": xs, "series": series});
    let recent: Vec<_> = snap
        .activity
        .iter()
        .rev()
        .take(10)
        .filter(|m| m.minute > now - Duration::minutes(i64::from(CHART_MINUTES)))
        .collect();
    html! {
        div data-live="chart-data" data-chart=(data.to_string()) {
            ul class="legend" {
                @for (action, colour) in CHARTED {
                    li { span class="swatch" data-colour=(colour) {} (action_words(l, action)) }
                }
            }
            details class="chart-table" {
                summary { (l.t("Voir les chiffres", "Show the figures")) }
                @if recent.is_empty() {
                    p { (l.t("Aucune action dans l'heure.", "No action in the last hour.")) }
                } @else {
                    table {
                        thead { tr {
                            th scope="col" { (l.t("Minute (UTC)", "Minute (UTC)")) }
                            @for (a, _) in CHARTED { th scope="col" { (action_words(l, a)) } }
                        } }
                        tbody {
                            @for m in &recent {
                                tr {
                                    th scope="row" { (m.minute.format("%H:%M")) }
                                    @for (a, _) in CHARTED { td { (m.counts.get(&a).copied().unwrap_or(0)) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn desks(l: Lang, snap: &Snapshot, tz: chrono_tz::Tz) -> Markup {
    html! {
        div data-live="desks" {
            @if snap.desks.is_empty() {
                p class="muted" { (l.t("Aucun guichet n'a encore appelé aujourd'hui.", "No desk has called yet today.")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (l.t("Guichet", "Desk")) }
                        th scope="col" { (l.t("Ticket en cours", "Current ticket")) }
                        th scope="col" { (l.t("Appelé à", "Called at")) }
                        th scope="col" class="num" { (l.t("Servis", "Served")) }
                        th scope="col" class="num" { (l.t("Service moyen", "Avg. service")) }
                    } }
                    tbody {
                        @for d in &snap.desks {
                            tr {
                                th scope="row" { (d.desk) }
                                td { @if let Some(t) = &d.current { strong { (t.number) } } @else { "—" } }
                                td { (d.current.as_ref().and_then(|t| t.called_at).map(|c| clock_time(c, tz)).unwrap_or_else(|| "—".into())) }
                                td class="num" { (d.served) }
                                td class="num" { (d.avg_service_seconds.map(duration_text).unwrap_or_else(|| "—".into())) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn queue(l: Lang, snap: &Snapshot, tz: chrono_tz::Tz) -> Markup {
    let now = Utc::now();
    html! {
        div data-live="queue" {
            p { strong { (snap.queue_length) } " " (l.t("ticket(s) en attente", "ticket(s) waiting")) }
            @if !snap.waiting_list.is_empty() {
                table {
                    thead { tr {
                        th scope="col" { (l.t("Ticket", "Ticket")) }
                        th scope="col" { (l.t("Service", "Service")) }
                        th scope="col" { (l.t("Pris à", "Taken at")) }
                        th scope="col" class="num" { (l.t("Attend depuis", "Waiting for")) }
                    } }
                    tbody {
                        @for t in &snap.waiting_list {
                            tr {
                                th scope="row" { (t.number) }
                                td { (t.service) }
                                td { (clock_time(t.taken_at, tz)) }
                                td class="num" { (duration_text((now - t.taken_at).num_milliseconds() as f64 / 1000.0)) }
                            }
                        }
                    }
                }
                @if snap.queue_length > snap.waiting_list.len() as u64 {
                    p class="muted" { (l.t("… et d'autres.", "… and more.")) }
                }
            }
        }
    }
}

fn logs(l: Lang, snap: &Snapshot, tz: chrono_tz::Tz) -> Markup {
    html! {
        div data-live="logs" {
            @if snap.logs.is_empty() {
                p class="muted" { (l.t("Rien encore aujourd'hui.", "Nothing yet today.")) }
            } @else {
                ol class="log" tabindex="0" aria-labelledby="logs-title" {
                    @for e in &snap.logs {
                        li {
                            time datetime=(tickets_core::iso(e.time)) { (clock_time(e.time, tz)) }
                            " " span class=(format!("act act-{}", e.action.as_str())) { (action_words(l, e.action)) }
                            @if let Some(n) = e.ticket { " · " (l.t("ticket ", "ticket ")) strong { (n) } }
                            @if let Some(d) = &e.desk { " · " (l.t("guichet ", "desk ")) (d) }
                        }
                    }
                }
            }
        }
    }
}
