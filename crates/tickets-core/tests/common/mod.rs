//! What the Redis concurrency and batch tests share: two backends on one server and one
//! prefix, as two servers sharing one Redis would be, and reading their events.
#![allow(dead_code)]

use std::time::Duration as StdDuration;

use tickets_core::testing::{RedisServer, start_time, unique_prefix};
use tickets_core::{
    BusinessCalendar, DeskId, EventStream, KeyPrefix, ManualClock, QueueConfig, QueueEvent,
    RedisBackend, TicketNumber, TicketQueue,
};

pub(crate) type Queue = TicketQueue<RedisBackend, ManualClock>;

pub(crate) async fn backend(server: &RedisServer, prefix: &KeyPrefix) -> RedisBackend {
    RedisBackend::builder(server.url())
        .prefix(prefix.clone())
        .build()
        .await
        .expect("connect to the test redis-server")
}

/// Two queues on two backends sharing one server, one prefix and one (fixed) clock.
pub(crate) async fn two_servers(server: &RedisServer) -> (Queue, Queue) {
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

pub(crate) fn desk(s: &str) -> DeskId {
    DeskId::parse(s).expect("a valid desk")
}

pub(crate) fn n(v: u64) -> TicketNumber {
    TicketNumber::new(v).expect("a valid number")
}

/// How long a stream is read on after the last expected event, to see that no other
/// (a duplicate, say) follows.
pub(crate) const QUIET: StdDuration = StdDuration::from_millis(500);

/// Fails if any event arrives on `stream` within [`QUIET`].
pub(crate) async fn assert_no_more_events(stream: &mut EventStream) {
    if let Ok(next) = tokio::time::timeout(QUIET, stream.recv()).await {
        panic!("an event after the last expected one: {next:?}");
    }
}

/// Receives events until one with sequence number `last` arrived (10 s at most each),
/// and checks that nothing follows it; panics on a gap, a missed event or one too many.
pub(crate) async fn events_up_to(stream: &mut EventStream, last: u64) -> Vec<QueueEvent> {
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
