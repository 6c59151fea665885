//! Webhooks: URLs an administrator registers, to which every queue event they asked for
//! is POSTed, signed, once, with retries for a day.
//!
//! This module holds what the store keeps and the rules every store follows
//! ([`WebhookStore`]): the hooks themselves (kept without expiry) and a queue of
//! deliveries. An event becomes one delivery per hook that wants it, with an id made of
//! the hook, the day and the event's number, so that when several servers (which all
//! receive every event) enqueue it, the store keeps it once. Any server then claims the
//! deliveries that are due, for a lease during which no other server takes them, sends
//! them, and reports each one: delivered (gone), to try again at the next step of
//! [`retry_at`], or failed after a day (kept, listed, and sent again on request). Sending
//! is the HTTP crate's; nothing here slows an operation of the queue.

mod memory;

use std::fmt;
use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Result, ValidationError};
use crate::model::Action;

pub(crate) use memory::MemoryWebhooks;

/// How long a delivery is tried again before it counts as failed.
pub const RETRY_WINDOW_HOURS: i64 = 24;

/// The pauses after each failed attempt; the last repeats until the window ends.
const RETRY_PAUSES_SECONDS: [i64; 8] = [10, 30, 60, 300, 900, 1_800, 3_600, 7_200];

/// How long a store remembers a delivery id it was given, so that a server that hears of
/// an event late does not deliver it again.
pub const SEEN_FOR_SECONDS: i64 = 2 * 86_400;

/// How long a delivery's record lives after its last change (a failed one stays listed
/// that long).
pub const DELIVERY_KEPT_SECONDS: i64 = 3 * 86_400;

/// The most hooks an office may register.
pub const MAX_WEBHOOKS: usize = 50;

/// The most failed deliveries kept (the oldest go first).
pub const MAX_FAILED: usize = 1_000;

/// The event name that asks for every event.
pub const ALL_EVENTS: &str = "*";

/// When to try a delivery made at `created_at` again after its `attempts`-th failure at
/// `now`; `None` once a day has passed: it has failed.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use tickets_core::webhooks::retry_at;
/// let t0 = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
/// assert_eq!(retry_at(t0, 1, t0), Some(t0 + Duration::seconds(10)));
/// assert_eq!(retry_at(t0, 2, t0 + Duration::seconds(10)), Some(t0 + Duration::seconds(40)));
/// // Past the day, no more tries.
/// assert_eq!(retry_at(t0, 20, t0 + Duration::hours(23)), None);
/// ```
pub fn retry_at(
    created_at: DateTime<Utc>,
    attempts: u32,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let step = (attempts.max(1) as usize - 1).min(RETRY_PAUSES_SECONDS.len() - 1);
    let next = now + Duration::seconds(RETRY_PAUSES_SECONDS[step]);
    (next <= created_at + Duration::hours(RETRY_WINDOW_HOURS)).then_some(next)
}

/// A hook's id: 16 lowercase hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, pattern = "^[0-9a-f]{16}$"))]
pub struct WebhookId(String);

impl WebhookId {
    /// A new random id.
    pub fn random() -> Result<Self> {
        crate::accounts::secret::random_hex::<8>().map(WebhookId)
    }

