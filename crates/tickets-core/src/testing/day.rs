//! Conformance cases of a day's queue: taking, calling, finishing, recalling, no-shows,
//! closing and resetting the day, idempotency keys, figures, events, logs, the snapshot and
//! the business day.

use chrono::{Duration, TimeZone, Utc};

use super::{Fixture, desk, key, n, next_events, start_time};
use crate::backend::{QueueBackend, TakeRequest};
use crate::clock::BusinessCalendar;
use crate::error::{Error, ErrorKind};
use crate::model::{Action, DeskId, Service, SnapshotOptions, TicketNumber, TicketStatus};

async fn take<B: QueueBackend + Clone>(f: &Fixture<B>) -> crate::Taken {
    f.queue.take(TakeRequest::default()).await.expect("take")
}

pub(super) async fn a_closed_day_refuses_tickets_and_writes_nothing<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    let st = q.status(&DeskId::default()).await.unwrap();
    assert!(!st.open);
    assert_eq!(
        (st.queue_length, st.current_ticket, st.next_ticket),
        (0, None, None)
    );
    let err = q.take(TakeRequest::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DayClosed);
    let called = q.call_next(&DeskId::default()).await.unwrap();
    assert_eq!((called.called, called.finished), (None, None));
    assert_eq!(q.finish(&DeskId::default()).await.unwrap(), None);
    assert!(!q.close_day().await.unwrap().changed);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(
        snap.key_count, 0,
        "nothing may be written on a closed, empty day"
    );
    assert_eq!(snap.ttl_seconds, None);
    assert!(snap.logs.is_empty() && snap.waiting_list.is_empty() && snap.desks.is_empty());
    assert_eq!(snap.day.to_string(), "2026-11-24");
}

pub(super) async fn opening_is_idempotent<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    let first = q.open_day().await.unwrap();
    assert!(first.open && first.changed);
    let again = q.open_day().await.unwrap();
    assert!(again.open && !again.changed);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert!(snap.open);
    assert_eq!(snap.logs.len(), 1, "a repeated open logs nothing");
    assert_eq!(snap.logs[0].action, Action::StartDay);
    assert_eq!(snap.last_event, 1);
}

pub(super) async fn tickets_are_numbered_in_order_with_the_count_ahead<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for i in 1..=3 {
        f.clock.advance(Duration::seconds(1));
        let t = take(&f).await;
        assert_eq!(t.ticket.number, n(i));
        assert_eq!(t.waiting_before, i - 1);
        assert_eq!(t.ticket.status, TicketStatus::Waiting);
        assert_eq!(t.ticket.taken_at, f.clock.now_micros());
        assert!(!t.replayed);
    }
    let st = q.status(&DeskId::default()).await.unwrap();
    assert_eq!(st.queue_length, 3);
    assert_eq!(st.waiting_tickets, 3);
    assert_eq!(st.next_ticket, Some(n(1)));
    assert_eq!(st.total_tickets, 3);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let listed: Vec<u64> = snap.waiting_list.iter().map(|t| t.number.get()).collect();
    assert_eq!(listed, [1, 2, 3]);
    assert_eq!(snap.total_tickets, 3);
    assert_eq!(snap.hash_count, 3);
    assert_eq!(
        snap.logs[0].to_string().split('|').nth(1),
        Some("take_ticket:3")
    );
}

pub(super) async fn the_default_office_has_one_service_with_plain_numbers<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    let t = take(&f).await;
    assert_eq!(t.ticket.service.as_str(), "poste");
    assert_eq!(
        (t.ticket.label.as_str(), t.ticket.priority.clone()),
        ("1", None)
    );
    let banque = Service::parse("banque").unwrap();
    let err = q
        .take(TakeRequest {
            service: banque.clone(),
            ..TakeRequest::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownService(s) if s == &banque),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let info = q.ticket(n(1)).await.unwrap();
    assert_eq!(info.ticket.service.as_str(), "poste");
    assert_eq!(q.status(&DeskId::default()).await.unwrap().total_tickets, 1);
}

