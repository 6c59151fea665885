//! The staff console `/api/tickets/staff`: one desk's view and its actions. Forms post to
//! the same path and come back (303) with the outcome, so it works without JavaScript;
//! `staff.js` sends the same forms in the background and adds keyboard shortcuts.

mod actions;
mod outcome;
mod view;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tickets_core::{
    DeskId, Error, OfficeConfig, QueueBackend, Service, SnapshotOptions, TicketNumber, TicketStatus,
};

pub use actions::{__path_act, ActForm, act};
use outcome::{TICKET_OUTCOMES, outcome};
use view::{View, console, no_show_numbers};

use super::{
    Nav, Page, StaffPage as Current, desk_name, html_response, service_name, unavailable_page,
};
use crate::auth::{Caller, StaffPage};
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
    /// How many tickets the last reset removed (none may have been: `0`).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 4294967295_i64)]
    removed: Option<u32>,
}

/// The desk of this request: `?desk=`, else the remembered one, else the one chosen at
/// sign-in, else the default (the office's first desk when desks are configured and the
/// default is not one of them).
fn desk_of(
    req: &HttpRequest,
    asked: Option<&str>,
    office: &OfficeConfig,
    caller: &Caller,
) -> (DeskId, bool) {
    if let Some(d) = asked {
        return match DeskId::parse(d) {
            Ok(d) => (d, true),
            Err(_) => (remembered(req, office, caller), false),
        };
    }
    (remembered(req, office, caller), true)
}

/// The desk this browser last served at, else the one chosen at sign-in, else the default.
fn remembered(req: &HttpRequest, office: &OfficeConfig, caller: &Caller) -> DeskId {
    req.cookie(DESK_COOKIE)
        .and_then(|c| DeskId::parse(c.value()).ok())
        .or_else(|| caller.desk.clone())
        .unwrap_or_else(|| {
            let default = DeskId::default();
            match office.desks.first() {
                Some(first) if office.desk(&default).is_none() => first.id.clone(),
                _ => default,
            }
        })
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
    staff: StaffPage,
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
    let (desk, desk_ok) = desk_of(&req, query.desk.as_deref(), &office, &staff.0);
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
    // The ticket of the outcome by its label, or the count a reset removed.
    let n_text = match (query.n, done) {
        (_, Some("reset")) => query.removed.map(|r| r.to_string()).unwrap_or_default(),
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
        caller: &staff.0,
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
    let body = page.render(console(l, &view, message.as_ref(), known_desk));
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
