//! The [`QueueBackend`] trait: the seam between the domain and storage.
//!
//! Every method is one atomic step: on Redis one call of one script, on memory one
//! critical section. Methods take the [`Moment`] of the operation from the caller (the
//! [`TicketQueue`](crate::TicketQueue) facade builds it from its clock), so backends never
//! read a clock themselves.
//!
//! Code that works with any backend is generic over it:
//!
//! ```
//! use tickets_core::{BusinessCalendar, DeskId, MemoryBackend, QueueBackend, TakeRequest};
//!
//! async fn serve_everyone<B: QueueBackend>(backend: &B, cal: &BusinessCalendar) -> u64 {
//!     let desk = DeskId::default();
//!     let mut served = 0;
//!     loop {
//!         let at = cal.moment(chrono::Utc::now());
//!         match backend.call_next(&at, &desk).await {
//!             Ok(called) if called.called.is_some() => served += 1,
//!             _ => return served,
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let backend = MemoryBackend::new();
//! let cal = BusinessCalendar::default();
//! let at = cal.moment(chrono::Utc::now());
//! backend.open_day(&at).await.unwrap();
//! for _ in 0..3 {
//!     backend.take(&at, &TakeRequest::default()).await.unwrap();
//! }
//! assert_eq!(serve_everyone(&backend, &cal).await, 3);
//! # }
//! ```

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::{BusinessDay, Moment};
use crate::error::Result;
use crate::events::EventStream;
use crate::history::{HistoryClose, HistoryRecord};
use crate::limits::TakeLimits;
use crate::memory::MemoryBackend;
use crate::model::{
    Called, DayChange, DayFigures, DayStats, DeskId, DeskState, IdempotencyKey, LogEntry,
    MinuteActivity, PriorityCode, PriorityWaiting, QueueStatus, Reset, Service, ServiceFigures,
    Snapshot, SnapshotOptions, Taken, Ticket, TicketNumber, Transfer,
};
use crate::office::OfficeConfig;

/// What a take asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeRequest {
    /// The service the ticket is for.
    #[serde(default, rename = "service_type")]
    pub service: Service,
    /// Makes the take safe to retry: the same key on the same day gives the same ticket.
    #[serde(default)]
    pub idempotency_key: Option<IdempotencyKey>,
    /// The priority class asked for, if the service offers it.
    #[serde(default)]
    pub priority: Option<PriorityCode>,
    /// The limits this take obeys (none by default).
    #[serde(default)]
    pub limits: TakeLimits,
}

/// One ticket as a backend finds it, before the facade adds its estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketLookup {
    /// The ticket.
    pub ticket: Ticket,
    /// How many tickets wait before it, while it waits.
    pub waiting_before: Option<u64>,
    /// The day's figures.
    pub figures: DayFigures,
}

