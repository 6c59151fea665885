//! Staff sign-in: `GET /api/login` shows the form, `POST /api/login` checks the account
//! and password and opens a session (its id in the cookie), `POST /api/logout` ends it.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;
use tickets_core::{AccountStore, AuditEntry, DeskId, OfficeConfig, QueueBackend, SessionId};

use super::staff::DESK_COOKIE;
use super::{Nav, Page, desk_name, html_response, unavailable_page};
use crate::auth::{Auth, SESSION_COOKIE, SignInError, SignInRequest, is_tls, safe_next};
use crate::lang::Lang;
use crate::state::AppState;

/// The sign-in query and form.
#[derive(Debug, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignIn {
    /// The account (form only; `admin` when absent or empty).
    #[param(ignore)]
    username: Option<String>,
    /// The password (form only).
    #[param(ignore)]
    password: Option<String>,
    /// The desk to sit at (form only; the account's desk when absent or empty).
    #[param(ignore)]
    desk: Option<String>,
    /// Where to go once signed in (a local path).
    next: Option<String>,
}

/// Where to go once signed in: `next` when it is a local path of the server (under
/// `/api/`: one leading `/`, no `//`, no backslash) without any control character (which
/// a `Location` header cannot carry, and which could split it), else the console.
fn next_path(next: Option<&str>) -> String {
    safe_next(next.filter(|n| !n.chars().any(char::is_control)))
}

/// Why the form is shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    Wrong,
    Throttled(u64),
    BadDesk,
}

/// What the form shows again after a failure.
struct Filled<'a> {
    username: &'a str,
    desk: &'a str,
}

fn desk_field(l: Lang, office: &OfficeConfig, chosen: &str, bad: bool) -> Markup {
    let described = bad.then_some("desk-error");
    html! {
        label for="desk" { (l.t("Guichet", "Desk")) }
        @if office.desks.is_empty() {
            input type="text" id="desk" name="desk" value=(chosen) inputmode="text"
                autocomplete="off" maxlength="32" aria-describedby=[described]
                placeholder=(l.t("celui de votre compte", "your account's desk"));
        } @else {
            select id="desk" name="desk" aria-describedby=[described] {
                option value="" selected[chosen.is_empty()] { (l.t("Celui de mon compte", "My account's desk")) }
                @for d in &office.desks {
                    option value=(d.id) selected[chosen == d.id.as_str()] { (desk_name(l, office, &d.id)) }
                }
            }
        }
        @if bad {
            p class="field-error" id="desk-error" { (l.t("Ce guichet n'existe pas.", "There is no such desk.")) }
        }
    }
}

