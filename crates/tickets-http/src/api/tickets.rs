//! The public ticket endpoints: take, status, snapshot and one ticket. Handlers parse,
//! call the core, and shape the answer; no rule of the queue lives here.

use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tickets_core::{
    BusinessDay, DeskId, QueueBackend, QueueStatus, Snapshot, SnapshotOptions, TakeRequest, Taken,
    Ticket, TicketInfo, TicketNumber, TicketStatus,
};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::{
    BODY_LIMIT, body_priority, body_service, desk_of, idempotency_key, json_object, read_body,
    refusal,
};
use crate::auth::{Auth, Staff};
use crate::lang::Lang;
use crate::openapi::{BodyErrors, ErrorBody, TAG_DAY, TAG_PUBLIC, Unavailable};
use crate::state::AppState;

type State<B> = web::Data<AppState<B>>;

/// The query of `status`: an optional desk.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeskQuery {
    /// The desk the status is for (default `1`).
    #[param(value_type = Option<DeskId>)]
    desk: Option<String>,
}

/// The queue's status as seen from one desk.
///
/// `GET /api/tickets/status[?desk=]`: open or closed, queue length, the desk's current
/// ticket, the next ticket and the day's total; and each service of the office with its
/// waiting count, next label and estimated wait (`label` is its name in the request's
/// language).
#[utoipa::path(
    get,
    path = "/api/tickets/status",
    tag = TAG_PUBLIC,
    params(DeskQuery),
    responses(
        (status = 200, description = "The status.", body = QueueStatus),
        (status = 422, description = "Invalid desk.", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn status<B: QueueBackend>(
    state: State<B>,
    query: web::Query<DeskQuery>,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let desk = desk_of(query.desk.as_deref())?;
    let mut st = state.queue.status(&desk).await?;
    for s in &mut st.services {
        s.label = s.name.get(lang.code()).to_owned();
    }
    Ok(HttpResponse::Ok().json(st))
}

/// The query of `snapshot`: optional limits.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SnapshotQuery {
    /// Waiting tickets listed at most (default 50, capped at 500).
    #[param(minimum = 0, maximum = 4_294_967_295_u64, format = Int64)]
    waiting: Option<u32>,
    /// Log entries listed at most (default 50, capped at 50).
    #[param(minimum = 0, maximum = 4_294_967_295_u64, format = Int64)]
    logs: Option<u32>,
    /// Minutes of activity, ending with the current one (default 60, capped at 1440).
    #[param(minimum = 0, maximum = 4_294_967_295_u64, format = Int64)]
    activity_minutes: Option<u32>,
}

/// The snapshot's JSON: every field of `Snapshot` (whose `logs` are the original log
/// lines), and the same entries as objects in `log_entries`.
#[derive(Serialize, ToSchema)]
pub struct SnapshotBody<'a> {
    #[serde(flatten)]
    snapshot: &'a Snapshot,
    /// The same entries as `logs`, as objects.
    log_entries: &'a [tickets_core::LogEntry],
}

impl<'a> SnapshotBody<'a> {
    /// The body of `snapshot`.
    pub fn new(snapshot: &'a Snapshot) -> Self {
        Self {
            snapshot,
            log_entries: &snapshot.logs,
        }
    }
}

/// Everything about the day in one read (staff).
///
/// `GET /api/tickets/snapshot`: the original snapshot fields, plus desks, figures and
/// per-minute activity.
#[utoipa::path(
    get,
    path = "/api/tickets/snapshot",
    tag = TAG_DAY,
    params(SnapshotQuery),
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The day.", body = SnapshotBody<'_>),
        (status = 422, description = "Invalid limits.", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn snapshot<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
    query: web::Query<SnapshotQuery>,
) -> Result<HttpResponse, ApiError> {
    let d = SnapshotOptions::default();
    let opts = SnapshotOptions {
        waiting: query.waiting.map_or(d.waiting, |n| n as usize),
        logs: query.logs.map_or(d.logs, |n| n as usize),
        activity_minutes: query.activity_minutes.unwrap_or(d.activity_minutes),
    };
    let snap = state.queue.snapshot(opts).await?;
    Ok(HttpResponse::Ok().json(SnapshotBody::new(&snap)))
}

pub use crate::links::{follow_path, holder_path};

/// The key of the holder of a ticket just taken; `None` (logged) when the store could not
/// give the office's secret: the ticket is taken all the same, and its link only shows it.
pub async fn holder_key_of<B: QueueBackend>(
    state: &AppState<B>,
    t: &Taken,
) -> Option<tickets_core::HolderKey> {
    match state.queue.holder_key(t.day, &t.ticket).await {
        Ok(k) => Some(k),
        Err(e) => {
            tracing::warn!(error = %e, ticket = %t.ticket.number, "no holder key for a ticket just taken");
            None
        }
    }
}

