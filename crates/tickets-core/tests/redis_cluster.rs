//! The Redis backend on a Redis Cluster: a local cluster of three primaries per test
//! (`RedisCluster`), the conformance suite, where the keys of a day live, events across
//! nodes, and a node going down.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use futures_util::StreamExt;
use tickets_core::testing::{
    RedisCluster, conformance_suite, next_events, start_time, unique_prefix,
};
use tickets_core::{
    Action, BusinessCalendar, DeskId, ErrorKind, IdempotencyKey, KeyPrefix, ManualClock, Missed,
    QueueBackend, QueueConfig, RedisBackend, TakeRequest, TicketQueue,
};

type Queue = TicketQueue<RedisBackend, ManualClock>;

fn utc_config() -> QueueConfig {
    QueueConfig {
        calendar: BusinessCalendar::new(tickets_core::chrono_tz::UTC, 0).expect("a calendar"),
        ..QueueConfig::default()
    }
}

async fn backend(url: &str, prefix: &KeyPrefix) -> RedisBackend {
    let backend = RedisBackend::builder(url)
        .prefix(prefix.clone())
        .connection_timeout(StdDuration::from_secs(1))
        .response_timeout(StdDuration::from_secs(1))
        .build()
        .await
        .expect("connect to the test cluster");
    assert!(backend.is_cluster(), "{url} is a cluster URL");
    backend
}

fn queue(backend: &RedisBackend, clock: &ManualClock) -> Queue {
    TicketQueue::with_clock(backend.clone(), clock.clone(), utc_config())
}

/// 08:00 UTC on `day`.
fn morning_of(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(8, 0, 0).expect("a time"))
}

/// The first day from the test's start day on whose slot `wanted` says yes, given the
/// index of the node that owns it.
fn a_day_on(cluster: &RedisCluster, wanted: impl Fn(usize) -> bool) -> NaiveDate {
    let first = start_time().date_naive();
    (0..400)
        .map(|i| first + Duration::days(i))
        .find(|d| wanted(cluster.node_of_key(&format!("{{{d}}}"))))
        .expect("a day in the first 400 hashes to that node")
}

/// The keys under `prefix` that node `i` holds (SCAN on that node alone).
async fn keys_on(cluster: &RedisCluster, i: usize, prefix: &KeyPrefix) -> Vec<String> {
    use redis::AsyncCommands;
    let mut conn = node(cluster, i).await;
    conn.scan_match::<_, String>(format!("{prefix}:*"))
        .await
        .expect("SCAN a node")
        .map(|k| k.expect("a key name"))
        .collect()
        .await
}

/// A plain connection to node `i` (node-local commands: SCAN, PUBSUB NUMSUB).
async fn node(cluster: &RedisCluster, i: usize) -> redis::aio::MultiplexedConnection {
    redis::Client::open(cluster.node_url(i))
        .expect("a client")
        .get_multiplexed_async_connection()
        .await
        .expect("a connection to a cluster node")
}

