//! The OpenAPI 3.1 document of the server, generated from the handlers' `#[utoipa::path]`
//! annotations and the types they answer, served at `/api/openapi.json`, and its docs UI
//! (Swagger UI, vendored in the binary: no CDN) at `/api/docs/`.
//!
//! What the middleware does for every route (the `lang` parameter, the Host and Origin
//! checks) is added here once, by [`Common`]. The route-coverage test checks the document
//! against [`crate::routes::route_list`].

use std::sync::{Arc, OnceLock};

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use serde::Serialize;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, Required, Type};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::Config;

use crate::api::error::ApiError;
use crate::auth::SESSION_COOKIE;

/// Tag of what customers and screens use.
pub const TAG_PUBLIC: &str = "public";
/// Tag of the desk actions (staff).
pub const TAG_DESK: &str = "desk";
/// Tag of the day's management (staff).
pub const TAG_DAY: &str = "day";
/// Tag of the HTML pages and their forms.
pub const TAG_PAGES: &str = "pages";
/// Tag of probes, metrics and this document.
pub const TAG_OPS: &str = "operations";
/// Tag of the office configuration (staff).
pub const TAG_OFFICE: &str = "office";

/// Every error answer: a stable code and a message in the request's language, sometimes
/// with more fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code (`invalid_field`, `day_closed`, `store_unavailable`, …).
    error: String,
    /// What went wrong, for people, in French or English (`?lang=`, `Accept-Language`).
    message: String,
    /// The field at fault (`invalid_field`).
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// The methods the path answers (`method_not_allowed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    allow: Option<String>,
    /// The largest body accepted (`payload_too_large`).
    #[serde(skip_serializing_if = "Option::is_none")]
    limit_bytes: Option<u64>,
    /// `true` when the day is closed (the original field).
    #[serde(skip_serializing_if = "Option::is_none")]
    closed: Option<bool>,
    /// The service concerned (`unknown_service`, `priority_not_offered`, `service_closed`,
    /// `daily_limit_reached`, `service_in_use`).
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<String>,
    /// The priority class asked (`unknown_priority`).
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<String>,
    /// The desk concerned (`unknown_desk`).
    #[serde(skip_serializing_if = "Option::is_none")]
    desk: Option<String>,
    /// The ticket concerned (`wrong_status`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    ticket: Option<u64>,
    /// Where that ticket is in its life (`wrong_status`).
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<tickets_core::TicketStatus>,
    /// The configuration version now stored (`version_conflict`).
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
    /// How many tickets still wait for the service (`service_in_use`).
    #[serde(skip_serializing_if = "Option::is_none")]
    waiting: Option<u64>,
    /// The role the operation requires, which the caller's account lacks (`forbidden`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^(agent|manager|admin)$")]
    required_role: Option<String>,
    /// The permission the caller's account lacks (`forbidden`): `call_out_of_order`.
    #[serde(skip_serializing_if = "Option::is_none")]
    required: Option<String>,
}

/// The errors of an operation that reads an optional JSON body.
#[derive(utoipa::IntoResponses)]
pub enum BodyErrors {
    /// The body is not JSON (or not UTF-8).
    #[response(status = 400)]
    Malformed(ErrorBody),
    /// The body is over 16 KiB.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// A field breaks its rule (`field` names it).
    #[response(status = 422)]
    Invalid(ErrorBody),
}

