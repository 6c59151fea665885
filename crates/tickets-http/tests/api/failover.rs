//! Redis failover as the server sees it: readiness is 503 while Redis is a replica,
//! writes no replica confirmed answer 503 when `TICKETS_REDIS_WAIT_REPLICAS` asks for one,
//! and `REDIS_URL` takes the Sentinel form with its password kept out of messages.

use std::process::Command;

use tickets_core::testing::{RedisSentinels, RedisServer, unique_prefix};
use tickets_core::{AnyBackend, ErrorKind};
use tickets_http::{Config, StartupError, StoreKind, backend_from};

use crate::helpers::{PASSWORD, TestApp, spawn_app_with};

fn redis_config(url: &str) -> Config {
    let mut config = Config::for_tests(PASSWORD);
    config.store = StoreKind::Redis;
    config.redis_url = Some(url.to_owned());
    config.key_prefix = unique_prefix();
    config
}

/// The application as the server builds it from `config`.
async fn app_from(config: &Config) -> TestApp {
    let backend = backend_from(config)
        .await
        .unwrap_or_else(|e| panic!("the test Redis answers: {e}"));
    spawn_app_with(backend, "redis", config).await
}

/// `redis-cli -p <port> <args>` (test set-up, outside the server).
fn redis_cli(port: u16, args: &[&str]) {
    let out = Command::new("redis-cli")
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("redis-cli is needed by this test: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.trim() == "OK",
        "redis-cli {args:?}: {text}"
    );
}

#[actix_web::test]
async fn readiness_is_503_with_a_message_while_redis_is_a_replica() {
    let server = RedisServer::start();
    let other = RedisServer::start();
    let app = app_from(&redis_config(&server.url())).await;
    app.get_readyz().await.assert_status(200);

    redis_cli(
        server.port(),
        &["REPLICAOF", "127.0.0.1", &other.port().to_string()],
    );
    let res = app.get_readyz().await;
    let body = res.json_error(503, "store_unavailable");
    assert_eq!(
        body["message"],
        "The ticket store is a Redis replica, which refuses writes."
    );
    assert_eq!(body["store"], "redis");
    assert!(
        !res.text().contains(&server.port().to_string()),
        "the address stays in the logs: {}",
        res.text()
    );
    app.post_start_day()
        .await
        .json_error(503, "store_unavailable");

    redis_cli(server.port(), &["REPLICAOF", "NO", "ONE"]);
    app.get_readyz().await.assert_status(200);
    app.post_start_day().await.assert_status(200);
}

#[actix_web::test]
async fn writes_no_replica_confirmed_answer_503_when_a_replica_is_asked_for() {
    let server = RedisServer::start();
    let config = redis_config(&server.url());
    // Signed in through a server that does not wait (a sign-in writes too).
    let signed_in = app_from(&config).await;
    let mut config = config;
    config.redis_wait_replicas = 1;
    config.redis_timeout_seconds = 0.4;
    // This one cannot sign anyone in: it uses the other's session.
    config.staff_password = None;
    let app = app_from(&config).await.with_session(signed_in.session());
    // Reads do not wait for replicas.
    app.get_status().await.assert_status(200);
    app.get_readyz().await.assert_status(200);
    app.post_start_day()
        .await
        .json_error(503, "store_unavailable");
    app.post_take().await.json_error(503, "store_unavailable");
}

#[actix_web::test]
async fn redis_url_takes_the_sentinel_form_and_keeps_its_passwords_out_of_messages() {
    let redis = RedisSentinels::start();
    let app = app_from(&redis_config(&redis.url())).await;
    app.get_readyz().await.assert_status(200);
    app.post_start_day().await.assert_status(200);
    let taken = app.post_take().await;
    taken.assert_status(201);
    assert_eq!(taken.json()["ticket"]["ticket_number"], 1);

    // A URL that cannot be read, and sentinels that do not answer: neither message shows
    // the passwords.
    let dead = RedisServer::start();
    let dead_port = dead.port();
    drop(dead);
    for (url, bad_url) in [
        (
            "redis+sentinel://app:hunter2@127.0.0.1:1?sentinel_password=hunter3".to_owned(),
            true,
        ),
        (
            format!(
                "redis+sentinel://app:hunter2@127.0.0.1:{dead_port}/mymaster?sentinel_password=hunter3"
            ),
            false,
        ),
    ] {
        let e = match backend_from(&redis_config(&url)).await {
            Ok(AnyBackend::Redis(_)) => panic!("{url} accepted"),
            Ok(_) => panic!("{url}: not the Redis backend"),
            Err(e) => e,
        };
        let text = e.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("hunter3"),
            "a password in a message: {text}"
        );
        match e {
            StartupError::BadRedisUrl { source, .. } if bad_url => {
                assert_eq!(source.kind(), ErrorKind::Invalid);
                assert!(text.contains("name of the primary is missing"), "{text}");
            }
            StartupError::Redis { source, .. } if !bad_url => {
                assert_eq!(source.kind(), ErrorKind::Unavailable);
                assert!(text.contains("redis+sentinel://***@127.0.0.1:"), "{text}");
            }
            other => panic!("{url}: unexpected {other:?}"),
        }
    }
}
