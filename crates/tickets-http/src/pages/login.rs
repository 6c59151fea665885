//! Staff sign-in: `GET /api/login` shows the form, `POST /api/login` checks the password
//! and sets the session cookie, `POST /api/logout` removes it.

use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::{Nav, Page, html_response};
use crate::auth::{Auth, is_tls, safe_next};
use crate::lang::Lang;

/// The sign-in query and form.
#[derive(Debug, Deserialize)]
pub struct SignIn {
    password: Option<String>,
    next: Option<String>,
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

/// `GET /api/login[?next=]`
pub async fn page(req: HttpRequest, lang: Lang, query: web::Query<SignIn>) -> HttpResponse {
    form(&req, lang, &safe_next(query.next.as_deref()), false)
}

/// `POST /api/login`: 303 to `next` with the session cookie, or the form again (401).
pub async fn sign_in(
    req: HttpRequest,
    lang: Lang,
    auth: web::Data<Auth>,
    body: web::Form<SignIn>,
) -> HttpResponse {
    let next = safe_next(body.next.as_deref());
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
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .cookie(cookie)
        .finish()
}

/// `POST /api/logout`
pub async fn sign_out(req: HttpRequest) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/api/login"))
        .cookie(Auth::logout_cookie(is_tls(&req)))
        .finish()
}
