//! The [`QueueBackend`] trait: the seam between the domain and storage.
//!
//! Every method is one atomic step: on Redis one `EVALSHA` of one script, on memory one
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

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::clock::Moment;
use crate::error::Result;
use crate::events::EventStream;
use crate::memory::MemoryBackend;
use crate::model::{
    Called, DayChange, DayFigures, DayStats, DeskId, DeskState, IdempotencyKey, LogEntry,
    MinuteActivity, QueueStatus, Reset, Service, Snapshot, SnapshotOptions, Taken, Ticket,
    TicketNumber,
};

/// What a take asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeRequest {
    /// The service the ticket is for.
    #[serde(default, rename = "service_type")]
    pub service: Service,
    /// Makes the take safe to retry: the same key on the same day gives the same ticket.
    #[serde(default)]
    pub idempotency_key: Option<IdempotencyKey>,
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

    /// Takes a ticket. [`Error::DayClosed`](crate::Error::DayClosed) when the day is not
    /// open, unless the idempotency key matches an earlier take.
    fn take(&self, at: &Moment, req: &TakeRequest) -> impl Future<Output = Result<Taken>> + Send;

    /// Calls the next ticket to `desk`, finishing the desk's current ticket first in the
    /// same step. `called` is `None` when nobody waits.
    fn call_next(&self, at: &Moment, desk: &DeskId) -> impl Future<Output = Result<Called>> + Send;

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
        avg_wait_seconds: stats.avg_wait_seconds(),
        avg_service_seconds: day_avg,
        desks_at_work: count,
        service_rate_per_hour: (rate > 0.0).then_some(rate),
    }
}

impl SnapshotParts {
    pub(crate) fn assemble(self, at: &Moment) -> Snapshot {
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
        }
    }
}
