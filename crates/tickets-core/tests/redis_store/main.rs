//! The Redis store as Redis sees it: key expiry, outages, foreign data and round trips.

mod foreign;
mod keys;
mod office;
mod outages;
mod round_trips;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use futures_util::StreamExt;
use redis::aio::MultiplexedConnection;
use tickets_core::testing::{NO_FUNCTIONS, RedisServer, start_time, unique_prefix};
use tickets_core::{
    Action, BusinessCalendar, BusinessDay, DeskId, Error, ErrorKind, IdempotencyKey, KeyPrefix,
    ManualClock, Missed, OfficeConfig, PriorityCode, QueueConfig, RedisBackend, Result, Service,
    SnapshotOptions, TakeRequest, TicketNumber, TicketQueue, Transfer, TransferPosition,
};

type Queue = TicketQueue<RedisBackend, ManualClock>;

fn utc_config() -> QueueConfig {
    QueueConfig {
        calendar: BusinessCalendar::new(tickets_core::chrono_tz::UTC, 0).expect("a calendar"),
        ..QueueConfig::default()
    }
}

async fn queue_on(server: &RedisServer, prefix: &KeyPrefix, clock: &ManualClock) -> Queue {
    let backend = RedisBackend::builder(server.url())
        .prefix(prefix.clone())
        .build()
        .await
        .expect("connect to the test redis-server");
    TicketQueue::with_clock(backend, clock.clone(), utc_config())
}

async fn raw(server: &RedisServer) -> MultiplexedConnection {
    redis::Client::open(server.url())
        .expect("a client")
        .get_multiplexed_async_connection()
        .await
        .expect("a raw connection to the test redis-server")
}

fn desk(s: &str) -> DeskId {
    DeskId::parse(s).expect("a valid desk")
}

fn n(v: u64) -> TicketNumber {
    TicketNumber::new(v).expect("a valid number")
}

fn keyed(k: &str) -> TakeRequest {
    TakeRequest {
        idempotency_key: Some(IdempotencyKey::parse(k).expect("a valid key")),
        ..TakeRequest::default()
    }
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap()
}

/// Every key of the (throwaway, test-only) server, by cursor iteration.
async fn all_keys(conn: &mut MultiplexedConnection) -> Vec<String> {
    use redis::AsyncCommands;
    let iter = conn.scan::<String>().await.expect("iterate over the keys");
    iter.map(|k| k.expect("a key name")).collect().await
}

/// Every key of the server that belongs to `day`, with its TTL in seconds.
async fn keys_of_day(conn: &mut MultiplexedConnection, day: BusinessDay) -> BTreeMap<String, i64> {
    let all = all_keys(conn).await;
    let tag = format!("{{{day}}}");
    let mut out = BTreeMap::new();
    for key in all.into_iter().filter(|k| k.contains(&tag)) {
        let ttl: i64 = redis::cmd("TTL").arg(&key).query_async(conn).await.unwrap();
        out.insert(key, ttl);
    }
    out
}

/// How long a day's history lives after its last take by default, in seconds (400 days).
const HISTORY_TTL: i64 = tickets_core::DEFAULT_HISTORY_DAYS as i64 * 86_400;

/// Checks that the day's keys are exactly what the snapshot counts, all under the prefix
/// and the day's hash tag, each expiring within `ttl` seconds (and not much sooner: the
/// clock is fixed, so only real seconds have passed since they were written); the
/// short-lived idempotency keys, which the snapshot does not count, expire within the
/// idempotency window; the day's history (a ticket was taken), which the snapshot does not
/// count either, lives on for the history TTL instead of ending with the day.
async fn check_day_keys(conn: &mut MultiplexedConnection, q: &Queue, prefix: &KeyPrefix) {
    let moment = q.moment();
    let ttl = moment.ttl_seconds() as i64;
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let history = format!("{prefix}:{{{}}}:history", moment.day);
    let (short, mut keys): (BTreeMap<String, i64>, BTreeMap<String, i64>) =
        keys_of_day(conn, moment.day)
            .await
            .into_iter()
            .partition(|(k, _)| k.contains(":idem:"));
    let kept = keys
        .remove(&history)
        .unwrap_or_else(|| panic!("{history} holds the day's history: {keys:?}"));
    assert!(
        kept > ttl && (HISTORY_TTL - 30..=HISTORY_TTL).contains(&kept),
        "{history} expires in {kept} s, expected the history TTL, {HISTORY_TTL} s"
    );
    let window = tickets_core::IDEMPOTENCY_WINDOW_SECONDS as i64;
    for (key, t) in &short {
        assert!(
            *t > 0 && *t <= window,
            "{key} expires in {t} s, expected within {window} s"
        );
    }
    assert_eq!(
        keys.len() as u64,
        snap.key_count,
        "the snapshot counts every key of the day: {keys:?}"
    );
    let head = format!("{prefix}:{{{}}}:", moment.day);
    for (key, t) in &keys {
        assert!(key.starts_with(&head), "{key} is under {head}");
        assert!(
            *t > 0 && *t <= ttl && *t >= ttl - 30,
            "{key} expires in {t} s, expected {ttl} s"
        );
    }
    let reported = snap.ttl_seconds.expect("a day with keys has a TTL") as i64;
    assert!(
        reported <= ttl && reported >= ttl - 30,
        "snapshot ttl {reported} vs {ttl}"
    );
}

/// An office with two services, one offering priority, a priority class and a desk.
fn office() -> OfficeConfig {
    OfficeConfig::from_toml(
        r#"
        [[service]]
        code = "courrier"
        prefix = "A"
        name = { fr = "Courrier", en = "Letters" }
        priority = true
        max_wait_minutes = 30

        [[service]]
        code = "colis"
        prefix = "B"
        name = { fr = "Colis", en = "Parcels" }

        [[priority]]
        code = "prioritaire"
        name = { fr = "Prioritaire", en = "Priority" }
        weight = 1

        [[desk]]
        id = "A"
        name = { fr = "Guichet A", en = "Desk A" }
        services = ["courrier", "colis"]
        priority_ratio = 2
        "#,
    )
    .expect("a valid office")
}

fn take_for(service: &str, priority: Option<&str>) -> TakeRequest {
    TakeRequest {
        service: Service::parse(service).unwrap(),
        idempotency_key: None,
        priority: priority.map(|p| PriorityCode::parse(p).unwrap()),
        limits: Default::default(),
    }
}

fn assert_unavailable_quickly<T: Debug>(what: &str, started: Instant, r: Result<T>) {
    let elapsed = started.elapsed();
    let err = r.expect_err(what);
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{what}: {err:?}");
    assert!(err.is_transient());
    assert!(
        elapsed < StdDuration::from_secs(3),
        "{what} took {elapsed:?} to fail with Redis down"
    );
}

fn assert_corrupt<T: Debug>(what: &str, r: Result<T>) {
    match r {
        Err(e @ Error::Corrupt { .. }) => assert_eq!(e.kind(), ErrorKind::Internal),
        other => panic!("{what}: expected Error::Corrupt, got {other:?}"),
    }
}

fn assert_internal<T: Debug>(what: &str, r: Result<T>) {
    let err = r.expect_err(what);
    assert_eq!(err.kind(), ErrorKind::Internal, "{what}: {err:?}");
}
