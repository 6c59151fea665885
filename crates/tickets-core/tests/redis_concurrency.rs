//! Concurrency on Redis: two `RedisBackend` values on one server and one prefix, as two
//! servers sharing one Redis would be, hammered by concurrent tasks.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration as StdDuration;

use common::{Queue, assert_no_more_events, desk, events_up_to, n, two_servers};
use tickets_core::testing::RedisServer;
use tickets_core::{
    Action, DeskId, IdempotencyKey, QueueEvent, Service, SnapshotOptions, TakeRequest,
    TicketNumber, TicketStatus,
};

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
