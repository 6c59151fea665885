//! Named accounts through HTTP: sign-in by username, roles at the door, sessions shared and
//! revoked across servers, throttling seen by every server, and no password hash anywhere.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use actix_web::cookie::Cookie;
use actix_web::http::header;
use tickets_core::testing::RedisServer;
use tickets_core::{AccountStore, AnyBackend, NewAccount, PasswordHash, Role, Username};
use tickets_http::Config;
use tickets_http::auth::SESSION_COOKIE;

use crate::helpers::{
    PASSWORD, TestApp, accounts_of, redis_backend, spawn_app_with, spawn_server_on,
};
use crate::startup::{Running, port_of, tickets};

const AGENT_PASSWORD: &str = "le mot de passe de Léa";

/// Creates an account `username` with `role` and [`AGENT_PASSWORD`].
async fn add(store: &AnyBackend, username: &str, role: Role) {
    store
        .create_account(
            NewAccount {
                username: Username::parse(username).expect("a valid name"),
                display_name: format!("Compte {username}"),
                role,
                password_hash: PasswordHash::new(AGENT_PASSWORD).expect("a valid password"),
                default_desk: None,
                call_out_of_order: false,
            },
            chrono::Utc::now(),
        )
        .await
        .expect("the account is created");
}

async fn with_cookie(app: &TestApp, cookie: &Cookie<'static>, uri: &str, post: bool) -> u16 {
    let req = if post { app.post(uri) } else { app.get(uri) };
    app.send(req.cookie(cookie.clone())).await.status.as_u16()
}