/// The store does not answer (Redis down or failing over): `store_unavailable`; try again
/// in a moment. The server recovers by itself when the store is back.
#[derive(utoipa::IntoResponses)]
#[response(status = 503)]
pub struct Unavailable(pub ErrorBody);

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "tickets",
        description = "A real-time ticket queue for post offices and other counters: take a \
            ticket, follow it, call it to a desk, finish it; open, close and reset the day; \
            watch it live.\n\nStaff operations take the session cookie of `/api/login`, an \
            account's API token (`Authorization: Bearer tkt_…`, with that account's role) or, \
            when `TICKETS_API_TOKEN` is set, that token (an administrator's). Each operation \
            that needs a role says which in `x-required-role` (`agent` < `manager` < `admin`): \
            401 without valid credentials, 403 `forbidden` when the role is too low. Errors are \
            `{\"error\", \"message\"}` in French by default, in English with `?lang=en` or \
            `Accept-Language: en`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        crate::api::tickets::take,
        crate::api::tickets::status,
        crate::api::tickets::ticket,
        crate::live::stream::events,
        crate::api::desk::call_next,
        crate::api::desk::call,
        crate::api::desk::transfer,
        crate::api::desk::requeue,
        crate::api::leave::leave,
        crate::api::push::key,
        crate::api::push::subscribe,
        crate::api::push::unsubscribe,
        crate::api::desk::finish_current,
        crate::api::desk::recall,
        crate::api::desk::no_show,
        crate::api::tickets::snapshot,
        crate::api::day::start_day,
        crate::api::day::end_day,
        crate::api::day::reset_day,
        crate::api::office::get_config,
        crate::api::office::put_config,
        crate::api::accounts::list,
        crate::api::accounts::create,
        crate::api::accounts::update,
        crate::api::accounts::password,
        crate::api::accounts::revoke_sessions,
        crate::api::tokens::list,
        crate::api::tokens::create,
        crate::api::tokens::revoke,
        crate::api::webhooks::list,
        crate::api::webhooks::create,
        crate::api::webhooks::delete,
        crate::api::webhooks::deliveries,
        crate::api::webhooks::resend,
        crate::api::reports::report,
        crate::api::reports::tickets_csv,
        crate::api::audit::list,
        crate::api::audit::csv,
        crate::pages::admin::accounts::page,
        crate::pages::admin::accounts::act,
        crate::pages::admin::tokens::page,
        crate::pages::admin::tokens::act,
        crate::pages::admin::webhooks::page,
        crate::pages::admin::webhooks::act,
        crate::pages::admin::audit::page,
        crate::pages::reports::page,
        crate::pages::office_editor::page,
        crate::pages::office_editor::save,
        crate::pages::kiosk::page,
        crate::pages::kiosk::take,
        crate::pages::enroll::link,
        crate::pages::enroll::by_staff,
        crate::pages::follow::page,
        crate::pages::follow::leave,
        crate::pages::door::page,
        crate::pages::display::page,
        crate::pages::staff::page,
        crate::pages::staff::act,
        crate::pages::dashboard::page,
        crate::pages::login::page,
        crate::pages::login::sign_in,
        crate::pages::login::sign_out,
        crate::routes::root,
        crate::assets::serve,
        crate::api::health::healthz,
        crate::api::health::readyz,
        crate::metrics::render,
        document,
        docs_root,
        docs_file,
    ),
    components(schemas(
        ErrorBody,
        tickets_core::IdempotencyKey,
        tickets_core::TicketNumber,
        tickets_core::BusinessDay,
        tickets_core::DeskId,
        crate::api::tickets::PublicTicket<'_>,
    )),
    modifiers(&Common),
    tags(
        (name = TAG_PUBLIC, description = "Customers, kiosks and screens: no sign-in."),
        (name = TAG_DESK, description = "What a desk does (staff)."),
        (name = TAG_DAY, description = "The day: open, close, reset, snapshot (staff)."),
        (name = TAG_PAGES, description = "The HTML pages and their forms."),
        (name = TAG_OFFICE, description = "The office: services, priority classes and desks (staff)."),
        (name = crate::api::reports::TAG_REPORTS, description = "Reports on the history of past days and today (managers)."),
        (name = crate::api::accounts::TAG_ACCOUNTS, description = "Staff accounts and API tokens (administrators), the audit log (managers)."),
        (name = crate::api::webhooks::TAG_WEBHOOKS, description = "Webhooks: URLs that receive the queue's events, signed (administrators)."),
        (name = TAG_OPS, description = "Probes, metrics and this document."),
    )
)]
pub struct ApiDoc;

/// What the middleware adds to every operation, and the security schemes.
pub struct Common;

