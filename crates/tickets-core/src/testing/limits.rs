//! Conformance cases for the limits a take obeys: tickets per client and window, the cap
//! on waiting tickets, and how long an idempotency key gives back its ticket.

use chrono::Duration;

use super::{Fixture, key, n};
use crate::backend::{QueueBackend, TakeRequest};
use crate::error::{Error, ErrorKind};
use crate::limits::{ClientKey, IDEMPOTENCY_WINDOW_SECONDS, RateLimit, TakeLimits};
use crate::model::{DeskId, SnapshotOptions};

fn from(client: &str, limit: RateLimit) -> TakeRequest {
    TakeRequest {
        limits: TakeLimits {
            per_client: Some((ClientKey::parse(client).expect("a client key"), limit)),
            max_waiting: 0,
        },
        ..TakeRequest::default()
    }
}

fn capped(max_waiting: u32) -> TakeRequest {
    TakeRequest {
        limits: TakeLimits {
            per_client: None,
            max_waiting,
        },
        ..TakeRequest::default()
    }
}

fn keyed(k: &str) -> TakeRequest {
    TakeRequest {
        idempotency_key: key(k),
        ..TakeRequest::default()
    }
}

async fn waiting<B: QueueBackend + Clone>(f: &Fixture<B>) -> u64 {
    let snap = f
        .queue
        .snapshot(SnapshotOptions::default())
        .await
        .expect("snapshot");
    snap.queue_length
}

pub(super) async fn a_client_takes_only_its_share_per_window<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.expect("open");
    let limit = RateLimit::new(3, 60);
    for i in 1..=3 {
        let t = q
            .take(from("192.0.2.7", limit))
            .await
            .expect("within the limit");
        assert_eq!(t.ticket.number, n(i));
    }
    f.clock.advance(Duration::seconds(20));
    match q.take(from("192.0.2.7", limit)).await {
        Err(Error::TakeLimitReached {
            limit: l,
            retry_after_seconds,
        }) => {
            assert_eq!(l, limit);
            // The window opened with the first take, 20 s ago.
            assert_eq!(retry_after_seconds, 40);
        }
        other => panic!("the fourth take in a minute is refused, got {other:?}"),
    }
    let refused = q
        .take(from("192.0.2.7", limit))
        .await
        .expect_err("still refused");
    assert_eq!(refused.kind(), ErrorKind::RateLimited);
    assert_eq!(refused.code(), "take_limit_reached");
    assert_eq!(waiting(&f).await, 3, "a refused take writes no ticket");
    // Another client, and a take without limit (a kiosk), are not affected.
    q.take(from("192.0.2.8", limit))
        .await
        .expect("another client");
    q.take(TakeRequest::default()).await.expect("no limit");
    // Once the window has ended, the client gets a new share.
    f.clock.advance(Duration::seconds(41));
    for _ in 0..3 {
        q.take(from("192.0.2.7", limit))
            .await
            .expect("a new window");
    }
    assert!(q.take(from("192.0.2.7", limit)).await.is_err());
    assert_eq!(waiting(&f).await, 8);
}

pub(super) async fn refused_and_replayed_takes_use_up_no_share<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    let limit = RateLimit::new(2, 600);
    // The day is closed: refused, not counted.
    for _ in 0..3 {
        assert!(matches!(
            q.take(from("c1", limit)).await,
            Err(Error::DayClosed)
        ));
    }
    q.open_day().await.expect("open");
    let mut first = from("c1", limit);
    first.idempotency_key = key("k-1");
    let made = q.take(first.clone()).await.expect("first");
    // A retry with the same key gives the same ticket and does not count.
    for _ in 0..3 {
        let again = q.take(first.clone()).await.expect("a retry");
        assert!(again.replayed);
        assert_eq!(again.ticket.number, made.ticket.number);
    }
    q.take(from("c1", limit)).await.expect("the second of two");
    assert!(matches!(
        q.take(from("c1", limit)).await,
        Err(Error::TakeLimitReached { .. })
    ));
    // A retry still answers once the share is used up.
    assert!(q.take(first).await.expect("a retry").replayed);
}

pub(super) async fn no_ticket_is_taken_past_the_cap_on_waiting_tickets<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.expect("open");
    q.take(capped(2)).await.expect("first");
    q.take(capped(2)).await.expect("second");
    match q.take(capped(2)).await {
        Err(e @ Error::QueueFull { max: 2 }) => {
            assert_eq!(e.kind(), ErrorKind::Conflict);
            assert_eq!(e.code(), "queue_full");
        }
        other => panic!("the third waiting ticket is refused, got {other:?}"),
    }
    assert_eq!(waiting(&f).await, 2);
    assert_eq!(
        q.status(&DeskId::default())
            .await
            .expect("status")
            .total_tickets,
        2
    );
    // A call frees a place; no cap takes any number.
    q.call_next(&DeskId::default()).await.expect("call");
    q.take(capped(2)).await.expect("a place was freed");
    q.take(capped(0)).await.expect("no cap");
    assert_eq!(waiting(&f).await, 3);
}

pub(super) async fn an_idempotency_key_lives_minutes_not_the_day<B: QueueBackend + Clone>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.expect("open");
    let first = q.take(keyed("retry-1")).await.expect("first");
    let window = IDEMPOTENCY_WINDOW_SECONDS as i64;
    f.clock.advance(Duration::seconds(window - 1));
    let again = q
        .take(keyed("retry-1"))
        .await
        .expect("a retry in the window");
    assert!(again.replayed);
    assert_eq!(again.ticket.number, first.ticket.number);
    f.clock.advance(Duration::seconds(2));
    let late = q.take(keyed("retry-1")).await.expect("after the window");
    assert!(!late.replayed, "the key expired: a new ticket");
    assert_eq!(late.ticket.number, n(2));
    assert!(q.take(keyed("retry-1")).await.expect("retry").replayed);
}

pub(super) async fn an_idempotency_key_gives_back_no_ticket_made_after_a_reset<
    B: QueueBackend + Clone,
>(
    f: Fixture<B>,
) {
    let q = &f.queue;
    q.open_day().await.expect("open");
    let old = q.take(keyed("before-reset")).await.expect("take");
    q.reset_day().await.expect("reset");
    q.open_day().await.expect("open again");
    f.clock.advance(Duration::seconds(1));
    // Someone else gets number 1 after the reset.
    let theirs = q.take(TakeRequest::default()).await.expect("take");
    assert_eq!(theirs.ticket.number, old.ticket.number);
    // The old key names the ticket from before the reset: a new ticket, not theirs.
    let retried = q.take(keyed("before-reset")).await.expect("retry");
    assert!(!retried.replayed);
    assert_eq!(retried.ticket.number, n(2));
}
