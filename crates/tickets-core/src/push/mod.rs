//! Push subscriptions: the browsers that asked to be told, on the holder's phone, when a
//! ticket's turn nears, when it is next and when it is called.
//!
//! A subscription belongs to one ticket of one day and lives as long as the day's keys
//! (the store drops it with them, or when the push service says it is gone). It names its
//! ticket by number *and* time of taking, so that a number given again after a reset does
//! not inherit it. Each [`PushStage`] of a ticket is claimed once in the store
//! ([`PushStore::claim_push`]): every server hears every event and works out the stages
//! reached, and the one that claims a stage first sends it. Encryption and sending are the
//! HTTP crate's.

mod memory;

use std::fmt;
use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::clock::{BusinessDay, Moment};
use crate::error::{Result, ValidationError};
use crate::model::TicketNumber;

pub(crate) use memory::MemoryPush;

/// The most browsers one ticket may have subscribed.
pub const MAX_PER_TICKET: usize = 5;

/// The longest push endpoint accepted (push services use a few hundred characters).
pub const MAX_ENDPOINT_CHARS: usize = 1_024;

/// What a ticket's holder is told, in the order it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PushStage {
    /// A few tickets (the server's setting) or fewer wait before it.
    Near,
    /// None waits before it.
    Next,
    /// It is called to a desk.
    Called,
}

impl PushStage {
    /// Every stage, in order.
    pub const ALL: [PushStage; 3] = [PushStage::Near, PushStage::Next, PushStage::Called];

    /// `near`, `next` or `called`.
    pub fn as_str(self) -> &'static str {
        match self {
            PushStage::Near => "near",
            PushStage::Next => "next",
            PushStage::Called => "called",
        }
    }
}

impl fmt::Display for PushStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One browser's subscription to one ticket.
///
/// ```
/// use tickets_core::push::PushSubscription;
/// use tickets_core::TicketNumber;
/// let s = PushSubscription {
///     ticket: TicketNumber::new(7).unwrap(),
///     taken_us: 1_796_025_600_000_000,
///     lang: "fr".into(),
///     endpoint: "https://push.example.org/abc".into(),
///     p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM".into(),
///     auth: "tBHItJI5svbpez7KI4CCXg".into(),
/// };
/// assert!(s.check().is_ok());
/// let not_a_url = PushSubscription { endpoint: "push.example.org".into(), ..s.clone() };
/// assert_eq!(not_a_url.check().unwrap_err().field, "subscription.endpoint");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSubscription {
    /// The ticket.
    pub ticket: TicketNumber,
    /// When the ticket was taken, in microseconds since the epoch: with the number, it
    /// names the ticket across a reset.
    pub taken_us: i64,
    /// The language of the notifications (`fr` or `en`).
    pub lang: String,
    /// Where the push service takes the messages for this browser.
    pub endpoint: String,
    /// The browser's public key (P-256, base64url), which messages are encrypted to.
    pub p256dh: String,
    /// The browser's authentication secret (base64url).
    pub auth: String,
}

impl PushSubscription {
    /// Checks what the store relies on: a URL-like endpoint of at most
    /// [`MAX_ENDPOINT_CHARS`], keys that are base64url text. (The HTTP crate checks
    /// the keys themselves and where the endpoint points.)
    pub fn check(&self) -> std::result::Result<(), ValidationError> {
        let b64 = |s: &str| {
            !s.is_empty()
                && s.len() <= 200
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b))
        };
        if self.endpoint.len() > MAX_ENDPOINT_CHARS
            || !(self.endpoint.starts_with("https://") || self.endpoint.starts_with("http://"))
        {
            return Err(ValidationError::new(
                "subscription.endpoint",
                format!(
                    "a push endpoint is an http(s) URL of at most {MAX_ENDPOINT_CHARS} characters"
                ),
            ));
        }
        if !b64(&self.p256dh) {
            return Err(ValidationError::new(
                "subscription.keys.p256dh",
                "the browser's key is base64url text",
            ));
        }
        if !b64(&self.auth) {
            return Err(ValidationError::new(
                "subscription.keys.auth",
                "the browser's secret is base64url text",
            ));
        }
        if !matches!(self.lang.as_str(), "fr" | "en") {
            return Err(ValidationError::new("lang", "the language is fr or en"));
        }
        Ok(())
    }
}

