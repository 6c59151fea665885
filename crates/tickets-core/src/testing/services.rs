//! Conformance cases for the office model: services and their labels, priority classes,
//! desks, the calling rule, calling a given ticket, transfers, requeues, daily limits and
//! configuration changes while tickets wait.

use chrono::Duration;

use super::{Fixture, desk, n, next_events};
use crate::backend::{QueueBackend, TakeRequest};
use crate::error::{Error, ErrorKind};
use crate::model::{
    Action, PriorityCode, Service, SnapshotOptions, TicketNumber, TicketStatus, Transfer,
    TransferPosition,
};
use crate::office::{Language, Names, OfficeConfig, OfficeSettings};

/// The office of these cases:
/// - `courrier` (A, priority, max wait 30 min, target 10 min), `colis` (B),
///   `banque` (C, daily limit 2);
/// - priority classes `prioritaire` (1) and `urgent` (2);
/// - desk `1` serves courrier then colis, ratio 2; desk `2` colis; desk `3` banque then
///   courrier.
pub fn sample_office() -> OfficeConfig {
    OfficeConfig::from_toml(
        r#"
        [[service]]
        code = "courrier"
        prefix = "A"
        name = { fr = "Courrier", en = "Letters" }
        target_wait_minutes = 10
        max_wait_minutes = 30
        priority = true

        [[service]]
        code = "colis"
        prefix = "B"
        name = { fr = "Colis", en = "Parcels" }

        [[service]]
        code = "banque"
        prefix = "C"
        name = { fr = "Banque", en = "Banking" }
        daily_limit = 2

        [[priority]]
        code = "prioritaire"
        name = { fr = "Prioritaire", en = "Priority" }
        weight = 1

        [[priority]]
        code = "urgent"
        name = { fr = "Urgent", en = "Urgent" }
        weight = 2

        [[desk]]
        id = "1"
        name = { fr = "Guichet 1", en = "Desk 1" }
        services = ["courrier", "colis"]
        priority_ratio = 2

        [[desk]]
        id = "2"
        name = { fr = "Guichet 2", en = "Desk 2" }
        services = ["colis"]

        [[desk]]
        id = "3"
        name = { fr = "Guichet 3", en = "Desk 3" }
        services = ["banque", "courrier"]
        "#,
    )
    .expect("the sample office is valid")
}

pub(super) async fn configured<B: QueueBackend + Clone>(f: &Fixture<B>) {
    let stored = f
        .queue
        .put_office(sample_office(), None)
        .await
        .expect("store the sample office");
    assert!(stored.version >= 1);
    f.queue.open_day().await.expect("open");
}

pub(super) fn req(service: &str, priority: Option<&str>) -> TakeRequest {
    TakeRequest {
        service: Service::parse(service).expect("a service code"),
        idempotency_key: None,
        priority: priority.map(|p| PriorityCode::parse(p).expect("a class")),
        limits: Default::default(),
    }
}

pub(super) async fn take_for<B: QueueBackend + Clone>(
    f: &Fixture<B>,
    service: &str,
    priority: Option<&str>,
) -> TicketNumber {
    f.queue
        .take(req(service, priority))
        .await
        .unwrap_or_else(|e| panic!("take {service}/{priority:?}: {e:?}"))
        .ticket
        .number
}

/// Calls next at `d` and answers the number called (None when nobody waits for it).
async fn call_at<B: QueueBackend + Clone>(f: &Fixture<B>, d: &str) -> Option<u64> {
    f.queue
        .call_next(&desk(d))
        .await
        .unwrap_or_else(|e| panic!("call-next at {d}: {e:?}"))
        .called
        .map(|t| t.number.get())
}

