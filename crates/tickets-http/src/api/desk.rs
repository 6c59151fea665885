//! The desk endpoints (staff): call the next ticket or a given one, transfer, requeue,
//! finish, recall, no-show. Handlers parse, call the core, and shape the answer.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tickets_core::{
    Called, DeskId, QueueBackend, Service, Ticket, TicketNumber, Transfer, TransferPosition,
};
use utoipa::ToSchema;

use super::error::ApiError;
use super::{
    BODY_LIMIT, body_desk, body_optional_desk, body_position, body_target_service, body_ticket,
    json_object, read_body, refusal,
};
use crate::auth::Staff;
use crate::lang::Lang;
use crate::openapi::{BodyErrors, ErrorBody, TAG_DESK, Unavailable};
use crate::state::AppState;

type State<B> = web::Data<AppState<B>>;

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
    staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    let desk = desk_body(&req, payload).await?;
    let c = state
        .queue
        .acting(Some(staff.0.username.clone()))
        .call_next(&desk)
        .await
        .map_err(|e| refusal(&state, e))?;
    note_desk(&req, &desk, c.called.as_ref());
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
/// the ticket no longer waits; 403 `forbidden` for an agent whose account does not allow
/// calls out of turn (`call_out_of_order`).
#[utoipa::path(
    post,
    path = "/api/tickets/call",
    tag = TAG_DESK,
    security(("staff_token" = []), ("staff_session" = [])),
    request_body(content = CallBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The called ticket.", body = CalledBody<'_>),
        (status = 403, description = "An agent whose account does not allow calls out of turn (`forbidden`).", body = ErrorBody),
        (status = 404, description = "No such ticket today (`ticket_not_found`).", body = ErrorBody),
        (status = 409, description = "The ticket does not wait (`wrong_status`).", body = ErrorBody),
        BodyErrors,
        Unavailable,
    )
)]
pub async fn call<B: QueueBackend>(
    state: State<B>,
    staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
    lang: Lang,
) -> Result<HttpResponse, ApiError> {
    if !staff.0.call_out_of_order {
        return Err(ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "forbidden",
            "Votre compte ne permet pas d'appeler un ticket hors de son tour : demandez à un responsable.",
            "Your account may not call a ticket out of turn: ask a manager.",
        )
        .with("required", "call_out_of_order"));
    }
    let obj = json_object(&read_body(&req, payload, BODY_LIMIT).await?)?;
    let desk = body_desk(&obj)?;
    let number = body_ticket(&obj)?;
    let c = state
        .queue
        .acting(Some(staff.0.username.clone()))
        .call(&desk, number)
        .await
        .map_err(|e| refusal(&state, e))?;
    let label = c.called.as_ref().map(|t| t.label.as_str());
    tracing::info!(%desk, ticket = %number, label, "called a given ticket out of order");
    note_desk(&req, &desk, c.called.as_ref());
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
            note_desk(&req, &desk, t.as_ref());
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

/// Notes the desk and the ticket of a desk action for its audit line.
fn note_desk(req: &HttpRequest, desk: &DeskId, ticket: Option<&tickets_core::Ticket>) {
    let detail = match ticket {
        Some(t) => format!("ticket {} ({})", t.label, t.number),
        None => "no ticket".to_owned(),
    };
    crate::auth::note_audit(
        req,
        crate::auth::AuditNote {
            action: None,
            desk: Some(desk.clone()),
            detail,
        },
    );
}
