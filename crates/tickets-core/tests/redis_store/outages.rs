//! Redis down, silent, or restarted without the scripts: unavailable quickly, back by itself,
//! nothing taken twice.

use super::*;

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
