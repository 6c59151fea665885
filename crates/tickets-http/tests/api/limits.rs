//! The limits on public requests: tickets per client address (kiosks and staff exempt),
//! the cap on waiting tickets, event streams per address and in all; and what the public
//! may see and which address links are built from.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use actix_web::http::header;
use serde_json::Value;
use tickets_core::testing::{RedisServer, unique_prefix};
use tickets_core::{AnyBackend, RateLimit, RedisBackend};
use tickets_http::Config;
use tickets_http::client::{KIOSK_COOKIE, parse_net};
use tickets_http::links::PublicUrl;

use crate::helpers::{PASSWORD, TestApp, spawn_app_with, spawn_app_with_config};
use crate::startup::{Running, http_get_whole, port_of, tickets};

const KIOSK_TOKEN: &str = "kiosk-enrollment-secret-0123456789";

fn limited(count: u32) -> Config {
    let mut c = Config::for_tests(PASSWORD);
    c.take_limit = Some(RateLimit::new(count, 600));
    c.kiosk_token = Some(KIOSK_TOKEN.into());
    c
}

/// How many tickets wait, from the public status.
async fn waiting(app: &TestApp) -> u64 {
    app.get_status().await.json()["queue_length"]
        .as_u64()
        .expect("queue_length")
}

#[actix_web::test]
async fn a_take_flood_from_one_address_is_refused_with_retry_after_and_makes_no_ticket() {
    let app = spawn_app_with_config(&limited(3)).await;
    app.open_day().await;
    for _ in 0..3 {
        app.post_take().await.assert_status(201);
    }
    for _ in 0..20 {
        let res = app.post_take().await;
        let body = res.json_error(429, "take_limit_reached");
        let retry: u64 = res
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("seconds");
        assert!((1..=600).contains(&retry), "Retry-After {retry}");
        assert_eq!(body["retry_after_seconds"], retry);
    }
    assert_eq!(waiting(&app).await, 3, "no ticket past the limit");
    // The kiosk form from the same browser: refused too, with a sentence to read.
    let res = app.post_kiosk(&[("service_type", "poste")]).await;
    res.assert_status(303);
    assert!(
        res.location().contains("refused=take_limit"),
        "{}",
        res.location()
    );
    let page = app.get_path(res.location()).await.html(200);
    assert!(
        page.contains("Trop de tickets ont été pris depuis cet appareil"),
        "{page}"
    );
    assert_eq!(waiting(&app).await, 3);
    // Staff are not limited (a staff client takes for a customer at the desk).
    app.send(app.as_staff(app.post("/api/tickets/take")))
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let mut config = limited(1);
    config.trusted_proxies = vec![parse_net("10.0.0.1").expect("an address")];
    let app = spawn_app_with_config(&config).await;
    app.open_day().await;
    let take = |peer: &str, xff: &str| {
        app.post("/api/tickets/take")
            .peer_addr(format!("{peer}:40000").parse().expect("a socket address"))
            .insert_header(("x-forwarded-for", xff.to_owned()))
    };
    // Through the trusted proxy, two customers are two addresses.
    app.send(take("10.0.0.1", "198.51.100.1"))
        .await
        .assert_status(201);
    app.send(take("10.0.0.1", "198.51.100.2"))
        .await
        .assert_status(201);
    app.send(take("10.0.0.1", "198.51.100.2"))
        .await
        .json_error(429, "take_limit_reached");
    // A client that writes its own header is still itself.
    app.send(take("203.0.113.9", "198.51.100.3"))
        .await
        .assert_status(201);
    app.send(take("203.0.113.9", "198.51.100.4"))
        .await
        .json_error(429, "take_limit_reached");
}