/// Storage for the queue. Both [`MemoryBackend`] and
/// [`RedisBackend`](crate::RedisBackend) implement it and pass the same conformance suite.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait QueueBackend: Send + Sync + 'static {
    /// Opens the day. Idempotent: opening an open day changes nothing and logs nothing.
    fn open_day(&self, at: &Moment) -> impl Future<Output = Result<DayChange>> + Send;

    /// Closes the day: no new tickets; waiting tickets stay callable; data stays until it
    /// expires. Idempotent.
    fn close_day(&self, at: &Moment) -> impl Future<Output = Result<DayChange>> + Send;

    /// Wipes the day: every ticket, counter, desk and log; the day ends up closed and
    /// numbering starts again at 1. Logs `reset_day`.
    fn reset_day(&self, at: &Moment) -> impl Future<Output = Result<Reset>> + Send;

    /// Takes a ticket for a service of the office, numbered within its service.
    /// [`Error::DayClosed`](crate::Error::DayClosed) when the day is not open, unless the
    /// idempotency key matches an earlier take; refused for an unknown or closed service,
    /// a priority the service does not offer, or a service at its daily limit.
    fn take(&self, at: &Moment, req: &TakeRequest) -> impl Future<Output = Result<Taken>> + Send;

    /// Calls the next ticket to `desk` under the calling rule ([`crate::calling`]),
    /// finishing the desk's current ticket first in the same step. `called` is `None`
    /// when nobody waits for the desk's services.
    /// [`Error::UnknownDesk`](crate::Error::UnknownDesk) for a desk the office does not list.
    fn call_next(&self, at: &Moment, desk: &DeskId) -> impl Future<Output = Result<Called>> + Send;

    /// Calls the waiting ticket `number` to `desk` out of order (logged `call_ticket`),
    /// finishing the desk's current ticket first.
    fn call(
        &self,
        at: &Moment,
        desk: &DeskId,
        number: TicketNumber,
    ) -> impl Future<Output = Result<Called>> + Send;

    /// Moves a waiting ticket, or a desk's current ticket, to another service's queue;
    /// it keeps its label. Answers the ticket as it is now.
    fn transfer(&self, at: &Moment, req: &Transfer) -> impl Future<Output = Result<Ticket>> + Send;

    /// Puts a no-show ticket back in its queue, at its arrival place.
    fn requeue(
        &self,
        at: &Moment,
        number: TicketNumber,
    ) -> impl Future<Output = Result<Ticket>> + Send;

    /// Takes waiting ticket `number`, taken at `taken_at`, out of its queue: its holder
    /// left. It becomes [`TicketStatus::Cancelled`](crate::TicketStatus::Cancelled).
    /// `taken_at` names the ticket, since a reset gives its number again: another ticket
    /// of that number is [`Error::TicketNotFound`](crate::Error::TicketNotFound). A ticket
    /// that no longer waits is [`Error::WrongStatus`](crate::Error::WrongStatus), except
    /// one already cancelled, which is answered as it is (leaving twice is harmless).
    fn leave(
        &self,
        at: &Moment,
        number: TicketNumber,
        taken_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<Ticket>> + Send;

    /// The office's secret named `name`: 32 random bytes made the first time it is asked
    /// for and kept by the store without expiry, so that every server sharing the store
    /// gets the same (the keys of tickets' holders derive from `holder`).
    fn secret(&self, name: &str) -> impl Future<Output = Result<Vec<u8>>> + Send;

    /// The office configuration as this backend last read it (cached; kept current
    /// within a second of a change made by any server sharing the store).
    fn office(&self) -> Arc<OfficeConfig>;

    /// Reads the office configuration from the store again and caches it.
    fn reload_office(&self) -> impl Future<Output = Result<Arc<OfficeConfig>>> + Send;

    /// Validates and stores a new office configuration with the next version, if the
    /// stored version is `expected` (any version when `None`);
    /// [`Error::VersionConflict`](crate::Error::VersionConflict) otherwise. A service that
    /// still has waiting tickets today cannot be removed
    /// ([`Error::ServiceInUse`](crate::Error::ServiceInUse)).
    fn put_office(
        &self,
        at: &Moment,
        config: OfficeConfig,
        expected: Option<u64>,
    ) -> impl Future<Output = Result<Arc<OfficeConfig>>> + Send;

    /// Finishes `desk`'s current ticket; `None` when it has none.
    fn finish(
        &self,
        at: &Moment,
        desk: &DeskId,
    ) -> impl Future<Output = Result<Option<Ticket>>> + Send;

    /// Calls `desk`'s current ticket again (an event and a log line); `None` when it has none.
    fn recall(
        &self,
        at: &Moment,
        desk: &DeskId,
    ) -> impl Future<Output = Result<Option<Ticket>>> + Send;

    /// Marks `desk`'s current ticket as no-show; `None` when it has none.
    fn no_show(
        &self,
        at: &Moment,
        desk: &DeskId,
    ) -> impl Future<Output = Result<Option<Ticket>>> + Send;

    /// The cheap status, as seen from `desk`.
    fn status(
        &self,
        at: &Moment,
        desk: &DeskId,
    ) -> impl Future<Output = Result<QueueStatus>> + Send;

    /// Everything about the day, with bounded lists.
    fn snapshot(
        &self,
        at: &Moment,
        opts: SnapshotOptions,
    ) -> impl Future<Output = Result<Snapshot>> + Send;

    /// One ticket with its live position.
    /// [`Error::TicketNotFound`](crate::Error::TicketNotFound) when there is none.
    fn ticket(
        &self,
        at: &Moment,
        number: TicketNumber,
    ) -> impl Future<Output = Result<TicketLookup>> + Send;

    /// Closes the history of `day`, a day that is over: its tickets still waiting or at a
    /// desk become [`Outcome::Unserved`](crate::Outcome::Unserved). Once: closing a closed
    /// day (or a day without history) changes nothing. `at` is the time of closing.
    fn close_history(
        &self,
        at: &Moment,
        day: BusinessDay,
    ) -> impl Future<Output = Result<HistoryClose>> + Send;

    /// The history of `day`, one record per ticket, in the order they were taken, as
    /// stored (see [`TicketQueue::history`](crate::TicketQueue::history) for the view
    /// that closes past days).
    fn history(
        &self,
        at: &Moment,
        day: BusinessDay,
    ) -> impl Future<Output = Result<Vec<HistoryRecord>>> + Send;

    /// Checks that the store answers.
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;

    /// Subscribes to the events of every day.
    fn events(&self) -> EventStream;
}