/// How many clients node `i` has subscribed to `channel`.
async fn subscribers(cluster: &RedisCluster, i: usize, channel: &str) -> u64 {
    let mut conn = node(cluster, i).await;
    let (_, n): (String, u64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(&mut conn)
        .await
        .expect("PUBSUB NUMSUB");
    n
}

/// Waits (at most 5 s) until node `i` has `n` subscribers to `channel`.
async fn wait_for_subscribers(cluster: &RedisCluster, i: usize, channel: &str, n: u64) {
    let deadline = Instant::now() + StdDuration::from_secs(5);
    loop {
        let got = subscribers(cluster, i, channel).await;
        if got == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "node {i} has {got} subscribers to {channel}, expected {n}"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

/// Waits (at most 5 s) until the replica of primary `i` has every write of `i`.
async fn wait_for_the_replica(cluster: &RedisCluster, i: usize) {
    let field = |info: &str, name: &str| -> Option<u64> {
        info.split(['\n', ','])
            .find_map(|f| f.trim().strip_prefix(name))
            .and_then(|v| v.parse().ok())
    };
    let mut conn = node(cluster, i).await;
    let deadline = Instant::now() + StdDuration::from_secs(5);
    loop {
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query_async(&mut conn)
            .await
            .expect("INFO replication");
        // master_repl_offset:N … slave0:ip=…,port=…,state=online,offset=N,lag=0
        let (primary, replica) = (field(&info, "master_repl_offset:"), field(&info, "offset="));
        if primary.is_some() && primary <= replica {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replica of node {i} lags: {primary:?} vs {replica:?}"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_backend_passes_the_conformance_suite_on_a_cluster() {
    let cluster = RedisCluster::start();
    let url = cluster.url();
    conformance_suite(|| {
        let url = url.clone();
        async move { backend(&url, &unique_prefix()).await }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_of_a_day_lives_on_the_node_of_its_day_across_a_day_change() {
    let cluster = RedisCluster::start();
    let prefix = unique_prefix();
    let b = backend(&cluster.url(), &prefix).await;
    // Two days in a row whose slots are on two different nodes.
    let first = a_day_on(&cluster, |_| true);
    let (day1, day2) = (0..400)
        .map(|i| first + Duration::days(i))
        .map(|d| (d, d + Duration::days(1)))
        .find(|(d1, d2)| {
            cluster.node_of_key(&format!("{{{d1}}}")) != cluster.node_of_key(&format!("{{{d2}}}"))
        })
        .expect("two days in a row on two nodes");
    let clock = ManualClock::new(morning_of(day1));
    let q = queue(&b, &clock);
    let a = DeskId::parse("A").unwrap();
    for day in [day1, day2] {
        clock.set(morning_of(day));
        q.open_day().await.unwrap();
        for i in 0..3 {
            let req = TakeRequest {
                idempotency_key: Some(IdempotencyKey::parse(format!("kiosk:{i}")).unwrap()),
                ..TakeRequest::default()
            };
            q.take(req).await.unwrap();
        }
        q.call_next(&DeskId::default()).await.unwrap();
        q.call_next(&a).await.unwrap();
        q.recall(&a).await.unwrap();
        q.finish(&a).await.unwrap();
        let snap = q
            .snapshot(tickets_core::SnapshotOptions::default())
            .await
            .unwrap();
        assert_eq!(snap.total_tickets, 3, "on {day}");
        assert_eq!(q.moment().day.to_string(), day.to_string());
    }

    // Ask every node which of our keys it holds.
    let mut holder: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..cluster.ports().len() {
        let keys = keys_on(&cluster, i, &prefix).await;
        for key in keys {
            assert!(
                holder.insert(key.clone(), i).is_none(),
                "{key} on two nodes"
            );
        }
    }
    let mut nodes_of_days = Vec::new();
    for day in [day1, day2] {
        let tag = format!("{{{day}}}");
        let expected: BTreeSet<String> = [
            "day",
            "counter",
            "current",
            "desks",
            "logs",
            "stats",
            "activity",
            "idem:kiosk:0",
            "idem:kiosk:1",
            "idem:kiosk:2",
            "ticket:1",
            "ticket:2",
            "ticket:3",
            "waiting",
            "numbers",
            "streaks",
            "queues",
            "heads",
            "head_times",
            "queue:poste",
            "history",
        ]
        .iter()
        .map(|name| format!("{prefix}:{tag}:{name}"))
        .collect();
        let found: BTreeMap<&String, &usize> =
            holder.iter().filter(|(k, _)| k.contains(&tag)).collect();
        assert_eq!(
            found.keys().map(|k| (*k).clone()).collect::<BTreeSet<_>>(),
            expected,
            "the keys of {day}"
        );
        let on: BTreeSet<usize> = found.values().map(|n| **n).collect();
        assert_eq!(on.len(), 1, "the keys of {day} are on nodes {on:?}");
        let slot = cluster.slot_of(&tag);
        for key in found.keys() {
            assert_eq!(cluster.slot_of(key), slot, "{key} is in the slot of {day}");
        }
        assert_eq!(*on.first().unwrap(), cluster.node_of_slot(slot));
        nodes_of_days.push(cluster.node_of_slot(slot));
    }
    assert_ne!(
        nodes_of_days[0], nodes_of_days[1],
        "the day change moved node"
    );
    // The first operation of the second day closed the first day's history, on the first
    // day's node (its script ran there); the second day's stays open.
    for (day, node_of_day, closed) in [
        (day1, nodes_of_days[0], true),
        (day2, nodes_of_days[1], false),
    ] {
        let key = format!("{prefix}:{{{day}}}:history");
        let mut conn = node(&cluster, node_of_day).await;
        let has: bool = redis::cmd("HEXISTS")
            .arg(&key)
            .arg("_closed")
            .query_async(&mut conn)
            .await
            .expect("HEXISTS on the node of the day");
        assert_eq!(has, closed, "{key} closed");
        let records: u64 = redis::cmd("HLEN")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .expect("HLEN on the node of the day");
        assert_eq!(records, 3 + u64::from(closed), "{key}: three tickets");
    }
    // Two days of 21 keys: closing the history of the days before the first (none has
    // one, wherever their slots are) wrote nothing.
    assert_eq!(
        holder.len(),
        42,
        "nothing else was written: {:?}",
        holder.keys()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_a_backend_subscribed_through_another_node() {
    let cluster = RedisCluster::start();
    let prefix = unique_prefix();
    let channel = format!("{prefix}:events");
    // Each backend's listener subscribes through the first node of its URL.
    let writer = backend(&cluster.url_from(0), &prefix).await;
    wait_for_subscribers(&cluster, 0, &channel, 1).await;
    let reader = backend(&cluster.url_from(1), &prefix).await;
    wait_for_subscribers(&cluster, 1, &channel, 1).await;
    assert_eq!(subscribers(&cluster, 2, &channel).await, 0);

    // A day stored on the third node: its script runs there and PUBLISHes; the cluster bus
    // carries the message to the nodes where the listeners are.
    let day = a_day_on(&cluster, |n| n == 2);
    let clock = ManualClock::new(morning_of(day));
    let mut theirs = reader.events();
    let mut ours = writer.events();
    let q = queue(&writer, &clock);
    q.open_day().await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();
    q.call_next(&DeskId::parse("B").unwrap()).await.unwrap();
    for stream in [&mut theirs, &mut ours] {
        let got: Vec<(u64, Action, String)> = next_events(stream, 3)
            .await
            .iter()
            .map(|e| (e.seq, e.action, e.day.to_string()))
            .collect();
        let d = day.to_string();
        assert_eq!(
            got,
            [
                (1, Action::StartDay, d.clone()),
                (2, Action::TakeTicket, d.clone()),
                (3, Action::CallNext, d),
            ]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_configuration_lives_in_its_own_slot_and_reaches_every_backend() {
    let cluster = RedisCluster::start();
    let prefix = unique_prefix();
    let config_key = format!("{prefix}:config");
    let config_node = cluster.node_of_key(&config_key);
    // A day on another node than the configuration: no script may touch both.
    let day = a_day_on(&cluster, |n| n != config_node);
    let writer = backend(&cluster.url_from(0), &prefix).await;
    let reader = backend(&cluster.url_from(1), &prefix).await;
    assert_eq!(
        reader.office().version,
        0,
        "nothing stored: the built-in office"
    );
    let office = tickets_core::OfficeConfig::from_toml(
        r#"
        [[service]]
        code = "courrier"
        prefix = "A"
        name = { fr = "Courrier", en = "Letters" }
        priority = true

        [[service]]
        code = "colis"
        prefix = "B"
        name = { fr = "Colis", en = "Parcels" }

        [[priority]]
        code = "prioritaire"
        name = { fr = "Prioritaire", en = "Priority" }
        weight = 1

        [[desk]]
        id = "1"
        name = { fr = "Guichet 1", en = "Desk 1" }
        services = ["colis", "courrier"]
        "#,
    )
    .unwrap();
    let clock = ManualClock::new(morning_of(day));
    let w = queue(&writer, &clock);
    assert_eq!(w.put_office(office, None).await.unwrap().version, 1);
    // The other backend applies it from the announcement, within a second.
    let deadline = Instant::now() + StdDuration::from_secs(1);
    while reader.office().version < 1 {
        assert!(
            Instant::now() < deadline,
            "the reader got the new office in time"
        );
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    assert_eq!(reader.office().services.len(), 2);
    assert_eq!(
        keys_on(&cluster, config_node, &prefix).await,
        std::slice::from_ref(&config_key),
        "the configuration is on the node of its own slot"
    );

    // The day's scripts get the office as arguments: labels, priority, the desk's order.
    let r = queue(&reader, &clock);
    w.open_day().await.unwrap();
    let take = |service: &str, priority: Option<&str>| TakeRequest {
        service: tickets_core::Service::parse(service).unwrap(),
        idempotency_key: None,
        priority: priority.map(|p| tickets_core::PriorityCode::parse(p).unwrap()),
        limits: Default::default(),
    };
    w.take(take("courrier", None)).await.unwrap();
    let p = r.take(take("courrier", Some("prioritaire"))).await.unwrap();
    assert_eq!(p.ticket.label, "A002");
    w.take(take("colis", None)).await.unwrap();
    let desk = DeskId::parse("1").unwrap();
    let order: Vec<u64> = [
        r.call_next(&desk).await.unwrap(),
        w.call_next(&desk).await.unwrap(),
        r.call_next(&desk).await.unwrap(),
    ]
    .iter()
    .map(|c| c.called.as_ref().unwrap().number.get())
    .collect();
    assert_eq!(order, [2, 1, 3], "priority, then arrival");
    let e = r.call_next(&DeskId::parse("9").unwrap()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    // A stale version is refused by the script on the configuration's node.
    let e = r
        .put_office(tickets_core::OfficeConfig::default(), Some(0))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    // Every key of the day is on the day's node.
    let tag = format!("{{{day}}}");
    for i in 0..cluster.ports().len() {
        for key in keys_on(&cluster, i, &prefix).await {
            if key != config_key {
                assert!(key.contains(&tag), "{key}");
                assert_eq!(i, cluster.node_of_key(&tag), "{key} on node {i}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_listeners_node_dies_events_resume_through_another_and_other_days_work() {
    // Fail fast, and keep serving the slots that are still covered.
    let mut cluster = RedisCluster::start_with(&[
        "--cluster-node-timeout",
        "2000",
        "--cluster-require-full-coverage",
        "no",
    ]);
    let prefix = unique_prefix();
    let channel = format!("{prefix}:events");
    let b = backend(&cluster.url_from(0), &prefix).await;
    wait_for_subscribers(&cluster, 0, &channel, 1).await;

    let lost_day = a_day_on(&cluster, |n| n == 0);
    let kept_day = a_day_on(&cluster, |n| n == 1);
    let lost_clock = ManualClock::new(morning_of(lost_day));
    let kept_clock = ManualClock::new(morning_of(kept_day));
    let lost = queue(&b, &lost_clock);
    let kept = queue(&b, &kept_clock);
    lost.open_day().await.unwrap();
    kept.open_day().await.unwrap();
    kept.take(TakeRequest::default()).await.unwrap();
    let mut events = b.events();

    cluster.stop_node(0);

    // The listener notices, subscribes through another node and says events were missed.
    let missed = tokio::time::timeout(StdDuration::from_secs(10), events.recv())
        .await
        .expect("the listener comes back through another node");
    assert_eq!(missed, Err(Missed::Reconnected));
    let moved = subscribers(&cluster, 1, &channel).await + subscribers(&cluster, 2, &channel).await;
    assert_eq!(moved, 1, "the listener is on a surviving node");

    // The day on a surviving node goes on, with its events.
    let taken = kept.take(TakeRequest::default()).await.unwrap();
    assert_eq!(taken.ticket.number.get(), 2);
    let called = kept.call_next(&DeskId::default()).await.unwrap();
    assert_eq!(called.called.unwrap().number.get(), 1);
    let got: Vec<(Action, String)> = next_events(&mut events, 2)
        .await
        .iter()
        .map(|e| (e.action, e.day.to_string()))
        .collect();
    let d = kept_day.to_string();
    assert_eq!(
        got,
        [(Action::TakeTicket, d.clone()), (Action::CallNext, d)]
    );

    // The day on the dead node fails at once, as unavailable, for writes and reads.
    for _ in 0..3 {
        let started = Instant::now();
        let err = lost.take(TakeRequest::default()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{err:?}");
        let err = lost.status(&DeskId::default()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{err:?}");
        assert!(
            started.elapsed() < StdDuration::from_secs(3),
            "the failures took {:?}",
            started.elapsed()
        );
    }
    // This cluster serves the slots it still has, and says so.
    kept.ping()
        .await
        .expect("cluster_state:ok without full coverage");
    assert_eq!(
        kept.status(&DeskId::default()).await.unwrap().queue_length,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_failover_the_day_goes_on_on_the_promoted_replica_and_events_follow() {
    let mut cluster = RedisCluster::start_with_replicas(1, &["--cluster-node-timeout", "2000"]);
    let prefix = unique_prefix();
    let channel = format!("{prefix}:events");
    let day = a_day_on(&cluster, |_| true);
    let tag = format!("{{{day}}}");
    let primary = cluster.node_of_key(&tag);
    // The listener is on the primary that is going to fail.
    let b = backend(&cluster.url_from(primary), &prefix).await;
    wait_for_subscribers(&cluster, primary, &channel, 1).await;
    let clock = ManualClock::new(morning_of(day));
    let q = queue(&b, &clock);
    let mut events = b.events();
    q.open_day().await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();
    q.take(TakeRequest::default()).await.unwrap();
    next_events(&mut events, 3).await;
    // Replication is asynchronous: make sure the replica has both tickets.
    wait_for_the_replica(&cluster, primary).await;

    cluster.stop_node(primary);

    let missed = tokio::time::timeout(StdDuration::from_secs(10), events.recv())
        .await
        .expect("the listener comes back through another node");
    assert_eq!(missed, Err(Missed::Reconnected));
    // Unavailable until the replica takes over, then the day goes on where it was.
    let deadline = Instant::now() + StdDuration::from_secs(20);
    let taken = loop {
        match q.take(TakeRequest::default()).await {
            Ok(taken) => break taken,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
                assert!(Instant::now() < deadline, "no failover within 20 s: {e:?}");
                tokio::time::sleep(StdDuration::from_millis(100)).await;
            }
        }
    };
    assert_eq!(
        taken.ticket.number.get(),
        3,
        "no ticket lost or taken twice"
    );
    // The other nodes learn of the new owner through the cluster bus, a moment later.
    let deadline = Instant::now() + StdDuration::from_secs(5);
    while cluster.node_of_key(&tag) == primary {
        assert!(Instant::now() < deadline, "a replica owns the day now");
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    let got = next_events(&mut events, 1).await;
    assert_eq!(
        (got[0].action, got[0].ticket.map(|t| t.get())),
        (Action::TakeTicket, Some(3))
    );
    let called = q.call_next(&DeskId::default()).await.unwrap();
    assert_eq!(called.called.unwrap().number.get(), 1);
    q.ping().await.expect("the cluster is whole again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_missing_slots_is_unavailable_once_it_says_so() {
    // The default: a cluster that lost slots stops serving everything.
    let mut cluster = RedisCluster::start_with(&["--cluster-node-timeout", "2000"]);
    let prefix = unique_prefix();
    let b = backend(&cluster.url_from(1), &prefix).await;
    let day = a_day_on(&cluster, |n| n == 1);
    let clock = ManualClock::new(morning_of(day));
    let q = queue(&b, &clock);
    q.open_day().await.unwrap();
    q.ping().await.expect("a healthy cluster is ready");

    cluster.stop_node(0);
    // The nodes agree on the failure after cluster-node-timeout (2 s here).
    let deadline = Instant::now() + StdDuration::from_secs(15);
    loop {
        match q.ping().await {
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
                break;
            }
            Ok(()) => {
                assert!(Instant::now() < deadline, "the cluster still says ok");
                tokio::time::sleep(StdDuration::from_millis(100)).await;
            }
        }
    }
    // Every operation is refused now, even on a surviving node's day: unavailable, fast.
    let started = Instant::now();
    let err = q.take(TakeRequest::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err:?}");
    let err = q.status(&DeskId::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err:?}");
    assert!(started.elapsed() < StdDuration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_that_cannot_be_reached_fails_fast_as_unavailable() {
    let cluster = RedisCluster::start();
    let url = cluster.url();
    drop(cluster);
    let started = Instant::now();
    let err = RedisBackend::builder(url)
        .connection_timeout(StdDuration::from_millis(500))
        .response_timeout(StdDuration::from_millis(500))
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err:?}");
    assert!(started.elapsed() < StdDuration::from_secs(5));
}

#[tokio::test]
async fn broken_cluster_urls_are_refused_with_a_reason() {
    for url in [
        "redis+cluster://",
        "redis+cluster://127.0.0.1:7000,,127.0.0.1:7001",
        "redis+cluster://127.0.0.1:notaport",
        "redis+cluster://127.0.0.1:7000/2",
        "redis://127.0.0.1:7000,http://127.0.0.1:7001",
    ] {
        let err = RedisBackend::builder(url).build().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid, "{url}: {err:?}");
        let text = err.to_string();
        assert!(
            text.contains("redis_url") && text.contains("redis+cluster://host:port"),
            "{url}: {text}"
        );
    }
}

/// A unique prefix with the office hash tag `tag`.
fn office_prefix(tag: &str) -> KeyPrefix {
    KeyPrefix::parse(format!("{}:{{{tag}}}", unique_prefix())).expect("a prefix with a tag")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conformance_suite_holds_with_an_office_hash_tag_in_the_prefix() {
    let cluster = RedisCluster::start();
    let url = cluster.url();
    conformance_suite(|| {
        let url = url.clone();
        async move { backend(&url, &office_prefix("paris-15")).await }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offices_with_their_own_hash_tag_spread_over_the_primaries_on_every_day() {
    let cluster = RedisCluster::start();
    // Three offices whose tags are on three different primaries.
    let mut tags: Vec<String> = Vec::new();
    for i in 0.. {
        let tag = format!("office-{i}");
        let node = cluster.node_of_key(&format!("{{{tag}}}"));
        if tags
            .iter()
            .all(|t| cluster.node_of_key(&format!("{{{t}}}")) != node)
        {
            tags.push(tag);
        }
        if tags.len() == 3 {
            break;
        }
    }
    let prefixes: Vec<KeyPrefix> = tags.iter().map(|t| office_prefix(t)).collect();
    let first = start_time().date_naive();
    for prefix in &prefixes {
        let b = backend(&cluster.url(), prefix).await;
        let clock = ManualClock::new(morning_of(first));
        let q = queue(&b, &clock);
        // Two days, whose plain tags would be on whatever node each day hashes to.
        for day in [first, first + Duration::days(1)] {
            clock.set(morning_of(day));
            q.open_day().await.unwrap();
            q.take(TakeRequest::default()).await.unwrap();
            q.take(TakeRequest::default()).await.unwrap();
            let called = q.call_next(&DeskId::default()).await.unwrap();
            assert_eq!(called.called.unwrap().number.get(), 1, "{prefix} on {day}");
            q.finish(&DeskId::default()).await.unwrap();
        }
    }

    // Every key of an office, both days, is on the node of its tag; three offices, three nodes.
    let mut nodes_of_offices = BTreeSet::new();
    for (prefix, tag) in prefixes.iter().zip(&tags) {
        let expected = cluster.node_of_key(&format!("{{{tag}}}"));
        let mut found = 0;
        for i in 0..cluster.ports().len() {
            let keys = keys_on(&cluster, i, prefix).await;
            if !keys.is_empty() {
                assert_eq!(i, expected, "{prefix}: {keys:?} on node {i}");
            }
            found += keys.len();
        }
        // Per day: day, counter, desks, logs, stats, activity, numbers, streaks, two
        // tickets, and the waiting set, the queue of poste and the three keys of the queue
        // index (ticket 2 still waits), and the history; no `current`: the desk is idle
        // again; no `idem`: no key was given.
        assert_eq!(found, 2 * 16, "{prefix}: both days, all on one node");
        nodes_of_offices.insert(expected);
    }
    assert_eq!(
        nodes_of_offices.len(),
        3,
        "three offices on three primaries"
    );
}
