//! The conformance suite of [`WebhookStore`]: every store keeps the hooks, enqueues each
//! delivery once whichever server enqueues it, hands a due delivery to one claimer at a
//! time, and keeps the failed ones until they are sent again. Each case gets two stores
//! on the same data (two servers on one Redis; the same backend twice in memory).

use std::future::Future;

use chrono::{DateTime, Duration, Utc};

use super::start_time;
use crate::webhooks::{
    DeliveryOutcome, MAX_WEBHOOKS, NewDelivery, Webhook, WebhookId, WebhookStore, retry_at,
};

fn hook(n: u8, at: DateTime<Utc>) -> Webhook {
    Webhook {
        id: WebhookId::parse(&format!("{n:016x}")).expect("an id"),
        url: format!("https://hooks.example.org/{n}"),
        events: vec!["call_next".into()],
        secret: format!("secret-{n}"),
        created_at: at,
    }
}

fn delivery(h: &Webhook, seq: u64) -> NewDelivery {
    NewDelivery {
        id: format!("{}-2026-11-24-{seq}", h.id),
        hook: h.id.clone(),
        event: "call_next".into(),
        body: format!("{{\"seq\":{seq}}}"),
    }
}

/// Runs every case, each on a fresh pair of stores from `factory`; panics naming the
/// first that fails.
pub async fn webhooks_conformance_suite<S, F, Fut>(factory: F)
where
    S: WebhookStore,
    F: Fn() -> Fut,
    Fut: Future<Output = (S, S)>,
{
    let (a, b) = factory().await;
    hooks_are_kept_listed_and_removed(&a, &b).await;
    let (a, b) = factory().await;
    a_delivery_is_enqueued_once_and_claimed_by_one(&a, &b).await;
    let (a, b) = factory().await;
    retries_then_failure_then_resend(&a, &b).await;
}

async fn hooks_are_kept_listed_and_removed<S: WebhookStore>(a: &S, b: &S) {
    let t0 = start_time();
    assert!(a.webhooks().await.unwrap().is_empty());
    let first = hook(1, t0);
    let second = hook(2, t0 + Duration::seconds(1));
    b.add_webhook(&second).await.unwrap();
    a.add_webhook(&first).await.unwrap();
    assert_eq!(
        b.webhooks().await.unwrap(),
        [first.clone(), second.clone()],
        "oldest first"
    );
    assert!(a.remove_webhook(&first.id).await.unwrap());
    assert!(!b.remove_webhook(&first.id).await.unwrap(), "removed once");
    assert_eq!(a.webhooks().await.unwrap(), std::slice::from_ref(&second));
    for n in 0..MAX_WEBHOOKS as u8 - 1 {
        a.add_webhook(&hook(10 + n, t0)).await.unwrap();
    }
    let err = b.add_webhook(&hook(200, t0)).await.unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::Invalid, "{err}");
    // Registering a known hook again replaces it, even when full.
    let mut changed = second.clone();
    changed.url = "https://hooks.example.org/changed".into();
    a.add_webhook(&changed).await.unwrap();
    assert!(b.webhooks().await.unwrap().contains(&changed));
}