    /// Parses an id.
    pub fn parse(s: &str) -> std::result::Result<Self, ValidationError> {
        if crate::accounts::secret::is_hex(s, 16) {
            Ok(WebhookId(s.to_owned()))
        } else {
            Err(ValidationError::new(
                "id",
                "a webhook id is 16 hexadecimal digits",
            ))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WebhookId {
    type Error = ValidationError;
    fn try_from(s: String) -> std::result::Result<Self, Self::Error> {
        WebhookId::parse(&s)
    }
}

impl From<WebhookId> for String {
    fn from(id: WebhookId) -> String {
        id.0
    }
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A registered hook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Its id.
    pub id: WebhookId,
    /// Where events go (`http` or `https`).
    pub url: String,
    /// The events it wants: action names (`take_ticket`, `call_next`, …), or `*` for all.
    pub events: Vec<String>,
    /// The secret its signatures are made with.
    pub secret: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

impl Webhook {
    /// Whether it wants events of `action`.
    pub fn wants(&self, action: Action) -> bool {
        self.events
            .iter()
            .any(|e| e == ALL_EVENTS || e == action.as_str())
    }
}

/// Checks a list of event names: `*` or action names, at least one, no repeats.
///
/// ```
/// use tickets_core::webhooks::check_events;
/// assert!(check_events(&["call_next".into(), "take_ticket".into()]).is_ok());
/// assert!(check_events(&["*".into()]).is_ok());
/// assert!(check_events(&[]).is_err());
/// assert!(check_events(&["called".into()]).is_err());
/// ```
pub fn check_events(events: &[String]) -> std::result::Result<(), ValidationError> {
    if events.is_empty() {
        return Err(ValidationError::new(
            "events",
            "name at least one event, or \"*\" for all",
        ));
    }
    for (i, e) in events.iter().enumerate() {
        if e != ALL_EVENTS && e.parse::<Action>().is_err() {
            let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
            return Err(ValidationError::new(
                "events",
                format!(
                    "{e:?} is not an event; the events are \"*\" or {}",
                    names.join(", ")
                ),
            ));
        }
        if events[..i].contains(e) {
            return Err(ValidationError::new(
                "events",
                format!("{e:?} is named twice"),
            ));
        }
    }
    Ok(())
}

/// A delivery to make: one event for one hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// Its id: `<hook>-<day>-<event number>`, the same on every server.
    pub id: String,
    /// The hook.
    pub hook: WebhookId,
    /// The event's name (an action name).
    pub event: String,
    /// The JSON to POST.
    pub body: String,
}

/// A delivery as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// Its id (sent as `X-Tickets-Delivery`).
    pub id: String,
    /// The hook.
    pub hook: WebhookId,
    /// The event's name.
    pub event: String,
    /// The JSON it POSTs.
    pub body: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the event was enqueued (or sent again by hand): the day of retries counts
    /// from then.
    pub created_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// It failed for a day and is no longer tried.
    pub failed: bool,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx: the delivery is done and forgotten.
    Delivered,
    /// It failed with this error; try again at this time.
    Retry {
        /// Why.
        error: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// It failed with this error, and its day of retries is over.
    Failed {
        /// Why.
        error: String,
    },
}

/// Where the hooks and their deliveries are kept. [`MemoryBackend`](crate::MemoryBackend)
/// and [`RedisBackend`](crate::RedisBackend) implement it and pass one conformance suite.
pub trait WebhookStore: Send + Sync + 'static {
    /// Registers `hook` (at most [`MAX_WEBHOOKS`]: more is an
    /// [`Error::Invalid`](crate::Error::Invalid)).
    fn add_webhook(&self, hook: &Webhook) -> impl Future<Output = Result<()>> + Send;

    /// Every hook, oldest first.
    fn webhooks(&self) -> impl Future<Output = Result<Vec<Webhook>>> + Send;

    /// Removes a hook (its deliveries are dropped when next claimed); whether it existed.
    fn remove_webhook(&self, id: &WebhookId) -> impl Future<Output = Result<bool>> + Send;

    /// Enqueues `deliveries`, due at `now`; an id given before (within
    /// [`SEEN_FOR_SECONDS`]) is skipped, so that every server may enqueue every event.
    /// Returns how many were new.
    fn enqueue_deliveries(
        &self,
        deliveries: &[NewDelivery],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<u64>> + Send;

    /// Up to `max` deliveries due at `now`, oldest due first, each hidden from other
    /// claims until `now + lease` (after which, not reported, it is due again).
    fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        max: usize,
    ) -> impl Future<Output = Result<Vec<Delivery>>> + Send;

    /// Reports how an attempt at delivery `id` ended.
    fn finish_delivery(
        &self,
        id: &str,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The deliveries kept: the failed ones (newest first), then those waiting for their
    /// next attempt; at most 200 of each.
    fn deliveries(&self) -> impl Future<Output = Result<Vec<Delivery>>> + Send;

    /// Makes a failed delivery due again at `now`, with a new day of retries; whether there
    /// was such a failed delivery.
    fn resend_delivery(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// The error for one hook too many.
pub(crate) fn too_many() -> crate::Error {
    crate::Error::Invalid(ValidationError::new(
        "url",
        format!("an office has at most {MAX_WEBHOOKS} webhooks: remove one first"),
    ))
}

mod any {
    //! [`WebhookStore`] on [`AnyBackend`]: each call goes to the backend chosen.

    use chrono::{DateTime, Duration, Utc};

    use super::{Delivery, DeliveryOutcome, NewDelivery, Webhook, WebhookId, WebhookStore};
    use crate::backend::AnyBackend;
    use crate::error::Result;

    macro_rules! each {
        ($self:ident, $b:ident => $call:expr) => {
            match $self {
                AnyBackend::Memory($b) => $call,
                #[cfg(feature = "redis")]
                AnyBackend::Redis($b) => $call,
            }
        };
    }

    impl WebhookStore for AnyBackend {
        async fn add_webhook(&self, hook: &Webhook) -> Result<()> {
            each!(self, b => b.add_webhook(hook).await)
        }
        async fn webhooks(&self) -> Result<Vec<Webhook>> {
            each!(self, b => b.webhooks().await)
        }
        async fn remove_webhook(&self, id: &WebhookId) -> Result<bool> {
            each!(self, b => b.remove_webhook(id).await)
        }
        async fn enqueue_deliveries(
            &self,
            deliveries: &[NewDelivery],
            now: DateTime<Utc>,
        ) -> Result<u64> {
            each!(self, b => b.enqueue_deliveries(deliveries, now).await)
        }
        async fn claim_deliveries(
            &self,
            now: DateTime<Utc>,
            lease: Duration,
            max: usize,
        ) -> Result<Vec<Delivery>> {
            each!(self, b => b.claim_deliveries(now, lease, max).await)
        }
        async fn finish_delivery(
            &self,
            id: &str,
            outcome: &DeliveryOutcome,
            now: DateTime<Utc>,
        ) -> Result<()> {
            each!(self, b => b.finish_delivery(id, outcome, now).await)
        }
        async fn deliveries(&self) -> Result<Vec<Delivery>> {
            each!(self, b => b.deliveries().await)
        }
        async fn resend_delivery(&self, id: &str, now: DateTime<Utc>) -> Result<bool> {
            each!(self, b => b.resend_delivery(id, now).await)
        }
    }
}
