//! Web Push: the API a ticket's page subscribes with, and the messages a test push service
//! on loopback receives, decrypted with the browser's keys as a browser would: near, next
//! and called, once each, signed with the office's VAPID key; once across two servers on
//! one Redis; a subscription the push service says is gone is removed.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Value, json};
use tickets_core::push::{PushStore, PushSubscription};
use tickets_core::testing::{RedisServer, unique_prefix};
use tickets_core::{AnyBackend, RedisBackend, SystemClock, TicketQueue};
use tickets_http::config::Config;
use tickets_http::push::{Push, Settings};
use web_push_native::jwt_simple::prelude::*;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;
use web_push_native::{Auth, p256};

use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_with_config, spawn_redis_app};

/// A request the push service got.
#[derive(Debug, Clone)]
struct Got {
    path: String,
    authorization: String,
    encoding: String,
    ttl: String,
    body: Vec<u8>,
}

/// A push service on loopback: records every request, answers `status` (201 at first).
struct PushService {
    base: String,
    got: Arc<Mutex<Vec<Got>>>,
    status: Arc<AtomicU16>,
    server: actix_web::dev::ServerHandle,
}

impl PushService {
    fn start() -> PushService {
        let got: Arc<Mutex<Vec<Got>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(201));
        let (seen, answer) = (got.clone(), status.clone());
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        let server = HttpServer::new(move || {
            let (seen, answer) = (seen.clone(), answer.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (seen, answer) = (seen.clone(), answer.clone());
                async move {
                    let header = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    seen.lock().expect("the log").push(Got {
                        path: req.path().to_owned(),
                        authorization: header("authorization"),
                        encoding: header("content-encoding"),
                        ttl: header("ttl"),
                        body: body.to_vec(),
                    });
                    let code = answer.load(Ordering::SeqCst);
                    HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(code).expect("a status"),
                    )
                    .finish()
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .expect("the push service listens")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        PushService {
            base: format!("http://127.0.0.1:{port}"),
            got,
            status,
            server: handle,
        }
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().expect("the log").clone()
    }

    /// Waits until `n` requests came (at most 10 s).
    async fn wait_for(&self, n: usize) -> Vec<Got> {
        for _ in 0..200 {
            if self.got().len() >= n {
                return self.got();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} push requests, got {:#?}", self.got());
    }
}

/// A browser: its key pair and secret, and the subscription it would give.
struct Browser {
    secret: p256::SecretKey,
    auth: [u8; 16],
    endpoint: String,
}

impl Browser {
    fn new(service: &PushService, name: &str) -> Browser {
        let secret = loop {
            if let Ok(s) = p256::SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
                break s;
            }
        };
        Browser {
            secret,
            auth: rand::random(),
            endpoint: format!("{}/push/{name}", service.base),
        }
    }

    fn subscription(&self) -> Value {
        let public = self.secret.public_key().to_encoded_point(false);
        json!({
            "endpoint": self.endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": Base64UrlUnpadded::encode_string(public.as_bytes()),
                "auth": Base64UrlUnpadded::encode_string(&self.auth),
            }
        })
    }

    /// Decrypts a message as the browser would (RFC 8291).
    fn read(&self, got: &Got) -> Value {
        assert_eq!(got.encoding, "aes128gcm", "{got:?}");
        let plain = web_push_native::decrypt(
            got.body.clone(),
            &self.secret,
            &Auth::clone_from_slice(&self.auth),
        )
        .unwrap_or_else(|e| panic!("the browser cannot decrypt the message: {e}"));
        serde_json::from_slice(&plain).expect("the message is JSON")
    }
}

/// Checks the VAPID signature of `got` (RFC 8292) as a push service would: signed with
/// `public_key`, for the push service's scheme and host (its origin on the default port,
/// where every public push service is: the signing library leaves the port out), not
/// expired, with a subject.
fn check_vapid(got: &Got, public_key: &str, base: &str) {
    let origin = base.rsplit_once(':').map_or(base, |(o, _)| o);
    let rest = got
        .authorization
        .strip_prefix("vapid t=")
        .unwrap_or_else(|| panic!("a VAPID authorization: {:?}", got.authorization));
    let (token, k) = rest.split_once(", k=").expect("t= and k=");
    assert_eq!(k, public_key, "signed with the key GET /api/push/key gives");
    let key = ES256PublicKey::from_bytes(&Base64UrlUnpadded::decode_vec(k).expect("base64url"))
        .expect("a P-256 key");
    let mut audiences = std::collections::HashSet::new();
    audiences.insert(origin.to_owned());
    let claims = key
        .verify_token::<NoCustomClaims>(
            token,
            Some(VerificationOptions {
                allowed_audiences: Some(audiences),
                ..Default::default()
            }),
        )
        .unwrap_or_else(|e| panic!("a valid VAPID token: {e}"));
    assert!(
        claims.subject.is_some_and(|s| s.starts_with("mailto:")),
        "a subject"
    );
    assert!(claims.expires_at.is_some(), "an expiry");
}

/// The day, number and holder key of a ticket taken now.
async fn take(app: &TestApp) -> (String, u64, String) {
    let taken = app.post_take().await;
    taken.assert_status(201);
    let taken = taken.json();
    let url = taken["ticket_url"].as_str().expect("ticket_url").to_owned();
    (
        taken["day"].as_str().expect("day").to_owned(),
        taken["ticket"]["ticket_number"].as_u64().expect("number"),
        url.split_once("?k=").expect("a key").1.to_owned(),
    )
}

async fn subscribe(app: &TestApp, body: &Value) -> crate::helpers::TestResponse {
    app.send(app.post_json("/api/push/subscriptions", &body.to_string()))
        .await
}

async fn a_holder_is_told_near_next_and_called_once_each(app: TestApp) {
    let service = PushService::start();
    let browser = Browser::new(&service, "holder");
    app.open_day().await;
    let mut last = None;
    for _ in 0..6 {
        last = Some(take(&app).await);
    }
    let (day, n, key) = last.expect("six tickets");
    let key_answer = app.get_path("/api/push/key").await;
    key_answer.assert_status(200);
    let public_key = key_answer.json()["public_key"]
        .as_str()
        .expect("public_key")
        .to_owned();
    assert_eq!(key_answer.json()["ahead"], 3);
    let answer = subscribe(
        &app,
        &json!({"day": day, "ticket": n, "key": key, "lang": "en", "subscription": browser.subscription()}),
    )
    .await;
    answer.assert_status(201);
    assert_eq!(answer.json()["notices"], json!(["near", "next", "called"]));

    // Five ahead, then four: nothing yet. Three: near.
    app.post_call_next(None).await.assert_status(200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(service.got().is_empty(), "{:?}", service.got());
    app.post_call_next(None).await.assert_status(200);
    let got = service.wait_for(1).await;
    let near = browser.read(&got[0]);
    assert_eq!(near["kind"], "near", "{near}");
    assert_eq!(near["ahead"], 3);
    assert_eq!(near["ticket"], n);
    assert_eq!(
        near["body"],
        "3 people ahead of you. Please come back to the desks."
    );
    let url = near["url"].as_str().expect("url");
    assert!(url.ends_with(&format!("/{day}/{n}?k={key}")), "{url}");
    assert!(!got[0].ttl.is_empty(), "a TTL");
    check_vapid(&got[0], &public_key, &service.base);
    // Two ahead, one ahead: nothing new. None ahead: next.
    app.post_call_next(None).await.assert_status(200);
    app.post_call_next(None).await.assert_status(200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(service.got().len(), 1, "near once only");
    app.post_call_next(None).await.assert_status(200);
    let got = service.wait_for(2).await;
    let next = browser.read(&got[1]);
    assert_eq!(next["kind"], "next", "{next}");
    assert_eq!(next["ahead"], 0);
    // Called, with the desk.
    let called = app.post_call_next(None).await;
    called.assert_status(200);
    let got = service.wait_for(3).await;
    let message = browser.read(&got[2]);
    assert_eq!(message["kind"], "called", "{message}");
    assert!(
        message["title"].as_str().unwrap_or_default().contains('→'),
        "{message}"
    );
    assert!(message["desk"].is_string(), "{message}");
    check_vapid(&got[2], &public_key, &service.base);
    // Nothing more, whatever happens next.
    app.post_finish_current(None).await.assert_status(200);
    take(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(service.got().len(), 3, "{:#?}", service.got());
    assert!(got.iter().all(|g| g.path == "/push/holder"));
    service.server.stop(false).await;
}

#[actix_web::test]
async fn a_holder_is_told_near_next_and_called_once_each_on_memory() {
    a_holder_is_told_near_next_and_called_once_each(spawn_app().await).await;
}

#[actix_web::test]
async fn a_holder_is_told_near_next_and_called_once_each_on_redis() {
    let (_redis, app) = spawn_redis_app().await;
    a_holder_is_told_near_next_and_called_once_each(app).await;
}

#[actix_web::test]
async fn subscriptions_are_checked_and_removed_by_their_holder() {
    let service = PushService::start();
    let browser = Browser::new(&service, "b");
    let app = spawn_app().await;
    app.open_day().await;
    let (day, n, key) = take(&app).await;
    let (_, other, other_key) = take(&app).await;
    let sub = browser.subscription();
    let body = |f: &dyn Fn(&mut Value)| {
        let mut b = json!({"day": day, "ticket": other, "key": other_key, "subscription": sub});
        f(&mut b);
        b
    };
    // Another ticket's key, or none that fits.
    subscribe(&app, &body(&|b| b["key"] = json!(key)))
        .await
        .json_error(403, "wrong_ticket_key");
    // Bad fields, each named.
    for (change, field) in [
        (
            &(|b: &mut Value| b["subscription"]["keys"]["p256dh"] = json!("AAAA"))
                as &dyn Fn(&mut Value),
            "subscription.keys.p256dh",
        ),
        (
            &|b: &mut Value| b["subscription"]["keys"]["auth"] = json!("c2hvcnQ"),
            "subscription.keys.auth",
        ),
        (
            &|b: &mut Value| b["subscription"]["endpoint"] = json!("ftp://push.example.org/x"),
            "subscription.endpoint",
        ),
        (
            &|b: &mut Value| b["subscription"] = json!("nope"),
            "subscription",
        ),
        (&|b: &mut Value| b["lang"] = json!("de"), "lang"),
        (&|b: &mut Value| b["day"] = json!("30/11/2026"), "day"),
        (&|b: &mut Value| b["ticket"] = json!(0), "ticket"),
    ] {
        let err = subscribe(&app, &body(change))
            .await
            .json_error(422, "invalid_field");
        assert_eq!(err["field"], field, "{err}");
    }
    subscribe(&app, &body(&|b| b["ticket"] = json!(99)))
        .await
        .json_error(404, "ticket_not_found");
    // Subscribed, then unsubscribed by its holder.
    subscribe(&app, &body(&|_| {})).await.assert_status(201);
    let unsubscribe = |k: &str| {
        json!({"day": day, "ticket": other, "key": k, "endpoint": browser.endpoint}).to_string()
    };
    let delete = |b: String| {
        app.request(actix_web::http::Method::DELETE, "/api/push/subscriptions")
            .insert_header(("Content-Type", "application/json"))
            .set_payload(b)
    };
    app.send(delete(unsubscribe(&key)))
        .await
        .json_error(403, "wrong_ticket_key");
    let removed = app.send(delete(unsubscribe(&other_key))).await;
    removed.assert_status(200);
    assert_eq!(removed.json()["removed"], true);
    let again = app.send(delete(unsubscribe(&other_key))).await;
    assert_eq!(again.json()["removed"], false);
    // A ticket called already cannot be subscribed to.
    app.post_call_next(None).await.assert_status(200);
    let late = subscribe(
        &app,
        &json!({"day": day, "ticket": n, "key": key, "subscription": sub}),
    )
    .await;
    assert_eq!(
        late.json_error(409, "wrong_status")["status"],
        "in_progress"
    );
    service.server.stop(false).await;
}

#[actix_web::test]
async fn push_services_on_private_addresses_are_refused_unless_allowed() {
    let service = PushService::start();
    let browser = Browser::new(&service, "private");
    let mut config = Config::for_tests(PASSWORD);
    config.push_allow_private = false;
    let app = spawn_app_with_config(&config).await;
    app.open_day().await;
    let (day, n, key) = take(&app).await;
    let err = subscribe(
        &app,
        &json!({"day": day, "ticket": n, "key": key, "subscription": browser.subscription()}),
    )
    .await
    .json_error(422, "invalid_field");
    assert_eq!(err["field"], "subscription.endpoint");
    service.server.stop(false).await;
}

/// Two servers on one Redis, each with its push watch.
async fn two_servers(redis: &RedisServer) -> (TicketQueue<RedisBackend>, Vec<Arc<Push>>) {
    let prefix = unique_prefix();
    let mut pushes = Vec::new();
    let mut first = None;
    for _ in 0..2 {
        let backend = RedisBackend::builder(redis.url())
            .prefix(prefix.clone())
            .build()
            .await
            .expect("the test redis-server answers");
        first.get_or_insert_with(|| backend.clone());
        let settings = Settings {
            allow_private: true,
            ..Settings::default()
        };
        pushes.push(
            Push::start(TicketQueue::new(AnyBackend::Redis(backend)), settings)
                .expect("push starts"),
        );
    }
    let queue = TicketQueue::with_clock(first.expect("a backend"), SystemClock, Default::default());
    (queue, pushes)
}

async fn subscription_of(
    queue: &TicketQueue<RedisBackend>,
    browser: &Browser,
    n: tickets_core::TicketNumber,
) -> PushSubscription {
    let info = queue.ticket(n).await.expect("the ticket");
    let sub = browser.subscription();
    PushSubscription {
        ticket: n,
        taken_us: info.ticket.taken_at.timestamp_micros(),
        lang: "fr".into(),
        endpoint: browser.endpoint.clone(),
        p256dh: sub["keys"]["p256dh"].as_str().expect("p256dh").into(),
        auth: sub["keys"]["auth"].as_str().expect("auth").into(),
    }
}

#[actix_web::test]
async fn with_two_servers_on_one_redis_each_notice_is_sent_once() {
    let redis = RedisServer::start();
    let service = PushService::start();
    let browser = Browser::new(&service, "two");
    let (queue, pushes) = two_servers(&redis).await;
    queue.open_day().await.unwrap();
    let mut numbers = Vec::new();
    for _ in 0..3 {
        numbers.push(queue.take(Default::default()).await.unwrap().ticket.number);
    }
    let sub = subscription_of(&queue, &browser, numbers[2]).await;
    let at = queue.moment();
    pushes[1].subscribe(&at, &sub).await.unwrap();
    // Two ahead: near at once (the subscription is looked at when it comes).
    let got = service.wait_for(1).await;
    assert_eq!(browser.read(&got[0])["kind"], "near");
    assert_eq!(
        browser.read(&got[0])["body"],
        "Encore 2 personnes avant vous. Revenez vers les guichets."
    );
    // One ahead: nothing new; none ahead: next; called. (Calls closer together than a
    // look would skip `next`: the holder is told only the latest news.)
    queue.call_next(&Default::default()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    queue.call_next(&Default::default()).await.unwrap();
    service.wait_for(2).await;
    queue.call_next(&Default::default()).await.unwrap();
    let got = service.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let got_now = service.got();
    let kinds: Vec<String> = got_now
        .iter()
        .map(|g| {
            browser.read(g)["kind"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        ["near", "next", "called"],
        "once each, across both servers"
    );
    assert_eq!(got.len(), 3);
    // The last stage sent, the subscription is done with.
    let store = AnyBackend::Redis(queue.backend().clone());
    assert!(store.pushes(at.day).await.unwrap().is_empty());
    service.server.stop(false).await;
}

#[actix_web::test]
async fn a_subscription_the_push_service_says_is_gone_is_removed() {
    let redis = RedisServer::start();
    let service = PushService::start();
    service.status.store(410, Ordering::SeqCst);
    let gone = Browser::new(&service, "gone");
    // One server: another one that read the subscription before it was removed could
    // still send it one more notice (answered 410 again, and removed again).
    let (queue, mut pushes) = two_servers(&redis).await;
    pushes.truncate(1);
    queue.open_day().await.unwrap();
    let n = queue.take(Default::default()).await.unwrap().ticket.number;
    let sub = subscription_of(&queue, &gone, n).await;
    let at = queue.moment();
    let store = AnyBackend::Redis(queue.backend().clone());
    pushes[0].subscribe(&at, &sub).await.unwrap();
    // Next at once: sent, answered 410 Gone, removed.
    service.wait_for(1).await;
    for _ in 0..100 {
        if store.pushes(at.day).await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        store.pushes(at.day).await.unwrap().is_empty(),
        "a subscription that is gone is removed"
    );
    queue.call_next(&Default::default()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let kinds: Vec<Value> = service
        .got()
        .iter()
        .map(|g| gone.read(g)["kind"].clone())
        .collect();
    assert_eq!(kinds, ["next"], "nothing more to a gone subscription");
    service.server.stop(false).await;
}
