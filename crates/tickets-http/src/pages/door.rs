//! The poster for the office's door, `/api/tickets/door`: a QR code of the kiosk's page,
//! so that people take their ticket with their phone and wait where they like. Offered
//! only when the office turns it on (`settings.phone_take`); such takes obey the take
//! limits of any address.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use tickets_core::QueueBackend;

use super::kiosk::KIOSK_PATH;
use super::{Nav, Page, error_page, html_response, office_and_lang};
use crate::state::AppState;

/// The door poster (public): the office's name, "take your ticket with your phone", a big
/// QR code of the kiosk's page and its address, for printing.
///
/// `GET /api/tickets/door`: 404 when the office does not offer taking a ticket by phone.
#[utoipa::path(
    get,
    operation_id = "door_poster",
    path = "/api/tickets/door",
    tag = crate::openapi::TAG_PAGES,
    responses(
        (status = 200, description = "The poster.", content_type = "text/html", body = String),
        (status = 404, description = "The office does not offer taking a ticket by phone.", content_type = "text/html", body = String),
    )
)]
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
) -> HttpResponse {
    let (office, l) = office_and_lang(&req, &state);
    if !office.settings.phone_take {
        return error_page(
            &req,
            l,
            StatusCode::NOT_FOUND,
            l.t("Pas de ticket par téléphone", "No tickets by phone"),
            l.t(
                "Ce bureau ne propose pas de prendre un ticket avec son téléphone : prenez-le à la borne.",
                "This office does not offer taking a ticket with a phone: take it at the kiosk.",
            ),
        );
    }
    let url = crate::links::absolute_url(&req, state.public_url.as_ref(), KIOSK_PATH);
    let label = l.t(
        "Code QR pour prendre un ticket avec votre téléphone",
        "QR code to take a ticket with your phone",
    );
    let page = Page {
        lang: l,
        title: l
            .t(
                "Prenez votre ticket avec votre téléphone",
                "Take your ticket with your phone",
            )
            .to_owned(),
        class: "page-door",
        nav: Nav::Public,
        scripts: &["js/common.js"],
        styles: &[],
        req: &req,
    };
    html_response(
        StatusCode::OK,
        page.render(html! {
            article class="door-poster" {
                @if let Some(name) = &office.settings.name {
                    p class="door-office" { (name) }
                }
                h1 { (l.t("Prenez votre ticket avec votre téléphone", "Take your ticket with your phone")) }
                p class="door-lead" {
                    (l.t("Scannez ce code avec l'appareil photo : choisissez votre service, puis suivez votre place en attendant où vous voulez.",
                         "Scan this code with your camera: choose your service, then follow your place while you wait wherever you like."))
                }
                @if let Some(svg) = super::qr::qr_svg(&url, 320, label) { div class="qr door-qr" { (super::svg(svg)) } }
                p class="door-url" { a href=(KIOSK_PATH) { (url) } }
                div class="no-print" {
                    button type="button" class="button js-only" data-print hidden { (l.t("Imprimer l'affiche", "Print the poster")) }
                }
            }
        }),
    )
}
