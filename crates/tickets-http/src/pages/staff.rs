//! The staff console `/api/tickets/staff`: one desk's view and its actions. Forms post to
//! the same path and come back (303) with the outcome, so it works without JavaScript;
//! `staff.js` sends the same forms in the background and adds keyboard shortcuts.

use std::collections::{BTreeMap, HashSet};

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use tickets_core::{
    Action, DeskId, Error, OfficeConfig, QueueBackend, Service, Snapshot, SnapshotOptions, Ticket,
    TicketNumber, TicketStatus, Transfer, TransferPosition,
};

use super::{
    Nav, Page, StaffPage as Current, clock_time, desk_name, duration_text, html_response, name_in,
    priority_name, service_name, unavailable_page,
};
use crate::auth::{StaffPage, url_encode};
use crate::lang::Lang;
use crate::state::AppState;

/// The cookie that remembers the desk of this browser.
pub const DESK_COOKIE: &str = "desk";

/// Waiting tickets the console lists at most.
const LISTED: usize = 200;

/// No-show tickets the console offers to put back in the queue at most.
const NO_SHOWS: usize = 5;

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
    /// The service a ticket was transferred to.
    to: Option<String>,
}

/// The desk of this request: `?desk=`, else the remembered one, else the default (the
/// office's first desk when desks are configured and the default is not one of them).
fn desk_of(req: &HttpRequest, asked: Option<&str>, office: &OfficeConfig) -> (DeskId, bool) {
    if let Some(d) = asked {
        return match DeskId::parse(d) {
            Ok(d) => (d, true),
            Err(_) => (remembered(req, office), false),
        };
    }
    (remembered(req, office), true)
}

fn remembered(req: &HttpRequest, office: &OfficeConfig) -> DeskId {
    req.cookie(DESK_COOKIE)
        .and_then(|c| DeskId::parse(c.value()).ok())
        .unwrap_or_else(|| {
            let default = DeskId::default();
            match office.desks.first() {
                Some(first) if office.desk(&default).is_none() => first.id.clone(),
                _ => default,
            }
        })
}

/// The outcome of the last action in words: `(ok, text)`. `{n}` is the ticket's label
/// (or the count a reset removed), `{to}` the service a ticket went to.
fn outcome(l: Lang, done: &str, n: &str, to: &str) -> Option<(bool, String)> {
    let fill = |s: &str| s.replace("{n}", n).replace("{to}", to);
    let ok = |fr: &str, en: &str| Some((true, fill(l.t(fr, en))));
    let warn = |fr: &str, en: &str| Some((false, fill(l.t(fr, en))));
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
        "transferred" => ok(
            "Ticket {n} transféré vers « {to} ».",
            "Ticket {n} transferred to {to}.",
        ),
        "requeued" => ok(
            "Ticket {n} remis dans la file.",
            "Ticket {n} is back in the queue.",
        ),
        "not_waiting" => warn(
            "Le ticket {n} n'est plus en attente ; rien n'a été fait.",
            "Ticket {n} is no longer waiting; nothing was done.",
        ),
        "not_no_show" => warn(
            "Le ticket {n} n'est pas marqué absent ; rien n'a été fait.",
            "Ticket {n} is not marked as no-show; nothing was done.",
        ),
        "no_ticket" => warn(
            "Ce ticket n'existe pas aujourd'hui ; rien n'a été fait.",
            "This ticket does not exist today; nothing was done.",
        ),
        "bad_ticket" => warn(
            "Choisissez un ticket dans la liste.",
            "Choose a ticket from the list.",
        ),
        "unknown_service" => warn(
            "Choisissez un service de la liste ; rien n'a été fait.",
            "Choose a service from the list; nothing was done.",
        ),
        "unknown_desk" => warn(
            "Ce guichet n'est pas dans la configuration du bureau ; rien n'a été fait.",
            "This desk is not in the office's configuration; nothing was done.",
        ),
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

/// Outcomes whose `n` is a ticket (shown by its label).
const TICKET_OUTCOMES: [&str; 8] = [
    "called",
    "finished",
    "recalled",
    "no_show",
    "transferred",
    "requeued",
    "not_waiting",
    "not_no_show",
];

/// What the console shows of the day, read once per page.
struct View<'a> {
    office: &'a OfficeConfig,
    snap: &'a Snapshot,
    desk: &'a DeskId,
    /// The ticket this desk will call next.
    next: Option<TicketNumber>,
    /// The waiting tickets by number.
    tickets: BTreeMap<TicketNumber, &'a Ticket>,
    /// The services this desk serves (every service when the desk is not configured).
    services: Vec<Service>,
    /// The latest no-show tickets of the day, still no-shows, newest first.
    no_shows: Vec<Ticket>,
    tz: chrono_tz::Tz,
}

