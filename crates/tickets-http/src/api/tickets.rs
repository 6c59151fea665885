//! The ticket endpoints. Handlers parse, call the core, and shape the answer; no rule of
//! the queue lives here.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tickets_core::{
    QueueBackend, Snapshot, SnapshotOptions, TakeRequest, Taken, TicketInfo, TicketNumber,
};

use super::error::ApiError;
use super::{
    BODY_LIMIT, body_desk, body_service, desk_of, idempotency_key, json_object, read_body,
};
use crate::app::AppState;
use crate::auth::Staff;
use crate::lang::Lang;

type State<B> = web::Data<AppState<B>>;

/// The query of `status`: an optional desk.
#[derive(Debug, Deserialize)]
pub struct DeskQuery {
    desk: Option<String>,
}

/// `GET /api/tickets/status[?desk=]`
pub async fn status<B: QueueBackend>(
    state: State<B>,
    query: web::Query<DeskQuery>,
) -> Result<HttpResponse, ApiError> {
    let desk = desk_of(query.desk.as_deref())?;
    let st = state.queue.status(&desk).await?;
    Ok(HttpResponse::Ok().json(st))
}

/// The query of `snapshot`: optional limits.
#[derive(Debug, Deserialize)]
pub struct SnapshotQuery {
    waiting: Option<usize>,
    logs: Option<usize>,
    activity_minutes: Option<u32>,
}

/// The snapshot's JSON: every field of [`Snapshot`] (whose `logs` are the original log
/// lines), and the same entries as objects in `log_entries`. Serialized straight from the
/// borrowed snapshot, without an intermediate JSON tree.
#[derive(Serialize)]
pub struct SnapshotBody<'a> {
    #[serde(flatten)]
    snapshot: &'a Snapshot,
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

/// `GET /api/tickets/snapshot` (staff)
pub async fn snapshot<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
    query: web::Query<SnapshotQuery>,
) -> Result<HttpResponse, ApiError> {
    let d = SnapshotOptions::default();
    let opts = SnapshotOptions {
        waiting: query.waiting.unwrap_or(d.waiting),
        logs: query.logs.unwrap_or(d.logs),
        activity_minutes: query.activity_minutes.unwrap_or(d.activity_minutes),
    };
    let snap = state.queue.snapshot(opts).await?;
    Ok(HttpResponse::Ok().json(SnapshotBody::new(&snap)))
}

/// `POST /api/tickets/start-day` (staff)
pub async fn start_day<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
) -> Result<HttpResponse, ApiError> {
    let d = state.queue.open_day().await?;
    Ok(HttpResponse::Ok().json(json!({"day": d.day, "open": d.open, "changed": d.changed})))
}

/// `POST /api/tickets/end-day` (staff): closes the day; data stays.
pub async fn end_day<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
) -> Result<HttpResponse, ApiError> {
    let d = state.queue.close_day().await?;
    Ok(HttpResponse::Ok().json(json!({
        "day": d.day, "ended": true, "open": d.open, "changed": d.changed
    })))
}

/// `POST /api/tickets/reset-day` (staff): wipes the day.
pub async fn reset_day<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
) -> Result<HttpResponse, ApiError> {
    let r = state.queue.reset_day().await?;
    Ok(HttpResponse::Ok().json(json!({
        "day": r.day, "reset": true, "open": false, "tickets_removed": r.tickets_removed
    })))
}

/// The path of the page that follows a ticket.
pub fn follow_path(taken_day: &tickets_core::BusinessDay, n: TicketNumber) -> String {
    format!("/api/tickets/follow/{taken_day}/{n}")
}

/// The JSON of a take.
#[derive(Serialize)]
pub struct TakenBody<'a> {
    day: tickets_core::BusinessDay,
    ticket: &'a tickets_core::Ticket,
    waiting_before: u64,
    replayed: bool,
    ticket_url: String,
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