impl Modify for Common {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "staff_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An account's API token (`tkt_…`), acting with that account's role, or \
                         `TICKETS_API_TOKEN` (an administrator's).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "staff_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The session cookie that signing in at `/api/login` sets.",
            ))),
        );
        for (path, item) in api.paths.paths.iter_mut() {
            let probe = crate::auth::is_probe(path);
            let ops = [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ];
            for (op, unsafe_method) in ops {
                if let Some(op) = op.as_mut() {
                    add_common(op, unsafe_method, probe);
                }
            }
        }
    }
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(Ref::from_schema_name(ErrorBody::name()))))
                .build(),
        )
        .build()
        .into()
}

fn add_common(op: &mut Operation, unsafe_method: bool, probe: bool) {
    let lang = Parameter::builder()
        .name("lang")
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(
            "The language of messages and pages: `fr` (default) or `en`; remembered in a \
             cookie. Other values are ignored.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    op.parameters.get_or_insert_with(Vec::new).push(lang.into());
    let responses = &mut op.responses.responses;
    if !probe {
        responses
            .entry("400".into())
            .or_insert_with(|| error_response("The Host is not one of `TICKETS_ALLOWED_HOSTS`."));
    }
    if unsafe_method {
        responses.entry("403".into()).or_insert_with(|| {
            error_response("Refused: the request comes from another site (`Origin`).")
        });
    }
    let staff = op.security.as_ref().is_some_and(|s| !s.is_empty());
    if staff && !responses.contains_key("303") {
        responses.entry("401".into()).or_insert_with(|| {
            error_response("Staff only: no valid session cookie or Bearer token.")
        });
    }
}

/// The document as JSON, built once.
pub fn document_json() -> &'static Bytes {
    static DOC: OnceLock<Bytes> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        optional_is_not_null(&mut doc);
        office_rules(&mut doc);
        required_roles(&mut doc);
        Bytes::from(doc.to_string())
    })
}

/// The document as a JSON value.
pub fn document_value() -> serde_json::Value {
    serde_json::from_slice(document_json()).unwrap_or_default()
}

/// An optional parameter or body (a Rust `Option`) can be left out, but it cannot be
/// `null`: a query string or a header has no null. Drops the `null` alternative utoipa
/// writes for them.
fn optional_is_not_null(doc: &mut serde_json::Value) {
    use serde_json::Value;
    fn strip(schema: &mut Value) {
        if let Some(Value::Array(types)) = schema.get_mut("type") {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let only = types[0].take();
                schema["type"] = only;
            }
        }
        let one_of = schema.get_mut("oneOf").and_then(Value::as_array_mut);
        if let Some(alternatives) = one_of {
            alternatives.retain(|a| a.get("type").is_none_or(|t| t != "null"));
            if alternatives.len() == 1 {
                let only = alternatives[0].take();
                *schema = only;
            }
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for op in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            for p in params {
                if let Some(schema) = p.get_mut("schema") {
                    strip(schema);
                }
            }
        }
        if let Some(content) = op
            .pointer_mut("/requestBody/content")
            .and_then(Value::as_object_mut)
        {
            for media in content.values_mut() {
                if let Some(schema) = media.get_mut("schema") {
                    strip(schema);
                }
            }
        }
    }
}

