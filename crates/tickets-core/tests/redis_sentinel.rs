//! Failover: the backend on Redis Sentinel (a primary, replicas and three sentinels per
//! test, `RedisSentinels`) follows a failover by itself and, waiting for a replica after
//! each write, loses no acknowledged ticket; a server that became a replica is not ready;
//! a write that no replica confirmed is unavailable, and safe to send again with its key.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tickets_core::testing::{
    RedisCluster, RedisSentinels, RedisServer, SENTINEL_PRIMARY_NAME, start_time, unique_prefix,
};
use tickets_core::{
    BusinessCalendar, DeskId, Error, ErrorKind, IdempotencyKey, ManualClock, Missed, QueueConfig,
    RedisBackend, TakeRequest, Taken, TicketNumber, TicketQueue,
};
use tokio::sync::Mutex;

type Queue = TicketQueue<RedisBackend, ManualClock>;

fn queue(backend: RedisBackend) -> Queue {
    let config = QueueConfig {
        calendar: BusinessCalendar::new(tickets_core::chrono_tz::UTC, 0).expect("a calendar"),
        ..QueueConfig::default()
    };
    TicketQueue::with_clock(backend, ManualClock::new(start_time()), config)
}

fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::parse(text).expect("a valid idempotency key")
}

fn take_with(key: &IdempotencyKey) -> TakeRequest {
    TakeRequest {
        idempotency_key: Some(key.clone()),
        ..TakeRequest::default()
    }
}