#[actix_web::test]
async fn an_enrolled_kiosk_takes_without_limit_and_the_token_stays_out_of_pages() {
    let app = spawn_app_with_config(&limited(1)).await;
    app.open_day().await;
    // A wrong token enrolls nothing.
    let res = app.get_path("/api/kiosk/enroll?token=not-the-token").await;
    let page = res.html(403);
    assert!(res.set_cookie(KIOSK_COOKIE).is_none());
    assert!(!page.contains(KIOSK_TOKEN));
    // The link sets the cookie and sends the browser on without the token.
    let res = app
        .get_path(&format!("/api/kiosk/enroll?token={KIOSK_TOKEN}"))
        .await;
    res.assert_status(303);
    assert!(!res.location().contains(KIOSK_TOKEN), "{}", res.location());
    assert_eq!(res.header("referrer-policy"), Some("no-referrer"));
    let cookie = res.set_cookie(KIOSK_COOKIE).expect("the kiosk cookie");
    assert!(cookie.http_only().unwrap_or(false));
    assert!(cookie.max_age().is_some_and(|a| a.whole_days() > 365));
    assert!(!cookie.value().contains(KIOSK_TOKEN));
    for _ in 0..5 {
        let res = app
            .send(app.post("/api/tickets/take").cookie(cookie.clone()))
            .await;
        res.assert_status(201);
        let res = app
            .send(
                app.post("/api/tickets/public")
                    .cookie(cookie.clone())
                    .set_form([("service_type", "poste")]),
            )
            .await;
        assert!(
            res.location().contains("/api/tickets/follow/"),
            "{}",
            res.location()
        );
    }
    assert_eq!(waiting(&app).await, 10);
    // The kiosk page, to anyone or to the kiosk, never holds the token.
    for req in [
        app.get("/api/tickets/public"),
        app.get("/api/tickets/public?enrolled=1")
            .cookie(cookie.clone()),
        app.as_staff(app.get("/api/tickets/public")),
    ] {
        let page = app.send(req).await.html(200);
        assert!(!page.contains(KIOSK_TOKEN));
    }
    // A forged cookie is no kiosk.
    let forged = actix_web::cookie::Cookie::new(KIOSK_COOKIE, "00".repeat(32));
    app.send(app.post("/api/tickets/take").cookie(forged.clone()))
        .await
        .assert_status(201);
    app.send(app.post("/api/tickets/take").cookie(forged))
        .await
        .json_error(429, "take_limit_reached");
}