pub(super) async fn each_service_numbers_its_tickets_with_its_prefix<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let mut events = f.queue.events();
    configured(&f).await;
    let q = &f.queue;
    let a1 = q.take(req("courrier", None)).await.unwrap();
    let a2 = q.take(req("courrier", Some("prioritaire"))).await.unwrap();
    let b1 = q.take(req("colis", None)).await.unwrap();
    let got: Vec<(u64, &str, Option<&str>)> = [&a1, &a2, &b1]
        .iter()
        .map(|t| {
            (
                t.ticket.number.get(),
                t.ticket.label.as_str(),
                t.ticket.priority.as_ref().map(|p| p.as_str()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "A001", None),
            (2, "A002", Some("prioritaire")),
            (3, "B001", None)
        ]
    );
    assert_eq!(b1.ticket.service.as_str(), "colis");
    // The priority ticket goes before A001; B001 has nobody ahead in its service.
    assert_eq!(
        (a1.waiting_before, a2.waiting_before, b1.waiting_before),
        (0, 0, 0)
    );
    assert_eq!(q.ticket(n(1)).await.unwrap().waiting_before, Some(1));
    // The opening, then the three takes.
    let evs = next_events(&mut events, 4).await.split_off(1);
    let labels: Vec<_> = evs
        .iter()
        .map(|e| {
            (
                e.label.clone().unwrap_or_default(),
                e.service.as_ref().map(|s| s.to_string()),
                e.priority.as_ref().map(|p| p.to_string()),
            )
        })
        .collect();
    assert_eq!(
        labels[1],
        (
            "A002".into(),
            Some("courrier".into()),
            Some("prioritaire".into())
        )
    );
    assert_eq!(labels[2].0, "B001");
    let found = q.ticket(n(3)).await.unwrap();
    assert_eq!(found.ticket.label, "B001");
}

pub(super) async fn takes_are_refused_with_a_reason_and_write_nothing<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    let refused = |r: Result<crate::Taken, Error>| r.expect_err("a refusal");
    let e = refused(q.take(req("timbres", None)).await);
    assert!(matches!(e, Error::UnknownService(_)), "{e:?}");
    let e = refused(q.take(req("colis", Some("prioritaire"))).await);
    assert!(matches!(e, Error::PriorityNotOffered(_)), "{e:?}");
    let e = refused(q.take(req("courrier", Some("vip"))).await);
    assert!(matches!(e, Error::UnknownPriority(_)), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Invalid);
    // The daily limit of banque is 2.
    take_for(&f, "banque", None).await;
    take_for(&f, "banque", None).await;
    let e = refused(q.take(req("banque", None)).await);
    assert!(matches!(e, Error::DailyLimitReached(_)), "{e:?}");
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Conflict, "daily_limit_reached")
    );
    let st = q.status(&desk("3")).await.unwrap();
    assert_eq!(st.total_tickets, 2, "a refused take gives no number");
    let banque = st
        .services
        .iter()
        .find(|s| s.code.as_str() == "banque")
        .unwrap();
    assert_eq!(
        (banque.waiting, banque.next_label.as_deref()),
        (2, Some("C001"))
    );
    // Other services go on.
    assert_eq!(
        q.take(req("colis", None)).await.unwrap().ticket.label,
        "B001"
    );
}

pub(super) async fn a_desk_calls_only_for_its_services<B: QueueBackend + Clone>(f: Fixture<B>) {
    configured(&f).await;
    let q = &f.queue;
    take_for(&f, "courrier", None).await;
    assert_eq!(call_at(&f, "2").await, None, "desk 2 serves colis only");
    let e = q.call_next(&desk("9")).await.unwrap_err();
    assert!(matches!(e, Error::UnknownDesk(_)), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert_eq!(q.status(&desk("9")).await.unwrap().next_ticket, None);
    assert_eq!(q.status(&desk("3")).await.unwrap().next_ticket, Some(n(1)));
    assert_eq!(
        call_at(&f, "3").await,
        Some(1),
        "desk 3 serves courrier too"
    );
}

pub(super) async fn the_earliest_arrival_goes_first_and_ties_go_to_the_desks_first_service<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    take_for(&f, "colis", None).await; // 1
    take_for(&f, "courrier", None).await; // 2
    take_for(&f, "colis", None).await; // 3
    // Ticket 3 to the front of courrier: its place (1) ties with colis's head (ticket 1).
    q.transfer(&Transfer {
        ticket: n(3),
        service: Service::parse("courrier").unwrap(),
        position: TransferPosition::Front,
        desk: None,
    })
    .await
    .unwrap();
    // Desk 1 lists courrier first: the tie goes to it.
    assert_eq!(call_at(&f, "1").await, Some(3));
    assert_eq!(call_at(&f, "1").await, Some(1));
    assert_eq!(call_at(&f, "1").await, Some(2));
    assert_eq!(call_at(&f, "1").await, None);
}

