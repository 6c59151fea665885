//! Webhooks: the administrators' API, and delivery to a receiver on loopback: signed,
//! sent again after failures, once per event with two servers on one Redis.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tickets_core::testing::{RedisServer, unique_prefix};
use tickets_core::webhooks::{DeliveryOutcome, Webhook, WebhookId, WebhookStore};
use tickets_core::{AnyBackend, MemoryBackend, QueueBackend, RedisBackend, TicketQueue};
use tickets_http::config::Config;
use tickets_http::webhooks::{Settings, Webhooks};

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with_config};

/// What the receiver got: one entry per request.
#[derive(Debug, Clone)]
struct Received {
    delivery: String,
    event: String,
    signature: String,
    body: String,
}

/// A receiver on loopback that answers 500 to its first `failures` requests, then 204.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    server: actix_web::dev::ServerHandle,
}

impl Receiver {
    fn start(failures: usize) -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = got.clone();
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        let server = HttpServer::new(move || {
            let seen = seen.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let seen = seen.clone();
                async move {
                    let header = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let mut all = seen.lock().expect("the receiver's log");
                    all.push(Received {
                        delivery: header("x-tickets-delivery"),
                        event: header("x-tickets-event"),
                        signature: header("x-tickets-signature"),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    if all.len() <= failures {
                        HttpResponse::InternalServerError().finish()
                    } else {
                        HttpResponse::NoContent().finish()
                    }
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .expect("the receiver listens")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks/tickets"),
            got,
            server: handle,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().expect("the receiver's log").clone()
    }

    /// Waits until `done` holds for what was received (at most 10 s).
    async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.received();
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{what}: the receiver got {:#?}", self.received());
    }
}

/// Checks a signature as a receiver would: `t=<time>,v1=<hex HMAC of "<t>.<body>">`.
fn signed_by(secret: &str, r: &Received) -> bool {
    let mut parts = r.signature.split(',');
    let (Some(t), Some(v1)) = (
        parts.next().and_then(|p| p.strip_prefix("t=")),
        parts.next().and_then(|p| p.strip_prefix("v1=")),
    ) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("a key");
    mac.update(format!("{t}.{}", r.body).as_bytes());
    hex::decode(v1).is_ok_and(|sig| mac.verify_slice(&sig).is_ok())
}

fn hook(url: &str, events: &[&str]) -> Webhook {
    Webhook {
        id: WebhookId::random().expect("an id"),
        url: url.to_owned(),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        secret: "whsec_the-receivers-secret".into(),
        created_at: chrono::Utc::now(),
    }
}

fn quick() -> Settings {
    Settings {
        allow_private: true,
        pause_divisor: 100,
    }
}

#[actix_web::test]
async fn events_are_delivered_signed_and_retried_until_the_receiver_takes_them() {
    let receiver = Receiver::start(2);
    let backend = MemoryBackend::new();
    let store = AnyBackend::Memory(backend.clone());
    let h = hook(&receiver.url, &["take_ticket", "call_next"]);
    store.add_webhook(&h).await.unwrap();
    let queue = TicketQueue::new(backend.clone());
    let _webhooks = Webhooks::start(store.clone(), backend.events(), quick());
    queue.open_day().await.unwrap();
    let taken = queue.take(Default::default()).await.unwrap();
    queue.call_next(&Default::default()).await.unwrap();
    queue.finish(&Default::default()).await.unwrap(); // not asked for

    let got = receiver
        .wait_for("two events, after two failures", |g| {
            g.iter().filter(|r| r.event == "call_next").count() >= 1
                && g.iter().filter(|r| r.event == "take_ticket").count() >= 2
                && g.len() >= 4
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got_all = receiver.received();
    assert_eq!(
        got_all.len(),
        got.len(),
        "nothing more once taken: {got_all:#?}"
    );
    for r in &got_all {
        assert!(signed_by(&h.secret, r), "a valid signature: {r:?}");
        assert!(!signed_by("another secret", r));
        let body: Value = serde_json::from_str(&r.body).expect("JSON");
        assert_eq!(body["delivery"], r.delivery.as_str());
        assert_eq!(body["event"], r.event.as_str());
        assert_eq!(body["action"], r.event.as_str());
        assert_eq!(body["day"], taken.day.to_string());
        assert_eq!(body["ticket"], taken.ticket.number.get());
    }
    // Each event has one delivery id, sent until it was taken: the failures were retried.
    let mut per_delivery: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &got_all {
        *per_delivery.entry(r.delivery.as_str()).or_default() += 1;
    }
    assert_eq!(per_delivery.len(), 2, "{per_delivery:?}");
    assert_eq!(per_delivery.values().sum::<usize>(), 4);
    assert!(
        store.deliveries().await.unwrap().is_empty(),
        "none left once delivered"
    );
    receiver.server.stop(false).await;
}

#[actix_web::test]
async fn with_two_servers_on_one_redis_each_event_is_delivered_once() {
    let redis = RedisServer::start();
    let receiver = Receiver::start(0);
    let prefix = unique_prefix();
    let server = || async {
        RedisBackend::builder(redis.url())
            .prefix(prefix.clone())
            .build()
            .await
            .expect("connect to the test redis-server")
    };
    let (a, b) = (server().await, server().await);
    let h = hook(&receiver.url, &["*"]);
    AnyBackend::Redis(a.clone()).add_webhook(&h).await.unwrap();
    let _on_a = Webhooks::start(AnyBackend::Redis(a.clone()), a.events(), quick());
    let _on_b = Webhooks::start(AnyBackend::Redis(b.clone()), b.events(), quick());
    let queue = TicketQueue::new(a.clone());
    queue.open_day().await.unwrap();
    for _ in 0..5 {
        queue.take(Default::default()).await.unwrap();
    }
    for _ in 0..3 {
        queue.call_next(&Default::default()).await.unwrap();
    }
    // start_day, 5 takes, 3 calls, the last two of which finish the ticket before.
    receiver.wait_for("eleven events", |g| g.len() >= 11).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = receiver.received();
    let mut ids: Vec<&str> = got.iter().map(|r| r.delivery.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(got.len(), 11, "exactly one delivery per event: {got:#?}");
    assert_eq!(ids.len(), 11);
    assert!(got.iter().all(|r| signed_by(&h.secret, r)));
    receiver.server.stop(false).await;
}

#[actix_web::test]
async fn a_failed_delivery_is_listed_and_sent_again_on_request() {
    // The API lists what the store keeps; the resend makes it due for any server.
    let app = spawn_app().await;
    let store = AnyBackend::Memory(MemoryBackend::new());
    let h = hook("http://127.0.0.1:9/unused", &["*"]);
    store.add_webhook(&h).await.unwrap();
    let now = chrono::Utc::now();
    let d = tickets_core::webhooks::NewDelivery {
        id: format!("{}-2026-11-30-1", h.id),
        hook: h.id.clone(),
        event: "take_ticket".into(),
        body: "{}".into(),
    };
    store
        .enqueue_deliveries(std::slice::from_ref(&d), now)
        .await
        .unwrap();
    store
        .claim_deliveries(now, chrono::Duration::seconds(60), 1)
        .await
        .unwrap();
    let failed = DeliveryOutcome::Failed {
        error: "HTTP 500".into(),
    };
    store.finish_delivery(&d.id, &failed, now).await.unwrap();
    let listed = store.deliveries().await.unwrap();
    assert!(listed[0].failed && listed[0].last_error.as_deref() == Some("HTTP 500"));
    // Through the API (on its own store: unknown there).
    let res = app
        .send(app.as_staff(app.post(&format!("/api/webhooks/deliveries/{}/resend", d.id))))
        .await;
    res.json_error(404, "delivery_not_found");
    assert!(store.resend_delivery(&d.id, now).await.unwrap());
}

#[actix_web::test]
async fn administrators_register_list_and_remove_webhooks() {
    let app = spawn_app().await;
    let post = |body: Value| {
        let app = app.clone();
        async move {
            app.send(app.as_staff(app.post_json("/api/webhooks", &body.to_string())))
                .await
        }
    };
    // Bad input, each naming its field.
    for (body, field) in [
        (json!({"events": ["*"]}), "url"),
        (
            json!({"url": "ftp://example.org/x", "events": ["*"]}),
            "url",
        ),
        (json!({"url": "not a url", "events": ["*"]}), "url"),
        (json!({"url": "http://127.0.0.1:9/x"}), "events"),
        (
            json!({"url": "http://127.0.0.1:9/x", "events": []}),
            "events",
        ),
        (
            json!({"url": "http://127.0.0.1:9/x", "events": ["called"]}),
            "events",
        ),
        (
            json!({"url": "http://127.0.0.1:9/x", "events": ["*"], "secret": "short"}),
            "secret",
        ),
    ] {
        let err = post(body.clone()).await.json_error(422, "invalid_field");
        assert_eq!(err["field"], field, "{body}: {err}");
    }
    // A generated secret, shown once.
    let res =
        post(json!({"url": "http://127.0.0.1:9/x", "events": ["call_next", "take_ticket"]})).await;
    res.assert_status(201);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let made = res.json();
    let id = made["id"].as_str().expect("id").to_owned();
    assert!(
        made["secret"].as_str().unwrap().starts_with("whsec_"),
        "{made}"
    );
    let chosen =
        post(json!({"url": "http://127.0.0.1:9/y", "events": ["*"], "secret": "sixteen-chars-ok"}))
            .await;
    chosen.assert_status(201);
    assert_eq!(chosen.json()["secret"], "sixteen-chars-ok");

    let list = app.get_staff("/api/webhooks").await.json();
    let hooks = list["webhooks"].as_array().expect("webhooks");
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[0]["id"], id.as_str());
    assert_eq!(hooks[0]["events"], json!(["call_next", "take_ticket"]));
    assert!(hooks.iter().all(|h| h.get("secret").is_none()), "{list}");
    assert!(
        list["events"]
            .as_array()
            .unwrap()
            .contains(&json!("leave_queue"))
    );

    let delete = |id: String| {
        let app = app.clone();
        async move {
            app.send(app.as_staff(app.request(
                actix_web::http::Method::DELETE,
                &format!("/api/webhooks/{id}"),
            )))
            .await
        }
    };
    delete(id.clone()).await.assert_status(204);
    delete(id).await.json_error(404, "webhook_not_found");
    delete("nope".into())
        .await
        .json_error(404, "webhook_not_found");
    assert_eq!(
        app.get_staff("/api/webhooks").await.json()["webhooks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let deliveries = app.get_staff("/api/webhooks/deliveries").await.json();
    assert_eq!(deliveries["deliveries"], json!([]));
}

#[actix_web::test]
async fn private_addresses_are_refused_unless_allowed() {
    let mut config = Config::for_tests(PASSWORD);
    config.webhook_allow_private = false;
    let app = spawn_app_with_config(&config).await;
    for url in [
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "http://10.0.0.1/x",
        "http://[::1]/x",
        "http://169.254.169.254/",
    ] {
        let res = app
            .send(app.as_staff(app.post_json(
                "/api/webhooks",
                &json!({"url": url, "events": ["*"]}).to_string(),
            )))
            .await;
        let err = res.json_error(422, "invalid_field");
        assert_eq!(err["field"], "url");
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .contains("TICKETS_WEBHOOK_ALLOW_PRIVATE"),
            "{err}"
        );
    }
}

#[actix_web::test]
async fn a_burst_of_events_is_delivered_whole_however_slow_the_store() {
    // Eight clients take tickets at once on Redis: events come several times faster than
    // one enqueue per event could follow, and a server that fell 1,024 events behind its
    // feed would miss some. Every take must still be delivered, once.
    let redis = RedisServer::start();
    let receiver = Receiver::start(0);
    let backend = RedisBackend::builder(redis.url())
        .prefix(unique_prefix())
        .build()
        .await
        .expect("connect to the test redis-server");
    let store = AnyBackend::Redis(backend.clone());
    store
        .add_webhook(&hook(&receiver.url, &["take_ticket"]))
        .await
        .unwrap();
    let _webhooks = Webhooks::start(store, backend.events(), quick());
    let queue = TicketQueue::new(backend);
    queue.open_day().await.unwrap();
    const CLIENTS: usize = 8;
    const EACH: usize = 300;
    let takers = (0..CLIENTS).map(|_| {
        let queue = queue.clone();
        async move {
            for _ in 0..EACH {
                queue.take(Default::default()).await.unwrap();
            }
        }
    });
    futures_util::future::join_all(takers).await;
    let mut ids = std::collections::BTreeSet::new();
    for _ in 0..600 {
        ids = receiver
            .received()
            .into_iter()
            .map(|r| r.delivery)
            .collect();
        if ids.len() >= CLIENTS * EACH {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ids.len(), CLIENTS * EACH, "every take delivered");
    receiver.server.stop(false).await;
}