/// A backend chosen at run time.
#[derive(Debug, Clone)]
pub enum AnyBackend {
    /// In memory, in this process.
    Memory(MemoryBackend),
    /// On Redis.
    #[cfg(feature = "redis")]
    Redis(crate::RedisBackend),
}

impl AnyBackend {
    /// A short name for logs: `memory` or `redis`.
    pub fn name(&self) -> &'static str {
        match self {
            AnyBackend::Memory(_) => "memory",
            #[cfg(feature = "redis")]
            AnyBackend::Redis(_) => "redis",
        }
    }
}

macro_rules! delegate {
    ($self:ident, $b:ident => $call:expr) => {
        match $self {
            AnyBackend::Memory($b) => $call,
            #[cfg(feature = "redis")]
            AnyBackend::Redis($b) => $call,
        }
    };
}

impl QueueBackend for AnyBackend {
    async fn open_day(&self, at: &Moment) -> Result<DayChange> {
        delegate!(self, b => b.open_day(at).await)
    }
    async fn close_day(&self, at: &Moment) -> Result<DayChange> {
        delegate!(self, b => b.close_day(at).await)
    }
    async fn reset_day(&self, at: &Moment) -> Result<Reset> {
        delegate!(self, b => b.reset_day(at).await)
    }
    async fn take(&self, at: &Moment, req: &TakeRequest) -> Result<Taken> {
        delegate!(self, b => b.take(at, req).await)
    }
    async fn call_next(&self, at: &Moment, desk: &DeskId) -> Result<Called> {
        delegate!(self, b => b.call_next(at, desk).await)
    }
    async fn call(&self, at: &Moment, desk: &DeskId, number: TicketNumber) -> Result<Called> {
        delegate!(self, b => b.call(at, desk, number).await)
    }
    async fn transfer(&self, at: &Moment, req: &Transfer) -> Result<Ticket> {
        delegate!(self, b => b.transfer(at, req).await)
    }
    async fn requeue(&self, at: &Moment, number: TicketNumber) -> Result<Ticket> {
        delegate!(self, b => b.requeue(at, number).await)
    }
    async fn leave(
        &self,
        at: &Moment,
        number: TicketNumber,
        taken_at: DateTime<Utc>,
    ) -> Result<Ticket> {
        delegate!(self, b => b.leave(at, number, taken_at).await)
    }
    async fn secret(&self, name: &str) -> Result<Vec<u8>> {
        delegate!(self, b => b.secret(name).await)
    }
    fn office(&self) -> Arc<OfficeConfig> {
        delegate!(self, b => b.office())
    }
    async fn reload_office(&self) -> Result<Arc<OfficeConfig>> {
        delegate!(self, b => b.reload_office().await)
    }
    async fn put_office(
        &self,
        at: &Moment,
        config: OfficeConfig,
        expected: Option<u64>,
    ) -> Result<Arc<OfficeConfig>> {
        delegate!(self, b => b.put_office(at, config, expected).await)
    }
    async fn finish(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        delegate!(self, b => b.finish(at, desk).await)
    }
    async fn recall(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        delegate!(self, b => b.recall(at, desk).await)
    }
    async fn no_show(&self, at: &Moment, desk: &DeskId) -> Result<Option<Ticket>> {
        delegate!(self, b => b.no_show(at, desk).await)
    }
    async fn status(&self, at: &Moment, desk: &DeskId) -> Result<QueueStatus> {
        delegate!(self, b => b.status(at, desk).await)
    }
    async fn snapshot(&self, at: &Moment, opts: SnapshotOptions) -> Result<Snapshot> {
        delegate!(self, b => b.snapshot(at, opts).await)
    }
    async fn ticket(&self, at: &Moment, number: TicketNumber) -> Result<TicketLookup> {
        delegate!(self, b => b.ticket(at, number).await)
    }
    async fn close_history(&self, at: &Moment, day: BusinessDay) -> Result<HistoryClose> {
        delegate!(self, b => b.close_history(at, day).await)
    }
    async fn history(&self, at: &Moment, day: BusinessDay) -> Result<Vec<HistoryRecord>> {
        delegate!(self, b => b.history(at, day).await)
    }
    async fn ping(&self) -> Result<()> {
        delegate!(self, b => b.ping().await)
    }
    fn events(&self) -> EventStream {
        delegate!(self, b => b.events())
    }
}