/// The rules of an office configuration that a schema can say (`OfficeConfig::validate`
/// checks them, and those across fields: unique codes, prefixes and desk ids, desks naming
/// known services), added to the schemas derived from the core types.
fn office_rules(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let code = json!({"pattern": "^[a-z0-9_-]{1,32}$", "minLength": 1, "maxLength": 32});
    let name = json!({
        "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$",
        "minLength": 1,
        "maxLength": 64,
    });
    let rules = [
        (
            "OfficeConfig",
            "services",
            json!({"minItems": 1, "maxItems": 64}),
        ),
        ("OfficeConfig", "priorities", json!({"maxItems": 64})),
        ("OfficeConfig", "desks", json!({"maxItems": 64})),
        ("ServiceConfig", "code", code.clone()),
        (
            "ServiceConfig",
            "prefix",
            json!({"pattern": "^[A-Z]{0,3}$", "maxLength": 3}),
        ),
        (
            "ServiceConfig",
            "target_wait_minutes",
            json!({"minimum": 1, "maximum": 1440}),
        ),
        (
            "ServiceConfig",
            "max_wait_minutes",
            json!({"minimum": 1, "maximum": 1440}),
        ),
        (
            "ServiceConfig",
            "daily_limit",
            json!({"minimum": 1, "maximum": 999_999}),
        ),
        ("PriorityClass", "code", code.clone()),
        (
            "PriorityClass",
            "weight",
            json!({"minimum": 1, "maximum": 1000}),
        ),
        (
            "DeskConfig",
            "id",
            json!({"pattern": "^[A-Za-z0-9_-]{1,16}$", "minLength": 1, "maxLength": 16}),
        ),
        (
            "DeskConfig",
            "services",
            json!({"minItems": 1, "maxItems": 64, "uniqueItems": true, "items": code}),
        ),
        (
            "DeskConfig",
            "priority_ratio",
            json!({"minimum": 1, "maximum": 1000}),
        ),
        ("Names", "fr", name.clone()),
        ("Names", "en", name),
    ];
    for (schema, field, extra) in rules {
        let property = schemas
            .get_mut(schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{field}")))
            .and_then(Value::as_object_mut);
        if let (Some(property), Value::Object(extra)) = (property, extra) {
            for (k, v) in extra {
                property.insert(k, v);
            }
        }
    }
}

/// `/assets/{path:.*}` → `/assets/{path}`: a route's actix pattern as an OpenAPI path.
fn openapi_path(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let (mut depth, mut regex) = (0usize, false);
    for c in pattern.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ':' if depth == 1 => regex = true,
            _ => {}
        }
        if depth == 0 {
            regex = false;
        }
        if !regex && depth < 2 {
            out.push(c);
        }
    }
    out
}

/// States who may call each operation, from the route table
/// ([`crate::routes::route_access`], which the access check enforces), so that it cannot
/// drift: an operation requiring a role gets `x-required-role`, a sentence at the end of
/// its description, the staff security schemes, and the answers of the check (401, or 303
/// to the sign-in page for a page; 403 `forbidden` when a manager or an administrator is
/// required, every account being at least an agent; 503 when the store cannot tell).
/// Public operations get none of this.
fn required_roles(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    use tickets_core::Role;

    use crate::auth::Access;

    let error = json!({"schema": {"$ref": format!("#/components/schemas/{}", ErrorBody::name())}});
    let html = json!({"schema": {"type": "string"}});
    for (pattern, method, access) in crate::routes::route_access() {
        let Some(role) = access.role() else {
            continue;
        };
        let page = matches!(access, Access::Page(_));
        let Some(op) = doc
            .get_mut("paths")
            .and_then(|paths| paths.get_mut(openapi_path(pattern)))
            .and_then(|item| item.get_mut(method.as_str().to_lowercase()))
            .and_then(Value::as_object_mut)
        else {
            // The route-coverage test reports an undocumented route.
            continue;
        };
        op.insert("x-required-role".into(), role.as_str().into());
        let sentence = format!("Requires the `{role}` role (or higher).");
        let description = match op.get("description").and_then(Value::as_str) {
            Some(d) if d.contains(&sentence) => d.to_owned(),
            Some(d) if !d.trim().is_empty() => format!("{}\n\n{sentence}", d.trim_end()),
            _ => sentence,
        };
        op.insert("description".into(), description.into());
        let secured = op
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty());
        if !secured {
            op.insert(
                "security".into(),
                json!([{"staff_token": []}, {"staff_session": []}]),
            );
        }
        let responses = op
            .entry("responses")
            .or_insert_with(|| json!({}))
            .as_object_mut();
        let Some(responses) = responses else {
            continue;
        };
        let (content_type, content) = if page {
            ("text/html", &html)
        } else {
            ("application/json", &error)
        };
        // Signed out.
        if page {
            responses.entry("303").or_insert_with(|| {
                json!({"description": "Not signed in: to the sign-in page (`/api/login?next=…`)."})
            });
        } else {
            responses.entry("401").or_insert_with(|| {
                json!({
                    "description": "Staff only: no valid session cookie or Bearer token (`unauthorized`).",
                    "content": {"application/json": error.clone()},
                })
            });
        }
        // Signed in with a role too low.
        if role > Role::Agent {
            let why = if page {
                format!("The account's role is below `{role}`: a page that says so.")
            } else {
                format!("The account's role is below `{role}` (`forbidden`, with `required_role`).")
            };
            add_answer(responses, "403", &why, "`forbidden`", content_type, content);
        }
        // The store cannot check the credentials.
        let why = "The store does not answer, so the credentials cannot be checked \
                   (`store_unavailable`).";
        add_answer(responses, "503", why, "store", content_type, content);
    }
}