pub(super) async fn call_next_is_fifo_and_finishes_the_desks_current_ticket<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..3 {
        take(&f).await;
    }
    let a = desk("A");
    f.clock.advance(Duration::seconds(10));
    let c1 = q.call_next(&a).await.unwrap();
    let t1 = c1.called.expect("ticket 1 called");
    assert_eq!(t1.number, n(1));
    assert_eq!(t1.status, TicketStatus::InProgress);
    assert_eq!(t1.desk, Some(a.clone()));
    assert_eq!(t1.called_at, Some(f.clock.now_micros()));
    assert_eq!(c1.finished, None);
    assert_eq!(c1.waiting_tickets, 2);
    f.clock.advance(Duration::seconds(10));
    let c2 = q.call_next(&a).await.unwrap();
    let done = c2.finished.expect("ticket 1 finished in the same step");
    assert_eq!(done.number, n(1));
    assert_eq!(done.status, TicketStatus::Completed);
    assert_eq!(done.finished_at, Some(f.clock.now_micros()));
    assert_eq!(c2.called.expect("ticket 2 called").number, n(2));
    assert_eq!(q.status(&a).await.unwrap().current_ticket, Some(n(2)));
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let lines: Vec<String> = snap.logs.iter().take(3).map(|l| l.to_string()).collect();
    assert!(lines[0].ends_with("|call_next:2@A"), "{lines:?}");
    assert!(lines[1].ends_with("|finish_current:1@A"), "{lines:?}");
    assert!(lines[2].ends_with("|call_next:1@A"), "{lines:?}");
}

pub(super) async fn desks_hold_one_ticket_each_independently<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..3 {
        take(&f).await;
    }
    let (a, b) = (desk("A"), desk("guichet-2"));
    assert_eq!(q.call_next(&a).await.unwrap().called.unwrap().number, n(1));
    assert_eq!(q.call_next(&b).await.unwrap().called.unwrap().number, n(2));
    let fin = q.finish(&a).await.unwrap().expect("A finishes 1");
    assert_eq!((fin.number, fin.status), (n(1), TicketStatus::Completed));
    assert_eq!(q.status(&a).await.unwrap().current_ticket, None);
    assert_eq!(q.status(&b).await.unwrap().current_ticket, Some(n(2)));
    assert_eq!(
        q.status(&DeskId::default()).await.unwrap().current_ticket,
        None
    );
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let desks: Vec<(String, Option<u64>)> = snap
        .desks
        .iter()
        .map(|d| {
            (
                d.desk.to_string(),
                d.current.as_ref().map(|t| t.number.get()),
            )
        })
        .collect();
    assert_eq!(desks, [("A".into(), None), ("guichet-2".into(), Some(2))]);
    assert_eq!(snap.current_ticket, None, "the default desk holds nothing");
    assert_eq!(snap.figures.desks_at_work, 2);
    // The default desk mirrors the original single current ticket.
    let c = q.call_next(&DeskId::default()).await.unwrap();
    assert_eq!(c.called.unwrap().number, n(3));
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.current_ticket, Some(n(3)));
    assert_eq!(
        snap.current_ticket_data.unwrap().status,
        TicketStatus::InProgress
    );
}

pub(super) async fn call_next_on_an_empty_queue_still_finishes_the_current_ticket<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    let a = desk("A");
    q.call_next(&a).await.unwrap();
    let c = q.call_next(&a).await.unwrap();
    assert_eq!(c.called, None);
    assert_eq!(c.finished.unwrap().status, TicketStatus::Completed);
    assert_eq!(q.status(&a).await.unwrap().current_ticket, None);
    let again = q.call_next(&a).await.unwrap();
    assert_eq!((again.called, again.finished), (None, None));
}

pub(super) async fn finish_without_a_current_ticket_does_nothing<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    assert_eq!(q.finish(&desk("A")).await.unwrap(), None);
    assert_eq!(q.recall(&desk("A")).await.unwrap(), None);
    assert_eq!(q.no_show(&desk("A")).await.unwrap(), None);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.logs.len(), 2, "only start_day and take_ticket");
    assert!(snap.desks.is_empty());
}

pub(super) async fn recall_counts_and_logs_the_call_again<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    let a = desk("A");
    q.call_next(&a).await.unwrap();
    let r1 = q.recall(&a).await.unwrap().expect("recalled");
    assert_eq!((r1.number, r1.recalls), (n(1), 1));
    let r2 = q.recall(&a).await.unwrap().expect("recalled");
    assert_eq!(r2.recalls, 2);
    assert_eq!(r2.status, TicketStatus::InProgress);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert!(snap.logs[0].to_string().ends_with("|recall:1@A"));
}

pub(super) async fn no_show_frees_the_desk_and_is_counted<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    take(&f).await;
    let a = desk("A");
    q.call_next(&a).await.unwrap();
    let gone = q.no_show(&a).await.unwrap().expect("marked");
    assert_eq!((gone.number, gone.status), (n(1), TicketStatus::NoShow));
    assert_eq!(q.status(&a).await.unwrap().current_ticket, None);
    // The next call does not complete the no-show ticket.
    let c = q.call_next(&a).await.unwrap();
    assert_eq!(c.finished, None);
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.figures.no_shows, 1);
    assert_eq!(snap.figures.served, 0);
    assert_eq!(
        q.ticket(n(1)).await.unwrap().ticket.status,
        TicketStatus::NoShow
    );
}

