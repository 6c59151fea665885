//! The office configuration: `GET /api/config` and `PUT /api/config` (staff).
//!
//! One versioned document (services, priority classes, desks, settings) kept in the store;
//! the core validates it as a whole and refuses a change that would lose a waiting ticket.
//! Handlers only parse, call the core and shape the answer.
//!
//! Also where code that does not know the backend type finds the office in force
//! ([`in_force`]): the page layout (the office's name) and the language of a request (the
//! languages offered).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use tickets_core::{OfficeConfig, QueueBackend, Role};

use super::error::ApiError;
use super::{read_body, refusal};
use crate::auth::Staff;
use crate::openapi::{ErrorBody, TAG_OFFICE, Unavailable};
use crate::state::{AppState, OfficeSource};

/// The largest configuration accepted (64 services, classes and desks fit well within).
pub const CONFIG_BODY_LIMIT: usize = 256 * 1024;

/// The `ETag` of a version: `"3"`.
fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// The answer carrying `office` and its `ETag`. It always has `settings` (the stored
/// document leaves out the default ones).
fn answer(office: &OfficeConfig) -> HttpResponse {
    let mut body = serde_json::to_value(office).unwrap_or_default();
    if let Some(fields) = body.as_object_mut() {
        fields
            .entry("settings")
            .or_insert_with(|| serde_json::to_value(&office.settings).unwrap_or_default());
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(office.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// The office a handler put on its request ([`set_in_force`]).
#[derive(Clone)]
struct InForce(Arc<OfficeConfig>);

/// Puts `office` on `req` as the one in force, for what renders the request without the
/// state ([`in_force`]): a page handler does so before rendering, whatever its backend.
pub fn set_in_force(req: &HttpRequest, office: Arc<OfficeConfig>) {
    req.extensions_mut().insert(InForce(office));
}

/// The office configuration in force for `req`, for code that does not know the backend
/// type (the `Lang` extractor, the page layout): the one a handler put on the request
/// ([`set_in_force`]), else the application's ([`OfficeSource`], whatever its backend).
/// `None` outside an application: the office's settings are then not applied (no name,
/// both languages).
pub fn in_force(req: &HttpRequest) -> Option<Arc<OfficeConfig>> {
    if let Some(InForce(office)) = req.extensions().get::<InForce>() {
        return Some(office.clone());
    }
    req.app_data::<web::Data<OfficeSource>>()
        .map(|source| source.office())
}

/// The version an `If-Match` header expects: `"3"`, `W/"3"` or `3`; `*` (or no header)
/// expects none.
pub fn if_match(req: &HttpRequest) -> Result<Option<u64>, ApiError> {
    let Some(v) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::invalid_field(
            "If-Match",
            "L'en-tête If-Match donne la version lue, par exemple If-Match: \"3\" (l'ETag de GET /api/config).",
            "The If-Match header gives the version read, e.g. If-Match: \"3\" (the ETag of GET /api/config).",
        )
    };
    let text = v.to_str().map_err(|_| bad())?.trim();
    if text == "*" {
        return Ok(None);
    }
    let text = text.strip_prefix("W/").unwrap_or(text);
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    text.parse().map(Some).map_err(|_| bad())
}

/// The office configuration in force (staff).
///
/// `GET /api/config`: services, priority classes, desks and settings (the office's name,
/// the kiosk's welcome text, the languages offered), with the `version` of the document (0 for the built-in office: the single service `poste`, any desk), also given
/// as the `ETag` to send back in `If-Match` with a change.
#[utoipa::path(
    get,
    path = "/api/config",
    tag = TAG_OFFICE,
    security(("staff_token" = []), ("staff_session" = [])),
    responses(
        (status = 200, description = "The configuration.", body = OfficeConfig,
         headers(("ETag" = String, description = "The version, quoted: `\"3\"`."))),
        Unavailable,
    )
)]
pub async fn get_config<B: QueueBackend>(
    state: web::Data<AppState<B>>,
    _staff: Staff,
) -> Result<HttpResponse, ApiError> {
    let office = state.queue.reload_office().await?;
    Ok(answer(&office))
}

