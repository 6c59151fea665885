//! The Redis store as Redis sees it: key expiry, outages, foreign data and round trips.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_written_expires_with_the_day_and_is_counted_by_the_snapshot() {
    let server = RedisServer::start();
    let mut conn = raw(&server).await;
    let prefix = unique_prefix();
    let clock = ManualClock::new(start_time()); // 08:00 UTC: 16 h left in the day
    let q = queue_on(&server, &prefix, &clock).await;
    let a = desk("A");
    let default = DeskId::default();

    q.open_day().await.unwrap();
    for _ in 0..3 {
        q.take(TakeRequest::default()).await.unwrap();
    }
    q.take(keyed("kiosk-1:a")).await.unwrap(); // 4
    q.call_next(&default).await.unwrap(); // 1 at the default desk
    q.call_next(&a).await.unwrap(); // 2 at A
    q.finish(&a).await.unwrap();
    q.call_next(&a).await.unwrap(); // 3 at A
    q.recall(&a).await.unwrap();
    q.no_show(&a).await.unwrap();
    q.take(keyed("kiosk-1:b")).await.unwrap(); // 5
    q.close_day().await.unwrap();
    assert!(q.take(keyed("kiosk-1:b")).await.unwrap().replayed);
    assert_eq!(q.moment().ttl_seconds(), 16 * 3600);
    check_day_keys(&mut conn, &q, &prefix).await;
    // counter, waiting, current, desks, logs, stats, activity, numbers, streaks, the queue
    // index (queues, heads, head_times), the queue of poste and five tickets; the day is
    // closed, so no open marker; the two idempotency keys are not counted.
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.key_count, 18);

    // Half an hour before midnight the keys still live at least one hour.
    clock.set(at(2026, 11, 25, 23, 30));
    q.open_day().await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();
    q.call_next(&a).await.unwrap();
    assert_eq!(q.moment().ttl_seconds(), 3600);
    check_day_keys(&mut conn, &q, &prefix).await;

    // A reset leaves only its own log line, counters and activity, with the same TTL.
    clock.set(start_time());
    q.reset_day().await.unwrap();
    check_day_keys(&mut conn, &q, &prefix).await;
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.key_count, 3, "logs, stats and activity");

    // The reset kept the first day's history. Its open tickets were already recorded as
    // unserved when the second day's first operation closed it (ticket 1 at the default
    // desk, 4 and 5 waiting); the second day's history is still open.
    let history = |day: &str| {
        redis::cmd("HGETALL")
            .arg(format!("{prefix}:{{{day}}}:history"))
            .to_owned()
    };
    let first: BTreeMap<String, String> =
        history("2026-11-24").query_async(&mut conn).await.unwrap();
    let statuses: Vec<(&str, &str)> = first
        .iter()
        .filter(|(f, _)| *f != "_closed")
        .map(|(f, line)| {
            let number = f.split_once('@').expect("<number>@<creation_time>").0;
            (number, line.split('|').next().unwrap())
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("1", "unserved"),
            ("2", "completed"),
            ("3", "no_show"),
            ("4", "unserved"),
            ("5", "unserved"),
        ],
        "{first:?}"
    );
    assert!(first.contains_key("_closed"), "{first:?}");
    let second: BTreeMap<String, String> =
        history("2026-11-25").query_async(&mut conn).await.unwrap();
    assert_eq!(second.len(), 1, "{second:?}");
    assert!(
        second.values().all(|line| line.starts_with("in_progress|")),
        "{second:?}"
    );

    // Nothing else was written anywhere: every key of the server is a key of one of the
    // two days, under the prefix and the day's hash tag; the two idempotency keys of the
    // first day outlive its reset (until their window ends) and are not counted, nor are
    // the two days' histories. Closing the history of the (empty) days before the first
    // wrote nothing.
    let all = all_keys(&mut conn).await;
    let mut counted = snap.key_count + 2 + 2;
    clock.set(at(2026, 11, 25, 23, 30));
    counted += q
        .snapshot(SnapshotOptions::default())
        .await
        .unwrap()
        .key_count;
    assert_eq!(all.len() as u64, counted, "{all:?}");
    for key in &all {
        let ok = ["2026-11-24", "2026-11-25"]
            .iter()
            .any(|day| key.starts_with(&format!("{prefix}:{{{day}}}:")));
        assert!(ok, "{key} is not a key of a day under {prefix}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_day_keeps_its_queues_counted_and_the_configuration_without_ttl() {
    let server = RedisServer::start();
    let mut conn = raw(&server).await;
    let prefix = unique_prefix();
    let clock = ManualClock::new(start_time());
    let q = queue_on(&server, &prefix, &clock).await;
    let a = desk("A");
    let stored = q.put_office(office(), None).await.unwrap();
    assert_eq!(stored.version, 1);
    // The configuration key: the JSON document with its version, and no TTL.
    let config_key = format!("{prefix}:config");
    let text: String = redis::cmd("GET")
        .arg(&config_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    let doc: OfficeConfig = serde_json::from_str(&text).unwrap();
    assert_eq!(doc, *stored);
    let ttl: i64 = redis::cmd("TTL")
        .arg(&config_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(ttl, -1, "the configuration never expires");

    q.open_day().await.unwrap();
    q.take(take_for("courrier", None)).await.unwrap(); // 1 A001
    q.take(take_for("courrier", Some("prioritaire")))
        .await
        .unwrap(); // 2 A002
    q.take(take_for("colis", None)).await.unwrap(); // 3 B001
    q.take(take_for("colis", None)).await.unwrap(); // 4 B002
    check_day_keys(&mut conn, &q, &prefix).await;
    // day, counter, waiting, logs, stats, activity, numbers, the queue index (queues,
    // head_times, heads, heads:prioritaire, classes), three queues and four tickets.
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.key_count, 19);
    let queue = |name: &str| format!("{prefix}:{{2026-11-24}}:queue:{name}");
    let members: Vec<(String, f64)> = redis::cmd("ZRANGE")
        .arg(queue("colis"))
        .arg(0)
        .arg(-1)
        .arg("WITHSCORES")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        members,
        [("000000003".to_owned(), 3.0), ("000000004".to_owned(), 4.0)],
        "members on nine digits, scored by number"
    );

    // Priority first; the emptied class queue leaves the registry and the store.
    assert_eq!(q.call_next(&a).await.unwrap().called.unwrap().number, n(2));
    // To the end of courrier, after ticket 1: the score is between the last number given
    // and the next one.
    q.transfer(&Transfer {
        ticket: n(3),
        service: Service::parse("courrier").unwrap(),
        position: TransferPosition::End,
        desk: None,
    })
    .await
    .unwrap();
    let score: f64 = redis::cmd("ZSCORE")
        .arg(queue("courrier"))
        .arg("000000003")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(score, 4.5);
    let index: BTreeMap<String, String> = redis::cmd("HGETALL")
        .arg(format!("{prefix}:{{2026-11-24}}:queues"))
        .query_async(&mut conn)
        .await
        .unwrap();
    // One entry per non-empty queue: its size, its head's number and label.
    assert_eq!(
        index,
        BTreeMap::from([
            ("colis".to_owned(), "1 4 B002".to_owned()),
            ("courrier".to_owned(), "2 1 A001".to_owned()),
        ])
    );
    let zrange = |key: &str| {
        redis::cmd("ZRANGE")
            .arg(format!("{prefix}:{{2026-11-24}}:{key}"))
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .to_owned()
    };
    // The heads of the queues without priority (by service), in calling order, and when
    // each queue's head was taken.
    let heads: Vec<(String, f64)> = zrange("heads").query_async(&mut conn).await.unwrap();
    assert_eq!(
        heads,
        [("courrier".to_owned(), 1.0), ("colis".to_owned(), 4.0)]
    );
    let times: Vec<(String, i64)> = zrange("head_times").query_async(&mut conn).await.unwrap();
    let taken = start_time().timestamp_micros();
    assert_eq!(
        times,
        [("colis".to_owned(), taken), ("courrier".to_owned(), taken)]
    );
    check_day_keys(&mut conn, &q, &prefix).await;
    // day, counter, waiting, desks, streaks (no current: A is not the default desk), logs,
    // stats, activity, numbers, the queue index (queues, head_times, heads: no class has a
    // queue now), two queues and four tickets.
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.key_count, 18);

    // Every other script that writes: calling a given ticket, a no-show put back, a desk's
    // current ticket moved, a class queue emptied and filled again. Each key written has
    // the day's TTL and the snapshot counts them all.
    q.take(take_for("courrier", Some("prioritaire")))
        .await
        .unwrap(); // 5
    q.call(&a, n(5)).await.unwrap();
    q.no_show(&a).await.unwrap();
    q.requeue(n(5)).await.unwrap();
    q.call(&a, n(4)).await.unwrap();
    q.recall(&a).await.unwrap();
    q.transfer(&Transfer {
        ticket: n(4),
        service: Service::parse("courrier").unwrap(),
        position: TransferPosition::Front,
        desk: Some(a.clone()),
    })
    .await
    .unwrap();
    assert_eq!(
        q.finish(&a).await.unwrap(),
        None,
        "the transfer freed the desk"
    );
    check_day_keys(&mut conn, &q, &prefix).await;
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(
        snap.services[0].queue,
        [n(5), n(4), n(1), n(3)],
        "courrier: priority first, then the front of the queue"
    );

    // The reset wipes every queue, whatever its service.
    q.reset_day().await.unwrap();
    let all = all_keys(&mut conn).await;
    let mut names: Vec<&str> = all
        .iter()
        .map(|k| k.strip_prefix(&format!("{prefix}:")).unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "config",
            "{2026-11-24}:activity",
            "{2026-11-24}:history",
            "{2026-11-24}:logs",
            "{2026-11-24}:stats"
        ]
    );
    // The history stays, with its own TTL: the tickets the reset removed while they
    // waited are recorded as unserved (the no-show put back in its queue included), and
    // the only ticket served stays served.
    let history: BTreeMap<String, String> = redis::cmd("HGETALL")
        .arg(format!("{prefix}:{{2026-11-24}}:history"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let statuses: Vec<(&str, &str)> = history
        .iter()
        .map(|(f, line)| {
            let number = f.split_once('@').expect("<number>@<creation_time>").0;
            (number, line.split('|').next().unwrap())
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("1", "unserved"),
            ("2", "completed"),
            ("3", "unserved"),
            ("4", "unserved"),
            ("5", "unserved"),
        ],
        "{history:?}"
    );
    let ttl: i64 = redis::cmd("TTL")
        .arg(format!("{prefix}:{{2026-11-24}}:history"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((HISTORY_TTL - 30..=HISTORY_TTL).contains(&ttl), "{ttl}");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_is_reported_as_unavailable_and_the_same_backend_recovers() {
    let mut server = RedisServer::start();
    let clock = ManualClock::new(start_time());
    let backend = RedisBackend::builder(server.url())
        .prefix(unique_prefix())
        .connection_timeout(StdDuration::from_millis(300))
        .response_timeout(StdDuration::from_millis(300))
        .build()
        .await
        .expect("connect to the test redis-server");
    let q = TicketQueue::with_clock(backend, clock, utc_config());
    let mut events = q.events();
    q.open_day().await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();
    let before: Vec<Action> = tickets_core::testing::next_events(&mut events, 2)
        .await
        .iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(before, [Action::StartDay, Action::TakeTicket]);
    // Fill the pool with connections, all of which the outage will break.
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..64 {
        let q = q.clone();
        readers.spawn(async move { q.status(&DeskId::default()).await });
    }
    while let Some(r) = readers.join_next().await {
        r.unwrap().expect("status before the outage");
    }

    tokio::task::block_in_place(|| server.stop());
    let d = DeskId::default();
    let t = Instant::now();
    assert_unavailable_quickly("status", t, q.status(&d).await);
    let t = Instant::now();
    assert_unavailable_quickly("take", t, q.take(TakeRequest::default()).await);
    let t = Instant::now();
    assert_unavailable_quickly("snapshot", t, q.snapshot(SnapshotOptions::default()).await);
    let t = Instant::now();
    assert_unavailable_quickly("call_next", t, q.call_next(&d).await);
    let t = Instant::now();
    assert_unavailable_quickly("ping", t, q.ping().await);

    tokio::task::block_in_place(|| server.restart());
    // The first failure during the outage dropped every pooled connection, so the pool
    // reconnects at once: at most one more caller may meet a dead connection.
    let deadline = Instant::now() + StdDuration::from_secs(5);
    let mut failures = 0;
    let after = loop {
        match q.take(TakeRequest::default()).await {
            Err(e) if e.kind() == ErrorKind::Unavailable && Instant::now() < deadline => {
                failures += 1;
                tokio::time::sleep(StdDuration::from_millis(50)).await;
            }
            other => break other,
        }
    };
    assert!(
        failures <= 1,
        "{failures} calls failed after Redis was back"
    );
    // The server came back empty (no persistence): the day is closed again.
    let err = after.expect_err("a take on the emptied server");
    assert_eq!(err.kind(), ErrorKind::DayClosed, "{err:?}");
    q.ping().await.expect("ping after the restart");

    // The event feed says it reconnected, then carries events again.
    let missed = tokio::time::timeout(StdDuration::from_secs(15), events.recv())
        .await
        .expect("the event feed comes back after the restart");
    assert_eq!(missed, Err(Missed::Reconnected));
    assert!(q.open_day().await.unwrap().changed);
    let taken = q.take(TakeRequest::default()).await.unwrap();
    assert_eq!(taken.ticket.number, n(1));
    let after: Vec<(u64, Action)> = tickets_core::testing::next_events(&mut events, 2)
        .await
        .iter()
        .map(|e| (e.seq, e.action))
        .collect();
    assert_eq!(after, [(1, Action::StartDay), (2, Action::TakeTicket)]);
    // And nothing more: no event came twice.
    if let Ok(next) = tokio::time::timeout(StdDuration::from_millis(500), events.recv()).await {
        panic!("an event after the last expected one: {next:?}");
    }
    let st = q.status(&d).await.unwrap();
    assert_eq!((st.open, st.total_tickets), (true, 1));
}

/// Runs the same operation on both backends and checks that they answer alike.
macro_rules! both {
    ($mem:expr, $red:expr, |$q:ident| $op:expr) => {{
        let m = {
            let $q = &$mem;
            $op.await
        };
        let r = {
            let $q = &$red;
            $op.await
        };
        match (&m, &r) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", stringify!($op)),
            (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "{}", stringify!($op)),
            _ => panic!("{}: memory {m:?}, Redis {r:?}", stringify!($op)),
        }
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classes_and_services_changed_while_tickets_wait_are_handled_as_on_memory() {
    let server = RedisServer::start();
    let clock = ManualClock::new(start_time());
    let red = queue_on(&server, &unique_prefix(), &clock).await;
    let mem = TicketQueue::with_clock(
        tickets_core::MemoryBackend::new(),
        clock.clone(),
        utc_config(),
    );
    // Three classes, one whose code sorts differently by bytes and by locale ("a-z").
    let mut office = OfficeConfig::from_toml(
        r#"
        [[service]]
        code = "courrier"
        prefix = "A"
        name = { fr = "Courrier", en = "Letters" }
        priority = true
        max_wait_minutes = 20

        [[service]]
        code = "colis"
        prefix = "B"
        name = { fr = "Colis", en = "Parcels" }
        priority = true

        [[priority]]
        code = "prioritaire"
        name = { fr = "Prioritaire", en = "Priority" }
        weight = 1

        [[priority]]
        code = "urgent"
        name = { fr = "Urgent", en = "Urgent" }
        weight = 2

        [[priority]]
        code = "a-z"
        name = { fr = "Tous", en = "All" }
        weight = 2

        [[desk]]
        id = "A"
        name = { fr = "Guichet A", en = "Desk A" }
        services = ["courrier", "colis"]
        priority_ratio = 2

        [[desk]]
        id = "B"
        name = { fr = "Guichet B", en = "Desk B" }
        services = ["colis"]
        "#,
    )
    .unwrap();
    both!(mem, red, |q| q.put_office(office.clone(), None));
    both!(mem, red, |q| q.open_day());
    let classes = [None, Some("prioritaire"), Some("urgent"), Some("a-z")];
    for (i, class) in classes.iter().cycle().take(12).enumerate() {
        let service = if i % 3 == 2 { "colis" } else { "courrier" };
        both!(mem, red, |q| q.take(take_for(service, *class)));
        if i % 4 == 3 {
            clock.advance(chrono::Duration::minutes(4));
        }
    }
    let a = desk("A");
    let b = desk("B");
    // The classes change while their tickets wait: urgent and a-z go (their tickets weigh
    // 0 now, like people without priority), prioritaire weighs more, colis stops offering
    // priority, and courrier may not go while tickets wait for it.
    office
        .priorities
        .retain(|p| p.code.as_str() == "prioritaire");
    office.priorities[0].weight = 5;
    office.services[1].priority = false;
    let mut without = office.clone();
    without.services.remove(0);
    without
        .desks
        .iter_mut()
        .for_each(|d| d.services.retain(|s| s.as_str() != "courrier"));
    both!(mem, red, |q| q.put_office(without.clone(), None));
    both!(mem, red, |q| q.put_office(office.clone(), Some(1)));
    for n in 1..=12 {
        both!(mem, red, |q| q.ticket(TicketNumber::new(n).unwrap()));
    }
    both!(mem, red, |q| q.transfer(&Transfer {
        ticket: n(3),
        service: Service::parse("colis").unwrap(),
        position: TransferPosition::Front,
        desk: None,
    }));
    for step in 0..16 {
        let d = if step % 3 == 0 { &b } else { &a };
        both!(mem, red, |q| q.status(d));
        both!(mem, red, |q| q.call_next(d));
        if step % 5 == 0 {
            clock.advance(chrono::Duration::minutes(7));
            both!(mem, red, |q| q.no_show(d));
            both!(mem, red, |q| q.requeue(n(step / 5 + 1)));
        }
    }
    let (m, r) = (
        mem.snapshot(SnapshotOptions::default()).await.unwrap(),
        red.snapshot(SnapshotOptions::default()).await.unwrap(),
    );
    assert_eq!(m.services, r.services);
    assert_eq!(m.priorities, r.priorities);
    assert_eq!(m.key_count, r.key_count);
    assert_eq!(m.waiting_list, r.waiting_list);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_is_shared_by_servers_and_read_again_after_a_reconnection() {
    let mut server = RedisServer::start();
    let prefix = unique_prefix();
    let clock = ManualClock::new(start_time());
    let qa = queue_on(&server, &prefix, &clock).await;
    let qb = queue_on(&server, &prefix, &clock).await;
    let mut events = qb.events();
    assert_eq!(
        qb.office().version,
        0,
        "nothing stored: the built-in office"
    );
    let stored = qa.put_office(office(), None).await.unwrap();
    assert_eq!(stored.version, 1);
    // The other server applies it from the announcement on the event channel.
    let deadline = Instant::now() + StdDuration::from_secs(1);
    while qb.office().version != 1 {
        assert!(
            Instant::now() < deadline,
            "the change reached the other server in time"
        );
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    assert_eq!(*qb.office(), *stored);
    assert_eq!(*qb.reload_office().await.unwrap(), *stored);
    // A stale version is refused and changes nothing.
    let e = qb.put_office(office(), Some(0)).await.unwrap_err();
    assert!(matches!(e, Error::VersionConflict { current: 1 }), "{e:?}");
    // Redis comes back empty (no persistence): after the reconnection each server reads
    // the office again, and finds none.
    tokio::task::block_in_place(|| {
        server.stop();
        server.restart();
    });
    let missed = tokio::time::timeout(StdDuration::from_secs(15), events.recv())
        .await
        .expect("the event feed comes back after the restart");
    assert_eq!(missed, Err(Missed::Reconnected));
    let deadline = Instant::now() + StdDuration::from_secs(5);
    while qa.office().version != 0 || qb.office().version != 0 {
        assert!(
            Instant::now() < deadline,
            "the office is read again after a reconnection"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    // A configuration key that is not one fails a read as corrupt, not as a panic.
    let mut conn = raw(&server).await;
    let () = redis::cmd("SET")
        .arg(format!("{prefix}:config"))
        .arg("{\"services\": 3}")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt("an unreadable office", qa.reload_office().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_stops_answering_gives_unavailable_within_the_response_timeout() {
    let server = RedisServer::start_with(&["--enable-debug-command", "yes"]);
    let clock = ManualClock::new(start_time());
    let backend = RedisBackend::builder(server.url())
        .prefix(unique_prefix())
        .connection_timeout(StdDuration::from_millis(300))
        .response_timeout(StdDuration::from_millis(300))
        .build()
        .await
        .expect("connect to the test redis-server");
    let q = TicketQueue::with_clock(backend, clock, utc_config());
    q.open_day().await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();

    // DEBUG SLEEP blocks the whole server, as a hung or overloaded Redis would.
    let mut sleeper = raw(&server).await;
    let mut probe = raw(&server).await;
    let hang = tokio::spawn(async move {
        let _: redis::RedisResult<()> = redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg(2)
            .query_async(&mut sleeper)
            .await;
    });
    // Wait until the server really hangs: PING gets no answer in time.
    let deadline = Instant::now() + StdDuration::from_secs(2);
    loop {
        let pong: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut probe).await;
        if pong.is_err() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "DEBUG SLEEP did not block the server"
        );
        tokio::task::yield_now().await;
    }
    let d = DeskId::default();
    let t = Instant::now();
    assert_unavailable_quickly("status", t, q.status(&d).await);
    let t = Instant::now();
    assert_unavailable_quickly("take", t, q.take(TakeRequest::default()).await);
    hang.await.unwrap();

    // Once the server answers again, so does the backend (its timed-out connections
    // were dropped, not reused).
    let deadline = Instant::now() + StdDuration::from_secs(10);
    let st = loop {
        match q.status(&d).await {
            Err(e) if e.kind() == ErrorKind::Unavailable && Instant::now() < deadline => {
                tokio::time::sleep(StdDuration::from_millis(100)).await;
            }
            other => break other.expect("status once Redis answers again"),
        }
    };
    // The timed-out take may or may not have run: Redis ran it late, or never got it.
    assert!(st.open && (1..=2).contains(&st.total_tickets), "{st:?}");
    let next = q.take(TakeRequest::default()).await.unwrap();
    assert_eq!(next.ticket.number.get(), st.total_tickets + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_lost_its_scripts_loads_them_again_and_nothing_is_taken_twice() {
    // With functions, `FUNCTION FLUSH`: FCALL answers that the function is missing (nothing
    // ran), the library is loaded once and the call sent again. Without (before Redis 7),
    // `SCRIPT FLUSH`: EVALSHA answers NOSCRIPT (nothing ran), then EVAL runs the text once.
    // One library serves take and status; without it, each script's text goes once.
    for (extra, flushed, loads, count) in [
        (&[][..], "FUNCTION", "function|load", 1),
        (&NO_FUNCTIONS[..], "SCRIPT", "eval", 2),
    ] {
        let server = RedisServer::start_with(extra);
        let mut conn = raw(&server).await;
        let clock = ManualClock::new(start_time());
        let prefix = unique_prefix();
        let q = queue_on(&server, &prefix, &clock).await;
        q.open_day().await.unwrap();
        assert_eq!(
            q.take(TakeRequest::default()).await.unwrap().ticket.number,
            n(1)
        );
        let () = redis::cmd(flushed)
            .arg("FLUSH")
            .query_async(&mut conn)
            .await
            .unwrap();
        let () = redis::cmd("CONFIG")
            .arg("RESETSTAT")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(
            q.take(TakeRequest::default()).await.unwrap().ticket.number,
            n(2)
        );
        assert_eq!(
            q.take(TakeRequest::default()).await.unwrap().ticket.number,
            n(3)
        );
        let st = q.status(&desk("A")).await.unwrap();
        assert_eq!(
            (st.total_tickets, st.queue_length),
            (3, 3),
            "{flushed} FLUSH"
        );
        let stats: String = redis::cmd("INFO")
            .arg("commandstats")
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(
            stats.contains(&format!("cmdstat_{loads}:calls={count},")),
            "after {flushed} FLUSH, {count} {loads}: {stats}"
        );
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_data_under_the_days_keys_gives_an_internal_error_not_a_panic() {
    let server = RedisServer::start();
    let mut conn = raw(&server).await;
    let clock = ManualClock::new(start_time());
    let day = "2026-11-24";
    let a = desk("A");
    let set = |k: String, v: &str| redis::cmd("SET").arg(k).arg(v).to_owned();
    let hset = |k: String, f: &str, v: &str| redis::cmd("HSET").arg(k).arg(f).arg(v).to_owned();

    // A string where the waiting set belongs.
    let prefix = unique_prefix();
    let q = queue_on(&server, &prefix, &clock).await;
    q.open_day().await.unwrap();
    let () = set(format!("{prefix}:{{{day}}}:waiting"), "junk")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt(
        "take onto a string waiting set",
        q.take(TakeRequest::default()).await,
    );
    assert_corrupt("status of a string waiting set", q.status(&a).await);
    assert_corrupt("call_next from a string waiting set", q.call_next(&a).await);
    assert_corrupt(
        "snapshot of a string waiting set",
        q.snapshot(SnapshotOptions::default()).await,
    );

    // A string where the waiting set belongs, which finish reads (for its event) before
    // its first write: it fails and the desk keeps its ticket.
    let prefix = unique_prefix();
    let q = queue_on(&server, &prefix, &clock).await;
    q.open_day().await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();
    q.call_next(&a).await.unwrap();
    let () = set(format!("{prefix}:{{{day}}}:waiting"), "junk")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt("finish with a string waiting set", q.finish(&a).await);
    let status: String = redis::cmd("HGET")
        .arg(format!("{prefix}:{{{day}}}:ticket:1"))
        .arg("status")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "in_progress", "the ticket was not finished");
    let logged: i64 = redis::cmd("LLEN")
        .arg(format!("{prefix}:{{{day}}}:logs"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(logged, 3, "start_day, the take and the call only");

    // A string where a service's queue belongs: the take fails and writes nothing.
    let prefix = unique_prefix();
    let q = queue_on(&server, &prefix, &clock).await;
    q.open_day().await.unwrap();
    let () = set(format!("{prefix}:{{{day}}}:queue:poste"), "junk")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt(
        "take onto a string queue",
        q.take(TakeRequest::default()).await,
    );
    let st = q.status(&a).await.unwrap();
    assert_eq!((st.total_tickets, st.queue_length), (0, 0), "nothing moved");
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.logs.len(), 1, "only start_day was logged");

    // A hash where the counter belongs: the take's GET of it fails (WRONGTYPE) before
    // anything is written.
    let prefix = unique_prefix();
    let q = queue_on(&server, &prefix, &clock).await;
    q.open_day().await.unwrap();
    let () = redis::cmd("DEL")
        .arg(format!("{prefix}:{{{day}}}:counter"))
        .query_async(&mut conn)
        .await
        .map(|_: i64| ())
        .unwrap();
    let () = hset(format!("{prefix}:{{{day}}}:counter"), "n", "1")
        .query_async(&mut conn)
        .await
        .map(|_: i64| ())
        .unwrap();
    assert_corrupt(
        "take with a hash counter",
        q.take(TakeRequest::default()).await,
    );
    let written: i64 = redis::cmd("EXISTS")
        .arg(format!("{prefix}:{{{day}}}:queue:poste"))
        .arg(format!("{prefix}:{{{day}}}:waiting"))
        .arg(format!("{prefix}:{{{day}}}:ticket:1"))
        .arg(format!("{prefix}:{{{day}}}:numbers"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(written, 0, "nothing written");

    // A string where the day's history belongs: take and call-next fail and write nothing
    // (the history is written last, so it is checked before the first write).
    let prefix = unique_prefix();
    let q = queue_on(&server, &prefix, &clock).await;
    q.open_day().await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();
    let () = set(format!("{prefix}:{{{day}}}:history"), "junk")
        .query_async(&mut conn)
        .await
        .unwrap();
    // The check names the key, what it holds and what belongs there.
    let err = q.take(TakeRequest::default()).await.unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "{prefix}:{{{day}}}:history is a string, expected a hash"
        )),
        "{err}"
    );
    assert_corrupt("take onto a string history", Err::<(), _>(err));
    assert_corrupt("call_next onto a string history", q.call_next(&a).await);
    let st = q.status(&a).await.unwrap();
    assert_eq!((st.total_tickets, st.queue_length), (1, 1), "nothing moved");
    assert_eq!(st.current_ticket, None, "nobody was called");
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(
        snap.logs.len(),
        2,
        "only start_day and the first take were logged"
    );

    // A garbled entry in the queue registry.
    let prefix = unique_prefix();
    let q = queue_on(&server, &prefix, &clock).await;
    q.open_day().await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();
    let () = hset(format!("{prefix}:{{{day}}}:queues"), "poste", "first come")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt("call_next with a garbled registry", q.call_next(&a).await);
    assert_corrupt("status with a garbled registry", q.status(&a).await);
    assert_eq!(
        q.ticket(n(1)).await.unwrap().waiting_before,
        Some(0),
        "a ticket's place comes from its queue"
    );

    // Something that is not a ticket number as a desk's current ticket.
    let prefix = unique_prefix();
    let q = queue_on(&server, &prefix, &clock).await;
    q.open_day().await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();
    let () = hset(format!("{prefix}:{{{day}}}:desks"), "A", "twelve")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt("call_next at a garbled desk", q.call_next(&a).await);
    assert_corrupt("finish at a garbled desk", q.finish(&a).await);
    assert_corrupt("recall at a garbled desk", q.recall(&a).await);
    assert_corrupt("no_show at a garbled desk", q.no_show(&a).await);
    assert_corrupt("status of a garbled desk", q.status(&a).await);
    assert_corrupt(
        "snapshot with a garbled desk",
        q.snapshot(SnapshotOptions::default()).await,
    );
    // Another desk's status does not read desk A.
    assert_eq!(q.status(&desk("B")).await.unwrap().queue_length, 1);

    // A ticket whose creation time is not a time.
    let prefix = unique_prefix();
    let q = queue_on(&server, &prefix, &clock).await;
    q.open_day().await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();
    let () = hset(
        format!("{prefix}:{{{day}}}:ticket:1"),
        "creation_time",
        "yesterday",
    )
    .query_async(&mut conn)
    .await
    .unwrap();
    assert_corrupt(
        "snapshot listing the bad ticket",
        q.snapshot(SnapshotOptions::default()).await,
    );
    assert_corrupt("the bad ticket", q.ticket(n(1)).await);
    assert_corrupt("calling the bad ticket", q.call_next(&a).await);

    // Something already where the next ticket goes: the take fails and moves nothing.
    let prefix = unique_prefix();
    let q = queue_on(&server, &prefix, &clock).await;
    q.open_day().await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();
    let () = set(format!("{prefix}:{{{day}}}:ticket:2"), "junk")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt(
        "take onto a foreign ticket key",
        q.take(TakeRequest::default()).await,
    );
    let () = redis::cmd("DEL")
        .arg(format!("{prefix}:{{{day}}}:ticket:2"))
        .query_async(&mut conn)
        .await
        .map(|_: i64| ())
        .unwrap();
    let status = q.status(&a).await.unwrap();
    assert_eq!(
        (status.total_tickets, status.queue_length),
        (1, 1),
        "nothing moved"
    );
    assert_eq!(
        q.take(TakeRequest::default()).await.unwrap().ticket.number,
        n(2)
    );

    // Foreign fields in the counters, a garbled log line, a garbled counter, and an
    // idempotency key pointing nowhere.
    let prefix = unique_prefix();
    let q = queue_on(&server, &prefix, &clock).await;
    q.open_day().await.unwrap();
    q.take(keyed("k-1")).await.unwrap();
    let () = hset(format!("{prefix}:{{{day}}}:stats"), "colour", "blue")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt(
        "snapshot with foreign stats",
        q.snapshot(SnapshotOptions::default()).await,
    );
    assert_corrupt("ticket with foreign stats", q.ticket(n(1)).await);
    let () = redis::cmd("HDEL")
        .arg(format!("{prefix}:{{{day}}}:stats"))
        .arg("colour")
        .query_async(&mut conn)
        .await
        .map(|_: i64| ())
        .unwrap();
    let () = redis::cmd("LPUSH")
        .arg(format!("{prefix}:{{{day}}}:logs"))
        .arg("not a log line")
        .query_async(&mut conn)
        .await
        .map(|_: i64| ())
        .unwrap();
    assert_corrupt(
        "snapshot with a garbled log",
        q.snapshot(SnapshotOptions::default()).await,
    );
    let () = set(format!("{prefix}:{{{day}}}:idem:k-2"), "7")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt(
        "take with a garbled idempotency key",
        q.take(keyed("k-2")).await,
    );
    let mut limited = TakeRequest::default();
    limited.limits.per_client = Some((
        tickets_core::ClientKey::parse("192.0.2.7").unwrap(),
        tickets_core::RateLimit::new(3, 60),
    ));
    let () = set(format!("{prefix}:{{{day}}}:limit:192.0.2.7"), "lots")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt("take with a garbled take counter", q.take(limited).await);
    // A key naming a ticket that is not there (as after a reset) is no longer valid: a
    // new ticket.
    let () = set(
        format!("{prefix}:{{{day}}}:idem:k-3"),
        "7 1764000000.000000 99999999999999999",
    )
    .query_async(&mut conn)
    .await
    .unwrap();
    let fresh = q.take(keyed("k-3")).await.unwrap();
    assert!(!fresh.replayed && fresh.ticket.number == n(2), "{fresh:?}");
    let () = set(format!("{prefix}:{{{day}}}:counter"), "many")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt(
        "take with a garbled counter",
        q.take(TakeRequest::default()).await,
    );
    assert_internal("status with a garbled counter", q.status(&a).await);
    assert_internal("reset with a garbled counter", q.reset_day().await);

    // The backend keeps serving other days and prefixes.
    let clean = queue_on(&server, &unique_prefix(), &clock).await;
    clean.open_day().await.unwrap();
    assert_eq!(
        clean
            .take(TakeRequest::default())
            .await
            .unwrap()
            .ticket
            .number,
        n(1)
    );
    q.ping().await.unwrap();
}

/// One line of `MONITOR`: the client (`127.0.0.1:port`, or `lua`) and the arguments.
struct Monitored {
    client: String,
    args: Vec<String>,
}

/// Parses `1700000000.123456 [0 127.0.0.1:50000] "evalsha" "abc" "17" …`.
fn parse_monitor_line(line: &str) -> Monitored {
    let open = line.find('[').expect("a [db client] part");
    let close = line[open..].find(']').expect("a closing bracket") + open;
    let client = line[open + 1..close]
        .split_once(' ')
        .map(|(_, c)| c.to_owned())
        .unwrap_or_default();
    let mut args = Vec::new();
    let mut rest = &line[close + 1..];
    while let Some(start) = rest.find('"') {
        let mut arg = String::new();
        let mut chars = rest[start + 1..].char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, e)) = chars.next() {
                        arg.push(e);
                    }
                }
                '"' => {
                    end = Some(start + 1 + i);
                    break;
                }
                c => arg.push(c),
            }
        }
        args.push(arg);
        rest = &rest[end.expect("a closing quote") + 1..];
    }
    Monitored { client, args }
}

/// A sentinel from the measuring connection: brackets what the backend sends.
async fn sentinel(conn: &mut MultiplexedConnection, text: &str) {
    let echoed: String = redis::cmd("ECHO")
        .arg(text)
        .query_async(conn)
        .await
        .unwrap();
    assert_eq!(echoed, text);
}

/// The `MONITOR` lines up to the sentinel `text`.
async fn read_until(
    feed: &mut (impl futures_util::Stream<Item = String> + Unpin),
    text: &str,
) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let line = tokio::time::timeout(StdDuration::from_secs(10), feed.next())
            .await
            .expect("MONITOR keeps reporting")
            .expect("the MONITOR connection stays open");
        if line
            .to_lowercase()
            .contains(&format!("\"echo\" \"{text}\""))
        {
            return lines;
        }
        lines.push(line);
    }
}

/// The commands the scripts ran (as `MONITOR` shows them, client `lua`) while `op` ran.
async fn script_commands<T: Debug>(
    server: &RedisServer,
    conn: &mut MultiplexedConnection,
    op: impl std::future::Future<Output = Result<T>>,
) -> Vec<Vec<String>> {
    let monitor = redis::Client::open(server.url())
        .unwrap()
        .get_async_monitor()
        .await
        .expect("a MONITOR connection");
    let mut feed = monitor.into_on_message::<String>();
    sentinel(conn, "script-commands:start").await;
    read_until(&mut feed, "script-commands:start").await;
    op.await.unwrap();
    sentinel(conn, "script-commands:end").await;
    read_until(&mut feed, "script-commands:end")
        .await
        .iter()
        .map(|l| parse_monitor_line(l))
        .filter(|m| m.client == "lua")
        .map(|m| m.args)
        .collect()
}

/// In the steady state a take, a call-next and a finish write what changes: TTLs only on
/// the keys created, on the logs (whose TTL the snapshot reports as the day's) and on the
/// history at a take (once a second: a change in the same second with the same TTL would
/// set what is there), no
/// streak rewritten to the `0` it holds, no account deleted from a ticket that has none;
/// and they check the type only of the keys they write without reading them first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steady_operations_write_nothing_that_is_already_there() {
    let server = RedisServer::start();
    let mut conn = raw(&server).await;
    let prefix = unique_prefix();
    let clock = ManualClock::new(start_time());
    let q = queue_on(&server, &prefix, &clock).await;
    let a = desk("A");
    q.open_day().await.unwrap();
    for _ in 0..4 {
        q.take(TakeRequest::default()).await.unwrap();
    }
    q.call_next(&a).await.unwrap();
    let day = "2026-11-24";
    let named = |cmds: &[Vec<String>], name: &str| -> Vec<String> {
        cmds.iter()
            .filter(|c| c[0].eq_ignore_ascii_case(name))
            .map(|c| c[1].clone())
            .collect()
    };

    // Each change in a second of its own.
    let next_second = || clock.advance(chrono::Duration::seconds(1));
    next_second();
    let take = script_commands(&server, &mut conn, q.take(TakeRequest::default())).await;
    assert!(
        named(&take, "lpush") == [format!("{prefix}:{{{day}}}:logs")],
        "the take logs its line: {take:?}"
    );
    assert_eq!(
        named(&take, "expire"),
        [
            format!("{prefix}:{{{day}}}:history"),
            format!("{prefix}:{{{day}}}:ticket:5"),
            format!("{prefix}:{{{day}}}:logs"),
        ],
        "a take sets the TTL of the ticket it creates, of the history it extends and of the \
         logs, no other"
    );
    // Another take in the same second: the logs' and the history's TTLs are what it would
    // set.
    let again = script_commands(&server, &mut conn, q.take(TakeRequest::default())).await;
    assert_eq!(
        named(&again, "expire"),
        [format!("{prefix}:{{{day}}}:ticket:6")],
        "{again:?}"
    );
    let pttl = |key: &str| {
        let mut conn = conn.clone();
        let key = format!("{prefix}:{{{day}}}:{key}");
        async move {
            let ms: i64 = redis::cmd("PTTL")
                .arg(key)
                .query_async(&mut conn)
                .await
                .unwrap();
            ms
        }
    };
    let ttl = q.moment().ttl_seconds() as i64 * 1000;
    let logs = pttl("logs").await;
    assert!(
        (ttl - 5_000..=ttl).contains(&logs),
        "the logs' TTL {logs} ms is the one the last change set, {ttl} ms"
    );
    let history = pttl("history").await;
    assert!(
        (HISTORY_TTL * 1000 - 5_000..=HISTORY_TTL * 1000).contains(&history),
        "the history's TTL {history} ms is the one the last take set, {HISTORY_TTL} s"
    );

    next_second();
    let call = script_commands(&server, &mut conn, q.call_next(&a)).await;
    assert!(
        named(&call, "hset").contains(&format!("{prefix}:{{{day}}}:desks")),
        "the call moves the desk: {call:?}"
    );
    assert_eq!(
        named(&call, "expire"),
        [format!("{prefix}:{{{day}}}:logs")],
        "{call:?}"
    );
    assert_eq!(named(&call, "hdel"), Vec::<String>::new(), "{call:?}");
    assert!(
        !named(&call, "hset").contains(&format!("{prefix}:{{{day}}}:streaks")),
        "the desk's streak stays 0 unwritten: {call:?}"
    );
    let streak: String = redis::cmd("HGET")
        .arg(format!("{prefix}:{{{day}}}:streaks"))
        .arg("A")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(streak, "0");
    assert_eq!(q.status(&a).await.unwrap().current_ticket, Some(n(2)));

    // Finish reads the waiting set (for its event) before its first write: that read
    // checks its type, and only the keys it writes unread get a check, by the cheapest
    // read of their type (a length), not by TYPE.
    next_second();
    let finish = script_commands(&server, &mut conn, q.finish(&a)).await;
    let key = |k: &str| format!("{prefix}:{{{day}}}:{k}");
    assert_eq!(named(&finish, "llen"), [key("logs")], "{finish:?}");
    assert_eq!(
        named(&finish, "hlen"),
        [key("activity"), key("stats"), key("history")],
        "{finish:?}"
    );
    for (name, script) in [("take", &take), ("call-next", &call), ("finish", &finish)] {
        assert_eq!(
            named(script, "type"),
            Vec::<String>::new(),
            "{name}: {script:?}"
        );
    }
    let first_write = finish
        .iter()
        .position(|c| c[0].eq_ignore_ascii_case("hset"))
        .expect("finish writes the ticket");
    assert!(
        finish[..first_write]
            .iter()
            .any(|c| c[0].eq_ignore_ascii_case("zcard") && c[1] == key("waiting")),
        "the waiting set is read before the first write: {finish:?}"
    );
    // Back to the first second: Redis counts TTLs in real time, so the keys made before
    // the test clock moved on have TTLs of the earlier seconds.
    clock.set(start_time());
    check_day_keys(&mut conn, &q, &prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_exactly_one_fcall_round_trip() {
    one_round_trip_per_operation(&[], "fcall").await;
}

/// A server without functions (before Redis 7; here they are renamed away): the first
/// call finds `FCALL` unknown, and from then on the scripts go by `EVALSHA`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_functions_every_operation_is_exactly_one_evalsha_round_trip() {
    one_round_trip_per_operation(&NO_FUNCTIONS, "evalsha").await;
}

/// Runs every operation twenty times on a server started with `extra` and checks that
/// each sent exactly one command, `call` (`fcall` or `evalsha`), with the day's keys, the
/// same function or script each time, one per operation.
async fn one_round_trip_per_operation(extra: &[&str], call: &str) {
    let server = RedisServer::start_with(extra);
    let mut conn = raw(&server).await;
    let prefix = unique_prefix();
    let clock = ManualClock::new(start_time());
    let q = queue_on(&server, &prefix, &clock).await;
    let a = desk("A");

    // Each operation with the script that serves it.
    async fn run(q: &Queue, a: &DeskId, ops: &mut Vec<&'static str>) {
        macro_rules! op {
            ($name:literal, $e:expr) => {{
                $e.await.unwrap();
                ops.push($name);
            }};
        }
        op!("open_day", q.open_day());
        op!("take", q.take(TakeRequest::default()));
        op!("take", q.take(TakeRequest::default()));
        op!("take", q.take(TakeRequest::default()));
        op!("call_next", q.call_next(a));
        op!("recall", q.recall(a));
        op!("finish", q.finish(a));
        op!("call_next", q.call_next(a));
        op!("finish", q.no_show(a)); // no_show runs finish.lua
        op!("requeue", q.requeue(n(2)));
        op!(
            "transfer",
            q.transfer(&Transfer {
                ticket: n(3),
                service: Service::default(),
                position: TransferPosition::Front,
                desk: None,
            })
        );
        op!("call", q.call(a, n(2)));
        op!("status", q.status(a));
        op!("snapshot", q.snapshot(SnapshotOptions::default()));
        op!("ticket", q.ticket(n(1)));
        op!("close_day", q.close_day());
        op!("reset_day", q.reset_day());
    }

    // Warm up: the first call of each script may load its library (or its text) first.
    run(&q, &a, &mut Vec::new()).await;

    let monitor = redis::Client::open(server.url())
        .unwrap()
        .get_async_monitor()
        .await
        .expect("a MONITOR connection");
    let mut feed = monitor.into_on_message::<String>();
    let () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query_async(&mut conn)
        .await
        .unwrap();
    let before_conns = connections_received(&mut conn).await;
    sentinel(&mut conn, "round-trips:start").await;
    read_until(&mut feed, "round-trips:start").await;

    let mut ops = Vec::new();
    for _ in 0..20 {
        run(&q, &a, &mut ops).await;
    }

    sentinel(&mut conn, "round-trips:end").await;
    let lines = read_until(&mut feed, "round-trips:end").await;
    let sent: Vec<Monitored> = lines
        .iter()
        .map(|l| parse_monitor_line(l))
        .filter(|m| m.client != "lua")
        .collect();
    let script_lines = lines.len() - sent.len();
    assert!(
        script_lines > sent.len(),
        "commands inside scripts show as [0 lua]"
    );
    assert_eq!(
        sent.len(),
        ops.len(),
        "one command per operation; clients sent: {:?}",
        sent.iter().map(|m| m.args.join(" ")).collect::<Vec<_>>()
    );

    let tag = format!("{{{}}}", q.moment().day);
    let mut sha_of: BTreeMap<&str, String> = BTreeMap::new();
    for (op, m) in ops.iter().zip(&sent) {
        assert_eq!(m.args[0].to_lowercase(), call, "{op} sent {:?}", m.args);
        if call == "fcall" {
            assert!(
                m.args[1].starts_with(&format!("{op}_")),
                "{op} calls its own function: {:?}",
                m.args
            );
        }
        assert_eq!(m.args[2], "1", "{op} passes the day's key");
        assert_eq!(
            m.args[3],
            format!("{prefix}:{tag}:day"),
            "{op} passes the day's key, from which the script names the others"
        );
        let sha = sha_of.entry(op).or_insert_with(|| m.args[1].clone());
        assert_eq!(*sha, m.args[1], "{op} always runs the same script");
    }
    let distinct: std::collections::BTreeSet<&String> = sha_of.values().collect();
    assert_eq!(distinct.len(), 13, "thirteen scripts, one per operation");

    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap();
    let calls = |name: &str| -> u64 {
        stats
            .lines()
            .find_map(|l| l.strip_prefix(&format!("cmdstat_{name}:calls=")))
            .map_or(0, |rest| rest.split(',').next().unwrap().parse().unwrap())
    };
    assert_eq!(calls(call), ops.len() as u64);
    let other = if call == "fcall" { "evalsha" } else { "fcall" };
    assert_eq!(calls(other), 0);
    assert_eq!(calls("eval"), 0);
    assert_eq!(
        calls("script|load") + calls("function|load"),
        0,
        "warm scripts are never loaded again"
    );
    assert_eq!(
        connections_received(&mut conn).await,
        before_conns,
        "no connection was opened during the run"
    );

    // The exception, measured apart: the first operation of a day in a process (here a
    // new facade, which knows of no day closed) first closes the history of the days
    // before, one call of history_close per day, in rounds of 2, 4, … days at once, back
    // to the first one already closed or `history_days` (400) days. Before the test's day
    // there is no history at all, so none of the 400 is already closed.
    async fn calls_during(
        conn: &mut MultiplexedConnection,
        call: &str,
        op: impl std::future::Future<Output = ()>,
    ) -> u64 {
        let () = redis::cmd("CONFIG")
            .arg("RESETSTAT")
            .query_async(conn)
            .await
            .unwrap();
        op.await;
        let stats: String = redis::cmd("INFO")
            .arg("commandstats")
            .query_async(conn)
            .await
            .unwrap();
        stats
            .lines()
            .find_map(|l| l.strip_prefix(&format!("cmdstat_{call}:calls=")))
            .map_or(0, |rest| rest.split(',').next().unwrap().parse().unwrap())
    }
    let status = |q: &Queue| {
        let (q, a) = (q.clone(), a.clone());
        async move {
            q.status(&a).await.unwrap();
        }
    };
    let days = u64::from(utc_config().history_days);
    assert_eq!(days, 400);
    let fresh = TicketQueue::with_clock(q.backend().clone(), clock.clone(), utc_config());
    assert_eq!(
        calls_during(&mut conn, call, status(&fresh)).await,
        days + 1,
        "the first operation closes {days} empty days first"
    );
    assert_eq!(
        calls_during(&mut conn, call, status(&fresh)).await,
        1,
        "the next ones on the same day do not"
    );
    // The next day: the first operation closes the day before (the days before that are
    // known closed). The first one of another process, which knows of no day closed,
    // sends its first round (the day before and the one before it, at once) and stops
    // there, at the day already closed.
    clock.set(start_time() + chrono::Duration::days(1));
    assert_eq!(calls_during(&mut conn, call, status(&fresh)).await, 2);
    assert_eq!(calls_during(&mut conn, call, status(&fresh)).await, 1);
    let other = TicketQueue::with_clock(q.backend().clone(), clock.clone(), utc_config());
    assert_eq!(calls_during(&mut conn, call, status(&other)).await, 3);
    assert_eq!(calls_during(&mut conn, call, status(&other)).await, 1);
}

async fn connections_received(conn: &mut MultiplexedConnection) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("stats")
        .query_async(conn)
        .await
        .unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("total_connections_received:"))
        .expect("total_connections_received in INFO stats")
        .trim()
        .parse()
        .unwrap()
}
