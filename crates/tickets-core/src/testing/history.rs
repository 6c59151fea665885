//! Conformance cases for the history: every change of a ticket lands in its day's
//! history, a day that is over leaves its open tickets unserved (once, whoever closes
//! it), a reset keeps the history, and reports count the records exactly.

use chrono::Duration;

use super::services::{configured, req, take_for};
use super::{Fixture, desk, n};
use crate::accounts::Username;
use crate::backend::QueueBackend;
use crate::clock::BusinessDay;
use crate::history::{HistoryRecord, Outcome};
use crate::model::{Transfer, TransferPosition};
use crate::reports::ReportQuery;

fn marie() -> Option<Username> {
    Some(Username::parse("marie").expect("a username"))
}

/// The records of today, by number.
async fn today<B: QueueBackend + Clone>(f: &Fixture<B>) -> Vec<HistoryRecord> {
    let day = f.queue.moment().day;
    let mut records = f.queue.history(day).await.expect("the history of today");
    records.sort_by_key(|r| r.number);
    records
}

pub(super) async fn every_change_of_a_ticket_is_in_its_days_history<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    assert!(today(&f).await.is_empty(), "no ticket, no history");
    take_for(&f, "courrier", None).await; // 1
    take_for(&f, "colis", None).await; // 2
    take_for(&f, "courrier", Some("prioritaire")).await; // 3
    take_for(&f, "colis", None).await; // 4
    let records = today(&f).await;
    assert_eq!(records.len(), 4);
    assert!(records.iter().all(|r| r.outcome == Outcome::Waiting));
    assert_eq!(records[2].label, "A002");
    assert_eq!(
        records[2].priority.as_ref().map(|p| p.as_str()),
        Some("prioritaire")
    );
    f.clock.advance(Duration::minutes(3));
    // Desk 1 calls as marie: the priority ticket first; recalls it; serves it.
    let called = q.acting(marie()).call_next(&desk("1")).await.unwrap();
    assert_eq!(called.called.unwrap().number, n(3));
    q.recall(&desk("1")).await.unwrap();
    f.clock.advance(Duration::minutes(2));
    q.finish(&desk("1")).await.unwrap();
    // Desk 2, no account known: colis 2, absent.
    q.call_next(&desk("2")).await.unwrap();
    q.no_show(&desk("2")).await.unwrap();
    // Colis 4 goes to courrier; courrier 1 is at desk 1 when the day is looked at.
    q.transfer(&Transfer {
        ticket: n(4),
        service: crate::model::Service::parse("courrier").unwrap(),
        position: TransferPosition::Arrival,
        desk: None,
    })
    .await
    .unwrap();
    q.acting(marie()).call(&desk("1"), n(1)).await.unwrap();
    let records = today(&f).await;
    // Each record is its ticket as it is now.
    for r in &records {
        let t = q.ticket(r.number).await.unwrap().ticket;
        let by = if [1, 3].contains(&r.number.get()) {
            marie()
        } else {
            None
        };
        assert_eq!(
            *r,
            HistoryRecord::of(r.day, &t, by.as_ref()),
            "ticket {}",
            r.number
        );
    }
    let outcomes: Vec<Outcome> = records.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::InProgress,
            Outcome::NoShow,
            Outcome::Served,
            Outcome::Waiting
        ]
    );
    assert_eq!(records[2].recalls, 1);
    assert_eq!(records[2].wait_seconds(), Some(180.0));
    assert_eq!(records[2].service_seconds(), Some(120.0));
    assert_eq!(records[3].transfers, 1);
    assert_eq!(records[3].service.as_str(), "courrier");
    assert_eq!(records[3].label, "B002", "a transfer keeps the label");
    // A requeued no-show is waiting again and no longer at a desk.
    q.requeue(n(2)).await.unwrap();
    let r = &today(&f).await[1];
    assert_eq!(
        (r.outcome, r.desk.as_ref(), r.called_at),
        (Outcome::Waiting, None, None)
    );
}

/// The history of `day` as the store keeps it (past days not closed on reading).
async fn stored<B: QueueBackend + Clone>(f: &Fixture<B>, day: BusinessDay) -> Vec<HistoryRecord> {
    let q = &f.queue;
    q.backend()
        .history(&q.moment(), day)
        .await
        .expect("the stored history")
}

