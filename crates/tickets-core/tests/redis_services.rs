//! An office with several services on Redis, under load: two backends on one server and
//! one prefix (two servers sharing one Redis), 500 concurrent takes over three services
//! and a priority class while four desks with overlapping services call.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration as StdDuration;

use tickets_core::testing::{RedisServer, start_time, unique_prefix};
use tickets_core::{
    Action, BusinessCalendar, DeskId, ManualClock, OfficeConfig, PriorityCode, QueueConfig,
    QueueEvent, RedisBackend, Service, TakeRequest, TicketQueue,
};

type Queue = TicketQueue<RedisBackend, ManualClock>;

const OFFICE: &str = r#"
[[service]]
code = "courrier"
prefix = "A"
name = { fr = "Courrier", en = "Letters" }
priority = true

[[service]]
code = "colis"
prefix = "B"
name = { fr = "Colis", en = "Parcels" }
priority = true

[[service]]
code = "banque"
prefix = "C"
name = { fr = "Banque", en = "Banking" }

[[priority]]
code = "prioritaire"
name = { fr = "Prioritaire", en = "Priority" }
weight = 1

[[desk]]
id = "1"
name = { fr = "Guichet 1", en = "Desk 1" }
services = ["courrier", "colis"]
priority_ratio = 2

[[desk]]
id = "2"
name = { fr = "Guichet 2", en = "Desk 2" }
services = ["colis", "banque"]
priority_ratio = 1

[[desk]]
id = "3"
name = { fr = "Guichet 3", en = "Desk 3" }
services = ["banque", "courrier"]
priority_ratio = 3

[[desk]]
id = "4"
name = { fr = "Guichet 4", en = "Desk 4" }
services = ["courrier", "colis", "banque"]
priority_ratio = 2
"#;