fn form(
    req: &HttpRequest,
    lang: Lang,
    office: &OfficeConfig,
    next: &str,
    filled: &Filled<'_>,
    failure: Option<Failure>,
) -> HttpResponse {
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
    let status = match failure {
        None => StatusCode::OK,
        Some(Failure::Wrong) => StatusCode::UNAUTHORIZED,
        Some(Failure::Throttled(_)) => StatusCode::TOO_MANY_REQUESTS,
        Some(Failure::BadDesk) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let message = match failure {
        Some(Failure::Wrong) => Some(
            l.t(
                "Identifiant ou mot de passe incorrect.",
                "Wrong username or password.",
            )
            .to_owned(),
        ),
        Some(Failure::Throttled(s)) => {
            let minutes = s.div_ceil(60);
            Some(match l {
                Lang::Fr => format!(
                    "Trop d'essais manqués. Réessayez dans {minutes} min, ou demandez à un administrateur."
                ),
                Lang::En => format!(
                    "Too many failed attempts. Try again in {minutes} min, or ask an administrator."
                ),
            })
        }
        _ => None,
    };
    let error_id = message.is_some().then_some("login-error");
    let mut res = html_response(
        status,
        page.render(html! {
            section class="card narrow" {
                h1 { (l.t("Connexion du personnel", "Staff sign-in")) }
                @if let Some(m) = &message {
                    p class="notice notice-warn" role="alert" id="login-error" { (m) }
                }
                form method="post" action="/api/login" class="stack" {
                    input type="hidden" name="next" value=(next);
                    label for="username" { (l.t("Identifiant", "Username")) }
                    input type="text" id="username" name="username" value=(filled.username)
                        autocomplete="username" autocapitalize="none" spellcheck="false"
                        maxlength="32" placeholder="admin" autofocus[filled.username.is_empty()]
                        aria-describedby=[error_id];
                    label for="password" { (l.t("Mot de passe", "Password")) }
                    input type="password" id="password" name="password" required autocomplete="current-password"
                        autofocus[!filled.username.is_empty()] aria-describedby=[error_id];
                    (desk_field(l, office, filled.desk, failure == Some(Failure::BadDesk)))
                    button type="submit" class="button button-primary" { (l.t("Se connecter", "Sign in")) }
                }
                p class="hint" { (l.t("Réservé au personnel. Votre compte vous est donné par un administrateur.", "For staff only. An administrator gives you your account.")) }
            }
        }),
    );
    if let Some(Failure::Throttled(s)) = failure
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
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
pub async fn page<B: QueueBackend>(
    req: HttpRequest,
    lang: Lang,
    state: web::Data<AppState<B>>,
    query: web::Query<SignIn>,
) -> HttpResponse {
    let office = state.queue.office();
    let empty = Filled {
        username: "",
        desk: "",
    };
    form(
        &req,
        lang,
        &office,
        &next_path(query.next.as_deref()),
        &empty,
        None,
    )
}

/// Signs staff in.
///
/// `POST /api/login`: 303 to `next` with the session cookie `tickets_staff` (the session's
/// id only), or the form again: 401 after a wrong username or password, 429 with
/// `Retry-After` after too many failures lately from this address or for this account,
/// 422 for a desk that does not exist.
#[utoipa::path(
    post,
    operation_id = "sign_in",
    path = "/api/login",
    tag = crate::openapi::TAG_PAGES,
    request_body(content = SignIn, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: to `next`, with the session cookie."),
        (status = 401, description = "Wrong username or password: the form again.", content_type = "text/html", body = String),
        (status = 422, description = "No such desk: the form again.", content_type = "text/html", body = String),
        (status = 429, description = "Too many failed sign-ins lately from this address or for this account: the form again; `Retry-After` says when to try again.", content_type = "text/html", body = String,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 400, description = "Not a form.", body = crate::openapi::ErrorBody),
        (status = 413, description = "The body is over 16 KiB.", body = crate::openapi::ErrorBody),
        (status = 503, description = "The store does not answer.", content_type = "text/html", body = String),
    )
)]
pub async fn sign_in<B: QueueBackend>(
    req: HttpRequest,
    lang: Lang,
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
    body: web::Form<SignIn>,
) -> HttpResponse {
    let next = next_path(body.next.as_deref());
    let username = body.username.as_deref().unwrap_or("").trim();
    let desk_text = body.desk.as_deref().unwrap_or("").trim();
    let filled = Filled {
        username,
        desk: desk_text,
    };
    let desk = match desk_text {
        "" => None,
        d => {
            let office = state.queue.office();
            match DeskId::parse(d) {
                Ok(d) if office.desks.is_empty() || office.desk(&d).is_some() => Some(d),
                _ => return form(&req, lang, &office, &next, &filled, Some(Failure::BadDesk)),
            }
        }
    };
    let client = state.clients.address(&req);
    let attempt = SignInRequest {
        username: Some(username.to_owned()),
        password: body.password.clone().unwrap_or_default(),
        desk,
        client,
    };
    let (session, account) = match auth.sign_in(attempt).await {
        Ok(done) => done,
        Err(SignInError::Wrong) => {
            let office = state.queue.office();
            return form(&req, lang, &office, &next, &filled, Some(Failure::Wrong));
        }
        Err(SignInError::Throttled(s)) => {
            let office = state.queue.office();
            return form(
                &req,
                lang,
                &office,
                &next,
                &filled,
                Some(Failure::Throttled(s)),
            );
        }
        Err(SignInError::Store(e)) => {
            tracing::warn!(error = %e, "cannot sign in: the store does not answer");
            return unavailable_page(&req, lang);
        }
    };
    let entry = AuditEntry::new(chrono::Utc::now(), "sign-in", "").map(|e| {
        e.by(account.username.clone(), account.role)
            .from_client(client)
    });
    if let Ok(mut entry) = entry {
        entry.desk = session.desk.clone();
        if let Err(e) = auth.accounts().record_audit(&entry).await {
            tracing::error!(error = %e, "the audit line of a sign-in was lost");
        }
    }
    let secure = is_tls(&req);
    // `next_path` leaves only what a header can carry; the console otherwise all the same.
    let location = HeaderValue::from_str(&next)
        .unwrap_or_else(|_| HeaderValue::from_static("/api/tickets/staff"));
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, location))
        .cookie(Auth::session_cookie(&session.id, secure));
    if let Some(desk) = &session.desk {
        // The console opens at the desk chosen.
        res.cookie(
            Cookie::build(DESK_COOKIE, desk.to_string())
                .path("/api/")
                .same_site(SameSite::Strict)
                .http_only(true)
                .secure(secure)
                .max_age(CookieDuration::days(365))
                .finish(),
        );
    }
    res.finish()
}

/// Signs staff out: ends the session in the store (on every server) and clears the cookie.
#[utoipa::path(
    post,
    path = "/api/logout",
    tag = crate::openapi::TAG_PAGES,
    responses((status = 303, description = "To the sign-in page, without the session cookie."))
)]
pub async fn sign_out<B: QueueBackend>(
    req: HttpRequest,
    state: web::Data<AppState<B>>,
    auth: web::Data<Auth>,
) -> HttpResponse {
    let id = req
        .cookie(SESSION_COOKIE)
        .and_then(|c| SessionId::parse(c.value()).ok());
    if let Some(id) = id {
        let who = crate::auth::caller(&req).await;
        match auth.sign_out(&id).await {
            Ok(_) => {
                if let Some(c) = who {
                    let client = state.clients.address(&req);
                    if let Ok(entry) = AuditEntry::new(chrono::Utc::now(), "sign-out", "") {
                        let entry = entry.by(c.username, c.role).from_client(client);
                        if let Err(e) = auth.accounts().record_audit(&entry).await {
                            tracing::error!(error = %e, "the audit line of a sign-out was lost");
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot end a session: the store does not answer"),
        }
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/api/login"))
        .cookie(Auth::logout_cookie(is_tls(&req)))
        .finish()
}
