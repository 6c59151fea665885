//! Staff sign-in, sessions, bearer tokens, the redirections of staff pages, probes and the
//! security headers of every answer.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use tickets_http::Config;
use tickets_http::auth::SESSION_COOKIE;

use crate::helpers::{
    PASSWORD, TestApp, assert_security_headers, spawn_app, spawn_app_with_config,
};

async fn snapshot_with(app: &TestApp, cookie: Cookie<'static>) -> u16 {
    app.send(app.get("/api/tickets/snapshot").cookie(cookie))
        .await
        .status
        .as_u16()
}

#[actix_web::test]
async fn the_sign_in_page_is_an_html_form() {
    let app = spawn_app().await;
    let res = app.get_path("/api/login").await;
    let html = res.html(200);
    assert!(
        html.contains(r#"<form method="post" action="/api/login""#),
        "{html}"
    );
    assert!(html.contains(r#"type="password""#));
    assert!(html.contains(r#"name="password""#));
    assert!(html.contains(r#"name="next" value="/api/tickets/staff""#));
    assert!(html.contains("Connexion du personnel"));
    let html = app
        .get_path("/api/login?next=/api/dashboard")
        .await
        .html(200);
    assert!(html.contains(r#"name="next" value="/api/dashboard""#));
    // Only local destinations are kept.
    for next in ["//evil.example/api/", "https://evil.example", "/elsewhere"] {
        let html = app
            .get_path(&format!(
                "/api/login?next={}",
                tickets_http::auth::url_encode(next)
            ))
            .await
            .html(200);
        assert!(
            html.contains(r#"name="next" value="/api/tickets/staff""#),
            "{next}"
        );
        assert!(
            !html.contains(r#"value="//evil"#) && !html.contains(r#"value="https://evil"#),
            "the foreign destination is not put in the form"
        );
    }
}

#[actix_web::test]
async fn a_wrong_password_is_refused_with_the_form_again() {
    let app = spawn_app().await;
    for password in ["wrong", "", "MOT-DE-PASSE-DU-GUICHET"] {
        let res = app.post_login(password, None).await;
        let html = res.html(401);
        assert!(
            html.contains("Identifiant ou mot de passe incorrect."),
            "{html}"
        );
        assert!(
            res.set_cookie(SESSION_COOKIE).is_none(),
            "no session on failure"
        );
    }
    let res = app
        .send(
            app.post("/api/login")
                .set_form([("next", "/api/dashboard")]),
        )
        .await;
    res.html(401);
}

#[actix_web::test]
async fn the_right_password_sets_a_strict_http_only_session_cookie() {
    let app = spawn_app().await;
    let res = app.post_login(PASSWORD, None).await;
    res.assert_status(303);
    assert_eq!(res.location(), "/api/tickets/staff");
    let cookie = res.set_cookie(SESSION_COOKIE).expect("a session cookie");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(SameSite::Strict));
    assert_eq!(cookie.path(), Some("/"));
    assert_ne!(cookie.secure(), Some(true), "plain HTTP: not Secure");
    let max_age = cookie.max_age().expect("a lifetime").whole_hours();
    assert_eq!(max_age, 12);
    // The session's random id, nothing else.
    assert_eq!(cookie.value().len(), 32);
    assert!(cookie.value().bytes().all(|b| b.is_ascii_hexdigit()));
}

#[actix_web::test]
async fn the_session_cookie_is_secure_behind_a_tls_proxy() {
    let app = spawn_app().await;
    let res = app
        .send(
            app.post("/api/login")
                .insert_header(("X-Forwarded-Proto", "https"))
                .set_form([("password", PASSWORD)]),
        )
        .await;
    res.assert_status(303);
    let cookie = res.set_cookie(SESSION_COOKIE).expect("a session cookie");
    assert_eq!(cookie.secure(), Some(true));
    let line = res.set_cookie_line(SESSION_COOKIE).expect("the header");
    assert!(
        line.contains("Secure") && line.contains("HttpOnly"),
        "{line}"
    );
}

#[actix_web::test]
async fn sign_in_goes_back_to_a_local_next_only() {
    let app = spawn_app().await;
    let res = app.post_login(PASSWORD, Some("/api/dashboard")).await;
    assert_eq!(res.location(), "/api/dashboard");
    let res = app
        .post_login(PASSWORD, Some("/api/tickets/staff?desk=A"))
        .await;
    assert_eq!(res.location(), "/api/tickets/staff?desk=A");
    for evil in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "/somewhere",
    ] {
        let res = app.post_login(PASSWORD, Some(evil)).await;
        assert_eq!(res.location(), "/api/tickets/staff", "{evil}");
    }
}

#[actix_web::test]
async fn a_next_with_control_characters_falls_back_to_the_console() {
    let app = spawn_app().await;
    for evil in [
        "/x\r\nSet-Cookie:a=b",
        "/api/dashboard\r\nSet-Cookie: a=b",
        "/api/dashboard\n",
        "/api/dashboard\0",
        "/api/\x7fdashboard",
        "/api/dashboard\u{85}",
        "/api/dashboard\t",
    ] {
        let res = app.post_login(PASSWORD, Some(evil)).await;
        res.assert_status(303);
        assert_eq!(res.location(), "/api/tickets/staff", "{evil:?}");
        assert!(res.set_cookie("a").is_none(), "{evil:?}");
        assert!(res.set_cookie(SESSION_COOKIE).is_some(), "{evil:?}");
        // The form keeps no such `next` either.
        let res = app
            .get_path(&format!(
                "/api/login?next={}",
                tickets_http::auth::url_encode(evil)
            ))
            .await;
        let html = res.html(200);
        assert!(
            html.contains(r#"name="next" value="/api/tickets/staff""#),
            "{evil:?}: {html}"
        );
        // A wrong password shows the form again, with the same fallback (on a fresh
        // application each time: five failures from one address throttle it).
        let fresh = spawn_app().await;
        let res = fresh.post_login("not-the-password", Some(evil)).await;
        let html = res.html(401);
        assert!(
            html.contains(r#"name="next" value="/api/tickets/staff""#),
            "{evil:?}: {html}"
        );
    }
}

#[actix_web::test]
async fn the_session_cookie_grants_the_staff_endpoints() {
    let app = spawn_app().await;
    let cookie = app.login().await;
    assert_eq!(snapshot_with(&app, cookie.clone()).await, 200);
    let res = app
        .send(app.post("/api/tickets/start-day").cookie(cookie))
        .await;
    res.assert_status(200);
    assert_eq!(res.json()["open"], true);
}

#[actix_web::test]
async fn a_tampered_or_foreign_cookie_grants_nothing() {
    let app = spawn_app().await;
    let good = app.login().await;
    let value = good.value().to_owned();
    let last = value.chars().last().expect("an id");
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = [
        format!("{}{}", &value[..value.len() - 1], flipped),
        "0".repeat(32),
        format!("{value}0"),
        value[..31].to_owned(),
        value
            .to_uppercase()
            .replace(|c: char| c.is_ascii_digit(), "G"),
        String::new(),
        "garbage".to_owned(),
    ];
    for v in tampered {
        let res = app
            .send(
                app.get("/api/tickets/snapshot")
                    .cookie(Cookie::new(SESSION_COOKIE, v.clone())),
            )
            .await;
        res.json_error(401, "unauthorized");
    }
    // A session of another store is not valid here.
    let other = spawn_app_with_config(&Config::for_tests("another-password")).await;
    assert_eq!(snapshot_with(&app, other.session()).await, 401);
    assert_eq!(snapshot_with(&app, good).await, 200);
}

#[actix_web::test]
async fn sign_out_removes_the_cookie() {
    let app = spawn_app().await;
    let res = app.send(app.as_staff(app.post("/api/logout"))).await;
    res.assert_status(303);
    assert_eq!(res.location(), "/api/login");
    let removal = res.set_cookie(SESSION_COOKIE).expect("a removal cookie");
    assert_eq!(removal.value(), "");
    assert_eq!(removal.path(), Some("/"));
    let expired = removal.max_age().is_some_and(|a| a.is_zero())
        || removal
            .expires_datetime()
            .is_some_and(|t| t < actix_web::cookie::time::OffsetDateTime::now_utc());
    assert!(expired, "the browser drops it: {removal}");
    // What the browser then sends (nothing, or the emptied value) grants nothing.
    assert_eq!(snapshot_with(&app, removal.into_owned()).await, 401);
    let res = app.send(app.get("/api/tickets/snapshot")).await;
    res.json_error(401, "unauthorized");
    // Sign-out is a POST: a link cannot sign anyone out.
    app.send(app.get("/api/logout")).await.assert_status(405);
}

#[actix_web::test]
async fn a_bearer_token_works_only_when_configured() {
    let mut config = Config::for_tests(PASSWORD);
    config.api_token = Some("jeton-de-test-1234".into());
    let app = spawn_app_with_config(&config).await;
    let bearer = |t: &str| (header::AUTHORIZATION, format!("Bearer {t}"));
    let res = app
        .send(
            app.post("/api/tickets/start-day")
                .insert_header(bearer("jeton-de-test-1234")),
        )
        .await;
    res.assert_status(200);
    app.send(
        app.get("/api/tickets/snapshot")
            .insert_header(bearer("jeton-de-test-1234")),
    )
    .await
    .assert_status(200);
    for wrong in ["jeton-de-test-123", "", PASSWORD] {
        app.send(
            app.get("/api/tickets/snapshot")
                .insert_header(bearer(wrong)),
        )
        .await
        .json_error(401, "unauthorized");
    }
    app.send(
        app.get("/api/tickets/snapshot")
            .insert_header((header::AUTHORIZATION, "Basic amV0b24tZGUtdGVzdC0xMjM0")),
    )
    .await
    .json_error(401, "unauthorized");

    // Without a configured token, no bearer is accepted, not even an empty one.
    let plain = spawn_app().await;
    for t in ["jeton-de-test-1234", "", PASSWORD] {
        plain
            .send(plain.get("/api/tickets/snapshot").insert_header(bearer(t)))
            .await
            .json_error(401, "unauthorized");
    }
}

#[actix_web::test]
async fn staff_pages_send_strangers_to_the_sign_in_page() {
    let app = spawn_app().await;
    let cases = [
        ("/api/tickets/staff", "/api/login?next=/api/tickets/staff"),
        ("/api/dashboard", "/api/login?next=/api/dashboard"),
        (
            "/api/tickets/staff?desk=A",
            "/api/login?next=/api/tickets/staff%3Fdesk%3DA",
        ),
    ];
    for (page, login) in cases {
        let res = app.get_path(page).await;
        res.assert_status(303);
        assert_eq!(res.location(), login);
        assert_security_headers(&res);
    }
    // The console's form too.
    let res = app
        .send(
            app.post("/api/tickets/staff")
                .set_form([("action", "open_day")]),
        )
        .await;
    res.assert_status(303);
    assert!(res.location().starts_with("/api/login?next="));
    assert_eq!(app.get_status().await.json()["open"], false);
}

#[actix_web::test]
async fn staff_pages_render_for_staff() {
    let app = spawn_app().await;
    for page in ["/api/tickets/staff", "/api/dashboard"] {
        let res = app.get_staff(page).await;
        let html = res.html(200);
        assert!(html.contains("<html lang=\"fr\">"), "{html}");
        assert!(
            html.contains(r#"action="/api/logout""#),
            "a sign-out button"
        );
        assert_eq!(res.header("cache-control"), Some("no-store"));
    }
}

#[actix_web::test]
async fn probes_answer_and_the_root_leads_to_the_kiosk() {
    let app = spawn_app().await;
    let live = app.get_healthz().await;
    live.assert_status(200);
    assert_eq!(live.json(), serde_json::json!({"status": "ok"}));
    let ready = app.get_readyz().await;
    ready.assert_status(200);
    assert_eq!(
        ready.json(),
        serde_json::json!({"status": "ready", "store": "memory"})
    );
    let root = app.get_path("/").await;
    assert!(root.status.is_redirection(), "{}", root.status);
    assert_eq!(root.location(), "/api/tickets/public");
}

#[actix_web::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app().await;
    app.open_day().await;
    app.take().await;
    let day = app.today().await;
    let answers = [
        app.get_status().await,
        app.get_snapshot().await,
        app.post_take().await,
        app.get_path("/").await,
        app.get_path("/api/tickets/public").await,
        app.get_path(&format!("/api/tickets/follow/{day}/1?kiosk=1"))
            .await,
        app.get_path("/api/login").await,
        app.get_staff("/api/tickets/staff").await,
        app.get_staff("/api/dashboard").await,
        app.get_path("/assets/css/app.css").await,
        app.get_healthz().await,
        app.get_path("/missing").await,
        app.send(app.get("/api/tickets/take")).await,
        app.send(app.post("/api/tickets/end-day")).await,
        app.post_login("nope", None).await,
        app.post_login(PASSWORD, None).await,
        app.send(
            app.post("/api/tickets/take")
                .insert_header((header::ORIGIN, "http://evil.example")),
        )
        .await,
    ];
    for res in &answers {
        assert_security_headers(res);
    }
}