pub(super) async fn priority_goes_first_but_the_ratio_lets_others_through<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    configured(&f).await;
    take_for(&f, "courrier", None).await; // 1
    take_for(&f, "courrier", Some("prioritaire")).await; // 2
    take_for(&f, "courrier", Some("prioritaire")).await; // 3
    take_for(&f, "courrier", Some("prioritaire")).await; // 4
    take_for(&f, "courrier", Some("urgent")).await; // 5
    // Desk 1 has a ratio of 2: urgent (weight 2), then prioritaire, then the normal one.
    let mut order = Vec::new();
    for _ in 0..5 {
        order.push(call_at(&f, "1").await.unwrap());
    }
    assert_eq!(order, [5, 2, 1, 3, 4]);
    // Desk 3 has no ratio: priority always first.
    take_for(&f, "courrier", None).await; // 6
    take_for(&f, "courrier", Some("prioritaire")).await; // 7
    take_for(&f, "courrier", Some("prioritaire")).await; // 8
    take_for(&f, "courrier", Some("prioritaire")).await; // 9
    let mut order = Vec::new();
    for _ in 0..4 {
        order.push(call_at(&f, "3").await.unwrap());
    }
    assert_eq!(order, [7, 8, 9, 6]);
}

pub(super) async fn an_overdue_ticket_goes_before_priority<B: QueueBackend + Clone>(f: Fixture<B>) {
    configured(&f).await;
    take_for(&f, "courrier", None).await; // 1
    f.clock.advance(Duration::minutes(20));
    take_for(&f, "courrier", None).await; // 2
    take_for(&f, "courrier", Some("urgent")).await; // 3
    // Not overdue yet (20 min of 30): urgent first.
    assert_eq!(
        f.queue.status(&desk("1")).await.unwrap().next_ticket,
        Some(n(3))
    );
    f.clock.advance(Duration::minutes(11));
    // Ticket 1 waited 31 min: it goes first, then urgent, then 2 (11 min: not overdue).
    assert_eq!(call_at(&f, "1").await, Some(1));
    assert_eq!(call_at(&f, "1").await, Some(3));
    assert_eq!(call_at(&f, "1").await, Some(2));
}

pub(super) async fn transfers_keep_the_label_and_place_the_ticket_as_asked<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    let mut events = q.events();
    take_for(&f, "colis", None).await; // 1 B001
    take_for(&f, "courrier", None).await; // 2 A001
    take_for(&f, "courrier", None).await; // 3 A002
    take_for(&f, "colis", None).await; // 4 B002
    let courrier = Service::parse("courrier").unwrap();
    let to = |ticket: u64, position| Transfer {
        ticket: n(ticket),
        service: courrier.clone(),
        position,
        desk: None,
    };
    let moved = q.transfer(&to(4, TransferPosition::Arrival)).await.unwrap();
    assert_eq!(
        (
            moved.label.as_str(),
            moved.service.as_str(),
            moved.transfers
        ),
        ("B002", "courrier", 1)
    );
    assert_eq!(moved.status, TicketStatus::Waiting);
    q.transfer(&to(1, TransferPosition::End)).await.unwrap();
    take_for(&f, "courrier", None).await; // 5 A003, after the transferred end
    q.transfer(&to(5, TransferPosition::Front)).await.unwrap();
    // Desk 3 (banque, courrier) with banque empty: courrier in its order.
    let mut order = Vec::new();
    while let Some(t) = call_at(&f, "3").await {
        order.push(t);
    }
    assert_eq!(order, [5, 2, 3, 4, 1]);
    // A desk's current ticket goes back to waiting in the new service.
    take_for(&f, "courrier", None).await; // 6
    assert_eq!(call_at(&f, "1").await, Some(6));
    let back = q
        .transfer(&Transfer {
            ticket: n(6),
            service: Service::parse("colis").unwrap(),
            position: TransferPosition::Arrival,
            desk: Some(desk("1")),
        })
        .await
        .unwrap();
    assert_eq!(
        (back.status, back.desk.clone()),
        (TicketStatus::Waiting, None)
    );
    let st = q.status(&desk("1")).await.unwrap();
    assert_eq!(st.current_ticket, None);
    assert_eq!(call_at(&f, "2").await, Some(6), "desk 2 serves colis");
    // A finished ticket cannot move; an unknown target is refused.
    q.finish(&desk("2")).await.unwrap();
    let e = q
        .transfer(&to(6, TransferPosition::Arrival))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::WrongStatus { .. }), "{e:?}");
    let e = q
        .transfer(&Transfer {
            service: Service::parse("timbres").unwrap(),
            ..to(6, TransferPosition::Arrival)
        })
        .await
        .unwrap_err();
    assert!(matches!(e, Error::UnknownService(_)), "{e:?}");
    let e = q
        .transfer(&to(99, TransferPosition::End))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let transfers = next_events(&mut events, 20)
        .await
        .into_iter()
        .filter(|e| e.action == Action::Transfer)
        .count();
    assert!(transfers >= 3, "one event per transfer");
}

