//! Foreign data under the day's keys: an internal error, never a panic.

use super::*;

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
