//! The office's configuration on Redis: changed while tickets wait, shared by servers.

use super::*;

/// Runs the same operation on both backends and checks that they answer alike.
macro_rules! both {
    ($mem:expr, $red:expr, |$q:ident| $op:expr) => {{
        let m = {
            let $q = &$mem;
            $op.await
        };
        let r = {
            let $q = &$red;
            $op.await
        };
        match (&m, &r) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", stringify!($op)),
            (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "{}", stringify!($op)),
            _ => panic!("{}: memory {m:?}, Redis {r:?}", stringify!($op)),
        }
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classes_and_services_changed_while_tickets_wait_are_handled_as_on_memory() {
    let server = RedisServer::start();
    let clock = ManualClock::new(start_time());
    let red = queue_on(&server, &unique_prefix(), &clock).await;
    let mem = TicketQueue::with_clock(
        tickets_core::MemoryBackend::new(),
        clock.clone(),
        utc_config(),
    );
    // Three classes, one whose code sorts differently by bytes and by locale ("a-z").
    let mut office = OfficeConfig::from_toml(
        r#"
        [[service]]
        code = "courrier"
        prefix = "A"
        name = { fr = "Courrier", en = "Letters" }
        priority = true
        max_wait_minutes = 20

        [[service]]
        code = "colis"
        prefix = "B"
        name = { fr = "Colis", en = "Parcels" }
        priority = true

        [[priority]]
        code = "prioritaire"
        name = { fr = "Prioritaire", en = "Priority" }
        weight = 1

        [[priority]]
        code = "urgent"
        name = { fr = "Urgent", en = "Urgent" }
        weight = 2

        [[priority]]
        code = "a-z"
        name = { fr = "Tous", en = "All" }
        weight = 2

        [[desk]]
        id = "A"
        name = { fr = "Guichet A", en = "Desk A" }
        services = ["courrier", "colis"]
        priority_ratio = 2

        [[desk]]
        id = "B"
        name = { fr = "Guichet B", en = "Desk B" }
        services = ["colis"]
        "#,
    )
    .unwrap();
    both!(mem, red, |q| q.put_office(office.clone(), None));
    both!(mem, red, |q| q.open_day());
    let classes = [None, Some("prioritaire"), Some("urgent"), Some("a-z")];
    for (i, class) in classes.iter().cycle().take(12).enumerate() {
        let service = if i % 3 == 2 { "colis" } else { "courrier" };
        both!(mem, red, |q| q.take(take_for(service, *class)));
        if i % 4 == 3 {
            clock.advance(chrono::Duration::minutes(4));
        }
    }
    let a = desk("A");
    let b = desk("B");
    // The classes change while their tickets wait: urgent and a-z go (their tickets weigh
    // 0 now, like people without priority), prioritaire weighs more, colis stops offering
    // priority, and courrier may not go while tickets wait for it.
    office
        .priorities
        .retain(|p| p.code.as_str() == "prioritaire");
    office.priorities[0].weight = 5;
    office.services[1].priority = false;
    let mut without = office.clone();
    without.services.remove(0);
    without
        .desks
        .iter_mut()
        .for_each(|d| d.services.retain(|s| s.as_str() != "courrier"));
    both!(mem, red, |q| q.put_office(without.clone(), None));
    both!(mem, red, |q| q.put_office(office.clone(), Some(1)));
    for n in 1..=12 {
        both!(mem, red, |q| q.ticket(TicketNumber::new(n).unwrap()));
    }
    both!(mem, red, |q| q.transfer(&Transfer {
        ticket: n(3),
        service: Service::parse("colis").unwrap(),
        position: TransferPosition::Front,
        desk: None,
    }));
    for step in 0..16 {
        let d = if step % 3 == 0 { &b } else { &a };
        both!(mem, red, |q| q.status(d));
        both!(mem, red, |q| q.call_next(d));
        if step % 5 == 0 {
            clock.advance(chrono::Duration::minutes(7));
            both!(mem, red, |q| q.no_show(d));
            both!(mem, red, |q| q.requeue(n(step / 5 + 1)));
        }
    }
    let (m, r) = (
        mem.snapshot(SnapshotOptions::default()).await.unwrap(),
        red.snapshot(SnapshotOptions::default()).await.unwrap(),
    );
    assert_eq!(m.services, r.services);
    assert_eq!(m.priorities, r.priorities);
    assert_eq!(m.key_count, r.key_count);
    assert_eq!(m.waiting_list, r.waiting_list);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_is_shared_by_servers_and_read_again_after_a_reconnection() {
    let mut server = RedisServer::start();
    let prefix = unique_prefix();
    let clock = ManualClock::new(start_time());
    let qa = queue_on(&server, &prefix, &clock).await;
    let qb = queue_on(&server, &prefix, &clock).await;
    let mut events = qb.events();
    assert_eq!(
        qb.office().version,
        0,
        "nothing stored: the built-in office"
    );
    let stored = qa.put_office(office(), None).await.unwrap();
    assert_eq!(stored.version, 1);
    // The other server applies it from the announcement on the event channel.
    let deadline = Instant::now() + StdDuration::from_secs(1);
    while qb.office().version != 1 {
        assert!(
            Instant::now() < deadline,
            "the change reached the other server in time"
        );
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    assert_eq!(*qb.office(), *stored);
    assert_eq!(*qb.reload_office().await.unwrap(), *stored);
    // A stale version is refused and changes nothing.
    let e = qb.put_office(office(), Some(0)).await.unwrap_err();
    assert!(matches!(e, Error::VersionConflict { current: 1 }), "{e:?}");
    // Redis comes back empty (no persistence): after the reconnection each server reads
    // the office again, and finds none.
    tokio::task::block_in_place(|| {
        server.stop();
        server.restart();
    });
    let missed = tokio::time::timeout(StdDuration::from_secs(15), events.recv())
        .await
        .expect("the event feed comes back after the restart");
    assert_eq!(missed, Err(Missed::Reconnected));
    let deadline = Instant::now() + StdDuration::from_secs(5);
    while qa.office().version != 0 || qb.office().version != 0 {
        assert!(
            Instant::now() < deadline,
            "the office is read again after a reconnection"
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    // A configuration key that is not one fails a read as corrupt, not as a panic.
    let mut conn = raw(&server).await;
    let () = redis::cmd("SET")
        .arg(format!("{prefix}:config"))
        .arg("{\"services\": 3}")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_corrupt("an unreadable office", qa.reload_office().await);
}
