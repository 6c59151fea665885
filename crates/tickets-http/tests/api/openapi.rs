//! The OpenAPI document: every route of the application is in it with its methods, nothing
//! else is, and it is served with its docs UI from the binary (no CDN).

use std::collections::BTreeSet;

use serde_json::Value;
use tickets_core::Role;
use tickets_http::auth::Access;
use tickets_http::openapi::document_value;
use tickets_http::routes::{route_access, route_list};

use crate::helpers::spawn_app;
use crate::seed_contract::{NEW_SNAPSHOT_FIELDS, SEED_SNAPSHOT_FIELDS, SEED_STATUS_FIELDS};

/// `/assets/{path:.*}` → `/assets/{path}`: actix patterns as OpenAPI paths.
pub(crate) fn openapi_path(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').expect("a closed brace") + open;
        let name = rest[open + 1..close].split(':').next().unwrap_or_default();
        out.push('{');
        out.push_str(name);
        out.push('}');
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("a path item")
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .map(move |m| (path.clone(), m.to_uppercase()))
        })
        .collect()
}

#[test]
fn every_route_of_the_app_is_in_the_document_and_nothing_else() {
    let doc = document_value();
    assert_eq!(doc["openapi"], "3.1.0");
    let routes: BTreeSet<(String, String)> = route_list()
        .into_iter()
        .flat_map(|(path, methods)| {
            methods
                .into_iter()
                .map(move |m| (openapi_path(path), m.as_str().to_owned()))
        })
        .collect();
    assert!(
        routes.len() >= 30,
        "the route table lists {} routes",
        routes.len()
    );
    let documented = operations(&doc);
    let missing: Vec<_> = routes.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routes).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the document: {missing:?}"
    );
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");
}

#[test]
fn every_operation_is_described_with_its_answers_and_errors() {
    let doc = document_value();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let mut ids = BTreeSet::new();
    for (path, method) in operations(&doc) {
        let op = &doc["paths"][&path][method.to_lowercase()];
        let what = format!("{method} {path}");
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{what}: no summary"
        );
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        assert!(!id.is_empty(), "{what}: no operationId");
        assert!(
            ids.insert(id.clone()),
            "{what}: operationId {id} is not unique"
        );
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses
                .keys()
                .any(|s| s.starts_with('2') || s.starts_with('3')),
            "{what}: no success answer"
        );
        // The middleware's answers are on every operation.
        if !["/healthz", "/readyz"].contains(&path.as_str()) {
            assert!(responses.contains_key("400"), "{what}: no 400 (Host check)");
        }
        if method == "POST" {
            assert!(
                responses.contains_key("403"),
                "{what}: no 403 (Origin check)"
            );
        }
        let staff = op["security"].as_array().is_some_and(|s| !s.is_empty());
        if staff {
            assert!(
                responses.contains_key("401") || responses.contains_key("303"),
                "{what}: staff only, but neither 401 nor the sign-in redirect is documented"
            );
        }
        // Every path parameter is declared.
        for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
            let declared = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
            assert!(declared, "{what}: path parameter {name} is not declared");
        }
    }
    // Every schema referenced anywhere exists.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap_or_default();
        assert!(
            schemas.contains_key(name),
            "{name} is referenced but not defined"
        );
    }
    for scheme in ["staff_token", "staff_session"] {
        assert!(
            doc["components"]["securitySchemes"][scheme].is_object(),
            "security scheme {scheme}"
        );
    }
}