/// The raw pieces of a snapshot, read by a backend in one step.
#[derive(Debug, Default)]
pub(crate) struct SnapshotParts {
    pub(crate) open: bool,
    pub(crate) counter: u64,
    pub(crate) queue_length: u64,
    pub(crate) next: Option<TicketNumber>,
    pub(crate) waiting: Vec<Ticket>,
    pub(crate) logs: Vec<LogEntry>,
    /// Every desk of the day with its current ticket, in id order.
    pub(crate) desks: Vec<(DeskId, Option<Ticket>)>,
    pub(crate) stats: DayStats,
    pub(crate) activity: Vec<MinuteActivity>,
    pub(crate) key_count: u64,
    pub(crate) ttl_seconds: Option<u64>,
    /// Every non-empty queue: its service, class, length and first numbers in order.
    pub(crate) queues: Vec<QueueParts>,
}

/// One queue (a service, a priority class) as a snapshot reads it.
#[derive(Debug, Default)]
pub(crate) struct QueueParts {
    pub(crate) service: Option<Service>,
    pub(crate) priority: Option<PriorityCode>,
    pub(crate) len: u64,
    /// The first numbers, in calling order.
    pub(crate) first: Vec<TicketNumber>,
}

/// The day's figures from its counters.
pub(crate) fn figures<'a>(
    stats: &DayStats,
    taken: u64,
    waiting: u64,
    desks_at_work: impl IntoIterator<Item = &'a DeskId>,
) -> DayFigures {
    // Each desk at work serves at its own measured pace; a desk that has not completed
    // anyone yet is assumed to go at the day's average. No average at all: unknown.
    let day_avg = stats.avg_service_seconds();
    // Summed in id order, so that every backend gets the same float.
    let mut desks: Vec<&DeskId> = desks_at_work.into_iter().collect();
    desks.sort();
    let count = desks.len() as u64;
    let mut rate = 0.0;
    for desk in desks {
        let avg = stats
            .desks
            .get(desk)
            .and_then(|d| d.avg_service_seconds())
            .or(day_avg);
        if let Some(avg) = avg {
            rate += 3600.0 / avg.max(1.0);
        }
    }
    DayFigures {
        taken,
        waiting,
        called: stats.called,
        served: stats.served,
        no_shows: stats.no_shows,
        left: stats.left,
        avg_wait_seconds: stats.avg_wait_seconds(),
        avg_service_seconds: day_avg,
        desks_at_work: count,
        service_rate_per_hour: (rate > 0.0).then_some(rate),
    }
}