impl View<'_> {
    /// The label of ticket `n` when the view knows it, else its number.
    fn label(&self, n: TicketNumber) -> String {
        self.tickets
            .get(&n)
            .map(|t| t.label.clone())
            .unwrap_or_else(|| n.to_string())
    }

    /// This desk's waiting tickets, service by service in the desk's order, each service's
    /// in calling order (priority classes first).
    fn waiting(&self) -> Vec<(TicketNumber, Option<&Ticket>)> {
        self.services
            .iter()
            .filter_map(|code| self.snap.services.iter().find(|f| &f.code == code))
            .flat_map(|f| f.queue.iter().map(|n| (*n, self.tickets.get(n).copied())))
            .collect()
    }

    fn current(&self) -> Option<&Ticket> {
        self.snap
            .desks
            .iter()
            .find(|d| &d.desk == self.desk)
            .and_then(|d| d.current.as_ref())
    }
}

/// The tickets whose latest logged action is a no-show (newest first), at most `limit`.
fn no_show_numbers(snap: &Snapshot, limit: usize) -> Vec<TicketNumber> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for e in &snap.logs {
        let Some(n) = e.ticket else { continue };
        if seen.insert(n) && e.action == Action::NoShow {
            out.push(n);
            if out.len() == limit {
                break;
            }
        }
    }
    out
}

