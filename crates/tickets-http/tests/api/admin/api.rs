//! The JSON API: `/api/accounts`, `/api/tokens`, `/api/audit` and `/api/audit.csv`.

use actix_web::http::Method;
use serde_json::json;

use super::{
    AGENT_PASSWORD, admin_get, admin_post, as_cookie, audit, audit_csv, create_account, send,
    with_token,
};
use crate::helpers::{TestApp, spawn_app, spawn_redis_app};

#[actix_web::test]
async fn an_agent_created_by_the_admin_acts_at_a_desk_and_the_audit_names_them() {
    let app = spawn_app().await;
    let marie = create_account(&app, "marie", "agent", Some("2")).await;
    assert_eq!(marie["username"], "marie");
    assert_eq!(marie["role"], "agent");
    assert_eq!(marie["enabled"], true);
    assert_eq!(marie["default_desk"], "2");
    assert!(marie.get("password").is_none() && marie.get("password_hash").is_none());

    let listed = admin_get(&app, "/api/accounts").await;
    listed.assert_status(200);
    let names: Vec<String> = listed.json()["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["username"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names, ["admin", "marie"]);

    app.open_day().await;
    app.take().await;
    let cookie = app.login_as("marie", AGENT_PASSWORD).await;
    let called = as_cookie(
        &app,
        &cookie,
        Method::POST,
        "/api/tickets/call-next",
        r#"{"desk":"2"}"#,
    )
    .await;
    called.assert_status(200);

    let entries = audit(&app, "account=marie").await;
    let call = entries
        .iter()
        .find(|e| e["action"] == "tickets.call-next")
        .unwrap_or_else(|| panic!("no call-next line in {entries:?}"));
    assert_eq!(call["account"], "marie");
    assert_eq!(call["role"], "agent");
    assert_eq!(call["desk"], "2");
    assert!(call["client"].is_string(), "{call}");
    assert_eq!(
        entries[0]["action"], "tickets.call-next",
        "newest first: {entries:?}"
    );
    assert!(
        entries.iter().any(|e| e["action"] == "sign-in"),
        "{entries:?}"
    );

    // The account's creation is there too, naming the account and never the password.
    let created = audit(&app, "action=account.create").await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0]["account"], "admin");
    assert_eq!(created[0]["role"], "admin");
    assert!(
        created[0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("marie")
    );
    let all = admin_get(&app, "/api/audit?limit=1000").await.text();
    assert!(!all.contains(AGENT_PASSWORD), "a password in the audit log");

    // Filters: desk, day (today), and an empty value as no filter.
    let today = app.today().await;
    let at_desk = audit(&app, &format!("desk=2&day={today}&account=&action=")).await;
    assert!(at_desk.iter().all(|e| e["desk"] == "2"), "{at_desk:?}");
    assert!(at_desk.iter().any(|e| e["action"] == "tickets.call-next"));
    assert!(audit(&app, "day=2001-01-01").await.is_empty());
    assert_eq!(audit(&app, "limit=1").await.len(), 1);

    // The CSV export: the same lines, parsed by a CSV reader.
    let (header, records) = audit_csv(&app, "account=marie").await;
    assert_eq!(
        header,
        [
            "at", "account", "role", "desk", "client", "action", "detail"
        ]
    );
    let line = records
        .iter()
        .find(|r| r[5] == "tickets.call-next")
        .unwrap_or_else(|| panic!("no call-next record in {records:?}"));
    assert_eq!(&line[1..4], ["marie", "agent", "2"]);
    assert!(
        chrono::DateTime::parse_from_rfc3339(&line[0]).is_ok(),
        "{}",
        line[0]
    );
    assert_eq!(records.len(), entries.len());
}

#[actix_web::test]
async fn the_csv_quotes_fields_with_commas_and_quotes() {
    let app = spawn_app().await;
    create_account(&app, "paul", "agent", None).await;
    let tricky = "Dupont, \"Paul\"";
    admin_post(
        &app,
        "/api/accounts/paul",
        &json!({ "display_name": tricky }),
    )
    .await
    .assert_status(200);
    let (_, records) = audit_csv(&app, "action=account.update").await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert!(records[0][6].contains(tricky), "{:?}", records[0]);
    assert!(records[0].iter().all(|f| !f.contains("$argon2")));
}

