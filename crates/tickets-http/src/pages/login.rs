//! Staff sign-in: `GET /api/login` shows the form, `POST /api/login` checks the password
//! and sets the session cookie, `POST /api/logout` removes it.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::{Nav, Page, html_response};
use crate::auth::{Auth, is_tls, safe_next};
use crate::lang::Lang;

/// The sign-in query and form.
#[derive(Debug, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignIn {
    /// The staff password (form only).
    #[param(ignore)]
    password: Option<String>,
    /// Where to go once signed in (a local path).
    next: Option<String>,
}

/// Where to go once signed in: `next` when it is a local path of the server (under
/// `/api/`: one leading `/`, no `//`, no backslash) without any control character (which
/// a `Location` header cannot carry, and which could split it), else the console.
fn next_path(next: Option<&str>) -> String {
    safe_next(next.filter(|n| !n.chars().any(char::is_control)))
}

fn form(req: &HttpRequest, lang: Lang, next: &str, failed: bool) -> HttpResponse {
    let l = lang;
    let page = Page {
        lang,
        title: l.t("Connexion du personnel", "Staff sign-in").to_owned(),
        class: "page-login",
        nav: Nav::Public,
        scripts: &[],
        styles: &[],
        req,
    };
    let status = if failed {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    html_response(
        status,
        page.render(html! {
            section class="card narrow" {
                h1 { (l.t("Connexion du personnel", "Staff sign-in")) }
                @if failed {
                    p class="notice notice-warn" role="alert" id="login-error" { (l.t("Mot de passe incorrect.", "Wrong password.")) }
                }
                form method="post" action="/api/login" class="stack" {
                    input type="hidden" name="next" value=(next);
                    label for="password" { (l.t("Mot de passe", "Password")) }
                    input type="password" id="password" name="password" required autocomplete="current-password"
                        autofocus aria-describedby=[failed.then_some("login-error")];
                    button type="submit" class="button button-primary" { (l.t("Se connecter", "Sign in")) }
                }
                p class="hint" { (l.t("Réservé au personnel des guichets. Le mot de passe vous est donné par votre responsable.", "For counter staff only. Your manager gives you the password.")) }
            }
        }),
    )
}

/// The staff sign-in page.
///
/// `GET /api/login[?next=]`
#[utoipa::path(
    get,
    operation_id = "login_page",
    path = "/api/login",
    tag = crate::openapi::TAG_PAGES,
    params(SignIn),
    responses(
        (status = 200, description = "The sign-in form.", content_type = "text/html", body = String),
        (status = 422, description = "Invalid query.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn page(req: HttpRequest, lang: Lang, query: web::Query<SignIn>) -> HttpResponse {
    form(&req, lang, &next_path(query.next.as_deref()), false)
}

/// Signs staff in.
///
/// `POST /api/login`: 303 to `next` with the session cookie `tickets_staff`, or the form
/// again with 401 after a wrong password.
#[utoipa::path(
    post,
    operation_id = "sign_in",
    path = "/api/login",
    tag = crate::openapi::TAG_PAGES,
    request_body(content = SignIn, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: to `next`, with the session cookie."),
        (status = 401, description = "Wrong password: the form again.", content_type = "text/html", body = String),
        (status = 400, description = "Not a form.", body = crate::openapi::ErrorBody),
        (status = 413, description = "The body is over 16 KiB.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn sign_in(
    req: HttpRequest,
    lang: Lang,
    auth: web::Data<Auth>,
    body: web::Form<SignIn>,
) -> HttpResponse {
    let next = next_path(body.next.as_deref());
    let ok = body
        .password
        .as_deref()
        .is_some_and(|p| auth.check_password(p));
    if !ok {
        // Slows down guessing without holding a worker thread.
        tokio::time::sleep(Duration::from_millis(300)).await;
        tracing::warn!(peer = ?req.peer_addr(), "failed staff sign-in");
        return form(&req, lang, &next, true);
    }
    let cookie = auth.session_cookie(is_tls(&req));
    // `next_path` leaves only what a header can carry; the console otherwise all the same.
    let location = HeaderValue::from_str(&next)
        .unwrap_or_else(|_| HeaderValue::from_static("/api/tickets/staff"));
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .cookie(cookie)
        .finish()
}

/// Signs staff out (clears the session cookie).
#[utoipa::path(
    post,
    path = "/api/logout",
    tag = crate::openapi::TAG_PAGES,
    responses((status = 303, description = "To the sign-in page, without the session cookie."))
)]
pub async fn sign_out(req: HttpRequest) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/api/login"))
        .cookie(Auth::logout_cookie(is_tls(&req)))
        .finish()
}