/// Per-service and per-class figures from the queues and counters of a snapshot.
fn service_figures(
    office: &OfficeConfig,
    queues: &[QueueParts],
    stats: &DayStats,
    limit: usize,
) -> (Vec<ServiceFigures>, Vec<PriorityWaiting>) {
    // The office's services, then any service that still has tickets waiting.
    let mut codes: Vec<Service> = office.services.iter().map(|s| s.code.clone()).collect();
    for q in queues {
        if let Some(s) = &q.service
            && !codes.contains(s)
        {
            codes.push(s.clone());
        }
    }
    let services = codes
        .into_iter()
        .map(|code| {
            let conf = office.service(&code);
            let mut mine: Vec<&QueueParts> = queues
                .iter()
                .filter(|q| q.service.as_ref() == Some(&code))
                .collect();
            mine.sort_by_key(|q| std::cmp::Reverse(office.weight_of(q.priority.as_ref())));
            let mut waiting_by_priority = BTreeMap::new();
            for q in &mine {
                if let Some(p) = &q.priority {
                    *waiting_by_priority.entry(p.clone()).or_insert(0) += q.len;
                }
            }
            let queue = mine
                .iter()
                .flat_map(|q| q.first.iter().copied())
                .take(limit)
                .collect();
            let st = stats.services.get(&code).cloned().unwrap_or_default();
            ServiceFigures {
                name: conf.map_or_else(
                    || crate::office::Names::both(code.as_str()),
                    |c| c.name.clone(),
                ),
                waiting: mine.iter().map(|q| q.len).sum(),
                waiting_by_priority,
                queue,
                called: st.called,
                served: st.served,
                avg_wait_seconds: st.avg_wait_seconds(),
                p90_wait_seconds: st.p90_wait_seconds(),
                target_wait_minutes: conf.and_then(|c| c.target_wait_minutes),
                within_target_share: conf
                    .and_then(|c| c.target_wait_minutes)
                    .and_then(|_| st.within_target_share()),
                code,
            }
        })
        .collect();
    let priorities = office
        .priorities
        .iter()
        .map(|p| PriorityWaiting {
            code: p.code.clone(),
            name: p.name.clone(),
            waiting: queues
                .iter()
                .filter(|q| q.priority.as_ref() == Some(&p.code))
                .map(|q| q.len)
                .sum(),
        })
        .collect();
    (services, priorities)
}

impl SnapshotParts {
    pub(crate) fn assemble(self, at: &Moment, office: &OfficeConfig, limit: usize) -> Snapshot {
        let (services, priorities) = service_figures(office, &self.queues, &self.stats, limit);
        let figures = figures(
            &self.stats,
            self.counter,
            self.queue_length,
            self.desks.iter().map(|(d, _)| d),
        );
        let current_ticket_data = self
            .desks
            .iter()
            .find(|(d, _)| d.is_default())
            .and_then(|(_, t)| t.clone());
        let desks = self
            .desks
            .into_iter()
            .map(|(desk, current)| {
                let s = self.stats.desks.get(&desk).copied().unwrap_or_default();
                DeskState {
                    desk,
                    current,
                    served: s.served,
                    avg_service_seconds: s.avg_service_seconds(),
                }
            })
            .collect();
        Snapshot {
            day: at.day,
            open: self.open,
            queue_length: self.queue_length,
            current_ticket: current_ticket_data.as_ref().map(|t| t.number),
            current_ticket_data,
            next_ticket: self.next,
            waiting_tickets: self.queue_length,
            waiting_list: self.waiting,
            logs: self.logs,
            total_tickets: self.counter,
            avg_wait_seconds: self.stats.avg_wait_seconds(),
            key_count: self.key_count,
            hash_count: self.counter,
            ttl_seconds: self.ttl_seconds,
            desks,
            figures,
            activity: self.activity,
            last_event: self.stats.seq,
            services,
            priorities,
        }
    }
}

mod accounts_delegation {
    //! [`AccountStore`] on [`AnyBackend`]: each call goes to the backend chosen.

    use chrono::{DateTime, Duration, Utc};

    use super::AnyBackend;
    use crate::accounts::{
        Account, AccountChanges, AccountStore, AccountView, ApiToken, AuditEntry, AuditFilter,
        FailureCounts, NewAccount, NewToken, PasswordHash, Session, SessionId, SignedIn, TokenId,
        TokenInfo, Username,
    };
    use crate::error::Result;
    use crate::limits::ClientKey;
    use crate::model::DeskId;