/// Adds the answer `status` with `description` and `content` to `responses`, or, when the
/// operation already documents that status, the description (unless it mentions `known`)
/// and the content type it lacks.
fn add_answer(
    responses: &mut serde_json::Map<String, serde_json::Value>,
    status: &str,
    description: &str,
    known: &str,
    content_type: &str,
    content: &serde_json::Value,
) {
    use serde_json::{Value, json};
    let answer = responses
        .entry(status)
        .or_insert_with(|| json!({"description": description, "content": {}}));
    let Some(answer) = answer.as_object_mut() else {
        return;
    };
    let known_already = answer
        .get("description")
        .and_then(Value::as_str)
        .is_some_and(|d| d.contains(known) || d == description);
    if !known_already {
        let before = answer
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim_end()
            .to_owned();
        answer.insert(
            "description".into(),
            format!("{before} Or: {description}").into(),
        );
    }
    let media = answer.entry("content").or_insert_with(|| json!({}));
    if let Some(media) = media.as_object_mut() {
        media.entry(content_type).or_insert_with(|| content.clone());
    }
}

/// This document (OpenAPI 3.1).
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = TAG_OPS,
    responses((status = 200, description = "The OpenAPI 3.1 document.", content_type = "application/json", body = Object))
)]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(document_json().clone())
}

/// The docs UI: to `/api/docs/`.
#[utoipa::path(
    get,
    path = "/api/docs",
    tag = TAG_OPS,
    responses((status = 308, description = "To `/api/docs/`."))
)]
pub async fn docs_root() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/api/docs/"))
        .finish()
}

fn swagger_config() -> Arc<Config<'static>> {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            Arc::new(
                Config::new(["/api/openapi.json"])
                    .try_it_out_enabled(true)
                    .display_request_duration(true)
                    // No badge from validator.swagger.io: the page loads nothing from elsewhere.
                    .validator_url("none")
                    // Without the top bar, whose logo is an SVG with an inline `<style>`
                    // that the pages' CSP (`style-src 'self'`) refuses; the bar's address
                    // box has nothing to offer here (one document).
                    .use_base_layout(),
            )
        })
        .clone()
}

/// The docs UI (Swagger UI) and its files.
///
/// `GET /api/docs/` is the page; its scripts and styles are served beside it.
#[utoipa::path(
    get,
    path = "/api/docs/{file}",
    tag = TAG_OPS,
    params(("file" = String, Path, example = "swagger-ui.css", description = "A file of the docs UI; empty for the page.")),
    responses(
        (status = 200, description = "The page or one of its files.", content_type = "*/*", body = String),
        (status = 404, description = "No such file.", body = ErrorBody),
    )
)]
pub async fn docs_file(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let file = file.into_inner();
    let found = utoipa_swagger_ui::serve(&file, swagger_config()).map_err(|e| {
        tracing::error!(error = %e, file, "docs UI file");
        ApiError::internal()
    })?;
    // Built without the `gzip` feature: files are stored plain.
    let file = found.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, file.content_type))
        .insert_header((header::CACHE_CONTROL, "public, no-cache"))
        // The pages' own Content-Security-Policy (no inline script or style): the page
        // loads its styles and its start-up script as files, and Swagger UI sets the few
        // styles it computes through the DOM, which the policy allows.
        .body(file.bytes.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actix_patterns_become_openapi_paths() {
        assert_eq!(openapi_path("/assets/{path:.*}"), "/assets/{path}");
        assert_eq!(
            openapi_path("/api/tickets/follow/{day}/{n}"),
            "/api/tickets/follow/{day}/{n}"
        );
        assert_eq!(openapi_path(r"/x/{n:\d{1,3}}/y"), "/x/{n}/y");
        assert_eq!(openapi_path("/api/config"), "/api/config");
    }
}