pub(super) async fn closing_keeps_waiting_tickets_callable_and_reopening_continues_numbering<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    take(&f).await;
    let closed = q.close_day().await.unwrap();
    assert!(!closed.open && closed.changed);
    assert!(!q.close_day().await.unwrap().changed);
    assert!(matches!(
        q.take(TakeRequest::default()).await,
        Err(Error::DayClosed)
    ));
    let c = q.call_next(&DeskId::default()).await.unwrap();
    assert_eq!(c.called.unwrap().number, n(1));
    assert!(q.open_day().await.unwrap().changed);
    assert_eq!(take(&f).await.ticket.number, n(3));
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let actions: Vec<Action> = snap.logs.iter().map(|l| l.action).collect();
    assert!(actions.contains(&Action::EndDay));
}

pub(super) async fn reset_wipes_the_day_and_keeps_event_numbers_rising<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..4 {
        take(&f).await;
    }
    q.call_next(&desk("A")).await.unwrap();
    let before = q
        .snapshot(SnapshotOptions::default())
        .await
        .unwrap()
        .last_event;
    let reset = q.reset_day().await.unwrap();
    assert_eq!(reset.tickets_removed, 4);
    let st = q.status(&desk("A")).await.unwrap();
    assert!(!st.open);
    assert_eq!(
        (st.queue_length, st.current_ticket, st.total_tickets),
        (0, None, 0)
    );
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.logs.len(), 1);
    assert_eq!(snap.logs[0].action, Action::ResetDay);
    assert_eq!(snap.last_event, before + 1);
    assert!(snap.desks.is_empty());
    assert!(matches!(
        q.ticket(n(1)).await,
        Err(Error::TicketNotFound(_))
    ));
    q.open_day().await.unwrap();
    assert_eq!(take(&f).await.ticket.number, n(1));
}

pub(super) async fn an_idempotency_key_gives_the_same_ticket<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    let req = TakeRequest {
        service: Service::default(),
        idempotency_key: key("kiosk-1:abc"),
        priority: None,
        limits: Default::default(),
    };
    let first = q.take(req.clone()).await.unwrap();
    let again = q.take(req.clone()).await.unwrap();
    assert_eq!(again.ticket, first.ticket);
    assert!(again.replayed && !first.replayed);
    let other = q
        .take(TakeRequest {
            service: Service::default(),
            idempotency_key: key("kiosk-1:def"),
            priority: None,
            limits: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(other.ticket.number, n(2));
    assert_eq!(other.waiting_before, 1);
    q.call_next(&DeskId::default()).await.unwrap();
    let after_call = q.take(req.clone()).await.unwrap();
    assert_eq!(after_call.ticket.number, n(1));
    assert_eq!(after_call.ticket.status, TicketStatus::InProgress);
    assert_eq!(after_call.waiting_before, 0);
    q.close_day().await.unwrap();
    assert!(
        q.take(req).await.unwrap().replayed,
        "a known key still answers when closed"
    );
    let new_key = TakeRequest {
        service: Service::default(),
        idempotency_key: key("kiosk-1:new"),
        priority: None,
        limits: Default::default(),
    };
    assert!(matches!(q.take(new_key).await, Err(Error::DayClosed)));
    assert_eq!(q.status(&DeskId::default()).await.unwrap().total_tickets, 2);
}

pub(super) async fn a_ticket_is_found_with_its_position_and_estimate<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..3 {
        take(&f).await;
    }
    let info = q.ticket(n(3)).await.unwrap();
    assert_eq!(info.waiting_before, Some(2));
    // Nobody served yet: 300 s assumed per ticket, one desk.
    assert_eq!(info.estimated_wait_seconds, Some(900));
    q.call_next(&desk("A")).await.unwrap();
    f.clock.advance(Duration::seconds(60));
    q.call_next(&desk("A")).await.unwrap();
    let info = q.ticket(n(3)).await.unwrap();
    assert_eq!(info.waiting_before, Some(0));
    assert_eq!(info.figures.avg_service_seconds, Some(60.0));
    assert_eq!(info.figures.service_rate_per_hour, Some(60.0));
    assert_eq!(info.estimated_wait_seconds, Some(60));
    let called = q.ticket(n(1)).await.unwrap();
    assert_eq!(
        (called.waiting_before, called.estimated_wait_seconds),
        (None, None)
    );
    assert!(matches!(q.ticket(n(99)).await, Err(Error::TicketNotFound(x)) if x == n(99)));
}

