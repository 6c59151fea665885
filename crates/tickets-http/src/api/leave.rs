//! `POST /api/tickets/leave`: the holder of a waiting ticket leaves the queue, proving it
//! with the key the ticket's link carries (`?k=`). The rule lives in the core
//! (`TicketQueue::leave`); this parses and answers.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tickets_core::{BusinessDay, Error, QueueBackend, Ticket};
use utoipa::ToSchema;

use super::error::ApiError;
use super::{BODY_LIMIT, body_day, body_key, body_ticket, json_object, read_body, refusal};
use crate::openapi::{BodyErrors, ErrorBody, TAG_PUBLIC, Unavailable};
use crate::state::AppState;

/// The body of a leave.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"day": "2026-11-30", "ticket": 12, "key": "0f4c2a9e8b7d6c5a4f3e2d1c0b9a8f7e"}))]
#[allow(dead_code)]
pub struct LeaveBody {
    /// The ticket's business day.
    #[schema(value_type = BusinessDay)]
    day: String,
    /// The ticket's number.
    #[schema(value_type = tickets_core::TicketNumber)]
    ticket: u64,
    /// The key of the ticket's holder: the `k` of its link (`ticket_url`).
    #[schema(pattern = "^[0-9a-fA-F]{32}$")]
    key: String,
}

/// The answer of a leave.
#[derive(Serialize, ToSchema)]
pub struct LeftBody<'a> {
    /// The ticket, now `cancelled`.
    ticket: &'a Ticket,
}

/// Leaves the queue (the ticket's holder).
///
/// `POST /api/tickets/leave`, body `{"day", "ticket", "key"}`: the waiting ticket becomes
/// `cancelled`, leaves its queue (everyone behind moves up) and counts as left in the day's
/// figures and in the history; logged and announced as `leave_queue`. Leaving twice
/// answers the cancelled ticket again. 403 `wrong_ticket_key` when the key is not the
/// ticket's; 404 for a ticket that does not exist today (or a day that is over); 409
/// `wrong_status` for a ticket already called or finished.
#[utoipa::path(
    post,
    path = "/api/tickets/leave",
    tag = TAG_PUBLIC,
    request_body(content = LeaveBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The ticket, cancelled.", body = LeftBody<'_>),
        (status = 403, description = "The key is not the one of this ticket's holder (`wrong_ticket_key`).", body = ErrorBody),
        (status = 404, description = "No such ticket today (`ticket_not_found`).", body = ErrorBody),
        (status = 409, description = "The ticket no longer waits (`wrong_status`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn leave<B: QueueBackend>(
    state: web::Data<AppState<B>>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let day = body_day(&obj)?;
    let number = body_ticket(&obj)?;
    let key = body_key(&obj)?;
    if day != state.queue.moment().day {
        return Err(refusal(&state, Error::TicketNotFound(number)));
    }
    let ticket = state
        .queue
        .leave(number, key)
        .await
        .map_err(|e| refusal(&state, e))?;
    tracing::info!(ticket = %number, label = %ticket.label, "a ticket's holder left the queue");
    Ok(HttpResponse::Ok().json(LeftBody { ticket: &ticket }))
}
