//! The push subscription store's conformance suite on memory, on Redis across two
//! servers, and on a Redis Cluster.

use tickets_core::MemoryBackend;
use tickets_core::testing::push::push_conformance_suite;
use tickets_core::testing::{RedisCluster, RedisServer, two_servers};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_backend_passes_the_push_suite() {
    push_conformance_suite(|| async {
        let store = MemoryBackend::new();
        (store.clone(), store)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_backend_passes_the_push_suite_across_two_servers() {
    let server = RedisServer::start();
    let url = server.url();
    push_conformance_suite(|| two_servers(url.clone())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_backend_passes_the_push_suite_on_a_cluster() {
    let cluster = RedisCluster::start();
    let url = cluster.url();
    push_conformance_suite(|| two_servers(url.clone())).await;
}
