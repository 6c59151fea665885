//! The conformance suite of [`PushStore`]: every store keeps a ticket's subscriptions by
//! endpoint, at most [`MAX_PER_TICKET`] of them, removes one or all, and lets each stage
//! of a ticket be claimed once across servers. Each case gets two stores on the same data
//! (two servers on one Redis; the same backend twice in memory).

use std::future::Future;

use chrono::Duration;

use super::start_time;
use crate::clock::{BusinessCalendar, Moment};
use crate::model::TicketNumber;
use crate::push::{MAX_PER_TICKET, PushStage, PushStore, PushSubscription};

fn moment() -> Moment {
    BusinessCalendar::new(chrono_tz::Tz::UTC, 0)
        .expect("a calendar")
        .moment(start_time())
}

fn n(n: u64) -> TicketNumber {
    TicketNumber::new(n).expect("a ticket number")
}

fn sub(ticket: u64, endpoint: &str) -> PushSubscription {
    PushSubscription {
        ticket: n(ticket),
        // Sixteen digits: a store must keep them all.
        taken_us: start_time().timestamp_micros() + 123_457,
        lang: "fr".into(),
        endpoint: format!("https://push.example.org/{endpoint}"),
        p256dh: "BKey-of_the-browser".into(),
        auth: "c2VjcmV0".into(),
    }
}

/// Runs every case, each on a fresh pair of stores from `factory`; panics naming the
/// first that fails.
pub async fn push_conformance_suite<S, F, Fut>(factory: F)
where
    S: PushStore,
    F: Fn() -> Fut,
    Fut: Future<Output = (S, S)>,
{
    let (a, b) = factory().await;
    subscriptions_are_kept_replaced_and_removed(&a, &b).await;
    let (a, b) = factory().await;
    each_stage_is_claimed_once(&a, &b).await;
}

async fn subscriptions_are_kept_replaced_and_removed<S: PushStore>(a: &S, b: &S) {
    let at = moment();
    assert!(a.pushes(at.day).await.unwrap().is_empty());
    a.add_push(&at, &sub(9, "x")).await.unwrap();
    b.add_push(&at, &sub(4, "y")).await.unwrap();
    a.add_push(&at, &sub(4, "z")).await.unwrap();
    assert_eq!(
        b.pushes(at.day).await.unwrap(),
        [sub(4, "y"), sub(4, "z"), sub(9, "x")],
        "by ticket, then in the order they came"
    );
    // The same endpoint again replaces its subscription.
    let mut english = sub(4, "y");
    english.lang = "en".into();
    b.add_push(&at, &english).await.unwrap();
    assert_eq!(
        a.pushes(at.day).await.unwrap(),
        [english.clone(), sub(4, "z"), sub(9, "x")]
    );
    // Another day has none of them.
    assert!(
        a.pushes(crate::BusinessDay::new(at.day.date() + Duration::days(1)))
            .await
            .unwrap()
            .is_empty(),
        "another day's"
    );
    // At most MAX_PER_TICKET per ticket; replacing one still works when full.
    for i in 2..MAX_PER_TICKET {
        a.add_push(&at, &sub(4, &format!("more-{i}")))
            .await
            .unwrap();
    }
    let err = b.add_push(&at, &sub(4, "one-too-many")).await.unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::Invalid, "{err}");
    b.add_push(&at, &sub(4, "z")).await.unwrap();
    a.add_push(&at, &sub(5, "other-ticket")).await.unwrap();
    // A bad subscription is refused before anything is kept.
    let mut bad = sub(6, "bad");
    bad.endpoint = "ftp://push.example.org/".into();
    assert_eq!(
        a.add_push(&at, &bad).await.unwrap_err().kind(),
        crate::ErrorKind::Invalid
    );
    // Removing one endpoint, then the rest of the ticket.
    let endpoint = sub(4, "z").endpoint;
    assert_eq!(
        b.remove_push(at.day, n(4), Some(&endpoint)).await.unwrap(),
        1
    );
    assert_eq!(
        a.remove_push(at.day, n(4), Some(&endpoint)).await.unwrap(),
        0
    );
    assert_eq!(
        a.remove_push(at.day, n(4), None).await.unwrap(),
        MAX_PER_TICKET as u64 - 1
    );
    assert_eq!(b.remove_push(at.day, n(4), None).await.unwrap(), 0);
    assert_eq!(
        b.pushes(at.day).await.unwrap(),
        [sub(5, "other-ticket"), sub(9, "x")]
    );
}

async fn each_stage_is_claimed_once<S: PushStore>(a: &S, b: &S) {
    let at = moment();
    let later = BusinessCalendar::new(chrono_tz::Tz::UTC, 0)
        .expect("a calendar")
        .moment(start_time() + Duration::minutes(5));
    let taken = sub(7, "x").taken_us;
    for stage in PushStage::ALL {
        assert!(
            a.claim_push(&at, n(7), taken, stage).await.unwrap(),
            "{stage} first"
        );
        assert!(
            !b.claim_push(&later, n(7), taken, stage).await.unwrap(),
            "{stage} again"
        );
        assert!(
            !a.claim_push(&at, n(7), taken, stage).await.unwrap(),
            "{stage} again"
        );
    }
    // The same number taken again after a reset is another ticket.
    assert!(
        b.claim_push(&at, n(7), taken + 1, PushStage::Near)
            .await
            .unwrap()
    );
    // Another ticket, and the same ticket number on another day.
    assert!(
        b.claim_push(&at, n(8), taken, PushStage::Near)
            .await
            .unwrap()
    );
    let next_day = BusinessCalendar::new(chrono_tz::Tz::UTC, 0)
        .expect("a calendar")
        .moment(start_time() + Duration::days(1));
    assert!(
        a.claim_push(&next_day, n(7), taken, PushStage::Near)
            .await
            .unwrap()
    );
}