async fn a_delivery_is_enqueued_once_and_claimed_by_one<S: WebhookStore>(a: &S, b: &S) {
    let t0 = start_time();
    let h = hook(1, t0);
    a.add_webhook(&h).await.unwrap();
    let d1 = delivery(&h, 1);
    let d2 = delivery(&h, 2);
    // Both servers hear of both events.
    assert_eq!(
        a.enqueue_deliveries(std::slice::from_ref(&d1), t0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        b.enqueue_deliveries(&[d1.clone(), d2.clone()], t0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        a.enqueue_deliveries(std::slice::from_ref(&d2), t0)
            .await
            .unwrap(),
        0
    );
    // Nothing is due before it was enqueued.
    let early = a
        .claim_deliveries(t0 - Duration::seconds(1), Duration::seconds(60), 10)
        .await;
    assert!(early.unwrap().is_empty());
    let lease = Duration::seconds(60);
    let got = a.claim_deliveries(t0, lease, 1).await.unwrap();
    assert_eq!(got.len(), 1, "at most as many as asked");
    let rest = b.claim_deliveries(t0, lease, 10).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_ne!(got[0].id, rest[0].id, "never the same to two claimers");
    let mut ids = vec![got[0].id.clone(), rest[0].id.clone()];
    ids.sort();
    assert_eq!(ids, [d1.id.clone(), d2.id.clone()]);
    let first = &got[0];
    assert_eq!(
        (first.attempts, first.failed, first.created_at),
        (0, false, t0)
    );
    assert_eq!(first.hook, h.id);
    assert!(
        b.claim_deliveries(t0 + Duration::seconds(59), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Delivered: gone, and a late server's enqueue does not bring it back.
    a.finish_delivery(&got[0].id, &DeliveryOutcome::Delivered, t0)
        .await
        .unwrap();
    let again = if got[0].id == d1.id { &d1 } else { &d2 };
    assert_eq!(
        b.enqueue_deliveries(std::slice::from_ref(again), t0)
            .await
            .unwrap(),
        0
    );
    // A lease that ran out without a report: due again, to anyone.
    let expired = a.claim_deliveries(t0 + lease, lease, 10).await.unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].id, rest[0].id);
    // A removed hook's deliveries are dropped when claimed.
    b.remove_webhook(&h.id).await.unwrap();
    let t1 = t0 + lease * 2;
    assert!(a.claim_deliveries(t1, lease, 10).await.unwrap().is_empty());
    assert!(a.deliveries().await.unwrap().is_empty());
}

async fn retries_then_failure_then_resend<S: WebhookStore>(a: &S, b: &S) {
    let t0 = start_time();
    let h = hook(1, t0);
    a.add_webhook(&h).await.unwrap();
    let d = delivery(&h, 7);
    a.enqueue_deliveries(std::slice::from_ref(&d), t0)
        .await
        .unwrap();
    let lease = Duration::seconds(60);
    let got = b.claim_deliveries(t0, lease, 10).await.unwrap();
    let next = retry_at(t0, 1, t0).unwrap();
    b.finish_delivery(
        &d.id,
        &DeliveryOutcome::Retry {
            error: "HTTP 500".into(),
            at: next,
        },
        t0,
    )
    .await
    .unwrap();
    assert_eq!(got.len(), 1);
    assert!(
        a.claim_deliveries(next - Duration::seconds(1), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let listed = a.deliveries().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].attempts, listed[0].failed), (1, false));
    assert_eq!(listed[0].last_error.as_deref(), Some("HTTP 500"));
    let again = a.claim_deliveries(next, lease, 10).await.unwrap();
    assert_eq!(again[0].attempts, 1);
    // The day is over: failed, listed first, no longer claimed.
    let late = t0 + Duration::hours(25);
    a.finish_delivery(
        &d.id,
        &DeliveryOutcome::Failed {
            error: "timed out".into(),
        },
        late,
    )
    .await
    .unwrap();
    assert!(
        b.claim_deliveries(late + Duration::days(1), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let other = delivery(&h, 8);
    a.enqueue_deliveries(std::slice::from_ref(&other), late)
        .await
        .unwrap();
    let listed = b.deliveries().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, d.id, "the failed first");
    assert!(listed[0].failed);
    assert_eq!(listed[0].attempts, 2);
    assert_eq!(listed[0].last_error.as_deref(), Some("timed out"));
    assert_eq!(
        (listed[1].id.as_str(), listed[1].failed),
        (other.id.as_str(), false)
    );
    // Sent again by hand: due now, with a new day of retries.
    assert!(
        !a.resend_delivery(&other.id, late).await.unwrap(),
        "only a failed one"
    );
    assert!(!a.resend_delivery("no-such-delivery", late).await.unwrap());
    let t2 = late + Duration::minutes(5);
    assert!(b.resend_delivery(&d.id, t2).await.unwrap());
    let claimed = a.claim_deliveries(t2, lease, 10).await.unwrap();
    let resent = claimed.iter().find(|x| x.id == d.id).expect("due again");
    assert_eq!((resent.failed, resent.created_at), (false, t2));
    assert_eq!(resent.body, d.body);
}