#[actix_web::test]
async fn disabling_an_account_ends_its_sessions_at_once() {
    let app = spawn_app().await;
    create_account(&app, "luc", "agent", None).await;
    let cookie = app.login_as("luc", AGENT_PASSWORD).await;
    as_cookie(&app, &cookie, Method::GET, "/api/tickets/snapshot", "")
        .await
        .assert_status(200);

    let res = admin_post(&app, "/api/accounts/luc", &json!({ "enabled": false })).await;
    res.assert_status(200);
    assert_eq!(res.json()["enabled"], false);
    as_cookie(&app, &cookie, Method::GET, "/api/tickets/snapshot", "")
        .await
        .json_error(401, "unauthorized");
    let again = app
        .send(
            app.post("/api/login")
                .set_form([("username", "luc"), ("password", AGENT_PASSWORD)]),
        )
        .await;
    again.assert_status(401);

    admin_post(&app, "/api/accounts/luc", &json!({ "enabled": true }))
        .await
        .assert_status(200);
    app.login_as("luc", AGENT_PASSWORD).await;
    let lines = audit(&app, "action=account.update").await;
    assert_eq!(lines[0]["detail"], "luc: enabled");
    assert_eq!(lines[1]["detail"], "luc: disabled");
}

#[actix_web::test]
async fn a_password_reset_and_a_revocation_end_the_sessions() {
    let app = spawn_app().await;
    create_account(&app, "ines", "manager", None).await;
    let first = app.login_as("ines", AGENT_PASSWORD).await;
    let second = app.login_as("ines", AGENT_PASSWORD).await;

    let res = admin_post(&app, "/api/accounts/ines/revoke-sessions", &json!({})).await;
    res.assert_status(200);
    assert_eq!(res.json(), json!({ "revoked": 2 }));
    for cookie in [&first, &second] {
        as_cookie(&app, cookie, Method::GET, "/api/tickets/snapshot", "")
            .await
            .json_error(401, "unauthorized");
    }

    let cookie = app.login_as("ines", AGENT_PASSWORD).await;
    let new_password = "un tout autre mot de passe";
    let res = admin_post(
        &app,
        "/api/accounts/ines/password",
        &json!({ "password": new_password }),
    )
    .await;
    res.assert_status(200);
    assert_eq!(res.json()["username"], "ines");
    as_cookie(&app, &cookie, Method::GET, "/api/tickets/snapshot", "")
        .await
        .json_error(401, "unauthorized");
    app.send(
        app.post("/api/login")
            .set_form([("username", "ines"), ("password", AGENT_PASSWORD)]),
    )
    .await
    .assert_status(401);
    app.login_as("ines", new_password).await;

    let lines = audit(&app, "account=admin").await;
    let actions: Vec<&str> = lines.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"account.password"), "{actions:?}");
    assert!(actions.contains(&"account.revoke-sessions"), "{actions:?}");
    let text = admin_get(&app, "/api/audit").await.text();
    assert!(!text.contains(new_password), "a password in the audit log");
}

#[actix_web::test]
async fn the_last_enabled_admin_cannot_demote_or_disable_themself() {
    let app = spawn_app().await;
    let body = admin_post(&app, "/api/accounts/admin", &json!({ "role": "manager" }))
        .await
        .json_error(409, "last_admin");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("administrat")
    );
    admin_post(&app, "/api/accounts/admin", &json!({ "enabled": false }))
        .await
        .json_error(409, "last_admin");
    // Nothing changed.
    let accounts = admin_get(&app, "/api/accounts").await.json();
    assert_eq!(accounts["accounts"][0]["role"], "admin");
    assert_eq!(accounts["accounts"][0]["enabled"], true);

    // With a second administrator, the first may step down.
    create_account(&app, "chef", "admin", None).await;
    let res = admin_post(&app, "/api/accounts/admin", &json!({ "role": "manager" })).await;
    res.assert_status(200);
    assert_eq!(res.json()["role"], "manager");
    // Now a manager: the accounts are closed to them.
    admin_get(&app, "/api/accounts")
        .await
        .json_error(403, "forbidden");
}