pub(super) async fn a_given_ticket_is_called_out_of_order<B: QueueBackend + Clone>(f: Fixture<B>) {
    configured(&f).await;
    let q = &f.queue;
    for _ in 0..3 {
        take_for(&f, "colis", None).await;
    }
    take_for(&f, "courrier", None).await; // 4
    let called = q.call(&desk("2"), n(3)).await.unwrap();
    assert_eq!(called.called.as_ref().map(|t| t.number), Some(n(3)));
    assert_eq!(called.waiting_tickets, 3);
    // The desk's current ticket is finished by the next call, given or not.
    let next = q.call(&desk("2"), n(4)).await.unwrap();
    assert_eq!(next.finished.map(|t| t.number), Some(n(3)));
    assert_eq!(next.called.map(|t| t.label), Some("A001".into()));
    let e = q.call(&desk("1"), n(3)).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::WrongStatus {
                status: TicketStatus::Completed,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        q.call(&desk("1"), n(42)).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let e = q.call(&desk("9"), n(1)).await.unwrap_err();
    assert!(matches!(e, Error::UnknownDesk(_)), "{e:?}");
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    assert_eq!(snap.logs[0].action, Action::CallTicket);
    assert_eq!(snap.logs[0].ticket, Some(n(4)));
    assert_eq!(call_at(&f, "2").await, Some(1));
}

pub(super) async fn a_no_show_is_requeued_at_its_arrival_place<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    take_for(&f, "colis", None).await; // 1
    take_for(&f, "colis", None).await; // 2
    assert_eq!(call_at(&f, "2").await, Some(1));
    q.no_show(&desk("2")).await.unwrap();
    let e = q.requeue(n(2)).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::WrongStatus {
                status: TicketStatus::Waiting,
                ..
            }
        ),
        "{e:?}"
    );
    let back = q.requeue(n(1)).await.unwrap();
    assert_eq!(
        (back.status, back.desk.clone(), back.finished_at),
        (TicketStatus::Waiting, None, None)
    );
    assert_eq!(q.ticket(n(1)).await.unwrap().waiting_before, Some(0));
    assert_eq!(q.ticket(n(2)).await.unwrap().waiting_before, Some(1));
    assert_eq!(call_at(&f, "2").await, Some(1));
    assert_eq!(
        q.requeue(n(7)).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

pub(super) async fn a_configuration_change_loses_no_waiting_ticket<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    let v1 = q.office().version;
    take_for(&f, "courrier", None).await; // 1
    take_for(&f, "courrier", None).await; // 2
    // Removing courrier while tickets wait for it is refused.
    let mut without = sample_office();
    without.services.retain(|s| s.code.as_str() != "courrier");
    for d in &mut without.desks {
        d.services.retain(|s| s.as_str() != "courrier");
    }
    let e = q.put_office(without, None).await.unwrap_err();
    assert!(matches!(e, Error::ServiceInUse { waiting: 2, .. }), "{e:?}");
    assert_eq!(q.office().version, v1);
    // A stale version is refused.
    let e = q
        .put_office(sample_office(), Some(v1 + 5))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::VersionConflict { current } if current == v1),
        "{e:?}"
    );
    // Closing it stops new tickets; its waiting tickets stay callable.
    let mut closed = sample_office();
    closed.services[0].open = false;
    let stored = q.put_office(closed, Some(v1)).await.unwrap();
    assert_eq!(stored.version, v1 + 1);
    assert_eq!(q.office().version, v1 + 1);
    let e = q.take(req("courrier", None)).await.unwrap_err();
    assert!(matches!(e, Error::ServiceClosed(_)), "{e:?}");
    let st = q.status(&desk("1")).await.unwrap();
    assert!(!st.services[0].open);
    assert_eq!(call_at(&f, "1").await, Some(1));
    assert_eq!(call_at(&f, "3").await, Some(2));
    // Once nobody waits, it can go.
    let mut without = sample_office();
    without.services.retain(|s| s.code.as_str() != "courrier");
    for d in &mut without.desks {
        d.services.retain(|s| s.as_str() != "courrier");
    }
    assert_eq!(q.put_office(without, None).await.unwrap().version, v1 + 2);
    assert_eq!(q.reload_office().await.unwrap().services.len(), 2);
}