/// An error with its causes, as a log line shows it.
fn chain(e: &Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Sends one command to the server on `port` (test set-up, outside the backend).
async fn command(port: u16, args: &[&str]) -> redis::Value {
    let mut conn = redis::Client::open(format!("redis://127.0.0.1:{port}"))
        .expect("a client")
        .get_multiplexed_async_connection()
        .await
        .expect("a connection to a test server");
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query_async(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{args:?} on port {port}: {e}"))
}

/// Takes with `key` until a take is acknowledged, sending it again while the store is
/// unavailable (safe with an idempotency key); panics after `within`.
async fn take_until_acknowledged(q: &Queue, key: &IdempotencyKey, within: Duration) -> Taken {
    let deadline = Instant::now() + within;
    loop {
        match q.take(take_with(key)).await {
            Ok(taken) => return taken,
            Err(e) if e.kind() == ErrorKind::Unavailable && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!(
                "key {key} not acknowledged within {within:?}: {}",
                chain(&e)
            ),
        }
    }
}

/// What the takers of the failover test saw.
#[derive(Default)]
struct Record {
    /// Idempotency key → the ticket number acknowledged for it.
    acked: BTreeMap<String, TicketNumber>,
    /// When the first take that began after the kill was acknowledged.
    first_after_kill: Option<Instant>,
    /// Takes answered `Unavailable` (then sent again with the same key).
    unavailable: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failover_loses_no_acknowledged_ticket_and_serves_again_without_a_restart() {
    const TAKERS: usize = 4;
    // Two replicas: after the failover the new primary still has one to wait for.
    let mut redis = RedisSentinels::start_with_replicas(2);
    let backend = RedisBackend::builder(redis.url())
        .prefix(unique_prefix())
        .wait_for_replicas(1)
        .connection_timeout(Duration::from_millis(500))
        .response_timeout(Duration::from_secs(1))
        .build()
        .await
        .expect("the backend finds the primary through the sentinels");
    let q = queue(backend);
    q.open_day().await.expect("open the day on the primary");
    let mut events = q.events();

    let record = Arc::new(Mutex::new(Record::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let killed_at: Arc<std::sync::Mutex<Option<Instant>>> = Arc::default();
    let mut takers = Vec::new();
    for t in 0..TAKERS {
        let (q, record, stop, killed_at) =
            (q.clone(), record.clone(), stop.clone(), killed_at.clone());
        takers.push(tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let k = key(&format!("taker-{t}-{i}"));
                let began = Instant::now();
                // Sent again with the same key until acknowledged: a take that ran but
                // was not confirmed gives back the same ticket.
                loop {
                    match q.take(take_with(&k)).await {
                        Ok(taken) => {
                            let mut r = record.lock().await;
                            let kill = *killed_at.lock().expect("the kill instant");
                            if kill.is_some_and(|at| began > at) && r.first_after_kill.is_none() {
                                r.first_after_kill = Some(Instant::now());
                            }
                            r.acked.insert(k.to_string(), taken.ticket.number);
                            drop(r);
                            // Continuously, but leaving the machine to the servers.
                            tokio::time::sleep(Duration::from_millis(2)).await;
                            break;
                        }
                        Err(e) if e.kind() == ErrorKind::Unavailable => {
                            record.lock().await.unavailable += 1;
                            assert!(
                                Instant::now() < deadline,
                                "takes still unavailable after 120 s: {}",
                                chain(&e)
                            );
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Err(e) => panic!("a take failed otherwise than unavailable: {}", chain(&e)),
                    }
                }
            }
        }));
    }

    let wait_for = |n: usize, what: &'static str| {
        let record = record.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(60);
            while record.lock().await.acked.len() < n {
                assert!(
                    Instant::now() < deadline,
                    "{what}: fewer than {n} takes in 60 s"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    wait_for(100, "before the failover").await;

    let old = redis.primary();
    let kill = Instant::now();
    *killed_at.lock().expect("the kill instant") = Some(kill);
    redis.kill_node(old);
    let before = record.lock().await.acked.len();

    // Served again, without a restart, by the new primary.
    let deadline = kill + Duration::from_secs(30);
    let recovered = loop {
        if let Some(at) = record.lock().await.first_after_kill {
            break at - kill;
        }
        assert!(
            Instant::now() < deadline,
            "no take acknowledged within 30 s of killing the primary"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let new = redis.wait_for_new_primary(old, Duration::from_secs(30));
    assert_ne!(new, old);
    wait_for(before + 100, "after the failover").await;
    stop.store(true, Ordering::Relaxed);
    for t in takers {
        t.await.expect("a taker ends without panicking");
    }
    let record = record.lock().await;
    eprintln!(
        "failover: served again {recovered:?} after the primary was killed \
         (down-after 1000 ms); {} takes acknowledged, {} answers unavailable meanwhile",
        record.acked.len(),
        record.unavailable
    );
    assert!(record.unavailable > 0, "the kill was noticed");

    // No number given twice, and every acknowledged ticket is on the new primary.
    let numbers: BTreeSet<TicketNumber> = record.acked.values().copied().collect();
    assert_eq!(
        numbers.len(),
        record.acked.len(),
        "a ticket number was acknowledged for two keys"
    );
    for (k, number) in &record.acked {
        let found = q
            .ticket(*number)
            .await
            .unwrap_or_else(|e| panic!("ticket {number} (key {k}) lost: {}", chain(&e)));
        assert_eq!(found.ticket.number, *number);
        let again = take_until_acknowledged(&q, &key(k), Duration::from_secs(30)).await;
        assert!(
            again.replayed && again.ticket.number == *number,
            "key {k} was acknowledged with ticket {number}, now gives {} (replayed: {})",
            again.ticket.number,
            again.replayed
        );
    }
    q.ping().await.expect("ready on the new primary");

    // The event listener followed: it says it reconnected, then events flow again.
    let fresh = q
        .take(TakeRequest::default())
        .await
        .expect("a take after the failover");
    let mut reconnected = false;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(e)) if e.ticket == Some(fresh.ticket.number) => break,
            Ok(Ok(_)) | Ok(Err(Missed::Lagged(_))) => {}
            Ok(Err(Missed::Reconnected)) => reconnected = true,
            Ok(Err(other)) => panic!("the event stream ended: {other}"),
            Err(_) => panic!(
                "no event for ticket {} within 10 s of the failover",
                fresh.ticket.number
            ),
        }
    }
    assert!(reconnected, "subscribers were told to read the state again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_primary_is_found_through_any_sentinel_that_answers() {
    let redis = RedisSentinels::start();
    let dead = RedisServer::start();
    let dead_port = dead.port();
    drop(dead);
    let sentinels: Vec<String> = redis
        .sentinel_ports()
        .iter()
        .map(|p| format!("127.0.0.1:{p}"))
        .collect();
    // A sentinel that is down, then the others.
    let url = format!(
        "redis+sentinel://127.0.0.1:{dead_port},{}/{SENTINEL_PRIMARY_NAME}",
        sentinels.join(",")
    );
    let q = queue(
        RedisBackend::builder(&url)
            .prefix(unique_prefix())
            .build()
            .await
            .expect("a sentinel that is down is skipped"),
    );
    q.open_day().await.expect("open the day");
    let taken = q.take(TakeRequest::default()).await.expect("a take");
    assert_eq!(taken.ticket.number.get(), 1);
    // The ticket is on the primary the sentinels name.
    let primary = redis.node_ports()[redis.primary()];
    let keys = command(primary, &["DBSIZE"]).await;
    assert!(
        matches!(keys, redis::Value::Int(n) if n > 0),
        "the primary holds the day: {keys:?}"
    );

    // Sentinels that do not know the name, or none that answers: a clear refusal.
    let e = RedisBackend::builder(format!(
        "redis+sentinel://{}/no-such-primary",
        sentinels.join(",")
    ))
    .build()
    .await
    .expect_err("no such primary");
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let text = chain(&e);
    assert!(
        text.contains("no primary \"no-such-primary\" found through the sentinels")
            && text.contains("does not monitor it"),
        "{text}"
    );
    let started = Instant::now();
    let e = RedisBackend::builder(format!(
        "redis+sentinel://:secret@127.0.0.1:{dead_port}/{SENTINEL_PRIMARY_NAME}"
    ))
    .build()
    .await
    .expect_err("no sentinel answers");
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let text = chain(&e);
    assert!(text.contains(&format!("127.0.0.1:{dead_port}")), "{text}");
    assert!(!text.contains("secret"), "a password in a message: {text}");
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_that_became_a_replica_is_not_ready_and_its_writes_fail_clearly() {
    let server = RedisServer::start();
    let other = RedisServer::start();
    let backend = RedisBackend::builder(server.url())
        .prefix(unique_prefix())
        .build()
        .await
        .expect("a primary");
    let q = queue(backend.clone());
    q.ping().await.expect("a primary is ready");
    q.open_day().await.expect("a primary takes writes");

    let port = server.port().to_string();
    let other_port = other.port().to_string();
    command(server.port(), &["REPLICAOF", "127.0.0.1", &other_port]).await;
    let e = q.ping().await.expect_err("a replica is not ready");
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(RedisBackend::is_replica_error(&e), "{e:?}");
    let text = chain(&e);
    assert!(
        text.contains(&format!(
            "Redis at 127.0.0.1:{port} is a replica: writes would fail"
        )),
        "{text}"
    );
    let e = q
        .take(TakeRequest::default())
        .await
        .expect_err("a replica refuses writes");
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(RedisBackend::is_replica_error(&e), "{}", chain(&e));

    // Built on a replica: refused at once, saying why.
    let e = RedisBackend::builder(server.url())
        .build()
        .await
        .expect_err("a backend on a replica");
    assert!(RedisBackend::is_replica_error(&e), "{}", chain(&e));

    // Promoted again: ready, and writes go through.
    command(server.port(), &["REPLICAOF", "NO", "ONE"]).await;
    q.ping().await.expect("a primary again");
    q.open_day().await.expect("writes again");
    q.take(TakeRequest::default()).await.expect("a take");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_no_replica_confirmed_is_unavailable_and_safe_to_send_again() {
    let primary = RedisServer::start_with(&["--repl-diskless-sync-delay", "0"]);
    let backend = RedisBackend::builder(primary.url())
        .prefix(unique_prefix())
        .wait_for_replicas(1)
        .response_timeout(Duration::from_secs(2))
        .build()
        .await
        .expect("a primary without replicas");
    let q = queue(backend);

    // Reads do not wait, nor does the closing of the history of the days before that the
    // first operation of the day runs first (here on 400 days without history).
    q.status(&DeskId::default())
        .await
        .expect("a read needs no replica");
    // A write is made, but not confirmed.
    let e = q.open_day().await.expect_err("no replica confirms");
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let text = chain(&e);
    assert!(
        text.contains("0 of the 1 replicas asked confirmed it within 1000 ms"),
        "{text}"
    );
    assert!(
        q.status(&DeskId::default()).await.expect("status").open,
        "the day was opened all the same"
    );
    let k = key("kiosk-1-0001");
    let e = q
        .take(take_with(&k))
        .await
        .expect_err("no replica confirms");
    assert!(
        chain(&e).contains("same idempotency key is safe"),
        "{}",
        chain(&e)
    );

    // A replica arrives: the same key gives the same ticket, now confirmed.
    let port = primary.port().to_string();
    let _replica = RedisServer::start_with(&["--replicaof", "127.0.0.1", &port]);
    let taken = take_until_acknowledged(&q, &k, Duration::from_secs(15)).await;
    assert_eq!(taken.ticket.number.get(), 1, "the first attempt's ticket");
    assert!(taken.replayed, "given back, not taken again");
    assert_eq!(
        q.status(&DeskId::default())
            .await
            .expect("status")
            .total_tickets,
        1
    );

    // A server that lost its functions: the library is loaded again, then the call goes
    // with WAIT in the pipeline.
    command(primary.port(), &["FUNCTION", "FLUSH"]).await;
    let next = q
        .take(TakeRequest::default())
        .await
        .expect("a take after FUNCTION FLUSH");
    assert_eq!(next.ticket.number.get(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_wait_for_the_replicas_of_their_node_on_a_cluster() {
    let cluster = RedisCluster::start_with_replicas(1, &[]);
    let build = |replicas: u32| {
        RedisBackend::builder(cluster.url())
            .prefix(unique_prefix())
            .wait_for_replicas(replicas)
            .response_timeout(Duration::from_secs(2))
            .build()
    };
    let q = queue(build(1).await.expect("the cluster"));
    q.open_day().await.expect("one replica confirms");
    let taken = q.take(TakeRequest::default()).await.expect("a take");
    assert_eq!(taken.ticket.number.get(), 1);

    let q = queue(build(2).await.expect("the cluster"));
    let e = q
        .open_day()
        .await
        .expect_err("each node has one replica, not two");
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(
        chain(&e).contains("1 of the 2 replicas asked confirmed it"),
        "{}",
        chain(&e)
    );
}