#[actix_web::test]
async fn staff_enroll_a_kiosk_from_the_kiosk_page() {
    let mut config = limited(1);
    config.kiosk_token = None;
    let app = spawn_app_with_config(&config).await;
    app.open_day().await;
    // Staff see the button on the kiosk page; the public does not.
    let page = app
        .send(app.as_staff(app.get("/api/tickets/public")))
        .await
        .html(200);
    assert!(page.contains(r#"action="/api/kiosk/enroll""#), "{page}");
    let page = app.get_path("/api/tickets/public").await.html(200);
    assert!(!page.contains("/api/kiosk/enroll"));
    // Without a token there is no link to open.
    app.get_path("/api/kiosk/enroll?token=").await.html(403);
    // Enrolling needs staff.
    let res = app.send(app.post("/api/kiosk/enroll")).await;
    assert!(res.set_cookie(KIOSK_COOKIE).is_none());
    assert_ne!(res.status.as_u16(), 200);
    let res = app.send(app.as_staff(app.post("/api/kiosk/enroll"))).await;
    res.assert_status(303);
    let cookie = res.set_cookie(KIOSK_COOKIE).expect("the kiosk cookie");
    for _ in 0..3 {
        app.send(app.post("/api/tickets/take").cookie(cookie.clone()))
            .await
            .assert_status(201);
    }
    let page = app
        .send(app.get("/api/tickets/public?enrolled=1").cookie(cookie))
        .await
        .html(200);
    assert!(
        page.contains("Ce navigateur est maintenant une borne"),
        "{page}"
    );
}

#[actix_web::test]
async fn no_ticket_is_taken_past_the_cap_on_waiting_tickets() {
    let mut config = Config::for_tests(PASSWORD);
    config.max_waiting = 2;
    let app = spawn_app_with_config(&config).await;
    app.open_day().await;
    app.post_take().await.assert_status(201);
    app.post_take().await.assert_status(201);
    let body = app.post_take().await.json_error(409, "queue_full");
    assert_eq!(body["max_waiting"], 2);
    let res = app.post_kiosk(&[("service_type", "poste")]).await;
    assert!(
        res.location().contains("refused=queue_full"),
        "{}",
        res.location()
    );
    let page = app.get_path(res.location()).await.html(200);
    assert!(page.contains("La file est complète"), "{page}");
    app.post_call_next(Some("1")).await.assert_status(200);
    app.post_take().await.assert_status(201);
    assert_eq!(waiting(&app).await, 2);
}

/// A Redis backend under `prefix` on `server`.
async fn backend_on(server: &RedisServer, prefix: &tickets_core::KeyPrefix) -> AnyBackend {
    let b = RedisBackend::builder(server.url())
        .prefix(prefix.clone())
        .build()
        .await
        .expect("the test redis-server answers");
    AnyBackend::Redis(b)
}

#[actix_web::test]
async fn the_limits_are_shared_by_every_server_on_one_redis() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let mut config = limited(3);
    config.max_waiting = 5;
    let a = spawn_app_with(backend_on(&server, &prefix).await, "redis", &config).await;
    let b = spawn_app_with(backend_on(&server, &prefix).await, "redis", &config).await;
    a.open_day().await;
    a.post_take().await.assert_status(201);
    b.post_take().await.assert_status(201);
    a.post_take().await.assert_status(201);
    b.post_take().await.json_error(429, "take_limit_reached");
    a.post_take().await.json_error(429, "take_limit_reached");
    // The cap too: two kiosk takes on b fill the queue to 5; a refuses the sixth.
    let kiosk = b
        .get_path(&format!("/api/kiosk/enroll?token={KIOSK_TOKEN}"))
        .await
        .set_cookie(KIOSK_COOKIE)
        .expect("enrolled");
    for _ in 0..2 {
        b.send(b.post("/api/tickets/take").cookie(kiosk.clone()))
            .await
            .assert_status(201);
    }
    a.send(a.post("/api/tickets/take").cookie(kiosk))
        .await
        .json_error(409, "queue_full");
    assert_eq!(waiting(&a).await, 5);
}

#[actix_web::test]
async fn the_public_sees_a_ticket_without_times_and_its_desk_only_while_served() {
    let app = spawn_app_with_config(&Config::for_tests(PASSWORD)).await;
    app.open_day().await;
    app.post_take().await.assert_status(201);
    app.post_take().await.assert_status(201);
    let public = |v: &Value| {
        let t = &v["ticket"];
        for hidden in [
            "creation_time",
            "creation_time_iso",
            "called_time",
            "finish_time",
            "desk",
        ] {
            assert!(t.get(hidden).is_none(), "{hidden} shown to the public: {v}");
        }
        assert_eq!(t["label"], "1");
    };
    let waiting_view = app.get_ticket("1").await.json();
    public(&waiting_view);
    assert_eq!(waiting_view["status"], "waiting");
    assert!(waiting_view["desk"].is_null());
    app.post_call_next(Some("3")).await.assert_status(200);
    let served = app.get_ticket("1").await.json();
    public(&served);
    assert_eq!(served["desk"], "3", "the customer must know where to go");
    app.post_finish_current(Some("3")).await.assert_status(200);
    let done = app.get_ticket("1").await.json();
    public(&done);
    assert!(done["desk"].is_null(), "no desk once served: {done}");
    // Staff get the whole ticket.
    let staff = app.get_staff("/api/tickets/ticket/1").await.json();
    assert_eq!(staff["desk"], "3");
    assert!(
        staff["ticket"]["creation_time"].is_number()
            || staff["ticket"]["creation_time"].is_string()
    );
    assert_eq!(staff["ticket"]["desk"], "3");
    assert!(staff["ticket"].get("finish_time").is_some(), "{staff}");
}

#[actix_web::test]
async fn ticket_links_come_from_the_host_or_the_public_url_never_from_forwarded_headers() {
    let app = spawn_app_with_config(&Config::for_tests(PASSWORD)).await;
    app.open_day().await;
    let taken = app.post_take().await.json();
    // The kiosk's page of the ticket, with its printed link and QR code.
    let path = taken["ticket_url"].as_str().expect("ticket_url").to_owned();
    let evil = "evil.example".repeat(40);
    let page = app
        .send(
            app.get(&format!("{path}&kiosk=1"))
                .insert_header(("x-forwarded-host", evil.clone()))
                .insert_header((header::FORWARDED, format!("host={evil}"))),
        )
        .await
        .html(200);
    assert!(
        !page.contains("evil.example"),
        "a forged host made the link"
    );
    assert!(page.contains(&format!("http://localhost{path}")), "{page}");
    let mut config = Config::for_tests(PASSWORD);
    config.public_url = Some(PublicUrl::parse("https://poste.example.org").expect("a URL"));
    let app = spawn_app_with_config(&config).await;
    app.open_day().await;
    let taken = app.post_take().await.json();
    let path = taken["ticket_url"].as_str().expect("ticket_url").to_owned();
    let page = app.get_path(&format!("{path}&kiosk=1")).await.html(200);
    assert!(
        page.contains(&format!("https://poste.example.org{path}")),
        "{page}"
    );
}

/// Opens an event stream on `port`; returns the status line's code and the socket.
fn open_stream(port: u16) -> (u16, TcpStream) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the server accepts");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("a timeout");
    write!(
        s,
        "GET /api/tickets/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .expect("sent");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    if code == 503 {
        assert!(
            head.to_ascii_lowercase().contains("retry-after: 30"),
            "a refused stream says when to come back: {head}"
        );
    }
    (code, s)
}