pub(super) async fn the_office_settings_are_stored_and_read_back_whole<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    let mut office = sample_office();
    office.settings = OfficeSettings {
        name: Some("Poste de Paris 15 — « Vaugirard » \"Nord\" \u{1F4EE}".into()),
        welcome: Some(Names {
            fr: "Bienvenue ! Touchez votre service ; l'attente s'affiche.".into(),
            en: "Welcome! Touch your service: the wait is shown.".into(),
        }),
        languages: vec![Language::En, Language::Fr],
        phone_take: true,
    };
    let stored = q.put_office(office.clone(), None).await.unwrap();
    assert_eq!(stored.settings, office.settings);
    assert_eq!(q.office().settings, office.settings);
    let read = q.reload_office().await.unwrap();
    assert_eq!(*read, *stored, "the store gives back what it was given");
    // Back to the default settings (the stored document leaves them out).
    office.settings = OfficeSettings::default();
    let stored = q.put_office(office, Some(read.version)).await.unwrap();
    assert_eq!(stored.version, read.version + 1);
    let read = q.reload_office().await.unwrap();
    assert!(read.settings.is_default());
    assert_eq!(*read, *stored);
}

pub(super) async fn per_service_figures_follow_the_calls<B: QueueBackend + Clone>(f: Fixture<B>) {
    configured(&f).await;
    let q = &f.queue;
    take_for(&f, "courrier", None).await; // 1, called after 5 min: within the 10 min target
    take_for(&f, "courrier", Some("prioritaire")).await; // 2
    take_for(&f, "colis", None).await; // 3
    take_for(&f, "courrier", None).await; // 4, called after 20 min: beyond it
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let courrier = &snap.services[0];
    assert_eq!(courrier.code.as_str(), "courrier");
    assert_eq!(courrier.waiting, 3);
    assert_eq!(
        courrier.queue,
        [n(2), n(1), n(4)],
        "priority first, then arrival"
    );
    let prio = PriorityCode::parse("prioritaire").unwrap();
    assert_eq!(courrier.waiting_by_priority.get(&prio), Some(&1));
    assert_eq!(snap.services[1].queue, [n(3)]);
    assert_eq!(snap.services[2].waiting, 0);
    assert_eq!(snap.priorities[0].waiting, 1);
    f.clock.advance(Duration::minutes(5));
    q.call(&desk("1"), n(1)).await.unwrap();
    q.call(&desk("1"), n(2)).await.unwrap();
    f.clock.advance(Duration::minutes(15));
    q.call(&desk("3"), n(4)).await.unwrap();
    q.finish(&desk("3")).await.unwrap();
    let snap = q.snapshot(SnapshotOptions::default()).await.unwrap();
    let courrier = &snap.services[0];
    assert_eq!((courrier.called, courrier.served), (3, 2));
    assert_eq!(courrier.within_target_share, Some(2.0 / 3.0));
    assert_eq!(
        courrier.avg_wait_seconds,
        Some((300.0 + 300.0 + 1200.0) / 3.0)
    );
    assert_eq!(
        courrier.p90_wait_seconds,
        Some(1230),
        "20 min, to the next 30 s"
    );
    assert_eq!(
        snap.services[1].within_target_share, None,
        "colis has no target"
    );
}

pub(super) async fn the_status_lists_every_service_with_its_next_label<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    configured(&f).await;
    let q = &f.queue;
    take_for(&f, "courrier", None).await;
    take_for(&f, "courrier", Some("prioritaire")).await;
    let st = q.status(&desk("1")).await.unwrap();
    let codes: Vec<_> = st.services.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["courrier", "colis", "banque"]);
    let c = &st.services[0];
    assert_eq!(
        (c.waiting, c.next_label.as_deref(), c.prefix.as_str()),
        (2, Some("A002"), "A")
    );
    assert!(c.priority && c.open);
    assert_eq!(c.label, "Courrier");
    assert!(c.estimated_wait_seconds.is_some_and(|s| s > 0));
    assert_eq!(
        (st.services[1].waiting, st.services[1].next_label.clone()),
        (0, None)
    );
    assert_eq!(st.next_ticket, Some(n(2)));
    assert_eq!(st.queue_length, 2);
}