pub(super) async fn waits_and_service_times_are_measured<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    f.clock.advance(Duration::seconds(30));
    take(&f).await;
    f.clock.advance(Duration::seconds(30));
    let a = desk("A");
    q.call_next(&a).await.unwrap(); // ticket 1 waited 60 s
    f.clock.advance(Duration::seconds(120));
    q.call_next(&a).await.unwrap(); // 1 served in 120 s; 2 waited 150 s
    f.clock.advance(Duration::seconds(60));
    q.finish(&a).await.unwrap(); // 2 served in 60 s
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let fig = &snap.figures;
    assert_eq!(
        (fig.taken, fig.called, fig.served, fig.waiting),
        (2, 2, 2, 0)
    );
    assert_eq!(fig.avg_wait_seconds, Some(105.0));
    assert_eq!(snap.avg_wait_seconds, Some(105.0));
    assert_eq!(fig.avg_service_seconds, Some(90.0));
    let desk_a = &snap.desks[0];
    assert_eq!((desk_a.served, desk_a.avg_service_seconds), (2, Some(90.0)));
    let t2 = q.ticket(n(2)).await.unwrap().ticket;
    assert_eq!(t2.wait_seconds(), Some(150.0));
}

pub(super) async fn every_change_emits_one_event_in_order<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    let mut events = q.events();
    q.open_day().await.unwrap();
    q.open_day().await.unwrap(); // no change, no event
    take(&f).await;
    take(&f).await;
    let a = desk("A");
    q.call_next(&a).await.unwrap();
    q.recall(&a).await.unwrap();
    q.call_next(&a).await.unwrap(); // finish 1 + call 2
    q.no_show(&a).await.unwrap();
    q.close_day().await.unwrap();
    q.reset_day().await.unwrap();
    let got = next_events(&mut events, 10).await;
    type Summary = (u64, Action, Option<u64>, Option<String>, u64);
    let summary: Vec<Summary> = got
        .iter()
        .map(|e| {
            (
                e.seq,
                e.action,
                e.ticket.map(TicketNumber::get),
                e.desk.as_ref().map(|d| d.to_string()),
                e.queue_length,
            )
        })
        .collect();
    let a = Some("A".to_string());
    assert_eq!(
        summary,
        [
            (1, Action::StartDay, None, None, 0),
            (2, Action::TakeTicket, Some(1), None, 1),
            (3, Action::TakeTicket, Some(2), None, 2),
            (4, Action::CallNext, Some(1), a.clone(), 1),
            (5, Action::Recall, Some(1), a.clone(), 1),
            (6, Action::FinishCurrent, Some(1), a.clone(), 1),
            (7, Action::CallNext, Some(2), a.clone(), 0),
            (8, Action::NoShow, Some(2), a.clone(), 0),
            (9, Action::EndDay, None, None, 0),
            (10, Action::ResetDay, None, None, 0),
        ]
    );
    let heads: Vec<Option<u64>> = got
        .iter()
        .map(|e| e.next_ticket.map(TicketNumber::get))
        .collect();
    assert_eq!(
        heads,
        [
            None,
            Some(1),
            Some(1),
            Some(2),
            Some(2),
            Some(2),
            None,
            None,
            None,
            None
        ],
        "next_ticket after each change"
    );
    assert!(got.iter().all(|e| e.day.to_string() == "2026-11-24"));
    assert_eq!(got[0].at, f.clock.now_micros());
}

pub(super) async fn logs_are_newest_first_and_capped_at_50<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..60 {
        take(&f).await;
    }
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.logs.len(), 50);
    assert_eq!(snap.logs[0].ticket, Some(n(60)));
    assert_eq!(snap.logs[49].ticket, Some(n(11)));
}

pub(super) async fn snapshot_lists_are_bounded<B: QueueBackend + Clone>(f: Fixture<B>) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    for _ in 0..60 {
        take(&f).await;
    }
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.waiting_list.len(), 50);
    assert_eq!(snap.queue_length, 60);
    assert_eq!(snap.waiting_list[49].number, n(50));
    let small = q
        .snapshot(SnapshotOptions {
            waiting: 5,
            logs: 3,
            activity_minutes: 0,
        })
        .await
        .unwrap();
    assert_eq!((small.waiting_list.len(), small.logs.len()), (5, 3));
    assert!(small.activity.is_empty());
    let none = q
        .snapshot(SnapshotOptions {
            waiting: 0,
            logs: 0,
            activity_minutes: 1,
        })
        .await
        .unwrap();
    assert!(none.waiting_list.is_empty());
    assert_eq!(
        none.next_ticket,
        Some(n(1)),
        "next is known without listing"
    );
}