#[test]
fn the_documented_staff_operations_are_exactly_the_guarded_ones() {
    // The API operations that answer 401 without credentials are the ones with security.
    let doc = document_value();
    let staff: BTreeSet<String> = operations(&doc)
        .into_iter()
        .filter(|(path, method)| {
            doc["paths"][path][method.to_lowercase()]["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
        })
        .map(|(path, method)| format!("{method} {path}"))
        .collect();
    let expected: BTreeSet<String> = [
        "POST /api/tickets/call-next",
        "POST /api/tickets/call",
        "POST /api/tickets/transfer",
        "POST /api/tickets/requeue",
        "GET /api/config",
        "PUT /api/config",
        "POST /api/tickets/finish-current",
        "POST /api/tickets/recall",
        "POST /api/tickets/no-show",
        "GET /api/tickets/snapshot",
        "POST /api/tickets/start-day",
        "POST /api/tickets/end-day",
        "POST /api/tickets/reset-day",
        "GET /metrics",
        "GET /api/tickets/staff",
        "POST /api/tickets/staff",
        "GET /api/dashboard",
        "POST /api/kiosk/enroll",
        "GET /api/accounts",
        "POST /api/accounts",
        "POST /api/accounts/{username}",
        "POST /api/accounts/{username}/password",
        "POST /api/accounts/{username}/revoke-sessions",
        "GET /api/tokens",
        "POST /api/tokens",
        "DELETE /api/tokens/{id}",
        "GET /api/webhooks",
        "POST /api/webhooks",
        "DELETE /api/webhooks/{id}",
        "GET /api/webhooks/deliveries",
        "POST /api/webhooks/deliveries/{id}/resend",
        "GET /api/audit",
        "GET /api/audit.csv",
        "GET /api/reports",
        "GET /api/reports/tickets.csv",
        "GET /api/admin/reports",
        "GET /api/admin/accounts",
        "POST /api/admin/accounts",
        "GET /api/admin/tokens",
        "POST /api/admin/tokens",
        "GET /api/admin/webhooks",
        "POST /api/admin/webhooks",
        "GET /api/admin/audit",
        "GET /api/admin/office",
        "POST /api/admin/office",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(staff, expected);
}

#[test]
fn each_operation_states_the_role_its_route_requires() {
    // From the route table, which the access check enforces: `x-required-role`, the
    // sentence of the description, the credentials and the answers of the check.
    let doc = document_value();
    for (pattern, method, access) in route_access() {
        let path = openapi_path(pattern);
        let op = &doc["paths"][&path][method.as_str().to_lowercase()];
        let what = format!("{method} {path}");
        assert!(op.is_object(), "{what} is not documented");
        let description = op["description"].as_str().unwrap_or_default();
        let security = op["security"].as_array().is_some_and(|s| !s.is_empty());
        let responses = &op["responses"];
        let Some(role) = access.role() else {
            assert!(
                op.get("x-required-role").is_none(),
                "{what} is public, yet the document says it requires {}",
                op["x-required-role"]
            );
            assert!(
                !description.contains("role (or higher)"),
                "{what} is public: {description}"
            );
            assert!(!security, "{what} is public but asks for credentials");
            continue;
        };
        assert_eq!(
            op["x-required-role"].as_str(),
            Some(access.label()),
            "{what}: x-required-role"
        );
        let sentence = format!("Requires the `{}` role (or higher).", access.label());
        assert!(
            description.ends_with(&sentence),
            "{what}: the description does not end with {sentence:?}: {description:?}"
        );
        assert_eq!(description.matches(&sentence).count(), 1, "{what}");
        assert!(
            security,
            "{what} requires {role} but asks for no credentials"
        );
        let page = matches!(access, Access::Page(_));
        let signed_out = if page { "303" } else { "401" };
        assert!(
            responses[signed_out].is_object(),
            "{what}: no {signed_out} for a caller without credentials"
        );
        if role > Role::Agent {
            let media = if page {
                "text/html"
            } else {
                "application/json"
            };
            assert!(
                responses["403"]["content"][media].is_object(),
                "{what}: no 403 ({media}) for a role below {role}: {}",
                responses["403"]
            );
        }
    }
    // The error a role too low gets names the role required.
    assert!(
        doc["components"]["schemas"]["ErrorBody"]["properties"]["required_role"].is_object(),
        "ErrorBody.required_role"
    );
}

#[actix_web::test]
async fn the_document_and_the_docs_ui_are_served_from_the_binary() {
    let app = spawn_app().await;
    let res = app.get_path("/api/openapi.json").await;
    res.assert_status(200);
    assert!(res.content_type().starts_with("application/json"));
    let served = res.json();
    assert_eq!(served, document_value());
    assert_eq!(served["info"]["title"], "tickets");

    let res = app.get_path("/api/docs").await;
    res.assert_status(308);
    assert_eq!(res.location(), "/api/docs/");

    let page = app.get_path("/api/docs/").await.html(200);
    assert!(page.contains("swagger-ui"), "{page}");
    for src in page
        .split("src=\"")
        .skip(1)
        .chain(page.split("href=\"").skip(1))
    {
        let url = src.split('"').next().unwrap_or_default();
        assert!(
            !url.starts_with("http") && !url.starts_with("//"),
            "the docs page loads {url} from elsewhere"
        );
    }
    let init = app.get_path("/api/docs/swagger-initializer.js").await;
    init.assert_status(200);
    assert!(init.text().contains("/api/openapi.json"), "{}", init.text());
    let bundle = app.get_path("/api/docs/swagger-ui-bundle.js").await;
    bundle.assert_status(200);
    assert!(bundle.content_type().contains("javascript"));
    assert!(bundle.body.len() > 100_000);

    app.get_path("/api/docs/no-such-file.js")
        .await
        .json_error(404, "not_found");
    app.send(app.post("/api/openapi.json"))
        .await
        .json_error(405, "method_not_allowed");
}

/// The schema `name` with `$ref`s and `allOf` followed: every property it requires.
fn required_of(doc: &Value, schema: &Value) -> BTreeSet<String> {
    let schema = match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    };
    let mut out: BTreeSet<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        out.extend(required_of(doc, part));
    }
    out
}

