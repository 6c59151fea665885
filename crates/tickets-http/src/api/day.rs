//! The day's endpoints (staff): open, close and reset the business day.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use tickets_core::{BusinessDay, QueueBackend};
use utoipa::ToSchema;

use super::error::ApiError;
use crate::auth::Staff;
use crate::openapi::{TAG_DAY, Unavailable};
use crate::state::AppState;

type State<B> = web::Data<AppState<B>>;

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