/// The staff console: the desk's ticket and services, its waiting list; call next, call a
/// given ticket, finish, recall, no-show, transfer, requeue; open and close the day (staff).
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
    let q = &state.queue;
    let opts = SnapshotOptions {
        waiting: LISTED,
        logs: 50,
        activity_minutes: 0,
    };
    let Ok(snap) = q.snapshot(opts).await else {
        return unavailable_page(&req, l);
    };
    let office = q.office();
    let (desk, desk_ok) = desk_of(&req, query.desk.as_deref(), &office);
    let Ok(status) = q.status(&desk).await else {
        return unavailable_page(&req, l);
    };
    // The no-shows that still are (a ticket may have been put back since).
    let mut no_shows = Vec::new();
    for n in no_show_numbers(&snap, NO_SHOWS) {
        match q.ticket(n).await {
            Ok(info) if info.ticket.status == TicketStatus::NoShow => no_shows.push(info.ticket),
            Ok(_) | Err(Error::TicketNotFound(_)) => {}
            Err(_) => return unavailable_page(&req, l),
        }
    }
    let done = if desk_ok {
        query.done.as_deref()
    } else {
        Some("bad_desk")
    };
    // The ticket of the outcome by its label.
    let n_text = match (query.n, done) {
        (Some(n), Some(d)) if TICKET_OUTCOMES.contains(&d) => match q.ticket(n).await {
            Ok(info) => info.ticket.label,
            Err(_) => n.to_string(),
        },
        (Some(n), _) => n.to_string(),
        (None, _) => String::new(),
    };
    let to = query
        .to
        .as_deref()
        .and_then(|s| Service::parse(s).ok())
        .map(|s| service_name(l, &office, &s))
        .unwrap_or_default();
    let message = done.and_then(|d| outcome(l, d, &n_text, &to));
    let services = match office.plan(&desk) {
        Some(plan) => plan.services.iter().map(|s| s.code.clone()).collect(),
        None => Vec::new(),
    };
    let view = View {
        office: &office,
        snap: &snap,
        desk: &desk,
        next: status.next_ticket,
        tickets: snap.waiting_list.iter().map(|t| (t.number, t)).collect(),
        services,
        no_shows,
        tz: q.config().calendar.time_zone(),
    };
    let known_desk = office.plan(&desk).is_some();
    let page = Page {
        lang,
        title: desk_name(l, &office, &desk),
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
                    h1 id="desk-title" data-desk-name { (desk_name(l, &office, &desk)) }
                    form method="get" action="/api/tickets/staff" class="desk-form" {
                        label for="desk-input" { (l.t("Changer de guichet", "Change desk")) }
                        div class="row" {
                            input id="desk-input" name="desk" value=(desk) required
                                pattern="[A-Za-z0-9_\\-]{1,16}" maxlength="16" list="known-desks"
                                autocomplete="off" aria-describedby="desk-help";
                            button type="submit" class="button button-secondary" { (l.t("Valider", "Apply")) }
                        }
                        small id="desk-help" {
                            @if office.desks.is_empty() {
                                (l.t("Ex. : 1, 2, A, guichet-3", "E.g. 1, 2, A, guichet-3"))
                            } @else {
                                (l.t("Guichets : ", "Desks: "))
                                @for (i, d) in office.desks.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (d.id)
                                }
                            }
                        }
                        datalist id="known-desks" {
                            @for d in &office.desks { option value=(d.id) { (name_in(l, &d.name)) } }
                            @for d in snap.desks.iter().filter(|d| office.desk(&d.desk).is_none()) { option value=(d.desk) {} }
                        }
                    }
                }
                @if !known_desk {
                    p class="notice notice-warn" {
                        (l.t("Ce guichet n'est pas dans la configuration du bureau : choisissez-en un de la liste.", "This desk is not in the office's configuration: choose one from the list."))
                    }
                }
                div class="outcome" role="status" aria-live="polite" data-outcome {
                    @if let Some((ok, text)) = &message {
                        p class=(if *ok { "notice notice-ok" } else { "notice notice-warn" }) { (text) }
                    }
                }
                (desk_state(l, &view))
                div class="actions" role="group" aria-label=(l.t("Actions du guichet", "Desk actions")) {
                    (action_button(&desk, "call_next", "button button-primary button-huge", l.t("Appeler le suivant", "Call next"), "N"))
                    (action_button(&desk, "finish", "button", l.t("Terminer", "Finish"), "F"))
                    (action_button(&desk, "recall", "button button-secondary", l.t("Rappeler", "Recall"), "R"))
                    (action_button(&desk, "no_show", "button button-secondary", l.t("Absent", "No-show"), "A"))
                }
                p class="hint" { (l.t("Raccourcis clavier : ", "Keyboard shortcuts: ")) kbd { "N" } " " (l.t("appeler", "call")) ", " kbd { "F" } " " (l.t("terminer", "finish")) ", " kbd { "R" } " " (l.t("rappeler", "recall")) ", " kbd { "A" } " " (l.t("absent", "no-show")) ", " kbd { "T" } " " (l.t("transférer", "transfer")) }
            }
            section class="card queue-card" aria-labelledby="queue-title" {
                h2 id="queue-title" { (l.t("File d'attente de ce guichet", "This desk's queue")) }
                (queue_block(l, &view))
                (transfer_block(l, &view))
            }
            section class="card absent-card" aria-labelledby="absent-title" {
                h2 id="absent-title" { (l.t("Absents", "No-shows")) }
                (no_show_block(l, &view))
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

/// A small form for one ticket (call it, put it back): the button names the ticket.
fn ticket_button(desk: &DeskId, action: &str, n: TicketNumber, text: &str, label: &str) -> Markup {
    html! {
        form method="post" action="/api/tickets/staff" class="inline" data-action=(action) {
            input type="hidden" name="action" value=(action);
            input type="hidden" name="desk" value=(desk);
            input type="hidden" name="ticket" value=(n);
            button type="submit" class="button button-secondary button-small" id=(format!("{action}-{n}")) {
                (text) span class="visually-hidden" { " " (label) }
            }
        }
    }
}

/// A ticket's service and priority class, in words.
fn ticket_kind(l: Lang, office: &OfficeConfig, t: &Ticket) -> Markup {
    html! {
        (service_name(l, office, &t.service))
        @if let Some(p) = &t.priority {
            " " span class="tag tag-priority" { (priority_name(l, office, p)) }
        }
    }
}

/// The live part of the console: this desk's ticket and the day's figures.
fn desk_state(l: Lang, v: &View<'_>) -> Markup {
    let mine = v.snap.desks.iter().find(|d| &d.desk == v.desk);
    let current = v.current();
    let f = &v.snap.figures;
    html! {
        div data-live="staff-state" class="desk-state" {
            div class="current" {
                p class="label" { (l.t("Ticket en cours", "Current ticket")) }
                @if let Some(t) = current {
                    p class=(if t.label.len() > 3 { "big-number long" } else { "big-number" }) data-current=(t.number) { (t.label) }
                    p class="current-service" { (ticket_kind(l, v.office, t)) }
                    p class="muted" {
                        (l.t("appelé à ", "called at ")) (t.called_at.map(|c| clock_time(c, v.tz)).unwrap_or_default())
                        @if t.recalls > 0 { " · " (t.recalls) " " (l.t("rappel(s)", "recall(s)")) }
                    }
                } @else {
                    p class="big-number none" { "—" }
                    p class="muted" { (l.t("Aucun ticket à ce guichet.", "No ticket at this desk.")) }
                }
            }
            dl class="figures" {
                div { dt { (l.t("Journée", "Day")) } dd {
                    @if v.snap.open { span class="badge badge-open" { (l.t("ouverte", "open")) } }
                    @else { span class="badge badge-closed" { (l.t("fermée", "closed")) } }
                } }
                div { dt { (l.t("En attente (tous)", "Waiting (all)")) } dd data-queue-length { (v.snap.queue_length) } }
                div { dt { (l.t("Prochain ici", "Next here")) } dd data-next { (v.next.map(|n| v.label(n)).unwrap_or_else(|| "—".into())) } }
                div { dt { (l.t("Servis (ce guichet)", "Served (this desk)")) } dd { (mine.map(|d| d.served).unwrap_or(0)) } }
                div { dt { (l.t("Servis (tous)", "Served (all)")) } dd { (f.served) } }
                div { dt { (l.t("Attente moyenne", "Average wait")) } dd { (f.avg_wait_seconds.map(duration_text).unwrap_or_else(|| "—".into())) } }
            }
        }
    }
}

/// This desk's services with their waiting counts, and its waiting tickets, each with a
/// button to call it now.
fn queue_block(l: Lang, v: &View<'_>) -> Markup {
    let now = Utc::now();
    // With one service, its name on every row says nothing.
    let several = v.office.services.len() > 1;
    let waiting = v.waiting();
    let total: u64 = v
        .services
        .iter()
        .filter_map(|code| v.snap.services.iter().find(|f| &f.code == code))
        .map(|f| f.waiting)
        .sum();
    html! {
        div data-live="staff-queue" {
            ul class="desk-services" aria-label=(l.t("Services de ce guichet", "This desk's services")) {
                @for code in &v.services {
                    @let conf = v.office.service(code);
                    @let figures = v.snap.services.iter().find(|f| &f.code == code);
                    li {
                        @if let Some(prefix) = conf.map(|c| c.prefix.as_str()).filter(|p| !p.is_empty()) {
                            span class="service-prefix small" aria-hidden="true" { (prefix) }
                        }
                        span class="desk-service-name" { (service_name(l, v.office, code)) }
                        " "
                        strong data-service-waiting=(code) { (figures.map(|f| f.waiting).unwrap_or(0)) }
                        " " (l.t("en attente", "waiting"))
                        @let priority: u64 = figures.map_or(0, |f| f.waiting_by_priority.values().sum());
                        @if priority > 0 {
                            " " span class="tag tag-priority" {
                                (l.t("dont {n} avec priorité", "{n} with priority").replace("{n}", &priority.to_string()))
                            }
                        }
                        @if conf.is_some_and(|c| !c.open) {
                            " · " span class="badge badge-closed" { (l.t("fermé aux nouveaux tickets", "closed to new tickets")) }
                        }
                    }
                }
            }
            @if waiting.is_empty() {
                p class="muted" { (l.t("Personne n'attend pour ce guichet.", "Nobody is waiting for this desk.")) }
            } @else {
                table class="waiting-table" {
                    caption class="visually-hidden" { (l.t("Tickets en attente pour ce guichet, dans l'ordre d'appel de chaque service", "Tickets waiting for this desk, in each service's calling order")) }
                    thead { tr {
                        th scope="col" { (l.t("Ticket", "Ticket")) }
                        th scope="col" class="num" { (l.t("Attend depuis", "Waiting for")) }
                        th scope="col" { span class="visually-hidden" { (l.t("Action", "Action")) } }
                    } }
                    tbody {
                        @for (n, t) in &waiting {
                            @let label = t.map(|t| t.label.clone()).unwrap_or_else(|| n.to_string());
                            tr class=[(v.next == Some(*n)).then_some("is-next")] {
                                th scope="row" {
                                    span class="waiting-label" { (label) }
                                    @if v.next == Some(*n) { " " span class="tag tag-next" { (l.t("prochain", "next")) } }
                                    @if let Some(t) = t {
                                        @if several || t.priority.is_some() {
                                            span class="waiting-kind" {
                                                @if several { (service_name(l, v.office, &t.service)) }
                                                @if let Some(p) = &t.priority {
                                                    " " span class="tag tag-priority" { (priority_name(l, v.office, p)) }
                                                }
                                            }
                                        }
                                    }
                                }
                                td class="num" { @if let Some(t) = t { (duration_text((now - t.taken_at).num_milliseconds() as f64 / 1000.0)) } }
                                td class="row-action" { (ticket_button(v.desk, "call_ticket", *n, l.t("Appeler", "Call"), &label)) }
                            }
                        }
                    }
                }
                @if (waiting.len() as u64) < total {
                    p class="muted" { (l.t("… et d'autres.", "… and more.")) }
                }
            }
        }
    }
}

/// Moves this desk's ticket, or one of its waiting tickets, to a service's queue.
fn transfer_block(l: Lang, v: &View<'_>) -> Markup {
    let current = v.current();
    let waiting = v.waiting();
    html! {
        div data-live="staff-transfer" class="transfer" {
            h3 id="transfer-title" { (l.t("Transférer un ticket", "Transfer a ticket")) }
            @if current.is_none() && waiting.is_empty() {
                p class="muted" { (l.t("Aucun ticket à transférer.", "No ticket to transfer.")) }
            } @else {
                form method="post" action="/api/tickets/staff" class="transfer-form" data-action="transfer" aria-labelledby="transfer-title" {
                    input type="hidden" name="action" value="transfer";
                    input type="hidden" name="desk" value=(v.desk);
                    div class="field" {
                        label for="transfer-ticket" { (l.t("Ticket", "Ticket")) }
                        select id="transfer-ticket" name="ticket" required data-focus-key="t" aria-keyshortcuts="T" {
                            @if let Some(t) = current {
                                option value=(t.number) { (t.label) " — " (l.t("en cours à ce guichet", "at this desk now")) }
                            }
                            @for (n, t) in &waiting {
                                option value=(n) {
                                    (t.map(|t| t.label.clone()).unwrap_or_else(|| n.to_string()))
                                    @if let Some(t) = t { " — " (service_name(l, v.office, &t.service)) }
                                }
                            }
                        }
                    }
                    div class="field" {
                        label for="transfer-service" { (l.t("Vers le service", "To the service")) }
                        select id="transfer-service" name="service" required {
                            @for s in &v.office.services {
                                option value=(s.code) { (name_in(l, &s.name)) }
                            }
                        }
                    }
                    div class="field" {
                        label for="transfer-position" { (l.t("Place dans sa file", "Place in its queue")) }
                        select id="transfer-position" name="position" {
                            option value="arrival" { (l.t("selon son heure d'arrivée", "by its arrival time")) }
                            option value="front" { (l.t("en tête de file", "at the front")) }
                            option value="end" { (l.t("en fin de file", "at the end")) }
                        }
                    }
                    button type="submit" class="button" id="transfer-submit" { (l.t("Transférer", "Transfer")) }
                }
            }
        }
    }
}

/// The day's latest no-shows, each with a button to put it back in its queue.
fn no_show_block(l: Lang, v: &View<'_>) -> Markup {
    html! {
        div data-live="staff-no-shows" {
            @if v.no_shows.is_empty() {
                p class="muted" { (l.t("Aucun absent à remettre en file.", "No no-show to put back.")) }
            } @else {
                ul class="no-shows" {
                    @for t in &v.no_shows {
                        li {
                            strong { (t.label) }
                            " " span class="muted" { (service_name(l, v.office, &t.service)) }
                            (ticket_button(v.desk, "requeue", t.number, l.t("Remettre en file", "Put back"), &t.label))
                        }
                    }
                }
            }
        }
    }
}

/// The console's form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActForm {
    /// `call_next`, `call_ticket`, `finish`, `recall`, `no_show`, `transfer`, `requeue`,
    /// `open_day`, `close_day` or `reset_day`.
    action: String,
    /// The desk.
    desk: Option<String>,
    /// `yes` to confirm a reset.
    confirm: Option<String>,
    /// The ticket number (`call_ticket`, `transfer`, `requeue`).
    ticket: Option<String>,
    /// The service a ticket is transferred to (`transfer`).
    service: Option<String>,
    /// `arrival` (the default), `front` or `end` (`transfer`).
    position: Option<String>,
}

