//! With the append-only file on and fsync on every write (docs/operations.md), a ticket
//! Redis acknowledged survives a crash of Redis.

use tickets_core::testing::{RedisServer, unique_prefix};
use tickets_core::{
    BusinessCalendar, DeskId, ManualClock, QueueConfig, RedisBackend, SnapshotOptions, TakeRequest,
    TicketQueue,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_tickets_survive_a_redis_crash_with_the_append_only_file() {
    let mut server = RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"]);
    let prefix = unique_prefix();
    let clock = ManualClock::new(tickets_core::testing::start_time());
    let config = QueueConfig {
        calendar: BusinessCalendar::new(tickets_core::chrono_tz::UTC, 0).unwrap(),
        ..QueueConfig::default()
    };
    let backend = RedisBackend::builder(server.url())
        .prefix(prefix.clone())
        .build()
        .await
        .expect("connect to the test redis-server");
    let q = TicketQueue::with_clock(backend, clock.clone(), config);
    q.open_day().await.unwrap();
    for i in 1..=200u64 {
        let t = q.take(TakeRequest::default()).await.unwrap();
        assert_eq!(t.ticket.number.get(), i);
    }
    q.call_next(&DeskId::default()).await.unwrap();

    // SIGKILL: no shutdown save, only what the append-only file holds.
    tokio::task::block_in_place(|| server.restart());

    let backend = RedisBackend::builder(server.url())
        .prefix(prefix)
        .build()
        .await
        .expect("connect after the crash");
    let q = TicketQueue::with_clock(backend, clock, config);
    let snap = q
        .snapshot(SnapshotOptions {
            waiting: 500,
            ..SnapshotOptions::default()
        })
        .await
        .unwrap();
    assert!(snap.open, "the day is still open");
    assert_eq!(snap.total_tickets, 200);
    assert_eq!(snap.current_ticket.map(|n| n.get()), Some(1));
    let waiting: Vec<u64> = snap.waiting_list.iter().map(|t| t.number.get()).collect();
    assert_eq!(
        waiting,
        (2..=200).collect::<Vec<_>>(),
        "every ticket, in order"
    );
    assert_eq!(
        q.take(TakeRequest::default())
            .await
            .unwrap()
            .ticket
            .number
            .get(),
        201,
        "numbering goes on"
    );
}
