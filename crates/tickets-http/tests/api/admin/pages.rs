//! The pages: `/api/admin/accounts`, `/api/admin/tokens` and `/api/admin/audit`.

use actix_web::cookie::Cookie;
use actix_web::http::Method;

use super::{AGENT_PASSWORD, as_cookie, create_account, send, with_token};
use crate::helpers::{TestApp, TestResponse, spawn_app};

/// Posts a page's form as the administrator.
async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> TestResponse {
    send(app, app.as_staff(app.post(path).set_form(form))).await
}

/// `GET uri` with `cookie`, as a browser.
async fn page_as(app: &TestApp, cookie: &Cookie<'static>, uri: &str) -> TestResponse {
    send(app, app.get(uri).cookie(cookie.clone())).await
}

/// Follows a 303 as the administrator and returns the page's text.
async fn follow(app: &TestApp, res: &TestResponse) -> String {
    res.assert_status(303);
    let location = res
        .location()
        .split('#')
        .next()
        .unwrap_or_default()
        .to_owned();
    send(app, app.as_staff(app.get(&location))).await.html(200)
}

#[actix_web::test]
async fn the_accounts_page_lists_the_accounts_and_its_forms_come_back_with_the_outcome() {
    let app = spawn_app().await;
    let page = send(&app, app.as_staff(app.get("/api/admin/accounts")))
        .await
        .html(200);
    assert!(
        page.contains("Comptes du personnel") && page.contains("admin"),
        "{page}"
    );
    assert!(
        page.contains("href=\"/api/admin/accounts\""),
        "the nav links the page"
    );
    assert!(page.contains("aria-current=\"page\""));

    // Add: back to the page with the outcome.
    let create = [
        ("action", "create"),
        ("username", "marie"),
        ("display_name", "Marie Dupont"),
        ("role", "agent"),
        ("default_desk", "3"),
        ("password", AGENT_PASSWORD),
    ];
    let res = post_form(&app, "/api/admin/accounts", &create).await;
    assert_eq!(res.location(), "/api/admin/accounts?done=created&u=marie");
    let page = follow(&app, &res).await;
    assert!(page.contains("Compte « marie » créé."), "{page}");
    assert!(page.contains("Marie Dupont"));

    // A field at fault: the form again, the error next to the field, what was typed kept
    // (never the password).
    let mut bad = create;
    bad[1] = ("username", "paul");
    bad[5] = ("password", "court");
    let res = post_form(&app, "/api/admin/accounts", &bad).await;
    let page = res.html(422);
    assert!(page.contains("id=\"create-password-error\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains("value=\"paul\""));
    assert!(
        !page.contains("value=\"court\""),
        "the password is shown again"
    );
    let res = post_form(&app, "/api/admin/accounts", &create).await;
    assert!(
        res.html(422).contains("id=\"create-username-error\""),
        "a taken name"
    );

    // Manage: change the role, then disable: the agent's session ends at once.
    let cookie = app.login_as("marie", AGENT_PASSWORD).await;
    let manage = send(
        &app,
        app.as_staff(app.get("/api/admin/accounts?edit=marie")),
    )
    .await
    .html(200);
    assert!(manage.contains("id=\"manage\""), "{manage}");
    let update = [
        ("action", "update"),
        ("username", "marie"),
        ("display_name", "Marie D."),
        ("role", "manager"),
        ("default_desk", ""),
    ];
    let res = post_form(&app, "/api/admin/accounts", &update).await;
    assert_eq!(
        res.location(),
        "/api/admin/accounts?done=updated&u=marie&edit=marie#manage"
    );
    assert!(follow(&app, &res).await.contains("Marie D."));
    let res = post_form(
        &app,
        "/api/admin/accounts",
        &[("action", "disable"), ("username", "marie")],
    )
    .await;
    assert!(follow(&app, &res).await.contains("désactivé"));
    as_cookie(&app, &cookie, Method::GET, "/api/tickets/snapshot", "")
        .await
        .json_error(401, "unauthorized");
    let res = post_form(
        &app,
        "/api/admin/accounts",
        &[("action", "enable"), ("username", "marie")],
    )
    .await;
    res.assert_status(303);

    // A new password and the end of the sessions, each with its outcome.
    let cookie = app.login_as("marie", AGENT_PASSWORD).await;
    let res = post_form(
        &app,
        "/api/admin/accounts",
        &[("action", "revoke_sessions"), ("username", "marie")],
    )
    .await;
    assert!(res.location().contains("done=revoked") && res.location().contains("&n=1"));
    assert!(
        follow(&app, &res)
            .await
            .contains("1 session(s) de « marie » fermée(s).")
    );
    as_cookie(&app, &cookie, Method::GET, "/api/tickets/snapshot", "")
        .await
        .json_error(401, "unauthorized");
    let res = post_form(
        &app,
        "/api/admin/accounts",
        &[
            ("action", "password"),
            ("username", "marie"),
            ("password", "court"),
        ],
    )
    .await;
    assert!(res.html(422).contains("id=\"password-password-error\""));
    let res = post_form(
        &app,
        "/api/admin/accounts",
        &[
            ("action", "password"),
            ("username", "marie"),
            ("password", "un nouveau mot de passe"),
        ],
    )
    .await;
    assert!(
        follow(&app, &res)
            .await
            .contains("Mot de passe de « marie » changé")
    );
    app.login_as("marie", "un nouveau mot de passe").await;

    // The last administrator: the page says why, nothing changes.
    let res = post_form(
        &app,
        "/api/admin/accounts",
        &[("action", "disable"), ("username", "admin")],
    )
    .await;
    assert!(res.html(409).contains("dernier compte administrateur"));
    let res = post_form(
        &app,
        "/api/admin/accounts",
        &[
            ("action", "update"),
            ("username", "nobody"),
            ("display_name", "X"),
            ("role", "agent"),
        ],
    )
    .await;
    res.html(404);

    // Every change is in the audit log, by the administrator, naming the account.
    let log = send(
        &app,
        app.as_staff(app.get("/api/audit?account=admin&limit=50")),
    )
    .await
    .json();
    let actions: Vec<String> = log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["detail"].as_str().unwrap_or_default().contains("marie"))
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect();
    for action in [
        "account.create",
        "account.update",
        "account.password",
        "account.revoke-sessions",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[actix_web::test]
async fn the_tokens_page_shows_a_new_secret_once_and_revokes() {
    let app = spawn_app().await;
    create_account(&app, "ecran", "agent", None).await;
    let res = post_form(
        &app,
        "/api/admin/tokens",
        &[
            ("action", "create"),
            ("username", "ecran"),
            ("label", "Écran de la salle"),
        ],
    )
    .await;
    let page = res.html(200);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let token = page
        .split("value=\"tkt_")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|hex| format!("tkt_{hex}"))
        .unwrap_or_else(|| panic!("no secret on the page: {page}"));
    assert_eq!(token.len(), 68);
    assert!(page.contains("Copiez ce jeton maintenant"));

    // Listed afterwards without it.
    let page = send(&app, app.as_staff(app.get("/api/admin/tokens")))
        .await
        .html(200);
    assert!(page.contains("Écran de la salle") && page.contains("ecran"));
    assert!(!page.contains(&token), "the secret is shown again");
    with_token(&app, &token, Method::GET, "/api/tickets/snapshot")
        .await
        .assert_status(200);

    // A label at fault.
    let res = post_form(
        &app,
        "/api/admin/tokens",
        &[("action", "create"), ("username", "ecran"), ("label", "")],
    )
    .await;
    assert!(res.html(422).contains("id=\"create-label-error\""));

    // Revoked: back with the outcome, and the token stops.
    let id = send(&app, app.as_staff(app.get("/api/tokens")))
        .await
        .json()["tokens"][0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let res = post_form(
        &app,
        "/api/admin/tokens",
        &[("action", "revoke"), ("id", &id)],
    )
    .await;
    assert_eq!(
        res.location(),
        format!("/api/admin/tokens?done=revoked&id={id}")
    );
    assert!(
        follow(&app, &res)
            .await
            .contains(&format!("Jeton {id} révoqué"))
    );
    with_token(&app, &token, Method::GET, "/api/tickets/snapshot")
        .await
        .json_error(401, "unauthorized");
    let res = post_form(
        &app,
        "/api/admin/tokens",
        &[("action", "revoke"), ("id", &id)],
    )
    .await;
    res.html(404);
}

#[actix_web::test]
async fn the_audit_page_filters_and_links_to_the_same_csv() {
    let app = spawn_app().await;
    create_account(&app, "luc", "agent", Some("2")).await;
    let page = send(&app, app.as_staff(app.get("/api/admin/audit")))
        .await
        .html(200);
    assert!(
        page.contains("Journal d'audit") && page.contains("account.create"),
        "{page}"
    );
    assert!(page.contains("href=\"/api/audit.csv\""));

    let today = app.today().await;
    let uri = format!("/api/admin/audit?account=admin&desk=&action=account.create&day={today}");
    let page = send(&app, app.as_staff(app.get(&uri))).await.html(200);
    assert!(page.contains("luc (agent)"), "{page}");
    assert!(page.contains(&format!(
        "href=\"/api/audit.csv?account=admin&amp;action=account.create&amp;day={today}\""
    )));
    let empty = send(
        &app,
        app.as_staff(app.get("/api/admin/audit?day=2001-01-01")),
    )
    .await
    .html(200);
    assert!(empty.contains("Aucune entrée"));

    let res = send(
        &app,
        app.as_staff(app.get("/api/admin/audit?day=hier&lang=en")),
    )
    .await;
    let page = res.html(422);
    assert!(
        page.contains("id=\"filter-day-error\"") && page.contains("YYYY-MM-DD"),
        "{page}"
    );
}

#[actix_web::test]
async fn each_page_is_for_its_roles_and_the_nav_shows_only_those() {
    let app = spawn_app().await;
    create_account(&app, "agent1", "agent", None).await;
    create_account(&app, "chef1", "manager", None).await;
    let agent = app.login_as("agent1", AGENT_PASSWORD).await;
    let manager = app.login_as("chef1", AGENT_PASSWORD).await;
    for uri in [
        "/api/admin/accounts",
        "/api/admin/tokens",
        "/api/admin/audit",
    ] {
        let page = page_as(&app, &agent, uri).await.html(403);
        assert!(page.contains("Accès réservé"), "{page}");
    }
    for uri in ["/api/admin/accounts", "/api/admin/tokens"] {
        page_as(&app, &manager, uri).await.html(403);
        let res = send(&app, app.get(uri)).await;
        res.assert_status(303);
        assert!(res.location().starts_with("/api/login?next="));
    }
    let res = send(
        &app,
        app.post("/api/admin/accounts")
            .cookie(agent.clone())
            .set_form([("action", "disable"), ("username", "admin")]),
    )
    .await;
    res.html(403);
    assert!(
        page_as(&app, &manager, "/api/admin/audit")
            .await
            .html(200)
            .contains("Journal d'audit")
    );

    // The nav: an agent sees neither link, a manager the audit log only.
    let console = page_as(&app, &agent, "/api/tickets/staff").await.html(200);
    assert!(
        !console.contains("/api/admin/"),
        "an agent sees admin links"
    );
    let dashboard = page_as(&app, &manager, "/api/dashboard").await.html(200);
    assert!(dashboard.contains("href=\"/api/admin/audit\""));
    assert!(!dashboard.contains("href=\"/api/admin/accounts\""));
    let admin = send(&app, app.as_staff(app.get("/api/dashboard")))
        .await
        .html(200);
    for link in [
        "/api/admin/accounts",
        "/api/admin/tokens",
        "/api/admin/audit",
    ] {
        assert!(admin.contains(&format!("href=\"{link}\"")), "{link}");
    }
}