pub(super) async fn a_day_that_is_over_leaves_its_open_tickets_unserved<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    let day = q.moment().day;
    for _ in 0..3 {
        take_for(&f, "colis", None).await;
    }
    q.call_next(&desk("2")).await.unwrap();
    q.call_next(&desk("2")).await.unwrap(); // 1 served, 2 at the desk, 3 waiting
    // The next day: its first operation closes the day before.
    f.clock.advance(Duration::days(1));
    q.status(&desk("2")).await.unwrap();
    let raw = stored(&f, day).await;
    let outcomes: Vec<Outcome> = raw.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Served, Outcome::Unserved, Outcome::Unserved],
        "recorded as unserved in the store, not only when read"
    );
    // Closing again (another server racing) changes nothing.
    let again = q.backend().close_history(&q.moment(), day).await.unwrap();
    assert!(
        again.already && again.found && again.unserved == 0,
        "{again:?}"
    );
    // The history outlives the day's keys.
    f.clock.advance(Duration::days(3));
    let kept = q.history(day).await.unwrap();
    assert_eq!(kept, raw);
    // A day without history has nothing to close, and gets nothing written.
    let empty = q.moment().day;
    let none = q.backend().close_history(&q.moment(), empty).await.unwrap();
    assert!(!none.already && !none.found, "{none:?}");
    assert!(q.history(empty).await.unwrap().is_empty());
}

/// A day left open weeks ago is closed by the first operation after them: the days back
/// to it are closed in rounds (two, four, eight, … at once), and a day far past the first
/// rounds is reached all the same (the days between have nothing to close).
pub(super) async fn the_first_operation_after_weeks_closes_the_day_left_open<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    let day = q.moment().day;
    take_for(&f, "colis", None).await;
    take_for(&f, "colis", None).await;
    q.call_next(&desk("2")).await.unwrap(); // 1 at the desk, 2 waiting
    // Forty days without an operation: more than the first four rounds (2 + 4 + 8 + 16).
    f.clock.advance(Duration::days(41));
    q.status(&desk("2")).await.unwrap();
    let raw = stored(&f, day).await;
    let outcomes: Vec<Outcome> = raw.iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, [Outcome::Unserved, Outcome::Unserved]);
    let again = q.backend().close_history(&q.moment(), day).await.unwrap();
    assert!(again.already, "closed once, in the store: {again:?}");
}

/// The rule of the store, whoever closes a day and when: closing turns the records open
/// at that moment into unserved ones, and a ticket that changes afterwards (here, on a
/// day closed while it still runs) has its record rewritten as it then is.
pub(super) async fn changes_after_a_day_is_closed_show_over_its_closed_records<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    for _ in 0..3 {
        take_for(&f, "colis", None).await;
    }
    q.call_next(&desk("2")).await.unwrap();
    let day = q.moment().day;
    let closed = q.backend().close_history(&q.moment(), day).await.unwrap();
    assert_eq!(
        (closed.already, closed.found, closed.unserved),
        (false, true, 3),
        "{closed:?}"
    );
    let outcomes = |records: Vec<HistoryRecord>| -> Vec<(u64, Outcome)> {
        let mut seen: Vec<_> = records
            .iter()
            .map(|r| (r.number.get(), r.outcome))
            .collect();
        seen.sort_unstable();
        seen
    };
    let raw = q.backend().history(&q.moment(), day).await.unwrap();
    assert_eq!(
        outcomes(raw),
        [
            (1, Outcome::Unserved),
            (2, Outcome::Unserved),
            (3, Outcome::Unserved)
        ]
    );
    f.clock.advance(Duration::minutes(1));
    q.finish(&desk("2")).await.unwrap();
    take_for(&f, "colis", None).await;
    let raw = q.backend().history(&q.moment(), day).await.unwrap();
    assert_eq!(
        outcomes(raw),
        [
            (1, Outcome::Served),
            (2, Outcome::Unserved),
            (3, Outcome::Unserved),
            (4, Outcome::Waiting)
        ],
        "the finished ticket and the new one as they now are, the others as closed"
    );
    q.reset_day().await.unwrap();
    let raw = q.backend().history(&q.moment(), day).await.unwrap();
    assert_eq!(
        outcomes(raw),
        [
            (1, Outcome::Served),
            (2, Outcome::Unserved),
            (3, Outcome::Unserved),
            (4, Outcome::Unserved)
        ],
        "a reset after the closing leaves the open ticket unserved"
    );
}

