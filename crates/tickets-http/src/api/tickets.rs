//! The ticket endpoints. Handlers parse, call the core, and shape the answer; no rule of
//! the queue lives here.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tickets_core::{
    BusinessDay, Called, DeskId, QueueBackend, QueueStatus, Service, Snapshot, SnapshotOptions,
    TakeRequest, Taken, Ticket, TicketInfo, TicketNumber, TicketStatus, Transfer, TransferPosition,
};
use utoipa::{IntoParams, ToSchema};

use super::error::ApiError;
use super::{
    BODY_LIMIT, body_desk, body_optional_desk, body_position, body_priority, body_service,
    body_target_service, body_ticket, desk_of, idempotency_key, json_object, read_body, refusal,
};
use crate::app::AppState;
use crate::auth::Staff;
use crate::lang::Lang;
use crate::openapi::{BodyErrors, ErrorBody, TAG_DAY, TAG_DESK, TAG_PUBLIC, Unavailable};

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

/// The answer of start-day and end-day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayBody {
    /// The business day.
    day: BusinessDay,
    /// Whether new tickets can be taken now.
    open: bool,
    /// Whether this request changed it (false when it was already so).
    changed: bool,
    /// `true` on end-day (the original field).
    #[serde(skip_serializing_if = "Option::is_none")]
    ended: Option<bool>,
}

impl DayBody {
    fn new(d: tickets_core::DayChange, ended: Option<bool>) -> Self {
        Self {
            day: d.day,
            open: d.open,
            changed: d.changed,
            ended,
        }
    }
}

/// Opens the day (staff).
///
/// `POST /api/tickets/start-day`: tickets can be taken until end-day. Opening an open day
/// changes nothing.
#[utoipa::path(
    post,
    path = "/api/tickets/start-day",
    tag = TAG_DAY,
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The day is open.", body = DayBody),
        Unavailable,
    )
)]
pub async fn start_day<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
) -> Result<HttpResponse, ApiError> {
    let d = state.queue.open_day().await?;
    Ok(HttpResponse::Ok().json(DayBody::new(d, None)))
}

/// Closes the day (staff); its tickets stay.
///
/// `POST /api/tickets/end-day`: no new ticket can be taken; desks can still call the
/// tickets that wait.
#[utoipa::path(
    post,
    path = "/api/tickets/end-day",
    tag = TAG_DAY,
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The day is closed.", body = DayBody),
        Unavailable,
    )
)]
pub async fn end_day<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
) -> Result<HttpResponse, ApiError> {
    let d = state.queue.close_day().await?;
    Ok(HttpResponse::Ok().json(DayBody::new(d, Some(true))))
}

/// The answer of reset-day.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetBody {
    /// The business day.
    day: BusinessDay,
    /// Always `true`.
    reset: bool,
    /// Always `false`: a reset day is closed.
    open: bool,
    /// How many tickets were wiped.
    tickets_removed: u64,
}

/// Wipes the day (staff): tickets, counters and logs; the day is closed.
#[utoipa::path(
    post,
    path = "/api/tickets/reset-day",
    tag = TAG_DAY,
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The day was wiped.", body = ResetBody),
        Unavailable,
    )
)]
pub async fn reset_day<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
) -> Result<HttpResponse, ApiError> {
    let r = state.queue.reset_day().await?;
    Ok(HttpResponse::Ok().json(ResetBody {
        day: r.day,
        reset: true,
        open: false,
        tickets_removed: r.tickets_removed,
    }))
}

/// The path of the page that follows a ticket.
pub fn follow_path(taken_day: &tickets_core::BusinessDay, n: TicketNumber) -> String {
    format!("/api/tickets/follow/{taken_day}/{n}")
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
    /// The page that follows this ticket (for a phone).
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
    /// The body of `t`.
    pub fn new(t: &'a Taken) -> Self {
        Self {
            day: t.day,
            ticket: &t.ticket,
            waiting_before: t.waiting_before,
            replayed: t.replayed,
            ticket_url: follow_path(&t.day, t.ticket.number),
        }
    }
}

