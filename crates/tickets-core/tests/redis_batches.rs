//! Batches on Redis: the takes, call-nexts and finishes a server makes at once go to Redis
//! as one call, and each gets the answer and the events it would have had alone.

mod common;

use std::collections::BTreeMap;

use common::{desk, events_up_to, two_servers};
use tickets_core::testing::{NO_FUNCTIONS, RedisServer};
use tickets_core::{Action, IdempotencyKey, QueueEvent, TakeRequest};

/// Takes made at once on one server go to Redis in one batch (after the first, which goes
/// alone); one that fails there (foreign data under its idempotency key) fails alone, and
/// the others get their tickets and events as if each had gone alone.
#[tokio::test(flavor = "current_thread")]
async fn a_take_that_fails_in_a_batch_fails_alone() {
    take_failing_in_a_batch(&[], "fcall").await;
}

/// The same without functions (before Redis 7; here they are renamed away): the batch goes
/// by `EVALSHA`, its whole script with it.
#[tokio::test(flavor = "current_thread")]
async fn a_take_that_fails_in_a_batch_fails_alone_without_functions() {
    take_failing_in_a_batch(&NO_FUNCTIONS, "evalsha").await;
}

/// Four takes at once, the second with foreign data under its idempotency key, on a server
/// started with `extra`, whose scripts go by `call` (`fcall` or `evalsha`).
async fn take_failing_in_a_batch(extra: &[&str], call: &str) {
    let server = RedisServer::start_with(extra);
    let (q, _) = two_servers(&server).await;
    let mut stream = q.events();
    q.open_day().await.unwrap();
    let mut conn = redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("a connection to the test redis-server");
    let idem = format!(
        "{}:{{{}}}:idem:k2",
        q.backend().prefix().as_str(),
        q.moment().day
    );
    let _: () = redis::cmd("SET")
        .arg(&idem)
        .arg("junk")
        .query_async(&mut conn)
        .await
        .unwrap();
    // The first call without functions finds FCALL unknown: it is made before counting.
    q.take(TakeRequest::default()).await.unwrap();
    let before = command_calls(&mut conn, call).await;
    let takes = ["k1", "k2", "k3", "k4"].map(|k| TakeRequest {
        idempotency_key: Some(IdempotencyKey::parse(k).unwrap()),
        ..TakeRequest::default()
    });
    let answers = futures_util::future::join_all(takes.iter().map(|t| q.take(t.clone()))).await;
    assert_eq!(
        command_calls(&mut conn, call).await - before,
        2,
        "k1 went alone, the three others in one batch ({call})"
    );
    let numbers: Vec<Option<u64>> = answers
        .iter()
        .map(|a| a.as_ref().ok().map(|t| t.ticket.number.get()))
        .collect();
    assert_eq!(numbers, [Some(2), None, Some(3), Some(4)], "{answers:?}");
    match &answers[1] {
        Err(tickets_core::Error::Corrupt { detail, .. }) => {
            assert!(
                detail.contains("junk"),
                "the error names what it found: {detail}"
            )
        }
        other => panic!("the take of k2 fails on its foreign data: {other:?}"),
    }
    let waiting: Vec<u64> = answers
        .iter()
        .filter_map(|a| a.as_ref().ok().map(|t| t.waiting_before))
        .collect();
    assert_eq!(waiting, [1, 2, 3]);
    // start_day, the first take, then the three takes, each with its own queue length.
    let events = events_up_to(&mut stream, 5).await;
    let takes: Vec<(Option<u64>, u64)> = events[2..]
        .iter()
        .map(|e| (e.ticket.map(|n| n.get()), e.queue_length))
        .collect();
    assert_eq!(takes, [(Some(2), 2), (Some(3), 3), (Some(4), 4)]);
    let logs: u64 = redis::cmd("LLEN")
        .arg(format!(
            "{}:{{{}}}:logs",
            q.backend().prefix().as_str(),
            q.moment().day
        ))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        logs, 5,
        "a log line for the day's start and each ticket taken"
    );
}

/// How many times Redis ran `command` so far (`INFO commandstats`, which counts the
/// commands of scripts too).
async fn command_calls(conn: &mut redis::aio::MultiplexedConnection, command: &str) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(conn)
        .await
        .expect("INFO commandstats");
    let stat = format!("cmdstat_{command}:calls=");
    info.lines()
        .find_map(|l| l.strip_prefix(stat.as_str()))
        .and_then(|rest| rest.split(',').next()?.parse::<u64>().ok())
        .unwrap_or(0)
}