#[actix_web::test]
async fn invalid_fields_are_named_and_unknown_accounts_are_404() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"username": "Marie Dupont", "display_name": "M", "role": "agent", "password": AGENT_PASSWORD}),
            "username",
        ),
        (
            json!({"username": "marie", "display_name": "", "role": "agent", "password": AGENT_PASSWORD}),
            "display_name",
        ),
        (
            json!({"username": "marie", "display_name": "M", "role": "boss", "password": AGENT_PASSWORD}),
            "role",
        ),
        (
            json!({"username": "marie", "display_name": "M", "role": "agent", "password": "court"}),
            "password",
        ),
        (
            json!({"username": "marie", "display_name": "M", "role": "agent"}),
            "password",
        ),
        (
            json!({"username": "marie", "display_name": "M", "role": "agent", "password": AGENT_PASSWORD, "default_desk": "guichet 3"}),
            "default_desk",
        ),
        (
            json!({"username": "admin", "display_name": "M", "role": "agent", "password": AGENT_PASSWORD}),
            "username",
        ),
        (
            json!({"username": 3, "display_name": "M", "role": "agent", "password": AGENT_PASSWORD}),
            "username",
        ),
    ];
    for (body, field) in cases {
        let res = admin_post(&app, "/api/accounts", &body).await;
        let error = res.json_error(422, "invalid_field");
        assert_eq!(error["field"], field, "{body}");
    }
    // English on request.
    let res = send(
        &app,
        app.as_staff(app.post_json(
            "/api/accounts?lang=en",
            r#"{"username":"x","display_name":"X","role":"agent","password":"short"}"#,
        )),
    )
    .await;
    let error = res.json_error(422, "invalid_field");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("The password")
    );

    admin_post(&app, "/api/accounts/nobody", &json!({ "role": "agent" }))
        .await
        .json_error(404, "account_not_found");
    admin_post(&app, "/api/accounts/Not%20Valid", &json!({}))
        .await
        .json_error(404, "account_not_found");
    admin_post(
        &app,
        "/api/accounts/nobody/password",
        &json!({ "password": AGENT_PASSWORD }),
    )
    .await
    .json_error(404, "account_not_found");
    admin_post(&app, "/api/accounts/nobody/revoke-sessions", &json!({}))
        .await
        .json_error(404, "account_not_found");
    admin_post(&app, "/api/accounts/admin", &json!({ "enabled": "no" }))
        .await
        .json_error(422, "invalid_field");
    admin_post(
        &app,
        "/api/accounts/admin/password",
        &json!({ "password": "court" }),
    )
    .await
    .json_error(422, "invalid_field");
    // Nothing was audited for refused changes.
    assert!(
        audit(&app, "account=admin&action=account.create")
            .await
            .is_empty()
    );
}

#[actix_web::test]
async fn only_admins_manage_accounts_and_managers_read_the_audit() {
    let app = spawn_app().await;
    create_account(&app, "agent1", "agent", None).await;
    create_account(&app, "chef1", "manager", None).await;
    let agent = app.login_as("agent1", AGENT_PASSWORD).await;
    let manager = app.login_as("chef1", AGENT_PASSWORD).await;
    for cookie in [&agent, &manager] {
        as_cookie(&app, cookie, Method::GET, "/api/accounts", "")
            .await
            .json_error(403, "forbidden");
        as_cookie(
            &app,
            cookie,
            Method::POST,
            "/api/accounts/agent1",
            r#"{"role":"admin"}"#,
        )
        .await
        .json_error(403, "forbidden");
        as_cookie(&app, cookie, Method::GET, "/api/tokens", "")
            .await
            .json_error(403, "forbidden");
    }
    as_cookie(&app, &agent, Method::GET, "/api/audit", "")
        .await
        .json_error(403, "forbidden");
    as_cookie(&app, &agent, Method::GET, "/api/audit.csv", "")
        .await
        .json_error(403, "forbidden");
    as_cookie(&app, &manager, Method::GET, "/api/audit?action=sign-in", "")
        .await
        .assert_status(200);
    as_cookie(&app, &manager, Method::GET, "/api/audit.csv", "")
        .await
        .assert_status(200);
    as_cookie(&app, &manager, Method::GET, "/api/audit?day=yesterday", "")
        .await
        .json_error(422, "invalid_field");
    app.send(app.get("/api/audit"))
        .await
        .json_error(401, "unauthorized");
}