/// Where push subscriptions and the stages sent are kept.
/// [`MemoryBackend`](crate::MemoryBackend) and [`RedisBackend`](crate::RedisBackend)
/// implement it and pass one conformance suite.
pub trait PushStore: Send + Sync + 'static {
    /// Keeps `sub` for its ticket on the day of `at`, until the day's keys expire; a
    /// subscription of the same endpoint is replaced. More than [`MAX_PER_TICKET`] is an
    /// [`Error::Invalid`](crate::Error::Invalid).
    fn add_push(
        &self,
        at: &Moment,
        sub: &PushSubscription,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Every subscription of `day`, by ticket number, oldest first within a ticket.
    fn pushes(
        &self,
        day: BusinessDay,
    ) -> impl Future<Output = Result<Vec<PushSubscription>>> + Send;

    /// Removes the subscriptions of `ticket` on `day`: the one of `endpoint`, or all of
    /// them when `endpoint` is `None`. How many were removed.
    fn remove_push(
        &self,
        day: BusinessDay,
        ticket: TicketNumber,
        endpoint: Option<&str>,
    ) -> impl Future<Output = Result<u64>> + Send;

    /// Claims `stage` of the ticket `ticket` taken at `taken_us`, on the day of `at`:
    /// `true` the first time only, on every server.
    fn claim_push(
        &self,
        at: &Moment,
        ticket: TicketNumber,
        taken_us: i64,
        stage: PushStage,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// The error for one subscription too many.
pub(crate) fn too_many() -> crate::Error {
    crate::Error::Invalid(ValidationError::new(
        "subscription",
        format!("a ticket has at most {MAX_PER_TICKET} subscribed browsers: turn one off first"),
    ))
}

/// The field of a stage claim: `<number>:<taken µs>:<stage>`.
pub(crate) fn claim_field(ticket: TicketNumber, taken_us: i64, stage: PushStage) -> String {
    format!("{}:{taken_us}:{stage}", ticket.get())
}

mod any {
    //! [`PushStore`] on [`AnyBackend`]: each call goes to the backend chosen.

    use super::{PushStage, PushStore, PushSubscription};
    use crate::backend::AnyBackend;
    use crate::clock::{BusinessDay, Moment};
    use crate::error::Result;
    use crate::model::TicketNumber;

    macro_rules! each {
        ($self:ident, $b:ident => $call:expr) => {
            match $self {
                AnyBackend::Memory($b) => $call,
                #[cfg(feature = "redis")]
                AnyBackend::Redis($b) => $call,
            }
        };
    }

    impl PushStore for AnyBackend {
        async fn add_push(&self, at: &Moment, sub: &PushSubscription) -> Result<()> {
            each!(self, b => b.add_push(at, sub).await)
        }
        async fn pushes(&self, day: BusinessDay) -> Result<Vec<PushSubscription>> {
            each!(self, b => b.pushes(day).await)
        }
        async fn remove_push(
            &self,
            day: BusinessDay,
            ticket: TicketNumber,
            endpoint: Option<&str>,
        ) -> Result<u64> {
            each!(self, b => b.remove_push(day, ticket, endpoint).await)
        }
        async fn claim_push(
            &self,
            at: &Moment,
            ticket: TicketNumber,
            taken_us: i64,
            stage: PushStage,
        ) -> Result<bool> {
            each!(self, b => b.claim_push(at, ticket, taken_us, stage).await)
        }
    }
}
