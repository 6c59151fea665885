//! The same scenarios against a Redis Cluster (three primaries of the test's own, reached
//! through `REDIS_URL` as a comma list of nodes), and the cluster forms of `REDIS_URL`.

use tickets_core::testing::{RedisCluster, unique_prefix};
use tickets_core::{AnyBackend, ErrorKind};
use tickets_http::{Config, StartupError, StoreKind, backend_from};

use crate::helpers::{PASSWORD, spawn_cluster_app};
use crate::seed_contract::{extensions_scenario, seed_scenario};

#[actix_web::test]
async fn the_seed_scenario_holds_on_a_redis_cluster() {
    let (_cluster, app) = spawn_cluster_app().await;
    assert_eq!(app.store, "redis");
    seed_scenario(&app).await;
}

#[actix_web::test]
async fn desks_services_idempotent_takes_recall_and_no_show_work_on_a_redis_cluster() {
    let (_cluster, app) = spawn_cluster_app().await;
    extensions_scenario(&app).await;
    let ready = app.get_readyz().await;
    ready.assert_status(200);
    assert_eq!(ready.json()["store"], "redis");
}

fn redis_config(url: &str) -> Config {
    let mut config = Config::for_tests(PASSWORD);
    config.store = StoreKind::Redis;
    config.redis_url = Some(url.to_owned());
    config.key_prefix = unique_prefix();
    config
}

#[actix_web::test]
async fn redis_url_takes_the_cluster_forms_and_refuses_broken_ones_clearly() {
    let cluster = RedisCluster::start();
    let ports = cluster.ports();
    let bare: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    for url in [
        cluster.url(),                                      // redis+cluster://h:p,h:p,h:p
        format!("redis+cluster://127.0.0.1:{}", ports[2]),  // one seed; the rest is found
        cluster.node_list(),                                // redis://h:p,redis://h:p,…
        bare.join(","),                                     // h:p,h:p,h:p
        format!(" {} , {} ", bare[1], cluster.node_url(0)), // mixed, with spaces
    ] {
        match backend_from(&redis_config(&url)).await {
            Ok(AnyBackend::Redis(b)) => assert!(b.is_cluster(), "{url} is a cluster"),
            Ok(_) => panic!("{url}: not the Redis backend"),
            Err(e) => panic!("{url} refused: {e}"),
        }
    }
    // A single plain URL is still one server, not a cluster.
    match backend_from(&redis_config(&cluster.node_url(0))).await {
        Ok(AnyBackend::Redis(b)) => assert!(!b.is_cluster()),
        Ok(_) => panic!("not the Redis backend"),
        Err(e) => panic!("a cluster node answers as a server too: {e}"),
    }

    for url in [
        "redis+cluster://",
        "redis+cluster://127.0.0.1:7000,,127.0.0.1:7001",
        "redis+cluster://127.0.0.1:port",
        "redis+cluster://127.0.0.1:7000/5",
        "redis://127.0.0.1:7000,ftp://127.0.0.1:7001",
        "127.0.0.1:7000,",
    ] {
        let err = backend_from(&redis_config(url))
            .await
            .err()
            .unwrap_or_else(|| panic!("{url} was accepted"));
        let StartupError::BadRedisUrl { source, .. } = &err else {
            panic!("{url}: {err}");
        };
        assert_eq!(source.kind(), ErrorKind::Invalid, "{url}: {err}");
        let text = err.to_string();
        assert!(
            !text.contains("Start Redis"),
            "a bad URL is not a Redis that is down: {text}"
        );
        assert!(
            text.contains("redis_url") && text.contains("redis+cluster://host:port,host:port"),
            "{url}: the message says what to write: {text}"
        );
    }
}