#[actix_web::test]
async fn a_token_is_shown_once_acts_with_its_accounts_role_and_stops_when_revoked() {
    let app = spawn_app().await;
    create_account(&app, "robot", "agent", None).await;
    let res = admin_post(
        &app,
        "/api/tokens",
        &json!({ "username": "robot", "label": "écran de salle" }),
    )
    .await;
    res.assert_status(201);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let created = res.json();
    let token = created["token"].as_str().expect("the secret").to_owned();
    let id = created["id"].as_str().expect("an id").to_owned();
    assert!(token.starts_with("tkt_") && token.len() == 68, "{token}");
    assert_eq!(created["username"], "robot");
    assert_eq!(created["role"], "agent");

    // Listed without its secret.
    let listed = admin_get(&app, "/api/tokens").await;
    listed.assert_status(200);
    assert!(!listed.text().contains(&token), "the secret is shown again");
    assert_eq!(listed.json()["tokens"][0]["id"], id.as_str());

    // It acts as robot, an agent: a desk action, but not the day nor the accounts.
    app.open_day().await;
    with_token(&app, &token, Method::POST, "/api/tickets/call-next")
        .await
        .assert_status(200);
    with_token(&app, &token, Method::POST, "/api/tickets/end-day")
        .await
        .json_error(403, "forbidden");
    with_token(&app, &token, Method::GET, "/api/accounts")
        .await
        .json_error(403, "forbidden");
    // With the account's role as it is now.
    admin_post(&app, "/api/accounts/robot", &json!({ "role": "manager" }))
        .await
        .assert_status(200);
    with_token(&app, &token, Method::POST, "/api/tickets/end-day")
        .await
        .assert_status(200);
    let lines = audit(&app, "account=robot").await;
    assert!(
        lines
            .iter()
            .any(|e| e["action"] == "tickets.end-day" && e["role"] == "manager"),
        "{lines:?}"
    );

    // Revoked: it stops at once; a second revocation finds nothing.
    let res = send(
        &app,
        app.as_staff(app.request(Method::DELETE, &format!("/api/tokens/{id}"))),
    )
    .await;
    res.assert_status(204);
    with_token(&app, &token, Method::POST, "/api/tickets/call-next")
        .await
        .json_error(401, "unauthorized");
    send(
        &app,
        app.as_staff(app.request(Method::DELETE, &format!("/api/tokens/{id}"))),
    )
    .await
    .json_error(404, "token_not_found");
    send(
        &app,
        app.as_staff(app.request(Method::DELETE, "/api/tokens/not-an-id")),
    )
    .await
    .json_error(404, "token_not_found");

    // The audit names the token and its account, never the secret.
    let text = admin_get(&app, "/api/audit?limit=1000").await.text();
    assert!(!text.contains(&token), "the secret is in the audit log");
    let created = audit(&app, "action=token.create").await;
    assert!(
        created[0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("robot")
    );
    let revoked = audit(&app, "action=token.revoke").await;
    assert!(
        revoked[0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(&id)
    );

    // Tokens need an existing account and a label.
    admin_post(
        &app,
        "/api/tokens",
        &json!({ "username": "nobody", "label": "x" }),
    )
    .await
    .json_error(422, "invalid_field");
    let res = admin_post(
        &app,
        "/api/tokens",
        &json!({ "username": "robot", "label": " " }),
    )
    .await;
    assert_eq!(res.json_error(422, "invalid_field")["field"], "label");
}

/// 50 calls at 50 desks at once, then the audit log: it has every line, read through the
/// server that answered them.
async fn concurrent_actions_are_all_in_the_audit_read_after_them(app: &TestApp) {
    app.open_day().await;
    for _ in 0..50 {
        app.take().await;
    }
    let desks: Vec<String> = (1..=50).map(|d| d.to_string()).collect();
    let calls = desks.iter().map(|d| app.post_call_next(Some(d)));
    for res in futures_util::future::join_all(calls).await {
        res.assert_status(200);
    }
    let lines = audit(app, "action=tickets.call-next&limit=1000").await;
    let mut at_desks: Vec<&str> = lines.iter().filter_map(|l| l["desk"].as_str()).collect();
    at_desks.sort_unstable_by_key(|d| d.parse::<u32>().unwrap_or(0));
    assert_eq!(at_desks, desks, "{} lines", lines.len());
}

#[actix_web::test]
async fn concurrent_staff_actions_are_all_in_the_audit_on_memory() {
    concurrent_actions_are_all_in_the_audit_read_after_them(&spawn_app().await).await;
}

#[actix_web::test]
async fn concurrent_staff_actions_are_all_in_the_audit_on_redis() {
    let (_server, app) = spawn_redis_app().await;
    concurrent_actions_are_all_in_the_audit_read_after_them(&app).await;
}