/// The JSON of a take.
#[derive(Serialize, ToSchema)]
pub struct TakenBody<'a> {
    /// The business day of the ticket.
    day: BusinessDay,
    /// The ticket.
    ticket: &'a Ticket,
    /// How many tickets wait before it.
    waiting_before: u64,
    /// True when the `Idempotency-Key` matched an earlier take: no new ticket was made.
    replayed: bool,
    /// The page that follows this ticket (for a phone), with the key that lets its holder
    /// act on it (`?k=`, for `POST /api/tickets/leave`): give it only to the holder.
    ticket_url: String,
}

/// The optional body of a take.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"service_type": "poste"}))]
#[allow(dead_code)]
pub struct TakeBody {
    /// The service: a code of the office's configuration (default `poste`, the one service
    /// of the built-in office).
    #[schema(value_type = Option<tickets_core::Service>)]
    service_type: Option<String>,
    /// A priority class of the office (`prioritaire`), for a service that offers priority;
    /// absent or `null` for none.
    #[schema(value_type = Option<String>, pattern = "^[A-Za-z0-9_-]{1,32}$", min_length = 1, max_length = 32)]
    priority: Option<String>,
}

impl<'a> TakenBody<'a> {
    /// The body of `t`, whose holder has `key`.
    pub fn new(t: &'a Taken, key: Option<&tickets_core::HolderKey>) -> Self {
        Self {
            day: t.day,
            ticket: &t.ticket,
            waiting_before: t.waiting_before,
            replayed: t.replayed,
            ticket_url: holder_path(&t.day, t.ticket.number, key),
        }
    }

    /// The JSON of the body, the same bytes as serde's, its ticket written by
    /// [`Ticket::write_json`] (the kiosk's every take answers one).
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(b"{\"day\":");
        let written = serde_json::to_writer(&mut out, &self.day);
        out.extend_from_slice(b",\"ticket\":");
        self.ticket.write_json(&mut out);
        out.extend_from_slice(b",\"waiting_before\":");
        out.extend_from_slice(itoa::Buffer::new().format(self.waiting_before).as_bytes());
        out.extend_from_slice(if self.replayed {
            b",\"replayed\":true,\"ticket_url\":"
        } else {
            b",\"replayed\":false,\"ticket_url\":"
        });
        let written = written.and_then(|()| serde_json::to_writer(&mut out, &self.ticket_url));
        if written.is_err() {
            unreachable!("a day and a path always serialize");
        }
        out.push(b'}');
        out
    }
}

/// Takes a ticket.
///
/// `POST /api/tickets/take`: 201 with the ticket; 200 when an `Idempotency-Key` matched an
/// earlier take in the last 10 minutes; 409 when the day or the service is closed, the
/// service gave its daily limit or the queue is full; 429 when this address took its share
/// for now; 422 for a service or priority the office does not have or the service does not
/// offer. The body is optional.
#[utoipa::path(
    post,
    path = "/api/tickets/take",
    tag = TAG_PUBLIC,
    params(
        ("Idempotency-Key" = Option<tickets_core::IdempotencyKey>, Header,
         description = "Makes the take safe to retry: the same key on the same day gives the same ticket."),
    ),
    request_body(content = Option<TakeBody>, content_type = "application/json"),
    responses(
        (status = 201, description = "A new ticket.", body = TakenBody<'_>, links(
            ("TicketStatus" = (operation_id = "ticket", parameters(("n" = "$response.body#/ticket/ticket_number")))),
            ("TicketPage" = (operation_id = "follow_page", parameters(("day" = "$response.body#/day"), ("n" = "$response.body#/ticket/ticket_number")))),
        )),
        (status = 200, description = "The ticket an earlier take with the same key made.", body = TakenBody<'_>),
        (status = 409, description = "The day is closed (`day_closed`, `closed: true`), the service takes no new tickets (`service_closed`) or gave all its tickets for today (`daily_limit_reached`), or `TICKETS_MAX_WAITING` tickets wait already (`queue_full`).", body = ErrorBody),
        (status = 429, description = "This client address took its share of tickets for now (`take_limit_reached`, `TICKETS_TAKE_LIMIT`; staff and enrolled kiosks are exempt); `Retry-After` and `retry_after_seconds` say when to try again.", body = ErrorBody,
         headers(("Retry-After" = u64, description = "Seconds until the client may take a ticket again."))),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn take<B: QueueBackend>(
    state: State<B>,
    auth: web::Data<Auth>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&req, payload, BODY_LIMIT).await?;
    let obj = json_object(&body)?;
    let request = TakeRequest {
        service: body_service(&obj)?,
        idempotency_key: idempotency_key(&req)?,
        priority: body_priority(&obj)?,
        limits: state.take_limits(&req, auth.is_staff(&req)).await,
    };
    let taken = state
        .queue
        .take(request)
        .await
        .map_err(|e| refusal(&state, e))?;
    let mut res = if taken.replayed {
        HttpResponse::Ok()
    } else {
        HttpResponse::Created()
    };
    let key = holder_key_of(&state, &taken).await;
    Ok(res
        .content_type(ContentType::json())
        .body(TakenBody::new(&taken, key.as_ref()).to_json()))
}
/// Parses a ticket number from a path segment (404-free: a bad number is a 422).
pub fn parse_number(s: &str) -> Result<TicketNumber, ApiError> {
    s.parse().map_err(|_| {
        ApiError::invalid_field(
            "ticket_number",
            format!("« {s} » n'est pas un numéro de ticket (un entier à partir de 1)."),
            format!("\"{s}\" is not a ticket number (a whole number from 1)."),
        )
    })
}

