//! The console's actions: one form posted to `/api/tickets/staff`, one queue operation,
//! and back (303) to the console with the outcome.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tickets_core::{
    DeskId, Error, QueueBackend, Role, Service, TicketNumber, Transfer, TransferPosition,
};

use crate::auth::{AuditNote, StaffPage, note_audit, url_encode};
use crate::state::AppState;

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
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    staff: StaffPage,
    form: web::Form<ActForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let desk = match form.desk.as_deref().map(DeskId::parse).transpose() {
        Ok(d) => d.unwrap_or_default(),
        Err(_) => return back(None, "bad_desk", None, None, None),
    };
    let Some(action) = ACTIONS.iter().find(|a| a.0 == form.action) else {
        return back(Some(&desk), "unknown", None, None, None);
    };
    let out_of_order = action.0 == "call_ticket" && !staff.0.call_out_of_order;
    if !staff.0.may(action.2) || out_of_order {
        return back(Some(&desk), "forbidden", None, None, None);
    }
    let q = &state.queue.acting(Some(staff.0.username.clone()));
    let ticket = || -> Result<TicketNumber, Refusal> {
        form.ticket
            .as_deref()
            .and_then(|t| t.trim().parse().ok())
            .ok_or(Refusal::Done("bad_ticket", None))
    };
    let mut to = None;
    let mut removed = None;
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
                let r = q.reset_day().await?.tickets_removed;
                removed = Some(u32::try_from(r).unwrap_or(u32::MAX));
                ("reset", None)
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
    let mut detail = done.to_owned();
    if let Some(n) = n {
        detail.push_str(&format!(" ticket {n}"));
    }
    if let Some(s) = &to {
        detail.push_str(&format!(" to {s}"));
    }
    if let Some(r) = removed {
        detail.push_str(&format!(" ({r} removed)"));
    }
    note_audit(
        &req,
        AuditNote {
            action: Some(action.1),
            desk: Some(desk.clone()),
            detail,
        },
    );
    back(Some(&desk), done, n, to.as_ref(), removed)
}

/// The console's actions: the form's name, the audit log's, and the role each needs.
const ACTIONS: [(&str, &str, Role); 10] = [
    ("call_next", "console.call-next", Role::Agent),
    ("call_ticket", "console.call", Role::Agent),
    ("transfer", "console.transfer", Role::Agent),
    ("finish", "console.finish", Role::Agent),
    ("recall", "console.recall", Role::Agent),
    ("no_show", "console.no-show", Role::Agent),
    ("requeue", "console.requeue", Role::Manager),
    ("open_day", "console.open-day", Role::Manager),
    ("close_day", "console.close-day", Role::Manager),
    ("reset_day", "console.reset-day", Role::Manager),
];

/// To the console with the outcome `done`: `n` is the ticket concerned (a ticket number,
/// never 0), `to` the service it went to, `removed` the count a reset removed (which may
/// be 0, so not a ticket number).
fn back(
    desk: Option<&DeskId>,
    done: &str,
    n: Option<u64>,
    to: Option<&Service>,
    removed: Option<u32>,
) -> HttpResponse {
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
    if let Some(r) = removed {
        location.push_str(&format!("&removed={r}"));
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