/// Takes a ticket.
///
/// `POST /api/tickets/take`: 201 with the ticket; 200 when an `Idempotency-Key` matched an
/// earlier take of the day; 409 when the day or the service is closed or the service gave
/// its daily limit; 422 for a service or priority the office does not have or the service
/// does not offer. The body is optional.
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
        (status = 409, description = "The day is closed (`day_closed`, `closed: true`), the service takes no new tickets (`service_closed`) or gave all its tickets for today (`daily_limit_reached`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn take<B: QueueBackend>(
    state: State<B>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&req, payload, BODY_LIMIT).await?;
    let obj = json_object(&body)?;
    let request = TakeRequest {
        service: body_service(&obj)?,
        idempotency_key: idempotency_key(&req)?,
        priority: body_priority(&obj)?,
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
    Ok(res.json(TakenBody::new(&taken)))
}

async fn desk_body(req: &HttpRequest, payload: web::Payload) -> Result<DeskId, ApiError> {
    let body = read_body(req, payload, BODY_LIMIT).await?;
    body_desk(&json_object(&body)?)
}

/// The optional body of the desk actions.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeskBody {
    /// The desk (default `1`).
    #[schema(value_type = Option<DeskId>)]
    #[allow(dead_code)]
    desk: Option<String>,
}

/// The answer of call-next.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalledBody<'a> {
    /// The ticket now called to the desk; `null` when nobody waits.
    #[schema(required = true)]
    current_ticket: Option<TicketNumber>,
    /// How many tickets still wait.
    waiting_tickets: u64,
    /// The desk.
    desk: &'a DeskId,
    /// The ticket the desk held before, now completed.
    #[schema(required = true)]
    finished_ticket: Option<TicketNumber>,
    /// The called ticket, whole (absent when nobody waits).
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: Option<&'a Ticket>,
    /// "Aucun ticket en attente" / "No ticket waiting" when nobody waits.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'static str>,
}

impl<'a> CalledBody<'a> {
    fn new(c: &'a Called, lang: Lang) -> Self {
        Self {
            current_ticket: c.called.as_ref().map(|t| t.number),
            waiting_tickets: if c.called.is_some() {
                c.waiting_tickets
            } else {
                0
            },
            desk: &c.desk,
            finished_ticket: c.finished.as_ref().map(|t| t.number),
            ticket: c.called.as_ref(),
            message: c
                .called
                .is_none()
                .then(|| lang.t("Aucun ticket en attente", "No ticket waiting")),
        }
    }
}

/// Calls the next ticket to a desk (staff), finishing the desk's current one.
///
/// `POST /api/tickets/call-next`, body `{"desk": "…"}` optional. The next ticket is the
/// one the calling rule picks among the desk's services: overdue first, then priority
/// (within the desk's ratio), then the earliest arrival.
#[utoipa::path(
    post,
    path = "/api/tickets/call-next",
    tag = TAG_DESK,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = Option<DeskBody>, content_type = "application/json"),
    responses(
        (status = 200, description = "The called ticket, or a message when nobody waits.", body = CalledBody<'_>),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn call_next<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let desk = desk_body(&req, payload).await?;
    let c = state
        .queue
        .call_next(&desk)
        .await
        .map_err(|e| refusal(&state, e))?;
    Ok(HttpResponse::Ok().json(CalledBody::new(&c, lang)))
}

/// The body of `call`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CallBody {
    /// The desk that calls (default `1`).
    #[schema(value_type = Option<DeskId>)]
    desk: Option<String>,
    /// The waiting ticket to call.
    #[schema(value_type = TicketNumber)]
    ticket: u64,
}

/// Calls a given waiting ticket to a desk, out of order (staff).
///
/// `POST /api/tickets/call`, body `{"desk": "3", "ticket": 12}`: the desk's current ticket
/// is finished first, as with call-next; logged as `call_ticket`. 409 `wrong_status` when
/// the ticket no longer waits.
#[utoipa::path(
    post,
    path = "/api/tickets/call",
    tag = TAG_DESK,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = CallBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The called ticket.", body = CalledBody<'_>),
        (status = 404, description = "No such ticket today (`ticket_not_found`).", body = ErrorBody),
        (status = 409, description = "The ticket does not wait (`wrong_status`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn call<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let desk = body_desk(&obj)?;
    let number = body_ticket(&obj)?;
    let c = state
        .queue
        .call(&desk, number)
        .await
        .map_err(|e| refusal(&state, e))?;
    let label = c.called.as_ref().map(|t| t.label.as_str());
    tracing::info!(%desk, ticket = %number, label, "called a given ticket out of order");
    Ok(HttpResponse::Ok().json(CalledBody::new(&c, lang)))
}

