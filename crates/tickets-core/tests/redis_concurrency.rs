//! Concurrency on Redis: two `RedisBackend` values on one server and one prefix, as two
//! servers sharing one Redis would be, hammered by concurrent tasks.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration as StdDuration;

use tickets_core::testing::{NO_FUNCTIONS, RedisServer, start_time, unique_prefix};
use tickets_core::{
    Action, BusinessCalendar, DeskId, EventStream, IdempotencyKey, KeyPrefix, ManualClock,
    QueueConfig, QueueEvent, RedisBackend, Service, SnapshotOptions, TakeRequest, TicketNumber,
    TicketQueue, TicketStatus,
};

type Queue = TicketQueue<RedisBackend, ManualClock>;

async fn backend(server: &RedisServer, prefix: &KeyPrefix) -> RedisBackend {
    RedisBackend::builder(server.url())
        .prefix(prefix.clone())
        .build()
        .await
        .expect("connect to the test redis-server")
}

/// Two queues on two backends sharing one server, one prefix and one (fixed) clock.
async fn two_servers(server: &RedisServer) -> (Queue, Queue) {
    let prefix = unique_prefix();
    let clock = ManualClock::new(start_time());
    let config = QueueConfig {
        calendar: BusinessCalendar::new(tickets_core::chrono_tz::UTC, 0).expect("a calendar"),
        ..QueueConfig::default()
    };
    let a = TicketQueue::with_clock(backend(server, &prefix).await, clock.clone(), config);
    let b = TicketQueue::with_clock(backend(server, &prefix).await, clock, config);
    (a, b)
}

fn desk(s: &str) -> DeskId {
    DeskId::parse(s).expect("a valid desk")
}

fn n(v: u64) -> TicketNumber {
    TicketNumber::new(v).expect("a valid number")
}

/// How long a stream is read on after the last expected event, to see that no other
/// (a duplicate, say) follows.
const QUIET: StdDuration = StdDuration::from_millis(500);

/// Fails if any event arrives on `stream` within [`QUIET`].
async fn assert_no_more_events(stream: &mut EventStream) {
    if let Ok(next) = tokio::time::timeout(QUIET, stream.recv()).await {
        panic!("an event after the last expected one: {next:?}");
    }
}

/// Receives events until one with sequence number `last` arrived (10 s at most each),
/// and checks that nothing follows it; panics on a gap, a missed event or one too many.
async fn events_up_to(stream: &mut EventStream, last: u64) -> Vec<QueueEvent> {
    let mut out: Vec<QueueEvent> = Vec::new();
    while out.last().map_or(0, |e| e.seq) < last {
        let e = tokio::time::timeout(StdDuration::from_secs(10), stream.recv())
            .await
            .unwrap_or_else(|_| panic!("no event after seq {:?}", out.last().map(|e| e.seq)))
            .unwrap_or_else(|m| panic!("the event stream missed events: {m}"));
        let expected = out.last().map_or(1, |p| p.seq + 1);
        assert_eq!(e.seq, expected, "events arrive in order without gaps");
        out.push(e);
    }
    assert_no_more_events(stream).await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_takes_on_two_backends_give_each_number_once() {
    const TAKES: u64 = 500;
    let server = RedisServer::start();
    let (qa, qb) = two_servers(&server).await;
    let mut events_a = qa.events();
    let mut events_b = qb.events();
    qa.open_day().await.unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..TAKES {
        let q = if i % 2 == 0 { qa.clone() } else { qb.clone() };
        tasks.spawn(async move { q.take(TakeRequest::default()).await });
    }
    let mut numbers = Vec::new();
    while let Some(res) = tasks.join_next().await {
        let taken = res.expect("the task ran").expect("the take succeeded");
        let number = taken.ticket.number.get();
        assert_eq!(
            taken.waiting_before,
            number - 1,
            "nobody was called, so every ticket before {number} still waits"
        );
        assert_eq!(taken.ticket.status, TicketStatus::Waiting);
        assert!(!taken.replayed);
        numbers.push(number);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=TAKES).collect::<Vec<_>>());

    for q in [&qa, &qb] {
        let st = q.status(&DeskId::default()).await.unwrap();
        assert_eq!((st.queue_length, st.total_tickets), (TAKES, TAKES));
        assert_eq!(st.next_ticket, Some(n(1)));
    }
    let snap = qb
        .snapshot(SnapshotOptions {
            waiting: 500,
            ..SnapshotOptions::default()
        })
        .await
        .unwrap();
    let listed: Vec<u64> = snap.waiting_list.iter().map(|t| t.number.get()).collect();
    assert_eq!(
        listed, numbers,
        "the queue holds every number in FIFO order"
    );
    assert_eq!(snap.last_event, TAKES + 1);

    // Both backends see every event, whichever backend made the change.
    let seen_a = events_up_to(&mut events_a, TAKES + 1).await;
    let seen_b = events_up_to(&mut events_b, TAKES + 1).await;
    assert_eq!(seen_a, seen_b);
    assert_eq!(seen_a[0].action, Action::StartDay);
    for e in &seen_a[1..] {
        assert_eq!(e.action, Action::TakeTicket);
        let t = e.ticket.expect("a take names its ticket").get();
        assert_eq!(e.seq, t + 1, "ticket {t} was the {t}th take");
        assert_eq!(e.queue_length, t);
    }
}

