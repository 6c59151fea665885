//! The admin console: accounts, API tokens, the audit log and webhooks, through the JSON
//! API (`api.rs`) and the pages (`pages.rs`, `webhooks.rs`), as the first administrator of
//! `spawn_app()` and the accounts it creates. Every answer is checked for password hashes.

mod api;
mod pages;
mod webhooks;

use actix_web::cookie::Cookie;
use actix_web::http::Method;
use actix_web::http::header;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse};

/// The password of every account these tests create.
pub(super) const AGENT_PASSWORD: &str = "une phrase de passe assez longue";

/// Sends `req` and checks that no answer ever shows a password hash.
pub(super) async fn send(app: &TestApp, req: actix_web::test::TestRequest) -> TestResponse {
    let res = app.send(req).await;
    assert!(
        !res.text().contains("$argon2"),
        "an answer shows a password hash: {}",
        res.text()
    );
    res
}

/// `POST uri` with a JSON body as the administrator.
pub(super) async fn admin_post(app: &TestApp, uri: &str, body: &Value) -> TestResponse {
    send(app, app.as_staff(app.post_json(uri, &body.to_string()))).await
}

/// `GET uri` as the administrator.
pub(super) async fn admin_get(app: &TestApp, uri: &str) -> TestResponse {
    send(app, app.as_staff(app.get(uri))).await
}

/// `method uri` with `cookie` and a JSON body.
pub(super) async fn as_cookie(
    app: &TestApp,
    cookie: &Cookie<'static>,
    method: Method,
    uri: &str,
    body: &str,
) -> TestResponse {
    let req = app
        .request(method, uri)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload(body.to_owned())
        .cookie(cookie.clone());
    send(app, req).await
}

/// `method uri` with `Authorization: Bearer token`.
pub(super) async fn with_token(
    app: &TestApp,
    token: &str,
    method: Method,
    uri: &str,
) -> TestResponse {
    let req = app
        .request(method, uri)
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("{}");
    send(app, req).await
}

/// Creates `username` with `role` (and `desk` as its default desk), asserting 201.
pub(super) async fn create_account(
    app: &TestApp,
    username: &str,
    role: &str,
    desk: Option<&str>,
) -> Value {
    let body = json!({
        "username": username,
        "display_name": format!("{username} Dupont"),
        "role": role,
        "password": AGENT_PASSWORD,
        "default_desk": desk,
    });
    let res = admin_post(app, "/api/accounts", &body).await;
    res.assert_status(201);
    res.json()
}

/// The audit entries `query` selects, as JSON.
pub(super) async fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let res = admin_get(app, &format!("/api/audit?{query}")).await;
    res.assert_status(200);
    res.json()["entries"].as_array().expect("entries").clone()
}

/// The CSV export for `query`, read with a real CSV reader: the header and the records.
pub(super) async fn audit_csv(app: &TestApp, query: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let res = admin_get(app, &format!("/api/audit.csv?{query}")).await;
    res.assert_status(200);
    assert_eq!(res.content_type(), "text/csv; charset=utf-8");
    let disposition = res.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename=\"audit-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let mut reader = csv::Reader::from_reader(res.body.as_ref());
    let header = reader
        .headers()
        .expect("a header row")
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .map(|r| {
            r.expect("an RFC 4180 record")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    (header, records)
}
