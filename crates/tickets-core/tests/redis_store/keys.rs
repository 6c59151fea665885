//! Every key a day writes, with its TTL, and the snapshot's count of them.

use super::*;

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