/// Call-nexts and finishes made at once on one server go to Redis in one batch (after the
/// first, which goes alone). The batch reads the waiting set once: each call after the
/// first knows it from the calls before it. Every event still reports the waiting set as
/// that call alone would have, down to an empty queue.
#[tokio::test(flavor = "current_thread")]
async fn calls_made_at_once_read_the_waiting_set_once_and_report_it_as_alone() {
    let server = RedisServer::start();
    let (q, _) = two_servers(&server).await;
    let mut stream = q.events();
    q.open_day().await.unwrap();
    for _ in 0..6 {
        q.take(TakeRequest::default()).await.unwrap();
    }
    let mut conn = redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("a connection to the test redis-server");
    let desks = ["d1", "d2", "d3", "d4"].map(desk);
    let seen = |e: &QueueEvent| {
        (
            e.action,
            e.ticket.map(|n| n.get()),
            e.queue_length,
            e.next_ticket.map(|n| n.get()),
        )
    };

    // Four call-nexts: 1 alone, then 2, 3 and 4 in one batch.
    let (fcalls, zcards) = (
        command_calls(&mut conn, "fcall").await,
        command_calls(&mut conn, "zcard").await,
    );
    let called = futures_util::future::join_all(desks.iter().map(|d| q.call_next(d))).await;
    let called: Vec<Option<u64>> = called
        .into_iter()
        .map(|c| c.unwrap().called.map(|t| t.number.get()))
        .collect();
    assert_eq!(called, [Some(1), Some(2), Some(3), Some(4)]);
    assert_eq!(command_calls(&mut conn, "fcall").await - fcalls, 2);
    assert_eq!(
        command_calls(&mut conn, "zcard").await - zcards,
        4,
        "the call alone and the batch each read the waiting set once (ZCARD), and check \
         the type of the head times once (ZCARD too)"
    );
    // (The batch writes its desks' entries at its end, in one HSET.)
    let entries: BTreeMap<String, String> = redis::cmd("HGETALL")
        .arg(format!(
            "{}:{{{}}}:desks",
            q.backend().prefix().as_str(),
            q.moment().day
        ))
        .query_async(&mut conn)
        .await
        .unwrap();
    let entries: Vec<(&str, &str)> = entries
        .iter()
        .map(|(d, n)| (d.as_str(), n.as_str()))
        .collect();
    assert_eq!(
        entries,
        [("d1", "1"), ("d2", "2"), ("d3", "3"), ("d4", "4")]
    );

    // Four finishes at once: the waiting set did not move.
    let zcards = command_calls(&mut conn, "zcard").await;
    for f in futures_util::future::join_all(desks.iter().map(|d| q.finish(d))).await {
        assert!(f.unwrap().is_some(), "each desk had its ticket");
    }
    assert_eq!(
        command_calls(&mut conn, "zcard").await - zcards,
        2,
        "the finish alone and the batch each read the waiting set once"
    );

    // Three call-nexts for two tickets: 5 alone, then 6 and none in one batch (the batch
    // knows the whole waiting set, one ticket, and that none is left after it).
    let called = futures_util::future::join_all(desks[..3].iter().map(|d| q.call_next(d))).await;
    let called: Vec<Option<u64>> = called
        .into_iter()
        .map(|c| c.unwrap().called.map(|t| t.number.get()))
        .collect();
    assert_eq!(called, [Some(5), Some(6), None]);
    let st = q.status(&desk("d3")).await.unwrap();
    assert_eq!(st.queue_length, 0);

    // The day's start, six takes, then the calls' and finishes' events.
    let events = events_up_to(&mut stream, 17).await;
    let calls: Vec<_> = events[7..].iter().map(seen).collect();
    assert_eq!(
        calls,
        [
            (Action::CallNext, Some(1), 5, Some(2)),
            (Action::CallNext, Some(2), 4, Some(3)),
            (Action::CallNext, Some(3), 3, Some(4)),
            (Action::CallNext, Some(4), 2, Some(5)),
            (Action::FinishCurrent, Some(1), 2, Some(5)),
            (Action::FinishCurrent, Some(2), 2, Some(5)),
            (Action::FinishCurrent, Some(3), 2, Some(5)),
            (Action::FinishCurrent, Some(4), 2, Some(5)),
            (Action::CallNext, Some(5), 1, Some(6)),
            (Action::CallNext, Some(6), 0, None),
        ]
    );
}

/// Call-nexts and finishes of different desks interleaved in one batch: each does what it
/// would alone, in the order they came.
#[tokio::test(flavor = "current_thread")]
async fn interleaved_call_nexts_and_finishes_of_a_batch_each_do_what_they_would_alone() {
    let server = RedisServer::start();
    let (q, _) = two_servers(&server).await;
    q.open_day().await.unwrap();
    for _ in 0..6 {
        q.take(TakeRequest::default()).await.unwrap();
    }
    let desks = ["d1", "d2", "d3", "d4", "d5"].map(desk);
    // d2 and d4 hold tickets 1 and 2.
    q.call_next(&desks[1]).await.unwrap();
    q.call_next(&desks[3]).await.unwrap();
    let mut conn = redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("a connection to the test redis-server");
    let fcalls = command_calls(&mut conn, "fcall").await;
    // d1 alone, then d2's finish, d3's call-next, d4's finish and d5's call-next at once.
    let (first, finish_2, next_3, finish_4, next_5) = tokio::join!(
        q.call_next(&desks[0]),
        q.finish(&desks[1]),
        q.call_next(&desks[2]),
        q.finish(&desks[3]),
        q.call_next(&desks[4]),
    );
    let called =
        |c: tickets_core::Result<tickets_core::Called>| c.unwrap().called.map(|t| t.number.get());
    let finished = |f: tickets_core::Result<Option<tickets_core::Ticket>>| {
        f.unwrap()
            .map(|t| (t.number.get(), t.desk.map(|d| d.to_string())))
    };
    assert_eq!(called(first), Some(3));
    assert_eq!(finished(finish_2), Some((1, Some("d2".into()))));
    assert_eq!(called(next_3), Some(4));
    assert_eq!(finished(finish_4), Some((2, Some("d4".into()))));
    assert_eq!(called(next_5), Some(5));
    assert_eq!(
        command_calls(&mut conn, "fcall").await - fcalls,
        2,
        "d1's call-next alone, the four others in one batch"
    );
    let st = q.status(&desks[4]).await.unwrap();
    assert_eq!(st.queue_length, 1, "ticket 6 still waits");
}