    impl AccountStore for AnyBackend {
        async fn create_account(
            &self,
            account: NewAccount,
            now: DateTime<Utc>,
        ) -> Result<AccountView> {
            delegate!(self, b => b.create_account(account, now).await)
        }
        async fn account(&self, username: &Username) -> Result<Option<Account>> {
            delegate!(self, b => b.account(username).await)
        }
        async fn accounts(&self) -> Result<Vec<AccountView>> {
            delegate!(self, b => b.accounts().await)
        }
        async fn update_account(
            &self,
            username: &Username,
            changes: &AccountChanges,
            now: DateTime<Utc>,
        ) -> Result<Option<AccountView>> {
            delegate!(self, b => b.update_account(username, changes, now).await)
        }
        async fn set_enabled(
            &self,
            username: &Username,
            enabled: bool,
            now: DateTime<Utc>,
        ) -> Result<Option<AccountView>> {
            delegate!(self, b => b.set_enabled(username, enabled, now).await)
        }
        async fn set_password(
            &self,
            username: &Username,
            hash: PasswordHash,
            now: DateTime<Utc>,
        ) -> Result<Option<AccountView>> {
            delegate!(self, b => b.set_password(username, hash, now).await)
        }
        async fn ensure_admin(
            &self,
            hash: PasswordHash,
            now: DateTime<Utc>,
        ) -> Result<Option<AccountView>> {
            delegate!(self, b => b.ensure_admin(hash, now).await)
        }
        async fn create_session(
            &self,
            username: &Username,
            desk: Option<DeskId>,
            now: DateTime<Utc>,
        ) -> Result<Option<Session>> {
            delegate!(self, b => b.create_session(username, desk, now).await)
        }
        async fn session(
            &self,
            id: &SessionId,
            now: DateTime<Utc>,
            idle: Duration,
        ) -> Result<Option<SignedIn>> {
            delegate!(self, b => b.session(id, now, idle).await)
        }
        async fn revoke_session(&self, id: &SessionId) -> Result<bool> {
            delegate!(self, b => b.revoke_session(id).await)
        }
        async fn revoke_sessions_of(&self, username: &Username) -> Result<u64> {
            delegate!(self, b => b.revoke_sessions_of(username).await)
        }
        async fn record_failure(
            &self,
            address: &ClientKey,
            username: Option<&Username>,
            now: DateTime<Utc>,
        ) -> Result<Option<u64>> {
            delegate!(self, b => b.record_failure(address, username, now).await)
        }
        async fn failures(
            &self,
            address: &ClientKey,
            username: Option<&Username>,
            now: DateTime<Utc>,
        ) -> Result<FailureCounts> {
            delegate!(self, b => b.failures(address, username, now).await)
        }
        async fn throttle(
            &self,
            address: &ClientKey,
            username: Option<&Username>,
            now: DateTime<Utc>,
        ) -> Result<Option<u64>> {
            delegate!(self, b => b.throttle(address, username, now).await)
        }
        async fn clear_failures(&self, username: &Username) -> Result<()> {
            delegate!(self, b => b.clear_failures(username).await)
        }
        async fn create_token(
            &self,
            username: &Username,
            label: &str,
            now: DateTime<Utc>,
        ) -> Result<Option<NewToken>> {
            delegate!(self, b => b.create_token(username, label, now).await)
        }
        async fn tokens(&self, username: Option<&Username>) -> Result<Vec<TokenInfo>> {
            delegate!(self, b => b.tokens(username).await)
        }
        async fn revoke_token(&self, id: &TokenId) -> Result<bool> {
            delegate!(self, b => b.revoke_token(id).await)
        }
        async fn token_account(
            &self,
            token: &ApiToken,
        ) -> Result<Option<(TokenInfo, AccountView)>> {
            delegate!(self, b => b.token_account(token).await)
        }
        async fn record_audit(&self, entry: &AuditEntry) -> Result<()> {
            delegate!(self, b => b.record_audit(entry).await)
        }
        async fn record_audits(&self, entries: &[AuditEntry]) -> Result<()> {
            delegate!(self, b => b.record_audits(entries).await)
        }
        async fn audit(
            &self,
            filter: &AuditFilter,
            limit: usize,
            now: DateTime<Utc>,
        ) -> Result<Vec<AuditEntry>> {
            delegate!(self, b => b.audit(filter, limit, now).await)
        }
    }
}