/// What one desk did: the numbers it called in order, and what it holds at the end.
struct DeskRun {
    desk: DeskId,
    called: Vec<u64>,
    holds: Option<u64>,
}

async fn run_desk(q: Queue, desk: DeskId, total: u64, called_so_far: Arc<AtomicU64>) -> DeskRun {
    let mut called = Vec::new();
    let mut holds: Option<u64> = None;
    while called_so_far.load(Ordering::SeqCst) < total {
        let c = q.call_next(&desk).await.expect("call_next succeeds");
        assert_eq!(c.desk, desk);
        let finished = c.finished.as_ref().map(|t| t.number.get());
        assert_eq!(
            finished, holds,
            "desk {desk} finished exactly the ticket it held before"
        );
        if let Some(f) = &c.finished {
            assert_eq!(f.status, TicketStatus::Completed);
            assert_eq!(f.desk.as_ref(), Some(&desk));
        }
        match c.called {
            Some(t) => {
                assert_eq!(t.status, TicketStatus::InProgress);
                assert_eq!(t.desk.as_ref(), Some(&desk));
                called.push(t.number.get());
                holds = Some(t.number.get());
                called_so_far.fetch_add(1, Ordering::SeqCst);
            }
            None => {
                holds = None;
                tokio::task::yield_now().await;
            }
        }
    }
    DeskRun {
        desk,
        called,
        holds,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_desks_calling_while_tickets_are_taken_serve_each_ticket_once_in_fifo_order() {
    const TAKES: u64 = 300;
    let server = RedisServer::start();
    let (qa, qb) = two_servers(&server).await;
    // Collect every event as it comes, so that none is lost to a full buffer.
    let mut stream = qa.events();
    qa.open_day().await.unwrap();
    let (last_tx, last_rx) = tokio::sync::oneshot::channel::<u64>();
    let collector = tokio::spawn(async move {
        let mut got: Vec<QueueEvent> = Vec::new();
        let mut last_rx = last_rx;
        let mut last: Option<u64> = None;
        loop {
            if last.is_some() && got.last().map(|e| e.seq) == last {
                assert_no_more_events(&mut stream).await;
                return got;
            }
            tokio::select! {
                l = &mut last_rx, if last.is_none() => last = Some(l.expect("the last seq")),
                e = tokio::time::timeout(StdDuration::from_secs(20), stream.recv()) => {
                    let e = e.expect("events keep coming").expect("no event is missed");
                    let expected = got.last().map_or(1, |p| p.seq + 1);
                    assert_eq!(e.seq, expected, "events arrive in order without gaps");
                    got.push(e);
                }
            }
        }
    });

    let called_so_far = Arc::new(AtomicU64::new(0));
    let mut desks = tokio::task::JoinSet::new();
    for (name, q) in [("1", &qa), ("2", &qa), ("3", &qb), ("4", &qb)] {
        desks.spawn(run_desk(
            q.clone(),
            desk(name),
            TAKES,
            called_so_far.clone(),
        ));
    }
    let taker = {
        let (qa, qb) = (qa.clone(), qb.clone());
        tokio::spawn(async move {
            let mut taken = Vec::new();
            for i in 0..TAKES {
                let q = if i % 2 == 0 { &qa } else { &qb };
                taken.push(
                    q.take(TakeRequest::default())
                        .await
                        .unwrap()
                        .ticket
                        .number
                        .get(),
                );
            }
            taken
        })
    };
    let taken = taker.await.expect("the taker ran");
    assert_eq!(
        taken,
        (1..=TAKES).collect::<Vec<_>>(),
        "one taker gets 1, 2, 3…"
    );
    let mut runs = Vec::new();
    while let Some(r) = desks.join_next().await {
        runs.push(r.expect("a desk task ran"));
    }
    runs.sort_by(|a, b| a.desk.cmp(&b.desk));

    // Every ticket called exactly once; each desk called in increasing order.
    let mut all: Vec<u64> = Vec::new();
    for r in &runs {
        assert!(
            r.called.windows(2).all(|w| w[0] < w[1]),
            "desk {} called {:?} out of order",
            r.desk,
            r.called
        );
        all.extend(&r.called);
    }
    all.sort_unstable();
    assert_eq!(all, (1..=TAKES).collect::<Vec<_>>());

    // The end state: each desk holds at most its last ticket, and every ticket in progress
    // is the current ticket of exactly one desk.
    let snap = qb.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.queue_length, 0);
    let currents: BTreeMap<String, Option<u64>> = snap
        .desks
        .iter()
        .map(|d| {
            (
                d.desk.to_string(),
                d.current.as_ref().map(|t| t.number.get()),
            )
        })
        .collect();
    let expected: BTreeMap<String, Option<u64>> =
        runs.iter().map(|r| (r.desk.to_string(), r.holds)).collect();
    assert_eq!(
        currents, expected,
        "the snapshot agrees with what each desk holds"
    );
    for r in &runs {
        let st = qa.status(&r.desk).await.unwrap();
        assert_eq!(st.current_ticket.map(TicketNumber::get), r.holds);
    }
    let held: BTreeSet<u64> = runs.iter().filter_map(|r| r.holds).collect();
    assert!(
        !held.is_empty(),
        "the desk that called the last ticket still holds it"
    );
    let mut in_progress = BTreeSet::new();
    for i in 1..=TAKES {
        let info = qa.ticket(n(i)).await.unwrap();
        match info.ticket.status {
            TicketStatus::InProgress => {
                let owners: Vec<&DeskRun> = runs.iter().filter(|r| r.holds == Some(i)).collect();
                assert_eq!(
                    owners.len(),
                    1,
                    "ticket {i} in progress at exactly one desk"
                );
                assert_eq!(info.ticket.desk.as_ref(), Some(&owners[0].desk));
                in_progress.insert(i);
            }
            TicketStatus::Completed => {
                assert!(info.ticket.finished_at.is_some());
                let desk = info
                    .ticket
                    .desk
                    .as_ref()
                    .expect("a served ticket has a desk");
                let run = runs.iter().find(|r| &r.desk == desk).expect("a known desk");
                assert!(run.called.contains(&i), "ticket {i} was called by {desk}");
            }
            other => panic!("ticket {i} ended {other:?}"),
        }
    }
    assert_eq!(in_progress, held);
    assert_eq!(snap.figures.called, TAKES);
    assert_eq!(snap.figures.served, TAKES - held.len() as u64);

    // The whole history, in the order the scripts ran: global FIFO, one ticket per desk at
    // a time, and queue lengths that add up.
    last_tx.send(snap.last_event).expect("the collector waits");
    let events = collector.await.expect("the collector ran");
    let mut queue_len = 0u64;
    let mut last_called = 0u64;
    let mut holding: BTreeMap<String, u64> = BTreeMap::new();
    assert_eq!(events[0].action, Action::StartDay);
    for e in &events[1..] {
        let t = e.ticket.map(TicketNumber::get);
        let d = e.desk.as_ref().map(ToString::to_string);
        match e.action {
            Action::TakeTicket => queue_len += 1,
            Action::CallNext => {
                let (t, d) = (t.unwrap(), d.unwrap());
                assert!(
                    t > last_called,
                    "calls follow FIFO: {t} after {last_called}"
                );
                last_called = t;
                queue_len -= 1;
                assert_eq!(
                    holding.insert(d.clone(), t),
                    None,
                    "desk {d} held two tickets"
                );
            }
            Action::FinishCurrent => {
                let (t, d) = (t.unwrap(), d.unwrap());
                assert_eq!(
                    holding.remove(&d),
                    Some(t),
                    "desk {d} finished what it held"
                );
            }
            other => panic!("unexpected event {other:?}"),
        }
        assert_eq!(
            e.queue_length, queue_len,
            "queue length after event {}",
            e.seq
        );
    }
    assert_eq!(last_called, TAKES);
    let holding_now: BTreeSet<u64> = holding.values().copied().collect();
    assert_eq!(holding_now, held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_takes_with_one_idempotency_key_give_one_ticket() {
    let server = RedisServer::start();
    let (qa, qb) = two_servers(&server).await;
    qa.open_day().await.unwrap();
    let req = TakeRequest {
        service: Service::parse("poste").unwrap(),
        idempotency_key: Some(IdempotencyKey::parse("kiosk-7:retry-storm").unwrap()),
        priority: None,
        limits: Default::default(),
    };
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let q = if i % 2 == 0 { qa.clone() } else { qb.clone() };
        let req = req.clone();
        tasks.spawn(async move { q.take(req).await });
    }
    let mut results = Vec::new();
    while let Some(r) = tasks.join_next().await {
        results.push(r.expect("the task ran").expect("the take succeeded"));
    }
    assert_eq!(results.len(), 20);
    let first = results
        .iter()
        .find(|t| !t.replayed)
        .expect("one take made the ticket");
    assert_eq!(results.iter().filter(|t| !t.replayed).count(), 1);
    for t in &results {
        assert_eq!(t.ticket, first.ticket, "every answer is the same ticket");
        assert_eq!(t.waiting_before, 0);
    }
    assert_eq!(first.ticket.number, n(1));
    assert_eq!(first.ticket.service.as_str(), "poste");
    let st = qb.status(&DeskId::default()).await.unwrap();
    assert_eq!((st.total_tickets, st.queue_length), (1, 1));
    let snap = qa.snapshot(SnapshotOptions::default()).await.unwrap();
    let takes = snap
        .logs
        .iter()
        .filter(|l| l.action == Action::TakeTicket)
        .count();
    assert_eq!(takes, 1, "a replayed take logs nothing");
}

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
    let stat = format!("cmdstat_{call}:calls=");
    let fcalls = |mut conn: redis::aio::MultiplexedConnection| {
        let stat = stat.clone();
        async move {
            let info: String = redis::cmd("INFO")
                .arg("commandstats")
                .query_async(&mut conn)
                .await
                .unwrap();
            info.lines()
                .find_map(|l| l.strip_prefix(stat.as_str()))
                .and_then(|rest| rest.split(',').next()?.parse::<u64>().ok())
                .unwrap_or(0)
        }
    };
    let before = fcalls(conn.clone()).await;
    let takes = ["k1", "k2", "k3", "k4"].map(|k| TakeRequest {
        idempotency_key: Some(IdempotencyKey::parse(k).unwrap()),
        ..TakeRequest::default()
    });
    let answers = futures_util::future::join_all(takes.iter().map(|t| q.take(t.clone()))).await;
    assert_eq!(
        fcalls(conn.clone()).await - before,
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