#[test]
fn event_streams_are_capped_per_address_and_in_all() {
    let mut cmd = tickets();
    cmd.env("TICKETS_STORE", "memory")
        .env("TICKETS_BIND", "127.0.0.1:0")
        .env("TICKETS_STAFF_PASSWORD", PASSWORD)
        .env("TICKETS_STREAM_LIMIT", "2/3");
    let mut running = Running::start(&mut cmd);
    let port = port_of(&running.wait_for("listening on"));
    let (first, s1) = open_stream(port);
    let (second, _s2) = open_stream(port);
    assert_eq!((first, second), (200, 200));
    let (third, _) = open_stream(port);
    assert_eq!(third, 503, "a third stream from one address");
    // A place given back is taken again.
    drop(s1);
    let mut code = 0;
    for _ in 0..50 {
        let (c, s) = open_stream(port);
        code = c;
        if c == 200 {
            std::mem::forget(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(code, 200, "the closed stream's place was given back");
}

/// `GET path` on `port`; the status code.
fn get_status(port: u16, path: &str) -> u16 {
    http_get_whole(port, path)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_kiosk_token_never_reaches_the_logs() {
    let mut cmd = tickets();
    cmd.env("TICKETS_STORE", "memory")
        .env("TICKETS_BIND", "127.0.0.1:0")
        .env("TICKETS_STAFF_PASSWORD", PASSWORD)
        .env("TICKETS_KIOSK_TOKEN", KIOSK_TOKEN)
        .env("RUST_LOG", "info");
    let mut running = Running::start(&mut cmd);
    let port = port_of(&running.wait_for("listening on"));
    assert_eq!(
        get_status(port, &format!("/api/kiosk/enroll?token={KIOSK_TOKEN}")),
        303
    );
    let wrong = "a-wrong-token-tried-by-someone-0000";
    assert_eq!(
        get_status(port, &format!("/api/kiosk/enroll?token={wrong}")),
        403
    );
    running.terminate();
    let out = running.rest_of_stdout().join("\n");
    let logs = running.stderr().join("\n");
    assert!(
        logs.contains("enrolled as a kiosk") && logs.contains("wrong token"),
        "the enrollments were logged: {logs}"
    );
    for text in [&out, &logs] {
        assert!(
            !text.contains(KIOSK_TOKEN),
            "the token in the output: {text}"
        );
        assert!(!text.contains(wrong), "a tried token in the output: {text}");
    }
}
