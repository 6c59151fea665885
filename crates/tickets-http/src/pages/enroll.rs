//! Enrolling a kiosk: a browser that holds the kiosk cookie takes tickets without the
//! per-address limit (`TICKETS_TAKE_LIMIT`).
//!
//! Two ways in: the enrollment link `/api/kiosk/enroll?token=<TICKETS_KIOSK_TOKEN>` (opened
//! once on the kiosk; it answers with a redirect, so the token never appears in a page), or
//! staff signed in on the kiosk press "enroll this browser" on the kiosk page.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tickets_core::QueueBackend;

use super::error_page;
use crate::auth::{StaffPage, is_tls};
use crate::lang::Lang;
use crate::state::AppState;

/// The query of the enrollment link.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnrollQuery {
    /// `TICKETS_KIOSK_TOKEN`.
    token: Option<String>,
}

/// To the kiosk, enrolled.
fn enrolled<B: QueueBackend>(req: &HttpRequest, state: &AppState<B>) -> HttpResponse {
    tracing::info!(
        address = %state.clients.address(req),
        "a browser was enrolled as a kiosk"
    );
    HttpResponse::SeeOther()
        .cookie(state.clients.kiosk_cookie(is_tls(req)))
        .insert_header((header::LOCATION, "/api/tickets/public?enrolled=1"))
        // The link carries a secret: keep it out of caches and of the next page's Referer.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .finish()
}

/// Enrolls this browser as a kiosk with the enrollment link.
///
/// `GET /api/kiosk/enroll?token=…`: with `TICKETS_KIOSK_TOKEN`, sets the kiosk cookie (HttpOnly,
/// about ten years) and redirects to the kiosk; 403 otherwise.
#[utoipa::path(
    get,
    operation_id = "kiosk_enroll_link",
    path = "/api/kiosk/enroll",
    tag = crate::openapi::TAG_PAGES,
    params(EnrollQuery),
    responses(
        (status = 303, description = "Enrolled: to the kiosk, with the kiosk cookie."),
        (status = 403, description = "No such link: a page that says so.", content_type = "text/html", body = String),
    )
)]
pub async fn link<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    lang: Lang,
    query: web::Query<EnrollQuery>,
) -> HttpResponse {
    let token = query.token.as_deref().unwrap_or("");
    if state.clients.is_kiosk_token(token) {
        return enrolled(&req, &state);
    }
    tracing::warn!(
        address = %state.clients.address(&req),
        "a kiosk enrollment link with a wrong token was opened"
    );
    let (title, text) = if state.clients.kiosk_link_enabled() {
        (
            lang.t("Lien de borne non valable", "Kiosk link not valid"),
            lang.t(
                "Ce lien d'inscription de borne n'est pas (ou plus) valable. Demandez le lien à jour au responsable, ou inscrivez la borne depuis la page de la borne, connecté comme agent.",
                "This kiosk enrollment link is not (or no longer) valid. Ask the manager for the current link, or enroll the kiosk from the kiosk page while signed in as staff.",
            ),
        )
    } else {
        (
            lang.t("Pas de lien de borne", "No kiosk link"),
            lang.t(
                "Ce bureau n'a pas de lien d'inscription de borne (TICKETS_KIOSK_TOKEN). Inscrivez la borne depuis la page de la borne, connecté comme agent.",
                "This office has no kiosk enrollment link (TICKETS_KIOSK_TOKEN). Enroll the kiosk from the kiosk page while signed in as staff.",
            ),
        )
    };
    error_page(&req, lang, StatusCode::FORBIDDEN, title, text)
}

/// Enrolls this browser as a kiosk (staff signed in on it).
///
/// `POST /api/kiosk/enroll`: sets the kiosk cookie and redirects to the kiosk.
#[utoipa::path(
    post,
    operation_id = "kiosk_enroll",
    path = "/api/kiosk/enroll",
    tag = crate::openapi::TAG_PAGES,
    security(("staff_session" = [])),
    responses(
        (status = 303, description = "Enrolled: to the kiosk, with the kiosk cookie; or to the sign-in page."),
    )
)]
pub async fn by_staff<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    _staff: StaffPage,
) -> HttpResponse {
    enrolled(&req, &state)
}