/// `POST /api/tickets/take`: 201 with the ticket; 200 when an `Idempotency-Key` matched an
/// earlier take; 409 when the day is closed.
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
    };
    let taken = state.queue.take(request).await?;
    let mut res = if taken.replayed {
        HttpResponse::Ok()
    } else {
        HttpResponse::Created()
    };
    Ok(res.json(TakenBody::new(&taken)))
}

async fn desk_body(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<tickets_core::DeskId, ApiError> {
    let body = read_body(req, payload, BODY_LIMIT).await?;
    body_desk(&json_object(&body)?)
}

/// `POST /api/tickets/call-next` (staff), body `{"desk": "…"}` optional.
pub async fn call_next<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let desk = desk_body(&req, payload).await?;
    let c = state.queue.call_next(&desk).await?;
    let finished = c.finished.as_ref().map(|t| t.number);
    Ok(HttpResponse::Ok().json(match &c.called {
        Some(t) => json!({
            "current_ticket": t.number,
            "waiting_tickets": c.waiting_tickets,
            "desk": c.desk,
            "finished_ticket": finished,
            "ticket": t,
        }),
        None => json!({
            "message": lang.t("Aucun ticket en attente", "No ticket waiting"),
            "current_ticket": null,
            "waiting_tickets": 0,
            "desk": c.desk,
            "finished_ticket": finished,
        }),
    }))
}

/// Runs an action on a desk's current ticket and answers `{"<key>": n, "desk", "ticket"}`,
/// or the original "Aucun ticket en cours" message when the desk has none.
async fn current_ticket_action<Fut>(
    req: &HttpRequest,
    payload: web::Payload,
    lang: Lang,
    key: &str,
    act: impl FnOnce(tickets_core::DeskId) -> Fut,
) -> Result<HttpResponse, ApiError>
where
    Fut:
        Future<Output = tickets_core::Result<(tickets_core::DeskId, Option<tickets_core::Ticket>)>>,
{
    let desk = desk_body(req, payload).await?;
    let (desk, ticket) = act(desk).await?;
    Ok(HttpResponse::Ok().json(match ticket {
        Some(t) => {
            let mut body = serde_json::Map::new();
            body.insert(key.to_owned(), json!(t.number));
            body.insert("desk".into(), json!(desk));
            body.insert("ticket".into(), json!(t));
            Value::Object(body)
        }
        None => {
            json!({"message": lang.t("Aucun ticket en cours", "No current ticket"), "desk": desk})
        }
    }))
}

/// `POST /api/tickets/finish-current` (staff), body `{"desk": "…"}` optional.
pub async fn finish_current<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    current_ticket_action(&req, payload, lang, "finished_ticket", |desk| async move {
        let t = state.queue.finish(&desk).await?;
        Ok((desk, t))
    })
    .await
}

/// `POST /api/tickets/recall` (staff), body `{"desk": "…"}` optional.
pub async fn recall<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    current_ticket_action(&req, payload, lang, "recalled_ticket", |desk| async move {
        let t = state.queue.recall(&desk).await?;
        Ok((desk, t))
    })
    .await
}

/// `POST /api/tickets/no-show` (staff), body `{"desk": "…"}` optional.
pub async fn no_show<B: QueueBackend>(
    state: State<B>,
    _staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    current_ticket_action(&req, payload, lang, "no_show_ticket", |desk| async move {
        let t = state.queue.no_show(&desk).await?;
        Ok((desk, t))
    })
    .await
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

/// The JSON of one ticket with its position.
pub fn ticket_json(info: &TicketInfo) -> Value {
    json!({
        "day": info.day,
        "ticket": info.ticket,
        "status": info.ticket.status,
        "waiting_before": info.waiting_before,
        "estimated_wait_seconds": info.estimated_wait_seconds,
        "desk": info.ticket.desk,
        "queue_length": info.figures.waiting,
    })
}

/// `GET /api/tickets/ticket/{n}`: one ticket of today with its position and estimated wait.
pub async fn ticket<B: QueueBackend>(
    state: State<B>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let n = parse_number(&path)?;
    let info = state.queue.ticket(n).await?;
    Ok(HttpResponse::Ok().json(ticket_json(&info)))
}
