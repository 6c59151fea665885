//! The conformance suite on both backends.

use tickets_core::testing::{RedisServer, conformance_suite, unique_prefix};
use tickets_core::{MemoryBackend, RedisBackend};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_backend_passes_the_conformance_suite() {
    conformance_suite(|| async { MemoryBackend::new() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_backend_passes_the_conformance_suite() {
    let server = RedisServer::start();
    let url = server.url();
    conformance_suite(|| {
        let url = url.clone();
        async move {
            RedisBackend::builder(url)
                .prefix(unique_prefix())
                .build()
                .await
                .expect("connect to the test redis-server")
        }
    })
    .await;
}