/// The body of `transfer`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TransferBody {
    /// The ticket: a waiting ticket, or a desk's current ticket.
    #[schema(value_type = TicketNumber)]
    ticket: u64,
    /// The service whose queue it joins (it keeps its label).
    #[schema(value_type = tickets_core::Service)]
    service: String,
    /// Where it goes in that queue (default `arrival`: where its arrival time places it).
    #[schema(value_type = Option<TransferPosition>)]
    position: Option<String>,
    /// The desk that holds it, when it is a desk's current ticket (default: the desk that
    /// called it).
    #[schema(value_type = Option<DeskId>)]
    desk: Option<String>,
}

/// The answer of `transfer`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferredBody {
    /// The ticket moved.
    transferred_ticket: TicketNumber,
    /// The service whose queue it joined.
    #[schema(value_type = tickets_core::Service)]
    service: Service,
    /// Where it went in that queue.
    position: TransferPosition,
    /// The ticket as it is now (waiting, with its new `service_type`).
    ticket: Ticket,
}

/// Moves a ticket to another service's queue (staff).
///
/// `POST /api/tickets/transfer`, body `{"ticket": 12, "service": "colis", "position":
/// "arrival", "desk": "3"}`: a waiting ticket, or a desk's current ticket (the desk is then
/// free), joins the queue of `service`, keeping its label; `position` is `arrival` (the
/// default: where its arrival time places it), `end` or `front`. Logged as `transfer`.
#[utoipa::path(
    post,
    path = "/api/tickets/transfer",
    tag = TAG_DESK,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = TransferBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The ticket, waiting in its new queue.", body = TransferredBody),
        (status = 404, description = "No such ticket today (`ticket_not_found`).", body = ErrorBody),
        (status = 409, description = "The ticket neither waits nor is a desk's current ticket (`wrong_status`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn transfer<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let order = Transfer {
        ticket: body_ticket(&obj)?,
        service: body_target_service(&obj)?,
        position: body_position(&obj)?,
        desk: body_optional_desk(&obj)?,
    };
    let ticket = state.queue.transfer(&order).await.map_err(|e| {
        let err = refusal(&state, e);
        // The field of this request that names the service.
        if err.code == "unknown_service" {
            err.with("field", "service")
        } else {
            err
        }
    })?;
    tracing::info!(
        ticket = %order.ticket,
        label = %ticket.label,
        service = %order.service,
        position = order.position.as_str(),
        desk = order.desk.as_ref().map(DeskId::as_str),
        "transferred a ticket"
    );
    Ok(HttpResponse::Ok().json(TransferredBody {
        transferred_ticket: order.ticket,
        service: order.service,
        position: order.position,
        ticket,
    }))
}

/// The body of `requeue`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct RequeueBody {
    /// The no-show ticket to put back.
    #[schema(value_type = TicketNumber)]
    ticket: u64,
}

/// The answer of `requeue`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequeuedBody {
    /// The ticket put back.
    requeued_ticket: TicketNumber,
    /// The ticket as it is now (waiting).
    ticket: Ticket,
}

/// Puts a no-show ticket back in its queue, at its arrival place (staff).
///
/// `POST /api/tickets/requeue`, body `{"ticket": 12}`: for a customer who came back after
/// being marked absent. Logged as `requeue`. 409 `wrong_status` for a ticket that is not a
/// no-show.
#[utoipa::path(
    post,
    path = "/api/tickets/requeue",
    tag = TAG_DESK,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = RequeueBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The ticket, waiting again.", body = RequeuedBody),
        (status = 404, description = "No such ticket today (`ticket_not_found`).", body = ErrorBody),
        (status = 409, description = "The ticket is not a no-show (`wrong_status`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn requeue<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let number = body_ticket(&obj)?;
    let ticket = state
        .queue
        .requeue(number)
        .await
        .map_err(|e| refusal(&state, e))?;
    tracing::info!(ticket = %number, label = %ticket.label, "requeued a no-show ticket");
    Ok(HttpResponse::Ok().json(RequeuedBody {
        requeued_ticket: number,
        ticket,
    }))
}