async fn backend(server: &RedisServer, prefix: &tickets_core::KeyPrefix) -> RedisBackend {
    RedisBackend::builder(server.url())
        .prefix(prefix.clone())
        .build()
        .await
        .expect("connect to the test redis-server")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_takes_while_four_desks_call_keep_every_rule() {
    const TAKES: usize = 500;
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let clock = ManualClock::new(start_time());
    let config = QueueConfig {
        calendar: BusinessCalendar::new(tickets_core::chrono_tz::UTC, 0).expect("a calendar"),
        ..QueueConfig::default()
    };
    let qa: Queue = TicketQueue::with_clock(backend(&server, &prefix).await, clock.clone(), config);
    let qb: Queue = TicketQueue::with_clock(backend(&server, &prefix).await, clock, config);
    let office = OfficeConfig::from_toml(OFFICE).expect("a valid office");
    qa.put_office(office.clone(), None)
        .await
        .expect("store the office");
    // The other backend applies the change through pub/sub within a second.
    for _ in 0..100 {
        if qb.office().version >= 1 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    assert_eq!(
        qb.office().services.len(),
        3,
        "the second server sees the office"
    );
    // Every event of the day, read while the test runs (a subscriber that fell more than
    // the buffer behind would be told it missed some): until none came for 3 s.
    let mut events = qa.events();
    let collector = tokio::spawn(async move {
        let mut out: Vec<QueueEvent> = Vec::new();
        while let Ok(next) = tokio::time::timeout(StdDuration::from_secs(3), events.recv()).await {
            let e = next.unwrap_or_else(|m| panic!("the event stream missed events: {m}"));
            let expected = out.last().map_or(1, |p| p.seq + 1);
            assert_eq!(e.seq, expected, "events arrive in order without gaps");
            out.push(e);
        }
        out
    });
    qa.open_day().await.unwrap();
    // The first operation of a day on each server closes the history of the days before
    // (400 EVALSHAs on this empty store): qa's was put_office; qb's is this one, so that
    // the load below runs in the steady state. (Concurrent first operations each run the
    // whole closing: qb's 250 takes would send some 100 000 EVALSHAs.)
    qb.status(&DeskId::default()).await.unwrap();

    // The takes, spread over both backends, with a fixed mix of services and priority.
    let services = ["courrier", "colis", "banque"];
    let mut takes = tokio::task::JoinSet::new();
    for i in 0..TAKES {
        let q = if i % 2 == 0 { qa.clone() } else { qb.clone() };
        let service = services[i % 3];
        let priority = (service != "banque" && i % 5 == 0)
            .then(|| PriorityCode::parse("prioritaire").unwrap());
        takes.spawn(async move {
            q.take(TakeRequest {
                service: Service::parse(service).unwrap(),
                idempotency_key: None,
                priority,
                limits: Default::default(),
            })
            .await
        });
    }
    // Four desks calling meanwhile, two on each backend, until every ticket was taken
    // and nobody waits.
    let mut desks = tokio::task::JoinSet::new();
    for (i, id) in ["1", "2", "3", "4"].into_iter().enumerate() {
        let q = if i % 2 == 0 { qa.clone() } else { qb.clone() };
        desks.spawn(async move {
            let desk = DeskId::parse(id).unwrap();
            let mut called = Vec::new();
            let deadline = std::time::Instant::now() + StdDuration::from_secs(30);
            while std::time::Instant::now() < deadline {
                let c = q.call_next(&desk).await.expect("call-next");
                match c.called {
                    Some(t) => called.push(t.number.get()),
                    None => {
                        let st = q.status(&desk).await.unwrap();
                        if st.total_tickets as usize == TAKES && st.queue_length == 0 {
                            break;
                        }
                        tokio::time::sleep(StdDuration::from_millis(2)).await;
                    }
                }
            }
            q.finish(&desk).await.expect("finish");
            called
        });
    }
    let mut labels: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    while let Some(res) = takes.join_next().await {
        let t = res
            .expect("the task ran")
            .expect("the take succeeded")
            .ticket;
        assert!(
            labels
                .entry(t.service.to_string())
                .or_default()
                .insert(t.label.clone()),
            "label {} given twice",
            t.label
        );
    }
    let mut called: Vec<u64> = Vec::new();
    while let Some(res) = desks.join_next().await {
        called.extend(res.expect("the desk task ran"));
    }
    called.sort_unstable();
    assert_eq!(
        called,
        (1..=TAKES as u64).collect::<Vec<_>>(),
        "every ticket called exactly once"
    );
    // Labels are unique and dense per service: A001…A167 and so on.
    for (service, set) in &labels {
        let prefix = &office.service_named(service).unwrap().prefix;
        let want: BTreeSet<String> = (1..=set.len() as u64)
            .map(|i| tickets_core::label(prefix, i))
            .collect();
        assert_eq!(set, &want, "labels of {service}");
    }

    // Replay the day from its events: no desk ever holds two tickets, and no desk went
    // past its priority ratio while a normal ticket waited for one of its services.
    let last = qa
        .snapshot(Default::default())
        .await
        .expect("snapshot")
        .last_event;
    let log = collector.await.expect("the event collector ran");
    assert_eq!(
        log.last().map(|e| e.seq),
        Some(last),
        "every event of the day arrived"
    );
    let mut waiting: HashMap<u64, (String, bool)> = HashMap::new();
    let mut holds: HashMap<String, Option<u64>> = HashMap::new();
    let mut streak: HashMap<String, u32> = HashMap::new();
    let mut checked_ratio = 0;
    for e in &log {
        let ticket = e.ticket.map(|t| t.get());
        let desk = e.desk.as_ref().map(|d| d.to_string());
        match e.action {
            Action::TakeTicket => {
                let service = e.service.as_ref().expect("a take names its service");
                waiting.insert(ticket.unwrap(), (service.to_string(), e.priority.is_some()));
            }
            Action::CallNext => {
                let (desk, ticket) = (desk.unwrap(), ticket.unwrap());
                let held = holds.entry(desk.clone()).or_default();
                assert_eq!(*held, None, "desk {desk} called {ticket} while holding one");
                *held = Some(ticket);
                let (_, priority) = waiting.remove(&ticket).expect("a called ticket waited");
                let conf = office.desk(&DeskId::parse(&desk).unwrap()).unwrap();
                let ratio = conf.priority_ratio.unwrap_or(0);
                let s = streak.entry(desk.clone()).or_default();
                let normal_waits = waiting
                    .values()
                    .any(|(svc, p)| !p && conf.services.iter().any(|c| c.as_str() == svc));
                if ratio > 0 && *s >= ratio && normal_waits {
                    checked_ratio += 1;
                    assert!(
                        !priority,
                        "desk {desk} made {} priority calls in a row (ratio {ratio}) while a \
                         normal ticket waited",
                        *s + 1
                    );
                }
                *s = if priority { *s + 1 } else { 0 };
            }
            Action::FinishCurrent | Action::NoShow => {
                let desk = desk.unwrap();
                let held = holds.entry(desk.clone()).or_default();
                assert_eq!(*held, ticket, "desk {desk} ended a ticket it did not hold");
                *held = None;
            }
            _ => {}
        }
    }
    assert!(waiting.is_empty(), "nobody waits at the end: {waiting:?}");
    assert!(
        checked_ratio > 0,
        "the run reached the priority ratio at least once"
    );
}
