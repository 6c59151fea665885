//! The role each route requires ([`Access`]), checked before its handler runs, and the
//! audit line every staff action leaves.
//!
//! The route table (`routes.rs`) gives each method of each path its [`Access`]; [`require`]
//! answers 401 (pages: to the sign-in page) without a signed-in account, 403 when the
//! account's role is not enough, 503 when the store cannot tell. After an unsafe request
//! that succeeded, it queues for the audit log who did what, at which desk, from which
//! address (the [`AuditWriter`](super::AuditWriter) writes it just after the answer); a
//! handler adds the details with [`note_audit`].

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use tickets_core::{AuditEntry, DeskId, QueueBackend, Role};

use super::Auth;
use super::caller::{Caller, Identity, SignInFirst, identity};
use crate::api::error::ApiError;
use crate::lang::Lang;
use crate::state::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// An account with at least this role; JSON errors otherwise.
    Api(Role),
    /// An account with at least this role; a page otherwise (the sign-in page when no one
    /// is signed in).
    Page(Role),
}

impl Access {
    /// The role required, if any.
    pub fn role(self) -> Option<Role> {
        match self {
            Access::Public => None,
            Access::Api(r) | Access::Page(r) => Some(r),
        }
    }

    /// `public`, `agent`, `manager` or `admin`: who may call, in the route table of the
    /// documentation.
    pub fn label(self) -> &'static str {
        self.role().map_or("public", Role::as_str)
    }
}

/// What a handler tells the audit log about the action it did: a more precise action name
/// than the route's, the desk, and a detail (the ticket, the account changed, …).
#[derive(Debug, Clone, Default)]
pub struct AuditNote {
    /// The action (`a-z0-9._-`), instead of the one named after the route.
    pub action: Option<&'static str>,
    /// The desk it was done at.
    pub desk: Option<DeskId>,
    /// What it concerned, for people.
    pub detail: String,
}

/// Notes what the current request did, for its audit line.
pub fn note_audit(req: &HttpRequest, note: AuditNote) {
    req.extensions_mut().insert(note);
}

/// The action named after a route: `/api/tickets/call-next` → `tickets.call-next`,
/// `/api/config` → `config`.
fn route_action(pattern: &str) -> String {
    let path = pattern.strip_prefix("/api/").unwrap_or(pattern);
    let mut action: String = path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .collect::<Vec<_>>()
        .join(".");
    action.retain(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    action.truncate(48);
    if action.is_empty() {
        action.push_str("request");
    }
    action
}

/// Checks `access` for the request, runs the handler, and audits a successful unsafe
/// request made by an account.
pub async fn require<B: QueueBackend>(
    access: Access,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Public routes look the caller up only if their handler asks; sign-in and sign-out
    // write their own audit lines.
    if access == Access::Public {
        return next.call(req).await;
    }
    let found = identity(req.request()).await;
    if let Some(required) = access.role() {
        let refusal = match &found {
            Identity::Caller(c) if c.may(required) => None,
            Identity::Caller(c) => match access {
                Access::Page(_) => Some(denied_page(req.request(), c, required)),
                _ => {
                    let (fr, en) = role_words(required);
                    let err = ApiError::forbidden(required.as_str(), fr, en);
                    return Ok(req.error_response(err));
                }
            },
            Identity::Anonymous => match access {
                Access::Page(_) => {
                    let back = SignInFirst::back_to(req.request());
                    return Ok(req.error_response(back));
                }
                _ => return Ok(req.error_response(ApiError::unauthorized())),
            },
            Identity::Unknown => match access {
                Access::Page(_) => Some(crate::pages::unavailable_page(
                    req.request(),
                    Lang::of(req.request()),
                )),
                _ => return Ok(req.error_response(ApiError::unavailable())),
            },
        };
        if let Some(res) = refusal {
            return Ok(req.into_response(res));
        }
    }
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let res = next.call(req).await?;
    if let (true, Identity::Caller(caller)) = (unsafe_method, found) {
        let status = res.status();
        if status.is_success() || status.is_redirection() {
            record::<B>(res.request(), &caller);
        }
    }
    Ok(res)
}

/// The 403 page: the caller's role is not enough.
fn denied_page(req: &HttpRequest, caller: &Caller, required: Role) -> actix_web::HttpResponse {
    let lang = Lang::of(req);
    let (fr, en) = role_words(required);
    let text = match lang {
        Lang::Fr => format!(
            "Cette page est réservée aux {fr}. Vous êtes connecté en tant que {} ({}).",
            caller.display_name,
            role_words(caller.role).0
        ),
        Lang::En => format!(
            "This page is for {en}. You are signed in as {} ({}).",
            caller.display_name,
            role_words(caller.role).1
        ),
    };
    crate::pages::error_page(
        req,
        lang,
        StatusCode::FORBIDDEN,
        lang.t("Accès réservé", "Access restricted"),
        &text,
    )
}

/// A role in words, plural (`agents`, `managers`, `administrators`), French and English.
pub(crate) fn role_words(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Agent => ("agents", "agents"),
        Role::Manager => ("responsables", "managers"),
        Role::Admin => ("administrateurs", "administrators"),
    }
}

/// Queues the audit line of a successful staff action, without waiting for the store; a
/// store that does not answer loses the line, never the action (the log says so).
fn record<B: QueueBackend>(req: &HttpRequest, caller: &Caller) {
    let Some(auth) = req.app_data::<web::Data<Auth>>() else {
        return;
    };
    let note = req
        .extensions()
        .get::<AuditNote>()
        .cloned()
        .unwrap_or_default();
    let action = match note.action {
        Some(a) => a.to_owned(),
        None => route_action(req.match_pattern().as_deref().unwrap_or(req.path())),
    };
    let client = req
        .app_data::<web::Data<AppState<B>>>()
        .map(|s| s.clients.address(req));
    let entry = match AuditEntry::new(chrono::Utc::now(), action, note.detail) {
        Ok(e) => e.by(caller.username.clone(), caller.role),
        Err(e) => {
            tracing::error!(error = %e, "an audit line was not valid");
            return;
        }
    };
    let entry = match note.desk.or_else(|| caller.desk.clone()) {
        Some(desk) => entry.at_desk(desk),
        None => entry,
    };
    let entry = match client {
        Some(ip) => entry.from_client(ip),
        None => entry,
    };
    auth.audit_writer().record(entry);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_named_after_their_route() {
        assert_eq!(route_action("/api/tickets/call-next"), "tickets.call-next");
        assert_eq!(route_action("/api/config"), "config");
        assert_eq!(
            route_action("/api/accounts/{username}/role"),
            "accounts.role"
        );
        assert_eq!(route_action("/metrics"), "metrics");
        assert_eq!(route_action("/"), "request");
        assert!(AuditEntry::new(chrono::Utc::now(), route_action("/api/x/{y}/Z"), "").is_ok());
    }

    #[test]
    fn access_says_who_may_call() {
        assert_eq!(Access::Public.label(), "public");
        assert_eq!(Access::Api(Role::Manager).label(), "manager");
        assert_eq!(Access::Page(Role::Agent).role(), Some(Role::Agent));
    }
}