/// What anyone may see of a ticket: its number, label, service, priority class and
/// status; no times and no desk (the ticket's answer gives the desk while it is served).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicTicket<'a> {
    /// Its number.
    #[schema(value_type = TicketNumber)]
    ticket_number: TicketNumber,
    /// What people see: `B007`, or the bare number.
    label: &'a str,
    /// The service.
    #[schema(value_type = tickets_core::Service)]
    service_type: &'a tickets_core::Service,
    /// Where it is in its life.
    status: TicketStatus,
    /// Its priority class, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    priority: Option<&'a tickets_core::PriorityCode>,
}

/// A ticket whole (staff) or as the public sees it.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum TicketView<'a> {
    /// Every field (staff).
    Whole(&'a Ticket),
    /// What anyone may see.
    Public(PublicTicket<'a>),
}

/// The schema of [`TicketView`]: either, told apart by the fields present.
fn ticket_view_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{AnyOfBuilder, Ref};
    AnyOfBuilder::new()
        .item(Ref::from_schema_name("Ticket"))
        .item(Ref::from_schema_name("PublicTicket"))
        .description(Some(
            "The whole ticket for staff; for anyone else its number, label, service, \
             priority class and status only.",
        ))
        .into()
}

/// The JSON of one ticket with where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketBody<'a> {
    /// The business day.
    day: BusinessDay,
    /// The ticket: whole for staff, its public fields for anyone else.
    #[schema(schema_with = ticket_view_schema)]
    ticket: TicketView<'a>,
    /// Where it is in its life (same as `ticket.status`).
    status: TicketStatus,
    /// How many tickets wait before it, while it waits.
    #[schema(required = true)]
    waiting_before: Option<u64>,
    /// The estimated wait before it is called, in seconds, while it waits.
    #[schema(required = true)]
    estimated_wait_seconds: Option<u64>,
    /// The desk that called it: for anyone while it is being served, for staff always.
    #[schema(required = true)]
    desk: Option<&'a DeskId>,
    /// How many tickets wait in all.
    queue_length: u64,
}

impl<'a> TicketBody<'a> {
    /// The body of `info`, whole for staff.
    pub fn new(info: &'a TicketInfo, staff: bool) -> Self {
        let t = &info.ticket;
        let ticket = if staff {
            TicketView::Whole(t)
        } else {
            TicketView::Public(PublicTicket {
                ticket_number: t.number,
                label: &t.label,
                service_type: &t.service,
                status: t.status,
                priority: t.priority.as_ref(),
            })
        };
        let desk_shown = staff || t.status == TicketStatus::InProgress;
        Self {
            day: info.day,
            ticket,
            status: t.status,
            waiting_before: info.waiting_before,
            estimated_wait_seconds: info.estimated_wait_seconds,
            desk: t.desk.as_ref().filter(|_| desk_shown),
            queue_length: info.figures.waiting,
        }
    }
}

/// One ticket of today with its position and estimated wait.
///
/// `GET /api/tickets/ticket/{n}`: what a phone following its ticket shows. Anyone gets
/// the status, position, label and estimated wait, and the desk while the ticket is being
/// served; staff get the whole ticket (times, desk, recalls, transfers).
#[utoipa::path(
    get,
    path = "/api/tickets/ticket/{n}",
    tag = TAG_PUBLIC,
    params(("n" = TicketNumber, Path, description = "The ticket number.")),
    responses(
        (status = 200, description = "The ticket.", body = TicketBody<'_>),
        (status = 404, description = "No such ticket today.", body = ErrorBody),
        (status = 422, description = "Not a ticket number.", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn ticket<B: QueueBackend>(
    state: State<B>,
    auth: web::Data<Auth>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = parse_number(&path)?;
    let info = state.queue.ticket(n).await?;
    Ok(HttpResponse::Ok().json(TicketBody::new(&info, auth.is_staff(&req).await)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tickets_core::{Service, TicketNumber};

    #[test]
    fn a_take_answer_is_written_as_serde_writes_it() {
        let at = chrono::DateTime::from_timestamp_micros(1_796_189_888_965_050).unwrap();
        let mut ticket = Ticket::waiting(
            TicketNumber::new(12).unwrap(),
            Service::default(),
            "A012".into(),
            None,
            at,
        );
        for replayed in [false, true] {
            let taken = Taken {
                day: "2026-12-02".parse().unwrap(),
                ticket: ticket.clone(),
                waiting_before: 41,
                replayed,
            };
            let body = TakenBody::new(&taken, None);
            let fast = String::from_utf8(body.to_json()).unwrap();
            assert_eq!(fast, serde_json::to_string(&body).unwrap());
            assert!(fast.contains("\"ticket_url\":\"/api/tickets/follow/2026-12-02/12\""));
            ticket.label = "B\"7\\".into();
        }
    }
}