#[test]
fn fields_that_are_always_sent_are_required_even_when_null() {
    // The original fields, which the original front ends read even when null, and the
    // fields of this API that are always present.
    let doc = document_value();
    let schema = |name: &str| doc["components"]["schemas"][name].clone();
    let snapshot: Vec<&str> = SEED_SNAPSHOT_FIELDS
        .iter()
        .chain(&NEW_SNAPSHOT_FIELDS)
        .chain(&["last_event", "services", "priorities"])
        .copied()
        .collect();
    let status: Vec<&str> = SEED_STATUS_FIELDS
        .iter()
        .chain(&["desk", "total_tickets", "services"])
        .copied()
        .collect();
    let cases: [(&str, &[&str]); 11] = [
        ("QueueStatus", &status),
        ("SnapshotBody", &snapshot),
        (
            "Ticket",
            &[
                "ticket_number",
                "creation_time",
                "service_type",
                "status",
                "creation_time_iso",
                "called_time",
                "called_time_iso",
                "finish_time",
                "finish_time_iso",
                "desk",
                "recalls",
                "label",
                "priority",
                "transfers",
            ],
        ),
        (
            "ServiceStatus",
            &[
                "code",
                "label",
                "name",
                "prefix",
                "open",
                "priority",
                "waiting",
                "next_label",
                "estimated_wait_seconds",
            ],
        ),
        (
            "ServiceFigures",
            &[
                "code",
                "name",
                "waiting",
                "waiting_by_priority",
                "queue",
                "called",
                "served",
                "avg_wait_seconds",
                "p90_wait_seconds",
                "target_wait_minutes",
                "within_target_share",
            ],
        ),
        ("PriorityWaiting", &["code", "name", "waiting"]),
        (
            "TransferredBody",
            &["transferred_ticket", "service", "position", "ticket"],
        ),
        ("RequeuedBody", &["requeued_ticket", "ticket"]),
        (
            "CalledBody",
            &[
                "current_ticket",
                "waiting_tickets",
                "desk",
                "finished_ticket",
            ],
        ),
        (
            "TicketBody",
            &[
                "day",
                "ticket",
                "status",
                "waiting_before",
                "estimated_wait_seconds",
                "desk",
                "queue_length",
            ],
        ),
        (
            "DayFigures",
            &[
                "taken",
                "waiting",
                "called",
                "served",
                "no_shows",
                "avg_wait_seconds",
                "avg_service_seconds",
                "desks_at_work",
                "service_rate_per_hour",
            ],
        ),
    ];
    for (name, fields) in cases {
        let required = required_of(&doc, &schema(name));
        for field in fields {
            assert!(required.contains(*field), "{name}.{field} is not required");
        }
    }
}

#[test]
fn the_office_configuration_schema_states_the_rules_of_its_fields() {
    let doc = document_value();
    let schema = |name: &str| doc["components"]["schemas"][name].clone();
    assert_eq!(
        schema("OfficeConfig")["properties"]["services"]["minItems"],
        1
    );
    assert_eq!(
        schema("ServiceConfig")["properties"]["prefix"]["pattern"],
        "^[A-Z]{0,3}$"
    );
    assert_eq!(
        schema("ServiceConfig")["properties"]["code"]["pattern"],
        "^[a-z0-9_-]{1,32}$"
    );
    assert_eq!(
        schema("PriorityClass")["properties"]["weight"]["minimum"],
        1
    );
    assert_eq!(
        schema("DeskConfig")["properties"]["services"]["minItems"],
        1
    );
    assert_eq!(schema("Names")["properties"]["fr"]["maxLength"], 64);
    // PUT /api/config takes the version read in If-Match.
    let put = &doc["paths"]["/api/config"]["put"];
    let if_match = put["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "If-Match"))
        .expect("If-Match is documented");
    assert_eq!(if_match["in"], "header");
    assert!(if_match["schema"]["pattern"].is_string(), "{if_match}");
}
