//! Conformance cases for a holder leaving the queue: the ticket becomes cancelled, leaves
//! its queue and nothing else, and counts as left in the figures and the history; only
//! its holder's key lets it go.

use super::services::{configured, take_for};
use super::{Fixture, desk};
use crate::backend::QueueBackend;
use crate::error::Error;
use crate::events::QueueEvent;
use crate::history::Outcome;
use crate::model::{Action, SnapshotOptions, TicketStatus};
use crate::reports::ReportQuery;

pub(super) async fn a_holder_leaves_the_queue_and_is_counted_as_left<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    let mut events = q.events();
    let one = take_for(&f, "colis", None).await;
    let two = take_for(&f, "colis", None).await;
    let three = take_for(&f, "colis", None).await;
    let info = q.ticket(two).await.unwrap();
    let day = info.day;
    let key = q.holder_key(day, &info.ticket).await.unwrap();

    // Someone who knows only the number, or the key of another ticket, cannot.
    let other = q.ticket(one).await.unwrap().ticket;
    let wrong = q.holder_key(day, &other).await.unwrap();
    for bad in [wrong.as_str(), "", "not a key"] {
        match q.leave(two, bad).await {
            Err(Error::WrongHolderKey(n)) => assert_eq!(n, two),
            other => panic!("leave with {bad:?}: {other:?}"),
        }
    }
    assert_eq!(
        q.ticket(two).await.unwrap().ticket.status,
        TicketStatus::Waiting
    );

    f.clock.advance(chrono::Duration::seconds(90));
    let now = q.moment().now;
    let left = q.leave(two, key.as_str()).await.expect("the holder leaves");
    assert_eq!(left.status, TicketStatus::Cancelled);
    assert_eq!(left.finished_at, Some(now));
    assert_eq!(left.label, info.ticket.label);
    // Twice is harmless: the same ticket, nothing counted again.
    assert_eq!(q.leave(two, key.as_str()).await.unwrap(), left);

    // Out of the queue: the one behind moves up, and the desks never see it.
    let after = q.ticket(three).await.unwrap();
    assert_eq!(after.waiting_before, Some(1));
    let gone = q.ticket(two).await.unwrap();
    assert_eq!(
        (gone.ticket.status, gone.waiting_before),
        (TicketStatus::Cancelled, None)
    );
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.figures.left, 1);
    assert_eq!(snap.figures.waiting, 2);
    assert_eq!(snap.figures.taken, 3);
    let first = q.call_next(&desk("2")).await.unwrap();
    let second = q.call_next(&desk("2")).await.unwrap();
    assert_eq!(
        (
            first.called.map(|t| t.number),
            second.called.map(|t| t.number)
        ),
        (Some(one), Some(three))
    );

    // Only a waiting ticket can be left.
    match q
        .leave(
            three,
            q.holder_key(day, &after.ticket).await.unwrap().as_str(),
        )
        .await
    {
        Err(Error::WrongStatus { number, status }) => {
            assert_eq!((number, status), (three, TicketStatus::InProgress));
        }
        other => panic!("leave a called ticket: {other:?}"),
    }
    // Nobody else waits: the desk finds the queue empty.
    assert!(q.call_next(&desk("2")).await.unwrap().called.is_none());

    // The event and the log line.
    let mut seen: Vec<QueueEvent> = Vec::new();
    while let Ok(Ok(e)) =
        tokio::time::timeout(std::time::Duration::from_millis(200), events.recv()).await
    {
        seen.push(e);
    }
    let leave = seen
        .iter()
        .find(|e| e.action == Action::LeaveQueue)
        .expect("a leave_queue event");
    assert_eq!(leave.ticket, Some(two));
    assert_eq!(leave.queue_length, 2);
    assert!(
        snap.logs
            .iter()
            .any(|l| l.action == Action::LeaveQueue && l.ticket == Some(two)),
        "{:?}",
        snap.logs
    );

    // The history and the report.
    let records = q.history(day).await.unwrap();
    let record = records
        .iter()
        .find(|r| r.number == two)
        .expect("its record");
    assert_eq!(record.outcome, Outcome::Cancelled);
    assert_eq!(record.finished_at, left.finished_at);
    let report = q
        .report(&ReportQuery::new(day, day).unwrap())
        .await
        .unwrap();
    assert_eq!(report.total.cancelled, 1);
    assert_eq!(report.total.taken, 3);
}

pub(super) async fn a_number_given_again_after_a_reset_is_another_ticket<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    let n = take_for(&f, "colis", None).await;
    let before = q.ticket(n).await.unwrap();
    let old_key = q.holder_key(before.day, &before.ticket).await.unwrap();
    f.clock.advance(chrono::Duration::seconds(5));
    q.reset_day().await.unwrap();
    q.open_day().await.unwrap();
    let again = take_for(&f, "colis", None).await;
    assert_eq!(again, n);
    match q.leave(n, old_key.as_str()).await {
        Err(Error::WrongHolderKey(_)) => {}
        other => panic!("the old key on the new ticket: {other:?}"),
    }
    // The store itself refuses a ticket named by another time of taking.
    let moment = q.moment();
    match q.backend().leave(&moment, n, before.ticket.taken_at).await {
        Err(Error::TicketNotFound(m)) => assert_eq!(m, n),
        other => panic!("leave by the old time of taking: {other:?}"),
    }
    let now = q.ticket(n).await.unwrap();
    assert_eq!(now.ticket.status, TicketStatus::Waiting);
    // The office's secret is kept: the key does not change between two asks.
    let key = q.holder_key(now.day, &now.ticket).await.unwrap();
    assert_eq!(q.holder_key(now.day, &now.ticket).await.unwrap(), key);
    assert_ne!(key, old_key);
}