pub(super) async fn activity_is_counted_per_minute_and_action<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    take(&f).await;
    take(&f).await;
    f.clock.advance(Duration::seconds(90));
    take(&f).await;
    q.call_next(&DeskId::default()).await.unwrap();
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.activity.len(), 2);
    let first = &snap.activity[0];
    assert_eq!(first.minute, start_time());
    assert_eq!(first.counts.get(&Action::StartDay), Some(&1));
    assert_eq!(first.counts.get(&Action::TakeTicket), Some(&2));
    let second = &snap.activity[1];
    assert_eq!(second.minute, start_time() + Duration::minutes(1));
    assert_eq!(second.counts.get(&Action::TakeTicket), Some(&1));
    assert_eq!(second.counts.get(&Action::CallNext), Some(&1));
    assert_eq!(second.counts.get(&Action::StartDay), None);
    // A window of one minute sees only the current minute.
    let last = q
        .snapshot(SnapshotOptions {
            activity_minutes: 1,
            ..SnapshotOptions::default()
        })
        .await
        .unwrap();
    assert_eq!(last.activity.len(), 1);
    // The whole window again within the minute; then, a minute later, the window moves.
    let again = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(again.activity, snap.activity);
    f.clock.advance(Duration::minutes(1));
    let later = q
        .snapshot(SnapshotOptions {
            activity_minutes: 1,
            ..SnapshotOptions::default()
        })
        .await
        .unwrap();
    assert!(
        later.activity.is_empty(),
        "nothing happened in the new minute"
    );
    let wide = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(
        wide.activity, snap.activity,
        "the two minutes before are still in the hour's window"
    );
}

pub(super) async fn the_business_day_follows_the_time_zone_and_rollover_hour<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    // Paris, days change at 03:00 local. 2026-11-25 01:30 UTC = 02:30 Paris: still the 24th.
    let cal = BusinessCalendar::new(chrono_tz::Europe::Paris, 3).unwrap();
    let q = f.with_calendar(cal);
    f.clock.set(
        Utc.with_ymd_and_hms(2026, 11, 25, 1, 30, 0)
            .single()
            .unwrap(),
    );
    q.open_day().await.unwrap();
    let t = q.take(TakeRequest::default()).await.unwrap();
    assert_eq!(t.day.to_string(), "2026-11-24");
    assert_eq!(q.moment().ttl_seconds(), 3600, "at least one hour ahead");
    // 03:01 Paris: a new day, closed, numbering from 1.
    f.clock.advance(Duration::minutes(31));
    let st = q.status(&DeskId::default()).await.unwrap();
    assert_eq!(st.day.to_string(), "2026-11-25");
    assert!(!st.open);
    assert_eq!(st.total_tickets, 0);
    q.open_day().await.unwrap();
    assert_eq!(
        q.take(TakeRequest::default()).await.unwrap().ticket.number,
        n(1)
    );
    // Across the spring DST change (2026-03-29, 02:00 → 03:00 in Paris) with a rollover at
    // 02:00: 00:59 UTC is 01:59 local on the 28th's business day; 01:00 UTC is 03:00 local,
    // the 29th's.
    let q = f.with_calendar(BusinessCalendar::new(chrono_tz::Europe::Paris, 2).unwrap());
    f.clock.set(
        Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0)
            .single()
            .unwrap(),
    );
    q.open_day().await.unwrap();
    let before = q.take(TakeRequest::default()).await.unwrap();
    assert_eq!(before.day.to_string(), "2026-03-28");
    f.clock.advance(Duration::minutes(1));
    let st = q.status(&DeskId::default()).await.unwrap();
    assert_eq!(st.day.to_string(), "2026-03-29");
    assert!(!st.open);
}

pub(super) async fn key_count_and_ttl_describe_the_days_keys<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.unwrap();
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    // day, counter, logs, stats, activity
    assert_eq!(snap.key_count, 5);
    let expected = q.moment().ttl_seconds();
    let ttl = snap.ttl_seconds.expect("a TTL");
    assert!(
        ttl <= expected && ttl + 5 >= expected,
        "ttl {ttl} vs {expected}"
    );
    take(&f).await;
    q.call_next(&DeskId::default()).await.unwrap();
    // + current, + desks, + ticket:1, + numbers (per service), + streaks (per desk); the
    // waiting set and the service's queue are empty again
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.key_count, 10);
    assert_eq!(snap.hash_count, 1);
}