/// Declares an action on a desk's current ticket (staff): its answer, `{"<key>": n,
/// "desk", "ticket"}` or `{"message", "desk"}` when the desk has none, and its handler,
/// which reads the optional `{"desk": "…"}` body and calls the queue's `$method`.
macro_rules! desk_action {
    (
        $(#[$doc:meta])*
        $handler:ident, $path:tt, $method:ident, $body:ident, $key:ident, $answer:tt
    ) => {
        #[doc = concat!("The answer of `POST ", $path, "`.")]
        #[derive(Debug, Serialize, ToSchema)]
        #[schema(description = concat!("The answer of `POST ", $path, "`."))]
        pub struct $body {
            /// The ticket acted on (absent when the desk had none).
            #[serde(skip_serializing_if = "Option::is_none")]
            $key: Option<TicketNumber>,
            /// The desk.
            desk: DeskId,
            /// The ticket acted on, whole (absent when the desk had none).
            #[serde(skip_serializing_if = "Option::is_none")]
            ticket: Option<Ticket>,
            /// "Aucun ticket en cours" / "No current ticket" when the desk had none.
            #[serde(skip_serializing_if = "Option::is_none")]
            message: Option<&'static str>,
        }

        impl $body {
            fn new(desk: DeskId, ticket: Option<Ticket>, lang: Lang) -> Self {
                Self {
                    $key: ticket.as_ref().map(|t| t.number),
                    message: ticket
                        .is_none()
                        .then(|| lang.t("Aucun ticket en cours", "No current ticket")),
                    desk,
                    ticket,
                }
            }
        }

        $(#[$doc])*
        #[utoipa::path(
            post,
            path = $path,
            tag = TAG_DESK,
            security(("staff_token" = []), ("staff_session" = [])),
            request_body(content = Option<DeskBody>, content_type = "application/json"),
            responses(
                (status = 200, description = $answer, body = $body),
                BodyErrors,
                Unavailable,
            )
        )]
        pub async fn $handler<B: QueueBackend>(
            state: State<B>,
            _staff: Staff,
            req: HttpRequest,
            payload: web::Payload,
            lang: Lang,
        ) -> Result<HttpResponse, ApiError> {
            let desk = desk_body(&req, payload).await?;
            let t = state.queue.$method(&desk).await?;
            Ok(HttpResponse::Ok().json($body::new(desk, t, lang)))
        }
    };
}

desk_action!(
    /// Finishes the desk's current ticket (staff).
    ///
    /// `POST /api/tickets/finish-current`, body `{"desk": "…"}` optional.
    finish_current,
    "/api/tickets/finish-current",
    finish,
    FinishedBody,
    finished_ticket,
    "The finished ticket, or a message when the desk had none."
);

desk_action!(
    /// Calls the desk's current ticket again (staff): the board announces it once more.
    ///
    /// `POST /api/tickets/recall`, body `{"desk": "…"}` optional.
    recall,
    "/api/tickets/recall",
    recall,
    RecalledBody,
    recalled_ticket,
    "The recalled ticket, or a message when the desk had none."
);

desk_action!(
    /// Marks the desk's current ticket as a no-show (staff).
    ///
    /// `POST /api/tickets/no-show`, body `{"desk": "…"}` optional.
    no_show,
    "/api/tickets/no-show",
    no_show,
    NoShowBody,
    no_show_ticket,
    "The ticket marked no-show, or a message when the desk had none."
);

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

/// The JSON of one ticket with where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketBody<'a> {
    /// The business day.
    day: BusinessDay,
    /// The ticket.
    ticket: &'a Ticket,
    /// Where it is in its life (same as `ticket.status`).
    status: TicketStatus,
    /// How many tickets wait before it, while it waits.
    #[schema(required = true)]
    waiting_before: Option<u64>,
    /// The estimated wait before it is called, in seconds, while it waits.
    #[schema(required = true)]
    estimated_wait_seconds: Option<u64>,
    /// The desk that called it.
    #[schema(required = true)]
    desk: Option<&'a DeskId>,
    /// How many tickets wait in all.
    queue_length: u64,
}

impl<'a> TicketBody<'a> {
    /// The body of `info`.
    pub fn new(info: &'a TicketInfo) -> Self {
        Self {
            day: info.day,
            ticket: &info.ticket,
            status: info.ticket.status,
            waiting_before: info.waiting_before,
            estimated_wait_seconds: info.estimated_wait_seconds,
            desk: info.ticket.desk.as_ref(),
            queue_length: info.figures.waiting,
        }
    }
}

/// One ticket of today with its position and estimated wait.
///
/// `GET /api/tickets/ticket/{n}`: what a phone following its ticket shows.
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
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = parse_number(&path)?;
    let info = state.queue.ticket(n).await?;
    Ok(HttpResponse::Ok().json(TicketBody::new(&info)))
}