#[actix_web::test]
async fn an_agent_signs_in_by_name_acts_at_a_desk_and_may_not_run_the_day() {
    let backend = tickets_core::MemoryBackend::new();
    let app = spawn_app_with(backend.clone(), "memory", &Config::for_tests(PASSWORD)).await;
    let store = accounts_of(&backend);
    add(&store, "lea", Role::Agent).await;
    app.post_start_day().await.assert_status(200);
    app.post_take().await.assert_status(201);

    let lea = app.login_as("lea", AGENT_PASSWORD).await;
    let res = app
        .send(
            app.post_json("/api/tickets/call-next", r#"{"desk":"2"}"#)
                .cookie(lea.clone()),
        )
        .await;
    res.assert_status(200);
    let res = app
        .send(app.post("/api/tickets/end-day").cookie(lea.clone()))
        .await;
    let err = res.json_error(403, "forbidden");
    assert_eq!(err["required_role"], "manager");
    let res = app
        .send(app.get("/api/dashboard").cookie(lea.clone()))
        .await;
    let html = res.html(403);
    assert!(
        html.contains("Compte lea"),
        "the page says who is signed in"
    );
    // The console names her, offers no day buttons, and refuses a manager's form post.
    let html = app
        .send(app.get("/api/tickets/staff").cookie(lea.clone()))
        .await
        .html(200);
    assert!(
        html.contains("Compte lea") && html.contains("(agent)"),
        "{html}"
    );
    assert!(!html.contains(r#"value="reset_day""#));
    let res = app
        .send(
            app.post("/api/tickets/staff")
                .set_form([("action", "close_day"), ("desk", "2")])
                .cookie(lea.clone()),
        )
        .await;
    assert_eq!(res.location(), "/api/tickets/staff?done=forbidden&desk=2");
    assert_eq!(app.get_status().await.json()["open"], true);

    // Her actions are in the audit log under her name, at her desk (read from the store
    // once this server's audit read has waited for the lines it queued).
    app.get_staff("/api/audit").await.assert_status(200);
    let entries = store
        .audit(&Default::default(), 10, chrono::Utc::now())
        .await
        .expect("the audit log");
    let call = entries
        .iter()
        .find(|e| e.action == "tickets.call-next")
        .expect("the call is audited");
    assert_eq!(call.account.as_ref().map(Username::as_str), Some("lea"));
    assert_eq!(call.role, Some(Role::Agent));
    assert_eq!(call.desk.as_ref().map(|d| d.as_str()), Some("2"));
    assert!(call.detail.contains("ticket 1"), "{}", call.detail);
    assert!(entries.iter().any(|e| e.action == "sign-in"));
    assert!(
        !entries.iter().any(|e| e.action.contains("end-day")),
        "a refused action is not done, so not audited"
    );

    // Signing out ends the session in the store: the same cookie grants nothing after.
    app.send(app.post("/api/logout").cookie(lea.clone()))
        .await
        .assert_status(303);
    assert_eq!(
        with_cookie(&app, &lea, "/api/tickets/snapshot", false).await,
        401
    );
}

#[actix_web::test]
async fn a_desk_chosen_at_sign_in_opens_the_console_there() {
    let backend = tickets_core::MemoryBackend::new();
    let app = spawn_app_with(backend.clone(), "memory", &Config::for_tests(PASSWORD)).await;
    add(&accounts_of(&backend), "lea", Role::Agent).await;
    let res = app
        .send(app.post("/api/login").set_form([
            ("username", "lea"),
            ("password", AGENT_PASSWORD),
            ("desk", "7"),
        ]))
        .await;
    res.assert_status(303);
    let session = res
        .set_cookie(SESSION_COOKIE)
        .expect("a session")
        .into_owned();
    let html = app
        .send(app.get("/api/tickets/staff").cookie(session))
        .await
        .html(200);
    assert!(html.contains("Guichet 7"), "{html}");
    let bad = app
        .send(app.post("/api/login").set_form([
            ("username", "lea"),
            ("password", AGENT_PASSWORD),
            ("desk", "a b"),
        ]))
        .await;
    let html = bad.html(422);
    assert!(html.contains("Ce guichet n'existe pas."), "{html}");
}

#[actix_web::test]
async fn sessions_are_shared_and_revoked_across_two_servers_on_one_redis() {
    let redis = RedisServer::start();
    let backend = redis_backend(&redis).await;
    let config = Config::for_tests(PASSWORD);
    let a = spawn_app_with(backend.clone(), "redis", &config).await;
    let b = spawn_app_with(backend.clone(), "redis", &config).await;
    add(&backend, "lea", Role::Agent).await;
    let lea = a.login_as("lea", AGENT_PASSWORD).await;
    assert_eq!(
        with_cookie(&b, &lea, "/api/tickets/snapshot", false).await,
        200
    );

    // Disabled through server A's store: server B refuses her at once.
    backend
        .set_enabled(&Username::parse("lea").unwrap(), false, chrono::Utc::now())
        .await
        .expect("disabled");
    assert_eq!(
        with_cookie(&b, &lea, "/api/tickets/snapshot", false).await,
        401
    );
    let res = b
        .send(
            b.post("/api/login")
                .set_form([("username", "lea"), ("password", AGENT_PASSWORD)]),
        )
        .await;
    res.html(401);

    // A new password ends the sessions too.
    backend
        .set_enabled(&Username::parse("lea").unwrap(), true, chrono::Utc::now())
        .await
        .expect("enabled");
    let lea = b.login_as("lea", AGENT_PASSWORD).await;
    assert_eq!(
        with_cookie(&a, &lea, "/api/tickets/snapshot", false).await,
        200
    );
    backend
        .set_password(
            &Username::parse("lea").unwrap(),
            PasswordHash::new("un tout nouveau mot de passe").unwrap(),
            chrono::Utc::now(),
        )
        .await
        .expect("changed");
    assert_eq!(
        with_cookie(&a, &lea, "/api/tickets/snapshot", false).await,
        401
    );
    assert_eq!(
        with_cookie(&b, &lea, "/api/tickets/snapshot", false).await,
        401
    );
}

#[actix_web::test]
async fn an_open_staff_stream_ends_when_its_session_is_revoked_on_another_server() {
    let redis = RedisServer::start();
    let backend = redis_backend(&redis).await;
    let config = Config::for_tests(PASSWORD);
    let a = spawn_app_with(backend.clone(), "redis", &config).await;
    let (port, handle) = spawn_server_on(backend.clone(), &config).await;
    add(&backend, "lea", Role::Agent).await;
    let lea = a.login_as("lea", AGENT_PASSWORD).await;

    // Read without blocking the runtime: the store's connections are driven by it.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("the server accepts");
    let request = format!(
        "GET /api/tickets/events HTTP/1.1\r\nHost: localhost\r\nCookie: {}={}\r\n\r\n",
        SESSION_COOKIE,
        lea.value()
    );
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(5);
    while !seen.contains("event: state") && Instant::now() < deadline {
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await
        {
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    assert!(seen.contains("event: state"), "the stream starts: {seen}");
    backend
        .revoke_sessions_of(&Username::parse("lea").unwrap())
        .await
        .expect("revoked");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(6);
    while !seen.contains("event: signed-out") && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await {
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            _ => {}
        }
    }
    assert!(
        seen.contains("event: signed-out"),
        "the stream says the session ended: {}",
        &seen[seen.len().saturating_sub(300)..]
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    handle.stop(false).await;
}

#[actix_web::test]
async fn failed_sign_ins_are_throttled_across_two_servers() {
    let redis = RedisServer::start();
    let backend = redis_backend(&redis).await;
    let config = Config::for_tests(PASSWORD);
    let a = spawn_app_with(backend.clone(), "redis", &config).await;
    let b = spawn_app_with(backend.clone(), "redis", &config).await;
    for _ in 0..4 {
        a.post_login("not the password", None).await.html(401);
    }
    // The fifth failure, on the other server, starts the wait.
    let res = b.post_login("not the password", None).await;
    res.html(429);
    let res = a.post_login(PASSWORD, None).await;
    let html = res.html(429);
    assert!(html.contains("Trop d'essais"), "{html}");
    let wait: u64 = res
        .header(header::RETRY_AFTER.as_str())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(res.set_cookie(SESSION_COOKIE).is_none());
}

#[test]
fn no_password_hash_reaches_an_answer_a_log_line_or_a_metric() {
    let mut server = Running::start(
        tickets()
            .env("TICKETS_BIND", "127.0.0.1:0")
            .env("TICKETS_STAFF_PASSWORD", PASSWORD)
            .env("TICKETS_TAKE_LIMIT", "0")
            .env("RUST_LOG", "debug"),
    );
    let port = port_of(&server.wait_for("listening on"));
    let post = |path: &str, body: &str, cookie: Option<&str>| -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("a timeout");
        let cookie = cookie
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{cookie}\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("sent");
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer
    };
    let get = |path: &str, cookie: &str| -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("a timeout");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nCookie: {cookie}\r\n\r\n"
        )
        .expect("sent");
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer
    };
    let mut answers = vec![
        post("/api/login", "username=admin&password=wrong", None),
        // The password typed in the username field by mistake: not logged either.
        post(
            "/api/login",
            &format!("username={PASSWORD}&password=wrong"),
            None,
        ),
    ];
    let signed = post(
        "/api/login",
        &format!("username=admin&password={}", PASSWORD.replace(' ', "+")),
        None,
    );
    let cookie = signed
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or(l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("a session cookie: {signed}"))
        .to_owned();
    answers.push(signed.clone());
    for path in [
        "/metrics",
        "/api/tickets/staff",
        "/api/tickets/snapshot",
        "/api/config",
        "/api/login",
    ] {
        let answer = get(path, &cookie);
        assert!(!answer.starts_with("HTTP/1.1 401"), "{path}: {answer}");
        answers.push(answer);
    }
    server.terminate();
    let answers = answers.join("\n");
    let mut logs = server.rest_of_stdout().join("\n");
    logs.push_str(&server.stderr().join("\n"));
    assert!(logs.contains("failed staff sign-in"), "failures are logged");
    // The sign-in form shows the typed username again to the one who typed it; the logs
    // show neither it (unless it names an account) nor any hash.
    for (needle, everything) in [
        ("$argon2", &answers),
        ("argon2id", &answers),
        ("$argon2", &logs),
        ("argon2id", &logs),
        (PASSWORD, &logs),
    ] {
        let leak = everything.lines().find(|l| l.contains(needle));
        assert!(leak.is_none(), "{needle} leaked: {leak:?}");
    }
}

#[actix_web::test]
async fn an_agent_calls_out_of_turn_only_when_the_account_allows_it() {
    let backend = tickets_core::MemoryBackend::new();
    let app = spawn_app_with(backend.clone(), "memory", &Config::for_tests(PASSWORD)).await;
    let store = accounts_of(&backend);
    add(&store, "lea", Role::Agent).await;
    app.post_start_day().await.assert_status(200);
    for _ in 0..3 {
        app.post_take().await.assert_status(201);
    }
    let lea = app.login_as("lea", AGENT_PASSWORD).await;
    let call_third = || {
        app.post_json("/api/tickets/call", r#"{"desk":"2","ticket":3}"#)
            .cookie(lea.clone())
    };
    let err = app.send(call_third()).await.json_error(403, "forbidden");
    assert_eq!(err["required"], "call_out_of_order");
    let html = app
        .send(app.get("/api/tickets/staff?desk=2").cookie(lea.clone()))
        .await
        .html(200);
    assert!(
        !html.contains(r#"value="call_ticket""#),
        "no call button for her"
    );
    let res = app
        .send(
            app.post("/api/tickets/staff")
                .set_form([("action", "call_ticket"), ("desk", "2"), ("ticket", "3")])
                .cookie(lea.clone()),
        )
        .await;
    assert_eq!(res.location(), "/api/tickets/staff?done=forbidden&desk=2");

    // Allowed now: her open session follows at once.
    let changes = tickets_core::AccountChanges {
        call_out_of_order: Some(true),
        ..Default::default()
    };
    store
        .update_account(
            &Username::parse("lea").unwrap(),
            &changes,
            chrono::Utc::now(),
        )
        .await
        .expect("updated");
    let res = app.send(call_third()).await;
    res.assert_status(200);
    assert_eq!(res.json()["ticket"]["ticket_number"], 3);
    let html = app
        .send(app.get("/api/tickets/staff?desk=2").cookie(lea.clone()))
        .await
        .html(200);
    assert!(html.contains(r#"value="call_ticket""#), "{html}");
}