pub(super) async fn a_reset_keeps_the_history_and_leaves_open_tickets_unserved<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    take_for(&f, "colis", None).await;
    take_for(&f, "colis", None).await;
    q.call_next(&desk("2")).await.unwrap();
    q.finish(&desk("2")).await.unwrap();
    f.clock.advance(Duration::minutes(1));
    q.reset_day().await.unwrap();
    q.open_day().await.unwrap();
    f.clock.advance(Duration::minutes(1));
    take_for(&f, "colis", None).await; // number 1 again
    let day = q.moment().day;
    let records = q.history(day).await.unwrap();
    let seen: Vec<(u64, Outcome)> = records
        .iter()
        .map(|r| (r.number.get(), r.outcome))
        .collect();
    assert_eq!(
        seen,
        [
            (1, Outcome::Served),
            (2, Outcome::Unserved),
            (1, Outcome::Waiting)
        ],
        "in the order taken; the new number 1 does not replace the old one"
    );
}

pub(super) async fn a_report_counts_every_ticket_once_with_exact_figures<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    // Five courrier tickets (target 10 min) called after 2, 4, 6, 12 and 20 minutes.
    for _ in 0..5 {
        q.take(req("courrier", None)).await.unwrap();
    }
    take_for(&f, "colis", None).await; // 6, left waiting
    let mut elapsed = 0;
    for (i, wait) in [2, 4, 6, 12, 20].into_iter().enumerate() {
        f.clock.advance(Duration::minutes(wait - elapsed));
        elapsed = wait;
        q.acting(marie())
            .call(&desk("1"), n(i as u64 + 1))
            .await
            .unwrap();
    }
    q.no_show(&desk("1")).await.unwrap(); // 5 absent; 1-4 served by the calls after them
    let day = q.moment().day;
    let report = q
        .report(&ReportQuery::new(day, day).unwrap())
        .await
        .unwrap();
    let t = &report.total;
    assert_eq!(
        (t.taken, t.served, t.no_show, t.waiting, t.unserved),
        (6, 4, 1, 1, 0)
    );
    assert_eq!(t.called, 5);
    assert_eq!(t.median_wait_seconds, Some(360.0));
    assert_eq!(t.p90_wait_seconds, Some(1200.0));
    assert_eq!(t.max_wait_seconds, Some(1200.0));
    assert_eq!(
        t.avg_wait_seconds,
        Some((120.0 + 240.0 + 360.0 + 720.0 + 1200.0) / 5.0)
    );
    // Served tickets 1-4 took 2, 2, 6 and 8 minutes.
    assert_eq!(
        t.avg_service_seconds,
        Some((120.0 + 120.0 + 360.0 + 480.0) / 4.0)
    );
    assert_eq!(t.p90_service_seconds, Some(480.0));
    assert_eq!((t.with_target, t.within_target), (5, 3));
    let courrier = &report.services[0];
    assert_eq!(
        (courrier.code.as_str(), courrier.figures.taken),
        ("courrier", 5)
    );
    assert_eq!(courrier.target_wait_minutes, Some(10));
    assert_eq!(report.desks.len(), 1);
    assert_eq!(report.desks[0].figures.served, 4);
    assert_eq!(report.days.len(), 1);
    assert_eq!(report.days[0].figures, report.total);
    let cells: u64 = report.hours.iter().map(|h| h.taken).sum();
    assert_eq!(cells, 6);
    // A filter keeps only its tickets.
    let mut colis = ReportQuery::new(day, day).unwrap();
    colis.service = Some(crate::model::Service::parse("colis").unwrap());
    let report = q.report(&colis).await.unwrap();
    assert_eq!((report.total.taken, report.total.waiting), (1, 1));
    assert_eq!(report.total.median_wait_seconds, None);
}