/// Replaces the office configuration (staff).
///
/// `PUT /api/config`, body: the whole configuration as `GET /api/config` gives it (its
/// `version` is ignored); header `If-Match: "<version>"` optional, to refuse the change
/// (409 `version_conflict`, with the current `version`) when another came first. The
/// document is validated as a whole: 422 `invalid_field` names the field at fault
/// (`service[1].prefix`, `settings.welcome.en`). A service that still has waiting tickets cannot be removed (409
/// `service_in_use`): close it instead (`open: false`); its tickets stay callable. Every
/// server applies the new version within a second.
#[utoipa::path(
    put,
    path = "/api/config",
    tag = TAG_OFFICE,
    security(("staff_token" = []), ("staff_session" = [])),
    params(
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[0-9]{1,19}"|[0-9]{1,19})$"#,
         description = "The version the change is based on: `\"3\"` (the `ETag` of `GET /api/config`) or `3`; `*` or none for any."),
    ),
    request_body(content = OfficeConfig, content_type = "application/json"),
    responses(
        (status = 200, description = "The configuration stored, with its new version.", body = OfficeConfig,
         headers(("ETag" = String, description = "The new version, quoted."))),
        (status = 400, description = "The body is not JSON (`malformed_json`, `invalid_utf8`), or the Host is not allowed.", body = ErrorBody),
        (status = 403, description = "The body changes the office's settings (name, welcome text, languages) and the caller is not an administrator (`forbidden`, `required_role` `admin`); a body without `settings` keeps them.", body = ErrorBody),
        (status = 409, description = "Another change came first (`version_conflict`, with the current `version`), or a removed service still has waiting tickets (`service_in_use`, with `service` and `waiting`).", body = ErrorBody),
        (status = 413, description = "The body is over 256 KiB.", body = ErrorBody),
        (status = 422, description = "The configuration breaks a rule (`invalid_field`; `field` names it, e.g. `service[1].prefix`).", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn put_config<B: QueueBackend>(
    state: web::Data<AppState<B>>,
    staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let expected = if_match(&req)?;
    let body = read_body(&req, payload, CONFIG_BODY_LIMIT).await?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::invalid_utf8())?;
    let mut office: OfficeConfig = serde_json::from_str(text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            ApiError::malformed_json(e)
        } else {
            ApiError::invalid_field(
                "body",
                format!("Configuration invalide : {e}"),
                format!("Invalid configuration: {e}"),
            )
        }
    })?;
    // The office's settings are an administrator's: a body without them keeps them, and
    // only an administrator changes them.
    let current = state.queue.office();
    let has_settings = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
        .is_ok_and(|m| m.contains_key("settings"));
    if !has_settings {
        office.settings = current.settings.clone();
    } else if office.settings != current.settings && !staff.0.may(Role::Admin) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Seul un administrateur change les réglages du bureau (nom, texte d'accueil, langues) : renvoyez-les tels quels, ou sans le champ « settings ».",
            "Only an administrator changes the office's settings (name, welcome text, languages): send them unchanged, or without the \"settings\" field.",
        )
        .with("required_role", "admin"));
    }
    let from = current.version;
    let stored = crate::office_change::replace(&state, office, expected)
        .await
        .map_err(|e| refusal(&state, e))?;
    crate::auth::note_audit(
        &req,
        crate::auth::AuditNote {
            action: Some("office.update"),
            desk: None,
            detail: format!("version {from} → {}", stored.version),
        },
    );
    Ok(answer(&stored))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn if_match_takes_a_quoted_or_bare_version() {
        let with = |v: &str| {
            if_match(
                &TestRequest::default()
                    .insert_header((header::IF_MATCH, v))
                    .to_http_request(),
            )
        };
        assert_eq!(with("\"3\"").unwrap(), Some(3));
        assert_eq!(with("3").unwrap(), Some(3));
        assert_eq!(with("W/\"12\"").unwrap(), Some(12));
        assert_eq!(with("*").unwrap(), None);
        assert!(with("").is_err());
        assert_eq!(with("\"three\"").unwrap_err().status.as_u16(), 422);
        assert_eq!(
            if_match(&TestRequest::default().to_http_request()).unwrap(),
            None
        );
    }
}
