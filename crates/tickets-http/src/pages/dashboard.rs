//! The manager's dashboard `/api/dashboard`: the day at a glance, each service's figures
//! (waiting, by priority, served, average and p90 wait, share within target) with a chart
//! line per service, the queue, every desk, the last 50 log lines and a chart of actions
//! per minute.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use maud::{Markup, html};
use serde_json::json;
use tickets_core::{Action, OfficeConfig, QueueBackend, Snapshot, SnapshotOptions};

use super::{
    Nav, Page, SERVICE_COLOURS, StaffPage as Current, action_words, clock_time, desk_name,
    duration_text, html_response, name_in, priority_name, service_name, unavailable_page,
};
use crate::auth::StaffPage;
use crate::lang::Lang;
use crate::state::AppState;

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
    let office = state.queue.office();
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
                section class="card" aria-labelledby="services-title" {
                    h2 id="services-title" { (l.t("Services", "Services")) }
                    (services(l, &office, &snap))
                }
                section class="card" aria-labelledby="service-chart-title" {
                    h2 id="service-chart-title" { (l.t("En attente par service", "Waiting per service")) }
                    div class="chart" data-service-chart-canvas data-tz=(tz.name()) aria-hidden="true" {}
                    (service_chart_data(l, &office, &snap))
                }
                section class="card" aria-labelledby="chart-title" {
                    h2 id="chart-title" { (l.t("Actions par minute (60 dernières minutes)", "Actions per minute (last 60 minutes)")) }
                    div class="chart" data-chart-canvas data-tz=(tz.name()) aria-hidden="true" {}
                    (chart_data(l, &snap))
                }
                section class="card" aria-labelledby="desks-title" {
                    h2 id="desks-title" { (l.t("Guichets", "Desks")) }
                    (desks(l, &office, &snap, tz))
                }
                section class="card" aria-labelledby="queue-title" {
                    h2 id="queue-title" { (l.t("File d'attente", "Queue")) }
                    (queue(l, &office, &snap, tz))
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
            @if f.left > 0 {
                div class="figure" { dt { (l.t("Partis de la file", "Left the queue")) } dd { (f.left) } }
            }
            div class="figure" { dt { (l.t("Attente moyenne", "Average wait")) } dd { (avg(f.avg_wait_seconds)) } }
            div class="figure" { dt { (l.t("Service moyen", "Average service")) } dd { (avg(f.avg_service_seconds)) } }
        }
    }
}

/// A share from 0 to 1 as a whole percentage.
fn percent(share: f64) -> String {
    format!("{} %", (share * 100.0).round() as u64)
}

/// Each service's figures: waiting (and how many with priority), served, average and p90
/// wait, share called within its target.
fn services(l: Lang, office: &OfficeConfig, snap: &Snapshot) -> Markup {
    let wait = |v: Option<f64>| v.map(duration_text).unwrap_or_else(|| "—".into());
    html! {
        div data-live="services" {
            table class="service-figures" {
                thead { tr {
                    th scope="col" { (l.t("Service", "Service")) }
                    th scope="col" class="num" { (l.t("En attente", "Waiting")) }
                    th scope="col" { (l.t("dont priorité", "of which priority")) }
                    th scope="col" class="num" { (l.t("Servis", "Served")) }
                    th scope="col" class="num" { (l.t("Attente moyenne", "Average wait")) }
                    th scope="col" class="num" { (l.t("Attente P90", "P90 wait")) }
                    th scope="col" class="num" { (l.t("Dans l'objectif", "Within target")) }
                } }
                tbody {
                    @for (i, s) in snap.services.iter().enumerate() {
                        @let conf = office.service(&s.code);
                        tr data-service=(s.code) {
                            th scope="row" {
                                span class=(format!("swatch swatch-{}", i % SERVICE_COLOURS.len())) aria-hidden="true" {}
                                @if let Some(prefix) = conf.map(|c| c.prefix.as_str()).filter(|p| !p.is_empty()) {
                                    span class="service-prefix small" aria-hidden="true" { (prefix) } " "
                                }
                                (service_name(l, office, &s.code))
                                @if conf.is_some_and(|c| !c.open) {
                                    " " span class="badge badge-closed" { (l.t("fermé", "closed")) }
                                }
                            }
                            td class="num" { strong { (s.waiting) } }
                            td {
                                @if s.waiting_by_priority.is_empty() { span class="muted" { "—" } }
                                @for (j, (p, n)) in s.waiting_by_priority.iter().enumerate() {
                                    @if j > 0 { ", " }
                                    (n) " " (priority_name(l, office, p).to_lowercase())
                                }
                            }
                            td class="num" { (s.served) }
                            td class="num" { (wait(s.avg_wait_seconds)) }
                            td class="num" { (s.p90_wait_seconds.map(|v| duration_text(v as f64)).unwrap_or_else(|| "—".into())) }
                            td class="num" {
                                @match (s.within_target_share, s.target_wait_minutes) {
                                    (Some(share), Some(m)) => { (percent(share)) " " span class="muted" { "(≤ " (m) " min)" } },
                                    (None, Some(m)) => { "—" " " span class="muted" { "(≤ " (m) " min)" } },
                                    _ => span class="muted" { (l.t("sans objectif", "no target")) },
                                }
                            }
                        }
                    }
                }
            }
            @if !snap.priorities.is_empty() {
                p class="muted priority-line" {
                    (l.t("En attente par priorité : ", "Waiting per priority class: "))
                    @for (i, p) in snap.priorities.iter().enumerate() {
                        @if i > 0 { " · " }
                        (name_in(l, &p.name)) " " strong { (p.waiting) }
                    }
                }
            }
        }
    }
}

/// The services' waiting counts now, for the chart that follows them while the page is
/// open (the page keeps the earlier points).
fn service_chart_data(l: Lang, office: &OfficeConfig, snap: &Snapshot) -> Markup {
    let series: Vec<serde_json::Value> = snap
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "code": s.code,
                "label": service_name(l, office, &s.code),
                "colour": SERVICE_COLOURS[i % SERVICE_COLOURS.len()],
                "waiting": s.waiting,
            })
        })
        .collect();
    let data = json!({"day": snap.day, "at": Utc::now().timestamp(), "series": series});
    html! {
        div data-live="service-chart-data" data-service-chart=(data.to_string()) {
            p class="muted chart-note" {
                (l.t("Une ligne par service, relevée à chaque changement depuis l'ouverture de cette page ; les chiffres exacts sont dans le tableau ci-dessus.",
                     "One line per service, sampled at each change since this page was opened; the exact figures are in the table above."))
            }
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

fn desks(l: Lang, office: &OfficeConfig, snap: &Snapshot, tz: chrono_tz::Tz) -> Markup {
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
                                th scope="row" data-desk=(d.desk) { (desk_name(l, office, &d.desk)) }
                                td {
                                    @if let Some(t) = &d.current {
                                        strong { (t.label) }
                                        @if office.services.len() > 1 { " " span class="muted" { (service_name(l, office, &t.service)) } }
                                    } @else { "—" }
                                }
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

fn queue(l: Lang, office: &OfficeConfig, snap: &Snapshot, tz: chrono_tz::Tz) -> Markup {
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
                                th scope="row" { (t.label) }
                                td {
                                    (service_name(l, office, &t.service))
                                    @if let Some(p) = &t.priority {
                                        " " span class="tag tag-priority" { (priority_name(l, office, p)) }
                                    }
                                }
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