/// Why an action did nothing, as the console says it.
enum Refusal {
    Done(&'static str, Option<u64>),
    Failed(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Failed(e)
    }
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
        Err(_) => return back(None, "bad_desk", None, None),
    };
    let q = &state.queue;
    let ticket = || -> Result<TicketNumber, Refusal> {
        form.ticket
            .as_deref()
            .and_then(|t| t.trim().parse().ok())
            .ok_or(Refusal::Done("bad_ticket", None))
    };
    let mut to = None;
    let result: Result<(&str, Option<u64>), Refusal> = async {
        Ok(match form.action.as_str() {
            "call_next" => match q.call_next(&desk).await?.called {
                Some(t) => ("called", Some(t.number.get())),
                None => ("none_waiting", None),
            },
            "call_ticket" => {
                let n = ticket()?;
                match q.call(&desk, n).await {
                    Ok(c) => ("called", c.called.map(|t| t.number.get())),
                    Err(Error::WrongStatus { .. }) => ("not_waiting", Some(n.get())),
                    Err(e) => return Err(e.into()),
                }
            }
            "transfer" => {
                let n = ticket()?;
                let service = form
                    .service
                    .as_deref()
                    .and_then(|s| Service::parse(s).ok())
                    .ok_or(Refusal::Done("unknown_service", None))?;
                let position = match form.position.as_deref() {
                    Some("front") => TransferPosition::Front,
                    Some("end") => TransferPosition::End,
                    _ => TransferPosition::Arrival,
                };
                let req = Transfer {
                    ticket: n,
                    service: service.clone(),
                    position,
                    desk: None,
                };
                match q.transfer(&req).await {
                    Ok(t) => {
                        to = Some(service);
                        ("transferred", Some(t.number.get()))
                    }
                    Err(Error::WrongStatus { .. }) => ("not_waiting", Some(n.get())),
                    Err(e) => return Err(e.into()),
                }
            }
            "requeue" => {
                let n = ticket()?;
                match q.requeue(n).await {
                    Ok(t) => ("requeued", Some(t.number.get())),
                    Err(Error::WrongStatus { .. }) => ("not_no_show", Some(n.get())),
                    Err(e) => return Err(e.into()),
                }
            }
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
    let (done, n) = match result {
        Ok(d) => d,
        Err(Refusal::Done(done, n)) => (done, n),
        Err(Refusal::Failed(e)) => match e {
            Error::UnknownDesk(_) => ("unknown_desk", None),
            Error::UnknownService(_) => ("unknown_service", None),
            Error::TicketNotFound(_) => ("no_ticket", None),
            e => {
                tracing::warn!(error = %e, action = %form.action, "staff action failed");
                ("unavailable", None)
            }
        },
    };
    back(Some(&desk), done, n, to.as_ref())
}

fn back(desk: Option<&DeskId>, done: &str, n: Option<u64>, to: Option<&Service>) -> HttpResponse {
    let mut location = format!("/api/tickets/staff?done={done}");
    if let Some(d) = desk {
        location.push_str(&format!("&desk={}", url_encode(d.as_str())));
    }
    if let Some(n) = n {
        location.push_str(&format!("&n={n}"));
    }
    if let Some(s) = to {
        location.push_str(&format!("&to={}", url_encode(s.as_str())));
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
